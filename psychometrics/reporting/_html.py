"""Small HTML building blocks for the report: escaping, tables, notices and the stylesheet.

Everything is inline: one file, no scripts, no fonts or images fetched from anywhere. The
page's Content-Security-Policy forbids any network request, so a report that opens
offline today opens offline in ten years.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")

CSS = """
:root { --ink: #1f1f1f; --muted: #5a5a5a; --rule: #d0d0d0; --band: #f4f6f8;
        --blue: #0072B2; --amber: #9a6700; --red: #b3261e; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 2px solid var(--ink); }
header h1 { margin: 0 0 4px; font-size: 1.7rem; }
header .subtitle { color: var(--muted); margin: 0 0 12px; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: 4px;
     border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p { margin: .4rem 0 .7rem; }
a { color: var(--blue); }
nav.toc { margin: 12px 0 0; padding: 8px 0 12px; font-size: .92rem; }
nav.toc ol { margin: 0; padding-left: 1.4rem; columns: 2; }
nav.toc .status { color: var(--muted); font-size: .85em; }
.banner { border: 2px solid var(--ink); background: #fff7d6; padding: 8px 12px;
          margin: 12px 0; font-weight: 600; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .88rem;
        font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); text-align: left; background: var(--band); }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafafa; }
table.kv th { text-align: left; font-weight: 600; background: none; width: 13em; }
.scroll { overflow-x: auto; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.flag { color: var(--red); font-weight: 600; }
.notice { border-left: 5px solid var(--muted); background: var(--band); padding: 8px 12px;
          margin: .6rem 0 1rem; }
.notice strong { display: inline-block; margin-right: .4em; }
.notice.unavailable { border-left-color: var(--amber); background: #fff4e0; }
.notice.error { border-left-color: var(--red); background: #fdecea; }
.notice.warning { border-left-color: var(--amber); }
.notice ul { margin: .3rem 0 0; padding-left: 1.2rem; }
figure { margin: .6rem 0 1.2rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
              font-size: .85em; }
.hash { word-break: break-all; }
footer { margin-top: 3rem; padding-top: 8px; padding-bottom: 32px; border-top: 1px solid
         var(--rule); color: var(--muted); font-size: .85rem; }
@media print {
  html { font-size: 11pt; }
  header, main, footer { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  figure, table.kv, .notice { break-inside: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .scroll { overflow: visible; }
  tbody tr:nth-child(even) td { background: none; }
}
@page { margin: 14mm; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 3) -> str:
    """A number for a table: fixed decimals, integers as integers, missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return f"{v:.{digits}f}"
    if value is pd.NA or value is pd.NaT:
        return "–"
    return str(value)


def p_value(p: Any) -> str:
    try:
        p = float(p)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(p):
        return "–"
    return "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")


def table(
    frame: pd.DataFrame,
    *,
    digits: int | dict[str, int] = 3,
    index: bool = True,
    index_label: str | None = None,
    classes: str = "",
    raw_html: Iterable[str] = (),
    caption: str | None = None,
) -> str:
    """A DataFrame as an HTML table: numbers right-aligned with fixed decimals.

    ``raw_html`` names columns whose cells are already HTML (not escaped).
    """
    raw = set(raw_html)
    cols = list(frame.columns)
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) and
               not pd.api.types.is_bool_dtype(frame[c]) for c in cols}
    out = [f'<div class="scroll"><table class="{esc(classes)}">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    head = []
    if index:
        name = index_label if index_label is not None else (frame.index.name or "")
        head.append(f"<th>{esc(name)}</th>")
    head += [f'<th class="{"num" if numeric[c] else ""}">{esc(c)}</th>' for c in cols]
    out.append("<thead><tr>" + "".join(head) + "</tr></thead><tbody>")
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [f"<th>{esc(label)}</th>"] if index else []
        for c, v in zip(cols, row, strict=True):
            d = digits.get(str(c), 3) if isinstance(digits, dict) else digits
            if c in raw:
                cells.append(f"<td>{v if isinstance(v, str) else fmt(v, d)}</td>")
            elif numeric[c]:
                cells.append(f'<td class="num">{esc(fmt(v, d))}</td>')
            else:
                cells.append(f"<td>{esc(fmt(v, d))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def key_values(pairs: Sequence[tuple[str, Any]], *, raw: Iterable[str] = ()) -> str:
    """A two-column table of labels and values (values in ``raw`` are HTML)."""
    rawset = set(raw)
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{v if k in rawset else esc(fmt(v))}</td></tr>"
        for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


def notice(kind: str, title: str, body: str = "", items: Sequence[str] = ()) -> str:
    """A boxed notice. ``kind``: ``unavailable``, ``error``, ``warning`` or ``info``."""
    lst = ("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>") if items else ""
    return (f'<div class="notice {esc(kind)}" role="note"><strong>{esc(title)}</strong>'
            f"{esc(body)}{lst}</div>")


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"
