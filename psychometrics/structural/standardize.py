"""Standardized solutions (lavaan's ``standardizedSolution``: ``std.lv``, ``std.all`` and
``std.nox``)."""

from __future__ import annotations

import numpy as np

from psychometrics.structural.partable import BETA, LOAD, NU, PSI, THETA

__all__ = ["standardize", "standardize_nox"]


def standardize(kind: np.ndarray, a: np.ndarray, b: np.ndarray, est: np.ndarray,
                P: np.ndarray, T: np.ndarray, sigma: np.ndarray, *,
                psi: np.ndarray | None = None, dummy: np.ndarray | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's ``lav_standardize_lv`` and ``lav_standardize_all`` (``cov.std = TRUE``).

    ``P`` is the factors' total covariance matrix (``IB Psi IB'`` with regressions), whose
    diagonal scales every factor; a regression is scaled by its predictor's over its
    outcome's standard deviation. ``psi`` (the residual covariance matrix ``Psi``, default
    ``P``) scales a covariance of factors, which is standardized by the residual standard
    deviations: ``psi_fg / sqrt(psi_ff psi_gg)`` (lavaan's ``cov.std``). ``dummy`` marks the
    observed variables of regressions carried as factors: ``std.lv`` leaves them in their
    own units, ``std.all`` scales them by their total standard deviation.
    """
    return _standardize(kind, a, b, est, P, T, sigma, psi, dummy, None)


def standardize_nox(kind: np.ndarray, a: np.ndarray, b: np.ndarray, est: np.ndarray,
                    P: np.ndarray, T: np.ndarray, sigma: np.ndarray, *,
                    psi: np.ndarray | None = None, dummy: np.ndarray | None = None,
                    exo: np.ndarray | None = None) -> np.ndarray:
    """lavaan's ``lav_standardize_all_nox``: ``std.all`` except that the exogenous
    covariates (``exo``, a mask over the factors and dummies) keep their own units, so a
    regression on a covariate is ``b / sd(y)`` (the change in standard deviations of the
    outcome per unit of the covariate), and the covariates' own (co)variances and means are
    unstandardized."""
    return _standardize(kind, a, b, est, P, T, sigma, psi, dummy, exo)[1]


def _standardize(kind: np.ndarray, a: np.ndarray, b: np.ndarray, est: np.ndarray,
                 P: np.ndarray, T: np.ndarray, sigma: np.ndarray, psi: np.ndarray | None,
                 dummy: np.ndarray | None, exo: np.ndarray | None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    m = P.shape[0]
    dummy = np.zeros(m, dtype=bool) if dummy is None else np.asarray(dummy, dtype=bool)
    exo = np.zeros(m, dtype=bool) if exo is None else np.asarray(exo, dtype=bool)
    psi = P if psi is None else psi
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_all = np.sqrt(np.diag(P))
        # std.lv scales the factors only; std.nox leaves the covariates unscaled
        sd_lv = np.where(dummy, 1.0, sd_all)
        sd_eta = np.where(exo, 1.0, sd_all)
        rv = np.sqrt(np.abs(np.diag(psi)))
        sd_ov = np.sqrt(np.diag(sigma))
        th = np.diag(T)
        out_lv = np.full(len(est), np.nan)
        out_all = np.full(len(est), np.nan)
        for k in range(len(est)):
            e, i, j = est[k], a[k], b[k]
            if kind[k] == LOAD:
                out_lv[k] = e * sd_lv[j]
                out_all[k] = e * sd_eta[j] / sd_ov[i]
            elif kind[k] == THETA:
                out_lv[k] = e
                out_all[k] = e / sigma[i, i] if i == j else e / np.sqrt(th[i] * th[j]) \
                    if th[i] * th[j] > 0 else np.nan
            elif kind[k] == PSI:
                if i == j:
                    out_lv[k] = e / sd_lv[i] ** 2
                    out_all[k] = e / sd_eta[i] ** 2
                elif exo[i] and exo[j]:
                    out_lv[k] = e
                    out_all[k] = e
                elif dummy[i] and dummy[j] and not (exo[i] or exo[j]):
                    # residual covariance of two observed outcomes
                    out_lv[k] = e
                    out_all[k] = e / (rv[i] * rv[j])
                elif dummy[i] and dummy[j]:
                    # two covariates (std.all): their correlation
                    out_lv[k] = e
                    out_all[k] = e / (sd_all[i] * sd_all[j])
                else:
                    out_lv[k] = out_all[k] = e / (rv[i] * rv[j])
            elif kind[k] == BETA:
                out_lv[k] = e * sd_lv[j] / sd_lv[i]
                # std.nox: a covariate keeps its units as a predictor only
                out_all[k] = e * sd_eta[j] / sd_all[i]
            elif kind[k] == NU:
                out_lv[k] = e
                out_all[k] = e / sd_ov[i]
            else:
                out_lv[k] = e / sd_lv[i]
                out_all[k] = e / sd_eta[i]
    return out_lv, out_all
