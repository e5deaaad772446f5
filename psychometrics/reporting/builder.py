"""Build the analysis report: one self-contained HTML file from data and an instrument.

Each section calls the package's public API (``validate``, ``score``, ``item_data``,
``alpha``, ``omega``, ``kmo``, ``bartlett``, ``parallel_analysis``, ``efa``, ``cfa``) and
never fails silently: a statistic missing from the installation, an error, or a numerical
warning is written into its section, visibly, and recorded in :attr:`Report.sections`.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics import __version__
from psychometrics.analysis import group_masks
from psychometrics.catalog import as_instrument
from psychometrics.reporting import plots
from psychometrics.reporting._html import (
    CSP,
    CSS,
    esc,
    figure,
    key_values,
    notice,
    table,
)
from psychometrics.reporting.model_sections import (
    _section_cfa,
    _section_items,
    _section_structure,
    _section_summary,
)
from psychometrics.reporting.scale_summary import ScaleSummary
from psychometrics.reporting.sections import (  # noqa: F401  (Unavailable, _api: re-exported)
    _STATUS_TEXT,
    MIN_GROUP,
    REPORT_ESTIMATORS,
    Section,
    Unavailable,
    _api,
    _Builder,
    _Context,
    _need_items,
)
from psychometrics.schema import Instrument
from psychometrics.validation import Columns

SECTIONS: list[tuple[str, str]] = [
    ("summary", "Summary"),
    ("instrument", "Instrument and provenance"),
    ("validation", "Data validation"),
    ("scores", "Score distributions"),
    ("reliability", "Reliability"),
    ("items", "Item statistics"),
    ("structure", "Dimensionality: scree plot and parallel analysis"),
    ("cfa", "Confirmatory factor analysis"),
]


@dataclass(frozen=True)
class Report:
    """A rendered analysis report.

    Attributes
    ----------
    instrument : str
        Id of the instrument.
    html : str
        The complete, self-contained HTML document.
    sections : tuple of Section
        Every section with its status, in the order of the document.
    """

    instrument: str
    html: str
    sections: tuple[Section, ...]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML document (UTF-8) and return its path."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out

    @property
    def problems(self) -> list[Section]:
        """The sections whose status is not ``ok``."""
        return [s for s in self.sections if s.status != "ok"]

    def summary(self) -> str:
        """One line per section: its status and, if not ok, why."""
        lines = [f"Report for {self.instrument}: {len(self.sections)} sections"]
        for s in self.sections:
            lines.append(f"  {s.status:<11} {s.title}")
            lines.extend(f"              - {m}" for m in s.messages)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        # The report has its own stylesheet: isolate it from the notebook's in an iframe.
        return (f'<iframe srcdoc="{esc(self.html)}" style="width:100%;height:720px;'
                f'border:1px solid #ccc" title="psychometrics report: {esc(self.instrument)}">'
                "</iframe>")


def report(
    data: pd.DataFrame,
    instrument: Instrument | str,
    *,
    columns: Columns = None,
    group: str | None = None,
    id_column: str | None = None,
    ci: float = 0.95,
    ci_method: str = "feldt",
    n_boot: int = 2000,
    n_iter: int = 100,
    seed: int | None = 1,
    cfa_missing: str = "fiml",
    estimator: str = "ML",
    title: str | None = None,
    note: str | None = None,
    data_name: str | None = None,
    output: str | os.PathLike[str] | None = None,
) -> Report:
    """An analysis report of response data for one instrument, as one HTML file.

    The report opens with a summary (per scale: n, alpha with its interval beside the
    published value, omega with its interval, the CFA fit in one line, flags, and the
    same as sentences to copy into a paper); then seven sections: the instrument and its
    provenance (id, definition
    version, SHA-256), the validation summary with the problem rows, score distributions
    per scale (and per group), reliability (alpha with its confidence interval, omega,
    G6) beside the published values, item statistics (means, SDs, response frequencies,
    corrected item-total r, alpha if an item is deleted, flagged items), a scree plot with
    parallel analysis (with KMO, Bartlett and an EFA of the suggested number of factors),
    and the CFA fit with standardized loadings. Plots are inline SVG; the file needs no
    network to open and prints cleanly.

    Statistics are computed on the keyed items (reverse-keyed items recoded) from
    :func:`psychometrics.item_data`, with unusable cells treated as missing (the validation
    section lists them). A section whose statistic fails or is not installed says so in the
    document and in :attr:`Report.sections`; nothing is left out silently.

    Parameters
    ----------
    data
        One row per respondent.
    instrument
        An :class:`~psychometrics.schema.Instrument` or a built-in id.
    columns
        Item id -> column name (dict or format string such as ``"GSE_{n}"``).
    group
        A column of ``data`` whose values define groups (e.g. ``"role"``): score
        distributions and reliability are then also shown per group.
    id_column
        Column of respondent ids, used in the validation messages.
    ci, ci_method, n_boot
        Confidence level and method of alpha's interval (``"feldt"``, ``"duhachek"`` or
        ``"bootstrap"`` with ``n_boot`` resamples), see :func:`psychometrics.alpha`.
    n_iter, seed
        Simulated data sets of the parallel analysis and the seed of every random step
        (the default seed makes the report reproducible).
    cfa_missing
        ``"fiml"`` (default; full-information ML when items are missing) or ``"listwise"``.
    estimator
        The CFA's estimator, as :func:`psychometrics.cfa`: ``"ML"`` (default), or a robust
        one for non-normal (e.g. Likert) items, ``"MLR"`` (works with FIML), ``"MLM"``,
        ``"MLMV"`` (complete cases only: with missing answers the CFA uses complete rows
        and says so). The fit line then reports the scaled chi-square and the robust CFI,
        TLI and RMSEA, naming them.
        For ordered categories, one of lavaan's least-squares estimators for ordered items
        (``"WLSMV"``, ``"WLSM"``, ``"DWLS"``, ``"ULSMV"``, ``"ULSM"``): the CFA is fitted
        on thresholds and polychoric correlations (complete cases).
    title, note
        A title for the document and a note shown in a box at its top (e.g. "pilot data").
    data_name
        What the data are (e.g. the file name), recorded in the provenance.
    output
        If given, the HTML is also written to this path.

    Returns
    -------
    Report
        ``.html`` (the document), ``.sections`` (status of each), ``.save(path)``.

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import load_mentorship
    >>> rep = pm.report(load_mentorship(), "css", group="role", n_iter=20)
    >>> [s.id for s in rep.sections]
    ['summary', 'instrument', 'validation', 'scores', 'reliability', 'items', 'structure', 'cfa']
    >>> rep.html.startswith("<!DOCTYPE html>")
    True
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    inst = as_instrument(instrument)
    if cfa_missing not in ("fiml", "listwise"):
        raise ValueError(f"cfa_missing must be 'fiml' or 'listwise', not {cfa_missing!r}")
    est = estimator.upper() if isinstance(estimator, str) else ""
    if est not in REPORT_ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(map(repr, REPORT_ESTIMATORS))}"
                         f", not {estimator!r}")
    ctx = _Context(inst, data, columns, group, id_column, ci, ci_method, n_boot, n_iter, seed,
                   cfa_missing, est)
    ctx.groups = [] if group is None else group_masks(data, group)

    built: dict[str, _Builder] = {}
    # the summary comes first in the document but reads what the other sections found
    for sid, stitle in [*SECTIONS[1:], SECTIONS[0]]:
        b = _Builder(sid, stitle)
        try:
            _SECTION_FUNCS[sid](ctx, b)
        except Exception as exc:  # a bug in a section must not lose the others
            b.note("error", f"{type(exc).__name__}: {exc}")
            b.add(notice("error", "This section failed: ", f"{type(exc).__name__}: {exc}"))
        built[sid] = b
    builders = [built[sid] for sid, _ in SECTIONS]

    doc = _document(ctx, builders, title=title, note=note, data_name=data_name)
    result = Report(inst.id, doc, tuple(b.section() for b in builders))
    if output is not None:
        result.save(output)
    return result


