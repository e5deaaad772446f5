"""The instrument definition format: pydantic models of the YAML files in ``instruments/``.

The models are the documentation of the format: every field has a description, unknown keys
are errors (they are typos), and the JSON Schema exported by :func:`json_schema` (and
committed as ``instruments/instrument.schema.json``) lets editors complete and check YAML.

Structure is checked by pydantic; the rules that relate fields to each other (every scale
item exists, labels cover the scale, bands fit the score range ...) are checked by
:meth:`Instrument.problems`, which returns *all* problems with their location, so that
:func:`psychometrics.catalog.load_instrument` can report each with its file and line.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

Path = tuple[str | int, ...]

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ITEM_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
# BCP 47 in the shape used in practice: language, optional script, region or variants.
LANGUAGE_PATTERN = r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*"

SCHEMA_URL = "instrument.schema.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(_Strict):
    """A bibliographic reference for the instrument or one of its versions."""

    text: str = Field(description="The full reference, in any common citation style.")
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = Field(
        None, description="DOI without the resolver prefix, e.g. 10.1111/j.2044-8325.1990.tb00506.x"
    )
    url: str | None = Field(None, description="A stable URL where there is no DOI.")

    def __str__(self) -> str:
        """The reference as plain text, with ``doi:...`` when there is one."""
        return self.text.strip() + (f" doi:{self.doi}" if self.doi else "")


class Licence(_Strict):
    """Who may use the item text and how. Restricted text is never shipped or exported."""

    item_text: Literal["free", "restricted"] = Field(
        description="`free`: the item text may be shipped and exported. `restricted`: it may "
        "not; items carry a neutral `paraphrase` and users supply the text through an overlay."
    )
    holder: str | None = Field(None, description="The copyright holder.")
    note: str = Field(description="Terms in brief: who may use it, for what, at what cost.")


class ResponseScale(_Strict):
    """The answers an item accepts: ordered numeric codes, each with a label."""

    values: list[int] = Field(
        min_length=2, description="The allowed codes, in increasing order (e.g. [1, 2, 3, 4])."
    )
    labels: dict[int, str] = Field(
        description="A label for every code, e.g. {1: Not at all true, 4: Exactly true}."
    )

    @property
    def min(self) -> int:
        return min(self.values)

    @property
    def max(self) -> int:
        return max(self.values)

    @property
    def is_contiguous(self) -> bool:
        return self.values == list(range(self.min, self.max + 1))


class Code(_Strict):
    """A code from a terminology (LOINC, SNOMED CT ...) naming an item or the instrument,
    kept from an imported Questionnaire and written back into FHIR."""

    system: str = Field(description="The code system's URI, e.g. http://loinc.org")
    code: str = Field(description="The code, e.g. 44250-9")
    display: str | None = Field(None, description="The code's display text.")


class Item(_Strict):
    """One question of the instrument."""

    id: Annotated[str, Field(pattern=ITEM_ID_PATTERN)] = Field(
        description="Stable identifier, e.g. gse_1. Data columns are mapped to it."
    )
    text: str | None = Field(
        None, description="The item wording. Omit where the licence restricts the text."
    )
    paraphrase: str | None = Field(
        None, description="A short neutral description of the content, for restricted text."
    )
    reverse: bool = Field(False, description="Reverse-keyed: scored as min + max - x.")
    response_scale: str | None = Field(
        None, description="Name of a response scale overriding the instrument's default."
    )
    codes: list[Code] | None = Field(
        None, description="Terminology codes of the question (e.g. its LOINC code)."
    )


class Translation(_Strict):
    """The instrument's wording in another language. Anything left out is shown in the
    instrument's own language. Translated item text follows the licence like the original:
    it is exported only where the item's own text is (never for restricted text)."""

    name: str | None = Field(None, description="The instrument's name in this language.")
    instructions: str | None = Field(None, description="The instructions / stem.")
    items: dict[str, str] = Field(
        default_factory=dict, description="Item id -> the item text in this language."
    )
    labels: dict[str, dict[int, str]] = Field(
        default_factory=dict,
        description="Response scale name -> code -> the label in this language.",
    )


class Transform(_Strict):
    """A linear transform of the raw score: ``score * multiply + add``."""

    multiply: float = Field(1.0, description="Factor, e.g. 4 for the WHO-5 percentage score.")
    add: float = Field(0.0, description="Constant added after multiplying.")

    def apply(self, x: Any) -> Any:
        return x * self.multiply + self.add


