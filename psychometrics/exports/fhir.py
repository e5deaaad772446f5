"""HL7 FHIR R4 and R5: the instrument as a ``Questionnaire``; ``QuestionnaireResponse`` in.

The Questionnaire has one coded item per instrument item (``linkId`` = item id; type
``choice`` in R4, ``coding`` in R5; shown as radio buttons) whose ``answerOption`` codings
carry the response codes and labels. Each option's score is on ``answerOption.extension``
as ``itemWeight`` (the current extension) and, in R4, also as ``ordinalValue`` (what older
engines read); for a reverse-keyed item the weight is the reversed score
(``min + max - code``), so an engine that sums the weights gets the instrument's score.
Each scale is a hidden, read-only ``decimal`` item whose SDC ``calculatedExpression``
(FHIRPath) scores it exactly as :func:`psychometrics.score`: reverse keys, the missing-item
rule, prorating and the linear transform. Items are ``required`` where a scale needs every
one of its items answered. A ``display`` item holds the instructions. ``version`` is the
definition version, ``identifier`` holds the instrument id and the definition's SHA-256,
``copyright`` the licence. Restricted item text is replaced by a placeholder unless an
overlay supplied it.

Plain dicts in and out (JSON-ready): no FHIR library is needed at run time.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.errors import DataValidationError, PsychometricsWarning
from psychometrics.exports._common import (
    ScoringRule,
    definition_meta,
    dumps,
    item_info,
    item_prompt,
    label_codes,
    label_key,
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
from psychometrics.schema import Instrument, ResponseScale

ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# Also read: the pre-R4 URL.
ORDINAL_URLS = {ITEM_WEIGHT, ORDINAL_VALUE,
                "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue"}
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
# Answers shown as a row of radio buttons (a rating scale), not a drop-down list.
RADIO_BUTTONS = {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
                 "valueCodeableConcept": {"coding": [{
                     "system": "http://hl7.org/fhir/questionnaire-item-control",
                     "code": "radio-button", "display": "Radio Button"}]}}
SYSTEM_INSTRUMENT = "urn:psychometrics:instrument"
SYSTEM_HASH = "urn:psychometrics:definition-sha256"
SYSTEM_SCALE = "urn:psychometrics:scale"
# Our own extensions: the parts of the definition FHIR has no element for, as JSON, so that
# from_fhir gets the same definition back. Other tools ignore them.
EXT_DEFINITION = "urn:psychometrics:fhir:definition"
EXT_ITEM = "urn:psychometrics:fhir:item"
EXT_SCALE = "urn:psychometrics:fhir:scale"
META_COLUMNS = ["response_id", "subject", "authored", "status", "questionnaire"]
FhirVersion = Literal["R4", "R5"]


def canonical_url(instrument: Instrument) -> str:
    """The Questionnaire's canonical URL: ``urn:psychometrics:instrument:<id>``."""
    return f"{SYSTEM_INSTRUMENT}:{instrument.id}"


def answer_system(instrument: Instrument, scale: str) -> str:
    """The code system of a response scale's codes, e.g. ``urn:psychometrics:who5:frequency6``."""
    return f"urn:psychometrics:{instrument.id}:{scale}"


def score_link_ids(instrument: Instrument) -> dict[str, str]:
    """Scale name -> linkId of the hidden item holding its score (``<id>_<scale>``)."""
    return score_ids(instrument, instrument.id, {"instructions"})


def fhirpath_score(instrument: Instrument | str, scale: str) -> str:
    """The FHIRPath expression that scores one scale of a QuestionnaireResponse like
    :func:`psychometrics.score` (the ``calculatedExpression`` of its score item).

    An answer counts when its code is one of the item's response values (unanswered items
    and missing-data codes do not); reverse-keyed items enter as ``min + max - code``; the
    result is empty unless enough items are answered; then the mean, the prorated sum
    (mean x number of items) or the sum, and the linear transform. Only FHIRPath 2.0
    (normative) functions are used: ``repeat``, ``where``, ``select``, ``combine``,
    ``count``, ``aggregate``, ``iif``, ``toDecimal``.

    >>> print(fhirpath_score("who5", "percentage")[:72])
    iif((%resource.repeat(item).where(linkId = 'who5_1').answer.value.code.t
    """
    inst = as_instrument(instrument)
    return _fhirpath(scoring_rule(inst, scale))


