"""Inline SVG plots for the report, written by hand.

Why not matplotlib: the report must work on a base install (matplotlib is only in the
``plot`` extra), its SVG output is large and embeds glyphs as paths (hard to search, heavy to
print), and its colours and fonts would need as much code to control. These plots are plain
SVG text: small, deterministic (the same data give the same bytes), accessible (``<title>``
and ``<desc>``), sharp in print, and coloured with palettes that colour-blind readers can
tell apart (Okabe & Ito 2008; ColorBrewer's sequential Blues) while every series is also
distinguished by a marker shape or dash pattern, so they survive black-and-white printing.

Each function returns one ``<svg>`` element as a string.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from psychometrics.reporting._html import esc

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "black": "#000000",
}
# ColorBrewer Blues (light to dark): monotonic in lightness, so ordered response categories
# stay ordered in greyscale print.
BLUES = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c",
         "#08306b"]
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial," \
       "sans-serif"
INK = "#222222"
GRID = "#d9d9d9"


def _f(x: float) -> str:
    """A coordinate with two decimals at most (short, deterministic output)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]``.

    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    >>> nice_ticks(10, 40, 4)
    [10.0, 20.0, 30.0, 40.0]
    """
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    # The ticks cover [lo, hi]: the first at or below lo, the last at or above hi.
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [float(round(i * step, 10)) for i in range(first, last + 1)]


def sequential_colours(n: int) -> list[str]:
    """``n`` colours from light to dark blue (ColorBrewer Blues, interpolated).

    >>> sequential_colours(2)
    ['#deebf7', '#08306b']
    """
    if n <= 0:
        return []
    if n == 1:
        return [BLUES[4]]
    anchors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in BLUES], dtype=float)
    pos = np.linspace(0, len(BLUES) - 1, n)
    out = []
    for p in pos:
        lo = math.floor(p)
        hi = min(lo + 1, len(BLUES) - 1)
        rgb = anchors[lo] + (anchors[hi] - anchors[lo]) * (p - lo)
        out.append("#" + "".join(f"{round(v):02x}" for v in rgb))
    return out


def _is_dark(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


def _heading(x: float, y: float, title: str) -> str:
    return (f'<text x="{x}" y="{y}" font-size="14" font-weight="600" fill="{INK}">'
            f"{esc(title)}</text>")


def _y_grid(y: float, x0: float, x1: float, label: str, size: int = 11) -> str:
    """A horizontal grid line from x0 to x1, labelled left of x0."""
    return (f'<line x1="{x0}" x2="{x1}" y1="{_f(y)}" y2="{_f(y)}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{x0 - 6}" y="{_f(y + 4)}" font-size="{size}" '
            f'text-anchor="end" fill="{INK}">{label}</text>')


def _x_tick(x: float, y0: float, y1: float, label_y: float, label: str, stroke: str = INK
            ) -> str:
    """A vertical tick mark (or, with ``stroke=GRID``, grid line) from y0 to y1, labelled
    below at label_y."""
    return (f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{y0}" y2="{y1}" stroke="{stroke}"/>'
            f'<text x="{_f(x)}" y="{label_y}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{label}</text>')


def _svg_open(width: int, height: int, title: str, desc: str, uid: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-labelledby="{uid}-t {uid}-d" style="{FONT}">'
            f'<title id="{uid}-t">{esc(title)}</title><desc id="{uid}-d">{esc(desc)}</desc>')


def _uid(prefix: str, *parts: object) -> str:
    import hashlib

    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{digest}"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: values at x = 1, 2, ..., its label and its look."""

    label: str
    values: Sequence[float]
    colour: str = OKABE_ITO["blue"]
    marker: str = "circle"  # circle, triangle, square, none
    dash: str | None = None  # SVG stroke-dasharray, e.g. "6 4"
    filled: bool = True


