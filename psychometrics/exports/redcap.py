"""REDCap data dictionaries: deploy an instrument, import one back, read REDCap record exports.

:func:`to_redcap` builds the standard 18-column data dictionary: one ``radio`` field per item
(choices ``"1, Label | 2, Label"``), a ``descriptive`` field with the instructions, and one
``calc`` field per scale that scores it in REDCap itself, with reverse keying and the
missing-item rule. Everything the dictionary has no column for (citations, licence, response
scale names, bands, published properties ...) travels as JSON in the Field Annotation of the
field it belongs to, after an ``@psychometrics-...`` marker, so :func:`from_redcap` gets the
same instrument back. A dictionary made elsewhere is imported as far as it maps; what does
not map (branching logic, free text, checkboxes, foreign calculations ...) is listed in the
returned report, never dropped silently.

REDCap calc syntax used (REDCap's documented functions only): ``[field]`` references,
``if(condition, then, else)``, ``mean(...)`` and ``sum(...)`` (both ignore blank values),
``<>``, ``and``, and ``""`` for blank. REDCap has no count function, so the number of answered
items is a sum of ``if(answered, 1, 0)`` terms; an answer counts when it is one of the item's
response values, so REDCap missing-data codes (e.g. -99) are neither counted nor scored.
A reverse-keyed item enters as ``(min+max-[item])``; a prorated sum is ``mean(...)*k``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from psychometrics.catalog import as_instrument
from psychometrics.errors import DefinitionError, Problem, PsychometricsWarning
from psychometrics.exports._common import (
    Loss,
    definition_meta,
    item_info,
    item_prompt,
    label_codes,
    label_key,
    languages,
    number,
    parse_placeholder,
    provenance_text,
    rule_text,
    scale_info,
    scoring_rule,
    translated,
    translated_item,
    translated_label,
)
from psychometrics.exports._importing import (
    Translations,
    check_instrument_id,
    instrument_id_from,
    validation_problems,
)
from psychometrics.schema import (
    ITEM_ID_PATTERN,
    Instrument,
    ResponseScale,
)

COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
_KEYS = ["field", "form", "section", "type", "label", "choices", "note", "validation", "vmin",
         "vmax", "identifier", "branching", "required", "alignment", "qnumber", "matrix",
         "matrix_ranking", "annotation"]
_KEY_COLUMN = dict(zip(_KEYS, COLUMNS, strict=True))

FIELD_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
MARK_INSTRUMENT = "@psychometrics-definition"
MARK_ITEM = "@psychometrics-item"
MARK_SCALE = "@psychometrics-scale"
MARK_TRANSLATION = "@psychometrics-translation"
_MARK_LINE = re.compile(
    r"^(@psychometrics-(?:definition|item|scale|translation))\s+(\{.*\})\s*$")
_BLANK = '""'
RECORD_ID_LOSS = "record identifier"


# -- names ---------------------------------------------------------------------------------


def redcap_name(text: str) -> str:
    """A REDCap variable or form name: lowercase letters, digits and ``_``, starting with a
    letter, at most 100 characters.

    >>> redcap_name("acs-6"), redcap_name("Q1 (reversed)"), redcap_name("5 things")
    ('acs_6', 'q1_reversed', 'v_5_things')
    """
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"v_{name}".rstrip("_")
    return name[:100]


def redcap_field_names(instrument: Instrument | str) -> dict[str, str]:
    """Item id -> REDCap field name: the id itself where REDCap accepts it, else a lowercase
    version of it (the original id travels in the field annotation).

    >>> redcap_field_names("who5")["who5_1"]
    'who5_1'
    """
    inst = as_instrument(instrument)
    names = {item.id: item.id if FIELD_RE.match(item.id) else redcap_name(item.id)
             for item in inst.items}
    clash = [n for n, c in Counter(names.values()).items() if c > 1]
    if clash:
        raise DefinitionError(
            f"{inst.id}: item ids {', '.join(i for i, n in names.items() if n in clash)} give "
            f"the same REDCap field name(s) {', '.join(clash)} (REDCap names are lowercase)")
    return names


def _form_name(inst: Instrument) -> str:
    return redcap_name(inst.id)


def _score_fields(inst: Instrument, taken: set[str]) -> dict[str, str]:
    form = _form_name(inst)
    out: dict[str, str] = {}
    for sname in inst.scales:
        name = redcap_name(f"{form}_{sname}")
        while name in taken:
            name = redcap_name(f"{name}_score")
        taken.add(name)
        out[sname] = name
    return out


# -- calculations --------------------------------------------------------------------------


def redcap_calc(instrument: Instrument | str, scale: str,
                field_names: dict[str, str] | None = None) -> str:
    """The REDCap calculation that scores one scale exactly as :func:`psychometrics.score`.

    Blank unless enough items hold one of their response values; reverse-keyed items as
    ``(min+max-[item])``; ``mean`` of the keyed answers, ``mean*k`` for a prorated sum,
    ``sum`` otherwise; then the scale's linear transform.

    >>> calc = redcap_calc("acs-6", "affective")
    >>> print(calc[:62])
    if((if([acs6_1]<>"" and [acs6_1]>=1 and [acs6_1]<=7,1,0)+if([a
    >>> calc.endswith(',[acs6_6],"")),"")')
    True
    >>> 'if([acs6_3]<>"" and [acs6_3]>=1 and [acs6_3]<=7,(8-[acs6_3]),"")' in calc
    True
    """
    inst = as_instrument(instrument)
    names = field_names or redcap_field_names(inst)
    rule = scoring_rule(inst, scale)
    counts, keyed = [], []
    for it in rule.items:
        rs = it.scale
        ref = f"[{names[it.id]}]"
        if rs.is_contiguous:
            ok = f"{ref}<>{_BLANK} and {ref}>={rs.min} and {ref}<={rs.max}"
        else:
            ok = f"{ref}<>{_BLANK} and (" + " or ".join(f"{ref}={v}" for v in rs.values) + ")"
        value = f"({rs.min + rs.max}-{ref})" if it.reverse else ref
        counts.append(f"if({ok},1,0)")
        keyed.append(f"if({ok},{value},{_BLANK})")
    terms = ",".join(keyed)
    core = {"mean": f"mean({terms})", "prorated sum": f"mean({terms})*{rule.k}",
            "sum": f"sum({terms})"}[rule.combine]
    if rule.transform is not None:
        if rule.transform.multiply != 1:
            core = f"({core})*{number(rule.transform.multiply)}"
        if rule.transform.add != 0:
            sign = "+" if rule.transform.add > 0 else "-"
            core = f"{core}{sign}{number(abs(rule.transform.add))}"
    return f"if(({'+'.join(counts)})>={rule.required},{core},{_BLANK})"


# -- export --------------------------------------------------------------------------------


def to_redcap(instrument: Instrument | str, *, record_id: str | None = "record_id"
              ) -> pd.DataFrame:
    """The instrument as a REDCap data dictionary (18 columns, one row per field).

    Parameters
    ----------
    instrument
        An Instrument (e.g. loaded with an overlay of licensed text) or a built-in id.
    record_id
        Name of the record-identifier field written first (REDCap requires the first field
        of a project to be the record id); ``None`` to leave it out, e.g. when adding the
        form to an existing project.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, all text. Write it with :func:`write_redcap`.

    Examples
    --------
    >>> from psychometrics.exports import to_redcap
    >>> d = to_redcap("gse")
    >>> d.shape
    (13, 18)
    >>> list(zip(d["Variable / Field Name"], d["Field Type"]))[:3]
    [('record_id', 'text'), ('gse_instructions', 'descriptive'), ('gse_1', 'radio')]
    >>> d.iloc[-1][["Variable / Field Name", "Field Type"]].tolist()
    ['gse_total', 'calc']
    >>> print(d.iloc[2]["Choices, Calculations, OR Slider Labels"])
    1, Not at all true | 2, Hardly true | 3, Moderately true | 4, Exactly true
    """
    inst = as_instrument(instrument)
    names = redcap_field_names(inst)
    form = _form_name(inst)
    taken = set(names.values()) | ({record_id} if record_id else set())
    intro = f"{form}_instructions"
    while intro in taken:
        intro = f"{intro}_text"
    taken.add(intro)
    scores = _score_fields(inst, taken)

    rows: list[dict[str, str]] = []
    if record_id is not None:
        if not FIELD_RE.match(record_id):
            raise ValueError(f"record_id {record_id!r} is not a valid REDCap field name")
        rows.append(_row(field=record_id, form=form, type="text", label="Record ID"))

    meta = definition_meta(inst)
    rows.append(_row(
        field=intro, form=form, type="descriptive",
        label=inst.instructions if inst.instructions is not None else inst.name,
        annotation=f"@psychometrics instrument={inst.id} version={inst.version} "
                   f"sha256={inst.definition_hash}\n{provenance_text(inst)}\n"
                   f"{MARK_INSTRUMENT} {_dumps(meta)}"))

    for item in inst.items:
        scale_name = inst.item_scale_name(item.id)
        rs = inst.response_scales[scale_name]
        info = item_info(inst, item)
        rows.append(_row(field=names[item.id], form=form, type="radio",
                         label=item_prompt(inst, item), choices=_choices(rs, item.id),
                         annotation=f"{MARK_ITEM} {_dumps(info)}"))

    for sname, sc in inst.scales.items():
        info = scale_info(inst, sname)
        rows.append(_row(field=scores[sname], form=form, type="calc", label=sc.name,
                         choices=redcap_calc(inst, sname, names),
                         note=rule_text(scoring_rule(inst, sname)),
                         annotation=f"@HIDDEN-SURVEY\n{MARK_SCALE} {_dumps(info)}"))
    for tag in languages(inst):
        rows += _language_form(inst, tag, form, names, intro, scores)
    return pd.DataFrame(rows, columns=_KEYS).rename(columns=_KEY_COLUMN)


def _language_form(inst: Instrument, tag: str, form: str, names: dict[str, str], intro: str,
                   scores: dict[str, str]) -> list[dict[str, str]]:
    """The instrument as one more form in language ``tag``: the same items and scores under
    field names ending in ``_<tag>``; what is not translated stays in the original language.
    The marks say what is translated, so that the import keeps exactly the translation."""
    suffix = f"_{redcap_name(tag)}"
    lform = f"{form}{suffix}"
    lnames = {iid: f"{n}{suffix}" for iid, n in names.items()}
    instructions = translated(inst, tag, "instructions")
    name = translated(inst, tag, "name")
    head = {"of": form, "lang": tag, "instructions": instructions is not None}
    if name is not None:
        head["name"] = name
    rows = [_row(field=f"{intro}{suffix}", form=lform, type="descriptive",
                 label=instructions or inst.instructions or name or inst.name,
                 annotation=f"{MARK_TRANSLATION} {_dumps(head)}")]
    for item in inst.items:
        scale_name = inst.item_scale_name(item.id)
        rs = inst.response_scales[scale_name]
        text = translated_item(inst, item, tag)
        labels = {v: translated_label(inst, scale_name, v, tag) for v in rs.values}
        shown = ResponseScale(values=rs.values,
                              labels={v: lbl or rs.labels[v] for v, lbl in labels.items()})
        mark = {"item": item.id, "text": text is not None,
                "labels": [v for v, lbl in labels.items() if lbl is not None]}
        rows.append(_row(field=lnames[item.id], form=lform, type="radio",
                         label=text or item_prompt(inst, item),
                         choices=_choices(shown, item.id),
                         annotation=f"{MARK_TRANSLATION} {_dumps(mark)}"))
    for sname, sc in inst.scales.items():
        rows.append(_row(field=f"{scores[sname]}{suffix}", form=lform, type="calc",
                         label=sc.name, choices=redcap_calc(inst, sname, lnames),
                         note=rule_text(scoring_rule(inst, sname)),
                         annotation=f"@HIDDEN-SURVEY\n{MARK_TRANSLATION} "
                                    f"{_dumps({'scale': sname})}"))
    return rows


def write_redcap(instrument: Instrument | str, path: str | os.PathLike[str] | io.TextIOBase,
                 *, record_id: str | None = "record_id") -> None:
    """Write :func:`to_redcap`'s dictionary as a UTF-8 CSV file REDCap uploads."""
    frame = to_redcap(instrument, record_id=record_id)
    if isinstance(path, str | os.PathLike):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False, quoting=csv.QUOTE_MINIMAL)
    else:
        frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)


def _row(**values: str) -> dict[str, str]:
    return {key: values.get(key, "") for key in _KEYS}


def _choices(rs: ResponseScale, item_id: str) -> str:
    parts = []
    for v in rs.values:
        label = " ".join(rs.labels[v].split())
        if "|" in label:
            warnings.warn(f"item {item_id}: '|' in the label of {v} separates REDCap choices; "
                          "written as '/'", PsychometricsWarning, stacklevel=3)
            label = label.replace("|", "/")
        parts.append(f"{v}, {label}")
    return " | ".join(parts)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


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
