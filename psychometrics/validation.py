"""Response data against an instrument: every problem as a row, vectorised over respondents.

:func:`prepare_items` turns the item columns into one float matrix (missing-value codes and
unusable cells set to NaN) with masks saying why; :func:`validate` reports from those masks
and :mod:`psychometrics.scoring` scores from the same matrix, so both agree on every cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.errors import DataValidationError
from psychometrics.schema import Instrument

Columns = Mapping[str, str] | str | None

CHUNK_ROWS = 1 << 15  # rows per pass: a chunk of 20 items is ~5 MB, cache-resident

PROBLEM_COLUMNS = ["row", "id", "column", "item", "value", "rule", "severity", "message"]

# Rules whose rows count cells (``value`` is the count) rather than name one.
COUNTED = ("missing_code", "missing_marker", "user_missing")

RULES = {
    "missing_column": "an item's column is not in the data",
    "missing_id_column": "the respondent id column is not in the data",
    "non_numeric": "a cell is not a number",
    "out_of_scale": "a number is not one of the item's response values",
    "missing_code": "cells hold a declared missing-value code (counted, then treated as missing)",
    "missing_marker": "cells were empty or a missing marker (N/A, NA, ., #N/A) in the file",
    "user_missing": "cells held a user-defined missing value declared in the SPSS/Stata file",
    "duplicate_id": "a respondent id occurs more than once",
    "blank_id": "a respondent id is empty",
    "empty_column": "an item's column holds no answer at all",
    "no_answers": "a respondent answered none of the instrument's items",
}


def resolve_columns(instrument: Instrument, columns: Columns = None) -> dict[str, str]:
    """Map each item id to its column name in the data.

    ``columns`` is ``None`` (columns are named by item id), a dict ``{item_id: column}``
    (unlisted items keep their id), or a format string with ``{n}`` (the item's 1-based
    position) and/or ``{id}``, e.g. ``"GSE_{n}"`` or ``"T1_{id}"``.

    >>> from psychometrics import load_instrument
    >>> resolve_columns(load_instrument("who5"), "WHO{n}")["who5_2"]
    'WHO2'
    """
    ids = instrument.item_ids
    if columns is None:
        return {i: i for i in ids}
    if isinstance(columns, str):
        if "{n}" not in columns and "{id}" not in columns:
            raise ValueError(f"columns format {columns!r} must contain {{n}} or {{id}}")
        try:
            return {i: columns.format(n=n, id=i) for n, i in enumerate(ids, start=1)}
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"columns format {columns!r} is not a format string with only "
                             f"{{n}} and {{id}} ({exc})") from None
    if isinstance(columns, Mapping):
        unknown = [k for k in columns if k not in instrument.item_map]
        if unknown:
            raise ValueError(f"columns maps unknown item id(s) {', '.join(map(str, unknown))} "
                             f"(items of '{instrument.id}' are {', '.join(ids)})")
        return {i: str(columns.get(i, i)) for i in ids}
    raise TypeError(f"columns must be None, a dict or a format string, not {type(columns)}")


@dataclass(frozen=True)
class PreparedItems:
    """The item columns as numbers, with a mask for every reason a cell is unusable."""

    instrument: Instrument
    column_map: dict[str, str]
    values: np.ndarray  # (n, k) float32; NaN where missing, coded missing or unusable
    present: list[bool]  # per item: is its column in the data
    code: np.ndarray  # (n, k) bool: a declared missing-value code
    non_numeric: np.ndarray  # (n, k) bool
    out_of_scale: np.ndarray  # (n, k) bool
    raw: dict[str, pd.Series] = field(repr=False)  # original columns, for messages

    @property
    def invalid(self) -> np.ndarray:
        return self.non_numeric | self.out_of_scale

    @property
    def has_invalid(self) -> bool:
        return bool(self.non_numeric.any() or self.out_of_scale.any())


def prepare_items(data: pd.DataFrame, instrument: Instrument, columns: Columns = None
                  ) -> PreparedItems:
    """Read the instrument's item columns from ``data`` into a checked float matrix.

    Numeric columns are copied in blocks of rows straight into the float32 matrix (no
    float64 or whole-frame copy of an int frame; a row-major frame is read a cache-sized
    block at a time), and each block is checked against the response scales while it is in
    cache.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    cmap = resolve_columns(instrument, columns)
    n, ids = len(data), instrument.item_ids
    k = len(ids)
    # Column-major: each item is one contiguous column, and row chunks stay cache-sized.
    # float32 holds every answer code exactly (integers below 2**24) at half the memory
    # traffic of float64; statistics get float64 copies through item_data.
    values = np.empty((n, k), dtype=np.float32, order="F")
    non_numeric = np.zeros((n, k), dtype=bool, order="F")
    integral = np.zeros(k, dtype=bool)  # integer dtype: no need to test for fractions
    present = [cmap[i] in data.columns for i in ids]
    raw: dict[str, pd.Series] = {}
    numeric: list[tuple[int, np.ndarray]] = []  # (item position, column view)
    for j, iid in enumerate(ids):
        if not present[j]:
            values[:, j] = np.nan
            continue
        col = data[cmap[iid]]
        if isinstance(col, pd.DataFrame):
            raise DataValidationError(f"column '{cmap[iid]}' occurs more than once in the data")
        raw[iid] = col
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            integral[j] = pd.api.types.is_integer_dtype(col)
            if isinstance(col.dtype, np.dtype):
                numeric.append((j, col.to_numpy()))  # a view: no copy
            else:  # nullable extension types (Int64, Float64): NA -> NaN
                numeric.append((j, col.to_numpy(dtype=np.float32, na_value=np.nan)))
        else:
            values[:, j], non_numeric[:, j] = _parse_cells(col)

    code = np.zeros((n, k), dtype=bool, order="F")
    out_of_scale = np.zeros((n, k), dtype=bool, order="F")
    codes = np.asarray(instrument.missing_codes, dtype=np.float32)
    groups = []
    for rs in instrument.response_scales.values():
        cols = np.array([j for j, i in enumerate(ids)
                         if instrument.item_scale(i) is rs and present[j]], dtype=np.intp)
        if cols.size:
            whole = cols.size == k
            groups.append((cols, whole, rs, bool(integral[cols].all())))
    with np.errstate(invalid="ignore"):
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            for j, column in numeric:
                values[start:stop, j] = column[start:stop]
            _check_block(values, start, stop, groups, codes, code, out_of_scale)
    return PreparedItems(instrument, cmap, values, present, code, non_numeric, out_of_scale, raw)


