"""The changelog and "How to cite" pages, from the files at the repository's root.

``CHANGELOG.md`` is shown as it is; the citation page is written from ``CITATION.cff`` (the
file GitHub and Zenodo read), so the two can never disagree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from _gen.markdown import code

ROOT = Path(__file__).resolve().parents[2]


def changelog() -> str:
    return (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def citation() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _authors(people: list[dict[str, str]]) -> str:
    """APA's author list, ending with a period (``Revelle, W.``; ``A group.``)."""
    names = [p.get("name") or f"{p['family-names']}, {p['given-names'][0]}." for p in people]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]
    return text if text.endswith(".") else text + "."


def apa(cff: dict[str, Any]) -> str:
    year = str(cff.get("date-released", ""))[:4]
    return (f"{_authors(cff['authors'])} ({year}). *{cff['title']}* (Version {cff['version']}) "
            "[Computer software].")


def bibtex(cff: dict[str, Any]) -> str:
    year = str(cff.get("date-released", ""))[:4]
    key = "psychometrics" + year
    # a group author is braced so BibTeX does not split it into first and last names
    author = " and ".join("{" + p["name"] + "}" if p.get("name") else
                          f"{p['family-names']}, {p['given-names']}" for p in cff["authors"])
    return (f"@software{{{key},\n  author  = {{{author}}},\n  title   = {{{cff['title']}}},\n"
            f"  version = {{{cff['version']}}},\n  year    = {{{year}}},\n"
            f"  license = {{{cff.get('license', '')}}}\n}}")


def _reference(ref: dict[str, Any]) -> str:
    who = _authors(ref["authors"])
    if ref.get("type") == "article":
        doi = f" https://doi.org/{ref['doi']}" if ref.get("doi") else ""
        return (f"{who} ({ref['year']}). {ref['title']}. *{ref['journal']}*, "
                f"*{ref['volume']}*({ref['issue']}), {ref['start']}–{ref['end']}.{doi}")
    version = f" (Version {ref['version']})" if ref.get("version") else ""
    return f"{who} ({ref['year']}). *{ref['title']}*{version} [Computer software]."


def cite_page() -> str:
    cff = citation()
    message = " ".join(cff["message"].split())
    return "\n".join([
        "# How to cite", "",
        re.sub(r"\(psychometrics --version\)", "(`psychometrics --version`)", message), "",
        "## The package", "",
        "APA (7th edition):", "", f"> {apa(cff)}", "",
        "BibTeX:", "", code(bibtex(cff), "bibtex"),
        "The same information, machine-readable, is in `CITATION.cff` at the root of the "
        "repository (the Citation File Format that GitHub and Zenodo read).", "",
        "## The instruments", "",
        "Cite each questionnaire you used from its page in the "
        "[instrument catalogue](instruments/index.md), which lists the original publication, "
        "the version the definition follows and the published reliability it is compared "
        "with. A definition records its version and SHA-256 hash, which every score file and "
        "report repeats: give them in a supplement so others can reproduce the scoring.", "",
        "## The methods", "",
        "The statistics follow, and are tested against, these R packages; cite them when you "
        "report that your results reproduce theirs (see "
        "[Validation against R](validation-against-r.md)), and cite the method papers given on "
        "each [concept page](concepts/index.md):", "",
        *(f"- {_reference(r)}" for r in cff.get("references", [])), "",
    ]) + "\n"
