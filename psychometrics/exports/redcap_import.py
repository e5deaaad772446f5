"""REDCap data dictionaries and instrument ZIPs as instrument definitions.

:func:`from_redcap` reads a dictionary written by :func:`~psychometrics.exports.to_redcap`
back into the same definition (its ``@psychometrics-...`` annotations carry what the
dictionary has no column for, translation forms included), and a dictionary or Shared
Library instrument made elsewhere as far as it maps, listing every field and property it
could not carry.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from psychometrics.errors import DefinitionError, Problem
from psychometrics.exports._common import (
    Loss,
    parse_placeholder,
)
from psychometrics.exports._importing import (
    Translations,
    check_instrument_id,
    instrument_id_from,
    validation_problems,
)
from psychometrics.exports.redcap import (
    _KEY_COLUMN,
    _KEYS,
    _MARK_LINE,
    COLUMNS,
    MARK_INSTRUMENT,
    MARK_ITEM,
    MARK_SCALE,
    MARK_TRANSLATION,
    RECORD_ID_LOSS,
    redcap_calc,
)
from psychometrics.schema import (
    ITEM_ID_PATTERN,
    Instrument,
    ResponseScale,
)

# -- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedcapImport:
    """The outcome of :func:`from_redcap`.

    Attributes
    ----------
    instrument : Instrument
        The definition built from the dictionary (valid; write it with
        :func:`psychometrics.exports.instrument_to_yaml`).
    form : str
        The REDCap form (instrument) that was imported.
    losses : list of Loss
        Everything in the dictionary that the definition does not carry, and every property
        of the definition filled with a placeholder because the dictionary does not hold it.
    notes : list of str
        Informative remarks (skipped record-id field, provenance of an exported dictionary).
    exported_sha256 : str or None
        The definition hash recorded by the export, when the dictionary came from
        :func:`to_redcap`; equal to ``instrument.definition_hash`` after an exact round trip.
    """

    instrument: Instrument
    form: str
    losses: list[Loss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exported_sha256: str | None = None

    @property
    def exact(self) -> bool:
        """True when nothing but the record-id field was left out and the definition hash
        equals the exported one."""
        return (not self.content_losses and self.exported_sha256 is not None
                and self.exported_sha256 == self.instrument.definition_hash)

    @property
    def content_losses(self) -> list[Loss]:
        """The losses without the record-id field (a field of the project, not of the
        instrument)."""
        return [loss for loss in self.losses if loss.what != RECORD_ID_LOSS]

    def summary(self) -> str:
        inst = self.instrument
        lines = [f"REDCap form '{self.form}' -> instrument {inst.id}: {len(inst.items)} items, "
                 f"{len(inst.response_scales)} response scale(s), {len(inst.scales)} scale(s)"]
        if self.exact:
            lines.append("exact round trip: definition sha256 matches the exported one")
        lines += [f"note: {n}" for n in self.notes]
        if self.content_losses:
            lines.append(f"not carried into the definition ({len(self.losses)}):")
            lines += [f"  - {loss}" for loss in self.losses]
        else:
            lines += [f"left out: {loss}" for loss in self.losses]
            lines.append("nothing of the instrument lost")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument.model_dump(mode="json", by_alias=True),
                "form": self.form, "losses": [vars(x) for x in self.losses],
                "notes": list(self.notes), "exported_sha256": self.exported_sha256}

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def read_dictionary(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """A REDCap data dictionary as text columns named by the 18 standard headers.

    Columns are taken by position (REDCap's order is fixed; header wording varies between
    versions); a file with fewer columns is padded with empty ones.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.astype(str).replace({"nan": "", "None": ""})
        name = "<DataFrame>"
    elif hasattr(source, "read"):
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        name = "<stream>"
    else:
        name = os.fspath(source)
        if not Path(name).is_file():
            raise FileNotFoundError(f"no REDCap data dictionary at '{name}'")
        if zipfile.is_zipfile(name):
            frame = pd.read_csv(io.StringIO(_package_csv(name)), dtype=str,
                                keep_default_na=False)
        else:
            frame = pd.read_csv(name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if frame.shape[1] < 6 or not re.search(r"variable|field", str(frame.columns[0]), re.I):
        raise DefinitionError(f"'{name}' is not a REDCap data dictionary (its first column "
                              f"should be '{COLUMNS[0]}')", file=name)
    frame = frame.iloc[:, :len(COLUMNS)].copy()
    for j in range(frame.shape[1], len(COLUMNS)):
        frame[f"_pad{j}"] = ""
    frame.columns = COLUMNS
    return frame.fillna("").map(lambda s: s.strip() if isinstance(s, str) else str(s))


def _package_csv(path: str) -> str:
    """The ``instrument.csv`` of a REDCap instrument ZIP (the Shared Library's format)."""
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist()
                   if m.rsplit("/", 1)[-1].lower() == "instrument.csv"]
        if not members:
            raise DefinitionError(f"'{path}' is a ZIP file without instrument.csv, so not a "
                                  "REDCap instrument package", file=path)
        return archive.read(min(members, key=len)).decode("utf-8-sig")


