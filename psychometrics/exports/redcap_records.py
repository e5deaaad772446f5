"""REDCap record exports (raw or labels) as response data named by item id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.exports._common import (
    label_codes,
    label_key,
)
from psychometrics.exports.redcap import COLUMNS, redcap_field_names, to_redcap
from psychometrics.exports.redcap_import import read_dictionary
from psychometrics.schema import (
    Instrument,
    ResponseScale,
)

# -- records -------------------------------------------------------------------------------


def read_redcap_records(source: str | os.PathLike[str] | pd.DataFrame,
                        instrument: Instrument | str, *,
                        dictionary: str | os.PathLike[str] | pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """A REDCap record export (raw or labels) with its item columns named by item id.

    Item columns are found by REDCap field name (raw exports, and label exports with
    variable-name headers), else by field label (label exports with label headers: the
    labels of ``dictionary``, or of :func:`to_redcap`'s dictionary). Cells holding a choice
    label become its code; numbers stay numbers; anything else is kept as text, so that
    :func:`psychometrics.validate` reports it. Other columns (record id, event, the form's
    ``_complete`` status ...) are kept unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.exports import read_redcap_records
    >>> labels = pd.DataFrame({"Record ID": [1, 2],
    ...     "I have felt cheerful and in good spirits.": ["All of the time", "At no time"],
    ...     "I have felt calm and relaxed.": ["Some of the time", ""],
    ...     "I have felt active and vigorous.": [3, 4],
    ...     "I woke up feeling fresh and rested.": ["Most of the time", "Most of the time"],
    ...     "My daily life has been filled with things that interest me.": [5, 0]})
    >>> read_redcap_records(labels, "who5").iloc[:, 1:]
       who5_1  who5_2  who5_3  who5_4  who5_5
    0     5.0     1.0     3.0     4.0     5.0
    1     0.0     NaN     4.0     4.0     0.0
    """
    inst = as_instrument(instrument)
    if isinstance(source, pd.DataFrame):
        frame = source
    else:
        path = os.fspath(source)
        if not Path(path).is_file():
            raise FileNotFoundError(f"no REDCap export at '{path}'")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    names = redcap_field_names(inst)
    table = to_redcap(inst) if dictionary is None else read_dictionary(dictionary)
    label_of = {f: " ".join(lbl.split()) for f, lbl in
                zip(table[COLUMNS[0]], table[COLUMNS[4]], strict=True)}
    by_label = {" ".join(str(c).split()): c for c in frame.columns}
    mapping: dict[str, str] = {}
    for iid in inst.item_ids:
        fname = names[iid]
        if fname in frame.columns:
            mapping[iid] = fname
        elif fname in label_of and label_of[fname] in by_label:
            mapping[iid] = by_label[label_of[fname]]
        elif iid in frame.columns:
            mapping[iid] = iid
    out = frame.copy()
    for iid, column in mapping.items():
        out[column] = _decode(frame[column], inst.item_scale(iid))
    out = out.rename(columns={c: i for i, c in mapping.items()})
    for column in out.columns:
        if column not in mapping and not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = _maybe_numeric(out[column])
    out.attrs["redcap"] = {"columns": dict(mapping),
                           "unmatched_items": [i for i in inst.item_ids if i not in mapping]}
    return out


def _decode(column: pd.Series, rs: ResponseScale) -> pd.Series:
    # A column holds a handful of distinct answers: decode each once, not every record.
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    lookup = label_codes(rs)
    decoded = [_decode_cell(cell, lookup) for cell in uniques]
    if all(isinstance(v, float) for v in decoded):
        values = np.append(np.asarray(decoded, dtype=float), np.nan)[codes]
        return pd.Series(values, index=column.index, name=column.name)
    values = np.array([*decoded, np.nan], dtype=object)[codes]
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


def _decode_cell(cell: Any, lookup: dict[str, int]) -> Any:
    """A cell's code: numbers as they are, a choice label as its code, blank as NaN; else
    the text itself (for validation to report)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return float("nan")
    if isinstance(cell, int | float):
        return float(cell)
    text = " ".join(str(cell).split())
    if text == "":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        pass
    code = lookup.get(label_key(text))
    return text if code is None else float(code)


def _maybe_numeric(column: pd.Series) -> pd.Series:
    text = column.astype(str).str.strip()
    blank = text == ""
    numeric = pd.to_numeric(text.where(~blank), errors="coerce")
    if bool((numeric.notna() | blank).all()) and not bool(blank.all()):
        return numeric
    return column
