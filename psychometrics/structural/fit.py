"""Fit indices of a maximum-likelihood factor model, as lavaan 0.6.14 defines them.

Pure functions of the test statistics, used by :func:`~psychometrics.factor.cfa`:
CFI and TLI against the independence (baseline) model (``lav_fit_cfi``, ``lav_fit_tli``),
RMSEA with N (not N - 1) and its confidence interval by inverting the noncentral
chi-square distribution (``lav_fit_rmsea``, ``lav_fit_rmsea_ci``, ``lav_fit_rmsea_closefit``)
and Bentler's SRMR (``lav_residuals(type="cor.bentler")`` summarised by
``lav_residuals_summary``), with the means included when the model has a mean structure.

References
----------
Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological
Bulletin, 107*(2), 238-246.
Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A.
Bollen & J. S. Long (Eds.), *Testing structural equation models* (pp. 136-162). Sage.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software, 48*(2), 1-36.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from psychometrics.structural.samplestats import LOG2PI, Sample, scatter_add

__all__ = ["GroupMoments", "cfi", "fit_measures", "independence_loglik", "least_squares_measures",
           "rmsea", "rmsea_ci",
           "rmsea_pvalue", "scaled_measures", "srmr", "tli"]


def cfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float,
        c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:
    """Comparative fit index: ``1 - max(X2 - df, 0) / max(X2 - df, X2_0 - df_0, 0)``.

    With scaling factors ``c_hat`` (model) and ``c_hat_null`` (baseline) it is the robust
    CFI of Brosseau-Liard & Savalei (2014): ``df`` becomes ``c_hat df`` (lavaan's
    ``cfi.robust``).

    Examples
    --------
    >>> round(cfi(85.306, 24, 918.852, 36), 3)
    0.931
    """
    if any(math.isnan(v) for v in (chisq, df, baseline_chisq, baseline_df, c_hat, c_hat_null)):
        return math.nan
    if not (df > 0 and c_hat != 1 and c_hat_null != 1):
        c_hat = c_hat_null = 1.0
    t1 = max(chisq - c_hat * df, 0.0)
    t2 = max(chisq - c_hat * df, baseline_chisq - c_hat_null * baseline_df, 0.0)
    # lavaan compares with all.equal (tolerance 1.5e-8) before dividing.
    if abs(t1) < 1.5e-8 and abs(t2) < 1.5e-8:
        return 1.0
    return 1.0 - t1 / t2


def tli(chisq: float, df: float, baseline_chisq: float, baseline_df: float,
        c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:
    """Tucker-Lewis index: ``1 - ((X2 - df) df_0) / ((X2_0 - df_0) df)`` (robust with
    ``c_hat``, ``c_hat_null`` as :func:`cfi`).

    Examples
    --------
    >>> round(tli(85.306, 24, 918.852, 36), 3)
    0.896
    """
    if any(math.isnan(v) for v in (chisq, df, baseline_chisq, baseline_df, c_hat, c_hat_null)):
        return math.nan
    if not (df > 0 and c_hat != 1 and c_hat_null != 1):
        c_hat = c_hat_null = 1.0
    t1 = (chisq - c_hat * df) * baseline_df
    t2 = (baseline_chisq - c_hat_null * baseline_df) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0


def rmsea(chisq: float, df: float, n: int, groups: int = 1, c_hat: float = 1.0) -> float:
    """Root mean square error of approximation, ``sqrt(max(X2/N/df - 1/N, 0))``.

    lavaan divides by N (the number of observations), not N - 1, and multiplies by
    ``sqrt(G)`` with G groups.

    Examples
    --------
    >>> round(rmsea(85.306, 24, 301), 3)
    0.092
    """
    if math.isnan(chisq) or math.isnan(df) or math.isnan(c_hat):
        return math.nan
    if df <= 0:
        return 0.0
    return math.sqrt(max(chisq / n / df - c_hat / n, 0.0)) * math.sqrt(groups)


def rmsea_ci(chisq: float, df: float, n: int, level: float = 0.90,
             groups: int = 1, c_hat: float = 1.0) -> tuple[float, float]:
    """Confidence interval of the RMSEA by inverting the noncentral chi-square.

    The lower (upper) limit solves ``P(X2; df, lambda) = 0.95`` (``0.05``) for the
    noncentrality ``lambda`` and reports ``sqrt(lambda / (N df))``.

    Examples
    --------
    >>> [round(v, 3) for v in rmsea_ci(85.306, 24, 301)]
    [0.071, 0.114]
    """
    if not (math.isfinite(chisq) and math.isfinite(df) and math.isfinite(c_hat)):
        return (math.nan, math.nan)
    upper_perc = 1.0 - (1.0 - level) / 2.0
    lower_perc = (1.0 - level) / 2.0

    def cdf(lam: float) -> float:
        # scipy.special directly: scipy.stats adds ~50 us per call inside the root finder.
        if lam <= 0:
            return float(special.chdtr(df, chisq))
        return float(special.chndtr(chisq, df, lam))

    if df < 1 or cdf(0.0) - upper_perc < 0:
        lower = 0.0
    else:
        try:
            lam = optimize.brentq(lambda v: cdf(v) - upper_perc, 0.0, chisq, xtol=1e-12)
            lower = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(groups)
        except ValueError:
            lower = math.nan
    n_rmsea = max(n, chisq * 4)
    if df < 1 or cdf(n_rmsea) - lower_perc > 0 or cdf(0.0) - lower_perc < 0:
        upper = 0.0
    else:
        try:
            lam = optimize.brentq(lambda v: cdf(v) - lower_perc, 0.0, n_rmsea, xtol=1e-12)
            upper = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(groups)
        except ValueError:
            upper = math.nan
    return (lower, upper)


def rmsea_pvalue(chisq: float, df: float, n: int, h0: float = 0.05, groups: int = 1,
                 c_hat: float = 1.0) -> float:
    """P-value of the test of close fit, ``P(RMSEA <= h0)``: ``1 - P(X2; df, N df h0^2)``.

    Examples
    --------
    >>> round(rmsea_pvalue(85.306, 24, 301), 3)
    0.001
    """
    if not (math.isfinite(chisq) and math.isfinite(df) and math.isfinite(c_hat)) or df <= 0:
        return math.nan
    return 1.0 - float(special.chndtr(chisq, df, n * df * h0**2 / (c_hat * groups)))


def srmr(
    sample_cov: np.ndarray,
    implied_cov: np.ndarray,
    sample_mean: np.ndarray | None = None,
    implied_mean: np.ndarray | None = None,
) -> float:
    """Bentler's standardized root mean square residual (lavaan's ``srmr``).

    Residuals ``S - Sigma`` (and ``M - Mu``) are divided by the sample standard
    deviations, then ``sqrt(sum of squared residuals / count)`` over the lower triangle with
    the diagonal (``p (p + 1) / 2`` values) plus the ``p`` means when they are given.

    Examples
    --------
    >>> s = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(srmr(s, np.eye(2)), 4)
    0.2887
    """
    sd = np.sqrt(np.diag(sample_cov))
    resid = (sample_cov - implied_cov) / np.outer(sd, sd)
    values = resid[np.tril_indices_from(resid)]
    total = float(np.sum(values**2))
    count = values.size
    if sample_mean is not None and implied_mean is not None:
        mean_resid = (np.asarray(sample_mean) - np.asarray(implied_mean)) / sd
        total += float(np.sum(mean_resid**2))
        count += mean_resid.size
    return math.sqrt(total / count)


@dataclass
class GroupMoments:
    """One group's share of the fit: its sample, its fmin at the estimates, the implied
    moments, and whether the model has a mean structure."""

    sample: Sample
    fmin: float
    sigma: np.ndarray
    mu: np.ndarray
    meanstructure: bool
    # the exogenous covariates (fixed.x): their moments are data, not fitted
    x_idx: tuple[int, ...] = ()

    def x_loglik(self) -> float:
        """The covariates' own (marginal) log-likelihood at their sample moments, which
        lavaan leaves out of ``logl`` and ``unrestricted.logl`` with ``fixed.x``."""
        if not self.x_idx:
            return 0.0
        x = list(self.x_idx)
        S_x = self.sample.cov[np.ix_(x, x)]
        return -0.5 * self.sample.n * (len(x) * LOG2PI + float(np.linalg.slogdet(S_x)[1])
                                       + len(x))

    def chisq_loglik(self) -> tuple[float, float, float, float, float]:
        """``(chisq, loglik, h1 loglik, baseline chisq, srmr)`` of this group."""
        sample = self.sample
        N, p = sample.n, len(sample.ov)
        S = sample.cov
        if sample.patterns is None:
            logdet_s = float(np.linalg.slogdet(S)[1])
            h1 = -0.5 * N * (p * LOG2PI + logdet_s + p)
            chisq = 2.0 * N * self.fmin
            loglik = h1 - 0.5 * chisq
            # the independence model keeps the covariates' block (fixed.x)
            y = [i for i in range(p) if i not in self.x_idx]
            logdet_b = float(np.sum(np.log(np.diag(S)[y])))
            if self.x_idx:
                x = list(self.x_idx)
                logdet_b += float(np.linalg.slogdet(S[np.ix_(x, x)])[1])
            base_chisq = N * (logdet_b - logdet_s)
        else:
            h1 = sample.h1_loglik
            loglik = -N * self.fmin
            chisq = 2.0 * (h1 - loglik)
            base_chisq = 2.0 * (h1 - independence_loglik(sample, self.x_idx))
        if self.meanstructure and sample.mean is not None:
            srmr_value = srmr(S, self.sigma, sample.mean, self.mu)
        else:
            srmr_value = srmr(S, self.sigma)
        lx = self.x_loglik()
        return chisq, loglik - lx, h1 - lx, base_chisq, srmr_value


def fit_measures(groups: list[GroupMoments], q: int, df: int) -> tuple[pd.Series, np.ndarray]:
    """lavaan's ``fitMeasures`` summed over groups, and each group's chisq.

    The chisq, log-likelihoods and baseline chisq are sums over groups; SRMR is the groups'
    weighted by ``N_g / N``; RMSEA and its interval are multiplied by ``sqrt(G)`` (lavaan).
    """
    parts = np.array([g.chisq_loglik() for g in groups])
    chisq_g, loglik_g, h1_g, base_g, srmr_g = parts.T
    n_g = np.array([g.sample.n for g in groups], dtype=float)
    N = int(n_g.sum())
    G = len(groups)
    p = len(groups[0].sample.ov)
    chisq = float(chisq_g.sum())
    loglik = float(loglik_g.sum())
    h1 = float(h1_g.sum())
    base_chisq = float(base_g.sum())
    srmr_value = float(np.sum(n_g / N * srmr_g))
    nx = len(groups[0].x_idx)
    base_df = G * (p * (p - 1) / 2 - nx * (nx - 1) / 2)
    chisq = max(chisq, 0.0) if abs(chisq) < 1e-8 else chisq
    ci = rmsea_ci(chisq, df, N, groups=G)
    values = {
        # lavaan reports fmin = chisq / (2N) under FIML too
        "npar": q, "n": N, "fmin": chisq / (2.0 * N),
        "chisq": chisq, "df": df,
        "pvalue": float(special.chdtrc(df, chisq)) if df > 0 else math.nan,
        "baseline_chisq": base_chisq, "baseline_df": base_df,
        "baseline_pvalue": float(special.chdtrc(base_df, base_chisq)),
        "cfi": cfi(chisq, df, base_chisq, base_df),
        "tli": tli(chisq, df, base_chisq, base_df),
        "loglik": loglik, "unrestricted_loglik": h1,
        "aic": -2.0 * loglik + 2.0 * q,
        "bic": -2.0 * loglik + q * math.log(N),
        "sabic": -2.0 * loglik + q * math.log((N + 2.0) / 24.0),
        "rmsea": rmsea(chisq, df, N, groups=G),
        "rmsea_ci_lower": ci[0], "rmsea_ci_upper": ci[1],
        "rmsea_pvalue": rmsea_pvalue(chisq, df, N, groups=G),
        "srmr": srmr_value,
    }
    return pd.Series(values, dtype=float, name="fit"), chisq_g


def independence_loglik(sample: Sample, x_idx: tuple[int, ...] = ()) -> float:
    """The baseline model under FIML: free means and variances, zero covariances; its ML
    estimates are each item's mean and variance over the rows where it is observed. With
    exogenous covariates (complete, fixed.x) their block keeps its sample moments."""
    assert sample.patterns is not None
    p = len(sample.ov)
    if x_idx:
        x = list(x_idx)
        S_x = sample.cov[np.ix_(x, x)]
        own = -0.5 * sample.n * (len(x) * LOG2PI + float(np.linalg.slogdet(S_x)[1]) + len(x))
        y = np.array([i not in x_idx for i in range(p)])
        return own + float(np.sum(_univariate_loglik(sample)[y]))
    return float(np.sum(_univariate_loglik(sample)))


def _univariate_loglik(sample: Sample) -> np.ndarray:
    """Each item's own normal log-likelihood over the rows where it is observed."""
    assert sample.patterns is not None
    p = len(sample.ov)
    s1 = np.zeros(p)
    s2 = np.zeros(p)
    cnt = np.zeros(p)
    for grp in sample.patterns:
        scatter_add(s1, grp.obs, grp.sx)
        scatter_add(s2, grp.obs, grp.n[:, None] * (grp.S_diag + grp.m**2))
        scatter_add(cnt, grp.obs, np.broadcast_to(grp.n[:, None], grp.obs.shape))
    mean = s1 / cnt
    var = s2 / cnt - mean**2
    return -0.5 * cnt * (LOG2PI + np.log(var) + 1.0)