# ------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------


def _section_instrument(ctx: _Context, b: _Builder) -> None:
    inst = ctx.inst
    prov = inst.provenance()
    cites = "<br>".join(
        esc(c.text.strip()) + (f' doi:<a href="https://doi.org/{esc(c.doi)}">{esc(c.doi)}</a>'
                               if c.doi else "")
        for c in inst.citations)
    b.add(key_values([
        ("Instrument", f"{inst.name}" + (f" ({inst.abbreviation})" if inst.abbreviation else "")),
        ("Id", prov["instrument"]),
        ("Definition version", prov["version"]),
        ("Follows", inst.follows.strip()),
        ("Definition SHA-256", f'<span class="mono hash">{esc(prov["sha256"])}</span>'),
        ("Construct", inst.construct),
        ("Language", inst.language),
        ("Adaptation", inst.adaptation or "none recorded"),
        ("Licence of the item text",
         f"{inst.licence.item_text}: {inst.licence.note.strip()}"),
        ("Citation", cites),
    ], raw=("Definition SHA-256", "Citation")))
    if inst.instructions:
        b.add(f'<p class="small"><strong>Instructions:</strong> {esc(inst.instructions)}</p>')
    restricted = inst.text_is_restricted
    rows = []
    for i, item in enumerate(inst.items, start=1):
        words = (item.paraphrase if restricted or item.text is None else item.text) or ""
        rows.append({"#": i, "item": item.id,
                     "wording" if not restricted else "paraphrase (licensed text not shown)":
                     words, "keyed": "reversed" if item.reverse else "+",
                     "response scale": inst.item_scale_name(item.id)})
    b.add("<h3>Items</h3>")
    if restricted:
        b.add('<p class="small muted">The item text of this instrument is licensed: the '
              "report shows neutral paraphrases, even when licensed text was loaded through "
              "an overlay, so that the report can be shared.</p>")
    b.add(table(pd.DataFrame(rows), index=False))
    b.add("<h3>Response scales</h3>")
    for name, rs in inst.response_scales.items():
        labels = "; ".join(f"{v} = {rs.labels[v]}" for v in rs.values)
        b.add(f"<p><strong>{esc(name)}</strong>: {esc(labels)}"
              + (f" (missing-value codes: {esc(', '.join(map(str, inst.missing_codes)))})"
                 if inst.missing_codes else "") + "</p>")
    b.add("<h3>Scoring</h3>")
    srows = []
    for name, sc in inst.scales.items():
        lo, hi = inst.score_range(name)
        tr = (f" × {sc.transform.multiply:g}" + (f" + {sc.transform.add:g}"
                                                 if sc.transform.add else "")
              if sc.transform else "")
        needed = sc.required_answers()
        if needed >= len(sc.items):  # nothing left to prorate: every item is required
            rule = f"all {len(sc.items)} answered"
        else:
            rule = (f"at least {needed} of {len(sc.items)} answered"
                    + ("; sum prorated" if sc.method == "sum" and sc.prorate else ""))
        bands = "; ".join((f"≤ {bd.max:g}: " if bd.max is not None else "above: ") + bd.label
                          for bd in sc.bands)
        srows.append({"score column": f"{inst.id}_{name}", "scale": sc.name,
                      "rule": f"{sc.method}{tr} of {len(sc.items)} items",
                      "range": f"{lo:g} to {hi:g}", "missing items": rule,
                      "bands": bands or "–"})
    b.add(table(pd.DataFrame(srows), index=False))


