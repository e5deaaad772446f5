"""Cells to values: missing markers recognised and counted, numbers parsed strictly.

Shared by every reader that meets text cells (CSV/TSV, Excel). A column is either numbers
(float64, or int64 when whole and complete) or text (str, with ``NaN`` for a missing cell);
cells that are neither a number nor a marker in a number column are kept as they were
written, so that validation can name them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

# Cells that mean "no answer" in exports from Excel, SPSS, R, SAS and Qualtrics. Compared
# after stripping blanks, case-insensitively ("n/a" and "N/A" are the same marker).
MARKERS = ("", "NA", "N/A", "n/a", ".", "#N/A")
_MARKER_KEYS = frozenset(m.upper() for m in MARKERS)
_RAW = [*MARKERS, "na", "N/a", "#n/a"]  # the common spellings, for a fast first look


def _spellings() -> list[str]:
    """Every casing of the markers, bare or with up to two blanks or a tab around them: an
    exact (hash) lookup then catches what people type, without a strip per cell."""
    import itertools

    words = set()
    for marker in MARKERS:
        letters = [(c.lower(), c.upper()) if c.isalpha() else (c,) for c in marker]
        words.update("".join(p) for p in itertools.product(*letters))
    pads = ["", " ", "  ", "\t"]
    return sorted({f"{a}{w}{b}" for w in words for a in pads for b in pads})


_SPELLINGS = _spellings()

_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_COMMA_NUMBER = re.compile(r"\s*[+-]?\d+,\d+\s*")

# Column names that hold identifiers: never turned into numbers, and the first of them is
# the respondent id when none is given.
_ID_NAME = re.compile(
    r"(?i)(^|[^a-z])(id|uid|uuid|guid)$|^(response|respondent|record|participant|subject|"
    r"case|person|student|patient)[ _.-]?(id|no|nr|number|code)?$")
_CAMEL_ID = re.compile(r"[a-z]I[dD]$")  # ResponseId, RecordID


def is_id_name(name: Any) -> bool:
    """Whether a column name reads like an identifier (``id``, ``ResponseId``, ``resp_id``).

    >>> [is_id_name(n) for n in ["id", "ResponseId", "resp_id", "record_id", "valid", "gse_1"]]
    [True, True, True, True, False, False]
    """
    text = str(name).strip()
    return bool(_ID_NAME.search(text) or _CAMEL_ID.search(text))


def is_marker(cell: Any) -> bool:
    """Whether a cell is a missing marker (see ``MARKERS``) or empty."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return True
    return isinstance(cell, str) and cell.strip().upper() in _MARKER_KEYS


def marker_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the cells written as one of the common marker spellings.

    Spaced or oddly cased markers (``" NA "``, ``"n/A"``) are not caught here: the callers
    look at the few cells that fail to parse, or strip a text column, and use
    :func:`is_marker`.
    """
    # pandas' hash-table isin: numpy's sorts object arrays, ten times slower.
    cells = pd.Series(values, dtype=object, copy=False)
    return (cells.isna() | cells.isin(_RAW)).to_numpy(dtype=bool, copy=True)


def count_markers(values: np.ndarray, mask: np.ndarray) -> dict[str, int]:
    """``{marker as written (stripped): count}`` over the masked cells; ``""`` is empty."""
    found = values[mask]
    if not found.size:
        return {}
    keys = pd.Series(["" if not isinstance(v, str) else v.strip() for v in found])
    return {str(k): int(n) for k, n in keys.value_counts(sort=False).items()}


def to_numbers(values: np.ndarray, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Parse an object array of cells as numbers.

    Returns ``(numbers, junk)``: float64 with NaN where a cell is not a number, and a mask of
    the cells that are not numbers (markers excluded: the caller masks those first, and
    passes the rest). ``inf``/``nan`` and other words Python would accept are junk here.
    """
    n = values.shape[0]
    out = np.full(n, np.nan)
    junk = np.zeros(n, dtype=bool)
    if not n:
        return out, junk
    cells = values
    if decimal == ",":
        cells = np.array([_comma(v) for v in values], dtype=object)
    try:
        out = cells.astype(np.float64)  # fast path: every cell a number (numpy's parser)
        bad = ~np.isfinite(out)
    except (ValueError, TypeError):
        # Only text and numbers can be numbers: an Excel date or time is not (pandas would
        # turn it into nanoseconds).
        plain = np.array([isinstance(v, str | int | float | np.number)
                          and not isinstance(v, bool) for v in cells], dtype=bool)
        num = pd.to_numeric(pd.Series(np.where(plain, cells, None), dtype=object),
                            errors="coerce")
        out = np.array(num, dtype=np.float64)
        bad = ~np.isfinite(out)
    if bad.any():
        # Confirm each doubtful cell against the strict grammar (no 'inf', 'nan', '0x1').
        for i in np.flatnonzero(bad):
            v = cells[i]
            if isinstance(v, bool):
                pass
            elif isinstance(v, int | float | np.integer | np.floating):
                if np.isfinite(float(v)):
                    out[i] = float(v)
                    continue
            elif isinstance(v, str) and _NUMBER.fullmatch(v):
                out[i] = float(v)
                if np.isfinite(out[i]):
                    continue
            out[i] = np.nan
            junk[i] = True
    return out, junk