def scaled_measures(fit: pd.Series, model_test: Any, baseline_test: Any,
                    groups: int) -> dict[str, float]:
    """lavaan's scaled and robust fit measures from the model's and the baseline's scaled
    tests (:class:`~psychometrics.structural.robust.Scaling`).

    ``*_scaled`` use the scaled statistics (RMSEA: the unscaled chisq on ``tr(U Gamma)``
    degrees of freedom, or the scaled one for a scaled-and-shifted test, as lavaan 0.6.14);
    ``*_robust`` are Brosseau-Liard & Savalei's (2014) and Savalei's (2018).
    """
    chisq, df, N = float(fit["chisq"]), float(fit["df"]), int(fit["n"])
    base, base_df = float(fit["baseline_chisq"]), float(fit["baseline_df"])
    sc, sb = model_test, baseline_test
    x2s, b2s = sc.scaled(chisq), sb.scaled(base)
    c_hat, c_hat_null = sc.c_hat(df), sb.c_hat(base_df)
    x2_r, df_r = (x2s, df) if sc.shift else (chisq, sc.trace)
    ci_s = rmsea_ci(x2_r, df_r, N, groups=groups)
    ci_r = rmsea_ci(x2s, df, N, groups=groups, c_hat=sc.factor)
    with np.errstate(invalid="ignore"):
        return {
            "chisq_scaled": x2s, "df_scaled": sc.df,
            "pvalue_scaled": float(special.chdtrc(sc.df, x2s)) if df > 0 else math.nan,
            "chisq_scaling_factor": sc.factor,
            "baseline_chisq_scaled": b2s, "baseline_df_scaled": sb.df,
            "baseline_pvalue_scaled": float(special.chdtrc(sb.df, b2s)),
            "baseline_chisq_scaling_factor": sb.factor,
            "cfi_scaled": cfi(x2s, sc.df, b2s, sb.df), "tli_scaled": tli(x2s, sc.df, b2s, sb.df),
            "cfi_robust": cfi(chisq, df, base, base_df, c_hat, c_hat_null),
            "tli_robust": tli(chisq, df, base, base_df, c_hat, c_hat_null),
            "rmsea_scaled": rmsea(x2_r, df_r, N, groups=groups),
            "rmsea_ci_lower_scaled": ci_s[0], "rmsea_ci_upper_scaled": ci_s[1],
            "rmsea_pvalue_scaled": rmsea_pvalue(x2_r, df_r, N, groups=groups),
            "rmsea_robust": rmsea(chisq, df, N, groups=groups, c_hat=c_hat),
            "rmsea_ci_lower_robust": ci_r[0], "rmsea_ci_upper_robust": ci_r[1],
            "rmsea_pvalue_robust": rmsea_pvalue(x2s, df, N, groups=groups, c_hat=sc.factor),
        }


