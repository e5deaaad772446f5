"""Read response data from CSV/TSV, Excel, SPSS, Stata, Parquet and Feather files.

Every cell arrives or is reported; nothing is reformatted. What :func:`read_data` does:

* **Format** from the file's content (its first bytes), not only its extension: a workbook
  saved as ``.csv`` is read as Excel, with a warning saying so.
* **Text files**: the encoding is detected (UTF-8 with or without BOM, UTF-16, else cp1252)
  or the file is refused naming the offending byte; the delimiter (comma, semicolon, tab,
  pipe) and a decimal comma are sniffed; ``#`` starts a comment only as the first character
  of a line (a cell ``Ward #3`` or ``#N/A`` is a cell); blank lines are skipped.
* **Text, not guesses**: ids and every column that is not an item stay text exactly as
  written (``0001`` stays ``"0001"``); item columns are parsed as numbers, and a cell that is
  not one stays as written so that validation names it. Without an instrument, a column
  becomes numbers only when every cell is a number and none has a leading zero.
* **Missing markers** ``N/A``, ``NA``, ``n/a``, ``.``, ``#N/A`` and empty cells become missing
  and are counted per column in ``attrs["missing_markers"]`` (reported by
  :func:`psychometrics.validate`).
* **Extra header rows**: the two of a Qualtrics export (question text, ImportId) and rows of
  text in every item column under the header are recognised and skipped (``skip_rows`` sets
  their number by hand).
* **Rows** keep their place in the file: ``attrs["rows"]`` maps each respondent to the row a
  spreadsheet shows (1-based, header counted, comment and header rows counted), which every
  message uses.

Excel needs openpyxl, SPSS needs pyreadstat, Parquet and Feather need pyarrow
(``pip install 'survey-psychometrics[interop]'``, or the ``excel`` / ``spss`` / ``parquet``
extras); each says so when missing. Stata files are read with pyreadstat when it is
installed (value labels and extended missing values kept), else with pandas.

SPSS and Stata files keep their numeric codes (never replaced by labels). Their metadata
travel in ``DataFrame.attrs``:

``value_labels``
    ``{column: {code: label}}``, e.g. to check that a file's labels match the instrument's.
``variable_labels``
    ``{column: label}``.
``user_missing``
    The declared user-defined missing values per column: SPSS discrete values and ranges
    (``[-99, [97, 99]]``), Stata extended missing values (``[".a", ".b"]``).
``user_missing_reasons``
    ``{column: {code: n}}``: how many cells held each declared code (the reason the answer
    is missing); ``user_missing_cells`` is ``{column: n}``.

SPSS and Stata treat user-defined missing values as missing. Here they become ``missing_code``
when it is given (pass the instrument's missing code, e.g. ``-99``, so that
:func:`psychometrics.validate` counts them as coded missing answers rather than blanks), else
empty cells (NaN).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.errors import PsychometricsError, PsychometricsWarning
from psychometrics.io._cells import MARKERS, convert_column, has_decimal_commas, is_id_name
from psychometrics.io._text import read_text

__all__ = ["MARKERS", "READERS", "is_id_name", "read_data", "sheet_rows"]

DIST = "survey-psychometrics"  # the distribution name on PyPI (the import name differs)

READERS = {".csv": "CSV", ".tsv": "TSV", ".tab": "TSV", ".txt": "TSV", ".xlsx": "Excel",
           ".xlsm": "Excel", ".xls": "Excel", ".sav": "SPSS", ".zsav": "SPSS",
           ".dta": "Stata", ".parquet": "Parquet", ".pq": "Parquet", ".feather": "Feather",
           ".arrow": "Feather"}
_TEXT = {"CSV", "TSV", "text"}
_WHAT = {"Excel": "an Excel workbook", "SPSS": "an SPSS data file", "Stata": "a Stata file",
         "Parquet": "a Parquet file", "Feather": "a Feather (Arrow) file",
         "text": "delimited text", "CSV": "CSV text", "TSV": "tab-separated text"}


def read_data(
    path: str | os.PathLike[str],
    *,
    instrument: Any = None,
    columns: Any = None,
    sheet: str | int = 0,
    missing_code: float | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    skip_rows: int | None = None,
) -> pd.DataFrame:
    """Read a data file into a DataFrame, one row per respondent, in the file's order.

    Parameters
    ----------
    path
        A CSV/TSV (``.csv``, ``.tsv``, ``.tab``, ``.txt``), Excel (``.xlsx``, ``.xls``),
        SPSS (``.sav``, ``.zsav``), Stata (``.dta``), Parquet or Feather file. The content
        decides when the extension disagrees (with a warning).
    instrument
        An instrument, a built-in id, or a list of them: their item columns are parsed as
        numbers and every other column is kept as text. Without it, a column is numbers
        only when every cell is one and none has a leading zero.
    columns
        How item columns are named (as in :func:`psychometrics.validate`).
    sheet
        Excel sheet name or 0-based number.
    missing_code
        SPSS/Stata only: the code that user-defined missing values become (e.g. the
        instrument's ``-99``); by default they become NaN.
    sep, decimal
        Text files: the delimiter and decimal mark; sniffed from the file by default.
    encoding
        Text files: the encoding; detected by default (UTF-8, UTF-16, cp1252).
    skip_rows
        Text and Excel files: how many rows under the header are not respondents (question
        text, import ids); detected by default, ``0`` reads every row as a respondent.

    Returns
    -------
    DataFrame
        With a RangeIndex; ``attrs`` records the format, encoding, delimiter, decimal mark,
        ``missing_markers`` (``{column: {marker: n}}``), skipped ``header_rows`` and
        ``rows`` (see :func:`sheet_rows`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "d.csv").write_text("id;who5_1;ward\\n0001;3;Ward #3\\n0002;N/A;#N/A\\n")
    >>> frame = read_data(folder / "d.csv", instrument="who5")
    >>> frame["id"].tolist(), frame["who5_1"].tolist(), frame["ward"].tolist()
    (['0001', '0002'], [3.0, nan], ['Ward #3', nan])
    >>> frame.attrs["sep"], frame.attrs["missing_markers"]
    (';', {'who5_1': {'N/A': 1}, 'ward': {'#N/A': 1}})
    """
    file = Path(path)
    if file.is_dir():
        raise PsychometricsError(f"'{file}' is a folder, not a data file")
    if not file.is_file():
        raise FileNotFoundError(f"no data file at '{file}'")
    if sep is not None and len(sep) != 1:
        raise PsychometricsError(f"the separator must be one character, not {sep!r}")
    if decimal not in (None, ".", ","):
        raise PsychometricsError(f"the decimal mark must be '.' or ',', not {decimal!r}")
    if skip_rows is not None and skip_rows < 0:
        raise PsychometricsError(f"skip_rows must be 0 or more, not {skip_rows}")
    return _read(file, instrument=instrument, columns=columns, sheet=sheet,
                 missing_code=missing_code, sep=sep, decimal=decimal, encoding=encoding,
                 skip_rows=skip_rows)


def _guard(file: Path, kind: str, read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Run a third-party reader; a file it cannot read is a PsychometricsError naming it."""
    try:
        return read()
    except (PsychometricsError, ImportError):
        raise
    except Exception as exc:  # openpyxl, xlrd, pyreadstat, pyarrow raise many kinds
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise PsychometricsError(f"'{file.name}' could not be read as {_WHAT[kind]}: {text}"
                                 ) from None


def _read(file: Path, *, instrument: Any, columns: Any, sheet: str | int,
          missing_code: float | None, sep: str | None, decimal: str | None,
          encoding: str | None, skip_rows: int | None) -> pd.DataFrame:
    by_name = READERS.get(file.suffix.lower())
    with open(file, "rb") as handle:
        head = handle.read(64)
    if not head:
        raise PsychometricsError(f"'{file.name}' is empty")
    by_content = _content_kind(head)
    kind = by_name or by_content
    if by_name is not None and not (by_name in _TEXT and by_content in _TEXT) \
            and by_name != by_content:
        warnings.warn(f"'{file.name}' holds {_WHAT[by_content]}, not {_WHAT[by_name]} as its "
                      f"extension says; read as {_WHAT[by_content]}",
                      PsychometricsWarning, stacklevel=2)
        kind = by_content
    elif by_name is None:
        kind = by_content
    if kind in _TEXT and by_content == "text":
        default = {"CSV": ",", "TSV": "\t"}.get(kind, ",")
        table = read_text(file.read_bytes(), file.name, sep=sep, default_sep=default,
                          encoding=encoding)
        if decimal is None and table.sep == ",":
            decimal = "."  # "2,5" in a comma-separated file is a quoted cell, not a number
        frame = _from_cells(table.header, table.cells, file.name, instrument, columns,
                            decimal, skip_rows, table.skipped)
        frame.attrs.update({"format": "CSV" if table.sep == "," else "delimited text",
                            "encoding": table.encoding, "sep": table.sep})
        return frame
    if kind == "Excel":
        if file.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
            _need("xlrd", None, file, hint="or save the workbook as .xlsx")
        else:
            _need("openpyxl", "excel", file)
        cells = _guard(file, kind, lambda: pd.read_excel(file, sheet_name=sheet, header=None,
                                                         dtype=object, na_filter=False))
        if cells.empty:
            raise PsychometricsError(f"'{file.name}' sheet {sheet!r} is empty")
        header = [str(h).strip() if str(h).strip() else f"Unnamed: {j}"
                  for j, h in enumerate(cells.iloc[0].tolist())]
        frame = _from_cells(header, cells.iloc[1:].reset_index(drop=True), file.name,
                            instrument, columns, decimal or ".", skip_rows, [])
        frame.attrs["format"] = "Excel"
        return frame
    if kind in ("Parquet", "Feather"):
        _need("pyarrow", "parquet", file)
        frame = _guard(file, kind, lambda: pd.read_parquet(file) if kind == "Parquet"
                       else pd.read_feather(file))
        frame.attrs.update({"format": kind})
        return frame
    if kind == "Stata":
        try:
            import pyreadstat  # noqa: F401
        except ImportError:
            frame = _guard(file, kind, lambda: pd.read_stata(file, convert_categoricals=False))
            frame.attrs["format"] = "Stata"
            return frame
        from psychometrics.io._labelled import read_stata

        return _guard(file, kind, lambda: read_stata(file, missing_code))
    _need("pyreadstat", "spss", file)
    from psychometrics.io._labelled import read_spss

    return _guard(file, "SPSS", lambda: read_spss(file, missing_code))


def sheet_rows(data: pd.DataFrame, positions: Sequence[int] | np.ndarray) -> np.ndarray:
    """The rows a spreadsheet shows for 0-based ``positions`` of ``data``: 1-based with the
    header counted, and, for a file read by :func:`read_data`, its comment lines and extra
    header rows counted too. For other frames, position + 2.

    >>> import pandas as pd
    >>> sheet_rows(pd.DataFrame({"a": [1, 2, 3]}), [0, 2]).tolist()
    [2, 4]
    """
    pos = np.asarray(positions, dtype=np.int64)
    info = data.attrs.get("rows")
    if not isinstance(info, dict) or info.get("n") != len(data):
        return pos + 2
    out = pos + int(info["first"])
    if info.get("gap_at"):
        at = np.asarray(info["gap_at"], dtype=np.int64)
        cum = np.concatenate([[0], np.cumsum(info["gap_size"])])
        out = out + cum[np.searchsorted(at, pos, side="right")]
    return out


def _content_kind(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "Excel"
    if head.startswith((b"$FL2", b"$FL3")):
        return "SPSS"
    if head.startswith(b"<stata_dta>") or (head[0] in range(0x71, 0x78)
                                           and head[1:2] in (b"\x01", b"\x02")):
        return "Stata"
    if head.startswith(b"PAR1"):
        return "Parquet"
    if head.startswith((b"ARROW1", b"FEA1")):
        return "Feather"
    if head.startswith(b"\x1f\x8b"):
        raise PsychometricsError("the file is gzip-compressed: unpack it first")
    return "text"


def _item_columns(instrument: Any, columns: Any) -> set[str] | None:
    if instrument is None:
        return None
    from psychometrics.catalog import as_instrument
    from psychometrics.validation import resolve_columns

    many = isinstance(instrument, list | tuple)
    found: set[str] = set()
    for inst in (instrument if many else [instrument]):
        inst = as_instrument(inst)
        cols = columns.get(inst.id) if (isinstance(columns, dict) and columns
                                        and set(columns) <= {inst.id}) else columns
        found.update(resolve_columns(inst, cols).values())
    return found


def _from_cells(header: list[str], body: pd.DataFrame, name: str, instrument: Any,
                columns: Any, decimal: str | None, skip_rows: int | None,
                skipped_lines: list[int]) -> pd.DataFrame:
    """Cells (all text or Excel values) -> the DataFrame, by the instrument's rules."""
    header = _unique(header, name)
    items = _item_columns(instrument, columns)
    item_pos = [j for j, h in enumerate(header) if items is not None and h in items]
    extra, why = (skip_rows, "given") if skip_rows is not None else \
        _extra_header_rows(body, item_pos)
    extra = min(extra, len(body))
    header_rows = [dict(zip(header, map(_cell_text, body.iloc[r].tolist()), strict=True))
                   for r in range(extra)]
    if extra:
        if skip_rows is None:
            warnings.warn(f"'{name}': row{'s' if extra > 1 else ''} 2"
                          + (f"-{extra + 1}" if extra > 1 else "")
                          + f" read as extra header rows ({why}), not respondents; set "
                          "skip_rows (--skip-rows) to change this", PsychometricsWarning,
                          stacklevel=3)
        body = body.iloc[extra:].reset_index(drop=True)
    if decimal is None:
        sample = body.iloc[:200, item_pos] if items is not None else body.iloc[:200]
        decimal = "," if has_decimal_commas(sample.to_numpy().ravel()) else "."
    data: dict[str, Any] = {}
    markers: dict[str, dict[str, int]] = {}
    for j, col in enumerate(header):
        if items is not None:
            numeric: bool | None = col in items
        else:
            numeric = False if is_id_name(col) else None
        values, counts = convert_column(body.iloc[:, j].to_numpy(dtype=object),
                                        numeric=numeric, decimal=decimal)
        data[col] = values
        if counts:
            markers[col] = counts
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(body)), columns=header)
    frame.attrs.update({"source": name, "decimal": decimal, "missing_markers": markers,
                        "header_rows": header_rows,
                        "rows": _row_map(len(frame), extra, skipped_lines)})
    return frame


