"""The answer options of a FHIR Questionnaire's items, wherever the Questionnaire keeps them:
``answerOption`` (R4/R5), a contained ``ValueSet`` named by ``answerValueSet`` (its
expansion or its compose), and a contained ``CodeSystem`` that the ValueSet includes. Each
option carries its weight (score) from the ``itemWeight`` / ``ordinalValue`` extensions or a
CodeSystem ``itemWeight`` property. Used to read responses given by code only and to import
a Questionnaire as an instrument."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

WEIGHT_URLS = ("http://hl7.org/fhir/StructureDefinition/itemWeight",
               "http://hl7.org/fhir/StructureDefinition/ordinalValue",
               "http://hl7.org/fhir/StructureDefinition/questionnaire-ordinalValue")
_WEIGHT_PROPERTIES = {"itemWeight", "weight", "score", "ordinalValue", "value"}


@dataclass(frozen=True)
class Option:
    """One answer option: its coding (or plain value) and weight."""

    code: str
    display: str | None
    system: str | None
    weight: float | None
    where: str  # where it was found: answerOption, ValueSet ..., CodeSystem ...


def weight_of(extensions: Any) -> float | None:
    """The value of the first weight extension (itemWeight, ordinalValue) in a list."""
    for ext in extensions or []:
        if isinstance(ext, Mapping) and ext.get("url") in WEIGHT_URLS:
            for key in ("valueDecimal", "valueInteger"):
                if key in ext:
                    return float(ext[key])
    return None


def walk_items(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    """Every item of a Questionnaire, depth first (groups and nested items included)."""
    for item in items or []:
        if isinstance(item, Mapping):
            yield dict(item)
            yield from walk_items(item.get("item") or [])


def item_options(questionnaire: Mapping[str, Any]) -> dict[str, list[Option]]:
    """linkId -> the options of every item that has any, in the order they are shown."""
    contained = {str(r.get("id")): r for r in questionnaire.get("contained") or []
                 if isinstance(r, Mapping)}
    systems = {str(r.get("url")): r for r in contained.values()
               if r.get("resourceType") == "CodeSystem" and r.get("url")}
    out: dict[str, list[Option]] = {}
    for item in walk_items(questionnaire.get("item") or []):
        options = _answer_options(item) or _value_set_options(item, contained, systems)
        if options:
            out[str(item.get("linkId"))] = options
    return out


def _answer_options(item: Mapping[str, Any]) -> list[Option]:
    out = []
    for opt in item.get("answerOption") or []:
        if not isinstance(opt, Mapping):
            continue
        weight = weight_of(opt.get("extension"))
        if "valueCoding" in opt:
            c = opt["valueCoding"] or {}
            if weight is None:
                weight = weight_of(c.get("extension"))
            out.append(Option(str(c.get("code")), c.get("display"), c.get("system"), weight,
                              "answerOption"))
        else:
            for key in ("valueInteger", "valueString", "valueDate", "valueTime"):
                if key in opt:
                    out.append(Option(str(opt[key]), str(opt[key]), None, weight,
                                      "answerOption"))
    return out


def _value_set_options(item: Mapping[str, Any], contained: dict[str, Any],
                       systems: dict[str, Any]) -> list[Option]:
    ref = str(item.get("answerValueSet") or "")
    if not ref.startswith("#"):
        return []
    vs = contained.get(ref[1:])
    if not isinstance(vs, Mapping) or vs.get("resourceType") != "ValueSet":
        return []
    where = f"ValueSet {ref}"
    out = []
    for c in (vs.get("expansion") or {}).get("contains") or []:
        weight = weight_of(c.get("extension"))
        if weight is None:
            weight = _system_weight(systems, c.get("system"), c.get("code"))
        out.append(Option(str(c.get("code")), c.get("display"), c.get("system"), weight, where))
    if out:
        return out
    for inc in (vs.get("compose") or {}).get("include") or []:
        system = inc.get("system")
        concepts = inc.get("concept")
        if concepts is None and system in systems:  # the whole contained CodeSystem
            concepts = systems[system].get("concept") or []
        for c in concepts or []:
            weight = weight_of(c.get("extension"))
            if weight is None:
                weight = _system_weight(systems, system, c.get("code"))
            display = c.get("display") or _system_display(systems, system, c.get("code"))
            out.append(Option(str(c.get("code")), display, system, weight, where))
    return out


def _system_concept(systems: dict[str, Any], system: Any, code: Any) -> Mapping[str, Any]:
    for c in (systems.get(str(system)) or {}).get("concept") or []:
        if str(c.get("code")) == str(code):
            return c
    return {}


def _system_weight(systems: dict[str, Any], system: Any, code: Any) -> float | None:
    concept = _system_concept(systems, system, code)
    weight = weight_of(concept.get("extension"))
    if weight is not None:
        return weight
    for prop in concept.get("property") or []:
        if prop.get("code") in _WEIGHT_PROPERTIES:
            for key in ("valueDecimal", "valueInteger"):
                if key in prop:
                    return float(prop[key])
    return None


def _system_display(systems: dict[str, Any], system: Any, code: Any) -> str | None:
    return _system_concept(systems, system, code).get("display")


def find_option(options: list[Option], coding: Mapping[str, Any]) -> Option | None:
    """The option an answer's coding stands for: by system and code, else code alone,
    else display."""
    code, system = coding.get("code"), coding.get("system")
    if code is not None:
        for opt in options:
            if opt.code == str(code) and (system is None or opt.system in (None, system)):
                return opt
    display = coding.get("display")
    if display is not None:
        key = " ".join(str(display).split()).casefold()
        for opt in options:
            if opt.display is not None and " ".join(opt.display.split()).casefold() == key:
                return opt
    return None