def _section_validation(ctx: _Context, b: _Builder) -> None:
    rep = b.call("validation of the data against the instrument", "validate", ctx.data,
                 ctx.inst, columns=ctx.columns, id_column=ctx.id_column)
    if rep is None:
        ctx.item_problem = "the data could not be validated"
        return
    n_err, n_warn = len(rep.errors), len(rep.warnings)
    ctx.validation_errors = n_err
    verdict = "OK: no errors" if rep.ok else f"NOT OK: {n_err} error(s)"
    b.add(f"<p><strong>{esc(verdict)}</strong>, {n_warn} warning(s) in {rep.n_rows:,} rows. "
          "Cells that are not valid answers are treated as missing in every statistic "
          "below.</p>")
    counts = rep.counts()
    if len(counts):
        b.add(table(counts, index=False))
    shown = rep.problems[rep.problems["severity"] != "info"]
    if len(shown):
        limit = 100
        b.add(f"<h3>Problem rows ({len(shown):,})</h3>")
        cols = ["row", "id", "column", "value", "rule", "severity", "message"]
        rows = shown[cols].head(limit).astype(object)
        rows["row"] = _sheet_rows(shown.head(limit))
        rows = rows.rename(columns={"row": "row in the file"})
        rows["value"] = [_show_value(v) for v in rows["value"]]
        b.add('<p class="small muted">Rows are numbered as a spreadsheet shows the file: '
              "1-based, the header being row 1.</p>")
        b.add(table(rows, index=False))
        if len(shown) > limit:
            b.add(f'<p class="small">… and {len(shown) - limit:,} more; '
                  "<code>psychometrics validate --format csv</code> lists every one.</p>")
    else:
        b.add("<p>No problem rows.</p>")
    missing_cols = rep.errors[rep.errors["rule"] == "missing_column"]
    if len(missing_cols):
        ctx.item_problem = ("item column(s) missing from the data: "
                            + ", ".join(map(str, missing_cols["column"])))
    miss = rep.missing
    n = max(rep.n_rows, 1)
    mtab = pd.DataFrame([[f"{int(m)} ({100 * m / n:.1f}%)" for m in miss]],
                        columns=list(miss.index), index=["missing (%)"])
    b.add("<h3>Missing answers per item</h3>")
    b.add('<p class="small muted">Empty cells and declared missing-value codes; cells that '
          "failed validation are counted among the problems above.</p>")
    b.add(table(mtab))
    if ctx.item_problem is None and _need_items(ctx, b):
        assert ctx.raw is not None
        patterns = _missing_patterns(ctx.raw[ctx.analysed_items()])
        b.add("<h3>Missing-data patterns</h3>")
        b.add('<p class="small muted">Each row is a combination of answered (+) and missing '
              "(–) items and the number of respondents who left exactly those items out "
              "(invalid cells count as missing), most frequent first.</p>")
        b.add(table(patterns, index=False))


