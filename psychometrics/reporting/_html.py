"""Small HTML building blocks for the report: escaping, tables, notices and the stylesheet.

Everything is inline: one file, no scripts, no fonts or images fetched from anywhere. The
page's Content-Security-Policy forbids any network request, so a report that opens
offline today opens offline in ten years.
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
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
figure { margin: .6rem 0 1.2rem; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
.table-head { display: flex; justify-content: flex-end; margin: .2rem 0 -.2rem; }
a.csv { font-size: .8rem; text-decoration: none; border: 1px solid var(--rule);
        border-radius: 3px; padding: 0 6px; color: var(--blue); }
table.summary td, table.summary th { white-space: normal; }
blockquote.apa { margin: .6rem 0 1rem; padding: 8px 12px; border-left: 4px solid var(--blue);
                 background: var(--band); user-select: all; -webkit-user-select: all; }
td.strong { font-weight: 700; }
figcaption { font-size: .85rem; color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
              font-size: .85em; }
.hash { word-break: break-all; }
footer { margin-top: 3rem; padding-top: 8px; padding-bottom: 32px; border-top: 1px solid
         var(--rule); color: var(--muted); font-size: .85rem; }
/* phones: everything stays inside the screen; wide tables and plots scroll in their box,
   and plots keep at least 0.85 of their size so their text stays readable (>= 9 px) */
@media (max-width: 700px) {
  html { font-size: 14px; }
  header, main, footer { padding: 0 10px; }
  nav.toc ol { columns: 1; }
  table.kv th { width: auto; }
  table.kv, table.kv tbody, table.kv tr, table.kv th, table.kv td { display: block; }
  table.kv th { border-bottom: none; padding-bottom: 0; }
  figure svg { max-width: none; width: 85%; min-width: 544px; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; }
  table.stack tr { border-bottom: 2px solid var(--ink); padding: 4px 0; }
  table.stack td { border: none; text-align: left; white-space: normal; padding: 2px 4px; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; }
  tbody tr:nth-child(even) td { background: none; }
}
@media print {
  .table-head { display: none; }
  figure { overflow: visible; }
  figure svg { min-width: 0; width: auto; max-width: 100%; }
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
    csv: bool = True,
) -> str:
    """A DataFrame as an HTML table: numbers right-aligned with fixed decimals.

    ``raw_html`` names columns whose cells are already HTML (not escaped). With ``csv``
    the table carries a link that downloads it as CSV (full precision) from a data URI:
    the file stays self-contained and nothing is fetched. The link's file name is
    ``table.csv`` until :func:`name_downloads` numbers them per section.
    """
    raw = set(raw_html)
    stacked = "stack" in classes.split()  # on phones, one card per row (labels from here)
    cols = list(frame.columns)
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) and
               not pd.api.types.is_bool_dtype(frame[c]) for c in cols}
    out = [csv_link(frame, index=index, index_label=index_label, raw_html=raw)] if csv else []
    out.append(f'<div class="scroll"><table class="{esc(classes)}">')
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
            label = f' data-label="{esc(c)}"' if stacked else ""
            if c in raw:
                cells.append(f"<td{label}>{v if isinstance(v, str) else fmt(v, d)}</td>")
            elif numeric[c]:
                cells.append(f'<td class="num"{label}>{esc(fmt(v, d))}</td>')
            else:
                cells.append(f"<td{label}>{esc(fmt(v, d))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


_TAG = re.compile(r"<[^>]+>")


def csv_link(frame: pd.DataFrame, *, index: bool = True, index_label: str | None = None,
             raw_html: Iterable[str] = ()) -> str:
    """A "CSV" link whose data URI holds ``frame`` (HTML cells as their text)."""
    plain = frame.copy()
    for c in set(raw_html) & set(plain.columns):
        plain[c] = [html.unescape(_TAG.sub(" ", v)).strip() if isinstance(v, str) else v
                    for v in plain[c]]
    text = plain.to_csv(index=index, index_label=index_label, lineterminator="\r\n")
    uri = "data:text/csv;charset=utf-8," + urllib.parse.quote("\ufeff" + text, safe="")
    return (f'<div class="table-head"><a class="csv" download="table.csv" href="{uri}" '
            'title="Download this table as CSV">CSV</a></div>')


def name_downloads(fragment: str, stem: str) -> str:
    """Number the CSV downloads of ``fragment``: ``{stem}-1.csv``, ``{stem}-2.csv``, ..."""
    count = iter(range(1, 10_000))
    return re.sub(r'download="table\.csv"', lambda _: f'download="{stem}-{next(count)}.csv"',
                  fragment)


def key_values(pairs: Sequence[tuple[str, Any]], *, raw: Iterable[str] = ()) -> str:
    """A two-column table of labels and values (values in ``raw`` are HTML)."""
    rawset = set(raw)
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{v if k in rawset else esc(fmt(v))}</td></tr>"
        for k, v in pairs)
    frame = pd.DataFrame({"": [k for k, _ in pairs],
                          "value": [v if k in rawset else fmt(v) for k, v in pairs]})
    return (csv_link(frame, index=False, raw_html=("value",))
            + f'<table class="kv"><tbody>{rows}</tbody></table>')


def notice(kind: str, title: str, body: str = "", items: Sequence[str] = ()) -> str:
    """A boxed notice. ``kind``: ``unavailable``, ``error``, ``warning`` or ``info``."""
    lst = ("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>") if items else ""
    return (f'<div class="notice {esc(kind)}" role="note"><strong>{esc(title)}</strong>'
            f"{esc(body)}{lst}</div>")


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"
