"""Instrument-aware analyses: pick an instrument's items and keys, call the statistics.

The statistics themselves (:func:`psychometrics.alpha`, :func:`psychometrics.omega`, ...)
take plain data and are tested against R on plain data; the functions here only select the
items of each scale, apply the instrument's reverse keys and put the published values
beside the sample's, so the researcher sees at a glance whether the sample behaves like
the norm.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.errors import MissingColumnError, NumericalWarning
from psychometrics.schema import Instrument
from psychometrics.scoring import item_data
from psychometrics.validation import Columns

MISSING_GROUP = "(missing)"

RELIABILITY_COLUMNS = [
    "instrument", "scale", "n", "items", "alpha", "alpha_lower", "alpha_upper", "ci_method",
    "std_alpha", "omega_total", "g6", "average_r", "published_alpha", "published_source",
]


def group_masks(data: pd.DataFrame, group: str) -> list[tuple[str, np.ndarray]]:
    """``(label, row mask)`` for each value of ``data[group]``, sorted, then ``(missing)``
    for rows without a value, so that every respondent is in exactly one group."""
    if group not in data.columns:
        raise MissingColumnError(f"group column '{group}' is not in the data (columns: "
                                 f"{', '.join(map(str, data.columns[:20]))}"
                                 f"{' ...' if len(data.columns) > 20 else ''})")
    labels = data[group].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
    present = sorted({str(g) for g in labels if g != MISSING_GROUP})
    order = present + ([MISSING_GROUP] if (labels == MISSING_GROUP).any() else [])
    return [(g, labels == g) for g in order]


def reliability(
    data: Any,
    instrument: Instrument | str,
    *,
    columns: Columns = None,
    scales: list[str] | None = None,
    group: str | None = None,
    min_group_size: int = 3,
    ci: float = 0.95,
    ci_method: Literal["feldt", "duhachek", "bootstrap"] = "feldt",
    n_boot: int = 2000,
    seed: int | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Reliability of every scale of an instrument, beside its published values.

    For each scale: the items are taken from ``data`` (through ``columns``), missing-value
    codes and unusable cells become missing, reverse-keyed items are recoded as
    min + max - x, and :func:`psychometrics.alpha` and a one-factor
    :func:`psychometrics.omega` are computed on them.

    Parameters
    ----------
    data
        Response data, one row per respondent: a DataFrame, or a source that is read in
        batches and never held in memory (Parquet path(s), an iterator of DataFrames or
        Arrow batches, a Dask DataFrame; see :func:`psychometrics.moments`). From a
        streamed source every statistic comes from the merged moments of each scale
        (equal to the in-memory results, ``omega_total`` included);
        ``ci_method="bootstrap"`` is not available.
    instrument
        An Instrument or a built-in id.
    columns
        Item id -> column name (dict or format string such as ``"GSE_{n}"``).
    scales
        Scales to include (default: every scale with at least two items; scales that
        share an item set, such as WHO-5's raw and percentage scores, are computed once).
    group
        A column of ``data``: one row per scale and group (sorted; ``(missing)`` for rows
        without a group), after the row for the whole sample.
    min_group_size
        Groups in which fewer respondents answered keep their row, with a note and no
        statistics (alpha needs at least 3).
    ci, ci_method, n_boot, seed, progress
        Confidence interval of alpha: see :func:`psychometrics.alpha`.
    missing
        ``"pairwise"`` (psych's default) or ``"listwise"``.

    Returns
    -------
    DataFrame
        One row per scale (and group): ``n`` (rows with at least one answer), ``items``,
        ``alpha`` with ``alpha_lower``/``alpha_upper``, ``std_alpha``, ``omega_total``,
        ``g6``, ``average_r``, the published alpha (a value, or ``low-high``) with its
        source, and ``note`` (numerical warnings, or why a row has no statistics).

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import load_mentorship
    >>> table = pm.reliability(load_mentorship(), "gse")
    >>> table[["scale", "items", "alpha", "published_alpha"]]
      scale  items     alpha published_alpha
    0  total     10  0.845...       0.76-0.90
    """
    from psychometrics.coefficients import alpha as alpha_fn
    from psychometrics.coefficients import omega as omega_fn

    inst = as_instrument(instrument)
    chosen = _scales(inst, scales)
    if not isinstance(data, pd.DataFrame):
        from psychometrics.sufficient_statistics import Moments

        if isinstance(data, Moments):
            raise TypeError("reliability prepares each scale's items from the raw answers "
                            "(missing codes, reverse keys), so it reads the data source "
                            "itself: pass the Parquet path(s), iterator or Dask DataFrame; "
                            "for moments of keyed items call pm.alpha(moments)")
        return _reliability_streamed(data, inst, chosen, columns=columns, group=group,
                                     min_group_size=min_group_size, ci=ci,
                                     ci_method=ci_method, missing=missing, progress=progress)
    subsets: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(data), dtype=bool))]
    if group is not None:
        subsets += group_masks(data, group)
    items = item_data(data, inst, columns=columns, reverse=True, on_invalid="nan")

    rows = []
    for name in chosen:
        cols = inst.scales[name].items
        published, source = _published(inst, name)
        for label, mask in subsets:
            block = items.loc[mask, cols]
            block = block[block.notna().any(axis=1).to_numpy()]
            row: dict[str, object] = {
                "instrument": inst.id, "scale": name, "n": len(block), "items": len(cols),
                "published_alpha": published, "published_source": source, "note": "",
            }
            if group is not None:
                row["group"] = "all" if label is None else label
            rows.append(row)
            if label is not None and len(block) < max(min_group_size, 1):
                row["note"] = (f"not computed: {len(block)} respondent(s) answered, fewer "
                               f"than {min_group_size}")
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    a = alpha_fn(block, missing=missing, ci=ci, ci_method=ci_method,
                                 n_boot=n_boot, seed=seed, progress=progress)
                    o = omega_fn(block, n_factors=1, missing=missing) if len(cols) >= 3 \
                        else None
            except ValueError as exc:
                row["note"] = str(exc)
                continue
            row.update(alpha=a.raw_alpha, alpha_lower=a.ci.lower, alpha_upper=a.ci.upper,
                       ci_method=a.ci.method, std_alpha=a.std_alpha,
                       omega_total=np.nan if o is None else o.omega_total, g6=a.g6,
                       average_r=a.average_r)
            notes = sorted({str(w.message) for w in caught
                            if issubclass(w.category, NumericalWarning)})
            row["note"] = "; ".join(notes)
            where = f"{inst.id} {name}" + ("" if label is None else f" ({group}={label})")
            for note in notes:
                warnings.warn(f"{where}: {note}", NumericalWarning, stacklevel=2)
    order = RELIABILITY_COLUMNS[:2] + (["group"] if group is not None else []) + \
        RELIABILITY_COLUMNS[2:] + ["note"]
    table = pd.DataFrame(rows).reindex(columns=order)
    table.attrs["psychometrics"] = {"instruments": [inst.provenance()]}
    return table


