"""The instrument catalogue: one page per definition in ``instruments/*.yaml``.

Everything on a page comes from the YAML file through the package's own loader, so a page
cannot disagree with what ``load_instrument`` gives; adding a file adds a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from _gen.markdown import code, table
from psychometrics.catalog import iter_instrument_files, load_instrument
from psychometrics.schema import Instrument


def _files(files: Iterable[Path] | None) -> list[Path]:
    return sorted(files) if files is not None else list(iter_instrument_files())


def _label(inst: Instrument) -> str:
    return f"{inst.abbreviation or inst.id}: {inst.name}"


def nav_entries(files: Iterable[Path] | None = None) -> list[dict[str, str]]:
    """Navigation entries ``{title: instruments/<id>.md}``, one per definition file."""
    out = []
    for path in _files(files):
        inst = load_instrument(path)
        out.append({_label(inst): f"instruments/{inst.id}.md"})
    return out


def pages(files: Iterable[Path] | None = None) -> dict[str, str]:
    """``{path: markdown}`` for the catalogue index and every instrument."""
    insts = [(path, load_instrument(path)) for path in _files(files)]
    out = {"instruments/index.md": _index([i for _, i in insts])}
    for path, inst in insts:
        out[f"instruments/{inst.id}.md"] = instrument_page(inst, path)
    return out


def _index(insts: list[Instrument]) -> str:
    rows = []
    for inst in insts:
        scales = ", ".join(f"{inst.id}_{s}" for s in inst.scales)
        text = "shipped" if not inst.text_is_restricted else "licensed (paraphrases)"
        rows.append((f"[{inst.abbreviation or inst.id}]({inst.id}.md)", inst.name,
                     inst.construct, len(inst.items), scales, text))
    return (
        "# Instrument catalogue\n\n"
        "The instruments built into the package, one page each, generated from their YAML "
        "definitions when the documentation is built (a new file in `instruments/` gets a "
        "page without any other change). Load one with "
        '`psychometrics.load_instrument("<id>")`, or print it with `psychometrics show <id>`.'
        "\n\n"
        + table(["id", "instrument", "measures", "items", "score columns", "item text"],
                rows, ["l", "l", "l", "r", "l", "l"])
        + "\nItem text marked *licensed* is not distributed with the package: its page shows "
        "neutral paraphrases, and licensed users add the wording themselves "
        "([how](../how-to/licensed-text.md)). To define an instrument of your own, see "
        "[Use your own instrument](../how-to/own-instrument.md) and the "
        "[YAML format](../reference/yaml-format.md).\n"
    )


def _rule(inst: Instrument, name: str) -> str:
    sc = inst.scales[name]
    k = len(sc.items)
    if sc.min_answered is not None:
        rule = f"scored when at least {sc.min_answered} of {k} items are answered"
    elif sc.max_missing is not None:
        rule = f"scored when at most {sc.max_missing} of {k} items are missing"
    else:
        rule = "scored when at least one item is answered"
    if sc.method == "sum":
        rule += ("; the sum is prorated (mean of the answered items × "
                 f"{k})" if sc.prorate else "; the sum of the answered items (not prorated)")
    return rule


def instrument_page(inst: Instrument, path: Path | None = None) -> str:
    """The catalogue page of one instrument."""
    restricted = inst.text_is_restricted
    md = [f"# {inst.name}" + (f" ({inst.abbreviation})" if inst.abbreviation else ""), ""]
    if restricted:
        md += ['!!! warning "Licensed item text"',
               f"    The wording of the items is not distributed: {inst.licence.note.strip()} "
               "This page shows neutral paraphrases. Licensed users supply the text with an "
               "[overlay](../how-to/licensed-text.md).", ""]
    md += [inst.description.strip(), ""]
    md.append(table(["property", "value"], [
        ("id", f"`{inst.id}`"),
        ("definition version", inst.version),
        ("follows", inst.follows.strip()),
        ("construct", inst.construct),
        ("language", inst.language),
        ("adaptation", inst.adaptation or "none"),
        ("item text", inst.licence.item_text + (f" (holder: {inst.licence.holder})"
                                                if inst.licence.holder else "")),
        ("licence", inst.licence.note.strip()),
        ("definition SHA-256", f"`{inst.definition_hash}`"),
    ]))
    if inst.instructions:
        md += ["## Instructions", "", f"> {inst.instructions.strip()}", ""]

    md += ["## Response scale" + ("s" if len(inst.response_scales) > 1 else ""), ""]
    for name, rs in inst.response_scales.items():
        default = " (default)" if name == inst.response_scale else ""
        md += [f"**{name}**{default}", "",
               table(["value", "label"], [(v, rs.labels[v]) for v in rs.values], ["r", "l"])]
    if inst.missing_codes:
        md += [f"Missing-value codes: {', '.join(f'`{c}`' for c in inst.missing_codes)} "
               "(counted by validation, then treated as missing).", ""]

    md += ["## Items", ""]
    head = "paraphrase" if restricted else "text"
    rows = []
    for n, item in enumerate(inst.items, start=1):
        words = item.paraphrase if restricted or item.text is None else item.text
        rows.append((n, f"`{item.id}`", words, "reversed" if item.reverse else "+",
                     inst.item_scale_name(item.id)))
    md.append(table(["#", "id", head, "key", "response scale"], rows,
                    ["r", "l", "l", "l", "l"]))
    if inst.reversed_items:
        md += ["Reverse-keyed items are scored as *min + max − answer* on their response "
               f"scale: {', '.join(f'`{i}`' for i in inst.reversed_items)}.", ""]

    md += ["## Scoring", ""]
    for name, sc in inst.scales.items():
        lo, hi = inst.score_range(name)
        md += [f"### {sc.name}", ""]
        if sc.description:
            md += [sc.description.strip(), ""]
        facts = [
            ("score column", f"`{inst.id}_{name}`"),
            ("items", ", ".join(f"`{i}`" for i in sc.items)),
            ("method", f"{sc.method} of the keyed items"),
            ("missing items", _rule(inst, name)),
        ]
        if sc.transform is not None:
            facts.append(("transform", f"score × {sc.transform.multiply:g}"
                          + (f" + {sc.transform.add:g}" if sc.transform.add else "")))
        facts.append(("range", f"{lo:g} to {hi:g}"))
        md.append(table(["property", "value"], facts))
        if sc.bands:
            rows = []
            low = f"{lo:g}"
            for band in sc.bands:
                upper = f"{band.max:g}" if band.max is not None else f"{hi:g}"
                rows.append((f"up to {upper}" if band.max is not None else f"above {low}",
                             band.label))
                low = upper
            md += ["Interpretation bands:", "", table(["score", "band"], rows)]

    pub = inst.published
    md += ["## Published psychometric properties", ""]
    if pub.reliability:
        rows = []
        for r in pub.reliability:
            value = r.value_text("–")
            rows.append((f"`{inst.id}_{r.scale}`", r.statistic, value, r.sample, r.source))
        md.append(table(["scale", "statistic", "value", "sample", "source"], rows))
    else:
        md += ["No published reliability is recorded.", ""]
    if pub.structure is not None:
        md += [f"**Structure**: {pub.structure.description} ({pub.structure.source}). "
               "This is the model `psychometrics.cfa` and the report test by default:", "",
               code("\n".join(f"{f} =~ {' + '.join(items)}"
                              for f, items in pub.structure.factors.items())),
               ""]
    md += ["## Citation", ""]
    for c in inst.citations:
        doi = f" [doi:{c.doi}](https://doi.org/{c.doi})" if c.doi else ""
        url = f" <{c.url}>" if c.url else ""
        md += [f"- {' '.join(c.text.split())}{doi}{url}"]
    md.append("")
    if inst.notes:
        md += ["## Notes", "", inst.notes.strip(), ""]
    md += ["## Use it", "", code(
        "import psychometrics as pm\n\n"
        f'inst = pm.load_instrument("{inst.id}")\n'
        f'report = pm.validate(data, "{inst.id}")   # data: one row per respondent\n'
        f'scores = pm.score(data, "{inst.id}")\n'
        f'table = pm.reliability(data, "{inst.id}")', "python"),
        code(f"psychometrics show {inst.id}\n"
             f"psychometrics report {inst.id} responses.csv -o {inst.id}-report.html",
             "console"), ""]
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        md += [f'??? note "The definition file: {Path(path).name}"', "",
               "    " + code(text, "yaml").replace("\n", "\n    ").rstrip(), ""]
    return "\n".join(md) + "\n"