class Band(_Strict):
    """An interpretation band. Bands are listed from low to high scores; a band holds the
    scores above the previous band's ``max`` up to its own ``max`` (inclusive). The last band
    omits ``max`` and takes every higher score, so every score falls in exactly one band."""

    max: float | None = Field(
        None, description="Highest score (inclusive) of the band; omit on the last band."
    )
    label: str = Field(description="What a score in this band suggests.")


class Scale(_Strict):
    """A score computed from items: a total or a subscale."""

    name: str = Field(description="Human-readable name of the score.")
    description: str | None = Field(None, description="What the score measures.")
    items: list[str] = Field(min_length=1, description="Item ids that enter the score.")
    method: Literal["mean", "sum"] = Field(description="`mean` or `sum` of the keyed items.")
    min_answered: int | None = Field(
        None, ge=1, description="Score only if at least this many items are answered."
    )
    max_missing: int | None = Field(
        None, ge=0, description="Score only if at most this many items are missing."
    )
    prorate: bool = Field(
        True,
        description="For `sum` with missing items: mean of the answered items times the "
        "number of items (so totals stay on the full scale). `false` sums what was answered.",
    )
    transform: Transform | None = Field(None, description="Linear transform after scoring.")
    bands: list[Band] = Field(default_factory=list, description="Interpretation bands.")

    @property
    def combine(self) -> Literal["mean", "prorated sum", "sum"]:
        """How the answered keyed items become a score: their ``mean``, that mean times the
        number of items (``prorated sum``), or the ``sum`` of what was answered."""
        if self.method == "mean":
            return "mean"
        return "prorated sum" if self.prorate else "sum"

    def required_answers(self) -> int:
        """The least number of answered items that still gives a score."""
        if self.min_answered is not None:
            return self.min_answered
        if self.max_missing is not None:
            return len(self.items) - self.max_missing
        return 1


class PublishedReliability(_Strict):
    """A reliability coefficient reported in the literature, for comparison."""

    scale: str = Field(description="The scale it refers to.")
    statistic: Literal["alpha", "omega", "test-retest", "split-half"] = "alpha"
    value: float | None = Field(None, ge=0, le=1, description="The reported value.")
    low: float | None = Field(None, ge=0, le=1, description="Lowest of a reported range.")
    high: float | None = Field(None, ge=0, le=1, description="Highest of a reported range.")
    sample: str = Field(description="Who was measured (population, n).")
    source: str = Field(description="Where it was reported.")

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)``; both are the value when a single value was reported."""
        if self.value is not None:
            return self.value, self.value
        return self.low, self.high  # type: ignore[return-value]  # checked on load

    def value_text(self, dash: str = "-") -> str:
        """``0.87``, or a range ``0.76-0.90`` (``dash`` between the ends)."""
        low, high = self.bounds
        return f"{low:.2f}" if low == high else f"{low:.2f}{dash}{high:.2f}"


class PublishedStructure(_Strict):
    """The factor structure reported in the literature; drives the default CFA model."""

    factors: dict[str, list[str]] = Field(
        description="Factor name -> its item ids (a CFA measurement model)."
    )
    description: str = Field(description="The structure in words.")
    source: str = Field(description="Where it was reported.")


class Published(_Strict):
    """Published psychometric properties, shown beside a sample's own results."""

    reliability: list[PublishedReliability] = Field(default_factory=list)
    structure: PublishedStructure | None = None


# `construct` is the natural name of the field; it shadows only pydantic's deprecated v1
# classmethod BaseModel.construct, which this package never uses.
warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)


