"""A fitted CFA as lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)`` shows it.

Only the public attributes of :class:`~psychometrics.CFAResult` are read (``fit`` with its
``*_scaled`` / ``*_robust`` entries under a robust estimator, ``estimates``, ``r2``,
``n_obs``, ``n_total``, ``estimator``, ``missing``, ``iterations``, ``converged``,
``groups``, ``group_fit``), checked against lavaan's fixtures in the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

# lavaan's blocks of fit measures: (block title, [(key in CFAResult.fit, label, reading)]).
FIT_BLOCKS: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Model test, user model", [
        ("chisq", "Test statistic (χ²)", ""),
        ("df", "Degrees of freedom", ""),
        ("pvalue", "P-value (χ²)", "a small p says the fit is not exact; large samples "
                                   "reject every model"),
    ]),
    ("Model test, baseline model (uncorrelated items)", [
        ("baseline_chisq", "Test statistic (χ²)", ""),
        ("baseline_df", "Degrees of freedom", ""),
        ("baseline_pvalue", "P-value", ""),
    ]),
    ("User model versus baseline model", [
        ("cfi", "Comparative Fit Index (CFI)", "≥ .95 often read as good (Hu & Bentler, "
                                                "1999)"),
        ("tli", "Tucker-Lewis Index (TLI)", "≥ .95 often read as good"),
    ]),
    ("Loglikelihood and information criteria", [
        ("loglik", "Loglikelihood user model (H0)", ""),
        ("unrestricted_loglik", "Loglikelihood unrestricted model (H1)", ""),
        ("aic", "Akaike (AIC)", "for comparing models on the same data: smaller is better"),
        ("bic", "Bayesian (BIC)", "as AIC"),
        ("sabic", "Sample-size adjusted Bayesian (SABIC)", "as AIC"),
    ]),
    ("Root mean square error of approximation", [
        ("rmsea", "RMSEA", "≤ .06 often read as good; ≥ .10 poor"),
        ("rmsea_ci_lower", "90% confidence interval, lower", ""),
        ("rmsea_ci_upper", "90% confidence interval, upper", ""),
        ("rmsea_pvalue", "P-value H0: RMSEA ≤ .050 (close fit)", "a small p rejects close "
                                                                   "fit"),
    ]),
    ("Standardized root mean square residual", [
        ("srmr", "SRMR", "≤ .08 often read as good"),
    ]),
]
_INTEGER = {"df", "baseline_df", "npar", "n"}
_P = {"pvalue", "baseline_pvalue", "rmsea_pvalue"}


def _number(key: str, value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    if key in _INTEGER:
        return f"{round(v)}"
    if key in _P:
        return "< .001" if v < 0.001 else f"{v:.3f}"
    if key in ("chisq", "baseline_chisq", "loglik", "unrestricted_loglik", "aic", "bic",
               "sabic"):
        return f"{v:.3f}"
    return f"{v:.3f}"


# lavaan 0.6.14's summary() lines per estimator: (standard errors, test statistic's
# correction), as it prints them for HolzingerSwineford1939
_ROBUST = {"ML": ("Standard", ""),
           "MLM": ("Robust.sem", "Satorra-Bentler correction"),
           "MLMV": ("Robust.sem", "simple second-order correction (scaled and shifted)"),
           "MLR": ("Sandwich", "Yuan-Bentler correction (Mplus variant)"),
           # ordered items (least squares on thresholds and polychoric correlations)
           "WLSMV": ("Robust.sem", "scaled and shifted"), "ULSMV": ("Robust.sem",
                                                                   "scaled and shifted"),
           "WLSM": ("Robust.sem", "Satorra-Bentler"), "ULSM": ("Robust.sem",
                                                            "Satorra-Bentler")}
_ORDINAL = ("WLSMV", "WLSM", "DWLS", "ULSMV", "ULSM", "ULS", "WLS")


def estimator_line(res: Any) -> str:
    """lavaan's header: estimator, convergence, observations used and rows given."""
    how = {"fiml": "full-information ML for missing answers",
           "listwise": "complete cases (listwise)"}.get(str(res.missing), str(res.missing))
    state = (f"converged normally after {res.iterations} iterations" if res.converged
             else f"did NOT converge ({res.iterations} iterations)")
    return (f"Estimator {res.estimator}, {how}; {state}; {res.n_obs} observations used of "
            f"{res.n_total} rows.")


