"""ReproSchema: the instrument as a protocol / activity / items folder of JSON-LD documents.

Layout (as ``reproschema``'s own converters write it; file names without extension, each
document's ``id`` equal to its file name)::

    <out>/<id>_protocol/<id>_protocol_schema     the protocol (one activity)
    <out>/activities/<id>/<id>_schema             the activity: order, scoring, metadata
    <out>/activities/<id>/items/<item id>         one item per question, with its choices
    <out>/activities/<id>/items/<score field>     one read-only item per scale

Each scale is an activity ``compute`` entry whose ``jsExpression`` is a plain arithmetic
expression over the item variables, as the ReproNim library writes them
(``gse_1 + gse_2 + ...``; a reverse-keyed item as ``(8 - acs_4)``; a mean divided by the
number of items; the linear transform). Such an expression scores a complete response
exactly as :func:`psychometrics.score`; the missing-item rule (prorating, the least number
of answers) is not expressible without functions, so it is stated in the score item's
description and kept, with the whole scale definition, in its ``additionalNotesObj``.
Items are ``valueRequired`` where a scale needs every one of its items. Provenance
(instrument id, definition version and SHA-256) is in the activity's ``version`` and the
score items' ``additionalNotesObj`` (the first also holds the rest of the definition).
Restricted item text becomes a placeholder unless an overlay supplied it; the
``prefLabel`` of such an item is its neutral paraphrase.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

from psychometrics.catalog import as_instrument
from psychometrics.exports._common import (
    definition_meta,
    dumps,
    item_info,
    item_prompt,
    languages,
    provenance_text,
    required_items,
    rule_text,
    scale_info,
    score_ids,
    scoring_rule,
    translated,
    translated_item,
    translated_label,
)
from psychometrics.schema import Instrument

CONTEXT = "https://raw.githubusercontent.com/ReproNim/reproschema/main/releases/1.0.0/reproschema"
SCHEMA_VERSION = "1.0.0"


def score_item_ids(instrument: Instrument) -> dict[str, str]:
    """Scale name -> id of the read-only item holding its score (``<id>_<scale>``)."""
    return score_ids(instrument, re.sub(r"[^A-Za-z0-9_]+", "_", instrument.id), set())


def js_expression(instrument: Instrument | str, scale: str) -> str:
    """The ReproSchema ``jsExpression`` of one scale: plain arithmetic over the items.

    It equals :func:`psychometrics.score` for a response with every item of the scale
    answered; the missing-item rule is not part of it (see the module docstring).

    >>> js_expression("acs-6", "affective")
    '(acs6_1 + acs6_2 + (8 - acs6_3) + (8 - acs6_4) + (8 - acs6_5) + acs6_6) / 6'
    >>> js_expression("who5", "percentage")
    '(who5_1 + who5_2 + who5_3 + who5_4 + who5_5) * 4'
    """
    rule = scoring_rule(as_instrument(instrument), scale)
    terms = [f"({it.scale.min + it.scale.max} - {it.id})" if it.reverse else it.id
             for it in rule.items]
    core = " + ".join(terms)
    if rule.combine == "mean":
        core = f"({core}) / {rule.k}"
    core = rule.transformed(core)
    return core


def to_reproschema(instrument: Instrument | str) -> dict[str, dict[str, Any]]:
    """The ReproSchema documents, keyed by their path relative to the output folder.

    Examples
    --------
    >>> from psychometrics.exports import to_reproschema
    >>> docs = to_reproschema("gse")
    >>> sorted(docs)[:3]
    ['activities/gse/gse_schema', 'activities/gse/items/gse_1', 'activities/gse/items/gse_10']
    >>> docs["activities/gse/items/gse_1"]["responseOptions"]["choices"][0]
    {'name': {'en': 'Not at all true'}, 'value': 1}
    """
    inst = as_instrument(instrument)
    lang = inst.language
    aid = inst.id
    pid = f"{inst.id}_protocol"
    scores = score_item_ids(inst)
    prov = provenance_text(inst)
    docs: dict[str, dict[str, Any]] = {}

    required = required_items(inst)
    add_props: list[dict[str, Any]] = []
    order: list[str] = []
    for item in inst.items:
        scale_name = inst.item_scale_name(item.id)
        rs = inst.response_scales[scale_name]
        notes = [_note("response_scale", scale_name)]
        if item.reverse:
            notes.append(_note("reverse", "true"))
        notes.append(_note("item", dumps(item_info(inst, item))))
        label = item.text if item.text is not None else (item.paraphrase or item.id)
        texts = {tag: text for tag in languages(inst)
                 if (text := translated_item(inst, item, tag)) is not None}
        doc: dict[str, Any] = {
            "category": "reproschema:Item",
            "id": item.id,
            "prefLabel": {lang: label, **texts},
            "question": {lang: item_prompt(inst, item), **texts},
            "ui": {"inputType": "radio"},
            "responseOptions": {
                "valueType": ["xsd:integer"],
                "minValue": rs.min,
                "maxValue": rs.max,
                "multipleChoice": False,
                "choices": [{"name": {lang: rs.labels[v], **_tr_labels(inst, scale_name, v)},
                             "value": v} for v in rs.values],
            },
            "additionalNotesObj": notes,
        }
        if item.paraphrase is not None:
            doc["description"] = {lang: item.paraphrase}
        docs[f"activities/{aid}/items/{item.id}"] = doc
        order.append(f"items/{item.id}")
        add_props.append({"isAbout": f"items/{item.id}", "variableName": item.id,
                          "isVis": True, "valueRequired": item.id in required})

    compute = []
    for name, sc in inst.scales.items():
        sid = scores[name]
        lo, hi = inst.score_range(name)
        spec = scale_info(inst, name)
        rule = rule_text(scoring_rule(inst, name))
        doc = {
            "category": "reproschema:Item",
            "id": sid,
            "prefLabel": {lang: sc.name},
            "description": {lang: f"{sc.description or sc.name} Scoring: {rule} The "
                                  "jsExpression scores complete responses; the missing-item "
                                  "rule is applied by psychometrics."},
            "ui": {"inputType": "number", "readonlyValue": True},
            "responseOptions": {"valueType": ["xsd:decimal"], "minValue": lo, "maxValue": hi},
            "additionalNotesObj": [_note("scale", json.dumps(spec, ensure_ascii=False)),
                                   _note("definition", prov),
                                   _note("definition_sha256", inst.definition_hash)],
        }
        if not compute:  # Activities have no notes: the first score item holds the rest.
            doc["additionalNotesObj"].append(_note("definition_json",
                                                   dumps(definition_meta(inst))))
        docs[f"activities/{aid}/items/{sid}"] = doc
        order.append(f"items/{sid}")
        add_props.append({"isAbout": f"items/{sid}", "variableName": sid, "isVis": False,
                          "valueRequired": False})
        compute.append({"variableName": sid, "jsExpression": js_expression(inst, name)})

    citation = " ".join(map(str, inst.citations))
    activity: dict[str, Any] = {
        "category": "reproschema:Activity",
        "id": f"{aid}_schema",
        "prefLabel": {lang: inst.name, **_tr(inst, "name")},
        "description": {lang: f"{inst.description.strip()} ({prov})"},
        "schemaVersion": SCHEMA_VERSION,
        "version": inst.version,
        "citation": {lang: citation},
        "isProprietary": inst.text_is_restricted,
        "ui": {"order": order, "addProperties": add_props, "shuffle": False},
        "compute": compute,
    }
    if inst.instructions:
        activity["preamble"] = {lang: inst.instructions, **_tr(inst, "instructions")}
    docs[f"activities/{aid}/{aid}_schema"] = activity

    docs[f"{pid}/{pid}_schema"] = {
        "category": "reproschema:Protocol",
        "id": f"{pid}_schema",
        "prefLabel": {lang: inst.name},
        "description": {lang: f"{inst.name}, generated from the psychometrics definition "
                              f"({prov})."},
        "schemaVersion": SCHEMA_VERSION,
        "version": inst.version,
        "ui": {
            "addProperties": [{"isAbout": f"../activities/{aid}/{aid}_schema",
                               "variableName": f"{aid}_schema", "prefLabel": {lang: inst.name},
                               "isVis": True}],
            "order": [f"../activities/{aid}/{aid}_schema"],
            "shuffle": False,
        },
    }
    return {path: {**doc, "@context": CONTEXT} for path, doc in sorted(docs.items())}


def write_reproschema(instrument: Instrument | str, directory: str | os.PathLike[str]) -> Path:
    """Write the ReproSchema folder under ``directory``; return the protocol document's path."""
    out = Path(directory)
    protocol: Path | None = None
    for rel, doc in to_reproschema(instrument).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if doc["category"] == "reproschema:Protocol":
            protocol = path
    assert protocol is not None
    return protocol


def _tr(inst: Instrument, what: Literal["name", "instructions"]) -> dict[str, str]:
    return {tag: text for tag in languages(inst)
            if (text := translated(inst, tag, what)) is not None}


def _tr_labels(inst: Instrument, scale: str, code: int) -> dict[str, str]:
    return {tag: text for tag in languages(inst)
            if (text := translated_label(inst, scale, code, tag)) is not None}


def _note(column: str, value: str) -> dict[str, str]:
    return {"source": "psychometrics", "column": column, "value": value}