class Instrument(_Strict):
    """A questionnaire: items, response scales, scoring rules, provenance and norms."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        json_schema_extra={"title": "Instrument definition (psychometrics)"},
    )

    schema_: str | None = Field(
        None, alias="$schema", description="Optional path or URL of the JSON Schema (editors)."
    )
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        description="Stable kebab-case identifier, e.g. `acs-6`; the file is named `<id>.yaml`."
    )
    name: str = Field(description="Full name of the instrument.")
    abbreviation: str | None = Field(None, description="Usual abbreviation, e.g. GSE.")
    version: str = Field(description="Version of this definition (not of the instrument).")
    follows: str = Field(description="The published version of the instrument this follows.")
    construct: str = Field(description="What it measures.")
    description: str = Field(description="A paragraph on the instrument and its use.")
    language: str = Field("en", description="Language of the item text (BCP 47).")
    adaptation: str | None = Field(
        None, description="Changes of wording from the published version, and why."
    )
    instructions: str | None = Field(None, description="The stem or instructions shown.")
    citations: list[Citation] = Field(min_length=1, description="Primary references first.")
    licence: Licence
    response_scales: dict[str, ResponseScale] = Field(
        min_length=1, description="Named response scales; items use `response_scale`."
    )
    response_scale: str = Field(description="The default response scale of the items.")
    missing_codes: list[int] = Field(
        default_factory=list, description="Codes that mean 'no answer' (e.g. -99)."
    )
    items: list[Item] = Field(min_length=1)
    scales: dict[str, Scale] = Field(min_length=1, description="Scores: total and subscales.")
    published: Published = Field(default_factory=Published)
    codes: list[Code] | None = Field(
        None, description="Terminology codes of the instrument (e.g. a LOINC panel code)."
    )
    translations: dict[str, Translation] | None = Field(
        None, description="Language tag (BCP 47, e.g. de, pt-BR) -> the wording in that "
        "language: item text, response labels, instructions, name."
    )
    notes: str | None = None

    # -- rules across fields ---------------------------------------------------------------

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> Instrument:
        report_problems(self.problems(), info)
        return self

    def problems(self) -> list[tuple[Path, str]]:
        """Every broken cross-field rule as ``(path, message)``; empty when valid."""
        out: list[tuple[Path, str]] = []
        scales = self.response_scales
        names = ", ".join(scales)

        for name, rs in scales.items():
            if len(set(rs.values)) != len(rs.values):
                out.append((("response_scales", name, "values"), "values must be unique"))
            if rs.values != sorted(rs.values):
                out.append((("response_scales", name, "values"), "values must be increasing"))
            missing = [v for v in rs.values if v not in rs.labels]
            extra = [v for v in rs.labels if v not in rs.values]
            if missing:
                out.append((("response_scales", name, "labels"),
                            f"no label for value(s) {_list(missing)}; labels must cover "
                            f"the scale {_list(rs.values)}"))
            if extra:
                out.append((("response_scales", name, "labels"),
                            f"label(s) for {_list(extra)}, which are not values of the scale "
                            f"{_list(rs.values)}"))
            clash = sorted(set(self.missing_codes) & set(rs.values))
            if clash:
                out.append((("missing_codes",),
                            f"missing code(s) {_list(clash)} are also answers on response "
                            f"scale '{name}'"))

        if self.response_scale not in scales:
            out.append((("response_scale",),
                        f"unknown response scale '{self.response_scale}' (defined: {names})"))

        seen: dict[str, int] = {}
        for i, item in enumerate(self.items):
            if item.id in seen:
                out.append((("items", i, "id"),
                            f"duplicate item id '{item.id}' (first at items[{seen[item.id]}])"))
            seen.setdefault(item.id, i)
            if item.response_scale is not None and item.response_scale not in scales:
                out.append((("items", i, "response_scale"),
                            f"unknown response scale '{item.response_scale}' (defined: {names})"))
            if item.text is None and item.paraphrase is None:
                out.append((("items", i), f"item '{item.id}' needs `text` or a `paraphrase`"))
            if self.licence.item_text == "restricted" and item.paraphrase is None:
                out.append((("items", i, "paraphrase"),
                            f"item '{item.id}': restricted text needs a neutral `paraphrase`"))
        known = _item_range(list(seen))

        for sname, scale in self.scales.items():
            if not _valid_name(sname):
                out.append((("scales", sname),
                            f"scale name '{sname}' must be letters, digits and _ "
                            "(it becomes a column name)"))
            dup = sorted({i for i in scale.items if scale.items.count(i) > 1})
            if dup:
                out.append((("scales", sname, "items"), f"item(s) listed twice: {_list(dup)}"))
            for j, iid in enumerate(scale.items):
                if iid not in seen:
                    out.append((("scales", sname, "items", j),
                                f"unknown item '{iid}' (items are {known})"))
            k = len(scale.items)
            if scale.min_answered is not None and scale.max_missing is not None:
                out.append((("scales", sname),
                            "give `min_answered` or `max_missing`, not both"))
            if scale.min_answered is not None and scale.min_answered > k:
                out.append((("scales", sname, "min_answered"),
                            f"min_answered {scale.min_answered} exceeds the {k} items "
                            "of the scale"))
            if scale.max_missing is not None and scale.max_missing >= k:
                out.append((("scales", sname, "max_missing"),
                            f"max_missing {scale.max_missing} must be below the {k} items "
                            "of the scale (at least one answer is needed)"))
            if scale.transform is not None and scale.transform.multiply == 0:
                out.append((("scales", sname, "transform", "multiply"),
                            "multiply must not be 0 (every score would be the same)"))
            scored = [self.item_map[i] for i in scale.items if i in seen]
            if len(scored) == k and all((it.response_scale or self.response_scale) in scales
                                        for it in scored):
                out.extend(self._band_problems(sname, scale))

        for tag, tr in (self.translations or {}).items():
            out.extend(self._translation_problems(tag, tr, seen))

        for i, rel in enumerate(self.published.reliability):
            if rel.scale not in self.scales:
                out.append((("published", "reliability", i, "scale"),
                            f"unknown scale '{rel.scale}' (scales: {', '.join(self.scales)})"))
            if rel.value is None and (rel.low is None or rel.high is None):
                out.append((("published", "reliability", i),
                            "give a `value` or a range (`low` and `high`)"))
            if rel.low is not None and rel.high is not None and rel.low > rel.high:
                out.append((("published", "reliability", i), "low is above high"))
        if self.published.structure is not None:
            for fname, fitems in self.published.structure.factors.items():
                for j, iid in enumerate(fitems):
                    if iid not in seen:
                        out.append((("published", "structure", "factors", fname, j),
                                    f"unknown item '{iid}' (items are {known})"))
        return out

    def _translation_problems(self, tag: str, tr: Translation, seen: dict[str, int]
                              ) -> list[tuple[Path, str]]:
        out: list[tuple[Path, str]] = []
        where: Path = ("translations", tag)
        if not re.fullmatch(LANGUAGE_PATTERN, tag):
            out.append((where, f"'{tag}' is not a BCP 47 language tag (e.g. de, fr-CA, "
                               "zh-Hant)"))
        if tag.casefold() == self.language.casefold():
            out.append((where, f"'{tag}' is the instrument's own language; its wording is "
                               "the text of the items"))
        for iid in tr.items:
            if iid not in seen:
                out.append(((*where, "items", iid), f"unknown item '{iid}'"))
        for name, labels in tr.labels.items():
            rs = self.response_scales.get(name)
            if rs is None:
                out.append(((*where, "labels", name), f"unknown response scale '{name}' "
                            f"(defined: {', '.join(self.response_scales)})"))
                continue
            extra = [c for c in labels if c not in rs.values]
            if extra:
                out.append(((*where, "labels", name), f"label(s) for {_list(extra)}, which "
                            f"are not values of the scale {_list(rs.values)}"))
        return out

    def _band_problems(self, sname: str, scale: Scale) -> list[tuple[Path, str]]:
        out: list[tuple[Path, str]] = []
        if not scale.bands:
            return out
        lo, hi = self.score_range(sname)
        previous = -math.inf
        last = len(scale.bands) - 1
        for b, band in enumerate(scale.bands):
            path: Path = ("scales", sname, "bands", b)
            if band.max is None:
                if b != last:
                    out.append((path, f"band '{band.label}' has no `max`; only the last band "
                                      "may omit it"))
                continue
            if not lo <= band.max <= hi:
                out.append((("scales", sname, "bands", b, "max"),
                            f"band '{band.label}': max {_num(band.max)} lies outside the score "
                            f"range [{_num(lo)}, {_num(hi)}]"))
            if band.max <= previous:
                out.append((("scales", sname, "bands", b, "max"),
                            f"band '{band.label}': max {_num(band.max)} must be above the "
                            f"previous band's max {_num(previous)} (bands go from low to high)"))
            previous = band.max
        final = scale.bands[last]
        if final.max is not None and final.max < hi:
            out.append((("scales", sname, "bands", last),
                        f"scores above {_num(final.max)} up to {_num(hi)} fall in no band; "
                        "omit `max` on the last band"))
        return out

    # -- derived views ---------------------------------------------------------------------

    @cached_property
    def item_map(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def item_scale_name(self, item_id: str) -> str:
        """The name of the response scale an item is answered on (its own, or the default)."""
        return self.item_map[item_id].response_scale or self.response_scale

    def item_scale(self, item_id: str) -> ResponseScale:
        """The response scale an item is answered on (its own, or the default)."""
        return self.response_scales[self.item_scale_name(item_id)]

    @property
    def reversed_items(self) -> list[str]:
        return [item.id for item in self.items if item.reverse]

    def keys(self, scale: str | None = None) -> list[int]:
        """Scoring keys (+1, or -1 for reversed) of a scale's items, or of all items."""
        ids = self.scales[scale].items if scale is not None else self.item_ids
        return [-1 if self.item_map[i].reverse else 1 for i in ids]

    def score_range(self, scale: str) -> tuple[float, float]:
        """The lowest and highest possible score of a scale, after its transform."""
        sc = self.scales[scale]
        lows = [self.item_scale(i).min for i in sc.items]
        highs = [self.item_scale(i).max for i in sc.items]
        if sc.method == "sum":
            lo, hi = float(sum(lows)), float(sum(highs))
        else:
            lo, hi = float(min(lows)), float(max(highs))
        if sc.transform is not None:
            lo, hi = sorted((sc.transform.apply(lo), sc.transform.apply(hi)))
        return lo, hi

    def distinct_scales(self) -> list[str]:
        """Scales with distinct item sets, in definition order: a raw and a transformed
        total of the same items (WHO-5) are one set of items to analyse."""
        seen: list[list[str]] = []
        out = []
        for name, scale in self.scales.items():
            key = sorted(scale.items)
            if key not in seen:
                seen.append(key)
                out.append(name)
        return out

    def published_for(self, scale: str) -> list[PublishedReliability]:
        """Published reliability of ``scale``, or of any scale with the same items."""
        items = sorted(self.scales[scale].items)
        return [p for p in self.published.reliability
                if p.scale in self.scales and sorted(self.scales[p.scale].items) == items]

    def cfa_model(self) -> dict[str, list[str]]:
        """The measurement model to test: the published structure, else one factor per
        distinct scale (see :meth:`distinct_scales`)."""
        if self.published.structure is not None:
            return {k: list(v) for k, v in self.published.structure.factors.items()}
        return {name: list(self.scales[name].items) for name in self.distinct_scales()}

    @property
    def text_is_restricted(self) -> bool:
        return self.licence.item_text == "restricted"

    @cached_property
    def definition_hash(self) -> str:
        """SHA-256 of the canonical JSON of the definition: provenance for every result."""
        data = _without_unset_optional(self.model_dump(mode="json", by_alias=True,
                                                       exclude={"schema_"}))
        payload = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def provenance(self) -> dict[str, str]:
        """Instrument id, definition version, published version and definition hash."""
        return {"instrument": self.id, "version": self.version, "follows": self.follows,
                "sha256": self.definition_hash}


