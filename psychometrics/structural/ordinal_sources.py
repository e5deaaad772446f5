r"""Ordinal stage 1 from a source read in batches: Parquet files, a pyarrow Table, a Dask
DataFrame.

lavaan's stage 1 (:mod:`~psychometrics.structural.ordinal_stats`) needs two passes over the
rows of a source that does not fit in memory:

1. *Counts.* Per group: the rows kept (listwise: complete rows; pairwise: rows with an
   answer), and the bivariate contingency tables of every item pair over the rows answering
   both (the diagonal tables are the items' frequencies), on the answer values, so that
   batches merge before the categories are known. From them:
   :func:`~psychometrics.structural.ordinal_stats.step1` (thresholds, polychoric
   correlations) and :func:`~psychometrics.structural.ordinal_gamma.score_setup` (the score
   tables and Gamma's ``B^-1``).
2. *Scores.* Per group, :math:`S'S` of the rows' case-wise scores
   (:func:`~psychometrics.structural.ordinal_gamma.score_crossproduct`), each row's scores
   being a lookup by its categories; batches add up. Then
   :math:`\Gamma = N B^{-1} (S'S) B^{-T}`.

Both passes are sums over rows, so a Parquet source is read batch by batch (memory: a few
batches plus the tables) and a Dask DataFrame is reduced per partition on its workers and
merged in a tree, as :func:`psychometrics.moments` does. The counts are integers, so
thresholds and polychorics equal the in-memory ones exactly; Gamma differs only by the order
of the sums (about 1e-15).

A :class:`~psychometrics.Moments` cannot be used: it holds the first pass (``tables=True``)
but not the rows the second pass needs; nor can an iterator of batches, which can be read
only once. :func:`streamed_ordinal_stats` is given the source itself.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.errors import MissingColumnError, PsychometricsWarning
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.structural.ordinal_gamma import (
    Scores,
    gamma_of,
    score_crossproduct,
    score_setup,
)
from psychometrics.structural.ordinal_stats import (
    OrdinalSampleStats,
    category_codes,
    group_result,
    item_levels,
    step1,
)

__all__ = ["Prepared", "rereadable", "streamed_ordinal_stats"]

_SHOWN = 5  # row positions named in the warning about rows left out


@dataclass(frozen=True)
class Prepared:
    """A re-readable source whose batches go through ``prepare`` before they are read: a
    picklable callable from a pandas DataFrame (a batch or a Dask partition, every column)
    to a DataFrame with the items and the group column (the CLI's keyed instrument
    items, :func:`psychometrics.analysis._keyed_frame`)."""

    source: Any
    prepare: Callable[[pd.DataFrame], pd.DataFrame]


def rereadable(data: Any) -> bool:
    """True for the sources :func:`streamed_ordinal_stats` can read twice: Parquet path(s),
    a pyarrow Table or RecordBatch, a Dask DataFrame (or one of them :class:`Prepared`)."""
    from psychometrics.sufficient_statistics import _is_arrow, _is_dask

    if isinstance(data, Prepared):
        return rereadable(data.source)
    if _is_dask(data) or (_is_arrow(data) and hasattr(data, "num_rows")):
        return True
    return isinstance(data, str | Path) or (isinstance(data, list | tuple) and bool(data)
                                            and all(isinstance(p, str | Path) for p in data))


# --------------------------------------------------------------------------------------------
# one batch
# --------------------------------------------------------------------------------------------


def _batch_rows(batch: Any, items: Sequence[str], group: str | None, missing: str
                ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """A batch's kept answers (float64, NaN missing) and their group labels, which rows have
    a group value, which were left out for missing answers, and every row's label."""
    from psychometrics.sufficient_statistics import _is_arrow
    from psychometrics.sufficient_statistics.sources import _arrow_items, _frame_items

    arrow = _is_arrow(batch)
    X = (_arrow_items(batch, items) if arrow else _frame_items(batch, items)).astype(
        np.float64, copy=False)
    labels = np.full(X.shape[0], "", dtype=object)
    has_group = np.ones(X.shape[0], dtype=bool)
    if group is not None:
        labels, has_group = _labels(batch, group, arrow)
    # listwise: rows with any missing answer go; pairwise (lavaan): only rows with none
    nan = np.isnan(X)
    incomplete = (nan.any(axis=1) if missing == "listwise" else nan.all(axis=1)) & has_group
    keep = has_group & ~incomplete
    return X[keep], labels[keep], has_group, incomplete, labels