def _scales(inst: Instrument, scales: list[str] | None) -> list[str]:
    if scales is not None:
        unknown = [s for s in scales if s not in inst.scales]
        if unknown:
            raise KeyError(f"unknown scale(s) {', '.join(unknown)} of '{inst.id}' "
                           f"(scales: {', '.join(inst.scales)})")
        return list(scales)
    return [name for name in inst.distinct_scales() if len(inst.scales[name].items) >= 2]


def _published(inst: Instrument, scale: str) -> tuple[str | float, str]:
    for rel in inst.published_for(scale):
        if rel.statistic == "alpha":
            if rel.value is not None:
                return float(rel.value), rel.source
            return rel.value_text(), rel.source
    return np.nan, ""


# --------------------------------------------------------------------------------------------
# streamed sources: per batch the instrument's item preparation, then mergeable moments
# --------------------------------------------------------------------------------------------


def _scale_moments(frame: pd.DataFrame, *, inst: Instrument, chosen: list[str],
                   columns: Columns, group: str | None, batch_id: int) -> dict[str, Any]:
    """One batch -> {scale: Moments of its keyed items (rows with an answer), "labels":
    group labels met}. Item preparation (missing codes, invalid cells, reversal) is
    row-wise, so a batch gives what the whole data would give for its rows."""
    from psychometrics.sufficient_statistics import _batch_moments, _group_labels, _Options

    if not isinstance(frame, pd.DataFrame):  # an Arrow batch
        frame = frame.to_pandas()
    frame = frame.reset_index(drop=True)
    items = item_data(frame, inst, columns=columns, reverse=True, on_invalid="nan")
    labels = None
    out: dict[str, Any] = {"labels": set()}
    if group is not None:
        if group not in frame.columns:
            raise MissingColumnError(f"group column '{group}' is not in the data")
        labels = _group_labels(frame[group].to_numpy())
        out["labels"] = set(labels)
    opts = _Options(patterns=True)
    for name in chosen:
        cols = inst.scales[name].items
        X = items[cols].to_numpy(dtype=np.float64, na_value=np.nan)
        keep = ~np.isnan(X).all(axis=1)
        out[name] = _batch_moments(X[keep], None if labels is None else labels[keep],
                                   tuple(cols), None if group is None else (group,), opts,
                                   batch_id)
    return out