def _fhirpath(rule: ScoringRule) -> str:
    terms = []
    for it in rule.items:
        rs = it.scale
        value = (f"%resource.repeat(item).where(linkId = '{it.id}').answer.value.code"
                 ".toDecimal()")
        if rs.is_contiguous:
            ok = f"$this >= {rs.min} and $this <= {rs.max}"
        else:
            ok = " or ".join(f"$this = {v}" for v in rs.values)
        term = f"{value}.where({ok})"
        if it.reverse:
            term += f".select({rs.min + rs.max} - $this)"
        terms.append(term)
    answered = terms[0] + "".join(f".combine({t})" for t in terms[1:])
    total = f"({answered}).aggregate($this + $total, 0)"
    count = f"({answered}).count()"
    core = {"mean": f"{total} / {count}", "prorated sum": f"{total} / {count} * {rule.k}",
            "sum": total}[rule.combine]
    core = rule.transformed(core)
    return f"iif({count} >= {rule.required}, {core}, {{}})"


def to_fhir_questionnaire(instrument: Instrument | str, *,
                          fhir_version: FhirVersion = "R4") -> dict[str, Any]:
    """The instrument as a FHIR ``Questionnaire`` resource (a JSON-ready dict).

    Parameters
    ----------
    instrument
        An Instrument (e.g. loaded with an overlay of licensed text) or a built-in id.
    fhir_version
        ``"R4"`` (4.0.1; ``choice`` items, weights as ``itemWeight`` and ``ordinalValue``)
        or ``"R5"`` (5.0.0; ``coding`` items with ``answerConstraint``, ``itemWeight``).

    Examples
    --------
    >>> from psychometrics.exports import to_fhir_questionnaire
    >>> q = to_fhir_questionnaire("acs")
    >>> q["resourceType"], q["url"], q["version"], q["status"]
    ('Questionnaire', 'urn:psychometrics:instrument:acs', '1.0.0', 'active')
    >>> item = q["item"][4]  # acs_4, reverse-keyed
    >>> item["linkId"], item["type"]
    ('acs_4', 'choice')
    >>> option = item["answerOption"][0]
    >>> option["valueCoding"]["code"], option["extension"][0]["valueDecimal"]
    ('1', 7)
    >>> score_item = q["item"][-1]
    >>> score_item["linkId"], score_item["readOnly"], score_item["type"]
    ('acs_affective', True, 'decimal')
    """
    if fhir_version not in ("R4", "R5"):
        raise ValueError(f"fhir_version must be 'R4' or 'R5', not {fhir_version!r}")
    inst = as_instrument(instrument)
    items: list[dict[str, Any]] = []
    if inst.instructions:
        items.append({"linkId": "instructions", "type": "display",
                      "text": inst.instructions,
                      **_translations("_text", {t: translated(inst, t, "instructions")
                                                for t in languages(inst)})})
    required = required_items(inst)
    for n, item in enumerate(inst.items, start=1):
        scale_name = inst.item_scale_name(item.id)
        rs = inst.response_scales[scale_name]
        entry: dict[str, Any] = {
            "extension": [RADIO_BUTTONS,
                          {"url": EXT_ITEM, "valueString": dumps(item_info(inst, item))}],
            "linkId": item.id, "prefix": str(n), "text": item_prompt(inst, item),
            **_translations("_text", {t: translated_item(inst, item, t)
                                      for t in languages(inst)})}
        if fhir_version == "R4":
            entry["type"] = "choice"
        else:
            entry["type"] = "coding"
            entry["answerConstraint"] = "optionsOnly"
        if item.codes:
            entry["code"] = [c.model_dump(exclude_none=True) for c in item.codes]
        if item.id in required:
            entry["required"] = True
        entry["answerOption"] = _options(inst, scale_name, rs, item.reverse, fhir_version)
        items.append(entry)
    for name, link in score_link_ids(inst).items():
        sc = inst.scales[name]
        items.append({
            "extension": [
                {"url": HIDDEN, "valueBoolean": True},
                {"url": EXT_SCALE, "valueString": dumps(scale_info(inst, name))},
                {"url": CALCULATED, "valueExpression": {
                    "description": rule_text(scoring_rule(inst, name)),
                    "language": "text/fhirpath", "expression": fhirpath_score(inst, name)}},
            ],
            "linkId": link,
            "code": [{"system": SYSTEM_SCALE, "code": f"{inst.id}:{name}",
                      "display": sc.name}],
            "text": sc.name,
            "type": "decimal",
            "readOnly": True,
        })

    citations = "\n".join(f"- {c}" for c in inst.citations)
    description = (f"{inst.description.strip()}\n\nFollows: {inst.follows.strip()}\n\n"
                   f"References:\n{citations}\n\n{_scoring_text(inst)}\n\n"
                   f"Generated by {provenance_text(inst)}.")
    holder = f"{inst.licence.holder}. " if inst.licence.holder else ""
    wording = ("Item text is free to use." if inst.licence.item_text == "free" else
               "Item text is restricted and not included: placeholders mark where licensed "
               "users put it.")
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": inst.id,
        "extension": [{"url": EXT_DEFINITION, "valueString": dumps(definition_meta(inst))}],
        "meta": {"tag": [{"system": SYSTEM_HASH, "code": inst.definition_hash,
                          "display": f"psychometrics definition {inst.version}"}]},
        "language": inst.language,
        "url": canonical_url(inst),
        "identifier": [{"system": SYSTEM_INSTRUMENT, "value": inst.id},
                       {"system": SYSTEM_HASH, "value": inst.definition_hash}],
        "version": inst.version,
        "name": _computable_name(inst.name),
        "title": inst.name,
        **_translations("_title", {t: translated(inst, t, "name") for t in languages(inst)}),
        "status": "active",
        "description": description,
        "purpose": f"Measures {inst.construct}.",
        "copyright": f"{holder}{inst.licence.note.strip()} {wording}",
        "item": items,
    }
    if inst.codes:
        resource["code"] = [c.model_dump(exclude_none=True) for c in inst.codes]
    return resource