def _labels(batch: Any, group: str, arrow: bool) -> tuple[np.ndarray, np.ndarray]:
    """The rows' group labels as the in-memory path writes them (``astype(str)`` of the
    pandas column) and which rows have one."""
    if arrow:
        names = batch.schema.names
        if group not in names:
            raise MissingColumnError(f"group column {group!r} is not in the data")
        import pyarrow as pa

        col = batch.column(names.index(group))
        values = col.to_pandas()
        if pa.types.is_integer(col.type):  # a batch with nulls must not turn 1 into "1.0"
            values = values.astype("Int64")
    else:
        if group not in batch.columns:
            raise MissingColumnError(f"group column {group!r} is not in the data")
        values = batch[group]
    values = pd.Series(values).reset_index(drop=True)
    has = values.notna().to_numpy()
    out = np.full(len(values), "", dtype=object)
    out[has] = values[has].astype(str).to_numpy(dtype=object)
    return out, has


@dataclass
class _Counts:
    """Pass 1 of one part of the source; parts add up (in source order)."""

    rows: int = 0
    no_group: int = 0
    left_out: int = 0
    left_out_at: list[str] = field(default_factory=list)
    # label -> [rows kept, (part, row) of the label's first row, (values, tables)]
    groups: dict[str, list[Any]] = field(default_factory=dict)

    def __add__(self, other: _Counts) -> _Counts:
        from psychometrics.sufficient_statistics.group import _merge_tables

        groups = {k: list(v) for k, v in self.groups.items()}
        for label, (n, seen, tab) in other.groups.items():
            if label in groups:
                mine = groups[label]
                groups[label] = [mine[0] + n, min(mine[1], seen), _merge_tables(mine[2], tab)]
            else:
                groups[label] = [n, seen, tab]
        return _Counts(self.rows + other.rows, self.no_group + other.no_group,
                       self.left_out + other.left_out,
                       (self.left_out_at + other.left_out_at)[:_SHOWN], groups)


def _prepared(batch: Any, prepare: Callable[[pd.DataFrame], pd.DataFrame] | None) -> Any:
    if prepare is None:
        return batch
    frame = batch if isinstance(batch, pd.DataFrame) else batch.to_pandas()
    return prepare(frame.reset_index(drop=True))


