"""The report's sections on the measurement model: items, dimensionality, CFA, and the
summary that gathers what they (and the reliability section) found.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.reporting import lavaan_tables, plots
from psychometrics.reporting._html import (
    csv_link,
    esc,
    figure,
    fmt,
    key_values,
    notice,
    p_value,
    table,
)
from psychometrics.reporting.scale_summary import (
    OMEGA_BOOT,
    apa_sentence,
    cfa_sentence,
    interval_text,
    omega_method,
    omega_method_text,
)
from psychometrics.reporting.sections import (
    HIGH_MISSING_SHARE,
    LOW_ITEM_TOTAL_R,
    LOW_LOADING,
    ONE_ANSWER_SHARE,
    ORDINAL_REPORT_ESTIMATORS,
    _Builder,
    _Context,
    _need_items,
)


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
                complete = keyed.dropna()
                how = omega_method(len(complete))
                how_text = omega_method_text(how)
                oi = None
                if len(complete) >= 10 and (complete.nunique() > 1).all():
                    oi = b.call(f"omega interval of {name}", "omega_interval", keyed,
                                method=how, level=ctx.ci, n_boot=OMEGA_BOOT, seed=ctx.seed)
                else:  # resamples of a constant item (or of a handful) say nothing
                    how_text = ("no interval: fewer than 10 complete respondents or an item "
                                "without variance among them")
                lo_, hi_ = (oi.lower, oi.upper) if oi is not None else (math.nan, math.nan)
                pairs.append(("McDonald's omega total (one factor)",
                              f"{om.omega_total:.3f}, {level} CI "
                              + (f"[{lo_:.3f}, {hi_:.3f}]" if math.isfinite(lo_) else "–")
                              + f" ({how_text} of complete respondents, "
                                "psychometrics.omega_interval)"))
                if summary is not None:
                    summary.omega, summary.omega_lower, summary.omega_upper = (
                        float(om.omega_total), lo_, hi_)
                    summary.omega_ci_text = how_text
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
    ordinal = ctx.cfa_estimator in ORDINAL_REPORT_ESTIMATORS
    estimator = ctx.cfa_estimator
    missing = ctx.cfa_missing if x.isna().any().any() and not ordinal else "listwise"
    complete_only = estimator in ("MLM", "MLMV") and missing == "fiml"
    if complete_only:  # lavaan's MLM / MLMV need complete rows
        missing = "listwise"
    structure = ctx.inst.published.structure
    source = (f"the published structure: {structure.description} ({structure.source})"
              if structure is not None else "one factor per scale of the instrument")
    how = (f"{esc(estimator)} on the items as ordered categories (thresholds and "
           "polychoric correlations, as R's <code>lavaan::cfa(ordered = TRUE)</code>)"
           if ordinal else
           "Maximum likelihood (as R's <code>lavaan::cfa</code>)" if estimator == "ML" else
           f"Maximum likelihood with robust standard errors and test ({esc(estimator)}) (as "
           "R's <code>lavaan::cfa</code>)")
    b.add(f"<p>Model: {esc(source)}. {how}, "
          "marker-variable identification, on the keyed items"
          + (", full-information ML for missing answers" if missing == "fiml" else
             ", complete cases") + ". The tables follow lavaan's <code>summary(fit, "
          "fit.measures = TRUE, standardized = TRUE)</code>.</p>")
    if complete_only:
        b.add(notice("warning", f"{estimator}: ", "lavaan's MLM and MLMV need complete "
                     "rows, so this CFA uses complete cases (estimator='MLR' keeps every "
                     "row with full-information ML)."))
    b.add("<p class='small'>" + "<br>".join(
        f"<code>{esc(f)} =~ {esc(' + '.join(v))}</code>" for f, v in model.items()) + "</p>")
    options = {"ordered": True} if ordinal else {}
    res = b.call("the confirmatory factor analysis", "cfa", x, model, missing=missing,
                 estimator=estimator, **options)
    if res is None:
        ctx.cfa_flags.append("CFA not computed")
        return
    b.add(f"<p><strong>{esc(lavaan_tables.estimator_line(res))}</strong></p>")
    b.add(key_values(lavaan_tables.estimator_lines(res)))
    b.add("<h3>Fit</h3>")
    fit_rows = lavaan_tables.fit_table(res.fit)
    fit_rows["block"] = fit_rows["block"].where(fit_rows["block"] != fit_rows["block"].shift(),
                                                "")
    b.add(table(fit_rows, index=False))
    b.add("<p class='small muted'>Cut-offs are conventions, not tests: read the indices "
          "together, with the loadings and the residual correlations.</p>")
    ctx.cfa_line = lavaan_tables.fit_sentence(res.fit, res.estimator)
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
          "(the fitted model's R², lavaan's <code>lavInspect(fit, \"r2\")</code>: "
          "1 − the std.all residual variance).</p>")
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
    omega_how = sorted({s.omega_ci_text for s in ctx.summary.values() if s.omega_ci_text})
    b.add(f"<p>The whole sample; alpha's interval: {esc(method)}; omega's: "
          f"{esc(' / '.join(omega_how) or 'none')} (seeded); the CFA is of the "
          "instrument's declared structure (one model for every scale). "
          "Details in the sections below.</p>")
    b.add(table(pd.DataFrame(rows), index=False, classes="summary stack", raw_html=("flags",)))
    sentences = [apa_sentence(s, level=level + " CI")
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