def _parse_cells(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text or mixed column: numbers, and a mask of the cells that are not (strict: 'inf'
    and 'nan' written in a cell are not numbers)."""
    blank = col.astype("string").str.strip().replace("", pd.NA)
    num = pd.to_numeric(blank, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(num)
    num = np.where(bad, np.nan, num)
    return num, blank.notna().to_numpy() & bad


def _check_block(values: np.ndarray, start: int, stop: int, groups: list[Any],
                 codes: np.ndarray, code: np.ndarray, out_of_scale: np.ndarray) -> None:
    """Flag the cells of rows start:stop that are off their item's scale (codes apart)."""
    block = values[start:stop]
    for cols, whole, rs, is_int in groups:
        sub = block if whole else block[:, cols]
        if rs.is_contiguous:
            ok = (sub >= rs.min) & (sub <= rs.max)
            if not is_int:
                ok &= sub == np.floor(sub)
        else:
            ok = np.isin(sub, np.asarray(rs.values, dtype=np.float32))
        bad = ~(ok | np.isnan(sub))
        if not bad.any():
            continue
        # Rare cells: sort declared missing codes from values off the scale.
        r, c = np.nonzero(bad)
        rows, item_cols = r + start, cols[c]
        is_code = np.isin(sub[r, c], codes)
        code[rows[is_code], item_cols[is_code]] = True
        out_of_scale[rows[~is_code], item_cols[~is_code]] = True
        values[rows, item_cols] = np.nan


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: every problem as a row of ``problems``.

    Attributes
    ----------
    problems : DataFrame
        One row per problem: ``row`` (0-based position in the data, for ``iloc``),
        ``sheet_row`` (the row as a spreadsheet shows the file: 1-based, header counted;
        what messages say), ``id`` (respondent id, or the index label), ``column``,
        ``item``, ``value``, ``rule``, ``severity`` (``error``, ``warning`` or ``info``)
        and ``message``. Rules that count cells (``missing_code``, ``missing_marker``,
        ``user_missing``) hold the count in ``value``.
    n_rows : int
        Rows checked.
    missing : Series
        Per item, the number of empty cells after missing-value codes were removed.
    id_column, id_source : str or None
        The column that identified respondents and how it was chosen (``"given"``, or
        ``"detected"``: the first id-like column); ``None`` when the index labels did.
    prepared : PreparedItems
        The checked item matrix (float32, n x k, with its masks), which
        ``score(data, instrument, report=report)`` scores without reading the items again.
        It holds about 7 bytes per cell while the report is kept.
    """

    instrument: str
    n_rows: int
    problems: pd.DataFrame
    missing: pd.Series
    provenance: dict[str, str]
    id_column: str | None = None
    id_source: str | None = None
    # The prepared item matrix, so that score(data, inst, report=...) need not prepare again.
    prepared: PreparedItems | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> pd.DataFrame:
        """The rows of ``problems`` with severity ``error``."""
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "warning"]

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings and info do not count)."""
        return bool((self.problems["severity"] != "error").all())

    def counts(self) -> pd.DataFrame:
        """Problems by rule and severity, with what each rule means."""
        if self.problems.empty:
            return pd.DataFrame(columns=["rule", "severity", "count", "meaning"])
        info = self.problems["rule"].isin(COUNTED)
        codes = self.problems[info].assign(n=lambda d: d["value"].astype(int))
        rest = self.problems[~info].assign(n=1)
        both = pd.concat([codes, rest]) if not codes.empty else rest
        out = both.groupby(["rule", "severity"], sort=False)["n"].sum().rename("count")
        out = out.reset_index()
        out["meaning"] = out["rule"].map(RULES)
        return out

    def summary(self, max_rows: int = 10) -> str:
        """A short human-readable account: verdict, counts by rule, the first problems."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        head = (f"{self.instrument}: {self.n_rows} rows checked; "
                f"{n_err} error(s), {n_warn} warning(s)")
        lines = [head + (" - OK" if self.ok else " - NOT OK")]
        if self.id_source == "detected":
            lines.append(f"  respondent ids: column '{self.id_column}' (the first column "
                         "named like an id; set the id column to choose another)")
        counts = self.counts()
        for rec in counts.itertuples(index=False):
            lines.append(f"  {rec.severity:<7} {rec.rule:<16} {rec.count:>8}  {rec.meaning}")
        shown = self.problems[self.problems["severity"] != "info"].head(max_rows)
        if len(shown):
            lines.append("first problems:")
            lines.extend(f"  {m}" for m in shown["message"])
        return "\n".join(lines)

    def raise_for_errors(self) -> None:
        """Raise :class:`DataValidationError` listing the errors, if there are any."""
        if self.ok:
            return
        raise DataValidationError(
            error_message(f"{self.instrument}: {len(self.errors)} error(s) in the data",
                          self.errors), errors=self.errors)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from psychometrics.reporting.notebook import result_html

        verdict = "OK" if self.ok else "NOT OK"
        head = (f"<p><b>{self.instrument}: {self.n_rows} rows checked, {len(self.errors)} "
                f"error(s), {len(self.warnings)} warning(s) - {verdict}</b></p>")
        return head + result_html(self)


def validate(
    data: pd.DataFrame,
    instrument: Instrument | str,
    *,
    columns: Columns = None,
    id_column: str | None = None,
) -> ValidationReport:
    """Check response data against an instrument; report every problem with its place.

    Parameters
    ----------
    data
        One row per respondent; item columns named by item id unless ``columns`` maps them.
        A Dask DataFrame is validated partition by partition on its cluster and the
        reports merged (rows numbered over the whole data, counts summed, duplicate ids
        found across partitions); the report then keeps no prepared matrix.
    instrument
        An :class:`~psychometrics.schema.Instrument` or a built-in id.
    columns
        Item id -> column name: a dict, or a format string such as ``"GSE_{n}"``.
    id_column
        Column of respondent ids (blank and duplicate ids are errors; shown in every
        message). Without it the first column named like an id (``id``, ``ResponseId``,
        ``record_id`` ...) names respondents, and its blank and duplicate ids are warnings
        (such a column may repeat a person's id across waves); else the index labels do.

    Returns
    -------
    ValidationReport
        ``.ok``, ``.problems`` / ``.errors`` (DataFrames), ``.summary()``,
        ``.raise_for_errors()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import validate
    >>> df = pd.DataFrame({"who5_1": [3, 5, 9], "who5_2": [2, -99, 1], "who5_3": [1, 2, 3],
    ...                    "who5_4": [0, 1, "x"], "who5_5": [4, 4, 4]})
    >>> report = validate(df, "who5")
    >>> report.ok
    False
    >>> for message in report.errors["message"]:
    ...     print(message)
    row 4, column who5_1: value 9 is not a response value of 'who5_1' (0-5)
    row 4, column who5_4: value 'x' is not a number
    """
    inst = as_instrument(instrument)
    if type(data).__module__.split(".")[0] in ("dask", "dask_expr"):
        from psychometrics.dask_frames import validate_dask

        return validate_dask(data, inst, columns=columns, id_column=id_column)
    return report_prepared(prepare_items(data, inst, columns), data, id_column)


def find_id_column(data: pd.DataFrame, exclude: Sequence[str] = ()) -> str | None:
    """The first column whose name reads like a respondent id (``id``, ``ResponseId``,
    ``record_id`` ...), items excluded; ``None`` when there is none.

    >>> import pandas as pd
    >>> find_id_column(pd.DataFrame(columns=["wave", "resp_id", "gse_1"]))
    'resp_id'
    """
    from psychometrics.io import is_id_name

    skip = set(exclude)
    for name in data.columns:
        if name not in skip and is_id_name(name):
            return str(name)
    return None


def respondent_ids(data: pd.DataFrame, id_column: str | None, exclude: Sequence[str] = ()
                   ) -> tuple[str | None, str | None]:
    """``(column, source)``: the id column given (source ``"given"``), else the first
    id-like column (``"detected"``), else ``(None, None)`` (the index labels identify)."""
    if id_column is not None:
        return id_column, "given"
    found = find_id_column(data, exclude)
    return (found, "detected") if found is not None else (None, None)


def report_prepared(prep: PreparedItems, data: pd.DataFrame,
                    id_column: str | None = None) -> ValidationReport:
    """The :class:`ValidationReport` of already prepared items (see :func:`validate`)."""
    from psychometrics.io import sheet_rows

    inst = prep.instrument
    frames: list[pd.DataFrame] = []
    id_column, id_source = respondent_ids(data, id_column, list(prep.column_map.values()))

    ids: pd.Series | pd.Index = data.index
    by_column = False
    if id_column is not None:
        if id_column in data.columns:
            ids, by_column = data[id_column], True
        else:
            frames.append(_rows(None, None, id_column, None, None, "missing_id_column", "error",
                                [f"id column '{id_column}' is not in the data"]))
    # A default RangeIndex says nothing the row does not: name respondents by row only.
    show_ids = by_column or not isinstance(data.index, pd.RangeIndex) or \
        not data.index.equals(pd.RangeIndex(len(data)))

    # Only the rows with problems need their ids: never convert a whole id column.
    def ids_at(rows: np.ndarray) -> np.ndarray:
        taken = ids.iloc[rows] if isinstance(ids, pd.Series) else ids[rows]
        return np.asarray(taken, dtype=object)

    def who(rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Ids of ``rows`` and how messages name them: the spreadsheet row and the id."""
        found = ids_at(rows)
        lines = sheet_rows(data, rows)
        if show_ids:
            return found, [f"row {r} (id {_id_text(i)})" for r, i in zip(lines, found,
                                                                         strict=True)]
        return found, [f"row {r}" for r in lines]

    for j, iid in enumerate(inst.item_ids):
        col = prep.column_map[iid]
        if not prep.present[j]:
            frames.append(_rows(None, None, col, iid, None, "missing_column", "error",
                                [f"column '{col}' for item '{iid}' is not in the data"]))
            continue
        rs = inst.item_scale(iid)
        for mask, rule, what in ((prep.non_numeric, "non_numeric", "is not a number"),
                                 (prep.out_of_scale, "out_of_scale",
                                  f"is not a response value of '{iid}' ({_scale_text(rs)})")):
            rows = np.flatnonzero(mask[:, j])
            if rows.size:
                vals = prep.raw[iid].iloc[rows].to_numpy(dtype=object)
                found, places = who(rows)
                msgs = [f"{p}, column {col}: value {_show(v)} {what}"
                        for p, v in zip(places, vals, strict=True)]
                frames.append(_rows(rows, found, col, iid, vals, rule, "error", msgs))
        frames.extend(_file_missing(data, col, iid))
        n_codes = int(prep.code[:, j].sum())
        if n_codes:
            frames.append(_rows(None, None, col, iid, n_codes, "missing_code", "info",
                                [f"column {col}: {n_codes} missing-value code(s) "
                                 f"{_codes(inst.missing_codes)} treated as missing"]))

    if by_column:
        # A column the user named must hold one id per respondent (errors); a column found
        # by its name may be something else, such as a person id repeated across waves.
        id_severity = "error" if id_source == "given" else "warning"
        column = data[id_column]
        blank = column.isna().to_numpy().copy()
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            text = column[~blank]
            blank[~blank] = text.astype(str).str.strip().eq("").to_numpy()
        rows = np.flatnonzero(blank)
        if rows.size:
            lines = sheet_rows(data, rows)
            frames.append(_rows(rows, [None] * rows.size, id_column, None,
                                ids_at(rows), "blank_id", id_severity,
                                [f"row {r}, column {id_column}: the respondent id is blank"
                                 for r in lines]))
        dup = np.flatnonzero(column.duplicated(keep=False).to_numpy() & ~blank)
        if dup.size:
            found = ids_at(dup)
            lines = sheet_rows(data, dup)
            where: dict[Any, list[int]] = {}
            for r, i in zip(lines, found, strict=True):
                where.setdefault(i, []).append(int(r))
            msgs = [f"row {r}, column {id_column}: respondent id {_id_text(i)} occurs more "
                    f"than once (rows {_row_list(where[i])})"
                    for r, i in zip(lines, found, strict=True)]
            frames.append(_rows(dup, found, id_column, None, found,
                                "duplicate_id", id_severity, msgs))

    empty_cells = np.isnan(prep.values)
    invalid = prep.invalid if prep.has_invalid else None
    if len(data):
        unanswered = empty_cells.all(axis=0) & ~prep.code.any(axis=0)
        if invalid is not None:
            unanswered &= ~invalid.any(axis=0)
        for j in np.flatnonzero(unanswered & np.asarray(prep.present, dtype=bool)):
            iid = inst.item_ids[j]
            col = prep.column_map[iid]
            frames.append(_rows(None, None, col, iid, None, "empty_column", "warning",
                                [f"column {col} (item '{iid}') has no answers in any of "
                                 f"the {len(data)} rows: is it the right column? Scores "
                                 "are computed from the other items"]))
    if any(prep.present):
        no_answer = empty_cells.all(axis=1)
        if invalid is not None:
            no_answer &= ~invalid.any(axis=1)
        empty = np.flatnonzero(no_answer)
        if empty.size:
            found, places = who(empty)
            msgs = [f"{p}: no item of '{inst.id}' answered" for p in places]
            frames.append(_rows(empty, found, None, None, None, "no_answers",
                                "warning", msgs))

    problems = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS}))
    if len(problems):
        located = problems["row"].notna().to_numpy()
        sheet = pd.array([None] * len(problems), dtype="Int64")
        if located.any():
            sheet[located] = sheet_rows(data, problems["row"][located].to_numpy(dtype=np.int64))
        problems.insert(1, "sheet_row", sheet)
    else:
        problems.insert(1, "sheet_row", pd.Series(dtype="Int64"))
    n_missing = empty_cells.sum(axis=0)
    if invalid is not None:
        n_missing = n_missing - invalid.sum(axis=0)
    missing = pd.Series(n_missing, index=inst.item_ids, name="missing")
    return ValidationReport(inst.id, len(data), problems, missing, inst.provenance(),
                            id_column if by_column else None, id_source if by_column else None,
                            prep)