def _count_part(batch: Any, part: int, offset: int | None, items: tuple[str, ...],
                group: str | None, missing: str,
                prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> _Counts:
    """Pass 1 of a batch (``offset``: its first row's position in the source, None for a
    Dask partition, whose rows are then named by partition)."""
    from psychometrics.sufficient_statistics.group import MAX_TABLE_VALUES, _tables_of

    X, labels, has_group, incomplete, every = _batch_rows(_prepared(batch, prepare), items,
                                                          group, missing)
    dropped = np.flatnonzero(incomplete)
    at = [f"row {offset + r}" if offset is not None else f"partition {part} row {r}"
          for r in dropped[:_SHOWN]]
    out = _Counts(len(has_group), int((~has_group).sum()), int(dropped.size), at, {})
    # groups in order of their first row with a group value (as in memory: before the rows
    # with missing answers are left out)
    with_group = np.flatnonzero(has_group)
    seen = dict.fromkeys(every[with_group])
    firsts = {key: int(with_group[np.argmax(every[with_group] == key)]) for key in seen}
    for key in seen:
        Xg = X[labels == key]
        try:
            tab = _tables_of(Xg)
        except ValueError:
            raise ValueError(f"ordered items have at most {MAX_TABLE_VALUES} distinct answer "
                             "values; these have more: are they ordered categories?") from None
        out.groups[key] = [Xg.shape[0], (part, firsts[key]), tab]
    return out


def _scores_part(batch: Any, part: int, items: tuple[str, ...], group: str | None,
                 missing: str, levels: list[np.ndarray], scores: dict[str, Scores],
                 prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None
                 ) -> dict[str, np.ndarray]:
    """Pass 2 of a batch: each group's S'S."""
    X, labels, _, _, _ = _batch_rows(_prepared(batch, prepare), items, group, missing)
    codes = category_codes(X, levels)
    out = {}
    for key, sc in scores.items():
        mine = labels == key
        if mine.any():
            out[key] = score_crossproduct(codes if mine.all() else codes[mine], sc)
    return out


def _add_inner(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


# --------------------------------------------------------------------------------------------
# the passes over a source
# --------------------------------------------------------------------------------------------


def _batches(data: Any, columns: list[str] | None, batch_rows: int
             ) -> tuple[Iterator[Any], int]:
    """A fresh iterator over a Parquet or Arrow source's batches (``columns``, None: all),
    and its row count."""
    from psychometrics.sufficient_statistics import _is_arrow, _parquet_batches

    if _is_arrow(data):
        chosen = data if columns is None else data.select(columns)
        if hasattr(data, "to_batches"):
            return iter(chosen.to_batches(max_chunksize=batch_rows)), data.num_rows
        return iter([chosen]), data.num_rows  # a RecordBatch
    batches, total, names = _parquet_batches(data, None, batch_rows)
    if columns is None:
        return batches, total
    absent = [c for c in columns if c not in names]
    if absent:
        raise MissingColumnError(f"column(s) {absent} are not in the data (columns: {names})")
    batches.close()  # type: ignore[attr-defined]
    batches, total, _ = _parquet_batches(data, columns, batch_rows)
    return batches, total


def _stream_pass(data: Any, columns: list[str] | None, batch_rows: int, report: ProgressCallback,
                 step: Callable[[Any, int, int], Any], add: Callable[[Any, Any], Any]) -> Any:
    from psychometrics._pass import single_threaded_blas
    from psychometrics.sufficient_statistics import _is_arrow

    batches, total = _batches(data, columns, batch_rows)
    acc = None
    done = 0
    report(0, total)
    with single_threaded_blas():  # small products per batch: threads only contend
        for i, batch in enumerate(batches):
            part = step(batch, i, done)
            acc = part if acc is None else add(acc, part)
            done += batch.num_rows if _is_arrow(batch) else len(batch)
            report(done, max(total, done))
    if acc is None:
        raise ValueError("the data source yielded no rows")
    return acc


def _dask_pass(ddf: Any, columns: list[str] | None, step: Callable[..., Any],
               add: Callable[[Any, Any], Any], *args: Any) -> Any:
    """``step(partition, i, *args)`` on the workers, merged in a tree by Dask."""
    import dask

    # each argument one key on the cluster, not a copy in every task (the score tables)
    shared = [dask.delayed(a, pure=True) for a in args]
    parts = [dask.delayed(step)(p, i, *shared)
             for i, p in enumerate((ddf if columns is None else ddf[columns]).to_delayed())]
    while len(parts) > 1:
        parts = [dask.delayed(add)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    (result,) = dask.compute(parts[0])
    return result


def streamed_ordinal_stats(
    data: Any,
    items: Sequence[str],
    *,
    group: str | None = None,
    missing: str = "listwise",
    categories: Mapping[str, Sequence[float]] | None = None,
    names: Sequence[str] | None = None,
    warn: Callable[[str], None] | None = None,
    batch_rows: int | None = None,
    progress: bool | ProgressCallback | None = None,
    gamma: bool = True,
) -> OrdinalSampleStats:
    """:func:`~psychometrics.structural.ordinal_stats.ordinal_sample_stats` of a Parquet
    source, a pyarrow Table or a Dask DataFrame, in two passes (see the module docstring).

    Parameters
    ----------
    data
        Parquet file, directory or list of files; a pyarrow Table or RecordBatch; a Dask
        DataFrame (each pass runs per partition on its workers); or one of them wrapped in
        :class:`Prepared` (each batch prepared before it is read).
    items
        The item columns read.
    group
        Column naming each row's group: groups in order of their first row in the source
        (batches and partitions in order); rows without a value are left out (``warn``).
    missing
        ``"listwise"`` or ``"pairwise"``, as in memory.
    categories
        Declared answer values per item (by the names in ``names``).
    names
        The items' names in the result (default ``items``: ``columns=`` of cfa maps them).
    warn
        Receives the message about rows without a group (cfa collects it).
    batch_rows, progress
        Batch size of a Parquet/Arrow source, and ``progress(rows, total)`` for each pass
        (``True`` draws a bar on stderr); a Dask DataFrame reports on its dashboard.
    gamma
        Compute Gamma (the second pass); False: thresholds and polychorics from one pass.

    Returns
    -------
    OrdinalSampleStats
        Equal to the in-memory statistics of the same rows (thresholds and polychorics
        exactly, Gamma to about 1e-15).
    """
    from psychometrics.sufficient_statistics import BATCH_ROWS, _is_dask

    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' (lavaan's default for ordered items) or "
                         f"'pairwise', got {missing!r}")
    prepare = None
    if isinstance(data, Prepared):
        data, prepare = data.source, data.prepare
    items_t = tuple(str(i) for i in items)
    names_l = list(items_t if names is None else names)
    if len(items_t) < 2:
        raise ValueError("ordinal sample statistics need at least 2 items")
    if len(set(items_t)) != len(items_t):
        raise ValueError("item names must be unique")
    columns = list(items_t) + ([group] if group is not None and group not in items_t else [])
    rows = BATCH_ROWS if batch_rows is None else int(batch_rows)
    dask_source = _is_dask(data)
    if dask_source and prepare is None:
        absent = [c for c in columns if c not in data.columns]
        if absent:
            raise MissingColumnError(f"column(s) {absent} are not in the data (columns: "
                                     f"{[str(c) for c in data.columns]})")

    # -- pass 1: counts and tables --------------------------------------------------------
    read = None if prepare is not None else columns  # prepare reads its own columns
    if dask_source:
        counts: _Counts = _dask_pass(data, read, _count_part, operator.add, None,
                                     items_t, group, missing, prepare)
    else:
        counts = _stream_pass(
            data, read, rows, resolve_progress(progress, "ordinal items: counts (1/2)"),
            lambda b, i, at: _count_part(b, i, at, items_t, group, missing, prepare),
            operator.add)
    if counts.no_group and warn is not None:
        warn(f"{counts.no_group} rows have no value in the group column {group!r} and are "
             "left out")
    with_group = counts.rows - counts.no_group
    if counts.left_out:
        more = " ..." if counts.left_out > _SHOWN else ""
        what = ("have a missing answer and were left out (listwise, as lavaan for ordered "
                "items)" if missing == "listwise" else "have no answer at all and were left "
                "out (as lavaan)")
        warnings.warn(f"{counts.left_out} of {with_group} rows {what}: "
                      f"{', '.join(counts.left_out_at)}{more} (counted from 0)",
                      PsychometricsWarning, stacklevel=4)
    order = sorted(counts.groups, key=lambda k: counts.groups[k][1])
    if not order or sum(counts.groups[k][0] for k in order) == 0:
        raise ValueError("no complete rows: every row has a missing answer")
    from psychometrics.sufficient_statistics.group import _merge_tables

    whole = counts.groups[order[0]][2]
    for key in order[1:]:
        whole = _merge_tables(whole, counts.groups[key][2])
    values, tab = whole
    present = [values[np.diagonal(tab[j, j]) > 0] for j in range(len(items_t))]
    levels = item_levels(names_l, present, categories, stacklevel=4)
    K = max(lv.size for lv in levels)
    steps = {}
    for key in order:
        n, _, (vals, tabs) = counts.groups[key]
        label = None if group is None else key
        steps[key] = step1(_code_tables(vals, tabs, levels, K), n, names_l, levels, label)
    if not gamma:
        return OrdinalSampleStats(
            groups=tuple(group_result(steps[key], None) for key in order),
            items=tuple(names_l), group_labels=None if group is None else tuple(order))
    scores = {key: score_setup(st) for key, st in steps.items()}

    # -- pass 2: the case-wise scores' cross-products -----------------------------------------
    if dask_source:
        inner = _dask_pass(data, read, _scores_part, _add_inner, items_t, group, missing,
                           levels, scores, prepare)
    else:
        inner = _stream_pass(
            data, read, rows, resolve_progress(progress, "ordinal items: scores (2/2)"),
            lambda b, i, at: _scores_part(b, i, items_t, group, missing, levels, scores,
                                          prepare),
            _add_inner)
    groups = tuple(group_result(steps[key], gamma_of(scores[key], inner[key], steps[key].nobs))
                   for key in order)
    return OrdinalSampleStats(groups=groups, items=tuple(names_l),
                              group_labels=None if group is None else tuple(order))


def _code_tables(values: np.ndarray, tables: np.ndarray, levels: Sequence[np.ndarray],
                 K: int) -> np.ndarray:
    """A group's tables on the answer values -> the tables of the category codes,
    ``T[i, a, j, b]`` as :func:`~psychometrics.structural.ordinal_stats.code_tables`
    gives them (zero for a category the group lacks, or past an item's last one)."""
    p = len(levels)
    V = values.size
    padded = np.zeros((p, p, V + 1, V + 1))
    padded[:, :, :V, :V] = tables
    M = np.full((p, K), V)  # value index of category a of item j; V: none
    for j, lv in enumerate(levels):
        pos = np.searchsorted(values, lv)
        found = (pos < V) & (values[np.minimum(pos, V - 1)] == lv) if V else np.zeros(
            lv.size, dtype=bool)
        M[j, : lv.size] = np.where(found, pos, V)
    i = np.arange(p)
    return padded[i[:, None, None, None], i[None, None, :, None], M[:, :, None, None],
                  M[None, None, :, :]]
