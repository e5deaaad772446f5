"""Read response data from CSV, TSV, Excel, SPSS and Stata files.

Excel needs openpyxl and SPSS needs pyreadstat (``pip install 'psychometrics[interop]'``, or
the ``excel`` / ``spss`` extras); each says so when missing. Stata files are read with
pyreadstat when it is installed (value labels and extended missing values kept), else with
pandas.

SPSS and Stata files keep their numeric codes (never replaced by labels). Their metadata
travel in ``DataFrame.attrs``:

``value_labels``
    ``{column: {code: label}}``, e.g. to check that a file's labels match the instrument's.
``variable_labels``
    ``{column: label}``.
``user_missing``
    The declared user-defined missing values per column: SPSS discrete values and ranges
    (``[-99, [97, 99]]``), Stata extended missing values (``[".a", ".b"]``).
``user_missing_cells``
    ``{column: n}``: how many cells held one of them.

SPSS and Stata treat user-defined missing values as missing. Here they become ``missing_code``
when it is given (pass the instrument's missing code, e.g. ``-99``, so that
:func:`psychometrics.validate` counts them as coded missing answers rather than blanks), else
empty cells (NaN).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.errors import PsychometricsError

READERS = {".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".txt": "TSV", ".xlsx": "Excel",
           ".xls": "Excel", ".sav": "SPSS", ".zsav": "SPSS", ".dta": "Stata"}

_NUMBERS = {"floating", "integer", "mixed-integer-float", "empty"}


def read_data(path: str | os.PathLike[str], *, sheet: str | int = 0,
              missing_code: float | None = None) -> pd.DataFrame:
    """Read a data file into a DataFrame, choosing the reader by the file's extension.

    Parameters
    ----------
    path
        A ``.csv``, ``.tsv``/``.tab``/``.txt``, ``.xlsx``, ``.sav``/``.zsav`` or ``.dta`` file.
    sheet
        Excel sheet name or 0-based number.
    missing_code
        SPSS/Stata only: the code that user-defined missing values become (e.g. the
        instrument's ``-99``); by default they become NaN.

    Notes
    -----
    CSV/TSV lines starting with ``#`` are comments (the CLI writes provenance there).
    SPSS/Stata value codes are kept as numbers; labels and declared missing values are in
    ``attrs`` (see the module documentation).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"who5_1": [3, -99]}).to_csv(folder / "d.csv", index=False)
    >>> read_data(folder / "d.csv")["who5_1"].tolist()
    [3, -99]
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no data file at '{file}'")
    kind = READERS.get(file.suffix.lower())
    if kind is None:
        raise PsychometricsError(
            f"'{file.name}': unknown data format '{file.suffix}' "
            f"(known: {', '.join(sorted(READERS))})")
    if kind == "CSV":
        return pd.read_csv(file, comment="#")
    if kind == "TSV":
        return pd.read_csv(file, sep="\t", comment="#")
    if kind == "Excel":
        if file.suffix.lower() == ".xls":
            _need("xlrd", None, file, hint="or save the workbook as .xlsx")
        else:
            _need("openpyxl", "excel", file)
        return pd.read_excel(file, sheet_name=sheet)
    if kind == "Stata":
        try:
            import pyreadstat  # noqa: F401
        except ImportError:
            return pd.read_stata(file, convert_categoricals=False)
        return _read_stata(file, missing_code)
    _need("pyreadstat", "spss", file)
    return _read_spss(file, missing_code)


def _read_spss(file: Path, missing_code: float | None) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_sav(file, user_missing=True, apply_value_formats=False)
    declared: dict[str, list[Any]] = {}
    cells: dict[str, int] = {}
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
            cells[column] = int(mask.sum())
            values = values.copy()
            values[mask] = np.nan if missing_code is None else float(missing_code)
            frame[column] = values
    return _with_meta(frame, meta, declared, cells, missing_code)


def _read_stata(file: Path, missing_code: float | None) -> pd.DataFrame:
    import pyreadstat

    frame, meta = pyreadstat.read_dta(file, user_missing=True, apply_value_formats=False)
    types = getattr(meta, "readstat_variable_types", {}) or {}
    declared: dict[str, list[Any]] = {c: [f".{v}" for v in vals] for c, vals in
                                      (meta.missing_user_values or {}).items()}
    cells: dict[str, int] = {}
    fill = np.nan if missing_code is None else float(missing_code)
    for column in frame.columns:
        col = frame[column]
        if types.get(column) == "string" or col.dtype != object:
            continue
        # A numeric variable comes back as objects where it holds extended missing values
        # (.a-.z, as letters) or dates (%td): only the letters are missing values.
        mask = col.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if mask.any():
            cells[column] = int(mask.sum())
            declared.setdefault(column, sorted({f".{v}" for v in col[mask]}))
            col = col.where(~mask, fill)
        if pd.api.types.infer_dtype(col, skipna=True) in _NUMBERS:
            col = col.astype(float)
        frame[column] = col
    return _with_meta(frame, meta, declared, cells, missing_code)


def _with_meta(frame: pd.DataFrame, meta: Any, declared: dict[str, list[Any]],
               cells: dict[str, int], missing_code: float | None) -> pd.DataFrame:
    labels = {col: {_plain(k): v for k, v in mapping.items()}
              for col, mapping in (meta.variable_value_labels or {}).items()}
    names = {col: lab for col, lab in (meta.column_names_to_labels or {}).items() if lab}
    frame.attrs.update({"value_labels": labels, "variable_labels": names,
                        "user_missing": declared, "user_missing_cells": cells,
                        "missing_code": missing_code})
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) == 1 and value.isalpha():
        return f".{value}"  # a Stata extended missing value
    return value


def _need(module: str, extra: str | None, file: Path, hint: str = "") -> None:
    try:
        __import__(module)
    except ImportError:
        how = f"pip install 'psychometrics[{extra}]'" if extra else f"pip install {module}"
        raise ImportError(
            f"reading '{file.name}' needs the optional package {module}: {how}"
            + (f" ({hint})" if hint else "")) from None
