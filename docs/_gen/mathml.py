"""Formulas rendered at build time: arithmatex's TeX spans become MathML.

pymdownx.arithmatex (generic mode) marks each formula as ``<span class="arithmatex">\\(..\\)``
or ``<div class="arithmatex">\\[..\\]``; ``docs/hooks.py`` replaces every one with the
MathML that latex2mathml writes, which browsers lay out natively: no script, no font and no
network at view time (the pages read the same offline). A formula latex2mathml cannot read
fails the build, naming the page, rather than reaching a reader as raw TeX.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

MARKED = re.compile(
    r'<(span|div) class="arithmatex">\s*\\([(\[])(.*?)\\([)\]])\s*</\1>', re.S)


class FormulaError(ValueError):
    """A formula of a page could not be converted."""


def to_mathml(tex: str, display: bool) -> str:
    return convert(tex.strip(), display="block" if display else "inline")


def render(page_html: str, where: str = "page") -> str:
    """``page_html`` with every arithmatex formula replaced by MathML."""

    def one(match: re.Match[str]) -> str:
        tag, tex = match.group(1), html.unescape(match.group(3))
        display = tag == "div"
        try:
            math = to_mathml(tex, display)
        except Exception as exc:  # latex2mathml raises its own exception types
            raise FormulaError(f"{where}: formula {tex.strip()[:80]!r}: {exc}") from exc
        # the TeX stays in the document as an annotation (copy-paste, assistive tools)
        head, _, rest = math.partition(">")
        body = rest.rpartition("</math>")[0]
        math = (f"{head}><semantics><mrow>{body}</mrow><annotation encoding="
                f'"application/x-tex">{html.escape(tex.strip())}</annotation></semantics></math>')
        cls = "formula formula-block" if display else "formula"
        return f'<{tag} class="{cls}">{math}</{tag}>'

    return MARKED.sub(one, page_html)
