"""What the importers (FHIR Questionnaire, ReproSchema activity) share: the import report,
response scales collected from the options of each item, the scores of options turned into
codes and reverse keys, placeholders for what a format does not hold, and assembling a
valid definition with one-line messages for what is wrong."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from psychometrics.errors import DefinitionError, Problem
from psychometrics.exports._common import Loss
from psychometrics.schema import ID_PATTERN, ITEM_ID_PATTERN, Instrument, ResponseScale, dotted_path


@dataclass(frozen=True)
class InstrumentImport:
    """The outcome of :func:`~psychometrics.exports.from_fhir` or
    :func:`~psychometrics.exports.from_reproschema`.

    Attributes
    ----------
    instrument : Instrument
        The definition built from the source (valid; write it with
        :func:`psychometrics.exports.instrument_to_yaml`).
    source : str
        What was imported (file name and format).
    losses : list of Loss
        Everything in the source the definition does not carry, and every property filled
        with a placeholder because the source does not hold it.
    notes : list of str
        Informative remarks (names normalised, reverse keys inferred ...).
    exported_sha256 : str or None
        The definition hash recorded by our own export; equal to
        ``instrument.definition_hash`` after an exact round trip.
    """

    instrument: Instrument
    source: str
    losses: list[Loss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exported_sha256: str | None = None

    @property
    def exact(self) -> bool:
        """True when nothing was lost and the definition hash equals the exported one."""
        return (not self.losses and self.exported_sha256 is not None
                and self.exported_sha256 == self.instrument.definition_hash)

    def summary(self) -> str:
        inst = self.instrument
        lines = [f"{self.source} -> instrument {inst.id}: {len(inst.items)} items, "
                 f"{len(inst.response_scales)} response scale(s), {len(inst.scales)} scale(s)"]
        if self.exact:
            lines.append("exact round trip: definition sha256 matches the exported one")
        lines += [f"note: {n}" for n in self.notes]
        if self.losses:
            lines.append(f"not carried into the definition ({len(self.losses)}):")
            lines += [f"  - {loss}" for loss in self.losses]
        else:
            lines.append("nothing lost")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument.model_dump(mode="json", by_alias=True),
                "source": self.source, "losses": [vars(x) for x in self.losses],
                "notes": list(self.notes), "exported_sha256": self.exported_sha256}

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


class Translations:
    """Translated wording an importer finds, gathered into the ``translations`` of the
    definition; a second, different label for the same code of a scale is a loss."""

    def __init__(self, lose: Any) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.lose = lose

    def _tag(self, tag: str) -> dict[str, Any]:
        return self.data.setdefault(tag, {})

    def set(self, tag: str, what: str, text: str | None) -> None:
        if text:
            self._tag(tag)[what] = text

    def item(self, tag: str, item_id: str, text: str | None) -> None:
        if text:
            self._tag(tag).setdefault("items", {})[item_id] = text

    def label(self, tag: str, scale: str, code: int, text: str | None, where: str) -> None:
        if not text:
            return
        labels = self._tag(tag).setdefault("labels", {}).setdefault(scale, {})
        if labels.get(code, text) != text:
            self.lose(where, f"{tag} label of {code}", f"{text!r} differs from "
                      f"{labels[code]!r} given for another item of the response scale; the "
                      "first was kept")
            return
        labels[code] = text

    def result(self) -> dict[str, Any] | None:
        return {tag: tr for tag, tr in sorted(self.data.items()) if tr} or None


def codes_from_scores(scores: list[float | None], codes: list[str]
                      ) -> tuple[list[int], bool, str | None]:
    """Response codes of an item's options (in the order shown), whether the item is
    reverse-keyed, and why the scores could not be used (or None).

    Scores rising along the options are the codes; scores falling along them mark a
    reverse-keyed item whose codes rise (``code = min + max - score``, so that the
    instrument's ``min + max - code`` gives the score back). Without whole-number scores the
    options' own codes are used when they are whole numbers, else 1, 2, ... in the order
    shown.

    >>> codes_from_scores([0, 1, 2, 3], ["a", "b", "c", "d"])
    ([0, 1, 2, 3], False, None)
    >>> codes_from_scores([4, 3, 2, 1], ["a", "b", "c", "d"])
    ([1, 2, 3, 4], True, None)
    """
    whole = [s for s in scores if s is not None and float(s).is_integer()]
    if len(whole) == len(scores) and len(set(whole)) == len(whole) >= 2:
        w = [int(s) for s in whole]
        if w == sorted(w):
            return w, False, None
        if w == sorted(w, reverse=True):
            lo, hi = min(w), max(w)
            return [lo + hi - x for x in w], True, None
        return w, False, ("the scores do not rise or fall along the options; kept as codes, "
                          "shown in increasing order (check the reverse key)")
    reason = ("no score (itemWeight / ordinalValue) on every option" if len(whole) <
              len(scores) else "scores are not distinct whole numbers")
    try:
        ints = [int(c) for c in codes]
    except ValueError:
        ints = []
    if len(set(ints)) == len(codes) >= 2:
        return ints, False, f"{reason}: the option codes were taken as the scores"
    return list(range(1, len(codes) + 1)), False, (f"{reason} and the codes are not numbers: "
                                                   "coded 1, 2, ... in the order shown")


class ScaleSet:
    """Response scales collected from items: equal option sets share one scale."""

    def __init__(self) -> None:
        self.scales: dict[str, ResponseScale] = {}
        self._auto = 0

    def add(self, rs: ResponseScale, wanted: str | None = None) -> str:
        if wanted and (wanted not in self.scales or self.scales[wanted] == rs):
            self.scales[wanted] = rs
            return wanted
        for name, existing in self.scales.items():
            if existing == rs and not wanted:
                return name
        while True:
            self._auto += 1
            name = f"responses_{self._auto}"
            if name not in self.scales:
                break
        self.scales[name] = rs
        return name


def item_id_from(name: str, taken: set[str]) -> str:
    """A linkId or file name as an item id: letters, digits, ``_``, a letter first; unique."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "item"
    if not base[0].isalpha():
        base = f"q{base}"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}_{n}"
    return out


