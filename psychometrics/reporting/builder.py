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
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics import __version__
from psychometrics.analysis import group_masks
from psychometrics.catalog import as_instrument
from psychometrics.reporting import lavaan_tables, plots
from psychometrics.reporting._html import (
    CSP,
    CSS,
    csv_link,
    esc,
    figure,
    fmt,
    key_values,
    name_downloads,
    notice,
    p_value,
    table,
)
from psychometrics.reporting.scale_summary import (
    OMEGA_BOOT,
    ScaleSummary,
    apa_sentence,
    cfa_sentence,
    interval_text,
    omega_interval,
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
_STATUS_RANK = {"ok": 0, "skipped": 1, "unavailable": 2, "error": 3}
_STATUS_TEXT = {"ok": "", "skipped": "not computed", "unavailable": "not available",
                "error": "error"}

# Thresholds for flagging items; the report states each of them beside the table.
LOW_ITEM_TOTAL_R = 0.30
HIGH_MISSING_SHARE = 0.10
ONE_ANSWER_SHARE = 0.80
LOW_LOADING = 0.40
MIN_GROUP = 10  # below this, a group's reliability is too unstable to be worth printing


@dataclass(frozen=True)
class Section:
    """One section of a report and what happened while computing it.

    ``status`` is ``ok``, ``skipped`` (not computable from these data, e.g. item columns
    missing), ``unavailable`` (a statistic this section needs is not in the installation)
    or ``error`` (a computation failed); ``messages`` says which and why.
    """

    id: str
    title: str
    status: str
    messages: tuple[str, ...] = ()


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


class Unavailable(Exception):
    """A public statistic the report needs is not part of this installation."""


def _api(name: str) -> Callable[..., Any]:
    import psychometrics

    try:
        return getattr(psychometrics, name)
    except ModuleNotFoundError as exc:
        raise Unavailable(f"psychometrics.{name} is not available in this installation "
                          f"(module {exc.name} is missing)") from None
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"psychometrics.{name} is not available in this installation "
                          f"({exc})") from None


