"""The robust CFI, TLI and RMSEA under FIML, as lavaan 0.6.14 computes them
(``lav_fit_fiml_corrected``, version "V3" for a scaled test such as MLR's).

The complete-data robust indices (Brosseau-Liard & Savalei) need a chi-square and a scaling
factor of a complete-data fit; with missing data lavaan builds them from the unrestricted
(h1) moments that EM estimates, ``S~, m~`` (Savalei, 2018; Zhang & Savalei, 2023):

- ``XX3``: the complete-data ML chi-square of the model at its FIML estimates against
  ``S~, m~`` (``sum_g n_g [log|Sigma| - log|S~| + tr(S~ Sigma^-1) - p + (m~ - mu)'
  Sigma^-1 (m~ - mu)]``), on the model's df; ``XX3_null`` the same for the independence
  model at its FIML estimates;
- ``c3 = tr(U Wm^-1 Wc Wm^-1 U Gamma) / df`` with, per group (weights ``f_g = n_g / N``,
  block-diagonal over groups), ``Wm`` the observed information of h1 under FIML at its EM
  estimates, ``Jm`` the case-wise scores' cross-products there, ``Gamma = Wm^-1 Jm Wm^-1 /
  f_g``, ``Wc`` the complete-data information at ``S~, m~``, and ``U = Wm - Wm Delta
  E^-1 Delta' Wm``, ``E = Delta' Wm Delta`` (lavaan's ``observed.information = "h1"``);
  ``c3_null`` the same with the independence model's Delta.

Then ``cfi_robust = cfi(XX3, df, XX3_null, df_null, c3, c3_null)``, the TLI alike,
``rmsea_robust = rmsea(XX3, df, N, c3)``, and its interval and close-fit p-value from
``XX3 / c3`` with ``c3`` (``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject``).

References
----------
Savalei, V. (2018). On the computation of the RMSEA and CFI from the mean-and-variance
corrected test statistic with nonnormal data in SEM. *Multivariate Behavioral Research,
53*(3), 419-429.
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
estimation with missing data. *Psychological Methods, 28*(2), 263-283.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from psychometrics.structural.fit import cfi, rmsea, rmsea_ci, rmsea_pvalue, tli
from psychometrics.structural.matrices import Model, jacobian, moment_index
from psychometrics.structural.robust import (
    casewise_crossprod,
    exogenous_idx,
    nt_weight,
    saturated_hessian,
    x_moments,
)
from psychometrics.structural.samplestats import Sample

__all__ = ["FIMLCorrected", "fiml_corrected", "fiml_robust_measures"]


@dataclass
class FIMLCorrected:
    """lavaan's ``XX3``, ``c.hat3`` and the baseline's ``XX3.null``, ``c.hat3.null``."""

    chisq: float
    c_hat: float
    chisq_null: float
    c_hat_null: float


def _complete_chisq(n: int, S: np.ndarray, m: np.ndarray, sigma: np.ndarray,
                    mu: np.ndarray) -> float:
    W = np.linalg.inv(sigma)
    d = m - mu
    return n * (float(np.linalg.slogdet(sigma)[1]) - float(np.linalg.slogdet(S)[1])
                + float(np.sum(S * W)) - len(S) + float(d @ W @ d))


def _bdiag(blocks: list[np.ndarray]) -> np.ndarray:
    from scipy.linalg import block_diag

    return block_diag(*blocks)


def fiml_corrected(models: list[Model], samples: list[Sample], x: np.ndarray,
                   df: float, df_null: float) -> FIMLCorrected:
    """The FIML-corrected chi-squares and scaling factors (see the module docstring)."""
    N = sum(smp.n for smp in samples)
    Wm, Wmi, Wc, Gam, D, D_null = [], [], [], [], [], []
    xx3 = xx3_null = 0.0
    for model, sample in zip(models, samples, strict=True):
        assert sample.data is not None and sample.mean is not None
        f = sample.n / N
        X = sample.data
        p = len(sample.ov)
        i, j = moment_index(p)
        S, m = sample.cov, sample.mean  # the EM estimates of h1
        sigma, mu = model.implied(x)
        xx3 += _complete_chisq(sample.n, S, m, sigma, mu)
        # the independence model at its FIML estimates: each item's mean and variance over
        # the rows where it is observed (with fixed.x the covariates' block as sampled)
        x_idx = exogenous_idx(model)
        m_b = np.nanmean(X, axis=0)
        s_b = np.diag(np.nanvar(X, axis=0))
        if x_idx:
            xs = list(x_idx)
            s_b[np.ix_(xs, xs)] = S[np.ix_(xs, xs)]
        xx3_null += _complete_chisq(sample.n, S, m, s_b, m_b)
        # fixed.x: the covariates' moments are left out of every h1 information (no free
        # parameter moves them)
        keep = ~x_moments(p, x_idx, True)
        sub = np.ix_(keep, keep)
        A = saturated_hessian(sample, m, S, (i, j))[sub]
        A_inv = np.linalg.inv(A)
        J = casewise_crossprod(X, m, S)[sub]
        Wm.append(f * A)
        Wmi.append(A_inv / f)
        Wc.append(f * nt_weight(S, True)[sub])
        Gam.append(A_inv @ J @ A_inv / f)
        D.append(jacobian(model, x, True)[keep])
        y = np.array([k not in x_idx for k in range(p)])
        d_null = np.zeros((p + len(i), 2 * p))
        d_null[np.arange(p), np.arange(p)] = 1.0
        diag = np.flatnonzero(i == j)
        d_null[p + diag, p + i[diag]] = 1.0
        D_null.append(d_null[keep][:, np.concatenate([y, y])])
    W_all, Wi_all, Wc_all, G_all = _bdiag(Wm), _bdiag(Wmi), _bdiag(Wc), _bdiag(Gam)
    middle = Wi_all @ Wc_all @ Wi_all

    def k_trace(delta: np.ndarray) -> float:
        WD = W_all @ delta
        E_inv = np.linalg.inv(delta.T @ WD)
        U = W_all - WD @ E_inv @ WD.T
        return float(np.sum((U @ middle @ U) * G_all.T))

    k = k_trace(np.vstack(D))
    k_null = k_trace(_bdiag(D_null))
    return FIMLCorrected(xx3, k / df if df > 0 else math.nan, xx3_null, k_null / df_null)


def fiml_robust_measures(fc: FIMLCorrected, df: float, df_null: float, N: int,
                         groups: int) -> dict[str, float]:
    """lavaan's ``cfi.robust``, ``tli.robust`` and ``rmsea.robust`` (with its interval and
    close-fit p-value) from the FIML-corrected statistics."""
    scaled = fc.chisq / fc.c_hat
    ci = rmsea_ci(scaled, df, N, groups=groups, c_hat=fc.c_hat)
    return {
        "cfi_robust": cfi(fc.chisq, df, fc.chisq_null, df_null, fc.c_hat, fc.c_hat_null),
        "tli_robust": tli(fc.chisq, df, fc.chisq_null, df_null, fc.c_hat, fc.c_hat_null),
        "rmsea_robust": rmsea(fc.chisq, df, N, groups=groups, c_hat=fc.c_hat),
        "rmsea_ci_lower_robust": ci[0], "rmsea_ci_upper_robust": ci[1],
        "rmsea_pvalue_robust": rmsea_pvalue(scaled, df, N, groups=groups, c_hat=fc.c_hat),
    }
