"""ReproSchema: the instrument as a protocol / activity / items folder of JSON-LD documents.

Layout (as ``reproschema``'s own converters write it; file names without extension, each
document's ``id`` equal to its file name)::

    <out>/<id>_protocol/<id>_protocol_schema     the protocol (one activity)
    <out>/activities/<id>/<id>_schema             the activity: order, scoring, metadata
    <out>/activities/<id>/items/<item id>         one item per question, with its choices
    <out>/activities/<id>/items/<score field>     one read-only item per scale

Each scale is an activity ``compute`` entry whose ``jsExpression`` is generated from the
declarative definition (reverse keys, the missing-item rule, prorating, transform) and
scores exactly as :func:`psychometrics.score`. Provenance (instrument id, definition version
and SHA-256) is in the activity's ``version`` and in ``additionalNotesObj`` of the score
items. Restricted item text becomes a placeholder unless an overlay supplied it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from psychometrics.catalog import as_instrument
from psychometrics.exports._common import (
    item_prompt,
    number,
    provenance_text,
    scoring_rule,
)
from psychometrics.schema import Instrument

CONTEXT = "https://raw.githubusercontent.com/ReproNim/reproschema/main/releases/1.0.0/reproschema"
SCHEMA_VERSION = "1.0.0"


def score_item_ids(instrument: Instrument) -> dict[str, str]:
    """Scale name -> id of the read-only item holding its score (``<id>_<scale>``)."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", instrument.id)
    taken = set(instrument.item_ids)
    out: dict[str, str] = {}
    for name in instrument.scales:
        sid = f"{base}_{name}"
        while sid in taken:
            sid = f"{sid}_score"
        taken.add(sid)
        out[name] = sid
    return out


def js_expression(instrument: Instrument | str, scale: str) -> str:
    """The ReproSchema ``jsExpression`` that scores one scale like :func:`psychometrics.score`.

    Answers that are not one of the item's response values (unanswered, missing codes)
    are dropped; reverse-keyed items enter as ``min + max - x``; the score is ``null``
    when fewer than the required number of items are answered.

    >>> print(js_expression("who5", "percentage")[:60])
    (function (a) { var v = a.map(function (p) { var x = typeof
    """
    rule = scoring_rule(as_instrument(instrument), scale)
    pairs = []
    for it in rule.items:
        allowed = "[" + ",".join(str(v) for v in it.scale.values) + "]"
        # `typeof` guards an item the form never set (an undeclared name would throw).
        ref = f'typeof {it.id} === "undefined" ? null : {it.id}'
        pairs.append(f"[{ref}, {allowed}, {int(it.reverse)}]")
    total = "v.reduce(function (s, x) { return s + x; }, 0)"
    core = {"mean": f"{total} / v.length", "prorated sum": f"{total} / v.length * {rule.k}",
            "sum": total}[rule.combine]
    if rule.transform is not None:
        if rule.transform.multiply != 1:
            core = f"({core}) * {number(rule.transform.multiply)}"
        if rule.transform.add != 0:
            core = f"{core} + {number(rule.transform.add)}"
    return (
        "(function (a) { var v = a.map(function (p) { var x = typeof p[0] === \"string\" "
        "&& p[0].trim() !== \"\" ? Number(p[0]) : p[0]; return [x, p[1], p[2]]; })"
        ".filter(function (p) { return typeof p[0] === \"number\" "
        "&& p[1].indexOf(p[0]) >= 0; }).map(function (p) { return p[2] ? "
        "p[1][0] + p[1][p[1].length - 1] - p[0] : p[0]; }); "
        f"return v.length >= {rule.required} ? {core} : null; }})"
        f"([{', '.join(pairs)}])"
    )


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

    add_props: list[dict[str, Any]] = []
    order: list[str] = []
    for item in inst.items:
        scale_name = inst.item_scale_name(item.id)
        rs = inst.response_scales[scale_name]
        notes = [_note("response_scale", scale_name)]
        if item.reverse:
            notes.append(_note("reverse", "true"))
        doc: dict[str, Any] = {
            "category": "reproschema:Item",
            "id": item.id,
            "prefLabel": {lang: item.id},
            "question": {lang: item_prompt(inst, item)},
            "ui": {"inputType": "radio"},
            "responseOptions": {
                "valueType": ["xsd:integer"],
                "minValue": rs.min,
                "maxValue": rs.max,
                "multipleChoice": False,
                "choices": [{"name": {lang: rs.labels[v]}, "value": v} for v in rs.values],
            },
            "additionalNotesObj": notes,
        }
        if item.paraphrase is not None:
            doc["description"] = {lang: item.paraphrase}
        docs[f"activities/{aid}/items/{item.id}"] = doc
        order.append(f"items/{item.id}")
        add_props.append({"isAbout": f"items/{item.id}", "variableName": item.id,
                          "isVis": True, "valueRequired": False})

    compute = []
    for name, sc in inst.scales.items():
        sid = scores[name]
        lo, hi = inst.score_range(name)
        spec = {"key": name, **sc.model_dump(mode="json", exclude_none=True)}
        doc = {
            "category": "reproschema:Item",
            "id": sid,
            "prefLabel": {lang: sc.name},
            "description": {lang: sc.description or sc.name},
            "ui": {"inputType": "number", "readonlyValue": True},
            "responseOptions": {"valueType": ["xsd:decimal"], "minValue": lo, "maxValue": hi},
            "additionalNotesObj": [_note("scale", json.dumps(spec, ensure_ascii=False)),
                                   _note("definition", prov),
                                   _note("definition_sha256", inst.definition_hash)],
        }
        docs[f"activities/{aid}/items/{sid}"] = doc
        order.append(f"items/{sid}")
        add_props.append({"isAbout": f"items/{sid}", "variableName": sid, "isVis": False,
                          "valueRequired": False})
        compute.append({"variableName": sid, "jsExpression": js_expression(inst, name)})

    citation = " ".join(map(str, inst.citations))
    activity: dict[str, Any] = {
        "category": "reproschema:Activity",
        "id": f"{aid}_schema",
        "prefLabel": {lang: inst.name},
        "description": {lang: f"{inst.description.strip()} ({prov})"},
        "schemaVersion": SCHEMA_VERSION,
        "version": inst.version,
        "citation": {lang: citation},
        "isProprietary": inst.text_is_restricted,
        "ui": {"order": order, "addProperties": add_props, "shuffle": False},
        "compute": compute,
    }
    if inst.instructions:
        activity["preamble"] = {lang: inst.instructions}
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


def _note(column: str, value: str) -> dict[str, str]:
    return {"source": "psychometrics", "column": column, "value": value}
