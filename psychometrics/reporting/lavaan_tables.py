"""A fitted CFA as lavaan's ``summary(fit, fit.measures = TRUE, standardized = TRUE)`` shows it.

Only the public tables of :class:`~psychometrics.CFAResult` are read (``fit``, ``estimates``,
``n_obs``, ``n_total``, ``estimator``, ``missing``, ``iterations``, ``converged``); the one
number lavaan prints that the result has no column for, R², is lavaan's own definition
(``lavInspect(fit, "r2")``): one minus the completely standardized residual variance of
each indicator, checked against lavaan's fixtures in the tests.
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


def estimator_line(res: Any) -> str:
    """lavaan's header: estimator, convergence, observations used and rows given."""
    how = {"fiml": "full-information ML for missing answers",
           "listwise": "complete cases (listwise)"}.get(str(res.missing), str(res.missing))
    state = (f"converged normally after {res.iterations} iterations" if res.converged
             else f"did NOT converge ({res.iterations} iterations)")
    return (f"Estimator {res.estimator}, {how}; {state}; {res.n_obs} observations used of "
            f"{res.n_total} rows.")


def fit_table(fit: pd.Series) -> pd.DataFrame:
    """Every fit measure of lavaan's ``fit.measures = TRUE`` block, labelled as lavaan does."""
    rows = []
    for block, entries in FIT_BLOCKS:
        for key, label, reading in entries:
            rows.append({"block": block, "measure": label,
                         "value": _number(key, fit.get(key)), "conventional reading": reading})
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
    }
    for name in ("Factor variances", "Residual variances"):
        frame = out[name]
        out[name] = frame.drop(columns=[c for c in frame.columns if c.endswith(" ")])
    return {k: v for k, v in out.items() if len(v)}


def r_squared(res: Any) -> pd.Series:
    """R² of each indicator, as ``lavInspect(fit, "r2")``: 1 − its std.all residual variance."""
    est = res.estimates
    factors = set(est.loc[est["op"] == "=~", "lhs"])
    indicators = list(dict.fromkeys(est.loc[est["op"] == "=~", "rhs"]))
    resid = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"]) & ~est["lhs"].isin(factors)]
    theta = resid.set_index("lhs")["std_all"].astype(float)
    return (1.0 - theta.reindex(indicators)).rename("R²")


def fit_sentence(fit: pd.Series) -> str:
    """The fit in one line, as a paper reports it."""
    def g(key: str) -> float:
        try:
            return float(fit.get(key))
        except (TypeError, ValueError):
            return math.nan

    p = g("pvalue")
    p_text = "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".")
    return (f"χ²({int(g('df'))}) = {g('chisq'):.2f}, {p_text}, CFI = {_dotless(g('cfi'))}, "
            f"TLI = {_dotless(g('tli'))}, RMSEA = {_dotless(g('rmsea'))} "
            f"[{_dotless(g('rmsea_ci_lower'))}, {_dotless(g('rmsea_ci_upper'))}], "
            f"SRMR = {_dotless(g('srmr'))}")


def _dotless(v: float, digits: int = 3) -> str:
    """APA style for statistics bounded by 1: no leading zero (.931)."""
    if not math.isfinite(v):
        return "–"
    text = f"{v:.{digits}f}"
    return text.replace("0.", ".", 1) if abs(v) < 1 else text