def _row_map(n: int, extra: int, skipped: list[int]) -> dict[str, Any]:
    """Where each respondent is in the file: data row 0 is kept line ``1 + extra``; a skipped
    line (comment, blank) before kept line k shifts every later row by one."""
    first = 2 + extra
    gaps: dict[int, int] = {}
    for count, line in enumerate(skipped):
        kept_before = line - count
        position = kept_before - 1 - extra  # the data row the skipped line precedes
        if position <= 0:
            first += 1
        else:
            gaps[position] = gaps.get(position, 0) + 1
    return {"n": n, "first": first, "gap_at": sorted(gaps),
            "gap_size": [gaps[p] for p in sorted(gaps)]}


def _extra_header_rows(body: pd.DataFrame, item_pos: list[int]) -> tuple[int, str]:
    from psychometrics.io._cells import _NUMBER, is_marker

    for r in range(min(2, len(body))):
        if any(isinstance(v, str) and v.lstrip().startswith('{"ImportId"')
               for v in body.iloc[r].tolist()):
            return r + 1, "Qualtrics question text and import ids"
    if not item_pos:
        return 0, ""
    n = 0
    for r in range(min(3, len(body) - 1)):
        cells = body.iloc[r, item_pos].tolist()
        # Question text: words in every item column (one word could be a respondent's
        # junk answer, which validation must report, not a header to skip).
        if all(isinstance(v, str) and not is_marker(v) and not _NUMBER.fullmatch(v)
               and len(v.split()) >= 2 for v in cells):
            n = r + 1
        else:
            break
    return (n, "question text in every item column") if n else (0, "")


def _unique(header: list[str], name: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        if h in seen:
            seen[h] += 1
            new = f"{h}.{seen[h]}"
            warnings.warn(f"'{name}': column '{h}' occurs more than once in the header; the "
                          f"repeat is read as '{new}'", PsychometricsWarning, stacklevel=4)
            out.append(new)
        else:
            seen[h] = 0
            out.append(h)
    return out


def _cell_text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _need(module: str, extra: str | None, file: Path, hint: str = "") -> None:
    try:
        __import__(module)
    except ImportError:
        how = f"pip install '{DIST}[{extra}]'" if extra else f"pip install {module}"
        raise ImportError(
            f"reading '{file.name}' needs the optional package {module}: {how}"
            + (f" ({hint})" if hint else "")) from None