def _comma(value: Any) -> Any:
    if isinstance(value, str) and "," in value and _COMMA_NUMBER.fullmatch(value):
        return value.replace(",", ".")
    return value


def has_decimal_commas(values: np.ndarray) -> bool:
    """Whether number-like cells use a decimal comma (``2,5``) and none a point."""
    strings = [v for v in values if isinstance(v, str)]
    commas = sum(bool(_COMMA_NUMBER.fullmatch(v)) for v in strings)
    points = sum("." in v and bool(_NUMBER.fullmatch(v)) for v in strings)
    return commas > 0 and points == 0


def convert_column(values: np.ndarray, *, numeric: bool | None, decimal: str = "."
                   ) -> tuple[Any, dict[str, int]]:
    """One column of cells to its values and its marker counts.

    ``numeric=True`` (an item): numbers parsed, markers NaN, junk kept as written (object
    column). ``numeric=False`` (an id or other text): text kept exactly, markers NaN.
    ``numeric=None`` (no instrument says): numbers when every non-marker cell is one and
    none has a leading zero, else text.
    """
    values = np.asarray(values, dtype=object)
    mask = marker_mask(values)
    if numeric is False:
        return _text(values, mask)
    rest = np.flatnonzero(~mask)
    numbers = np.full(values.shape[0], np.nan)
    parsed, junk = to_numbers(values[rest], decimal)
    if junk.any():
        # Spaced or oddly cased markers are among the cells that failed to parse.
        spaced = np.array([is_marker(v) for v in values[rest[junk]]], dtype=bool)
        mask[rest[junk][spaced]] = True
        keep = np.ones(rest.size, dtype=bool)
        keep[np.flatnonzero(junk)[spaced]] = False
        rest, parsed, junk = rest[keep], parsed[keep], junk[keep]
    numbers[rest] = parsed
    counts = count_markers(values, mask)
    if numeric is None:
        if junk.any() or _any_leading_zero(values[rest]):
            return _text(values, mask)
        whole = np.array_equal(numbers, np.round(numbers)) and \
            np.abs(numbers).max(initial=0) < 2**53
        if not mask.any() and whole:
            return numbers.astype(np.int64), counts
        return numbers, counts
    if junk.any():
        cells = numbers.astype(object)
        idx = rest[junk]
        cells[idx] = values[idx]
        return cells, counts
    return numbers, counts


def _any_leading_zero(values: np.ndarray) -> bool:
    """Whether a cell is written with a leading zero (``007``, ``-01``): then it is a code,
    not a number. Looks at the first three characters, as fixed-width text (fast)."""
    if not values.size:
        return False
    head = values.astype("U3").view(np.uint32).reshape(-1, 3)
    digit = (head >= ord("0")) & (head <= ord("9"))
    zero = head == ord("0")
    signed = (head[:, 0] == ord("-")) | (head[:, 0] == ord("+"))
    return bool((zero[:, 0] & digit[:, 1]).any() or (signed & zero[:, 1] & digit[:, 2]).any())


def _text(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Text kept as written; markers (however spaced or cased) become NaN."""
    cells = pd.Series(values, dtype=object, copy=False)
    mask = mask | cells.isin(_SPELLINGS).to_numpy(bool)
    # a marker padded with other white space (' \t ', a tab-padded 'NA'): the listed
    # spellings are only the fast first look
    rest = np.flatnonzero(~mask & cells.map(type).eq(str).to_numpy())
    if rest.size:
        mask[rest] = cells.iloc[rest].str.strip().str.upper().isin(_MARKER_KEYS).to_numpy()
    counts = count_markers(values, mask)
    out = values.copy()
    out[mask] = np.nan
    return out, counts