def _merge_scale_moments(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {key: a[key] | b[key] if key == "labels" else a[key] + b[key] for key in a}


def _reliability_streamed(data: Any, inst: Instrument, chosen: list[str], *,
                          columns: Columns, group: str | None, min_group_size: int,
                          ci: float, ci_method: str, missing: str,
                          progress: Any) -> pd.DataFrame:
    from psychometrics.coefficients import alpha as alpha_fn
    from psychometrics.coefficients import omega as omega_fn
    from psychometrics.progress import resolve_progress
    from psychometrics.sufficient_statistics import MISSING_GROUP as MISSING

    parts = _stream(data, partial(_scale_moments, inst=inst, chosen=chosen, columns=columns,
                                  group=group), _merge_scale_moments,
                    resolve_progress(progress, "reading"))
    present = sorted(g for g in parts["labels"] if g != MISSING)
    labels = [None] + (present + ([MISSING] if MISSING in parts["labels"] else [])
                       if group is not None else [])
    rows = []
    for name in chosen:
        m = parts[name]
        published, source = _published(inst, name)
        for label in labels:
            if label is None:
                sub = m.total() if m.groups else None
            else:
                sub = m.group(label) if label in m.groups else None
            n = 0 if sub is None else sub.n
            row: dict[str, object] = {
                "instrument": inst.id, "scale": name, "n": n,
                "items": len(inst.scales[name].items), "published_alpha": published,
                "published_source": source, "note": "",
            }
            if group is not None:
                row["group"] = "all" if label is None else label
            rows.append(row)
            if label is not None and n < max(min_group_size, 1):
                row["note"] = (f"not computed: {n} respondent(s) answered, fewer "
                               f"than {min_group_size}")
                continue
            if sub is None:
                row["note"] = "no respondent answered these items"
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    a = alpha_fn(sub, missing=missing, ci=ci, ci_method=ci_method)
                    o = omega_fn(sub, n_factors=1, missing=missing) if sub.n_items >= 3 \
                        else None
            except ValueError as exc:
                row["note"] = str(exc)
                continue
            row.update(alpha=a.raw_alpha, alpha_lower=a.ci.lower, alpha_upper=a.ci.upper,
                       ci_method=a.ci.method, std_alpha=a.std_alpha,
                       omega_total=np.nan if o is None else o.omega_total,
                       g6=a.g6, average_r=a.average_r)
            notes = sorted({str(w.message) for w in caught
                            if issubclass(w.category, NumericalWarning)})
            row["note"] = "; ".join(notes)
            where = f"{inst.id} {name}" + ("" if label is None else f" ({group}={label})")
            for note in notes:
                warnings.warn(f"{where}: {note}", NumericalWarning, stacklevel=3)
    order = RELIABILITY_COLUMNS[:2] + (["group"] if group is not None else []) + \
        RELIABILITY_COLUMNS[2:] + ["note"]
    table = pd.DataFrame(rows).reindex(columns=order)
    table.attrs["psychometrics"] = {"instruments": [inst.provenance()]}
    return table


def _stream(data: Any, batch_fn: Callable[..., Any], merge: Callable[[Any, Any], Any],
            report: Any) -> Any:
    """``batch_fn(batch, batch_id=i)`` of every batch of ``data``, merged: one batch in
    memory at a time, or the partitions of a Dask DataFrame reduced on its workers and
    merged in a tree."""
    from pathlib import Path

    from psychometrics.sufficient_statistics import BATCH_ROWS, _is_dask, _parquet_batches

    if _is_dask(data):
        import dask

        parts = [dask.delayed(batch_fn)(p, batch_id=i) for i, p in enumerate(data.to_delayed())]
        while len(parts) > 1:
            parts = [dask.delayed(merge)(parts[i], parts[i + 1])
                     if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
        (merged,) = dask.compute(parts[0])
        return merged
    total = 0
    if isinstance(data, str | Path) or (isinstance(data, list | tuple) and data
                                         and all(isinstance(p, str | Path) for p in data)):
        batches, total, _ = _parquet_batches(data, None, BATCH_ROWS)
    elif hasattr(data, "to_batches"):
        batches, total = iter(data.to_batches(max_chunksize=BATCH_ROWS)), data.num_rows
    else:
        batches = iter(data)
    acc = None
    done = 0
    report(0, total)
    for i, batch in enumerate(batches):
        part = batch_fn(batch, batch_id=i)
        acc = part if acc is None else merge(acc, part)
        done += batch.num_rows if hasattr(batch, "num_rows") else len(batch)
        report(done, max(total, done))
    if acc is None:
        raise ValueError("the data source yielded no rows")
    if done != total:  # the bar ends at what was read
        report(done, done)
    return acc


def _keyed_moments(frame: Any, *, inst: Instrument, columns: Columns, by: str | None,
                   options: Any, batch_id: int) -> Any:
    """One batch -> Moments of the instrument's keyed items (every row, as
    :func:`~psychometrics.scoring.item_data` gives them to efa and cfa)."""
    from psychometrics.sufficient_statistics import _batch_moments, _group_labels

    if not isinstance(frame, pd.DataFrame):  # an Arrow batch
        frame = frame.to_pandas()
    frame = frame.reset_index(drop=True)
    items = item_data(frame, inst, columns=columns, reverse=True, on_invalid="nan")
    labels = None
    if by is not None:
        if by not in frame.columns:
            raise MissingColumnError(f"group column '{by}' is not in the data")
        labels = _group_labels(frame[by].to_numpy())
    X = items.to_numpy(dtype=np.float64, na_value=np.nan)
    return _batch_moments(X, labels, tuple(items.columns), None if by is None else (by,),
                          options, batch_id)


def _keyed_frame(frame: pd.DataFrame, *, inst: Instrument, columns: Columns,
                 by: str | None) -> pd.DataFrame:
    """One batch -> the instrument's keyed items (as :func:`_keyed_moments` prepares them),
    with the group column: what ordered items are read from, batch by batch."""
    items = item_data(frame, inst, columns=columns, reverse=True, on_invalid="nan")
    if by is not None:
        if by not in frame.columns:
            raise MissingColumnError(f"group column '{by}' is not in the data")
        items = items.assign(**{by: frame[by].to_numpy()})
    return items


def instrument_moments(
    data: Any,
    instrument: Instrument | str,
    *,
    columns: Columns = None,
    by: str | None = None,
    patterns: bool = False,
    fourth: bool = False,
    tables: bool = False,
    progress: bool | None = None,
) -> Any:
    r"""Moments of an instrument's keyed items, read batch by batch from any source.

    Each batch is prepared as :func:`~psychometrics.scoring.item_data` prepares a
    DataFrame (missing-value codes and unusable cells become missing, reverse-keyed items
    are recoded as :math:`\min + \max - x`), then reduced to
    :func:`psychometrics.moments`, and the parts are merged. The result is what
    ``pm.moments(item_data(data, instrument, reverse=True, on_invalid="nan"))`` gives,
    without the data in memory: pass it to :func:`~psychometrics.efa`,
    :func:`~psychometrics.cfa` (the items are named by item id, as the instrument's
    model), :func:`~psychometrics.omega` ...

    Parameters
    ----------
    data
        A DataFrame, Parquet path(s), an iterator of DataFrames or Arrow batches, or a Dask
        DataFrame (each partition is prepared and reduced on the workers).
    instrument
        An Instrument or a built-in id.
    columns
        Item id -> column name (dict or format string such as ``"GSE_{n}"``).
    by
        A column of ``data`` whose values are the groups.
    patterns, fourth, tables
        As in :func:`psychometrics.moments` (FIML, robust CFA, polychoric).
    progress
        ``True`` draws a bar while a streamed source is read.

    Returns
    -------
    Moments

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import load_mentorship
    >>> data = load_mentorship()
    >>> m = pm.instrument_moments(data, "gse")
    >>> m.n == len(data), m.items[:2]
    (True, ('gse_1', 'gse_2'))
    >>> direct = pm.item_data(data, "gse", reverse=True, on_invalid="nan")
    >>> abs(pm.omega(m, n_factors=1).omega_total - pm.omega(direct, n_factors=1).omega_total) < 1e-8
    True
    """
    from psychometrics.progress import resolve_progress
    from psychometrics.sufficient_statistics import _Options

    inst = as_instrument(instrument)
    options = _Options(patterns=bool(patterns), fourth=bool(fourth), tables=bool(tables))
    fn = partial(_keyed_moments, inst=inst, columns=columns, by=by, options=options)
    if isinstance(data, pd.DataFrame):
        return fn(data, batch_id=0)
    return _stream(data, fn, operator.add, resolve_progress(progress, "reading"))
