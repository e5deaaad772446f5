"""SPSS and Stata files through pyreadstat: numeric codes kept, labels and declared
user-defined missing values in ``DataFrame.attrs`` (see :mod:`psychometrics.io`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_NUMBERS = {"floating", "integer", "mixed-integer-float", "empty"}


def read_spss(file: Path, missing_code: float | None) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(file, user_missing=True, apply_value_formats=False)
    declared: dict[str, list[Any]] = {}
    reasons: dict[str, dict[Any, int]] = {}
    for column, ranges in (meta.missing_ranges or {}).items():
        if column not in frame.columns:
            continue
        declared[column] = [_plain(r["lo"]) if r["lo"] == r["hi"]
                            else [_plain(r["lo"]), _plain(r["hi"])] for r in ranges]
        if not pd.api.types.is_numeric_dtype(frame[column]):
            continue  # string user-missing values stay as text
        values = frame[column].to_numpy(dtype=float)
        mask = np.zeros(len(frame), dtype=bool)
        for r in ranges:
            mask |= (values >= float(r["lo"])) & (values <= float(r["hi"]))
        if mask.any():
            # The reason a cell is missing is the declared code it held: keep it per code.
            found, counts = np.unique(values[mask], return_counts=True)
            reasons[column] = {_plain(float(v)): int(c) for v, c in zip(found, counts,
                                                                           strict=True)}
            values = values.copy()
            values[mask] = np.nan if missing_code is None else float(missing_code)
            frame[column] = values
    return _with_meta(frame, meta, declared, reasons, missing_code, "SPSS")


def read_stata(file: Path, missing_code: float | None) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_dta(file, user_missing=True, apply_value_formats=False)
    types = getattr(meta, "readstat_variable_types", {}) or {}
    declared: dict[str, list[Any]] = {c: [f".{v}" for v in vals] for c, vals in
                                      (meta.missing_user_values or {}).items()}
    reasons: dict[str, dict[Any, int]] = {}
    fill = np.nan if missing_code is None else float(missing_code)
    for column in frame.columns:
        col = frame[column]
        if types.get(column) == "string" or col.dtype != object:
            continue
        # A numeric variable comes back as objects where it holds extended missing values
        # (.a-.z, as letters) or dates (%td): only the letters are missing values.
        mask = col.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if mask.any():
            counts = Counter(f".{v}" for v in col[mask])
            reasons[column] = dict(sorted(counts.items()))
            declared.setdefault(column, sorted(counts))
            col = col.where(~mask, fill)
        if pd.api.types.infer_dtype(col, skipna=True) in _NUMBERS:
            col = col.astype(float)
        frame[column] = col
    return _with_meta(frame, meta, declared, reasons, missing_code, "Stata")


def _with_meta(frame: pd.DataFrame, meta: Any, declared: dict[str, list[Any]],
               reasons: dict[str, dict[Any, int]], missing_code: float | None,
               kind: str) -> pd.DataFrame:
    labels = {col: {_plain(k): v for k, v in mapping.items()}
              for col, mapping in (meta.variable_value_labels or {}).items()}
    names = {col: lab for col, lab in (meta.column_names_to_labels or {}).items() if lab}
    frame.attrs.update({"value_labels": labels, "variable_labels": names,
                        "user_missing": declared,
                        "user_missing_cells": {c: sum(r.values()) for c, r in reasons.items()},
                        "user_missing_reasons": reasons,
                        "missing_code": missing_code, "format": kind})
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) == 1 and value.isalpha():
        return f".{value}"  # a Stata extended missing value
    return value
