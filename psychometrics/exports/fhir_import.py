"""A FHIR Questionnaire (R4 or R5) as an instrument definition.

Coded items (``choice``, ``open-choice``, ``coding``) with answer options become items; the
options' weights (``itemWeight``, ``ordinalValue``, or a contained CodeSystem's property)
become the response codes, and weights falling along the options mark a reverse-keyed
item (see :func:`~psychometrics.exports._importing.codes_from_scores`). Item and
Questionnaire codes (LOINC) are kept. A Questionnaire written by
:func:`~psychometrics.exports.to_fhir_questionnaire` carries the rest of the definition in
its ``urn:psychometrics:fhir:*`` extensions and comes back exactly; from any other
Questionnaire everything that has no place in the definition is listed in ``losses``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from psychometrics.errors import DefinitionError
from psychometrics.exports._common import Loss, parse_placeholder, required_items
from psychometrics.exports._importing import (
    InstrumentImport,
    ScaleSet,
    Translations,
    assemble,
    check_instrument_id,
    codes_from_scores,
    instrument_id_from,
    item_id_from,
    placeholder_meta,
    short,
    valid_item_id,
)
from psychometrics.exports.fhir import (
    CALCULATED,
    EXT_DEFINITION,
    EXT_ITEM,
    EXT_SCALE,
    SYSTEM_HASH,
    read_translations,
)
from psychometrics.exports.fhir_options import item_options
from psychometrics.schema import ResponseScale

CODED = {"choice", "open-choice", "coding"}
_KNOWN_ITEM_KEYS = {"linkId", "text", "type", "answerOption", "answerValueSet", "item",
                    "extension", "code", "prefix", "required", "readOnly", "repeats",
                    "answerConstraint"}


def _load_questionnaire(source: Any) -> tuple[dict[str, Any], str]:
    if isinstance(source, Mapping):
        return dict(source), "<Questionnaire>"
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return json.loads(source), "<Questionnaire>"
    path = Path(os.fspath(source))
    if not path.is_file():
        raise FileNotFoundError(f"no FHIR Questionnaire at '{path}'")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"'{path.name}' is not JSON: {exc.msg} at line {exc.lineno}",
                              file=path.name) from None
    return data, path.name


def _ext(element: Mapping[str, Any], url: str) -> Any:
    for ext in element.get("extension") or []:
        if isinstance(ext, Mapping) and ext.get("url") == url:
            value = ext.get("valueString")
            if value is not None and url.startswith("urn:psychometrics:"):
                try:
                    return json.loads(value)
                except json.JSONDecodeError:
                    return None
            return ext
    return None


def from_fhir(source: Any, *, instrument_id: str | None = None) -> InstrumentImport:
    """Build an instrument from a FHIR Questionnaire, listing what could not be mapped.

    Parameters
    ----------
    source
        The Questionnaire: a dict, JSON text, or the path of a JSON file.
    instrument_id
        Id of the new instrument (default: the exported id, else the Questionnaire's
        ``name``, ``id`` or title in kebab-case).

    Examples
    --------
    >>> from psychometrics import load_instrument
    >>> from psychometrics.exports import from_fhir, to_fhir_questionnaire
    >>> result = from_fhir(to_fhir_questionnaire("acs"))
    >>> result.instrument == load_instrument("acs"), result.exact
    (True, True)
    """
    q, name = _load_questionnaire(source)
    if q.get("resourceType") != "Questionnaire":
        raise DefinitionError(f"'{name}' is not a FHIR Questionnaire (resourceType "
                              f"{q.get('resourceType')!r})", file=name)
    check_instrument_id(instrument_id, name)
    return _FhirImporter(q, name, instrument_id).run()


class _FhirImporter:
    def __init__(self, q: dict[str, Any], name: str, instrument_id: str | None) -> None:
        self.q, self.name, self.instrument_id = q, name, instrument_id
        self.losses: list[Loss] = []
        self.notes: list[str] = []
        self.meta = _ext(q, EXT_DEFINITION)
        self.options = item_options(q)
        self.scales = ScaleSet()
        self.items: list[dict[str, Any]] = []
        self.score_specs: dict[str, dict[str, Any]] = {}
        self.instructions: str | None = None
        self.taken: set[str] = set()
        self.answer_systems: set[str] = set()
        self._link_of: dict[str, str] = {}  # item id -> linkId
        self.tr = Translations(self.lose)

    def lose(self, where: str, what: str, reason: str) -> None:
        self.losses.append(Loss(where, what, reason))

    def run(self) -> InstrumentImport:
        self._walk(self.q.get("item") or [], depth=0)
        for system in sorted(self.answer_systems):
            self.lose("answer options", f"codes of {system}", "the response codes are the "
                      "options' scores; the answer codes themselves are not kept (read "
                      "responses with questionnaire= to resolve them)")
        data = self._meta()
        renamed = [n for n in self.notes if n.startswith("linkId ")]
        if self.meta is None and renamed:
            data["notes"] = (f"Imported from the FHIR Questionnaire '{self.name}'; "
                             f"{'; '.join(renamed)}.")
        if self.meta is None and self.q.get("code"):
            data["codes"] = [_code(c) for c in self.q["code"]]
        data["instructions"] = self.instructions
        data["scales"] = self.score_specs or self._fallback_scale()
        for tag, text in read_translations(self.q.get("_title")).items():
            self.tr.set(tag, "name", text)
        data["translations"] = self.tr.result()
        if self.meta is None and any("text" not in i for i in self.items):
            data["licence"] = {**data["licence"], "item_text": "restricted"}
        inst = assemble(data, self.scales, self.items, self.name)
        required = {str(i.get("linkId")) for i in _all_items(self.q) if i.get("required")}
        derived = {self._link_of[iid] for iid in required_items(inst)}
        if required != derived and (self.meta is not None or required):
            given = short(", ".join(sorted(required)) or "none", 50)
            needed = short(", ".join(sorted(derived)) or "none", 50)
            self.lose("items", "required", f"required answers ({given}) are not kept: the "
                      "definition requires what its scales' missing-item rules need "
                      f"({needed})")
        sha = next((i.get("value") for i in self.q.get("identifier") or []
                    if i.get("system") == SYSTEM_HASH), None)
        return InstrumentImport(inst, f"FHIR Questionnaire '{self.name}'", self.losses,
                                self.notes, sha if self.meta is not None else None)

    def _walk(self, items: list[Any], depth: int) -> None:
        for item in items:
            if not isinstance(item, Mapping):
                continue
            link = str(item.get("linkId"))
            kind = item.get("type")
            if kind == "group":
                if depth == 0 and self.meta is None:
                    codes = ", ".join(str(c.get("code")) for c in item.get("code") or [])
                    self.lose(link, "group", f"{short(item.get('text') or '')!r}"
                              f"{f' (code {codes})' if codes else ''}: groups are not kept; "
                              "their items were imported in order")
                self._walk(item.get("item") or [], depth + 1)
                continue
            if kind == "display":
                if self.instructions is None and not self.items and item.get("text"):
                    self.instructions = str(item["text"])
                    for tag, text in read_translations(item.get("_text")).items():
                        self.tr.set(tag, "instructions", text)
                else:
                    self.lose(link, "display text", f"{short(item.get('text') or '')!r} not "
                              "carried (only the first display item becomes the instructions)")
                continue
            spec = _ext(item, EXT_SCALE)
            if isinstance(spec, dict) and isinstance(spec.get("key"), str):
                spec = dict(spec)
                self.score_specs[spec.pop("key")] = spec
                continue
            if _ext(item, CALCULATED) is not None or (kind in {"decimal", "integer"} and \
                    item.get("readOnly")):
                self.lose(link, "calculated item", f"{short(item.get('text') or '')!r}: "
                          "a foreign calculatedExpression is not parsed; define the score as "
                          "a scale in the YAML")
                continue
            if kind in CODED and link in self.options:
                self._item(item, link)
            else:
                self.lose(link, f"{kind} item", "only items with coded answer options "
                          "become items")
            if item.get("item"):
                self._walk(item["item"], depth + 1)

    def _item(self, item: Mapping[str, Any], link: str) -> None:
        info = _ext(item, EXT_ITEM)
        info = info if isinstance(info, dict) else {}
        options = self.options[link]
        codes, reverse, problem = codes_from_scores([o.weight for o in options],
                                                    [o.code for o in options])
        if problem:
            self.lose(link, "scores", problem)
        for opt in options:
            if opt.system and not opt.system.startswith("urn:psychometrics:"):
                self.answer_systems.add(opt.system)
        labels = {}
        for code, opt in zip(codes, options, strict=True):
            labels[code] = opt.display or opt.code
        rs = ResponseScale(values=sorted(codes), labels=dict(sorted(labels.items())))
        wanted = info.get("scale") if isinstance(info.get("scale"), str) else None
        scale = self.scales.add(rs, wanted)
        iid = info.get("id") if valid_item_id(info.get("id")) else None
        if iid is None:
            iid = item_id_from(link, self.taken)
            if iid != link:
                self.notes.append(f"linkId '{link}' -> item {iid}")
        self.taken.add(iid)
        self._link_of[iid] = link
        out: dict[str, Any] = {"id": iid, "_scale": scale}
        text = str(item.get("text") or "")
        placeholder = parse_placeholder(text) if text else None
        if placeholder is not None and placeholder[0] == iid:
            out["paraphrase"] = info.get("paraphrase") or placeholder[1]
        else:
            out["text"] = text or iid
            if not text:
                self.lose(link, "text", "the item has no text; its linkId was used")
            if info.get("paraphrase") is not None:
                out["paraphrase"] = info["paraphrase"]
        if info and bool(info.get("reverse")) != reverse:
            said = "reverse" if reverse else "not reverse"
            self.lose(link, "reverse key", f"the weights say {said}-keyed, the exported "
                      "definition the opposite; the weights were followed")
        if "text" in out:
            for tag, text in read_translations(item.get("_text")).items():
                self.tr.item(tag, iid, text)
        raw = [o.get("valueCoding") or {} for o in item.get("answerOption") or []]
        if len(raw) == len(codes):
            for code, coding in zip(codes, raw, strict=True):
                for tag, text in read_translations(coding.get("_display")).items():
                    self.tr.label(tag, scale, code, text, link)
        if reverse:
            out["reverse"] = True
            if not info:
                self.notes.append(f"item {iid}: reverse-keyed (its scores fall along the "
                                  "options)")
        if info.get("response_scale"):
            out["response_scale"] = info["response_scale"]
        if item.get("code"):
            out["codes"] = [_code(c) for c in item["code"]]
        for key in ("enableWhen", "enableBehavior", "initial", "definition", "maxLength"):
            if key in item:
                self.lose(link, key, "not carried: the instrument has no conditional display "
                          "or defaults; every item is always asked")
        if item.get("repeats"):
            self.lose(link, "repeats", "several answers per item cannot be one coded answer")
        self.items.append(out)

    def _meta(self) -> dict[str, Any]:
        if self.meta is not None:
            meta = dict(self.meta)
            meta.pop("instructions", None)
            if self.instrument_id:
                meta["id"] = self.instrument_id
            return meta
        q = self.q
        title = str(q.get("title") or q.get("name") or q.get("id") or "Imported instrument")
        origin = str(q.get("id") or q.get("name") or title)
        iid = self.instrument_id or instrument_id_from(origin)
        where = f"FHIR Questionnaire '{self.name}'"
        meta = placeholder_meta(where, iid, title, self.lose,
                                have={k for k, key in (("version", "version"),
                                                       ("description", "description"),
                                                       ("licence", "copyright"),
                                                       ("follows", "url"),
                                                       ("construct", "purpose")) if q.get(key)})
        if q.get("version"):
            meta["version"] = str(q["version"])
        if q.get("description"):
            meta["description"] = str(q["description"])
        if q.get("purpose"):
            meta["construct"] = str(q["purpose"])
        if q.get("copyright"):
            meta["licence"] = {**meta["licence"], "note": str(q["copyright"])}
        if q.get("language"):
            meta["language"] = str(q["language"])
        if q.get("url"):
            meta["follows"] = f"The FHIR Questionnaire {q['url']}" + (
                f" version {q['version']}" if q.get("version") else "") + "."
        if self.instrument_id is None and iid != origin:
            self.notes.append(f"instrument id {iid} (from {origin!r})")
        return meta

    def _fallback_scale(self) -> dict[str, Any]:
        self.lose("scales", "scoring", "no score item exported by psychometrics: a scale "
                  "'total' (sum of the items' scores, every item needed) was written; edit it")
        ids = [i["id"] for i in self.items]
        return {"total": {"name": "Total", "items": ids, "method": "sum",
                          "min_answered": len(ids)}}


def _all_items(q: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    from psychometrics.exports.fhir_options import walk_items

    return list(walk_items(q.get("item") or []))


def _code(c: Mapping[str, Any]) -> dict[str, Any]:
    return {k: str(c[k]) for k in ("system", "code", "display") if c.get(k) is not None}