def is_package(source: Any) -> bool:
    """True when ``source`` is the path of a REDCap instrument ZIP (no record-id field)."""
    return isinstance(source, str | os.PathLike) and Path(source).is_file() and \
        zipfile.is_zipfile(source)


# Names a project's record identifier goes by (REDCap's default is record_id).
_ID_NAME = re.compile(r"(^|_)(id|record|key)$|^(record|study|subject|participant|patient|"
                      r"respondent|case|person)_?(id|no|number)?$", re.I)


def _record_field(rows: list[dict[str, str]], record_id: str | None, package: bool,
                  source: str) -> str | None:
    """The record-identifier field: named by the caller; else the first field of a project
    dictionary when it is a text field named like an id. Instrument packages have none, so
    their first field is an item like any other."""
    if record_id is not None:
        if record_id not in {r["field"] for r in rows}:
            first = ", ".join(r["field"] for r in rows[:5])
            raise DefinitionError(f"'{source}' has no field '{record_id}' to take as the "
                                  f"record id (its first fields: {first})", file=source)
        return record_id
    first = rows[0]
    if not package and first["type"].lower() == "text" and _ID_NAME.search(first["field"]):
        return first["field"]
    return None


def from_redcap(source: str | os.PathLike[str] | pd.DataFrame, *, form: str | None = None,
                instrument_id: str | None = None, missing_codes: list[int] | None = None,
                record_id: str | None = None) -> RedcapImport:
    """Build an instrument from a REDCap data dictionary, listing what could not be mapped.

    Radio, dropdown, yes/no and true/false fields with whole-number codes become items; each
    distinct set of choices becomes a response scale. Calc fields exported by
    :func:`to_redcap` (marked ``@psychometrics-scale``) give the scales back exactly; other
    calc fields, branching logic, free text, checkboxes, sliders, required flags and layout
    are reported in ``losses``.

    The record-identifier field is never an item: it is ``record_id`` when given, else the
    first field of a project dictionary when that is a text field named like an id
    (``record_id``, ``study_id``, ``id`` ...). An instrument ZIP from the REDCap Shared
    Library (``instrument.csv`` inside) has no record id: its first field is item 1. Names
    are normalised to the instrument format's patterns (``PHQ9`` -> instrument id ``phq9``)
    and the originals recorded in ``notes``; every field that is not imported is in
    ``losses`` with the reason.

    Parameters
    ----------
    source
        Path of the dictionary CSV or of an instrument ZIP, or the dictionary as a DataFrame.
    form
        The REDCap form to import; needed when the dictionary holds several.
    instrument_id
        Id of the new instrument (default: the exported id, else the form name in kebab-case).
    missing_codes
        Choice codes that mean "no answer" (e.g. ``[-99]``): removed from the response scales
        and declared as the instrument's missing codes.
    record_id
        The record-identifier field, where it is not the first field or is not named like
        an id.

    Examples
    --------
    >>> import io
    >>> from psychometrics import load_instrument
    >>> from psychometrics.exports import from_redcap, write_redcap
    >>> buffer = io.StringIO()
    >>> write_redcap("acs-6", buffer)
    >>> result = from_redcap(io.StringIO(buffer.getvalue()))
    >>> result.instrument == load_instrument("acs-6"), result.exact
    (True, True)
    >>> [str(loss) for loss in result.losses]  # doctest: +NORMALIZE_WHITESPACE
    ['record_id: record identifier: names the record (respondent), not an item; responses
      keep it as their id column']
    """
    table = read_dictionary(source)
    source_name = (Path(source).name if isinstance(source, str | os.PathLike)
                   else "<DataFrame>" if isinstance(source, pd.DataFrame) else "<stream>")
    rows = [dict(zip(_KEYS, r, strict=True)) for r in table.itertuples(index=False)]
    if not rows:
        raise DefinitionError(f"'{source_name}' has no fields", file=source_name)
    check_instrument_id(instrument_id, source_name)
    record_field = _record_field(rows, record_id, is_package(source), source_name)
    chosen = _choose_form(rows, form, source_name, record_field)
    languages_of = _language_forms(rows, chosen)
    others: list[Loss] = []
    for other in dict.fromkeys(r["form"] for r in rows):
        fields = [r["field"] for r in rows if r["form"] == other and r["field"] != record_field]
        if other != chosen and fields and other not in languages_of:
            others.append(Loss(f"form {other}", f"{len(fields)} field(s) "
                               f"({_short(', '.join(fields))})", "another form of the "
                               f"dictionary; import it with form='{other}' (--form {other})"))
    if record_field is not None:
        others.insert(0, Loss(record_field, RECORD_ID_LOSS, "names the record "
                              "(respondent), not an item; responses keep it as their id "
                              "column"))
    importer = _Importer(rows, chosen, record_field, source_name, instrument_id,
                         missing_codes or [], others)
    importer.language_rows = {tag: [r for r in rows if r["form"] == lform]
                              for lform, tag in languages_of.items()}
    return importer.run()


