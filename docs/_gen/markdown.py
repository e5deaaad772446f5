"""Small helpers for writing Markdown from data."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def cell(value: Any) -> str:
    """A value for a Markdown table cell: pipes escaped, line breaks flattened."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:g}"
    text = " ".join(str(value).split())
    return text.replace("|", "\\|") if text else "–"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
          align: Sequence[str] | None = None) -> str:
    """A Markdown table; ``align`` holds ``l`` or ``r`` per column."""
    align = align or ["l"] * len(headers)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(cell(r) for r in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(text: str, lang: str = "text") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}\n"
