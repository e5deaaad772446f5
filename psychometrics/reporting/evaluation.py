"""The evaluation report: one self-contained HTML file from an :class:`Evaluation`.

Every number shown is a cell of one of the evaluation's tables (``Evaluation.tables``), so
what the report says can be checked, and reused, from Python. Each section of the
evaluation has one renderer in :data:`RENDERERS`; the report says at the top which sections
it covers, and each section lists its caveats in plain language.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from psychometrics import __version__
from psychometrics.evaluation.pipeline import Evaluation, EvaluationSection
from psychometrics.reporting import plots
from psychometrics.reporting._html import CSP, CSS, esc, figure, fmt, notice, p_value, table

__all__ = ["EvaluationReport", "evaluation_report"]

# Shown with the invariance section: what its models do not do.
NOT_COVERED = ("Invariance of ordinal items (WLSMV) is not part of this report: the "
               "invariance models treat the items as continuous (ML, or MLR for their "
               "non-normality).")

_RULES = {
    "cheung_rensvold": "Cheung and Rensvold (2002): a step holds when CFI drops by at most "
                       ".010",
    "chen": "Chen (2007): a step fails when CFI drops by more than .010 and RMSEA rises by "
            "more than .015 or SRMR by more than .030 (metric) / .010 (scalar, strict)",
    "chisq": "the chi-square difference test: a step holds when its p is at least the "
             "study's alpha",
}


@dataclass(frozen=True)
class EvaluationReport:
    """A rendered evaluation report: the HTML and the sections it holds."""

    title: str
    html: str
    sections: tuple[EvaluationSection, ...]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML document (UTF-8) and return its path."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{esc(self.html)}" style="width:100%;height:720px;'
                f'border:1px solid #ccc" title="{esc(self.title)}"></iframe>')


def _ci(est: Any, lo: Any, hi: Any, digits: int = 2) -> str:
    if not _finite(est):
        return "–"
    if not (_finite(lo) and _finite(hi)):
        return fmt(float(est), digits)
    return f"{float(est):.{digits}f} [{float(lo):.{digits}f}, {float(hi):.{digits}f}]"


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _same(column: pd.Series, wave: Any) -> pd.Series:
    """Rows of ``wave``; a study without waves has None (NaN) there, which == never matches."""
    return column.isna() if pd.isna(wave) else column == wave


def _caveats(ev: Evaluation, sid: str) -> str:
    cav = ev.caveats[ev.caveats["section"] == sid] if not ev.caveats.empty else ev.caveats
    if cav.empty:
        return ""
    items = [f"{w}: {m}" for w, m in zip(cav["where"], cav["message"], strict=True)]
    shown = items[:25] + ([f"... and {len(items) - 25} more (see the caveats table)"]
                          if len(items) > 25 else [])
    return notice("warning", "Caveats:", " read these numbers with care.", shown)


def _glabel(ev: Evaluation, grouping: str, group: str) -> str:
    if grouping == "all":
        return "Everyone"
    return f"{ev.study.group_label(grouping)}: {ev.study.group_label(grouping, group)}"


def _wlabel(ev: Evaluation, wave: Any) -> str:
    return "All data" if ev.study.waves is None or pd.isna(wave) \
        else ev.study.wave_label(str(wave))


# -- sections ------------------------------------------------------------------------------


def _participation(ev: Evaluation) -> str:
    t = ev.participation
    rows = pd.DataFrame({
        "wave": [_wlabel(ev, w) for w in t["wave"]],
        "group": [_glabel(ev, g, v) for g, v in zip(t["grouping"], t["group"], strict=True)],
        "respondents": t["n"].astype(int),
        "invited": t["invited"],
        "response rate [95% CI]": [
            "–" if not _finite(r) else f"{r:.0%} [{lo:.0%}, {hi:.0%}]"
            for r, lo, hi in zip(t["response_rate"], t["response_rate_lower"],
                                 t["response_rate_upper"], strict=True)],
        "also at baseline": t["retained_from_baseline"],
        "note": t["note"],
    })
    intro = ("<p>Respondents per wave and group; the response rate is respondents over the "
             "invited count of the study definition, with Wilson's 95% interval. "
             "'Also at baseline' counts who answered both waves (the pairs for change).</p>")
    return intro + table(rows, index=False, digits={"invited": 0, "also at baseline": 0})


def _validation(ev: Evaluation) -> str:
    t = ev.validation.rename(columns={"missing_code_cells": "missing-code cells",
                                      "empty_cells": "empty cells"})
    out = ["<p>Each instrument's items checked against its definition (response values, "
           "missing-value codes). Unusable cells are treated as missing in every statistic "
           "below; nothing else is changed.</p>", table(t, index=False)]
    probs = ev.validation_problems
    shown = probs[probs["severity"] != "info"].head(15) if not probs.empty else probs
    if len(shown):
        out.append(notice("info", "Problems found (first 15):", "", list(shown["message"])))
    return "".join(out)


def _reliability(ev: Evaluation) -> str:
    t = ev.reliability
    if t.empty:
        return "<p>No scale with two or more items.</p>"
    out = ["<p>Cronbach's alpha (95% Feldt interval) and omega per instrument, wave and "
           "group, beside the published alpha. Groups with fewer than 3 respondents have "
           "no alpha; small groups' values are marked.</p>"]
    rows = pd.DataFrame({
        "wave": [_wlabel(ev, w) for w in t["wave"]],
        "group": [_glabel(ev, g, v) for g, v in zip(t["grouping"], t["group"], strict=True)],
        "scale": t["instrument"] + " " + t["scale"],
        "n": t["n"].astype(int),
        "alpha [95% CI]": [_ci(a, lo, hi) for a, lo, hi in
                           zip(t["alpha"], t["alpha_lower"], t["alpha_upper"], strict=True)],
        "omega": t["omega_total"],
        "published alpha": t["published_alpha"].astype(str).replace("nan", "–"),
        "note": t["note"].fillna(""),
    })
    whole = t[t["grouping"] == "all"]
    for wave, block in whole.groupby("wave", sort=False, dropna=False):
        pub = []
        for v in block["published_alpha"]:
            if isinstance(v, str) and "-" in v:
                lo, hi = (float(x) for x in v.split("-"))
                pub.append((lo, hi))
            elif _finite(v):
                pub.append((float(v), float(v)))
            else:
                pub.append(None)
        out.append(figure(plots.interval_chart(
            list(block["instrument"] + " " + block["scale"]), list(block["alpha"]),
            list(block["alpha_lower"]), list(block["alpha_upper"]), published=pub,
            title=f"Cronbach's alpha, {_wlabel(ev, wave)}", xlabel="alpha", lo=0.5),
            f"Alpha of every scale at {_wlabel(ev, wave)} (all respondents) with its 95% "
            "interval; grey: the published value or range."))
    out.append(table(rows, index=False, digits={"omega": 2}))
    return "".join(out)


def _across(ev: Evaluation, kind: str, column: str, wave: Any) -> str:
    if kind == "waves":
        order = ev.study.waves.order if ev.study.waves else []
        return "Waves (" + " → ".join(ev.study.wave_label(w) for w in order) + ")"
    where = ev.study.group_label(column)
    return where if ev.study.waves is None else f"{where}, {_wlabel(ev, wave)}"


def _sizes(ev: Evaluation, block: pd.DataFrame) -> str:
    parts = []
    for kind, column, group, n, ok in zip(block["kind"], block["across"], block["group"],
                                          block["n"], block["estimable"], strict=True):
        name = ev.study.wave_label(str(group)) if kind == "waves" else \
            ev.study.group_label(column, str(group))
        parts.append(f"{name} {int(n)}" + ("" if ok else " (too few)"))
    return ", ".join(parts)


def _invariance(ev: Evaluation) -> str:
    v, t, g = ev.invariance_verdicts, ev.invariance, ev.invariance_groups
    spec = ev.study.invariance
    robust = sorted(set(v["estimator"]) - {"ML"})
    out = ["<p>Whether each instrument measures the same thing in the same way in every "
           "group and wave, which comparing its scores assumes. The ladder of nested "
           "confirmatory factor models of the instrument's published structure: "
           "<em>configural</em> (the same structure everywhere), <em>metric</em> (+ equal "
           "loadings), <em>scalar</em> (+ equal intercepts: needed to compare means), "
           "<em>strict</em> (+ equal residual variances). Each step is compared with the one "
           "before by the chi-square difference test and the change in CFI, RMSEA and SRMR, "
           f"and decided by {esc(_RULES.get(spec.rule, spec.rule) if spec else '')}. "
           "When a step fails, the equality constraint with the largest score test is "
           "released (partial invariance). Across waves the model has one factor per wave "
           "and correlates the same item's residuals across waves, respondents matched by "
           "id. A group with fewer respondents than the model has parameters per group gets "
           "a verdict instead of a model.</p>"]
    if robust:
        out.append(f"<p class='small'>{esc(', '.join(robust))}: χ² is the scaled "
                   "statistic (Yuan-Bentler for MLR, Satorra-Bentler for MLM), CFI, TLI and "
                   "RMSEA the robust ones (lavaan's <code>cfi.robust</code> ...), Δχ² the "
                   "scaled difference (Satorra and Bentler, 2001).</p>")
    keys = ["instrument", "kind", "across", "wave"]
    sizes = {k: _sizes(ev, b) for k, b in g.groupby(keys, sort=False, dropna=False)}
    rows = pd.DataFrame({
        "instrument": v["instrument"],
        "across": [_across(ev, k, c, w) for k, c, w in
                   zip(v["kind"], v["across"], v["wave"], strict=True)],
        "respondents": [sizes.get(tuple(r), "–") for r in v[keys].itertuples(index=False)],
        "estimator": v["estimator"],
        "holds up to": v["highest_step"].replace("", "–"),
        "verdict": v["verdict"],
    })
    out.append(table(rows, index=False, caption="Verdicts"))
    for inst, block in t.groupby("instrument", sort=False):
        rows = pd.DataFrame({
            "across": [_across(ev, k, c, w) for k, c, w in
                       zip(block["kind"], block["across"], block["wave"], strict=True)],
            "step": block["step"],
            "χ² (df)": [f"{x:.2f} ({int(d)})" if _finite(x) else "–"
                        for x, d in zip(block["chisq"], block["df"], strict=True)],
            "p": [p_value(p) for p in block["pvalue"]],
            "CFI": block["cfi"], "RMSEA": block["rmsea"], "SRMR": block["srmr"],
            "Δχ² (Δdf)": [f"{x:.2f} ({int(d)})" if _finite(x) else "–"
                          for x, d in zip(block["chisq_diff"], block["df_diff"],
                                          strict=True)],
            "p (Δχ²)": [p_value(p) if _finite(p) else "–" for p in block["pvalue_diff"]],
            "ΔCFI": block["delta_cfi"], "ΔRMSEA": block["delta_rmsea"],
            "ΔSRMR": block["delta_srmr"],
            "decision": [f"<span class='flag'>{esc(d)}</span>" if d == "not invariant"
                         else esc(d) for d in block["decision"]],
            "released": block["released"].fillna(""),
        })
        out.append(f"<h3>{esc(inst)}</h3>")
        out.append(table(rows, index=False, raw_html=("decision",)))
    rel = ev.invariance_releases
    if not rel.empty:
        rows = pd.DataFrame({
            "instrument": rel["instrument"],
            "across": [_across(ev, k, c, w) for k, c, w in
                       zip(rel["kind"], rel["across"], rel["wave"], strict=True)],
            "step": rel["step"], "released": rel["parameter"], "score test X²": rel["X2"],
            "p": [p_value(p) for p in rel["pvalue"]], "then": rel["decision"]})
        out.append(table(rows, index=False, caption="Parameters released for partial "
                                                    "invariance (largest score test first)"))
    out.append(f"<p class='small muted'>{esc(NOT_COVERED)}</p>")
    return "".join(out)


def _scores(ev: Evaluation) -> str:
    t = ev.score_summary
    out = ["<p>Mean (SD) and the number of respondents scored, per score, group and wave. "
           "Scores follow each instrument's rules (reverse keys, missing-item rules).</p>"]
    for score, block in t.groupby("score", sort=False):
        block = block.assign(cell=[
            "–" if not _finite(m) else f"{m:.2f} ({sd:.2f}), n = {int(n)}"
            if _finite(sd) else f"{m:.2f}, n = {int(n)}"
            for m, sd, n in zip(block["mean"], block["sd"], block["n"], strict=True)])
        block = block.assign(who=[_glabel(ev, g, v) for g, v in
                                  zip(block["grouping"], block["group"], strict=True)],
                             when=[_wlabel(ev, w) for w in block["wave"]])
        wide = block.pivot_table(index="who", columns="when", values="cell", aggfunc="first",
                                 sort=False)
        out.append(f"<h3>{esc(score)}</h3>")
        out.append(table(wide.reset_index().rename(columns={"who": "group"}), index=False))
        shown = block[block["n"] > 0]
        lo, hi = _score_range(ev, shown)
        out.append(figure(plots.interval_chart(
            [f"{w}: {g}" for w, g in zip(shown["when"], shown["who"], strict=True)],
            list(shown["mean"]), list(shown["mean_lower"]), list(shown["mean_upper"]),
            title=f"Mean {score} by group and wave", xlabel=f"{score} (its possible range)",
            lo=lo, hi=hi, width=760),
            "Means with 95% t intervals; the axis spans the score's possible range."))
    return "".join(out)


def _score_range(ev: Evaluation, block: pd.DataFrame) -> tuple[float, float]:
    """The possible range of the score (from its instrument), else the observed one."""
    from psychometrics.catalog import load_instrument

    iid, scale = block["instrument"].iloc[0], block["scale"].iloc[0]
    for si in ev.study.instruments:
        try:
            inst = load_instrument(si.id if not si.id.endswith((".yaml", ".yml")) or
                                   ev.source is None else
                                   str(Path(ev.source).resolve().parent / si.id))
        except Exception:  # the range is cosmetic: fall back to the data
            continue
        if inst.id == iid and scale in inst.scales:
            return inst.score_range(scale)
    finite = [v for v in (*block["mean_lower"], *block["mean_upper"]) if _finite(v)]
    return (min(finite), max(finite)) if finite else (0.0, 1.0)


def _change(ev: Evaluation) -> str:
    t = ev.change
    out = ["<p>Change from the first wave in respondents who answered both (paired): the "
           "mean change with its 95% interval, the paired t test, d<sub>av</sub> (mean "
           "change over the average SD of the two waves) and d<sub>z</sub> (over the SD of "
           "the change) with 95% intervals, and the Jacobson-Truax reliable change of each "
           "respondent, using the baseline alpha.</p>"]
    rows = pd.DataFrame({
        "score": t["score"],
        "waves": [f"{_wlabel(ev, a)} → {_wlabel(ev, b)}"
                  for a, b in zip(t["from_wave"], t["to_wave"], strict=True)],
        "group": [_glabel(ev, g, v) for g, v in zip(t["grouping"], t["group"], strict=True)],
        "pairs": t["n"].astype(int),
        "before": t["mean_pre"], "after": t["mean_post"],
        "change [95% CI]": [_ci(m, lo, hi) for m, lo, hi in
                            zip(t["mean_diff"], t["mean_diff_lower"], t["mean_diff_upper"],
                                strict=True)],
        "t (df)": [f"{x:.2f} ({int(d)})" if _finite(x) else "–"
                   for x, d in zip(t["t"], t["df"], strict=True)],
        "p": [p_value(p) for p in t["pvalue"]],
        "d_av [95% CI]": [_ci(d, lo, hi) for d, lo, hi in
                          zip(t["d_av"], t["d_av_lower"], t["d_av_upper"], strict=True)],
        "d_z [95% CI]": [_ci(d, lo, hi) for d, lo, hi in
                         zip(t["d_z"], t["d_z_lower"], t["d_z_upper"], strict=True)],
        "improved / no reliable change / deteriorated": [
            f"{a} / {b} / {c}" for a, b, c in zip(t["n_improved"], t["n_no_reliable_change"],
                                                  t["n_deteriorated"], strict=True)],
    })
    if t["to_wave"].nunique() == 1:  # one transition: say it once, not on every row
        out.append(f"<p>From {esc(_wlabel(ev, t['from_wave'].iloc[0]))} to "
                   f"{esc(_wlabel(ev, t['to_wave'].iloc[0]))}.</p>")
        rows = rows.drop(columns="waves")
    whole = t[t["grouping"] == "all"]
    if not whole.empty:
        labels = list(whole["score"] + " (" + whole["to_wave"].map(
            lambda w: _wlabel(ev, w)) + ")")
        ests = list(whole["d_av"])
        los, his = list(whole["d_av_lower"]), list(whole["d_av_upper"])
        bound = max([1.0] + [abs(v) for v in los + his if _finite(v)])
        out.append(figure(plots.interval_chart(
            labels, ests, los, his, title="Standardised change (d_av) from baseline",
            xlabel="d_av (0 = no change)", lo=-bound, hi=bound),
            "Mean change over the average SD of the two waves, everyone, with 95% "
            "intervals."))
    out.append(table(rows, index=False, digits=2))
    return "".join(out)


def _comparisons(ev: Evaluation) -> str:
    t = ev.comparisons
    out = ["<p>Every pair of groups in each wave: Welch's t test (unequal variances), "
           "Hedges' g (standardised difference, group 1 minus group 2) and the "
           "rank-biserial correlation (Mann-Whitney), each with its 95% interval. For two "
           "crossed factors the second is compared within each level of the first, and the "
           "interaction (difference of differences) is estimated from the cell means.</p>"]
    for (wave, design), block in t.groupby(["wave", "design"], sort=False, dropna=False):
        within = design.split(" x ")[:-1]  # crossed: the first factor's level
        rows = pd.DataFrame({
            "score": block["score"],
            **({"within": [ev.study.group_label(within[0], v) for v in block[within[0]]]}
               if within else {}),
            "group 1 vs 2": [f"{ev.study.group_label(b, g1)} vs {ev.study.group_label(b, g2)}"
                             for b, g1, g2 in zip(block["by"], block["group_1"],
                                                  block["group_2"], strict=True)],
            "n": [f"{int(a)} / {int(b)}" for a, b in zip(block["n_1"], block["n_2"],
                                                         strict=True)],
            "means": [f"{a:.2f} / {b:.2f}" if _finite(a) and _finite(b) else "–"
                      for a, b in zip(block["mean_1"], block["mean_2"], strict=True)],
            "Welch t (df)": [f"{x:.2f} ({d:.1f})" if _finite(x) else "–"
                             for x, d in zip(block["welch_t"], block["welch_df"], strict=True)],
            "p": [p_value(p) for p in block["welch_p"]],
            "Hedges' g [95% CI]": [_ci(g, lo, hi) for g, lo, hi in
                                   zip(block["hedges_g"], block["hedges_g_lower"],
                                       block["hedges_g_upper"], strict=True)],
            "rank-biserial [95% CI]": [_ci(r, lo, hi) for r, lo, hi in
                                       zip(block["rank_biserial"], block["rank_biserial_lower"],
                                           block["rank_biserial_upper"], strict=True)],
            "note": block["note"],
        })
        out.append(f"<h3>{esc(_wlabel(ev, wave))}: by {esc(design)}</h3>")
        out.append(table(rows, index=False))
        labels = [f"{r['score']}: {r['group 1 vs 2']}"
                  + (f" ({r['within']})" if "within" in r else "") for _, r in rows.iterrows()]
        los, his = list(block["hedges_g_lower"]), list(block["hedges_g_upper"])
        bound = max([1.0] + [abs(v) for v in los + his if _finite(v)])
        out.append(figure(plots.interval_chart(
            labels, list(block["hedges_g"]), los, his,
            title=f"Hedges' g, {_wlabel(ev, wave)}, by {design}",
            xlabel="g (group 1 minus group 2)", lo=-bound, hi=bound, width=760,),
            "Standardised differences with 95% intervals (0 = no difference)."))
        om = ev.omnibus
        if not om.empty:
            ob = om[_same(om["wave"], wave) & (om["design"] == design)]
            if not ob.empty:
                out.append(table(ob.drop(columns=["wave", "design"]), index=False,
                                 caption="More than two groups: Welch's ANOVA and "
                                         "Kruskal-Wallis"))
        if " x " in design and not ev.cells.empty:
            out.append(_cells(ev, ev.cells[_same(ev.cells["wave"], wave)
                                          & (ev.cells["design"] == design)], design))
        inter = ev.interaction
        if not inter.empty:
            ib = inter[_same(inter["wave"], wave) & (inter["design"] == design)]
            if not ib.empty:
                out.append(_interaction(ev, ib))
    if t.empty:
        out.append("<p>No comparison could be computed.</p>")
    return "".join(out)


def _cells(ev: Evaluation, cells: pd.DataFrame, design: str) -> str:
    fa, fb = design.split(" x ")
    cells = cells.assign(
        cell=[f"{m:.2f} ({sd:.2f}), n = {int(n)}" if _finite(sd) else
              (f"{m:.2f}, n = {int(n)}" if _finite(m) else f"–, n = {int(n)}")
              for m, sd, n in zip(cells["mean"], cells["sd"], cells["n"], strict=True)],
        row=[f"{s}: {ev.study.group_label(fa, a)}" for s, a in
             zip(cells["score"], cells[fa], strict=True)],
        col=[ev.study.group_label(fb, b) for b in cells[fb]])
    wide = cells.pivot_table(index="row", columns="col", values="cell", aggfunc="first",
                             sort=False)
    return table(wide.reset_index().rename(columns={"row": "score: " + fa}), index=False,
                 caption=f"Cell means (SD) and sizes, {fa} by {fb}")


def _interaction(ev: Evaluation, ib: pd.DataFrame) -> str:
    cols = [c for c in ib.columns if c.endswith(("_1", "_2")) and c not in ("n_1", "n_2")]
    fa, fb = cols[0][:-2], cols[2][:-2]
    rows = pd.DataFrame({
        "score": ib["score"],
        "contrast": [
            f"({ev.study.group_label(fb, r[fb + '_2'])} − {ev.study.group_label(fb, r[fb + '_1'])})"
            f" in {ev.study.group_label(fa, r[fa + '_2'])} minus the same in "
            f"{ev.study.group_label(fa, r[fa + '_1'])}" for _, r in ib.iterrows()],
        "difference of differences [95% CI]": [
            _ci(e, lo, hi) for e, lo, hi in zip(ib["interaction"], ib["interaction_lower"],
                                                ib["interaction_upper"], strict=True)],
        "t (df)": [f"{x:.2f} ({int(d)})" if _finite(x) else "–"
                   for x, d in zip(ib["t"], ib["df"], strict=True)],
        "p": [p_value(p) for p in ib["pvalue"]],
        "note": ib["note"],
    })
    return table(rows, index=False, caption="Interaction: does the difference between "
                                            f"{fb} groups differ between {fa} groups?")


RENDERERS: dict[str, Callable[[Evaluation], str]] = {
    "participation": _participation,
    "validation": _validation,
    "reliability": _reliability,
    "invariance": _invariance,
    "scores": _scores,
    "change": _change,
    "comparisons": _comparisons,
}


def evaluation_report(ev: Evaluation, *, output: str | os.PathLike[str] | None = None
                      ) -> EvaluationReport:
    """Render an :class:`~psychometrics.evaluation.pipeline.Evaluation` as one
    self-contained HTML file (inline SVG, no scripts, no network), optionally saved.

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import mentorship_study_path
    >>> rep = evaluation_report(pm.evaluate(mentorship_study_path()))
    >>> rep.html.startswith("<!DOCTYPE html>") and "SYNTHETIC" in rep.html
    True
    """
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = []
    shown = [s for s in ev.sections if s.status == "ok"]
    for number, s in enumerate(shown, start=1):
        try:
            inner = RENDERERS[s.id](ev)
            status = "ok"
        except Exception as exc:  # a renderer bug must not lose the rest of the report
            inner = notice("error", "Could not render this section: ", f"{exc}")
            status = "error"
        body.append(f'<section id="{s.id}" data-status="{status}"><h2>{number}. '
                    f"{esc(s.title)}</h2>{inner}{_caveats(ev, s.id)}</section>")
    skipped = [s for s in ev.sections if s.status != "ok"]
    covers = "".join(f'<li><a href="#{s.id}">{esc(s.title)}</a></li>' for s in shown)
    not_done = "".join(f"<li>{esc(s.title)}: {esc('; '.join(s.messages))}</li>"
                       for s in skipped)
    banners = []
    if ev.study.synthetic:
        banners.append("These data are SYNTHETIC (a seeded simulation): no real person's "
                       "answers; draw no conclusions about the programme from them.")
    study = ev.study
    sizes = ev.participation if "participation" in ev.tables else None
    what = f"{len(ev.data):,} responses"
    if sizes is not None and not sizes.empty:
        allrows = sizes[sizes["grouping"] == "all"]
        what += " (" + ", ".join(f"{_wlabel(ev, w)} {int(n)}" for w, n in
                                 zip(allrows["wave"], allrows["n"], strict=True)) + ")"
    instruments = ", ".join(si.id for si in study.instruments)
    desc = f"<p>{esc(study.description)}</p>" if study.description else ""
    heading = study.title
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="psychometrics {esc(__version__)}">'
        f"<title>{esc(heading)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(heading)}</h1>"
        f'<p class="subtitle">Programme evaluation · {esc(what)} · instruments: '
        f"{esc(instruments)} · generated {esc(now)}</p>"
        + "".join(f'<div class="banner" role="note">{esc(b)}</div>' for b in banners)
        + desc
        + f'<nav class="toc" aria-label="Contents"><p><strong>This report covers:</strong>'
        f"</p><ol>{covers}</ol>"
        + (f"<p><strong>Not computed for this study:</strong></p><ul>{not_done}</ul>"
           if not_done else "")
        + "</nav></header>"
        f"<main>{''.join(body)}</main>"
        f"<footer><p>Generated by psychometrics {esc(__version__)} on {esc(now)} from "
        f"{esc(ev.source or 'a study defined in Python')}. Every number is in the "
        "evaluation's tables (<code>pm.evaluate(...).tables</code>; "
        "<code>psychometrics evaluate STUDY --tables DIR</code>).</p></footer>"
        "</body></html>\n")
    rep = EvaluationReport(heading, html, tuple(ev.sections))
    if output is not None:
        rep.save(output)
    return rep