def _id_text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "blank"
    return repr(value) if isinstance(value, str) else str(value)


def _row_list(rows: list[int], shown: int = 5) -> str:
    text = ", ".join(map(str, rows[:shown]))
    return text + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _file_missing(data: pd.DataFrame, col: str, iid: str) -> list[pd.DataFrame]:
    """Info rows for what the reader found in this column: missing markers and SPSS/Stata
    user-missing values (by declared code, the reason), when ``data`` is what it read."""
    attrs = data.attrs
    rows = attrs.get("rows")
    if isinstance(rows, dict) and rows.get("n") != len(data):
        return []  # a subset or a changed frame: the file's counts no longer apply
    out = []
    for marker, n in (attrs.get("missing_markers") or {}).get(col, {}).items():
        what = "empty cell(s)" if marker == "" else f"cell(s) written {marker!r}"
        out.append(_rows(None, None, col, iid, n, "missing_marker", "info",
                         [f"column {col}: {n} {what} read as missing"]))
    reasons = (attrs.get("user_missing_reasons") or {}).get(col, {})
    labels = (attrs.get("value_labels") or {}).get(col, {})
    kind = attrs.get("format", "SPSS/Stata")
    code = attrs.get("missing_code")
    became = "missing" if code is None else f"the missing code {_show(code)}"
    for value, n in reasons.items():
        label = f" ({labels[value]!r})" if value in labels else ""
        out.append(_rows(None, None, col, iid, n, "user_missing", "info",
                         [f"column {col}: {n} cell(s) held {kind} user-missing value "
                          f"{value}{label}, read as {became}"]))
    return out


def error_message(title: str, errors: pd.DataFrame, shown: int = 20) -> str:
    """``title`` and the first ``shown`` messages of ``errors``, one a line."""
    lines = [title, *errors["message"].head(shown)]
    if len(errors) > shown:
        lines.append(f"... and {len(errors) - shown} more")
    return "\n".join(lines)


def _rows(rows: np.ndarray | None, ids: Any, column: str | None, item: str | None, values: Any,
          rule: str, severity: str, messages: Sequence[str]) -> pd.DataFrame:
    n = len(messages)
    return pd.DataFrame({
        "row": pd.array(rows if rows is not None else [None] * n, dtype="Int64"),
        "id": list(ids) if ids is not None else [None] * n,
        "column": [column] * n,
        "item": [item] * n,
        "value": list(values) if isinstance(values, np.ndarray | list) else [values] * n,
        "rule": [rule] * n,
        "severity": [severity] * n,
        "message": list(messages),
    }, columns=PROBLEM_COLUMNS)


def _scale_text(rs: Any) -> str:
    return f"{rs.min}-{rs.max}" if rs.is_contiguous else ", ".join(map(str, rs.values))


def _codes(codes: list[int]) -> str:
    return ", ".join(map(str, codes))


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)