def _options(inst: Instrument, scale: str, rs: ResponseScale, reverse: bool,
             version: FhirVersion) -> list[dict[str, Any]]:
    system = answer_system(inst, scale)
    out = []
    for v in rs.values:
        weight = rs.min + rs.max - v if reverse else v
        ext = [{"url": ITEM_WEIGHT, "valueDecimal": weight}]
        if version == "R4":
            ext.append({"url": ORDINAL_VALUE, "valueDecimal": weight})
        coding = {"system": system, "code": str(v), "display": rs.labels[v],
                  **_translations("_display", {t: translated_label(inst, scale, v, t)
                                               for t in languages(inst)})}
        out.append({"extension": ext, "valueCoding": coding})
    return out


def _translations(key: str, texts: dict[str, str | None]) -> dict[str, Any]:
    """``{"_text": {"extension": [translation ...]}}`` for the languages that have a text
    (FHIR's translation extension on a primitive), or nothing."""
    exts = [{"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": tag},
                                               {"url": "content", "valueString": text}]}
            for tag, text in texts.items() if text is not None]
    return {key: {"extension": exts}} if exts else {}


def read_translations(element: Any) -> dict[str, str]:
    """Language tag -> text of the translation extensions on a primitive's ``_`` element."""
    out: dict[str, str] = {}
    for ext in (element or {}).get("extension") or []:
        if not isinstance(ext, Mapping) or ext.get("url") != TRANSLATION:
            continue
        parts = {e.get("url"): e for e in ext.get("extension") or [] if isinstance(e, Mapping)}
        tag = (parts.get("lang") or {}).get("valueCode")
        text = (parts.get("content") or {}).get("valueString")
        if tag and text:
            out[str(tag)] = str(text)
    return out