class ItemOverlay(_Strict):
    """Text a licensed user supplies for one item."""

    text: str | None = Field(None, description="The licensed item wording.")
    paraphrase: str | None = Field(None, description="A replacement paraphrase.")


class Overlay(_Strict):
    """A local file merging licensed item text into an instrument, by item id."""

    schema_: str | None = Field(None, alias="$schema")
    instrument: str = Field(description="Id of the instrument the overlay is for.")
    instructions: str | None = Field(None, description="Licensed instructions / stem.")
    items: dict[str, ItemOverlay] = Field(min_length=1, description="Item id -> its text.")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the instrument format (what ``psychometrics schema`` prints)."""
    schema = Instrument.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_URL
    return schema


# Fields added after definitions were first hashed: left out of the hash while unset, so
# that adding them did not change the hash (the provenance) of any existing definition.
_LATER_OPTIONAL = ("codes", "translations")


def _without_unset_optional(data: dict[str, Any]) -> dict[str, Any]:
    def strip(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if not (k in _LATER_OPTIONAL and v is None)}

    out = strip(data)
    out["items"] = [strip(item) for item in out["items"]]
    return out


def _valid_name(name: str) -> bool:
    return re.fullmatch(NAME_PATTERN, name) is not None


def report_problems(problems: list[tuple[Path, str]], info: ValidationInfo | None) -> None:
    """Hand a model's cross-field problems to the loader, or raise them.

    The loader passes a list as ``context={"problems": [...]}`` to collect every problem of a
    file with its place; any other validation raises one ``ValueError`` listing them.
    """
    if not problems:
        return
    sink = (info.context or {}).get("problems") if info is not None else None
    if isinstance(sink, list):
        sink.extend(problems)
        return
    raise ValueError("; ".join(f"{dotted_path(p)}: {m}" for p, m in problems))


def dotted_path(path: Path) -> str:
    """``("scales", "total", "items", 3)`` -> ``scales.total.items[3]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _list(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _item_range(ids: list[str]) -> str:
    if len(ids) <= 6:
        return ", ".join(ids)
    return f"{ids[0]} ... {ids[-1]}"