def _sheet_rows(problems: pd.DataFrame) -> list[Any]:
    """Each problem's row as a spreadsheet shows the file (1-based, header counted)."""
    if "sheet_row" in problems:  # the reader knows the file's header rows
        return [None if pd.isna(v) else int(v) for v in problems["sheet_row"]]
    return [None if pd.isna(v) else int(v) + 2 for v in problems["row"]]


def _missing_patterns(raw: pd.DataFrame, limit: int = 12) -> pd.DataFrame:
    """The distinct patterns of answered (+) and missing (–) items, most frequent first."""
    answered = raw.notna().to_numpy()
    keys, counts = np.unique(answered, axis=0, return_counts=True)
    order = np.lexsort((keys.sum(axis=1), -counts))
    rows = []
    for k in order[:limit]:
        row = {"respondents": int(counts[k])}
        row |= {c: ("+" if keys[k, j] else "–") for j, c in enumerate(raw.columns)}
        row["missing items"] = int((~keys[k]).sum())
        rows.append(row)
    if len(order) > limit:
        rest = int(counts[order[limit:]].sum())
        rows.append({"respondents": rest} | {c: "" for c in raw.columns}
                    | {"missing items": f"{len(order) - limit} other patterns"})
    return pd.DataFrame(rows)


def _show_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _section_scores(ctx: _Context, b: _Builder) -> None:
    if not _need_items(ctx, b):
        return
    scores = b.call("the scores", "score", ctx.data, ctx.inst, columns=ctx.columns,
                    on_invalid="nan")
    if scores is None:
        return
    inst = ctx.inst
    b.add("<p>Scores follow the instrument's rules (keys, missing-item rule, transform). "
          "Histograms show the percentage of scored respondents; the dashed line is the "
          "mean.</p>")
    panels_for = [("All respondents", np.ones(len(ctx.data), dtype=bool)), *ctx.groups]
    shown_bands: dict[tuple[str, ...], tuple[str, pd.DataFrame]] = {}
    for name, sc in inst.scales.items():
        col = f"{inst.id}_{name}"
        values = scores[col].to_numpy(dtype=float)
        status = scores[f"{col}_status"].astype(str).to_numpy()
        rows = []
        for label, mask in panels_for:
            v = values[mask]
            ok = v[np.isfinite(v)]
            rows.append({
                "group": label, "respondents": int(mask.sum()), "scored": len(ok),
                "too few answered": int((status[mask] == "too few items answered").sum()),
                "none answered": int((status[mask] == "no items answered").sum()),
                "mean": ok.mean() if len(ok) else math.nan,
                "SD": ok.std(ddof=1) if len(ok) > 1 else math.nan,
                "min": ok.min() if len(ok) else math.nan,
                "median": float(np.median(ok)) if len(ok) else math.nan,
                "max": ok.max() if len(ok) else math.nan,
            })
        b.add(f"<h3>{esc(sc.name)} <span class='muted small'>({esc(col)})</span></h3>")
        b.add(table(pd.DataFrame(rows), index=False, digits=2))
        same = shown_bands.get(tuple(sc.items))
        band_counts = (scores[f"{col}_band"].cat.codes.value_counts().sort_index()
                       if sc.bands else None)
        if same is not None and (band_counts is None or band_counts.equals(same[1])):
            # e.g. WHO-5's percentage score: the raw score times 4, the same people in the
            # same bands; its histogram and band table would repeat the ones above
            b.add(f"<p class='small'>Same items, respondents and distribution as "
                  f"<code>{esc(same[0])}</code> (a transform of it)"
                  + (", in the same bands" if sc.bands else "")
                  + ": its histogram and band table are shown above.</p>")
            continue
        shown_bands[tuple(sc.items)] = (col, band_counts)
        lo, hi = inst.score_range(name)
        step = _score_step(inst, name)
        svg = plots.histograms(
            [(label, values[mask]) for label, mask in panels_for],
            lo=lo, hi=hi, title=f"{sc.name}: distribution", xlabel=f"{col} score",
            discrete_step=step)
        b.add(figure(svg, f"{sc.name}: percentage of scored respondents at each score"
                     + (" by group" if ctx.groups else "") + "."))
        if sc.bands:
            bands = scores[f"{col}_band"]
            btab = {}
            for label, mask in panels_for:
                counts = bands[mask].value_counts(sort=False)
                total = max(int(counts.sum()), 1)
                btab[label] = [f"{c} ({100 * c / total:.0f}%)" for c in counts]
            b.add("<p class='small'><strong>Interpretation bands</strong> (count and share of "
                  "scored respondents)</p>")
            b.add(table(pd.DataFrame(btab, index=list(bands.cat.categories)),
                        index_label="band"))