def _marker(shape: str, x: float, y: float, colour: str, filled: bool, size: float = 4.0
            ) -> str:
    fill = colour if filled else "#ffffff"
    style = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(size)}" {style}/>'
    if shape == "square":
        s = size * 1.7
        return (f'<rect x="{_f(x - s / 2)}" y="{_f(y - s / 2)}" width="{_f(s)}" '
                f'height="{_f(s)}" {style}/>')
    if shape == "triangle":
        s = size * 1.25
        pts = f"{_f(x)},{_f(y - s)} {_f(x - s)},{_f(y + s * 0.8)} {_f(x + s)},{_f(y + s * 0.8)}"
        return f'<polygon points="{pts}" {style}/>'
    return ""


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    reference: float | None = None,
    highlight: int | None = None,
    highlight_label: str = "",
    width: int = 640,
    height: int = 360,
) -> str:
    """A line chart over x = 1..p, e.g. a scree plot with parallel-analysis thresholds.

    ``reference`` draws a thin horizontal line (e.g. eigenvalue 1); ``highlight`` marks the
    x position of a decision (e.g. the suggested number of factors) with a labelled band.

    >>> svg = line_chart([Series("observed", [2.5, 0.6, 0.3])], title="Scree",
    ...                  xlabel="Factor", ylabel="Eigenvalue")
    >>> svg.startswith("<svg") and "<title" in svg and svg.endswith("</svg>")
    True
    """
    left, right, top = 56, 16, 40
    legend: list[tuple[float, int]] = []  # (x, row) of each legend entry
    lx, row = float(left), 0
    for s in series:
        w = 44 + 6.2 * len(s.label)
        if lx + w > width - right and lx > left:
            lx, row = float(left), row + 1
        legend.append((lx, row))
        lx += w
    bottom = 60 + 18 * (row + 1)
    pw, ph = width - left - right, height - top - bottom
    p = max((len(s.values) for s in series), default=0)
    finite = [v for s in series for v in s.values if v is not None and math.isfinite(v)]
    if reference is not None:
        finite.append(reference)
    ymin = min(0.0, min(finite, default=0.0))
    ymax = max(finite, default=1.0)
    ticks = nice_ticks(ymin, ymax if ymax > ymin else ymin + 1, 6)
    ylo, yhi = (ticks[0], ticks[-1]) if ticks else (ymin, ymax)
    if yhi <= ylo:
        yhi = ylo + 1

    def sx(i: float) -> float:
        return left + (pw * (i - 1) / (p - 1) if p > 1 else pw / 2)

    def sy(v: float) -> float:
        return top + ph * (1 - (v - ylo) / (yhi - ylo))

    uid = _uid("line", title, *(s.label for s in series), *(v for s in series for v in s.values))
    desc = "; ".join(f"{s.label}: " + ", ".join("NA" if v is None or not math.isfinite(v)
                                                 else f"{v:.2f}" for v in s.values)
                     for s in series)
    out = [_svg_open(width, height, title, desc, uid)]
    out.append(_heading(left, 20, title))
    out.extend(_y_grid(sy(t), left, left + pw, f"{t:g}") for t in ticks)
    if highlight is not None and 1 <= highlight <= p:
        x = sx(highlight)
        out.append(f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{top}" y2="{top + ph}" '
                   f'stroke="{INK}" stroke-width="1" stroke-dasharray="2 3"/>')
        if highlight_label:
            anchor = "start" if highlight < p * 0.7 else "end"
            dx = 5 if anchor == "start" else -5
            out.append(f'<text x="{_f(x + dx)}" y="{top + 12}" font-size="11" '
                       f'text-anchor="{anchor}" fill="{INK}">{esc(highlight_label)}</text>')
    if reference is not None and ylo <= reference <= yhi:
        y = sy(reference)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_f(y)}" y2="{_f(y)}" '
                   f'stroke="#777777" stroke-width="1"/>')
    # axes
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="{INK}"/>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" '
               f'stroke="{INK}"/>')
    step = max(1, math.ceil(p / 20))
    out.extend(_x_tick(sx(i), top + ph, top + ph + 4, top + ph + 16, str(i))
               for i in range(1, p + 1, step))
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 32}" font-size="12" '
               f'text-anchor="middle" fill="{INK}">{esc(xlabel)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2:.1f}) rotate(-90)" '
               f'font-size="12" text-anchor="middle" fill="{INK}">{esc(ylabel)}</text>')
    for s in series:
        pts = [(sx(i + 1), sy(v)) for i, v in enumerate(s.values)
               if v is not None and math.isfinite(v)]
        if len(pts) > 1:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            path = " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{s.colour}" '
                       f'stroke-width="2"{dash}/>')
        out.extend(_marker(s.marker, x, y, s.colour, s.filled) for x, y in pts)
    # legend below the plot, one entry per series
    for s, (lx, row) in zip(series, legend, strict=True):
        ly = top + ph + 50 + 18 * row
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(f'<line x1="{lx}" x2="{lx + 28}" y1="{ly}" y2="{ly}" stroke="{s.colour}" '
                   f'stroke-width="2"{dash}/>')
        out.append(_marker(s.marker, lx + 14, ly, s.colour, s.filled))
        out.append(f'<text x="{lx + 34}" y="{ly + 4}" font-size="11" fill="{INK}">'
                   f"{esc(s.label)}</text>")
    out.append("</svg>")
    return "".join(out)


