"""REDCap data dictionaries: deploy an instrument (import: ``redcap_import``; record
exports: ``redcap_records``).

:func:`to_redcap` builds the standard 18-column data dictionary: one ``radio`` field per item
(choices ``"1, Label | 2, Label"``), a ``descriptive`` field with the instructions, and one
``calc`` field per scale that scores it in REDCap itself, with reverse keying and the
missing-item rule. Everything the dictionary has no column for (citations, licence, response
scale names, bands, published properties ...) travels as JSON in the Field Annotation of the
field it belongs to, after an ``@psychometrics-...`` marker, so ``from_redcap`` gets the
same instrument back. Translations become one more form per language.

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
from collections import Counter
from typing import Any

import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.errors import DefinitionError, PsychometricsWarning
from psychometrics.exports._common import (
    definition_meta,
    item_info,
    item_prompt,
    languages,
    provenance_text,
    rule_text,
    scale_info,
    scoring_rule,
    translated,
    translated_item,
    translated_label,
)
from psychometrics.schema import (
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
    core = rule.transformed(core, sep="")
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


# The importer and the record reader have their own modules; their names stay reachable
# here, where they were first published.
_MOVED = {"RedcapImport": "psychometrics.exports.redcap_import",
          "from_redcap": "psychometrics.exports.redcap_import",
          "read_dictionary": "psychometrics.exports.redcap_import",
          "is_package": "psychometrics.exports.redcap_import",
          "read_redcap_records": "psychometrics.exports.redcap_records"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
