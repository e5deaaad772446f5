"""Validation and scoring of a Dask DataFrame, one partition at a time on its workers.

Both are row-wise, so each partition is validated or scored exactly as the whole data
would be for its rows (:func:`~psychometrics.validation.validate`,
:func:`~psychometrics.scoring.score` on a pandas partition). What spans partitions is
merged afterwards: problem positions are offset by the partition's first row (messages
name the row a spreadsheet of the whole data would show), counted rules are summed,
"empty column" is kept only when the column is empty in every partition, and duplicate
respondent ids are found across partitions. Scoring stays lazy: ``score`` returns a Dask
DataFrame built with ``map_partitions``. Dask is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.validation import COUNTED, ValidationReport, _row_list

__all__ = ["score_dask", "validate_dask"]


def _with_rows(part: pd.DataFrame, start: int) -> pd.DataFrame:
    """The partition, telling :func:`~psychometrics.io.sheet_rows` where its rows are."""
    part = part.copy(deep=False)
    part.attrs = {**part.attrs, "rows": {"n": len(part), "first": int(start) + 2}}
    return part


def _validate_part(part: pd.DataFrame, start: int, inst: Any, columns: Any,
                   id_column: str | None) -> ValidationReport:
    from psychometrics.validation import validate

    rep = validate(_with_rows(part, start), inst, columns=columns, id_column=id_column)
    problems = rep.problems
    problems["row"] = problems["row"] + start
    return ValidationReport(rep.instrument, rep.n_rows, problems, rep.missing,
                            rep.provenance, rep.id_column, rep.id_source)


def _duplicate_rows(part: pd.DataFrame, start: int, id_column: str,
                    duplicated: set[Any]) -> tuple[np.ndarray, np.ndarray]:
    hit = part[id_column].isin(duplicated).to_numpy()
    rows = np.flatnonzero(hit)
    return rows + start, part[id_column].to_numpy()[rows]


def validate_dask(ddf: Any, inst: Any, *, columns: Any = None,
                  id_column: str | None = None) -> ValidationReport:
    """:func:`~psychometrics.validate` of a Dask DataFrame (computed on its cluster)."""
    import dask

    lengths = ddf.map_partitions(len).compute()
    starts = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))[:-1]])
    parts = [dask.delayed(_validate_part)(p, int(s), inst, columns, id_column)
             for p, s in zip(ddf.to_delayed(), starts, strict=True)]
    reports: Sequence[ValidationReport] = dask.compute(*parts)
    first = reports[0]
    n_parts = len(reports)
    frames = [r.problems for r in reports]
    problems = pd.concat(frames, ignore_index=True) if frames else first.problems
    keep = ~problems["rule"].isin([*COUNTED, "empty_column", "duplicate_id",
                                   "missing_column"])
    merged = [problems[keep]]
    # counted rules: one row per (rule, column) with the summed count
    counted = problems[problems["rule"].isin(COUNTED)]
    if not counted.empty:
        sums = counted.assign(n=counted["value"].astype(np.int64)).groupby(
            ["rule", "column", "item", "severity"], sort=False, dropna=False)["n"].sum()
        firsts = counted.drop_duplicates(["rule", "column", "item"])
        for (rule, col, _item, sev), n in sums.items():
            row = firsts[(firsts["rule"] == rule) & (firsts["column"] == col)].iloc[[0]].copy()
            old = int(row["value"].iloc[0])
            row["value"] = int(n)
            row["message"] = row["message"].str.replace(f": {old} ", f": {int(n)} ", n=1,
                                                        regex=False)
            row["severity"] = sev
            merged.append(row)
    # the same for every partition: keep one
    missing_col = problems[problems["rule"] == "missing_column"]
    merged.append(missing_col.drop_duplicates(["column", "item"]))
    empty = problems[problems["rule"] == "empty_column"]
    if not empty.empty:
        times = empty.groupby("column")["rule"].transform("size")
        whole = empty[times.to_numpy() == n_parts].drop_duplicates("column").copy()
        n_rows = int(sum(lengths))
        whole["message"] = whole["message"].str.replace(
            r"any of the \d+ rows", f"any of the {n_rows} rows", n=1, regex=True)
        merged.append(whole)
    id_col = first.id_column
    if id_col is not None:
        merged.append(_duplicates(ddf, starts, id_col, problems, first))
    out = pd.concat([f for f in merged if not f.empty] or [problems.iloc[:0]],
                    ignore_index=True)
    located = out["row"].notna().to_numpy()
    order = np.lexsort((out.index.to_numpy(), np.where(located, out["row"].fillna(0), -1)))
    out = out.iloc[order].reset_index(drop=True)
    missing = sum((r.missing for r in reports[1:]), reports[0].missing)
    return ValidationReport(first.instrument, int(sum(r.n_rows for r in reports)), out,
                            missing, first.provenance, first.id_column, first.id_source)


def _duplicates(ddf: Any, starts: np.ndarray, id_col: str, problems: pd.DataFrame,
                first: ValidationReport) -> pd.DataFrame:
    """Duplicate ids over all partitions (a distributed value count), located by a
    second pass over the partitions that hold them."""
    import dask

    from psychometrics.validation import _id_text, _rows

    counts = ddf[id_col].dropna().value_counts()
    dup = counts[counts > 1].compute()
    if dup.empty:
        return problems.iloc[:0]
    wanted = set(dup.index)
    found = dask.compute(*[dask.delayed(_duplicate_rows)(p, int(s), id_col, wanted)
                           for p, s in zip(ddf.to_delayed(), starts, strict=True)])
    rows = np.concatenate([f[0] for f in found])
    ids = np.concatenate([f[1] for f in found])
    sheet = rows + 2
    where: dict[Any, list[int]] = {}
    for r, i in zip(sheet, ids, strict=True):
        where.setdefault(i, []).append(int(r))
    severity = "error" if first.id_source == "given" else "warning"
    msgs = [f"row {r}, column {id_col}: respondent id {_id_text(i)} occurs more than once "
            f"(rows {_row_list(where[i])})" for r, i in zip(sheet, ids, strict=True)]
    out = _rows(rows, ids, id_col, None, ids, "duplicate_id", severity, msgs)
    out.insert(1, "sheet_row", pd.array(sheet, dtype="Int64"))
    return out


def _score_part(part: pd.DataFrame, instruments: list[Any], columns: Any, on_invalid: str,
                id_column: str | None, partition_info: dict | None = None) -> pd.DataFrame:
    import warnings

    from psychometrics.errors import DataValidationError, PsychometricsWarning
    from psychometrics.scoring import score

    with warnings.catch_warnings():
        # "a column holds no answers" speaks of one partition, not of the data
        warnings.simplefilter("ignore", PsychometricsWarning)
        try:
            return score(part, instruments, columns=columns, on_invalid=on_invalid,
                         id_column=id_column)
        except DataValidationError as exc:
            number = None if partition_info is None else partition_info.get("number")
            raise DataValidationError(f"partition {number} (rows counted from its first "
                                      f"row): {exc}", errors=exc.errors) from None


def score_dask(ddf: Any, instruments: list[Any], *, columns: Any, on_invalid: str,
               id_column: str | None) -> Any:
    """:func:`~psychometrics.score` of a Dask DataFrame: a Dask DataFrame of the scores
    (lazy; each partition scored on the workers, index kept)."""
    from psychometrics.scoring import score
    from psychometrics.validation import resolve_columns, respondent_ids

    ids = {inst.id for inst in instruments}
    per_instrument = isinstance(columns, dict) and bool(columns) and set(columns) <= ids
    items = [c for inst in instruments for c in resolve_columns(
        inst, columns.get(inst.id) if per_instrument else columns).values()]
    id_column, id_source = respondent_ids(ddf._meta, id_column, items)
    meta = score(ddf._meta, instruments, columns=columns, on_invalid="nan",
                 id_column=id_column)
    out = ddf.map_partitions(_score_part, instruments, columns, on_invalid, id_column,
                             meta=meta)
    try:
        out.attrs.update(meta.attrs)
        out.attrs["psychometrics"]["id_source"] = id_source
    except AttributeError:  # a Dask version without attrs
        pass
    return out
