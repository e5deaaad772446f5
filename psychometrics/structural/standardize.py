"""Standardized solutions (lavaan's ``standardizedSolution``: ``std.lv`` and ``std.all``)."""

from __future__ import annotations

import math

import numpy as np

from psychometrics.structural.partable import BETA, LOAD, NU, PSI, THETA

__all__ = ["standardize"]


def standardize(kind: np.ndarray, a: np.ndarray, b: np.ndarray, est: np.ndarray,
                 P: np.ndarray, T: np.ndarray,
                 sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's ``lav_standardize_lv`` and ``lav_standardize_all`` (``cov.std = TRUE``).

    ``P`` is the factors' total covariance matrix (``IB Psi IB'`` with regressions), whose
    diagonal scales every factor; a regression is scaled by its predictor's over its
    outcome's standard deviation.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_lv = np.sqrt(np.diag(P))
        sd_ov = np.sqrt(np.diag(sigma))
        th = np.diag(T)
        out_lv = np.full(len(est), np.nan)
        out_all = np.full(len(est), np.nan)
        for k in range(len(est)):
            e, i, j = est[k], a[k], b[k]
            if kind[k] == LOAD:
                out_lv[k] = e * sd_lv[j]
                out_all[k] = e * sd_lv[j] / sd_ov[i]
            elif kind[k] == THETA:
                out_lv[k] = e
                out_all[k] = e / sigma[i, i] if i == j else e / math.sqrt(th[i] * th[j]) \
                    if th[i] * th[j] > 0 else np.nan
            elif kind[k] == PSI:
                out_lv[k] = out_all[k] = e / (sd_lv[i] * sd_lv[j])
            elif kind[k] == BETA:
                out_lv[k] = out_all[k] = e * sd_lv[j] / sd_lv[i]
            elif kind[k] == NU:
                out_lv[k] = e
                out_all[k] = e / sd_ov[i]
            else:
                out_lv[k] = out_all[k] = e / sd_lv[i]
    return out_lv, out_all
