"""What every exchange format shares: item wording or its licence placeholder, provenance,
the scoring rule of a scale (restated by REDCap calc fields, ReproSchema expressions and
text), the record of what an import could not carry, and writing an instrument back as YAML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from psychometrics.schema import Instrument, Item, ResponseScale, Transform

PLACEHOLDER_RE = re.compile(
    r"^\[Licensed text of item (?P<id>[A-Za-z][A-Za-z0-9_]*) goes here\. .*?"
    r"(?: Content: (?P<paraphrase>.*))?\]$",
    re.DOTALL,
)


def placeholder(instrument: Instrument, item: Item) -> str:
    """Where the licensed wording of a restricted item goes, and what the item is about.

    >>> from psychometrics import load_instrument
    >>> css = load_instrument("css")
    >>> print(placeholder(css, css.items[0]))  # doctest: +NORMALIZE_WHITESPACE
    [Licensed text of item css_1 goes here. The CSS item wording is restricted (Academy of
    Management (journal copyright)): add it from your licensed copy, or export with an
    overlay. Content: Satisfaction with the success achieved in one's career.]
    """
    short = instrument.abbreviation or instrument.name
    holder = f" ({instrument.licence.holder})" if instrument.licence.holder else ""
    content = f" Content: {item.paraphrase}" if item.paraphrase else ""
    return (f"[Licensed text of item {item.id} goes here. The {short} item wording is "
            f"restricted{holder}: add it from your licensed copy, or export with an overlay."
            f"{content}]")


def parse_placeholder(label: str) -> tuple[str, str | None] | None:
    """``(item id, paraphrase)`` if ``label`` is a placeholder written by :func:`placeholder`."""
    match = PLACEHOLDER_RE.match(label.strip())
    if match is None:
        return None
    return match.group("id"), match.group("paraphrase")


def item_prompt(instrument: Instrument, item: Item) -> str:
    """The wording shown for an item: its text, else the licence placeholder.

    Restricted instruments ship no text, so their items get the placeholder; an overlay that
    supplies the licensed text puts it in ``item.text`` and then that text is exported.
    """
    return item.text if item.text is not None else placeholder(instrument, item)


def label_key(text: str) -> str:
    """A label as imports compare it: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def label_codes(rs: ResponseScale) -> dict[str, int]:
    """The code of each label of a response scale, keyed by :func:`label_key`."""
    return {label_key(label): code for code, label in rs.labels.items()}


def provenance_text(instrument: Instrument) -> str:
    """One line naming the definition an export was generated from."""
    from psychometrics import __version__

    return (f"psychometrics {__version__}: instrument {instrument.id} definition "
            f"{instrument.version} sha256:{instrument.definition_hash}")


@dataclass(frozen=True)
class KeyedItem:
    """One item of a scale as its score uses it."""

    id: str
    scale: ResponseScale
    reverse: bool


@dataclass(frozen=True)
class ScoringRule:
    """How :func:`psychometrics.score` computes one scale, for the exports that restate it in
    another language (a REDCap calc, a ReproSchema ``jsExpression``, a sentence).

    An answer counts when it is one of its item's response values; reverse-keyed items enter
    as ``min + max - x``; ``combine`` is ``"mean"`` (of the answered keyed items),
    ``"prorated sum"`` (that mean times the number of items) or ``"sum"`` (of what was
    answered); there is no score unless at least ``required`` items are answered; then
    ``transform`` (``score * multiply + add``). Renderers look ``combine`` up in a table of
    their own syntax, so a rule they do not know fails loudly instead of scoring otherwise.

    >>> from psychometrics import load_instrument
    >>> rule = scoring_rule(load_instrument("gse"), "total")
    >>> rule.combine, rule.k, rule.required, rule.transform
    ('prorated sum', 10, 7, None)
    """

    items: tuple[KeyedItem, ...]
    combine: Literal["mean", "prorated sum", "sum"]
    required: int
    transform: Transform | None

    @property
    def k(self) -> int:
        return len(self.items)

    @property
    def reversed(self) -> list[str]:
        """Ids of the reverse-keyed items."""
        return [it.id for it in self.items if it.reverse]

    def transformed(self, core: str, sep: str = " ") -> str:
        """The infix expression ``core`` with the rule's transform applied,
        ``(core) * multiply + add`` (each part only where it changes the score), with
        ``sep`` around the operators.

        >>> from psychometrics import load_instrument
        >>> scoring_rule(load_instrument("who5"), "percentage").transformed("s", sep="")
        '(s)*4'
        """
        t = self.transform
        if t is None:
            return core
        if t.multiply != 1:
            core = f"({core}){sep}*{sep}{number(t.multiply)}"
        if t.add != 0:
            core = f"{core}{sep}{'+' if t.add > 0 else '-'}{sep}{number(abs(t.add))}"
        return core


def scoring_rule(instrument: Instrument, scale: str) -> ScoringRule:
    """The :class:`ScoringRule` of one scale of ``instrument``."""
    sc = instrument.scales[scale]
    items = tuple(KeyedItem(iid, instrument.item_scale(iid), key < 0)
                  for iid, key in zip(sc.items, instrument.keys(scale), strict=True))
    return ScoringRule(items, sc.combine, sc.required_answers(), sc.transform)


def score_ids(instrument: Instrument, base: str, taken: set[str]) -> dict[str, str]:
    """Scale name -> id of the exported item holding its score, ``<base>_<scale>``, with
    ``_score`` appended until it names no item and nothing in ``taken``."""
    taken = set(instrument.item_ids) | taken
    out: dict[str, str] = {}
    for name in instrument.scales:
        sid = f"{base}_{name}"
        while sid in taken:
            sid = f"{sid}_score"
        taken.add(sid)
        out[name] = sid
    return out


def required_items(instrument: Instrument) -> set[str]:
    """Items every answer of which is needed: those of scales whose missing-item rule allows
    no missing item (FHIR ``required``, ReproSchema ``valueRequired``)."""
    out: set[str] = set()
    for sc in instrument.scales.values():
        if sc.required_answers() >= len(sc.items):
            out.update(sc.items)
    return out


def rule_text(rule: ScoringRule) -> str:
    """The rule in one sentence.

    >>> from psychometrics import load_instrument
    >>> print(rule_text(scoring_rule(load_instrument("who5"), "percentage")))
    Prorated sum of 5 items, x4; blank unless at least 5 of 5 are answered.
    """
    rev = f" ({', '.join(rule.reversed)} reverse-keyed)" if rule.reversed else ""
    tr = ""
    if rule.transform is not None:
        tr = f", x{number(rule.transform.multiply)}"
        if rule.transform.add:
            tr += (f" {'+' if rule.transform.add > 0 else '-'} "
                   f"{number(abs(rule.transform.add))}")
    return (f"{rule.combine.capitalize()} of {rule.k} items{rev}{tr}; blank unless at least "
            f"{rule.required} of {rule.k} are answered.")


def number(x: float) -> str:
    """A number as short text: 4.0 -> '4', 0.25 -> '0.25'."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def languages(instrument: Instrument) -> list[str]:
    """The language tags the instrument is translated into (not its own language)."""
    return list(instrument.translations or {})


def translated_item(instrument: Instrument, item: Item, tag: str) -> str | None:
    """The item's text in language ``tag``, where there is one and the item's own text is
    exported: translated restricted text is as restricted as the original."""
    if item.text is None:
        return None
    tr = (instrument.translations or {}).get(tag)
    return tr.items.get(item.id) if tr is not None else None


def translated_label(instrument: Instrument, scale: str, code: int, tag: str) -> str | None:
    """The label of ``code`` of response scale ``scale`` in language ``tag``, if any."""
    tr = (instrument.translations or {}).get(tag)
    return tr.labels.get(scale, {}).get(code) if tr is not None else None


def translated(instrument: Instrument, tag: str, what: Literal["name", "instructions"]
               ) -> str | None:
    """The instrument's name or instructions in language ``tag``, if any."""
    tr = (instrument.translations or {}).get(tag)
    return getattr(tr, what) if tr is not None else None


def definition_meta(instrument: Instrument) -> dict[str, Any]:
    """What an export carries as JSON beside the format's own structure so that its import
    gets the same definition back: everything but the items, scales, response scales and
    instructions (which the formats hold themselves), and the response scales no item uses.
    """
    meta = instrument.model_dump(mode="json", by_alias=True, exclude_none=True,
                                 exclude={"schema_", "items", "scales", "response_scales",
                                          "instructions", "translations"})
    meta["instructions"] = instrument.instructions is not None
    used = {instrument.item_scale_name(item.id) for item in instrument.items}
    unused = {n: {"values": rs.values, "labels": {str(k): v for k, v in rs.labels.items()}}
              for n, rs in instrument.response_scales.items() if n not in used}
    if unused:
        meta["unused_response_scales"] = unused
    return meta


def item_info(instrument: Instrument, item: Item) -> dict[str, Any]:
    """The JSON an export keeps with an item: its id, response scale name, key, paraphrase,
    codes, and whether its text is a licence placeholder."""
    info: dict[str, Any] = {"id": item.id, "scale": instrument.item_scale_name(item.id)}
    if item.response_scale is not None:
        info["response_scale"] = item.response_scale
    if item.reverse:
        info["reverse"] = True
    if item.paraphrase is not None:
        info["paraphrase"] = item.paraphrase
    if item.text is None:
        info["placeholder"] = True
    if item.codes:
        info["codes"] = [c.model_dump(exclude_none=True) for c in item.codes]
    return info


def scale_info(instrument: Instrument, name: str) -> dict[str, Any]:
    """The JSON an export keeps with a scale's score field: its key and definition."""
    return {"key": name, **instrument.scales[name].model_dump(mode="json", exclude_none=True)}


def dumps(data: Any) -> str:
    """Compact JSON, non-ASCII kept."""
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Loss:
    """Something an import could not carry into the instrument definition.

    ``where`` names the source (a field, a column), ``what`` the property, ``reason`` why it
    was not mapped and what was done instead.
    """

    where: str
    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.reason}"


def instrument_to_yaml(instrument: Instrument, header: list[str] | None = None) -> str:
    """The definition as YAML that :func:`psychometrics.load_instrument` reads back equal.

    Fields left at their defaults are omitted; ``header`` lines become ``#`` comments.

    >>> from psychometrics import load_instrument
    >>> text = instrument_to_yaml(load_instrument("who5"))
    >>> text.splitlines()[0]
    'id: who5'
    """
    import yaml

    data = instrument.model_dump(mode="python", by_alias=True, exclude_none=True,
                                 exclude_defaults=True, exclude={"schema_"})
    body = yaml.dump(data, Dumper=_dumper(), sort_keys=False, allow_unicode=True,
                     width=96, default_flow_style=False)
    head = "".join(f"# {line}\n" if line else "#\n" for line in (header or []))
    return head + body


def _flow_scalars(dumper: Any, data: list[Any]) -> Any:
    # Lists of plain values read best on one line, as in the built-in definitions.
    flow = all(isinstance(v, str | int | float | bool) for v in data) and data != []
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _dumper() -> Any:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(list, _flow_scalars)
    return Dumper
