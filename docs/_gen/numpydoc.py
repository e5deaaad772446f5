"""Numpydoc as the package writes it, turned into what mkdocstrings renders.

mkdocstrings-python renders numpydoc through griffe, which misses four of the package's
conventions; rewriting each docstring here, once, at load time keeps the fix for every
docstring (present and future) instead of editing them one by one:

- grouped parameters (``ci, ci_method, n_boot : ...``): griffe gives every name the first
  one's type and default; they become one entry per name (same description), so each
  takes its own annotation and default from the signature;
- Sphinx roles (``:func:`psychometrics.alpha```, ``:class:`~...Instrument```) become
  Markdown cross-references (autorefs) to the API page's entry of that public name, or
  plain code when the target is not public;
- ``:math:`...``` and ``.. math::`` become ``$...$`` / ``$$`` blocks, which arithmatex
  marks and ``docs/hooks.py`` renders to MathML at build time;
- a References section, one reference per line group, becomes a list (griffe runs them
  together into one paragraph);
- private base classes (``_Strict``) are dropped from "Bases:" (by the extension).

``griffe_numpydoc.py`` applies :func:`rewrite` to every docstring as griffe loads it (it is
listed in ``mkdocs.yml`` under the python handler's ``extensions``); this module needs no
griffe, so the tests run without the docs tools.
"""

from __future__ import annotations

import importlib
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GROUPED_SECTIONS = ("Parameters", "Other Parameters", "Attributes")
ROLE = re.compile(r":(func|class|meth|attr|mod|data|exc|obj|instrument):`([^`]+)`")
MATH_ROLE = re.compile(r":math:`([^`]+)`", re.S)
# "Surname, I." or "Surname et al." or "Name (2012)" opens a reference; continuation lines
# (journal, volume, pages) never do.
REFERENCE_START = re.compile(
    r"^(?:[A-Z][^\s,()]+(?: [A-Z][^\s,()]+)*, (?:[A-Z]\.|[A-Z][a-z]+,)"
    r"|[A-Z][^\s,()]+ et al\."
    r"|[A-Z][\w .&-]*\(\d{4}[a-z]?\))")


@cache
def anchors() -> dict[str, str]:
    """Every spelling of a listed public object's path -> its public name (the anchor)."""
    from _gen import api_ref

    out: dict[str, str] = {}
    for name in api_ref.listed_names():
        try:
            obj, path = api_ref.resolve(name)
        except (ImportError, AttributeError):
            continue
        public = f"psychometrics.{name}"
        for key in (name, public, path, f"{getattr(obj, '__module__', '')}.{name}",
                    name.rpartition(".")[2]):
            out.setdefault(key, public)
    return out


def _object(dotted: str) -> Any:
    module, _, attr = dotted.rpartition(".")
    while module:
        try:
            obj: Any = importlib.import_module(module)
        except ImportError:
            module, _, head = module.rpartition(".")
            attr = f"{head}.{attr}"
            continue
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    return importlib.import_module(attr)


@cache
def _by_identity() -> dict[int, str]:
    out = {}
    for public in set(anchors().values()):
        try:
            out[id(_object(public))] = public
        except (ImportError, AttributeError):
            pass
    return out


def target_anchor(target: str) -> str | None:
    """The API page anchor for a role's target, or None when it has no public entry."""
    table = anchors()
    parts = target.split(".")
    # the target itself, then its owner (a method or attribute links to its class)
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in table:
            return table[key]
    by_identity = _by_identity()
    for candidate in (target, f"psychometrics.{target}"):
        try:
            found = by_identity.get(id(_object(candidate)))
        except (ImportError, AttributeError, ValueError):
            continue
        if found:
            return found
    return None


def _role(match: re.Match[str]) -> str:
    kind, text = match.groups()
    target = text.strip()
    short = target.startswith("~")
    target = target.lstrip("~")
    shown = target.rpartition(".")[2] if short else target
    if kind in ("func", "meth"):
        shown += "()"
    anchor = None if kind == "instrument" else target_anchor(target)
    return f"[`{shown}`][{anchor}]" if anchor else f"`{shown}`"


def _math_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """Replace the ``.. math::`` directive at ``lines[start]``; returns lines and next index."""
    line = lines[start]
    indent = line[:len(line) - len(line.lstrip())]
    body = [line.split("::", 1)[1].strip()] if line.split("::", 1)[1].strip() else []
    i = start + 1
    while i < len(lines) and (not lines[i].strip() or
                              len(lines[i]) - len(lines[i].lstrip()) > len(indent)):
        body.append(lines[i].strip())
        i += 1
    while body and not body[-1]:
        body.pop()
    body = [b for b in body if b]
    return ["", f"{indent}$$", *(indent + b for b in body), f"{indent}$$", ""], i


def _section_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """numpydoc section title -> (first body line, end) in ``lines``."""
    spans: dict[str, tuple[int, int]] = {}
    heads = [i for i in range(len(lines) - 1)
             if lines[i].strip() and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1])
             and len(lines[i + 1].strip()) >= len(lines[i].strip()) - 1]
    for n, i in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(lines)
        spans[lines[i].strip()] = (i + 2, end)
    return spans


def _split_grouped(body: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(body):
        line = body[i]
        head = re.fullmatch(r"([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_*]\w*)+)(\s*:.*)?", line)
        if head is None or line[:1].isspace():
            out.append(line)
            i += 1
            continue
        j = i + 1
        while j < len(body) and (not body[j].strip() or body[j][:1].isspace()):
            j += 1
        desc = body[i + 1:j]
        while desc and not desc[-1].strip():
            desc.pop()
        names = [n.strip() for n in head.group(1).split(",")]
        for name in names:
            out += [name + (head.group(2) or ""), *desc]
        out.append("")
        i = j
    return out


def _references(body: list[str]) -> list[str]:
    text = [line.strip() for line in body]
    if any(t.startswith(("- ", "* ", ".. [")) for t in text if t):
        return [re.sub(r"^\.\. \[(\w+)\]\s*", r"- [\1] ", t) for t in text]
    refs: list[str] = []
    for t in text:
        if not t:
            continue
        if not refs or REFERENCE_START.match(t):
            refs.append(t)
        else:
            refs[-1] += " " + t
    return [*(f"- {r}" for r in refs), ""]


def rewrite(doc: str) -> str:
    """The docstring ``doc`` (dedented) in the form mkdocstrings renders correctly."""
    doc = MATH_ROLE.sub(lambda m: "$" + " ".join(m.group(1).split()) + "$", doc)
    doc = ROLE.sub(_role, doc)
    lines = doc.splitlines()
    i, out = 0, []
    while i < len(lines):
        if re.match(r"\s*\.\. math::", lines[i]):
            block, i = _math_block(lines, i)
            out += block
        else:
            out.append(lines[i])
            i += 1
    lines = out
    spans = _section_spans(lines)
    for title, (start, end) in sorted(spans.items(), key=lambda kv: -kv[1][0]):
        if title in GROUPED_SECTIONS:
            lines[start:end] = _split_grouped(lines[start:end])
        elif title == "References":
            lines[start:end] = _references(lines[start:end])
    return "\n".join(lines)