def instrument_id_from(name: str) -> str:
    """A title or file name as an instrument id (kebab-case).

    >>> instrument_id_from("PHQ9_Depression"), instrument_id_from("GAD-7 (v2)")
    ('phq9-depression', 'gad-7-v2')
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "imported"


def check_instrument_id(instrument_id: str | None, source: str) -> None:
    if instrument_id is not None and not re.match(ID_PATTERN, instrument_id):
        raise DefinitionError(f"instrument id {instrument_id!r} is not valid: use lowercase "
                              "letters and digits in words joined by '-', e.g. phq-9",
                              file=source)


def placeholder_meta(where: str, iid: str, title: str, lose: Any,
                     *, have: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """The required properties a foreign source does not hold, as placeholders, each
    reported through ``lose(where, what, reason)``; ``have`` names those it does hold."""
    text = f"not in the {where}; a placeholder was written: edit the YAML"
    missing = [k for k in ("version", "follows", "construct", "description") if k not in have]
    if missing:
        lose("instrument", ", ".join(missing), text)
    if "citations" not in have:
        lose("instrument", "citations", text)
    if "licence" not in have:
        lose("instrument", "licence", text + " (item text 'restricted' where the texts are "
             "licence placeholders, else 'free')")
    return {
        "id": iid, "name": title, "version": "0.1.0",
        "follows": f"Imported from the {where}.",
        "construct": f"not stated (imported from the {where})",
        "description": f"Imported from the {where}. Describe the instrument here.",
        "citations": [{"text": f"No reference: imported from the {where}. Add the "
                               "instrument's primary reference."}],
        "licence": {"item_text": "free",
                    "note": f"Unknown: imported from the {where}. Check the licence of the "
                            "item text before sharing this file."},
    }


def assemble(data: dict[str, Any], scales: ScaleSet, items: list[dict[str, Any]],
             source: str) -> Instrument:
    """Validate the definition built by an importer; ``items`` carry their response scale
    name as ``_scale`` (the commonest becomes the default unless ``data`` names one)."""
    if not items:
        raise DefinitionError(f"'{source}' has no question with coded answers to import as "
                              "an item", file=source)
    response_scales = {n: rs.model_dump() for n, rs in scales.scales.items()}
    for n, spec in (data.pop("unused_response_scales", None) or {}).items():
        response_scales.setdefault(n, {"values": spec["values"],
                                       "labels": {int(k): v for k, v in
                                                  spec["labels"].items()}})
    default = data.get("response_scale")
    if default not in response_scales:
        default = Counter(i["_scale"] for i in items).most_common(1)[0][0]
    out = []
    for item in items:
        item = dict(item)
        name = item.pop("_scale")
        if "response_scale" in item or name != default:
            item["response_scale"] = name
        out.append(item)
    data = {**data, "response_scales": response_scales, "response_scale": default,
            "items": out}
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([Problem(source, None, None, "import",
                                       f"the imported definition is invalid: {p}")
                               for p in validation_problems(exc)]) from None


def validation_problems(exc: ValidationError) -> list[str]:
    """pydantic's errors as one line each: where, what, the value."""
    out = []
    for err in exc.errors():
        where = dotted_path(tuple(err["loc"])) or "definition"
        value = err.get("input")
        shown = f" (got {short(repr(value), 40)})" if isinstance(value, str | int) else ""
        out.append(f"{where}: {err['msg']}{shown}")
    return out


def short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def valid_item_id(value: Any) -> bool:
    return isinstance(value, str) and re.match(ITEM_ID_PATTERN, value) is not None