class _Builder:
    """Accumulates one section's HTML and the notes on what could not be computed."""

    def __init__(self, sid: str, title: str):
        self.id, self.title = sid, title
        self.parts: list[str] = []
        self.status = "ok"
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def add(self, html_text: str) -> None:
        self.parts.append(html_text)

    def note(self, status: str, message: str) -> None:
        if _STATUS_RANK[status] > _STATUS_RANK[self.status]:
            self.status = status
        if message not in self.messages:
            self.messages.append(message)

    def call(self, what: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``psychometrics.<name>``; on trouble note it (visibly) and return None."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = _api(name)(*args, **kwargs)
            except Unavailable as exc:
                self.note("unavailable", str(exc))
                self.add(notice("unavailable", "Not available: ", f"{what}. {exc}."))
                result = None
            except Exception as exc:
                self.note("error", f"{what}: {type(exc).__name__}: {exc}")
                self.add(notice("error", "Could not compute ", f"{what}: {exc}"))
                result = None
        for w in caught:
            text = f"{what}: {w.message}"
            if text not in self.warnings:
                self.warnings.append(text)
        return result

    def render(self, number: int, stem: str = "") -> str:
        status = f' data-status="{self.status}"'
        warn = ""
        if self.warnings:
            warn = notice("warning", "Warnings raised while computing this section:", "",
                          self.warnings)
        html_text = (f'<section id="{self.id}"{status}><h2>{number}. {esc(self.title)}</h2>'
                     + "".join(self.parts) + warn + "</section>")
        return name_downloads(html_text, f"{stem}{self.id}")

    def section(self) -> Section:
        return Section(self.id, self.title, self.status, tuple(self.messages))


@dataclass
class _Context:
    inst: Instrument
    data: pd.DataFrame
    columns: Columns
    group: str | None
    id_column: str | None
    ci: float
    ci_method: str
    n_boot: int
    n_iter: int
    seed: int | None
    cfa_missing: str
    keyed: pd.DataFrame | None = None
    raw: pd.DataFrame | None = None
    item_problem: str | None = None
    groups: list[tuple[str, np.ndarray]] = field(default_factory=list)
    # what the sections found, for the summary at the top
    summary: dict[str, ScaleSummary] = field(default_factory=dict)
    validation_errors: int | None = None
    cfa_line: str | None = None
    cfa_flags: list[str] = field(default_factory=list)

    def analysed_items(self) -> list[str]:
        """The items of every scale, each once, in scale order."""
        return list(dict.fromkeys(i for sc in self.inst.scales.values() for i in sc.items))


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
    ctx = _Context(inst, data, columns, group, id_column, ci, ci_method, n_boot, n_iter, seed,
                   cfa_missing)
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


def _need_items(ctx: _Context, b: _Builder) -> bool:
    """Prepare the keyed and raw item frames once; False (with a notice) when impossible."""
    if ctx.item_problem is not None:
        b.note("skipped", f"not computed: {ctx.item_problem}")
        b.add(notice("unavailable", "Not computed: ", f"{ctx.item_problem}."))
        return False
    if ctx.keyed is None:
        keyed = b.call("the keyed item data", "item_data", ctx.data, ctx.inst,
                       columns=ctx.columns, reverse=True, on_invalid="nan")
        raw = b.call("the item data", "item_data", ctx.data, ctx.inst, columns=ctx.columns,
                     reverse=False, on_invalid="nan")
        if keyed is None or raw is None:
            ctx.item_problem = "the item data could not be read"
            return False
        ctx.keyed, ctx.raw = keyed, raw
    return True


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


def _section_items(ctx: _Context, b: _Builder) -> None:
    if not _need_items(ctx, b):
        return
    assert ctx.keyed is not None and ctx.raw is not None
    inst = ctx.inst
    level = f"{ctx.ci:.0%}"
    b.add(f"<p>As R's <code>psych::alpha</code>: mean and SD of the keyed answers "
          f"(reverse-keyed items recoded as min + max − x); <em>raw.r</em> the correlation "
          f"of the item with the total score, <em>std.r</em> the same for standardized "
          f"items, <em>r.cor</em> that correlation corrected for the item's overlap and "
          f"unreliability, <em>r.drop</em> the corrected item-total correlation (the item "
          f"against the sum of the other items); <em>alpha if deleted</em> is raw alpha "
          f"without the item. Response frequencies are of the answers as given, as a share "
          f"of the item's answered cells. Flags: r.drop below {LOW_ITEM_TOTAL_R:.2f} "
          f"(negative: check the key), alpha rises when the item is deleted, more than "
          f"{HIGH_MISSING_SHARE:.0%} missing, {ONE_ANSWER_SHARE:.0%} or more giving the same "
          f"answer, or no variance (left out of alpha, as psych does).</p>")
    for name in inst.distinct_scales():
        sc = inst.scales[name]
        items = sc.items
        keyed = ctx.keyed[items]
        res = b.call(f"alpha of {name}", "alpha", keyed)
        om = b.call(f"omega of {name}", "omega", keyed, n_factors=1) if len(items) >= 3 \
            else None
        raw = ctx.raw[items]
        n = len(keyed)
        rs = inst.item_scale(items[0])
        same_scale = all(inst.item_scale(i) is rs for i in items)
        values = rs.values if same_scale else sorted({v for i in items
                                                      for v in inst.item_scale(i).values})
        answered = raw.notna().sum()
        freq = pd.DataFrame({v: (raw == v).sum() / answered.replace(0, np.nan)
                             for v in values})
        # alpha leaves out items without variance: they have no item statistics
        stats = (res.item_stats.reindex(items) if res is not None
                 else pd.DataFrame(index=items, columns=["raw_r", "std_r", "r_cor", "r_drop"]))
        dropped = (res.alpha_if_deleted.reindex(items)["raw_alpha"] if res is not None
                   else pd.Series(math.nan, index=items))
        rows = []
        flagged = []
        for item in items:
            answers = keyed[item].dropna()
            row: dict[str, Any] = {
                "item": item + (" (R)" if inst.item_map[item].reverse else ""),
                "n": int(answered[item]),
                "% missing": 100 * (1 - answered[item] / n) if n else math.nan,
                "mean": answers.mean() if len(answers) else math.nan,
                "SD": answers.std(ddof=1) if len(answers) > 1 else math.nan,
            }
            for v in values:
                row[f"{v}"] = 100 * freq.loc[item, v]
            for key, label in (("raw_r", "raw.r"), ("std_r", "std.r"), ("r_cor", "r.cor"),
                               ("r_drop", "r.drop")):
                row[label] = float(stats.loc[item, key])
            row["alpha if deleted"] = float(dropped.loc[item])
            flags = []
            r_drop = row["r.drop"]
            if len(answers) > 1 and answers.nunique() < 2:
                flags.append("no variance: left out of alpha")
            elif res is not None and math.isfinite(r_drop):
                if r_drop < 0:
                    flags.append("negative item-total r: check the key")
                elif r_drop < LOW_ITEM_TOTAL_R:
                    flags.append(f"r.drop < {LOW_ITEM_TOTAL_R:.2f}")
                if row["alpha if deleted"] > float(res.raw_alpha):
                    flags.append("alpha rises without it")
            if n and 1 - answered[item] / n > HIGH_MISSING_SHARE:
                flags.append(f"> {HIGH_MISSING_SHARE:.0%} missing")
            if answered[item] and np.nanmax(freq.loc[item].to_numpy(dtype=float)) >= \
                    ONE_ANSWER_SHARE:
                flags.append(f"≥ {ONE_ANSWER_SHARE:.0%} same answer")
            row["flags"] = ("<span class='flag'>" + esc("; ".join(flags)) + "</span>"
                            if flags else "")
            if flags:
                flagged.append(f"{item}: {'; '.join(flags)}")
            rows.append(row)
        frame = pd.DataFrame(rows)
        digits = {str(v): 0 for v in values} | {"% missing": 1, "mean": 2, "SD": 2}
        b.add(f"<h3>{esc(sc.name)}</h3>")
        summary = ctx.summary.get(name)
        if res is not None:
            pairs: list[tuple[str, Any]] = [
                ("Cronbach's alpha (raw)", f"{res.raw_alpha:.3f}, ASE {res.ase:.3f} "
                 f"(Duhachek's asymptotic standard error, psych's ase)"),
                ("Standardized alpha, G6, average r",
                 f"{res.std_alpha:.3f}, {res.g6:.3f}, {res.average_r:.3f}")]
            if om is not None:
                lo_, hi_ = omega_interval(keyed, ci=ctx.ci, seed=ctx.seed)
                pairs.append(("McDonald's omega total (one factor)",
                              f"{om.omega_total:.3f}, {level} CI "
                              + (f"[{lo_:.3f}, {hi_:.3f}]" if math.isfinite(lo_) else "–")
                              + f" (percentile bootstrap, {OMEGA_BOOT} resamples)"))
                if summary is not None:
                    summary.omega, summary.omega_lower, summary.omega_upper = (
                        float(om.omega_total), lo_, hi_)
            b.add(key_values(pairs))
        b.add('<p class="small muted">Columns headed by an answer value give the percentage '
              "choosing it. (R): reverse-keyed.</p>")
        b.add(table(frame, index=False, digits=digits, raw_html=("flags",)))
        b.add(f"<p><strong>Flagged items:</strong> {len(flagged)} of {len(items)}"
              + (": " + esc("; ".join(flagged)) if flagged else "") + "</p>")
        if summary is not None and flagged:
            summary.flags.append(f"{len(flagged)} item(s) flagged")
        cats = [f"{v} {inst.item_scale(items[0]).labels.get(v, '')}".strip()
                if same_scale else str(v) for v in values]
        svg = plots.stacked_bars(items, cats, freq.fillna(0).to_numpy(dtype=float),
                                 title=f"{sc.name}: answers given")
        b.add(figure(svg, "Distribution of the answers as given (before keying), per item."))
        corr = keyed.corr(min_periods=2)
        b.add(csv_link(corr, index_label="item"))  # the heat map's numbers
        b.add(figure(plots.heatmap(items, corr.to_numpy(dtype=float),
                                   title=f"{sc.name}: inter-item correlations"),
                     "Pearson correlations of the keyed items (pairwise-complete), the "
                     "matrix alpha is computed from."))

def _section_structure(ctx: _Context, b: _Builder) -> None:
    if not _need_items(ctx, b):
        return
    assert ctx.keyed is not None
    items = ctx.analysed_items()
    if len(items) < 3:
        b.note("skipped", "fewer than three items: no dimensionality analysis")
        b.add(notice("info", "Not computed: ", "fewer than three items."))
        return
    x = ctx.keyed[items]
    b.add(f"<p>On the {len(items)} keyed items of the instrument (pairwise-complete "
          "correlations). Parallel analysis (Horn, 1965) compares each observed eigenvalue "
          f"with the {0.95:g} quantile of eigenvalues from {ctx.n_iter} simulated data sets "
          "of uncorrelated normal variables of the same size; factors whose eigenvalue "
          "exceeds it are retained (as R's <code>psych::fa.parallel</code>).</p>")
    k = b.call("KMO sampling adequacy", "kmo", x)
    bt = b.call("Bartlett's test of sphericity", "bartlett", x)
    pairs: list[tuple[str, Any]] = []
    if k is not None:
        pairs.append(("KMO overall MSA", f"{k.msa:.3f} ({k.label})"))
        low = k.msa_items[k.msa_items < 0.6]
        pairs.append(("Items with MSA < .60", ", ".join(low.index) if len(low) else "none"))
    if bt is not None:
        p_text = "< .001" if bt.p_value < 0.001 else "= " + p_value(bt.p_value)
        pairs.append(("Bartlett's test", f"χ² = {bt.chi2:.2f}, df = {bt.dof:g}, p {p_text}"))
    if pairs:
        b.add(key_values(pairs))
    pa = b.call("parallel analysis", "parallel_analysis", x, n_iter=ctx.n_iter,
                quantile=0.95, kind="both", seed=ctx.seed)
    n_factors = 1
    if pa is not None:
        tab = pa.eigenvalues
        n_factors = max(int(pa.n_factors or 0), 1)
        series = []
        if "pc_observed" in tab:
            series += [
                plots.Series("components, observed", list(tab["pc_observed"]),
                             plots.OKABE_ITO["blue"], "circle"),
                plots.Series("components, simulated 95%", list(tab["pc_simulated_quantile"]),
                             plots.OKABE_ITO["blue"], "circle", dash="6 4", filled=False),
            ]
        if "fa_observed" in tab:
            series += [
                plots.Series("factors, observed", list(tab["fa_observed"]),
                             plots.OKABE_ITO["vermillion"], "triangle"),
                plots.Series("factors, simulated 95%", list(tab["fa_simulated_quantile"]),
                             plots.OKABE_ITO["vermillion"], "triangle", dash="2 3",
                             filled=False),
            ]
        svg = plots.line_chart(series, title="Scree plot with parallel analysis",
                               xlabel="factor / component number", ylabel="eigenvalue",
                               highlight=pa.n_factors or None,
                               highlight_label=f"suggested factors: {pa.n_factors}")
        b.add(figure(svg, "Observed eigenvalues (filled markers, solid lines) against the "
                     "95% quantile of simulated ones (open markers, dashed lines)."))
        declared = ctx.inst.cfa_model()
        b.add(f"<p><strong>Parallel analysis suggests {pa.n_factors} factor(s) and "
              f"{pa.n_components} component(s)</strong>; the instrument declares "
              f"{len(declared)} factor(s) ({esc(', '.join(declared))}).</p>")
        names = {"pc_observed": "PC observed", "pc_simulated_mean": "PC sim. mean",
                 "pc_simulated_quantile": "PC sim. 95%", "fa_observed": "FA observed",
                 "fa_simulated_mean": "FA sim. mean", "fa_simulated_quantile": "FA sim. 95%"}
        shown = tab.head(min(len(tab), 12)).rename(columns=names)
        b.add('<p class="small muted">Eigenvalues of principal components (PC, of the '
              "correlation matrix) and of factors (FA, of the reduced correlation matrix) "
              "against the mean and 95% quantile of the simulated (sim.) ones.</p>")
        b.add(table(shown, index_label="number"))
    rotation = "oblimin" if n_factors > 1 else None
    ef = b.call(f"exploratory factor analysis with {n_factors} factor(s)", "efa", x,
                n_factors, method="minres", rotation=rotation)
    if ef is not None:
        load = ef.loadings.copy()
        load["h2"] = ef.communalities
        b.add(f"<h3>Exploratory factor analysis: {n_factors} factor(s)</h3>")
        b.add("<p class='small'>Minimum residual extraction"
              + (", oblimin rotation" if rotation else "")
              + f" (as <code>psych::fa</code>). RMSR = {fmt(ef.rmsr)}, TLI = {fmt(ef.tli)}, "
                f"RMSEA = {fmt(ef.rmsea)}.</p>")
        b.add(table(load))


def _section_cfa(ctx: _Context, b: _Builder) -> None:
    if not _need_items(ctx, b):
        return
    assert ctx.keyed is not None
    model = ctx.inst.cfa_model()
    items = [i for v in model.values() for i in v]
    x = ctx.keyed[list(dict.fromkeys(items))]
    missing = ctx.cfa_missing if x.isna().any().any() else "listwise"
    structure = ctx.inst.published.structure
    source = (f"the published structure: {structure.description} ({structure.source})"
              if structure is not None else "one factor per scale of the instrument")
    b.add(f"<p>Model: {esc(source)}. Maximum likelihood (as R's <code>lavaan::cfa</code>), "
          "marker-variable identification, on the keyed items"
          + (", full-information ML for missing answers" if missing == "fiml" else
             ", complete cases") + ". The tables follow lavaan's <code>summary(fit, "
          "fit.measures = TRUE, standardized = TRUE)</code>.</p>")
    b.add("<p class='small'>" + "<br>".join(
        f"<code>{esc(f)} =~ {esc(' + '.join(v))}</code>" for f, v in model.items()) + "</p>")
    res = b.call("the confirmatory factor analysis", "cfa", x, model, missing=missing)
    if res is None:
        ctx.cfa_flags.append("CFA not computed")
        return
    b.add(f"<p><strong>{esc(lavaan_tables.estimator_line(res))}</strong></p>")
    b.add("<h3>Fit</h3>")
    fit_rows = lavaan_tables.fit_table(res.fit)
    fit_rows["block"] = fit_rows["block"].where(fit_rows["block"] != fit_rows["block"].shift(),
                                                "")
    b.add(table(fit_rows, index=False))
    b.add("<p class='small muted'>Cut-offs are conventions, not tests: read the indices "
          "together, with the loadings and the residual correlations.</p>")
    ctx.cfa_line = lavaan_tables.fit_sentence(res.fit)
    tables = lavaan_tables.parameter_tables(res)
    loadings = tables.get("Latent variables (loadings)")
    digits = {"z": 2}
    b.add("<p class='small muted'>Estimate, standard error, z = estimate / SE and its "
          "two-sided p; std.lv: latent variables standardized; std.all: latent and observed "
          f"variables standardized. A fixed parameter has no SE. Flag: |std.all loading| "
          f"below {LOW_LOADING:.2f}.</p>")
    for title, frame in tables.items():
        frame = frame.copy()
        frame["p"] = [p_value(p) for p in frame["p"]]
        if frame is not None and title.startswith("Latent"):
            frame["flag"] = ["<span class='flag'>low loading</span>" if abs(v) < LOW_LOADING
                             else "" for v in frame["std.all"]]
        b.add(f"<h3>{esc(title)}</h3>")
        b.add(table(frame, index=False, digits=digits, raw_html=("flag",)))
    r2 = lavaan_tables.r_squared(res)
    b.add("<h3>R-square</h3>")
    b.add("<p class='small muted'>The share of each item's variance its factor explains "
          "(1 − std.all residual variance, as lavaan's <code>lavInspect(fit, "
          "\"r2\")</code>).</p>")
    b.add(table(r2.to_frame(), index_label="item"))
    rc = res.residual_correlations
    if isinstance(rc, pd.DataFrame) and len(rc):
        cells = rc.map(lambda v: (f"<strong>{v:.2f}</strong>" if abs(v) > 0.10 else f"{v:.2f}")
                       if isinstance(v, float) and math.isfinite(v) else "–")
        b.add("<h3>Residual correlations</h3>")
        b.add("<p class='small muted'>Observed minus model-implied correlations (lavaan's "
              "<code>residuals(fit, type = \"cor\")</code>); above .10 in absolute value in "
              "bold: item pairs the model does not explain.</p>")
        b.add(table(cells, index_label="item", raw_html=tuple(cells.columns)))
    mi = res.modification_indices
    if len(mi):
        top = mi.sort_values("mi", ascending=False).head(5)
        b.add("<h3>Largest modification indices</h3>")
        b.add("<p class='small muted'>Where the model misfits most; free a parameter only "
              "with a substantive reason.</p>")
        b.add(table(top.reset_index(drop=True), index=False))
    if loadings is not None:
        low = int((loadings["std.all"].abs() < LOW_LOADING).sum())
        if low:
            ctx.cfa_flags.append(f"{low} loading(s) below {LOW_LOADING:.2f}")
    if not res.converged:
        ctx.cfa_flags.append("CFA did not converge")
        b.note("error", "the CFA did not converge")
        b.add(notice("error", "Not converged: ", "the estimates above are not trustworthy."))


def _section_summary(ctx: _Context, b: _Builder) -> None:
    level = f"{ctx.ci:.0%}"
    method = {"feldt": "Feldt", "duhachek": "Duhachek", "bootstrap": "bootstrap"}.get(
        ctx.ci_method, ctx.ci_method)
    if not ctx.summary:
        b.note("skipped", "no reliability was computed")
        b.add(notice("info", "Nothing to summarise: ", "no reliability was computed (see "
                     "the sections below)."))
        return
    common = []
    if ctx.validation_errors:
        common.append(f"{ctx.validation_errors} validation error(s): invalid cells treated "
                      "as missing")
    rows = []
    for s in ctx.summary.values():
        flags = [*s.flags]
        if s.published_bounds is not None and math.isfinite(s.alpha_upper) and \
                s.alpha_upper < s.published_bounds[0]:
            flags.append("alpha below the published value")
        rows.append({
            "scale": s.name, "n": s.n if s.n is not None else math.nan, "items": s.items,
            f"alpha [{level} CI]": interval_text(s.alpha, s.alpha_lower, s.alpha_upper),
            "published": s.published or "–",
            f"omega [{level} CI]": interval_text(s.omega, s.omega_lower, s.omega_upper),
            "CFA fit": ctx.cfa_line or "–",
            "flags": "<span class='flag'>" + esc("; ".join(flags + common + ctx.cfa_flags))
                     + "</span>" if flags + common + ctx.cfa_flags else "none",
        })
    b.add(f"<p>The whole sample; alpha's interval: {esc(method)}; omega's: percentile "
          f"bootstrap ({OMEGA_BOOT} resamples); the CFA is of the instrument's declared "
          "structure (one model for every scale). Details in the sections below.</p>")
    b.add(table(pd.DataFrame(rows), index=False, classes="summary stack", raw_html=("flags",)))
    sentences = [apa_sentence(s, level=level + " CI", omega_method="percentile bootstrap")
                 .replace(f"{level} CI CI", f"{level} CI") for s in ctx.summary.values()]
    if ctx.cfa_line:
        model = ctx.inst.cfa_model()
        what = (f"the instrument's {len(model)}-factor structure" if len(model) > 1 else
                "the instrument's one-factor structure")
        sentences.append(cfa_sentence(what, ctx.cfa_line))
    b.add("<h3>For a results section</h3>")
    b.add('<p class="small muted">APA style; select the text (one click selects it all) and '
          "copy it. Check that the sample and method match what you report.</p>")
    b.add('<blockquote class="apa">' + esc(" ".join(sentences)) + "</blockquote>")



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