def _score_step(inst: Instrument, name: str) -> float | None:
    """The spacing of a sum's possible scores (one bar per score), else None (about 20
    bins). A prorated sum with missing answers falls between them, into the nearest bar."""
    sc = inst.scales[name]
    if sc.method != "sum":
        return None
    step = 1.0
    if sc.transform is not None:
        step *= abs(sc.transform.multiply)
    return step


def _published_text(p: Any) -> str:
    return f"{p.statistic} {p.value_text('–')} ({p.source})"


def _section_reliability(ctx: _Context, b: _Builder) -> None:
    if not _need_items(ctx, b):
        return
    assert ctx.keyed is not None
    inst = ctx.inst
    level = f"{ctx.ci:.0%}"
    b.add(f"<p>Cronbach's alpha (raw, from covariances, pairwise-complete as in R's "
          f"<code>psych::alpha</code>) with its {level} confidence interval "
          f"({esc(ctx.ci_method)}), standardized alpha, McDonald's omega total from a "
          "one-factor model, and Guttman's lambda 6, on the keyed items. The published "
          "values are those recorded in the instrument definition. A coefficient describes "
          "these data, not the instrument: compare it with the published value, not with a "
          "fixed cut-off.</p>")
    kwargs: dict[str, Any] = {"ci": ctx.ci, "ci_method": ctx.ci_method}
    if ctx.ci_method == "bootstrap":
        kwargs.update(n_boot=ctx.n_boot, seed=ctx.seed)
    result = b.call("the reliability table", "reliability", ctx.data, inst,
                    columns=ctx.columns, group=ctx.group, min_group_size=MIN_GROUP, **kwargs)
    if result is None:
        return
    rows, chart_rows, est, lower, upper, pub = [], [], [], [], [], []
    small: list[str] = []
    failed: list[str] = []  # rows that reliability() could not compute, with its reason
    for rec in result.to_dict("records"):
        sc = inst.scales[rec["scale"]]
        label = rec.get("group", "all")
        if label != "all" and rec["n"] < MIN_GROUP:
            small.append(f"{sc.name}, {label}: {rec['n']} respondent(s) answered")
            continue
        if rec["note"] and not math.isfinite(float(rec["alpha"])):
            failed.append(f"{sc.name}, {label}: {rec['note']}")
        published = inst.published_for(rec["scale"])
        lo_, hi_ = float(rec["alpha_lower"]), float(rec["alpha_upper"])
        rows.append({
            "scale": sc.name, "group": label, "n": int(rec["n"]), "items": rec["items"],
            "alpha": float(rec["alpha"]),
            f"{level} CI": (f"{lo_:.3f}–{hi_:.3f}" if math.isfinite(lo_) else "–"),
            "std. alpha": float(rec["std_alpha"]),
            "omega total": float(rec["omega_total"]),
            "G6": float(rec["g6"]),
            "average r": float(rec["average_r"]),
            "published": "; ".join(_published_text(p) for p in published) or "–",
        })
        if label == "all":
            pa_ = next((p for p in published if p.statistic == "alpha"), None)
            ctx.summary[rec["scale"]] = ScaleSummary(
                scale=rec["scale"], name=sc.name, items=int(rec["items"]), n=int(rec["n"]),
                alpha=float(rec["alpha"]), alpha_lower=lo_, alpha_upper=hi_,
                published="; ".join(_published_text(p) for p in published),
                published_bounds=None if pa_ is None else pa_.bounds,
                label=(f"the {inst.name}" if len(inst.distinct_scales()) == 1
                       else f"the {sc.name} scale of the {inst.name}"))
        chart_rows.append(sc.name if label == "all" else f"{sc.name}: {label}")
        est.append(float(rec["alpha"]))
        lower.append(lo_)
        upper.append(hi_)
        pa = next((p for p in published if p.statistic == "alpha"), None)
        pub.append(None if pa is None else pa.bounds)
    if not rows:
        return
    b.add(table(pd.DataFrame(rows), index=False))
    cited = {(_published_text(p), p.sample) for name in inst.distinct_scales()
             for p in inst.published_for(name)}
    if cited:
        b.add('<p class="small muted">Published: ' + "; ".join(
            esc(f"{text}: {sample}") for text, sample in sorted(cited)) + ".</p>")
    if small:
        b.add(notice("info", f"Not computed for groups of fewer than {MIN_GROUP} "
                             "respondents: ", "", small))
    for message in failed:
        b.note("error", message)
    if failed:
        b.add(notice("error", "Could not compute: ", "", failed))
    if any(math.isfinite(v) for v in est):
        svg = plots.interval_chart(chart_rows, est, lower, upper, published=pub,
                                   title="Cronbach's alpha with confidence interval",
                                   xlabel="alpha", lo=0.5, hi=1.0)
        b.add(figure(svg, f"Alpha and its {level} confidence interval in these data; hollow "
                          "diamond: the published value; grey band: the published range."))


