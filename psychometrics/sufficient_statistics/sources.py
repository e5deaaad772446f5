"""The sources :func:`moments` reads: DataFrames, iterators of DataFrames or Arrow
batches, Parquet files in bounded-memory batches, and Dask DataFrames (reduced on the
workers). This and :mod:`psychometrics._pass` are the only code that reads rows."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics._pass import single_threaded_blas
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.sufficient_statistics.container import Moments, _sorted_groups
from psychometrics.sufficient_statistics.group import (
    BATCH_ROWS,
    MISSING_GROUP,
    _Options,
    _stats_of,
)

# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


def _is_dask(data: Any) -> bool:
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr")


def _is_arrow(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "pyarrow"


def _frame_items(frame: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """The items of one batch as a float64 matrix (NaN = missing), checked numeric."""
    missing = [c for c in items if c not in frame.columns]
    if missing:
        from psychometrics.errors import MissingColumnError

        raise MissingColumnError(f"item column(s) {missing} are not in the data")
    X = np.empty((len(frame), len(items)), order="F",
                 dtype=_small_dtype([frame[name].dtype for name in items]))
    small = X.dtype != np.float64
    for j, name in enumerate(items):
        col = frame[name]
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            raise ValueError(f"item column {name!r} is not numeric (dtype {col.dtype}); "
                             "recode it first")
        X[:, j] = col.to_numpy() if small else col.to_numpy(dtype=np.float64,
                                                            na_value=np.nan)
    return X


def _small_dtype(dtypes: Sequence[np.dtype]) -> type:
    """int8 when every item is int8 (the copy is a byte copy), int16 when all are int8 or
    uint8, else float64: the pass widens integer items block by block."""
    if all(d == np.dtype(np.int8) for d in dtypes):
        return np.int8
    if all(d in (np.dtype(np.int8), np.dtype(np.uint8)) for d in dtypes):
        return np.int16
    return np.float64


def _arrow_items(batch: Any, items: Sequence[str]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    names = batch.schema.names
    nulls = any(name in names and batch.column(names.index(name)).null_count
                for name in items)
    types = [np.dtype(batch.column(names.index(name)).type.to_pandas_dtype())
             if name in names and pa.types.is_integer(batch.column(names.index(name)).type)
             else np.dtype(np.float64) for name in items]
    # int8 Likert columns stay int8 (1 byte a cell, copied as bytes): the pass widens them
    # block by block
    X = np.empty((batch.num_rows, len(items)), order="F",
                 dtype=np.float64 if nulls else _small_dtype(types))
    for j, name in enumerate(items):
        if name not in names:
            from psychometrics.errors import MissingColumnError

            raise MissingColumnError(f"item column {name!r} is not in the data")
        col = batch.column(names.index(name))
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)
                or pa.types.is_boolean(col.type)):
            raise ValueError(f"item column {name!r} is not numeric (type {col.type})")
        if pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.float64())
        # integers without nulls are read in place and widened once, into X
        X[:, j] = col.to_numpy(zero_copy_only=False)
    return X


def _group_labels(values: np.ndarray) -> np.ndarray:
    labels = pd.Series(values).astype("string").fillna(MISSING_GROUP)
    return labels.to_numpy(dtype=object)


def _batch_moments(X: np.ndarray, labels: np.ndarray | None, items: tuple[str, ...],
                   by: tuple[str, ...] | None, opts: _Options, batch_id: int) -> Moments:
    if labels is None:
        return Moments(items, by, {None: _stats_of(X, opts, batch_id)}, opts)
    groups = {}
    _uniq, first = np.unique(labels.astype(str), return_index=True)
    for label, row in zip(labels[first], first, strict=True):
        groups[label] = _stats_of(X[labels == label], opts, batch_id)
        groups[label].seen = (batch_id, int(row))
    return Moments(items, by, _sorted_groups(groups), opts)


def _labels_of(frame: Any, by: tuple[str, ...] | None) -> np.ndarray | None:
    if by is None:
        return None
    if _is_arrow(frame):
        frame = frame.select(list(by)).to_pandas()
    missing = [c for c in by if c not in frame.columns]
    if missing:
        from psychometrics.errors import MissingColumnError

        raise MissingColumnError(f"group column(s) {missing} are not in the data")
    if len(by) == 1:
        return _group_labels(frame[by[0]].to_numpy())
    parts = [_group_labels(frame[c].to_numpy()) for c in by]
    return np.array([" / ".join(map(str, t)) for t in zip(*parts, strict=True)], dtype=object)


def _moments_of_batch(batch: Any, items: tuple[str, ...], by: tuple[str, ...] | None,
                      opts: _Options, batch_id: int) -> Moments:
    """One DataFrame or Arrow batch -> Moments (also the Dask partition function)."""
    X = _arrow_items(batch, items) if _is_arrow(batch) else _frame_items(batch, items)
    # k x k products of a few thousand rows: threaded BLAS only contends, and the reader
    # decodes the next batch in its own thread
    with single_threaded_blas():
        return _batch_moments(X, _labels_of(batch, by), items, by, opts, batch_id)


def _tree_sum(parts: list[Moments]) -> Moments:
    while len(parts) > 1:
        parts = [parts[i] + parts[i + 1] if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def _parquet_batches(path: Any, columns: list[str] | None, batch_rows: int
                     ) -> tuple[Iterator[Any], int, list[str]]:
    """Batches of a Parquet file, directory or list of files, one file at a time.

    Each file is read with ``ParquetFile.iter_batches``, which reads a row group only when
    the previous batches have been taken: memory stays at a few batches. (A dataset scanner
    reads ahead without waiting for a slow consumer and held over 1 GB of a 100-million-row
    dataset in the benchmark.)
    """
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if isinstance(path, list | tuple):
        dataset = ds.dataset([str(p) for p in path], format="parquet")
    else:
        dataset = ds.dataset(str(path), format="parquet")
    names = dataset.schema.names
    total = dataset.count_rows()
    files = list(dataset.files)

    def batches() -> Iterator[Any]:
        for name in files:
            with pq.ParquetFile(name) as handle:
                yield from handle.iter_batches(batch_size=batch_rows, columns=columns)

    return _prefetch(batches(), depth=2), total, names


def _prefetch(source: Iterator[Any], depth: int) -> Iterator[Any]:
    """Decode the next ``depth`` batches in a thread while the current one is reduced
    (pyarrow releases the GIL while decoding), with a bounded queue, so reading and
    computing overlap without reading ahead of memory."""
    import queue
    import threading

    done = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    thread = threading.Thread(target=work, daemon=True, name="psychometrics-prefetch")
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _dask_moments(ddf: Any, items: tuple[str, ...], by: tuple[str, ...] | None,
                  opts: _Options) -> Moments:
    """Per partition on the workers, merged in a tree by Dask (``to_delayed``)."""
    import dask

    cols = list(items) + [c for c in (by or ()) if c not in items]
    parts = [dask.delayed(_moments_of_batch)(p, items, by, opts, i)
             for i, p in enumerate(ddf[cols].to_delayed())]
    while len(parts) > 1:
        parts = [dask.delayed(operator.add)(parts[i], parts[i + 1]) if i + 1 < len(parts)
                 else parts[i] for i in range(0, len(parts), 2)]
    (result,) = dask.compute(parts[0])
    return result


def moments(
    data: Any,
    items: Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    pairwise: bool = True,
    patterns: bool = False,
    fourth: bool = False,
    tables: bool = False,
    n_boot: int = 0,
    seed: int | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: bool | ProgressCallback | None = None,
) -> Moments:
    r"""Read item data once into mergeable sufficient statistics.

    For each group and item pair (i, j) with :math:`N_{ij}` joint answers:

    .. math::

        \bar x_{i\cdot j} = \frac{1}{N_{ij}} \sum_{r \in ij} x_{ri}, \qquad
        C_{ij} = \sum_{r \in ij} (x_{ri} - \bar x_{i\cdot j})(x_{rj} - \bar x_{j\cdot i})

    so that ``cov(x, use = "pairwise")`` is :math:`C_{ij} / (N_{ij} - 1)`. Two parts merge
    by Chan, Golub & LeVeque's update :math:`C = C_1 + C_2 + \delta_i \delta_j N_1 N_2 / N`
    (:math:`\delta` the difference of the parts' pairwise means), which is exact and stable.

    Parameters
    ----------
    data
        A pandas DataFrame; an iterable of DataFrames or pyarrow RecordBatches/Tables; the
        path of a Parquet file or dataset directory, or a list of Parquet paths (read with
        pyarrow in batches of ``batch_rows`` rows: memory stays bounded); or a Dask
        DataFrame (each partition is reduced on the Dask workers, then merged in a tree).
    items
        Item columns (default: every column not in ``by``).
    by
        Column(s) whose values define groups (or waves); rows without a value form the
        group ``"(missing)"``.
    pairwise
        Pairwise statistics are always collected (they cost one pass); kept for the
        documented signature.
    patterns
        Also collect each missing-data pattern's count, means and cross-products (FIML;
        alpha's mean score with missing answers).
    fourth
        Also collect third- and fourth-order central moments of the complete rows (the ADF
        Gamma of MLM/MLR: :meth:`Moments.gamma`).
    tables
        Also collect bivariate contingency tables of every item pair (polychoric).
    n_boot, seed
        Poisson-bootstrap replicates of the complete rows (they merge like the data).
    batch_rows, progress
        Batch size for Arrow/Parquet sources; progress callback ``progress(rows, total)``
        (``True`` draws a bar) for streamed sources.

    Returns
    -------
    Moments

    References
    ----------
    Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
    algorithm for computing sample variances. Stanford CS report STAN-CS-79-773.
    Pébay, P. (2008). Formulas for robust, one-pass parallel computation of covariances and
    arbitrary-order statistical moments. Sandia report SAND2008-6212.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(1000, 4)), columns=list("abcd"))
    >>> m = pm.moments(df.iloc[:600]) + pm.moments(df.iloc[600:])
    >>> m.n, np.allclose(m.cov(), df.cov())
    (1000, True)
    >>> round(pm.alpha(m).raw_alpha, 6) == round(pm.alpha(df).raw_alpha, 6)
    True
    """
    if not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"batch_rows must be a positive integer, got {batch_rows!r}")
    if not isinstance(n_boot, int) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    by_t = None if by is None else ((by,) if isinstance(by, str) else tuple(by))
    opts = _Options(pairwise=bool(pairwise), patterns=bool(patterns), fourth=bool(fourth),
                    tables=bool(tables), n_boot=n_boot,
                    seed=0 if seed is None else int(seed))
    report = resolve_progress(progress, "reading")

    def pick(columns: Sequence[str]) -> tuple[str, ...]:
        if items is not None:
            return tuple(str(i) for i in items)
        return tuple(str(c) for c in columns if by_t is None or c not in by_t)

    if isinstance(data, Moments):
        return data if items is None else data.select(list(items))
    if isinstance(data, pd.DataFrame):
        chosen = pick(data.columns)
        result = _moments_of_batch(data, chosen, by_t, opts, 0)
        return result
    if _is_dask(data):
        return _dask_moments(data, pick(data.columns), by_t, opts)
    if isinstance(data, str | Path) or (isinstance(data, list | tuple) and data
                                         and all(isinstance(p, str | Path) for p in data)):
        cols = None if items is None else list(items) + list(by_t or ())
        batches, total, names = _parquet_batches(data, cols, batch_rows)
        chosen = pick(names)
        return _stream(batches, chosen, by_t, opts, report, total)
    if _is_arrow(data) and hasattr(data, "to_batches"):
        return _stream(iter(data.to_batches(max_chunksize=batch_rows)),
                       pick(data.schema.names), by_t, opts, report, data.num_rows)
    if isinstance(data, Iterable):
        it = iter(data)
        try:
            first = next(it)
        except StopIteration:
            raise ValueError("the data source yielded no batches") from None
        names = first.schema.names if _is_arrow(first) else list(first.columns)
        return _stream(_chain(first, it), pick(names), by_t, opts, report, 0)
    raise TypeError(f"cannot read moments from {type(data).__name__}: pass a DataFrame, "
                    "an iterable of DataFrames/Arrow batches, Parquet path(s) or a Dask "
                    "DataFrame")


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _stream(batches: Iterator[Any], items: tuple[str, ...], by: tuple[str, ...] | None,
            opts: _Options, report: ProgressCallback, total: int) -> Moments:
    """Merge batch by batch: memory is one batch plus the k x k statistics."""
    acc: Moments | None = None
    done = 0
    report(0, total)
    for i, batch in enumerate(batches):
        part = _moments_of_batch(batch, items, by, opts, i)
        acc = part if acc is None else acc + part
        done += batch.num_rows if _is_arrow(batch) else len(batch)
        report(done, max(total, done))
    if acc is None:
        raise ValueError("the data source yielded no rows")
    if done != total:  # the bar ends at what was read
        report(done, done)
    return acc


def as_moments(data: Any, **kwargs: Any) -> Moments | None:
    """``data`` as Moments when it is a Moments or a source that is not in memory (Dask,
    Parquet, Arrow, an iterator); None for a DataFrame or array (the in-memory paths)."""
    if isinstance(data, Moments):
        return data
    if isinstance(data, pd.DataFrame | np.ndarray):
        return None
    if _is_dask(data) or _is_arrow(data) or isinstance(data, str | Path) or (
            isinstance(data, list | tuple) and data
            and all(isinstance(p, str | Path) for p in data)):
        return moments(data, **kwargs)
    if isinstance(data, Iterator):
        return moments(data, **kwargs)
    if isinstance(data, list | tuple) and data and all(
            isinstance(part, pd.DataFrame) or _is_arrow(part) for part in data):
        return moments(data, **kwargs)  # parts of the data: their moments merge
    return None
