"""Scores from response data: reverse keys, missing-item rules, transforms and bands.

Never drops or reorders respondents: the result has the input's index and row order, and
every score comes with the number of items it used and a status saying why it may be empty.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from psychometrics import __version__
from psychometrics.catalog import as_instrument
from psychometrics.errors import DataValidationError, MissingColumnError, PsychometricsWarning
from psychometrics.schema import Instrument
from psychometrics.validation import (
    CHUNK_ROWS,
    Columns,
    PreparedItems,
    ValidationReport,
    error_message,
    prepare_items,
    report_prepared,
    resolve_columns,
    respondent_ids,
)

STATUS = ["ok", "too few items answered", "no items answered"]
CELL_RULES = ("missing_column", "non_numeric", "out_of_scale")  # what prevents scoring


def item_data(
    data: pd.DataFrame,
    instrument: Instrument | str,
    scale: str | None = None,
    *,
    columns: Columns = None,
    reverse: bool = False,
    on_invalid: Literal["raise", "nan"] = "raise",
) -> pd.DataFrame:
    """The items of an instrument (or of one scale) as a float DataFrame named by item id.

    Missing-value codes become NaN; so do unusable cells when ``on_invalid="nan"`` (with
    ``"raise"`` they raise :class:`~psychometrics.errors.DataValidationError`). With
    ``reverse=True`` reverse-keyed items are recoded as min + max - x. The index and row
    order of ``data`` are kept. This is what the statistics (alpha, EFA, CFA) are given.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import item_data
    >>> df = pd.DataFrame({"Q1": [4, 2], "Q2": [1, -99], "Q3": [3, 3], "Q4": [2, 1],
    ...                    "Q5": [5, 4], "Q6": [4, 4], "Q7": [6, 7], "Q8": [2, 2]})
    >>> item_data(df, "acs", columns="Q{n}", reverse=True)[["acs_1", "acs_2", "acs_4"]]
       acs_1  acs_2  acs_4
    0    4.0    1.0    6.0
    1    2.0    NaN    7.0
    """
    inst = as_instrument(instrument)
    prep = _prepared(data, inst, columns, on_invalid)
    ids = inst.item_ids
    if scale is not None:
        if scale not in inst.scales:
            raise KeyError(f"unknown scale '{scale}' of '{inst.id}' "
                           f"(scales: {', '.join(inst.scales)})")
        ids = inst.scales[scale].items
    values = prep.values[:, [inst.item_ids.index(i) for i in ids]].astype(np.float64)
    if reverse:
        for j, iid in enumerate(ids):
            if inst.item_map[iid].reverse:
                rs = inst.item_scale(iid)
                values[:, j] = rs.min + rs.max - values[:, j]
    return pd.DataFrame(values, index=data.index, columns=ids)


def _prepared(data: pd.DataFrame, inst: Instrument, columns: Columns,
              on_invalid: str, id_column: str | None = None,
              reuse: PreparedItems | None = None) -> PreparedItems:
    if on_invalid not in ("raise", "nan"):
        raise ValueError(f"on_invalid must be 'raise' or 'nan', not {on_invalid!r}")
    prep = reuse if reuse is not None else prepare_items(data, inst, columns)
    if not all(prep.present) or (on_invalid == "raise" and prep.has_invalid):
        # Build the full report only on the failure path: it names every bad cell.
        errors = report_prepared(prep, data, id_column).errors
        errors = errors[errors["rule"].isin(CELL_RULES)]  # ids do not stop scoring
        if on_invalid == "nan":
            errors = errors[errors["rule"] == "missing_column"]
        only_columns = (errors["rule"] == "missing_column").all()
        hint = "" if on_invalid == "nan" or only_columns else (
            "\n(set on_invalid='nan' to score with unusable cells treated as missing)")
        title = f"{inst.id}: {len(errors)} problem(s) prevent scoring"
        raise DataValidationError(error_message(title, errors) + hint, errors=errors)
    return prep


def score(
    data: pd.DataFrame,
    instrument_or_list: Instrument | str | Sequence[Instrument | str],
    *,
    columns: Columns | dict[str, Columns] = None,
    on_invalid: Literal["raise", "nan"] = "raise",
    id_column: str | None = None,
    report: ValidationReport | Sequence[ValidationReport] | None = None,
) -> pd.DataFrame:
    r"""Score every scale of one or more instruments.

    For a scale of :math:`k` items with keyed answers :math:`x_{ij}` (reverse-keyed items
    recoded :math:`x' = \min + \max - x` on the item's own response scale) and
    :math:`m_i` answered items of respondent :math:`i`:

    * ``mean``: :math:`\bar x_i = \sum_j x_{ij} / m_i`
    * ``sum`` with ``prorate``: :math:`k\,\bar x_i`; without: :math:`\sum_j x_{ij}`

    The score is missing when :math:`m_i` is below the scale's ``min_answered`` (or above
    ``max_missing`` missing); then the transform ``score * multiply + add`` and the bands.

    Parameters
    ----------
    data
        One row per respondent. A Dask DataFrame gives a Dask DataFrame of the scores
        (lazy: each partition is prepared and scored on the workers with
        ``map_partitions``; unusable cells under ``on_invalid="raise"`` raise when it is
        computed, naming the partition and the row counted from its start).
    instrument_or_list
        An Instrument, a built-in id, or a list of them.
    columns
        Item id -> data column (dict or format string such as ``"GSE_{n}"``), applied to
        every instrument; or a dict ``{instrument_id: columns}`` for one mapping each.
    on_invalid
        ``"raise"`` (default): unusable cells (non-numeric, out of scale) raise
        :class:`~psychometrics.errors.DataValidationError` naming them. ``"nan"``: treat
        them as missing. Missing item columns always raise.
    id_column
        The column of respondent ids, carried into the result as its first column. Without
        it the first column named like an id (``id``, ``ResponseId``, ``record_id`` ...) is
        carried; ``attrs["psychometrics"]["id_column"]`` and ``["id_source"]`` (``given``,
        ``detected``, or ``None`` when only the index identifies respondents) say which.
    report
        The :func:`~psychometrics.validate` report(s) of the same ``data`` and
        instrument(s): their prepared item matrix is scored instead of preparing it again
        (validate + score read the items once). The data must not have changed since.

    Returns
    -------
    DataFrame
        Same index and row order as ``data``. For each scale ``<instrument>_<scale>``:
        the score, ``..._answered`` (items used), ``..._status`` (``ok``, ``too few items
        answered``, ``no items answered``) and ``..._band`` where the scale has bands.
        ``attrs["psychometrics"]`` records the package version and each instrument's id,
        definition version and SHA-256.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import score
    >>> df = pd.DataFrame({f"who5_{j}": [5, 1, 3] for j in range(1, 6)}, index=["a", "b", "c"])
    >>> df.loc["c", "who5_5"] = None
    >>> score(df, "who5")[["who5_raw", "who5_percentage", "who5_percentage_band"]]
       who5_raw  who5_percentage              who5_percentage_band
    a      25.0            100.0  no indication of poor well-being
    b       5.0             20.0  likely depression, screen further
    c       NaN              NaN                               NaN
    """
    many = isinstance(instrument_or_list, Sequence) and not isinstance(instrument_or_list, str)
    instruments = [as_instrument(i) for i in (instrument_or_list if many else
                                                [instrument_or_list])]  # type: ignore[list-item]
    if type(data).__module__.split(".")[0] in ("dask", "dask_expr"):
        if report is not None:
            raise ValueError("report= reuses an in-memory prepared matrix; a Dask DataFrame "
                             "is prepared per partition")
        from psychometrics.dask_frames import score_dask

        return score_dask(data, instruments, columns=columns, on_invalid=on_invalid,
                          id_column=id_column)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    ids = {inst.id for inst in instruments}
    per_instrument = isinstance(columns, dict) and bool(columns) and set(columns) <= ids
    column_of = {inst.id: (columns.get(inst.id) if per_instrument  # type: ignore[union-attr]
                           else columns) for inst in instruments}
    items = [c for inst in instruments
             for c in resolve_columns(inst, column_of[inst.id]).values()]  # type: ignore[arg-type]
    id_column, id_source = respondent_ids(data, id_column, items)
    parts: dict[str, pd.Series | np.ndarray | pd.Categorical] = {}
    if id_column is not None:
        if id_column not in data.columns:
            raise MissingColumnError(f"id column '{id_column}' is not in the data")
        parts[id_column] = data[id_column].to_numpy()
    reports = _reports_by_instrument(report, data)
    for inst in instruments:
        cols = column_of[inst.id]
        reuse = reports.get(inst.id)
        if reuse is not None:
            same = (reuse.instrument.definition_hash == inst.definition_hash
                    and reuse.column_map == resolve_columns(inst, cols))  # type: ignore[arg-type]
            reuse = reuse if same else None  # else validated with another definition/columns
        prep = _prepared(data, inst, cols, on_invalid, id_column, reuse)  # type: ignore[arg-type]
        _warn_empty_columns(prep)
        parts.update(_score_prepared(prep))
    out = pd.DataFrame(parts, index=data.index)
    out.attrs["psychometrics"] = {
        "package_version": __version__,
        "instruments": [inst.provenance() for inst in instruments],
        "id_column": id_column,
        "id_source": id_source,
    }
    return out


def _reports_by_instrument(report: ValidationReport | Sequence[ValidationReport] | None,
                           data: pd.DataFrame) -> dict[str, PreparedItems]:
    if report is None:
        return {}
    reports = [report] if isinstance(report, ValidationReport) else list(report)
    out = {}
    for rep in reports:
        if not isinstance(rep, ValidationReport):
            raise TypeError(f"report must be a ValidationReport, not {type(rep).__name__}")
        prep = rep.prepared
        if prep is None:
            continue
        if prep.values.shape[0] != len(data):
            raise ValueError(f"the report of '{rep.instrument}' checked {rep.n_rows} rows, "
                             f"the data have {len(data)}: validate these data")
        out[rep.instrument] = prep
    return out


def _warn_empty_columns(prep: PreparedItems) -> None:
    """Say when an item's column holds no answer at all (scores are then prorated from
    the other items, which is rarely what the researcher meant)."""
    values = prep.values
    if not values.shape[0]:
        return
    empty = []
    for j, iid in enumerate(prep.instrument.item_ids):
        if prep.present[j] and np.isnan(values[0, j]) and np.isnan(values[:, j]).all() \
                and not prep.code[:, j].any() and not prep.invalid[:, j].any():
            empty.append(prep.column_map[iid])
    if empty:
        warnings.warn(f"{prep.instrument.id}: column(s) {', '.join(empty)} hold no answers in "
                      f"any of the {values.shape[0]} rows; scores use the other items",
                      PsychometricsWarning, stacklevel=3)


def _score_prepared(prep: PreparedItems) -> dict[str, np.ndarray | pd.Categorical]:
    inst = prep.instrument
    values = prep.values
    n = values.shape[0]
    position = {iid: j for j, iid in enumerate(inst.item_ids)}
    out: dict[str, np.ndarray | pd.Categorical] = {}
    for name, scale in inst.scales.items():
        idx = np.array([position[i] for i in scale.items], dtype=np.intp)
        whole = np.array_equal(idx, np.arange(values.shape[1]))
        # Reversed items enter as (min + max) - x: add (min + max) per answered reversed
        # item and subtract 2x, grouped by min + max, instead of copying the matrix.
        flips: dict[int, list[int]] = {}
        for p, iid in enumerate(scale.items):
            if inst.item_map[iid].reverse:
                rs = inst.item_scale(iid)
                flips.setdefault(rs.min + rs.max, []).append(p)
        total = np.empty(n)
        answered = np.empty(n, dtype=np.int64)
        k = len(idx)
        for start in range(0, n, CHUNK_ROWS):
            sl = slice(start, start + CHUNK_ROWS)
            sub = values[sl] if whole else values[sl][:, idx]
            missing = np.isnan(sub)
            filled = np.where(missing, np.float32(0), sub)
            tot = filled.sum(axis=1, dtype=np.float64)
            for pivot, cols in flips.items():
                tot += (pivot * np.count_nonzero(~missing[:, cols], axis=1)
                        - 2 * filled[:, cols].sum(axis=1, dtype=np.float64))
            total[sl] = tot
            answered[sl] = k - np.count_nonzero(missing, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / answered
        value = {"mean": mean, "prorated sum": mean * k, "sum": total}[scale.combine]
        enough = answered >= scale.required_answers()
        value = np.where(enough, value, np.nan)
        if scale.transform is not None:
            value = scale.transform.apply(value)
        prefix = f"{inst.id}_{name}"
        out[prefix] = value
        out[f"{prefix}_answered"] = answered
        status = np.where(enough, 0, np.where(answered == 0, 2, 1)).astype(np.int8)
        out[f"{prefix}_status"] = pd.Categorical.from_codes(status, categories=STATUS)
        if scale.bands:
            out[f"{prefix}_band"] = _bands(value, scale.bands)
    return out


def _bands(value: np.ndarray, bands: list) -> pd.Categorical:
    edges = np.array([b.max for b in bands[:-1]], dtype=float)
    labels = [b.label for b in bands]
    codes = np.searchsorted(edges, value, side="left")
    codes = np.where(np.isnan(value), -1, codes)
    # A label may repeat across bands; categories must be unique.
    categories = list(dict.fromkeys(labels))
    remap = np.array([categories.index(lbl) for lbl in labels] + [-1])
    return pd.Categorical.from_codes(remap[codes], categories=categories)