def estimator_lines(res: Any) -> list[tuple[str, str]]:
    """lavaan's ``summary()`` header lines: Estimator, Information, Standard errors, Test
    statistic, observations (per group) and missing data, from what the result says."""
    se, test = _ROBUST.get(str(res.estimator), ("Standard", ""))
    information = ("Observed" if res.missing == "fiml" or res.estimator == "MLR"
                   else "Expected")
    if res.estimator in _ORDINAL:
        name = (f"{res.estimator} (least squares on the thresholds and polychoric "
                "correlations of the ordered items)")
    else:
        name = ("ML" if res.estimator == "ML" else
                f"ML ({res.estimator}: robust standard errors and test)")
    lines = [("Estimator", name),
             ("Optimization", f"{'converged' if res.converged else 'did NOT converge'} "
                              f"after {res.iterations} iterations"),
             ("Information" + (" bread" if res.estimator == "MLR" else ""), information),
             ("Standard errors", se),
             ("Test statistic", f"Standard and scaled: {test}" if test else "Standard"),
             ("Number of observations", f"{res.n_obs} used of {res.n_total} rows"),
             ("Missing data", {"fiml": "full-information ML (FIML)",
                               "listwise": "complete cases (listwise)"}.get(
                                   str(res.missing), str(res.missing)))]
    groups = getattr(res, "groups", ())
    gf = getattr(res, "group_fit", None)
    if groups and gf is not None:
        lines.append(("Observations per group", ", ".join(
            f"{g}: {int(gf.loc[g, 'n'])}" for g in groups)))
    return lines


def fit_table(fit: pd.Series) -> pd.DataFrame:
    """Every fit measure of lavaan's ``fit.measures = TRUE`` block, labelled as lavaan does.

    Under a robust estimator lavaan prints a second column of scaled values (the
    ``*_scaled`` entries of ``fit``), the scaling correction factors, and rows for the
    robust CFI, TLI and RMSEA (``*_robust``); so does this table.
    """
    scaled = "chisq_scaled" in fit.index
    rows = []
    for block, entries in FIT_BLOCKS:
        for key, label, reading in entries:
            row = {"block": block, "measure": label, "value": _number(key, fit.get(key))}
            if scaled:
                row["scaled"] = (_number(key, fit.get(f"{key}_scaled"))
                                 if f"{key}_scaled" in fit.index else "")
            row["conventional reading"] = reading
            rows.append(row)
            if not scaled:
                continue
            if key in ("pvalue", "baseline_pvalue"):
                factor = key.replace("pvalue", "chisq_scaling_factor")
                rows.append({"block": block, "measure": "Scaling correction factor",
                             "value": "", "scaled": _number(factor, fit.get(factor)),
                             "conventional reading": ""})
            if f"{key}_robust" in fit.index:
                rows.append({"block": block, "measure": f"Robust {label}", "value": "",
                             "scaled": _number(key, fit.get(f"{key}_robust")),
                             "conventional reading": "the population value the scaled "
                                                     "index estimates (Brosseau-Liard "
                                                     "& Savalei)" if key in ("cfi", "rmsea")
                             else ""})
    return pd.DataFrame(rows)


def _block(est: pd.DataFrame, mask: pd.Series, lhs_label: str, rhs_label: str
           ) -> pd.DataFrame:
    part = est[mask]
    se = part["se"].to_numpy(dtype=float)
    fixed = ~(se > 0)  # a fixed parameter: lavaan prints no SE, z or p
    return pd.DataFrame({
        lhs_label: part["lhs"].to_numpy(), rhs_label: part["rhs"].to_numpy(),
        "estimate": part["est"].to_numpy(dtype=float),
        "SE": np.where(fixed, np.nan, se),
        "z": np.where(fixed, np.nan, part["z"].to_numpy(dtype=float)),
        "p": np.where(fixed, np.nan, part["pvalue"].to_numpy(dtype=float)),
        "std.lv": part["std_lv"].to_numpy(dtype=float),
        "std.all": part["std_all"].to_numpy(dtype=float),
    })