def _language_forms(rows: list[dict[str, str]], form: str) -> dict[str, str]:
    """Form name -> language tag of the forms :func:`to_redcap` wrote as translations of
    ``form``."""
    out: dict[str, str] = {}
    for row in rows:
        head = _marks(row["annotation"])[0].get(MARK_TRANSLATION)
        if isinstance(head, dict) and head.get("of") == form and isinstance(head.get("lang"),
                                                                           str):
            out.setdefault(row["form"], head["lang"])
    return out


def _choose_form(rows: list[dict[str, str]], form: str | None, source: str,
                 record_field: str | None) -> str:
    forms = list(dict.fromkeys(r["form"] for r in rows))
    if form is not None:
        if form not in forms:
            raise DefinitionError(f"'{source}' has no form '{form}' (forms: "
                                  f"{', '.join(forms)})", file=source)
        return form
    content = list(dict.fromkeys(r["form"] for r in rows if r["field"] != record_field))
    if len(forms) == 1:
        return forms[0]
    ours = list(dict.fromkeys(r["form"] for r in rows if MARK_INSTRUMENT in r["annotation"]))
    if len(ours) == 1:
        return ours[0]
    if len(content) == 1:
        return content[0]
    raise DefinitionError(f"'{source}' holds several forms ({', '.join(forms)}); choose one "
                          "with form=... (--form on the command line)", file=source)


def _marks(annotation: str) -> tuple[dict[str, Any], list[str]]:
    """Our JSON markers by kind, and the other action tags and text of an annotation."""
    found: dict[str, Any] = {}
    rest: list[str] = []
    for line in annotation.splitlines():
        match = _MARK_LINE.match(line.strip())
        if match:
            try:
                found[match.group(1)] = json.loads(match.group(2))
            except json.JSONDecodeError:
                rest.append(line.strip())
            continue
        text = line.strip()
        if not text or text.startswith("@psychometrics ") or text.startswith("psychometrics "):
            continue
        rest.append(text)
    return found, rest


