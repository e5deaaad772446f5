"""Delimited text (CSV, TSV, semicolon files): encoding, delimiter, decimal comma, comment
and blank lines, extra header rows.

Every cell is read as text first; :mod:`psychometrics.io._cells` then decides what it is.
pandas' C parser does the splitting (quotes, embedded delimiters and newlines) with no type
guessing, no NA guessing and no comment handling: ``#`` is a comment only as the first
character of a line, which this module removes (with blank lines) before parsing, keeping
their places so that row numbers stay those of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from psychometrics.errors import PsychometricsError

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 50
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class TextTable:
    """The cells of a delimited file, all text, with what was learnt reading it."""

    header: list[str]
    cells: pd.DataFrame  # object columns of str, positional column labels
    encoding: str
    sep: str
    skipped: list[int] = field(default_factory=list)  # 0-based lines (comments, blank)


def decode(raw: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the name of its encoding: UTF-8 (with or without BOM), UTF-16
    (with BOM, or recognised by its zero bytes), else cp1252; anything else is refused."""
    if encoding is not None:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), encoding
        except LookupError:
            raise PsychometricsError(f"unknown encoding '{encoding}'") from None
        except UnicodeDecodeError as exc:
            raise PsychometricsError(
                f"'{name}' is not {encoding} text (byte 0x{raw[exc.start]:02x} at offset "
                f"{exc.start}); leave the encoding out to detect it") from None
    if raw.startswith(codecs.BOM_UTF8):
        return _strict(raw[3:], "utf-8", "UTF-8 with BOM", name)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(raw, "utf-16", "UTF-16", name)
    head = raw[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = max(len(head) // 2, 1)
    if max(even, odd) > 0.7 * half and min(even, odd) < 0.05 * half:
        # UTF-16 without a BOM: ASCII characters put a zero byte beside each letter.
        return _strict(raw, "utf-16-le" if odd > even else "utf-16-be", "UTF-16", name)
    if 0 in head:
        raise PsychometricsError(f"'{name}' is not a text file (it holds zero bytes) and not "
                                 "a format this package reads")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pos = utf8_error.start
        raise PsychometricsError(
            f"'{name}' is neither UTF-8, UTF-16 nor cp1252 (Windows Latin-1) text: byte "
            f"0x{raw[pos]:02x} at offset {pos}; save it as UTF-8 or give its encoding "
            "(encoding=..., --encoding)") from None


def _strict(raw: bytes, codec: str, label: str, name: str) -> tuple[str, str]:
    try:
        return raw.decode(codec).removeprefix("\ufeff"), label
    except UnicodeDecodeError as exc:
        raise PsychometricsError(f"'{name}' starts like {label} text but is not "
                                 f"(byte offset {exc.start}); save it as UTF-8") from None


def strip_lines(text: str, sep: str) -> tuple[str, list[int]]:
    """Remove comment lines and empty lines; return the rest and the removed lines' 0-based
    numbers.

    A comment line starts with ``#``. Above the header every such line is one (the CLI
    writes its provenance there); below it, a line starting with ``#`` that splits into as
    many cells as the header is a respondent whose first cell starts with ``#`` (an id
    ``#12``, Excel's ``#N/A``), not a comment. A line inside a quoted cell is never removed.
    """
    starts = text.startswith(("#", "\n", "\r\n"))
    if not (starts or "\n#" in text or "\n\n" in text or "\n\r\n" in text):
        return text, []
    lines = text.split("\n")
    last = len(lines) - 1 if lines[-1] == "" else len(lines)  # after a final newline
    kept: list[str] = []
    skipped: list[int] = []
    quoted = False
    width = 0  # cells of the header, once it is found
    for i, line in enumerate(lines[:last]):
        bare = line.rstrip("\r")
        if not quoted:
            if bare == "":
                skipped.append(i)
                continue
            if bare.startswith("#") and (not width or _cells(bare, sep) != width):
                skipped.append(i)
                continue
            if not width:
                width = _cells(bare, sep)
        kept.append(line)
        if line.count('"') % 2:
            quoted = not quoted
    return "\n".join(kept) + "\n", skipped


def _cells(line: str, sep: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=sep)))
    except (csv.Error, StopIteration):
        return 0


def sniff_sep(text: str, default: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields
    (comment and blank lines aside)."""
    head = text.split("\n", 4 * _SAMPLE_LINES)[:4 * _SAMPLE_LINES]
    lines = [ln for ln in head if ln.strip() and not ln.startswith("#")][:_SAMPLE_LINES]
    sample = "\n".join(lines)
    best, best_key = default, (0.0, 0)
    for sep in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=sep))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if len(rows) > 2:
            rows = rows[:-1]  # the sample may end inside a record
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        key = (sum(len(r) == width for r in rows) / len(rows), width)
        if key > best_key or (key == best_key and sep == default):
            best, best_key = sep, key
    return best


def read_text(raw: bytes, name: str, *, sep: str | None, default_sep: str,
              encoding: str | None) -> TextTable:
    text, used = decode(raw, name, encoding)
    if sep is None:
        sep = sniff_sep(text, default_sep)
    text, skipped = strip_lines(text, sep)
    if not text.strip():
        raise PsychometricsError(f"'{name}' has no header row (the file holds no data)")
    try:
        cells = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=object,
                            keep_default_na=False, na_filter=False, skip_blank_lines=False,
                            engine="c")
    except pd.errors.ParserError as exc:
        raise PsychometricsError(_parser_message(str(exc), name, sep, skipped)) from None
    except pd.errors.EmptyDataError:
        raise PsychometricsError(f"'{name}' has no header row (the file holds no data)"
                                 ) from None
    header_cells = cells.iloc[0].tolist()
    header = [str(h).strip() if isinstance(h, str) and h.strip() else f"Unnamed: {j}"
              for j, h in enumerate(header_cells)]
    body = cells.iloc[1:].reset_index(drop=True)
    return TextTable(header, body, used, sep, skipped)


def physical_line(record: int, skipped: list[int]) -> int:
    """0-based physical line of the 0-based kept line ``record``."""
    line = record
    for s in skipped:
        if s <= line:
            line += 1
        else:
            break
    return line


def _parser_message(message: str, name: str, sep: str, skipped: list[int]) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        want, line, saw = (int(g) for g in found.groups())
        row = physical_line(line - 1, skipped) + 1
        return (f"'{name}' row {row}: {saw} cells where the header has {want} "
                f"({_NAMES.get(sep, repr(sep))}-separated; a cell holding the separator must "
                "be quoted, or give the separator with --sep / sep=)")
    return f"'{name}' could not be split into cells: {message.strip()}"
