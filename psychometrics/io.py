"""Read response data from CSV, TSV, Excel, SPSS and Stata files.

Excel needs openpyxl (``pip install 'psychometrics[excel]'``) and SPSS needs pyreadstat
(``pip install 'psychometrics[spss]'``); each says so when missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from psychometrics.errors import PsychometricsError

READERS = {".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".txt": "TSV", ".xlsx": "Excel",
           ".xls": "Excel", ".sav": "SPSS", ".zsav": "SPSS", ".dta": "Stata"}


def read_data(path: str | os.PathLike[str], *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a data file into a DataFrame, choosing the reader by the file's extension.

    CSV/TSV lines starting with ``#`` are comments (the CLI writes provenance there).
    SPSS/Stata value codes are kept as numbers (not replaced by their labels).
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
        _need("openpyxl", "excel", file)
        return pd.read_excel(file, sheet_name=sheet)
    if kind == "Stata":
        return pd.read_stata(file, convert_categoricals=False)
    _need("pyreadstat", "spss", file)
    import pyreadstat

    frame, _meta = pyreadstat.read_sav(file, apply_value_formats=False)
    return frame


def _need(module: str, extra: str, file: Path) -> None:
    try:
        __import__(module)
    except ImportError:
        raise ImportError(
            f"reading '{file.name}' needs the optional package {module}: "
            f"pip install 'psychometrics[{extra}]'") from None