def histograms(
    panels: Sequence[tuple[str, np.ndarray]],
    *,
    lo: float,
    hi: float,
    title: str,
    xlabel: str,
    discrete_step: float | None = None,
    width: int = 640,
    panel_height: int = 110,
) -> str:
    """Histograms of one score, one panel per group, on a shared x axis (small multiples).

    Bars show the *percentage* of each panel's scored respondents, so groups of different
    size compare directly. With ``discrete_step`` (e.g. 1 for a sum of integer answers)
    each possible value gets its own bar; otherwise about 20 bins span ``[lo, hi]``.
    Each panel is labelled with its n, mean and SD; missing scores are not drawn.

    >>> svg = histograms([("all", np.array([1.0, 2, 2, 3]))], lo=1, hi=4,
    ...                  title="Score", xlabel="score", discrete_step=1)
    >>> svg.count("<rect") >= 3
    True
    """
    if discrete_step:
        edges = np.arange(lo - discrete_step / 2, hi + discrete_step, discrete_step)
    else:
        edges = np.linspace(lo, hi, 21)
    if len(edges) > 61:  # many distinct sums (e.g. 0-100): group them into ~30 bars
        edges = np.linspace(edges[0], edges[-1], 31)
    left, right, top, gap, bottom = 56, 16, 30, 18, 44
    pw = width - left - right
    height = top + len(panels) * (panel_height + gap) + bottom
    uid = _uid("hist", title, *(lab for lab, _ in panels),
               *(float(np.nansum(v)) for _, v in panels))
    descs = []
    out: list[str] = []

    def sx(v: float) -> float:
        return left + pw * (v - edges[0]) / (edges[-1] - edges[0])

    out.append(_heading(left, 18, title))
    for k, (label, values) in enumerate(panels):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        counts, _ = np.histogram(v, bins=edges)
        pct = 100 * counts / max(len(v), 1)
        pmax = max(float(pct.max()) if len(pct) else 0.0, 1.0)
        ymax = nice_ticks(0, pmax, 2)[-1]
        y0 = top + k * (panel_height + gap)
        base = y0 + panel_height
        stats = (f"n = {len(v)}" + (f", mean {v.mean():.2f}, SD {v.std(ddof=1):.2f}"
                                    if len(v) > 1 else ""))
        descs.append(f"{label}: {stats}")
        out.append(f'<text x="{left}" y="{y0 + 10}" font-size="11" fill="{INK}">'
                   f'<tspan font-weight="600">{esc(label)}</tspan> {esc(stats)}</text>')
        out.extend(_y_grid(base - (panel_height - 16) * t / ymax, left, left + pw,
                           f"{t:g}%", size=10) for t in (0, ymax / 2, ymax))
        for j, c in enumerate(pct):
            if c <= 0:
                continue
            x0, x1 = sx(edges[j]), sx(edges[j + 1])
            h = (panel_height - 16) * c / ymax
            out.append(f'<rect x="{_f(x0 + 0.5)}" y="{_f(base - h)}" '
                       f'width="{_f(max(x1 - x0 - 1, 0.5))}" height="{_f(h)}" '
                       f'fill="{OKABE_ITO["blue"]}"><title>{esc(label)}: '
                       f'{edges[j]:g} to {edges[j + 1]:g}: {counts[j]} ({c:.1f}%)</title></rect>')
        if len(v):
            m = sx(float(v.mean()))
            out.append(f'<line x1="{_f(m)}" x2="{_f(m)}" y1="{y0 + 14}" y2="{_f(base)}" '
                       f'stroke="{OKABE_ITO["vermillion"]}" stroke-width="2" '
                       f'stroke-dasharray="5 3"/>')
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_f(base)}" y2="{_f(base)}" '
                   f'stroke="{INK}"/>')
    axis_y = top + len(panels) * (panel_height + gap) - gap + 2
    out.extend(_x_tick(sx(t), axis_y - 2, axis_y + 3, axis_y + 15, f"{t:g}")
               for t in nice_ticks(float(lo), float(hi), 8) if edges[0] <= t <= edges[-1])
    out.append(f'<text x="{left + pw / 2:.1f}" y="{axis_y + 32}" font-size="12" '
               f'text-anchor="middle" fill="{INK}">{esc(xlabel)} (dashed line: mean)</text>')
    desc = f"Percentage of respondents by {xlabel}. " + "; ".join(descs)
    return _svg_open(width, height, title, desc, uid) + "".join(out) + "</svg>"