_SECTION_FUNCS: dict[str, Callable[[_Context, _Builder], None]] = {
    "summary": _section_summary,
    "instrument": _section_instrument,
    "validation": _section_validation,
    "scores": _section_scores,
    "reliability": _section_reliability,
    "items": _section_items,
    "structure": _section_structure,
    "cfa": _section_cfa,
}


# ------------------------------------------------------------------------------------------
# document
# ------------------------------------------------------------------------------------------


def _versions() -> str:
    import scipy

    return (f"psychometrics {__version__}; Python {platform.python_version()}; "
            f"numpy {np.__version__}; pandas {pd.__version__}; scipy {scipy.__version__}")


def _document(ctx: _Context, builders: list[_Builder], *, title: str | None,
              note: str | None, data_name: str | None) -> str:
    inst = ctx.inst
    heading = title or f"{inst.name}: analysis report"
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    n = len(ctx.data)
    what = f"{n:,} rows" + (f" of {data_name}" if data_name else "")
    if ctx.group:
        sizes = ", ".join(f"{g} {int(m.sum())}" for g, m in ctx.groups)
        what += f"; groups by <code>{esc(ctx.group)}</code>: {esc(sizes)}"
    banners = []
    if ctx.data.attrs.get("synthetic"):
        banners.append("These data are SYNTHETIC (a seeded simulation bundled with the "
                       "package): no real person's answers; draw no conclusions from them.")
    if note:
        banners.append(note)
    toc = "".join(
        f'<li><a href="#{b.id}">{esc(b.title)}</a>'
        + (f' <span class="status">({_STATUS_TEXT[b.status]})</span>' if b.status != "ok"
           else "") + "</li>" for b in builders)
    settings = (f"alpha CI: {ctx.ci:.0%} {ctx.ci_method}"
                + (f" ({ctx.n_boot} resamples)" if ctx.ci_method == "bootstrap" else "")
                + f"; parallel analysis: {ctx.n_iter} simulated data sets; seed: {ctx.seed}; "
                f"CFA missing data: {ctx.cfa_missing}")
    body = "".join(b.render(i, f"{inst.id}-") for i, b in enumerate(builders, start=1))
    prov = inst.provenance()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="psychometrics {esc(__version__)}">'
        f"<title>{esc(heading)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>{esc(heading)}</h1>'
        f'<p class="subtitle">{esc(inst.id)} definition {esc(prov["version"])} · '
        f'sha256 <span class="mono">{esc(prov["sha256"][:16])}…</span> · data: {what} · '
        f"generated {esc(now)}</p>"
        + "".join(f'<div class="banner" role="note">{esc(t)}</div>' for t in banners)
        + f'<nav class="toc" aria-label="Contents"><ol>{toc}</ol></nav></header>'
        f"<main>{body}</main>"
        f"<footer><p>Generated by {esc(_versions())} on {esc(now)}.</p>"
        f"<p>Settings: {esc(settings)}.</p>"
        f'<p>Instrument {esc(prov["instrument"])} definition {esc(prov["version"])}, '
        f'sha256 <span class="mono hash">{esc(prov["sha256"])}</span>.</p></footer>'
        "</body></html>\n"
    )