def _parse_choices(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split("|"):
        if not part.strip():
            continue
        code, _, label = part.partition(",")
        out.append((code.strip(), label.strip()))
    return out


_FIXED_CHOICES = {"yesno": [("1", "Yes"), ("0", "No")],
                  "truefalse": [("1", "True"), ("0", "False")]}
_LAYOUT = {"alignment": "custom alignment", "qnumber": "question number",
           "matrix": "matrix group", "matrix_ranking": "matrix ranking"}


class _Importer:
    def __init__(self, rows: list[dict[str, str]], form: str, record_field: str | None,
                 source: str, instrument_id: str | None, missing_codes: list[int],
                 losses: list[Loss]) -> None:
        self.rows = [r for r in rows if r["form"] == form and r["field"] != record_field]
        self.form, self.record_field, self.source = form, record_field, source
        self.instrument_id, self.missing_codes = instrument_id, missing_codes
        self.losses: list[Loss] = list(losses)
        self.renamed: list[str] = []  # "original -> normalised" names, kept in the notes
        self.language_rows: dict[str, list[dict[str, str]]] = {}
        self.notes: list[str] = []
        self.meta: dict[str, Any] | None = None
        self.exported_sha: str | None = None
        self.instructions: str | None = None
        self.items: list[dict[str, Any]] = []
        self.item_scales: dict[str, ResponseScale] = {}  # response scale name -> scale
        self.scales: dict[str, dict[str, Any]] = {}
        self.calcs: dict[str, tuple[str, str]] = {}  # scale name -> (field, formula)
        self.fields: dict[str, str] = {}  # item id -> field name
        self.auto_names = 0

    def lose(self, where: str, what: str, reason: str) -> None:
        self.losses.append(Loss(where, what, reason))

    def run(self) -> RedcapImport:
        for row in self.rows:
            kind = row["type"].lower()
            name = row["field"]
            marks, other = _marks(row["annotation"])
            if MARK_SCALE in marks:  # the export hides its scores from survey respondents
                other = [o for o in other if o != "@HIDDEN-SURVEY"]
            if other:
                self.lose(name, "field annotation", f"{' '.join(other)!r} not carried (action "
                          "tags and annotation text have no place in the definition)")
            if kind == "descriptive":
                self._descriptive(row, marks)
            elif kind in {"radio", "dropdown", "yesno", "truefalse"}:
                self._item(row, marks, kind)
            elif kind == "calc":
                self._calc(row, marks)
            elif kind in {"text", "notes"}:
                what = ("numeric entry" if row["validation"] in {"integer", "number"}
                        else "free text")
                self.lose(name, f"{kind} field ({what})", "only fields with coded choices "
                          "become items; free answers have no response scale")
            elif kind == "checkbox":
                self.lose(name, "checkbox field", "several answers per field cannot be an "
                          "item with one coded answer")
            elif kind == "slider":
                self.lose(name, "slider field", "a visual analogue slider has no labelled "
                          "response scale")
            else:
                self.lose(name, f"{kind or 'untyped'} field", "this field type is not mapped")
        return self._build()

    # -- rows ----------------------------------------------------------------------------

    def _common_losses(self, row: dict[str, str], *, note_is_ours: bool = False) -> None:
        name = row["field"]
        if row["branching"]:
            self.lose(name, "branching logic", f"{row['branching']!r} not carried: the "
                      "instrument has no conditional display; every item is always asked")
        if row["required"].lower() in {"y", "yes", "1"}:
            self.lose(name, "required flag", "the instrument has no required answers; "
                      "missing-item rules live in its scales")
        if row["section"]:
            self.lose(name, "section header", f"{_short(row['section'])!r} not carried")
        if row["note"] and not note_is_ours:
            self.lose(name, "field note", f"{_short(row['note'])!r} not carried")
        if row["identifier"].lower() in {"y", "yes", "1"}:
            self.lose(name, "identifier flag", "not carried (mark identifiers in REDCap)")
        for key in ("validation", "vmin", "vmax"):
            if row[key]:
                self.lose(name, _KEY_COLUMN[key], f"{row[key]!r} not carried")
        for key, what in _LAYOUT.items():
            if row[key]:
                self.lose(name, what, f"{row[key]!r} not carried (layout)")

    def _descriptive(self, row: dict[str, str], marks: dict[str, Any]) -> None:
        meta = marks.get(MARK_INSTRUMENT)
        if isinstance(meta, dict) and self.meta is None:
            self.meta = meta
            sha = re.search(r"sha256=([0-9a-f]{64})", row["annotation"])
            self.exported_sha = sha.group(1) if sha else None
            if meta.get("instructions"):
                self.instructions = row["label"]
            self._common_losses(row)
            return
        if self.instructions is None and self.meta is None and row["label"]:
            self.instructions = row["label"]
            self.notes.append(f"descriptive field '{row['field']}' taken as the instructions")
            self._common_losses(row)
            return
        self.lose(row["field"], "descriptive text", f"{_short(row['label'])!r} not carried "
                  "(only the first descriptive field becomes the instructions)")

    def _item(self, row: dict[str, str], marks: dict[str, Any], kind: str) -> None:
        name = row["field"]
        info = marks.get(MARK_ITEM) if isinstance(marks.get(MARK_ITEM), dict) else {}
        pairs = _FIXED_CHOICES.get(kind) or _parse_choices(row["choices"])
        try:
            codes = [(int(code), label) for code, label in pairs]
        except ValueError:
            self.lose(name, f"{kind} field", f"choices {_short(row['choices'])!r} have codes "
                      "that are not whole numbers; an item needs numeric codes")
            return
        if not codes:
            self.lose(name, f"{kind} field", "no choices")
            return
        keep = [(c, lbl) for c, lbl in codes if c not in self.missing_codes]
        dropped = [c for c, _ in codes if c in self.missing_codes]
        if dropped:
            self.notes.append(f"field '{name}': choice(s) {', '.join(map(str, dropped))} "
                              "declared missing codes, not answers")
        values = [c for c, _ in keep]
        if len(set(values)) != len(values) or len(values) < 2:
            self.lose(name, f"{kind} field", "choices need at least two distinct codes")
            return
        if values != sorted(values) and kind not in _FIXED_CHOICES:
            self.lose(name, "choice order", f"shown as {', '.join(map(str, values))}; the "
                      "response scale keeps its codes in increasing order")
        rs = ResponseScale(values=sorted(values), labels=dict(sorted(keep)))
        scale_name = self._scale_name(rs, info.get("scale"), name)
        item_id = str(info.get("id") or name)
        if not re.match(ITEM_ID_PATTERN, item_id):
            item_id = self._item_id(name)
        item: dict[str, Any] = {"id": item_id, "_scale": scale_name}
        placeholder = parse_placeholder(row["label"])
        if placeholder is not None and placeholder[0] == item_id:
            item["paraphrase"] = info.get("paraphrase") or placeholder[1]
            if not info:
                self.notes.append(f"field '{name}': label is a licence placeholder; the item "
                                  "has no text")
        else:
            item["text"] = row["label"]
            if info.get("paraphrase") is not None:
                item["paraphrase"] = info["paraphrase"]
            if info.get("placeholder"):
                self.notes.append(f"field '{name}': the licence placeholder was replaced by "
                                  "item text")
        if info.get("reverse"):
            item["reverse"] = True
        if "response_scale" in info:
            item["response_scale"] = info["response_scale"]
        if info.get("codes"):
            item["codes"] = info["codes"]
        self.items.append(item)
        self.fields[item_id] = name
        self._common_losses(row)

    def _item_id(self, name: str) -> str:
        """A field name as an item id (letters, digits, ``_``, a letter first), unique."""
        base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "item"
        if not base[0].isalpha():
            base = f"q{base}"
        item_id, n = base, 1
        while item_id in self.fields:
            n += 1
            item_id = f"{base}_{n}"
        if item_id != name:
            self.renamed.append(f"field '{name}' -> item {item_id}")
        return item_id

    def _scale_name(self, rs: ResponseScale, wanted: Any, field_name: str) -> str:
        if isinstance(wanted, str) and wanted:
            existing = self.item_scales.get(wanted)
            if existing is None or existing == rs:
                self.item_scales[wanted] = rs
                return wanted
            self.lose(field_name, "choices", f"differ from the other items of response "
                      f"scale '{wanted}'; kept as a separate response scale")
        for name, existing in self.item_scales.items():
            if existing == rs and not isinstance(wanted, str):
                return name
        while True:
            self.auto_names += 1
            name = f"responses_{self.auto_names}"
            if name not in self.item_scales:
                break
        self.item_scales[name] = rs
        return name

    def _calc(self, row: dict[str, str], marks: dict[str, Any]) -> None:
        info = marks.get(MARK_SCALE)
        if not isinstance(info, dict) or not isinstance(info.get("key"), str):
            self.lose(row["field"], "calc field", f"{_short(row['choices'])!r}: only calc "
                      "fields exported by psychometrics (@psychometrics-scale) are recognised; "
                      "define this score as a scale in the YAML")
            return
        spec = dict(info)
        sname = spec.pop("key")
        self.scales[sname] = spec
        self.calcs[sname] = (row["field"], row["choices"])
        self._common_losses(row, note_is_ours=True)
        if row["label"] != spec.get("name"):
            self.lose(row["field"], "field label", f"{row['label']!r} differs from the scale "
                      f"name {spec['name']!r}; the name was kept")

    # -- assembly ------------------------------------------------------------------------

    def _build(self) -> RedcapImport:
        if not self.items:
            raise DefinitionError(self._no_items(), file=self.source)
        meta = dict(self.meta or {})
        if self.meta is None:
            meta = self._placeholder_meta()
            if self.renamed:
                where = f"REDCap form '{self.form}'"
                meta["notes"] = (f"Imported from {where}; names normalised to the "
                                 f"instrument format: {'; '.join(self.renamed)}.")
                self.notes.append(f"names normalised (originals in the notes): "
                                  f"{'; '.join(self.renamed)}")
        meta.pop("instructions", None)
        unused = meta.pop("unused_response_scales", {}) or {}
        response_scales: dict[str, Any] = {n: rs.model_dump() for n, rs in
                                           self.item_scales.items()}
        for n, spec in unused.items():
            response_scales.setdefault(n, {"values": spec["values"],
                                           "labels": {int(k): v for k, v in
                                                      spec["labels"].items()}})
        counts = Counter(i["_scale"] for i in self.items)
        default = meta.get("response_scale")
        if default not in response_scales:
            default = counts.most_common(1)[0][0]
        items = []
        for item in self.items:
            scale_name = item.pop("_scale")
            if "response_scale" in item or scale_name != default:
                item["response_scale"] = scale_name
            items.append(item)
        scales = self.scales or self._fallback_scale(items)
        if self.instrument_id is not None:
            meta["id"] = self.instrument_id
        if self.missing_codes:
            meta["missing_codes"] = sorted(set(meta.get("missing_codes", [])) |
                                           set(self.missing_codes))
        data = {**meta, "instructions": self.instructions, "response_scales": response_scales,
                "response_scale": default, "items": items, "scales": scales}
        if self.language_rows:
            data["translations"] = self._translations(items, default)
        if self.meta is None and any("text" not in i for i in items):
            # Licence placeholders in the labels: the wording is restricted.
            data["licence"] = {**data["licence"], "item_text": "restricted"}
        try:
            inst = Instrument.model_validate(data)
        except ValidationError as exc:
            raise DefinitionError([Problem(self.source, None, None, f"form {self.form}",
                                           f"the imported definition is invalid: {problem}")
                                   for problem in validation_problems(exc)]) from None
        self._check_calcs(inst)
        return RedcapImport(inst, self.form, self.losses, self.notes, self.exported_sha)

    def _translations(self, items: list[dict[str, Any]], default: str
                      ) -> dict[str, Any] | None:
        scale_of = {i["id"]: i.get("response_scale", default) for i in items}
        tr = Translations(self.lose)
        for tag, rows in self.language_rows.items():
            for row in rows:
                mark = _marks(row["annotation"])[0].get(MARK_TRANSLATION) or {}
                if "lang" in mark:
                    tr.set(tag, "name", mark.get("name"))
                    if mark.get("instructions"):
                        tr.set(tag, "instructions", row["label"])
                iid = mark.get("item")
                if iid not in scale_of:
                    continue
                if mark.get("text"):
                    tr.item(tag, iid, row["label"])
                pairs = dict(_parse_choices(row["choices"]))
                for code in mark.get("labels") or []:
                    tr.label(tag, scale_of[iid], int(code), pairs.get(str(code)), row["field"])
        return tr.result()

    def _check_calcs(self, inst: Instrument) -> None:
        fields = {iid: self.fields[iid] for iid in inst.item_ids}
        for sname, (fname, formula) in self.calcs.items():
            expected = redcap_calc(inst, sname, fields)
            if _squash(formula) != _squash(expected):
                self.lose(fname, "calculation", "differs from the formula generated from its "
                          "@psychometrics-scale definition (edited in REDCap?); the definition "
                          "was imported, not the formula")

    def _no_items(self) -> str:
        kinds = Counter(r["type"].lower() or "untyped" for r in self.rows)
        held = ", ".join(f"{n} {k} field{'s' if n > 1 else ''}"
                         for k, n in kinds.items()) or "no fields"
        text = (f"form '{self.form}' of '{self.source}' has no field with one coded answer "
                f"(radio, dropdown, yesno or truefalse) to import as an item; it holds {held}")
        if kinds.get("checkbox"):
            text += (". A checkbox field takes several answers (REDCap stores one 0/1 column "
                     "per choice), so it is not an item with a coded answer: make each "
                     "question a radio field, or each choice a yesno field")
        return text

    def _fallback_scale(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        self.lose("scales", "scoring", "no calc field exported by psychometrics: a "
                  "placeholder scale 'total' (mean of all items) was written; edit it "
                  "(reverse keys and missing-item rules are lost with the scoring)")
        return {"total": {"name": "Total", "items": [i["id"] for i in items],
                          "method": "mean"}}

    def _placeholder_meta(self) -> dict[str, Any]:
        iid = self.instrument_id or instrument_id_from(self.form)
        if self.instrument_id is None and iid != self.form:
            self.renamed.insert(0, f"form '{self.form}' -> instrument id {iid}")
        title = self.form.replace("_", " ").strip().capitalize() or "Imported instrument"
        where = f"REDCap data dictionary '{self.source}', form '{self.form}'"
        placeholder = "not in a REDCap data dictionary; a placeholder was written: edit the YAML"
        self.lose("instrument", "name, version, follows, construct, description", placeholder)
        self.lose("instrument", "citations", placeholder)
        self.lose("instrument", "licence", placeholder + " (item text 'restricted' where the "
                  "labels are licence placeholders, else 'free')")
        self.lose("instrument", "abbreviation, adaptation, published properties, notes",
                  "not in a REDCap data dictionary; add them to the YAML if wanted")
        if self.item_scales and all(n.startswith("responses_") for n in self.item_scales):
            self.lose("response scales", "names", "REDCap choices have no names; named "
                      "responses_1, responses_2 ...")
        if not self.missing_codes:
            self.lose("instrument", "missing codes", "REDCap keeps missing-data codes in the "
                      "project settings, not the dictionary; give them with missing_codes= "
                      "(--missing-codes)")
        return {
            "id": iid, "name": title, "version": "0.1.0",
            "follows": f"Imported from the {where}.",
            "construct": "not stated (imported from REDCap)",
            "description": f"Imported from the {where}. Describe the instrument here.",
            "citations": [{"text": f"No reference: imported from the {where}. Add the "
                                   "instrument's primary reference."}],
            "licence": {"item_text": "free",
                        "note": "Unknown: imported from a REDCap data dictionary. Check the "
                                "licence of the item text before sharing this file."},
        }


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("'", '"')


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