def stacked_bars(
    rows: Sequence[str],
    categories: Sequence[str],
    proportions: np.ndarray,
    *,
    title: str,
    width: int = 640,
    row_height: int = 22,
) -> str:
    """100% stacked horizontal bars: the distribution of answers to each item.

    ``proportions`` has one row per item and one column per response category (rows sum
    to 1 over the answered cells). Categories are shaded light to dark in their order, and
    shares of 8% or more are written inside their segment.

    >>> svg = stacked_bars(["q1", "q2"], ["no", "yes"], np.array([[0.25, 0.75], [0.5, 0.5]]),
    ...                    title="Answers")
    >>> "75%" in svg
    True
    """
    colours = sequential_colours(len(categories))
    label_w = max(48, 7 * max((len(r) for r in rows), default=4) + 10)
    left, right, top = label_w, 16, 30
    pw = width - left - right
    legend_rows = math.ceil(len(categories) / 4)
    height = top + len(rows) * (row_height + 4) + 20 + 18 * legend_rows
    uid = _uid("bars", title, *rows, *categories, float(np.nansum(proportions)))
    out = [_heading(8, 18, title)]
    descs = []
    for i, row in enumerate(rows):
        y = top + i * (row_height + 4)
        out.append(f'<text x="{left - 6}" y="{y + row_height / 2 + 4:.1f}" font-size="11" '
                   f'text-anchor="end" fill="{INK}">{esc(row)}</text>')
        x = float(left)
        shares = []
        for j, share in enumerate(proportions[i]):
            if not math.isfinite(share) or share <= 0:
                shares.append(f"{categories[j]} 0%")
                continue
            w = pw * share
            out.append(f'<rect x="{_f(x)}" y="{y}" width="{_f(w)}" height="{row_height}" '
                       f'fill="{colours[j]}" stroke="#ffffff" stroke-width="0.5"><title>'
                       f"{esc(row)}: {esc(categories[j])}: {100 * share:.1f}%</title></rect>")
            if share >= 0.08:
                tc = "#ffffff" if _is_dark(colours[j]) else INK
                out.append(f'<text x="{_f(x + w / 2)}" y="{y + row_height / 2 + 4:.1f}" '
                           f'font-size="10" text-anchor="middle" fill="{tc}">'
                           f"{100 * share:.0f}%</text>")
            shares.append(f"{categories[j]} {100 * share:.0f}%")
            x += w
        descs.append(f"{row}: " + ", ".join(shares))
    ly = top + len(rows) * (row_height + 4) + 14
    col_w = pw / 4
    for j, cat in enumerate(categories):
        lx = left + (j % 4) * col_w
        yy = ly + (j // 4) * 18
        out.append(f'<rect x="{_f(lx)}" y="{yy - 9}" width="12" height="12" '
                   f'fill="{colours[j]}" stroke="#999999" stroke-width="0.5"/>')
        text = cat if len(cat) <= 28 else cat[:27] + "…"
        out.append(f'<text x="{_f(lx + 16)}" y="{yy + 1}" font-size="10" fill="{INK}">'
                   f"{esc(text)}</text>")
    desc = "Share of answers per response category. " + "; ".join(descs)
    return _svg_open(width, height, title, desc, uid) + "".join(out) + "</svg>"


def interval_chart(
    rows: Sequence[str],
    estimates: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    *,
    published: Sequence[tuple[float, float] | None] = (),
    title: str,
    xlabel: str,
    lo: float = 0.0,
    hi: float = 1.0,
    width: int = 640,
    row_height: int = 26,
    published_legend: bool = True,
) -> str:
    """Point estimates with confidence intervals, beside a published value or range.

    The published value (or range) is a grey band behind the row, so it is visible in print
    and independent of colour; the estimate is a filled circle with its interval as a line.

    >>> svg = interval_chart(["total"], [0.85], [0.82], [0.88], published=[(0.76, 0.90)],
    ...                      title="Alpha", xlabel="alpha")
    >>> "<circle" in svg
    True
    """
    label_w = max(60, 7 * max((len(r) for r in rows), default=4) + 12)
    left, right, top, bottom = label_w, 16, 30, 66
    pw = width - left - right
    height = top + len(rows) * row_height + bottom
    finite = [v for v in (*lower, *upper, *estimates) if v is not None and math.isfinite(v)]
    finite += [v for pr in published if pr for v in pr]
    lo = min([lo, *finite])
    ticks = nice_ticks(lo, hi, 5)
    lo, hi = ticks[0], ticks[-1]

    def sx(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    uid = _uid("ci", title, *rows, *estimates)
    base = top + len(rows) * row_height
    out = [_heading(8, 18, title)]
    out.extend(_x_tick(sx(t), top, base, base + 16, f"{t:g}", stroke=GRID) for t in ticks)
    descs = []
    for i, row in enumerate(rows):
        yc = top + i * row_height + row_height / 2
        pub = published[i] if i < len(published) else None
        if pub is not None:
            a, b = pub
            if b - a < 0.004:
                a, b = a - 0.002, b + 0.002
            out.append(f'<rect x="{_f(sx(a))}" y="{_f(yc - row_height / 2 + 3)}" '
                       f'width="{_f(sx(b) - sx(a))}" height="{row_height - 6}" fill="#bdbdbd"'
                       f' fill-opacity="0.7"><title>published: {pub[0]:g}'
                       + (f" to {pub[1]:g}" if pub[1] != pub[0] else "")
                       + "</title></rect>")
        out.append(f'<text x="{left - 6}" y="{_f(yc + 4)}" font-size="11" text-anchor="end" '
                   f'fill="{INK}">{esc(row)}</text>')
        est, lw, up = estimates[i], lower[i], upper[i]
        if lw is not None and up is not None and math.isfinite(lw) and math.isfinite(up):
            out.append(f'<line x1="{_f(sx(lw))}" x2="{_f(sx(up))}" y1="{_f(yc)}" y2="{_f(yc)}" '
                       f'stroke="{OKABE_ITO["blue"]}" stroke-width="2"/>')
            for end in (lw, up):
                out.append(f'<line x1="{_f(sx(end))}" x2="{_f(sx(end))}" y1="{_f(yc - 5)}" '
                           f'y2="{_f(yc + 5)}" stroke="{OKABE_ITO["blue"]}" stroke-width="2"/>')
        if est is not None and math.isfinite(est):
            out.append(_marker("circle", sx(est), yc, OKABE_ITO["blue"], True, 4.5))
            descs.append(f"{row}: {est:.3f}" + (f" [{lw:.3f}, {up:.3f}]"
                                                 if lw is not None and math.isfinite(lw) else ""))
        else:
            descs.append(f"{row}: not available")
    out.append(f'<text x="{left + pw / 2:.1f}" y="{base + 32}" font-size="12" '
               f'text-anchor="middle" fill="{INK}">{esc(xlabel)}</text>')
    ly = base + 48
    lx = 12  # the legend starts at the figure's edge: long row labels widen `left`
    out.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{ly}" y2="{ly}" '
               f'stroke="{OKABE_ITO["blue"]}" stroke-width="2"/>')
    out.append(_marker("circle", lx + 12, ly, OKABE_ITO["blue"], True, 4.5))
    out.append(f'<text x="{lx + 30}" y="{ly + 4}" font-size="11" fill="{INK}">'
               f"this sample (confidence interval)</text>")
    if published_legend:  # off where nothing published is drawn (e.g. effect sizes)
        out.append(f'<rect x="{lx + 230}" y="{ly - 7}" width="24" height="14" '
                   f'fill="#bdbdbd" fill-opacity="0.7"/>')
        out.append(f'<text x="{lx + 260}" y="{ly + 4}" font-size="11" fill="{INK}">'
                   f"published value or range</text>")
    desc = f"{xlabel} by scale with confidence intervals. " + "; ".join(descs)
    return _svg_open(width, height, title, desc, uid) + "".join(out) + "</svg>"