def _computable_name(name: str) -> str:
    # FHIR's que-0: a name usable by machines, [A-Z]([A-Za-z0-9_]){0,254}.
    words = re.findall(r"[A-Za-z0-9]+", name)
    out = "".join(w[:1].upper() + w[1:] for w in words) or "Instrument"
    if not out[0].isalpha():
        out = f"Q{out}"
    return out[:255]


def _scoring_text(inst: Instrument) -> str:
    keyed = (" (reverse-keyed items as min + max - x; their answer weights are already "
             "reversed)") if inst.reversed_items else ""
    lines = [f"Scoring{keyed}:"]
    lines += [f"- {name} ({sc.name}): {rule_text(scoring_rule(inst, name))}"
              for name, sc in inst.scales.items()]
    return "\n".join(lines)


# -- responses -----------------------------------------------------------------------------


def read_fhir_responses(
    bundle_or_list: Any,
    instrument: Instrument | str,
    *,
    link_ids: Mapping[str, str] | None = None,
    questionnaire: Any = None,
) -> pd.DataFrame:
    """FHIR ``QuestionnaireResponse`` resources as a response DataFrame (one row each).

    Parameters
    ----------
    bundle_or_list
        A ``Bundle`` of QuestionnaireResponses, one QuestionnaireResponse, or a list of
        them: as dicts, as objects of a FHIR library (anything with ``model_dump_json`` or
        ``json()``), as a JSON string, or the path of a JSON file.
    instrument
        The instrument answered (an Instrument or a built-in id).
    link_ids
        Item id -> ``linkId`` where the Questionnaire's linkIds are not the item ids.
    questionnaire
        The Questionnaire answered (a dict, JSON text or file path). Its answer options,
        contained ValueSets and CodeSystems resolve answers given by code only (LOINC
        answer codes, say) to the option's weight; for a reverse-keyed item whose weights
        fall as the codes rise (as :func:`to_fhir_questionnaire` writes them) the weight is
        turned back into the response code.

    Returns
    -------
    DataFrame
        ``response_id``, ``subject``, ``authored``, ``status``, ``questionnaire``, then one
        column per item (named by item id). Answers are decoded to response codes: through
        the ``questionnaire``'s options when given; else a numeric code, a weight
        extension on the answer, or the display label; integers and decimals as they are;
        strings that are a number or a label. Anything else stays as text so that
        :func:`psychometrics.validate` reports it. A :class:`PsychometricsWarning` names
        the linkIds that match no item.

    Raises
    ------
    DataValidationError
        When an input is not a QuestionnaireResponse, or answers another instrument's
        Questionnaire (by its ``urn:psychometrics:instrument:`` canonical).

    Examples
    --------
    >>> from psychometrics import read_fhir_responses
    >>> qr = {"resourceType": "QuestionnaireResponse", "id": "r1", "status": "completed",
    ...       "questionnaire": "urn:psychometrics:instrument:who5|1.0.0",
    ...       "item": [{"linkId": f"who5_{j}", "answer": [{"valueCoding": {"code": str(j)}}]}
    ...                for j in range(1, 6)]}
    >>> read_fhir_responses(qr, "who5").iloc[0, 5:].tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    inst = as_instrument(instrument)
    links = {iid: iid for iid in inst.item_ids}
    if link_ids is not None:
        unknown = [k for k in link_ids if k not in inst.item_map]
        if unknown:
            raise ValueError(f"link_ids maps unknown item id(s) {', '.join(unknown)}")
        links.update({k: str(v) for k, v in link_ids.items()})
    by_link = {v: k for k, v in links.items()}
    clash = [c for c in META_COLUMNS if c in inst.item_map]
    if clash:
        raise ValueError(f"item id(s) {', '.join(clash)} clash with response columns")

    labels = {iid: label_codes(inst.item_scale(iid)) for iid in inst.item_ids}
    resolvers = _resolvers(inst, links, questionnaire)
    scores = set(score_link_ids(inst).values())
    resources = list(_responses(_load(bundle_or_list)))
    records: list[dict[str, Any]] = []
    unmapped: set[str] = set()
    for n, qr in enumerate(resources):
        _check_questionnaire(qr, inst, n)
        row: dict[str, Any] = {
            "response_id": qr.get("id"),
            "subject": (qr.get("subject") or {}).get("reference"),
            "authored": qr.get("authored"),
            "status": qr.get("status"),
            "questionnaire": qr.get("questionnaire"),
        }
        for link, answers in _answers(qr.get("item") or []):
            iid = by_link.get(link)
            if iid is None:
                if link not in scores:  # our score items: computed, not answers
                    unmapped.add(link)
                continue
            values = [_decode(a, labels[iid], resolvers.get(iid)) for a in answers]
            values = [v for v in values if v is not None]
            if not values:
                continue
            if len(values) > 1:
                warnings.warn(f"response {row['response_id'] or n}: item {iid} has "
                              f"{len(values)} answers; kept as text for validation to report",
                              PsychometricsWarning, stacklevel=2)
                row[iid] = " | ".join(str(v) for v in values)
            else:
                row[iid] = values[0]
        records.append(row)
    frame = pd.DataFrame.from_records(records, columns=META_COLUMNS + inst.item_ids)
    for iid in inst.item_ids:
        frame[iid] = _numeric_if_possible(frame[iid])
    frame.attrs["fhir"] = {"unmapped_link_ids": sorted(unmapped)}
    if unmapped:
        empty = [iid for iid in inst.item_ids if frame[iid].isna().all()]
        shown = ", ".join(sorted(unmapped)[:8]) + (" ..." if len(unmapped) > 8 else "")
        lost = (f"; items {_span(empty)} have no answers (are the linkIds the item ids? "
                "map them with link_ids=)") if empty else ""
        warnings.warn(f"{len(unmapped)} linkId(s) in the responses match no item of "
                      f"{inst.id} and were not read: {shown}{lost}", PsychometricsWarning,
                      stacklevel=2)
    return frame


def _span(ids: list[str]) -> str:
    return ", ".join(ids) if len(ids) <= 4 else f"{ids[0]} ... {ids[-1]} ({len(ids)})"


class _Resolver:
    """Answer coding -> response code through one Questionnaire item's options."""

    def __init__(self, options: list[Any], rs: ResponseScale, reverse: bool) -> None:
        self.options = options
        weights = [o.weight for o in options if o.weight is not None]
        # Weights falling along the options: the Questionnaire already reversed them.
        self.unreverse = (reverse and len(weights) >= 2 and weights[0] > weights[-1])
        self.total = rs.min + rs.max

    def code(self, coding: Mapping[str, Any]) -> float | None:
        from psychometrics.exports.fhir_options import find_option

        opt = find_option(self.options, coding)
        if opt is None or opt.weight is None:
            return None
        return self.total - opt.weight if self.unreverse else opt.weight