def parameter_tables(res: Any) -> dict[str, pd.DataFrame]:
    """lavaan's parameter blocks: latent variables, covariances, variances (with std.lv and
    std.all, z and p), split into factor and residual (co)variances."""
    est = res.estimates
    factors = set(est.loc[est["op"] == "=~", "lhs"])
    two = est["op"] == "~~"
    lhs_f, rhs_f = est["lhs"].isin(factors), est["rhs"].isin(factors)
    same = est["lhs"] == est["rhs"]
    out = {
        "Latent variables (loadings)": _block(est, est["op"] == "=~", "factor", "indicator"),
        "Factor covariances": _block(est, two & lhs_f & rhs_f & ~same, "factor", "with"),
        "Residual covariances": _block(est, two & ~lhs_f & ~rhs_f & ~same, "item", "with"),
        "Factor variances": _block(est, two & lhs_f & same, "factor", "factor "),
        "Residual variances": _block(est, two & ~lhs_f & same, "item", "item "),
        "Thresholds": _block(est, est["op"] == "|", "item", "threshold"),
    }
    for name in ("Factor variances", "Residual variances"):
        frame = out[name]
        out[name] = frame.drop(columns=[c for c in frame.columns if c.endswith(" ")])
    return {k: v for k, v in out.items() if len(v)}


def r_squared(res: Any) -> pd.Series:
    """R² of each indicator: the result's ``r2`` (lavaan's ``lavInspect(fit, "r2")``), in
    the order the items load."""
    est = res.estimates
    indicators = list(dict.fromkeys(est.loc[est["op"] == "=~", "rhs"]))
    r2 = res.r2
    if getattr(res, "groups", ()):
        return r2.rename("R²")  # one value per group and item, as the result stacks them
    return r2.reindex(indicators).astype(float).rename("R²")


_SCALED_TEST = {"MLM": "Satorra-Bentler scaled", "MLMV": "scaled and shifted",
                "MLR": "Yuan-Bentler scaled", "WLSMV": "scaled and shifted",
                "ULSMV": "scaled and shifted", "WLSM": "Satorra-Bentler scaled",
                "ULSM": "Satorra-Bentler scaled"}


def fit_sentence(fit: pd.Series, estimator: str | None = None) -> str:
    """The fit in one line, as a paper reports it.

    Under a robust estimator (the fit has ``chisq_scaled``) the line reports the scaled
    chi-square with its df and p, says which (``MLR, Yuan-Bentler scaled``), and the robust
    CFI, TLI and RMSEA with its interval (lavaan's ``cfi.robust`` ...); where lavaan has no
    robust index (NA, e.g. ordered items with equal thresholds) the scaled ones, named so.
    SRMR has no robust version.
    """
    def g(key: str) -> float:
        try:
            return float(fit.get(key))
        except (TypeError, ValueError):
            return math.nan

    def p_text(p: float) -> str:
        return "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".")

    if "chisq_scaled" not in fit.index:
        return (f"χ²({int(g('df'))}) = {g('chisq'):.2f}, {p_text(g('pvalue'))}, "
                f"CFI = {_dotless(g('cfi'))}, TLI = {_dotless(g('tli'))}, "
                f"RMSEA = {_dotless(g('rmsea'))} [{_dotless(g('rmsea_ci_lower'))}, "
                f"{_dotless(g('rmsea_ci_upper'))}], SRMR = {_dotless(g('srmr'))}")
    kind = "robust" if math.isfinite(g("cfi_robust")) else "scaled"
    test = _SCALED_TEST.get(str(estimator).upper(), "scaled")
    which = f"{estimator}, {test}" if estimator else test
    df = g("df_scaled") if math.isfinite(g("df_scaled")) else g("df")
    df_text = f"{df:.0f}" if float(df).is_integer() else f"{df:.2f}"
    return (f"χ²({df_text}) = {g('chisq_scaled'):.2f} ({which}), "
            f"{p_text(g('pvalue_scaled'))}, {kind} CFI = {_dotless(g(f'cfi_{kind}'))}, "
            f"{kind} TLI = {_dotless(g(f'tli_{kind}'))}, {kind} RMSEA = "
            f"{_dotless(g(f'rmsea_{kind}'))} [{_dotless(g(f'rmsea_ci_lower_{kind}'))}, "
            f"{_dotless(g(f'rmsea_ci_upper_{kind}'))}], SRMR = {_dotless(g('srmr'))}")


def _dotless(v: float, digits: int = 3) -> str:
    """APA style for statistics bounded by 1: no leading zero (.931)."""
    if not math.isfinite(v):
        return "–"
    text = f"{v:.{digits}f}"
    return text.replace("0.", ".", 1) if abs(v) < 1 else text
