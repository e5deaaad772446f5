"""A ReproSchema activity (a folder with ``<name>_schema`` and ``items/``) as an instrument.

Items with a choice list (``radio``, ``select``) become items; the choices' values are the
scores, and values falling along the choices mark a reverse-keyed item whose codes rise, as
for FHIR weights. Texts in the instrument language become the item text (the first
language of the activity, else ``en``). A folder written by
:func:`~psychometrics.exports.write_reproschema` carries the rest of the definition in the
notes (``additionalNotesObj``) of its items and comes back exactly; from any other activity
everything that has no place in the definition is listed in ``losses``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from psychometrics.errors import DefinitionError
from psychometrics.exports._common import Loss, parse_placeholder
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
from psychometrics.schema import ResponseScale

CHOICE_INPUTS = {"radio", "select", "selectLanguage"}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"'{path}' is not a readable JSON-LD document: {exc}",
                              file=str(path)) from None
    if not isinstance(data, dict):
        raise DefinitionError(f"'{path}' is not a JSON object", file=str(path))
    return data


def _find_activity(source: Path) -> Path:
    if source.is_file():
        return source
    if not source.is_dir():
        raise FileNotFoundError(f"no ReproSchema activity at '{source}'")
    found = []
    for path in sorted(source.iterdir()):
        if path.is_file() and (path.name.endswith("_schema") or path.suffix in
                               {".jsonld", ".json"}):
            try:
                doc = json.loads(path.read_text(encoding="utf-8-sig"))
            except (OSError, json.JSONDecodeError):
                continue
            kind = str(doc.get("category") or doc.get("@type") or "")
            if kind.endswith("Activity"):
                found.append(path)
    if len(found) != 1:
        what = "no" if not found else f"{len(found)} ({', '.join(p.name for p in found)})"
        raise DefinitionError(f"'{source}' holds {what} ReproSchema activity documents; "
                              "give the folder of one activity or its schema file",
                              file=str(source))
    return found[0]


def _text(value: Any, lang: str) -> str | None:
    if isinstance(value, Mapping):
        if lang in value:
            return str(value[lang])
        return str(next(iter(value.values()))) if value else None
    return None if value is None else str(value)


def _notes(doc: Mapping[str, Any]) -> dict[str, str]:
    return {str(n.get("column")): str(n.get("value")) for n in doc.get("additionalNotesObj")
            or [] if isinstance(n, Mapping) and n.get("source") == "psychometrics"}


def _json_note(notes: dict[str, str], key: str) -> Any:
    try:
        return json.loads(notes[key]) if key in notes else None
    except json.JSONDecodeError:
        return None


def from_reproschema(source: str | os.PathLike[str], *, instrument_id: str | None = None
                     ) -> InstrumentImport:
    """Build an instrument from a ReproSchema activity, listing what could not be mapped.

    Parameters
    ----------
    source
        The activity's folder (holding its ``*_schema`` document and ``items/``) or the
        activity document itself.
    instrument_id
        Id of the new instrument (default: the exported id, else the activity's name).

    Examples
    --------
    >>> import tempfile
    >>> from psychometrics import load_instrument
    >>> from psychometrics.exports import from_reproschema, write_reproschema
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_reproschema("gse", tmp)
    ...     result = from_reproschema(f"{tmp}/activities/gse")
    >>> result.instrument == load_instrument("gse"), result.exact
    (True, True)
    """
    activity_path = _find_activity(Path(source))
    check_instrument_id(instrument_id, activity_path.name)
    return _ReproImporter(activity_path, instrument_id).run()


class _ReproImporter:
    def __init__(self, path: Path, instrument_id: str | None) -> None:
        self.path, self.folder = path, path.parent
        self.activity = _read(path)
        self.instrument_id = instrument_id
        self.losses: list[Loss] = []
        self.notes: list[str] = []
        self.scales = ScaleSet()
        self.items: list[dict[str, Any]] = []
        self.specs: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, Any] | None = None
        self.sha: str | None = None
        self.taken: set[str] = set()
        self.tr = Translations(self.lose)
        names = self.activity.get("prefLabel") or self.activity.get("description") or {}
        self.lang = next(iter(names), "en") if isinstance(names, Mapping) else "en"

    def lose(self, where: str, what: str, reason: str) -> None:
        self.losses.append(Loss(where, what, reason))

    def run(self) -> InstrumentImport:
        ui = self.activity.get("ui") or {}
        props = {str(p.get("isAbout")): p for p in ui.get("addProperties") or []
                 if isinstance(p, Mapping)}
        computed = {str(c.get("variableName")) for c in self.activity.get("compute") or []
                    if isinstance(c, Mapping)}
        for ref in ui.get("order") or []:
            path = (self.folder / str(ref)).resolve()
            if not path.is_file():
                self.lose(str(ref), "item", "the document is not in the folder (remote "
                          "references are not fetched)")
                continue
            doc = _read(path)
            prop = props.get(str(ref), {})
            if prop.get("isVis") not in (None, True) and not isinstance(prop.get("isVis"),
                                                                         bool):
                self.lose(str(ref), "visibility condition", f"{short(prop['isVis'])!r} not "
                          "carried: every item is always asked")
            self._doc(doc, str(ref), prop, computed)
        for comp in self.activity.get("compute") or []:
            name = str(comp.get("variableName"))
            if not any(name == s.get("_field") for s in self.specs.values()):
                self.lose(name, "compute", f"{short(comp.get('jsExpression') or '')!r}: a "
                          "foreign jsExpression is not parsed; define the score as a scale")
        specs = {k: {kk: vv for kk, vv in v.items() if kk != "_field"}
                 for k, v in self.specs.items()}
        data = self._meta()
        renamed = [n for n in self.notes if n.startswith("item '")]
        if self.meta is None and renamed:
            data["notes"] = (f"Imported from the ReproSchema activity '{self.path.name}'; "
                             f"{'; '.join(renamed)}.")
        preamble = _text(self.activity.get("preamble"), self.lang)
        data["instructions"] = preamble or None
        data["scales"] = specs or self._fallback_scale()
        for key, what in (("prefLabel", "name"), ("preamble", "instructions")):
            for tag, text in self._others(self.activity.get(key)).items():
                self.tr.set(tag, what, text)
        data["translations"] = self.tr.result()
        if self.meta is None and any("text" not in i for i in self.items):
            data["licence"] = {**data["licence"], "item_text": "restricted"}
        inst = assemble(data, self.scales, self.items, self.path.name)
        return InstrumentImport(inst, f"ReproSchema activity '{self.path.name}'",
                                self.losses, self.notes, self.sha if self.meta else None)

    def _doc(self, doc: dict[str, Any], ref: str, prop: Mapping[str, Any],
             computed: set[str]) -> None:
        notes = _notes(doc)
        spec = _json_note(notes, "scale")
        if isinstance(spec, dict) and isinstance(spec.get("key"), str):
            spec = dict(spec)
            key = spec.pop("key")
            self.specs[key] = {**spec, "_field": str(doc.get("id"))}
            meta = _json_note(notes, "definition_json")
            if isinstance(meta, dict) and self.meta is None:
                self.meta = meta
                self.sha = notes.get("definition_sha256")
            return
        kind = str((doc.get("ui") or {}).get("inputType") or "")
        options = doc.get("responseOptions")
        if isinstance(options, str):  # a shared valueConstraints document
            target = (self.folder / ref).parent / options
            options = _read(target) if target.is_file() else {}
        choices = (options or {}).get("choices") if isinstance(options, Mapping) else None
        name = str(doc.get("id") or Path(ref).name)
        if str(prop.get("variableName")) in computed:
            return  # a score item; its compute entry is reported above
        if kind not in CHOICE_INPUTS or not choices:
            self.lose(name, f"{kind or 'untyped'} item", "only items with a choice list "
                      "become items")
            return
        if (options or {}).get("multipleChoice"):
            self.lose(name, "multiple choice", "several answers per item cannot be one "
                      "coded answer")
            return
        values = [c.get("value") for c in choices]
        labels_shown = [_text(c.get("name"), self.lang) or str(c.get("value"))
                        for c in choices]
        scores = [float(v) if isinstance(v, int | float) and not isinstance(v, bool)
                  else None for v in values]
        codes, reverse, problem = codes_from_scores(scores, [str(v) for v in values])
        if problem:
            self.lose(name, "choice values", problem)
        info = _json_note(notes, "item")
        info = info if isinstance(info, dict) else {}
        if info.get("reverse") and not reverse:
            reverse = True  # our export keeps codes rising and notes the reverse key
        elif "reverse" in notes and notes["reverse"] == "true" and not reverse:
            reverse = True
        rs = ResponseScale(values=sorted(codes),
                           labels=dict(sorted(zip(codes, labels_shown, strict=True))))
        wanted = notes.get("response_scale") or info.get("scale")
        scale = self.scales.add(rs, wanted if isinstance(wanted, str) else None)
        iid = info.get("id") if valid_item_id(info.get("id")) else None
        if iid is None:
            iid = item_id_from(name, self.taken)
            if iid != name:
                self.notes.append(f"item '{name}' -> item id {iid}")
        self.taken.add(iid)
        out: dict[str, Any] = {"id": iid, "_scale": scale}
        question = _text(doc.get("question"), self.lang) or ""
        placeholder = parse_placeholder(question) if question else None
        if placeholder is not None and placeholder[0] == iid:
            out["paraphrase"] = info.get("paraphrase") or placeholder[1]
        else:
            out["text"] = question or _text(doc.get("prefLabel"), self.lang) or iid
            if info.get("paraphrase") is not None:
                out["paraphrase"] = info["paraphrase"]
        if "text" in out:
            for tag, text in self._others(doc.get("question")).items():
                self.tr.item(tag, iid, text)
        for code, choice in zip(codes, choices, strict=True):
            for tag, text in self._others(choice.get("name")).items():
                self.tr.label(tag, scale, code, text, name)
        if reverse:
            out["reverse"] = True
            if not info:
                self.notes.append(f"item {iid}: reverse-keyed (its choice values fall)")
        if info.get("response_scale"):
            out["response_scale"] = info["response_scale"]
        if info.get("codes"):
            out["codes"] = info["codes"]
        self.items.append(out)

    def _others(self, value: Any) -> dict[str, str]:
        """The texts of a language map in languages other than the instrument's."""
        if not isinstance(value, Mapping):
            return {}
        return {str(k): str(v) for k, v in value.items() if k != self.lang and v}

    def _meta(self) -> dict[str, Any]:
        if self.meta is not None:
            meta = dict(self.meta)
            meta.pop("instructions", None)
            if self.instrument_id:
                meta["id"] = self.instrument_id
            return meta
        a = self.activity
        title = _text(a.get("prefLabel"), self.lang) or str(a.get("id") or "Imported")
        origin = str(a.get("id") or self.path.name).removesuffix("_schema")
        iid = self.instrument_id or instrument_id_from(origin)
        where = f"ReproSchema activity '{self.path.name}'"
        have = {k for k, key in (("version", "version"), ("description", "description"))
                if a.get(key)}
        if a.get("citation"):
            have.add("citations")
        meta = placeholder_meta(where, iid, title, self.lose, have=have)
        if a.get("version"):
            meta["version"] = str(a["version"])
        description = _text(a.get("description"), self.lang)
        if description:
            meta["description"] = description
        citation = _text(a.get("citation"), self.lang)
        if citation:
            meta["citations"] = [{"text": citation}]
        meta["language"] = self.lang
        if self.instrument_id is None and iid != origin:
            self.notes.append(f"instrument id {iid} (from {origin!r})")
        return meta

    def _fallback_scale(self) -> dict[str, Any]:
        self.lose("scales", "scoring", "no score item exported by psychometrics: a scale "
                  "'total' (sum of the items' scores, every item needed) was written; edit it")
        ids = [i["id"] for i in self.items]
        return {"total": {"name": "Total", "items": ids, "method": "sum",
                          "min_answered": len(ids)}}