def _resolvers(inst: Instrument, links: dict[str, str], questionnaire: Any
               ) -> dict[str, _Resolver]:
    if questionnaire is None:
        return {}
    from psychometrics.exports.fhir_options import item_options

    q = _as_dict(_load(questionnaire))
    if not isinstance(q, Mapping) or q.get("resourceType") != "Questionnaire":
        raise DataValidationError("questionnaire= is not a FHIR Questionnaire")
    options = item_options(q)
    return {iid: _Resolver(options[link], inst.item_scale(iid), inst.item_map[iid].reverse)
            for iid, link in links.items() if link in options}


def _load(source: Any) -> Any:
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not
                                           source.lstrip().startswith(("{", "["))):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no FHIR JSON file at '{path}'")
        return json.loads(path.read_text(encoding="utf-8"))
    if isinstance(source, str):
        return json.loads(source)
    return source


def _as_dict(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj
    for method in ("model_dump_json", "json"):
        fn = getattr(obj, method, None)
        if callable(fn):
            return json.loads(fn())
    return obj


def _responses(source: Any) -> Iterable[dict[str, Any]]:
    source = _as_dict(source)
    if isinstance(source, list | tuple):
        for entry in source:
            yield from _responses(entry)
        return
    if not isinstance(source, Mapping):
        raise DataValidationError(f"expected a FHIR resource (a JSON object), got "
                                  f"{type(source).__name__}")
    kind = source.get("resourceType")
    if kind == "Bundle":
        for k, entry in enumerate(source.get("entry") or []):
            resource = _as_dict((entry or {}).get("resource"))
            if isinstance(resource, Mapping) and resource.get("resourceType") == \
                    "QuestionnaireResponse":
                yield dict(resource)
            elif resource is not None and (resource or {}).get("resourceType") not in (
                    "OperationOutcome", "Questionnaire", "Patient", "Practitioner"):
                raise DataValidationError(
                    f"Bundle entry {k}: {(resource or {}).get('resourceType')!r} is not a "
                    "QuestionnaireResponse")
        return
    if kind != "QuestionnaireResponse":
        raise DataValidationError(f"resourceType {kind!r} is not a QuestionnaireResponse "
                                  "or a Bundle of them")
    yield dict(source)


def _check_questionnaire(qr: Mapping[str, Any], inst: Instrument, n: int) -> None:
    ref = str(qr.get("questionnaire") or "")
    prefix = f"{SYSTEM_INSTRUMENT}:"
    if ref.startswith(prefix):
        answered = ref[len(prefix):].split("|", 1)[0]
        if answered != inst.id:
            raise DataValidationError(
                f"response {qr.get('id') or n} answers questionnaire '{ref}', not "
                f"'{canonical_url(inst)}'")


def _answers(items: list[Any]) -> Iterable[tuple[str, list[dict[str, Any]]]]:
    """(linkId, answers) of every item, nested groups and answer sub-items included."""
    for item in items:
        if not isinstance(item, Mapping):
            continue
        answers = [a for a in item.get("answer") or [] if isinstance(a, Mapping)]
        if answers:
            yield str(item.get("linkId")), answers
        yield from _answers(item.get("item") or [])
        for answer in answers:
            yield from _answers(answer.get("item") or [])


def _decode(answer: Mapping[str, Any], labels: dict[str, int],
            resolver: _Resolver | None = None) -> Any:
    if resolver is not None:
        key = next((k for k in ("valueCoding", "valueString", "valueInteger")
                    if k in answer), None)
        if key is not None:
            value = answer[key]
            coding = value if key == "valueCoding" else {"code": str(value),
                                                         "display": str(value)}
            resolved = resolver.code(coding or {})
            if resolved is not None:
                return resolved
    ordinal = _ordinal(answer.get("extension"))
    if ordinal is not None:
        return ordinal
    if "valueCoding" in answer:
        coding = answer["valueCoding"] or {}
        number = _number(coding.get("code"))
        if number is not None and number in labels.values():
            return number
        ordinal = _ordinal(coding.get("extension"))
        if ordinal is not None:
            return ordinal
        code = coding.get("code")
        number = _number(code)
        if number is not None:
            return number
        display = label_key(str(coding.get("display") or ""))
        if display in labels:
            return float(labels[display])
        return str(code) if code is not None else None
    for key in ("valueInteger", "valueDecimal"):
        if key in answer:
            return float(answer[key])
    if "valueString" in answer:
        text = str(answer["valueString"])
        number = _number(text)
        if number is not None:
            return number
        key = label_key(text)
        return float(labels[key]) if key in labels else text
    if "valueBoolean" in answer:
        return float(bool(answer["valueBoolean"]))
    kinds = [k for k in answer if k.startswith("value")]
    return f"<{kinds[0]}>" if kinds else None


def _ordinal(extensions: Any) -> float | None:
    for ext in extensions or []:
        if isinstance(ext, Mapping) and ext.get("url") in ORDINAL_URLS:
            for key in ("valueDecimal", "valueInteger"):
                if key in ext:
                    return float(ext[key])
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _numeric_if_possible(column: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(column, errors="coerce")
    present = column.notna()
    if bool((numeric.notna() == present).all()):
        return numeric.astype(float)
    return column.astype(object).where(present, np.nan)