def least_squares_measures(fit: pd.Series, baseline_chisq: float, groups: int,
                           estimator: str) -> pd.Series:
    """lavaan's fit measures for ``estimator = "GLS"`` or ``"ULS"`` from the ML-shaped
    Series :func:`fit_measures` gives at a least-squares solution.

    The chisq is ``2 N fmin`` as for ML (kept); the baseline chisq is the independence
    model's under the same weight (``baseline_chisq``); CFI and TLI are the formulas above on
    these; the RMSEA, its interval and the close-fit p-value use ``N - G`` in place of N
    (lavaan's ``lav_utils_get_ntotal``: N only for a likelihood). There is no likelihood, so
    ``loglik``, ``unrestricted_loglik``, AIC, BIC and SABIC are NaN (lavaan leaves them out),
    and for ULS the test has no reference distribution: ``pvalue`` and
    ``baseline_pvalue`` are NaN (``lav_model_test``: ``refdistr = "unknown"``).
    """
    out = fit.copy()
    chisq, df, base_df = float(fit["chisq"]), float(fit["df"]), float(fit["baseline_df"])
    n = int(fit["n"]) - groups
    ci = rmsea_ci(chisq, df, n, groups=groups)
    uls = estimator.upper() == "ULS"
    out["baseline_chisq"] = baseline_chisq
    out["baseline_pvalue"] = math.nan if uls else float(special.chdtrc(base_df, baseline_chisq))
    if uls:
        out["pvalue"] = math.nan
    out["cfi"] = cfi(chisq, df, baseline_chisq, base_df)
    out["tli"] = tli(chisq, df, baseline_chisq, base_df)
    for key in ("loglik", "unrestricted_loglik", "aic", "bic", "sabic"):
        out[key] = math.nan
    out["rmsea"] = rmsea(chisq, df, n, groups=groups)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = ci
    out["rmsea_pvalue"] = rmsea_pvalue(chisq, df, n, groups=groups)
    return out
