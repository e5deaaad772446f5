"""The result of a fit: a frozen object with the numbers as attributes, and its summary."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from psychometrics.results import ResultMixin, format_number
from psychometrics.structural.partable import observed_roles
from psychometrics.structural.syntax import ModelSpec

__all__ = ["CFAResult", "summary_text"]


@dataclass(frozen=True, repr=False)
class CFAResult(ResultMixin):
    """The result of :func:`cfa`.

    Attributes
    ----------
    fit : pandas.Series
        lavaan's ``fitMeasures`` under snake_case names: ``chisq``, ``df``, ``pvalue``,
        ``baseline_chisq``, ``baseline_df``, ``baseline_pvalue``, ``cfi``, ``tli``,
        ``loglik``, ``unrestricted_loglik``, ``aic``, ``bic``, ``sabic``, ``rmsea``,
        ``rmsea_ci_lower``, ``rmsea_ci_upper``, ``rmsea_pvalue``, ``srmr``, ``npar``, ``n``,
        ``fmin``.
    estimates : pandas.DataFrame
        lavaan's ``parameterEstimates(fit, standardized=TRUE)``, rows in lavaan's order:
        ``lhs, op, rhs, [group,] [label,] est, se, z, pvalue, ci_lower, ci_upper, std_lv,
        std_all, std_nox`` (``std_nox`` leaves the exogenous covariates of regressions in
        their own units; it equals ``std_all`` without them). The covariates' variances,
        covariances and means are rows fixed at their sample values (lavaan's
        ``fixed.x = TRUE``), with a standard error of 0.
    standardized : pandas.DataFrame
        Completely standardized loadings (``std_all``), items x factors (0 where an item
        does not load).
    residual_correlations : pandas.DataFrame
        ``residuals(fit, type="cor")$cov``: ``cor(S) - cor(Sigma_hat)`` (Bollen's).
    residual_means : pandas.Series or None
        ``residuals(fit, type="cor")$mean`` with a mean structure (FIML):
        ``(M - Mu_hat) / sd(S)``; None otherwise.
    modification_indices : pandas.DataFrame
        ``modindices(fit)``: ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all, sepc_nox`` in
        lavaan's order, regressions (``~``) among the variables of the regressions included
        (sort by ``mi`` for the largest).
    converged, iterations
        Whether the optimiser converged and how many iterations it took.
    n_obs, n_total
        Observations used and rows given (they differ under listwise deletion).
    implied_cov, implied_mean, sample_cov, sample_mean
        Model-implied and sample moments (under FIML the "sample" moments are the EM
        estimates of the unrestricted model, as in lavaan); means only with a mean
        structure. ``sample_cov`` is lavaan's ``lavInspect(fit, "sampstat")``: divisor N
        for the ML family (lavaan's default ``likelihood = "normal"``; its ``"wishart"``,
        divisor N - 1, is not offered), the unbiased matrix (divisor N_g - 1 per group)
        for GLS and ULS, whose criterion lavaan writes in it (a covariance matrix given
        with ``n_obs`` is then returned as given).
    vcov : pandas.DataFrame
        Covariance matrix of the free parameters (one row per unique parameter).
    messages : tuple of str
        The :class:`~psychometrics.errors.NumericalWarning` messages issued by the fit.
    groups : tuple of str
        The group labels of a multi-group model (empty for one group). Then ``estimates``
        and ``modification_indices`` have a ``group`` column, and ``standardized``, the
        residuals and the moments are stacked with the group as the outer index level.
    group_fit : pandas.DataFrame or None
        Per group: ``n`` and its contribution to ``chisq`` (multi-group models).
    score_tests, score_test : pandas.DataFrame, pandas.Series or None
        lavaan's ``lavTestScore`` when parameters are constrained equal (``group_equal``,
        shared labels, ``==``): one row per constraint (``lhs == rhs`` in lavaan's
        ``.pK.`` names, ``X2``, ``df``, ``pvalue`` of releasing it alone) and the total test
        of releasing all (``X2``, ``df``, ``pvalue``); None without constraints.
    r2 : pandas.Series
        R-squared of every endogenous variable (the items that indicate a factor, and the
        factors regressed on others), lavaan's ``inspect(fit, "r2")``.
    """

    fit: pd.Series
    estimates: pd.DataFrame
    standardized: pd.DataFrame
    residual_correlations: pd.DataFrame
    residual_means: pd.Series | None
    modification_indices: pd.DataFrame
    converged: bool
    iterations: int
    n_obs: int
    n_total: int
    estimator: str
    missing: str
    std_lv: bool
    model: ModelSpec
    implied_cov: pd.DataFrame
    implied_mean: pd.Series | None
    sample_cov: pd.DataFrame
    sample_mean: pd.Series | None
    vcov: pd.DataFrame
    messages: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    group_fit: pd.DataFrame | None = None
    r2: pd.Series | None = None
    score_tests: pd.DataFrame | None = None
    score_test: pd.Series | None = None

    _title: ClassVar[str] = "Confirmatory factor analysis"

    def _scalars(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "missing": self.missing,
                "converged": self.converged, "iterations": self.iterations,
                "n_obs": self.n_obs, **{k: v for k, v in self.fit.items()}}

    def _tables(self) -> dict[str, pd.DataFrame]:
        mi = self.modification_indices.sort_values("mi", ascending=False).head(10)
        return {"estimates": self.estimates, "standardized": self.standardized,
                "residual_correlations": self.residual_correlations,
                "modification_indices (top 10)": mi}

    def summary(self, digits: int = 3) -> str:
        """A lavaan-like text summary: fit, then the parameter estimates."""
        return summary_text(self, digits)


def summary_text(res: CFAResult, digits: int) -> str:
    fit = res.fit

    def num(v: Any, d: int = digits) -> str:
        return format_number(float(v), d)

    def line(label: str, value: str) -> str:
        return f"  {label:<44}{value:>12}"

    status = ("converged normally" if res.converged else "did NOT converge")
    kind = ("Structural equation model" if (res.estimates["op"] == "~").any()
            else "Confirmatory factor analysis")
    out = [f"{kind} ({res.estimator}) {status} after "
           f"{res.iterations} iterations", ""]
    out.append(line("Estimator", res.estimator))
    out.append(line("Number of model parameters", str(int(fit["npar"]))))
    out.append(line("Number of observations", str(res.n_obs)))
    if res.n_total != res.n_obs:
        out.append(line("Number of rows given", str(res.n_total)))
    out.append(line("Missing data", res.missing))
    out += ["", "Model Test User Model:",
            line("Test statistic", num(fit["chisq"])),
            line("Degrees of freedom", str(int(fit["df"]))),
            line("P-value (Chi-square)", num(fit["pvalue"])),
            *([line(f"  {label}", num(res.group_fit.loc[label, "chisq"]))
               for label in res.groups] if res.group_fit is not None else []),
            *([line("Scaled test statistic", num(fit["chisq_scaled"])),
               line("Scaled degrees of freedom", num(fit["df_scaled"])),
               line("Scaled P-value (Chi-square)", num(fit["pvalue_scaled"])),
               line("Scaling correction factor", num(fit["chisq_scaling_factor"]))]
              if "chisq_scaled" in fit.index else []),
            "", "Model Test Baseline Model:",
            line("Test statistic", num(fit["baseline_chisq"])),
            line("Degrees of freedom", str(int(fit["baseline_df"]))),
            line("P-value", num(fit["baseline_pvalue"])),
            "", "User Model versus Baseline Model:",
            line("Comparative Fit Index (CFI)", num(fit["cfi"])),
            line("Tucker-Lewis Index (TLI)", num(fit["tli"])),
            # no likelihood under GLS/ULS: lavaan leaves the section out
            *(["", "Loglikelihood and Information Criteria:",
               line("Loglikelihood user model (H0)", num(fit["loglik"])),
               line("Loglikelihood unrestricted model (H1)", num(fit["unrestricted_loglik"])),
               line("Akaike (AIC)", num(fit["aic"])),
               line("Bayesian (BIC)", num(fit["bic"])),
               line("Sample-size adjusted Bayesian (SABIC)", num(fit["sabic"]))]
              if not np.isnan(fit["loglik"]) else []),
            "", "Root Mean Square Error of Approximation:",
            line("RMSEA", num(fit["rmsea"])),
            line("90 Percent confidence interval - lower", num(fit["rmsea_ci_lower"])),
            line("90 Percent confidence interval - upper", num(fit["rmsea_ci_upper"])),
            line("P-value H_0: RMSEA <= 0.050", num(fit["rmsea_pvalue"])),
            "", "Standardized Root Mean Square Residual:",
            line("SRMR", num(fit["srmr"])), "",
            "Parameter Estimates:",
            line("Standard errors", {"MLM": "Robust.sem", "MLMV": "Robust.sem",
                                     "MLR": "Sandwich"}.get(res.estimator, "Standard")),
            line("Information", "Observed" if res.missing == "fiml" or res.estimator == "MLR"
                 else "Expected"),
            ""]
    est = res.estimates
    header = (f"{'':<20}{'Estimate':>9}{'Std.Err':>9}{'z-value':>9}{'P(>|z|)':>9}"
              f"{'Std.lv':>9}{'Std.all':>9}")
    # lavaan's "." marks a residual (co)variance or intercept: every variable except the
    # exogenous factors and covariates goes without one
    outcomes = {t.lhs for t in res.model.regressions}
    latent = (set(res.model.latent) - outcomes) | set(observed_roles(res.model)[2])

    def row_text(name: str, r: pd.Series) -> str:
        def cell(v: float) -> str:
            return f"{num(v):>9}" if np.isfinite(v) else " " * 9
        se = r["se"] if r["se"] > 0 else math.nan
        return (f"    {name:<16}{cell(r['est'])}{cell(se)}{cell(r['z'])}{cell(r['pvalue'])}"
                f"{cell(r['std_lv'])}{cell(r['std_all'])}")

    blocks = ([(f"Group {k + 1} [{label}]:", est[est["group"] == label])
               for k, label in enumerate(res.groups)] if res.groups else [("", est)])
    for heading, block in blocks:
        if heading:
            out += [heading, ""]
        out += _estimate_sections(block, header, latent, row_text)
    defined = est[est["op"] == ":="]
    if not defined.empty:
        out += ["Defined Parameters:", header]
        out += [row_text(f"{r['lhs']} := {r['rhs']}"[:16], r) for _, r in defined.iterrows()]
        out.append("")
    if res.r2 is not None and len(res.r2) and (est["op"] == "~").any():
        out += ["R-Square:", f"{'':<20}{'Estimate':>9}"]
        for key, value in res.r2.items():
            name = " ".join(map(str, key)) if isinstance(key, tuple) else str(key)
            out.append(f"    {name:<16}{num(value):>9}")
        out.append("")
    if res.messages:
        out += ["Warnings:"] + [f"  - {m}" for m in res.messages]
    return "\n".join(out).rstrip() + "\n"


def _estimate_sections(est: pd.DataFrame, header: str, latent: set[str],
                       row_text: Any) -> list[str]:
    """lavaan's blocks of the parameter estimates (of one group)."""
    out: list[str] = []
    sections = [
        ("Latent Variables:", est["op"] == "=~", True),
        ("Regressions:", est["op"] == "~", True),
        ("Covariances:", (est["op"] == "~~") & (est["lhs"] != est["rhs"]), True),
        ("Intercepts:", est["op"] == "~1", False),
        ("Variances:", (est["op"] == "~~") & (est["lhs"] == est["rhs"]), False),
    ]
    for title, mask, grouped in sections:
        part = est[mask]
        if part.empty:
            continue
        out += [title, header]
        last = None
        for _, r in part.iterrows():
            if grouped:
                if r["lhs"] != last:
                    prefix = "." if r["op"] == "~~" and r["lhs"] not in latent else ""
                    out.append(f"  {prefix}{r['lhs']} {r['op']}")
                    last = r["lhs"]
                name = ("." if r["op"] == "~~" and r["rhs"] not in latent else "") + r["rhs"]
            else:
                name = ("." if r["lhs"] not in latent else "") + r["lhs"]
            out.append(row_text(name, r))
        out.append("")
    return out
