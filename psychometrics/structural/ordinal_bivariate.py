"""The bivariate normal pieces of ordinal stage 1, vectorised over item pairs: cell
probabilities and their derivatives in rho, and the polychoric maximum-likelihood fit with
the thresholds fixed (lavaan's ``lav_bvord_*``). Used by
:mod:`~psychometrics.structural.ordinal_stats` and
:mod:`~psychometrics.structural.ordinal_gamma`."""

from __future__ import annotations

import math

import numpy as np

from psychometrics.correlation import _bvn_cdf

__all__ = ["vech_pairs"]

_SQRT_EPS = math.sqrt(np.finfo(float).eps)
_TWO_PI = 2.0 * math.pi


def vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """The item pairs of lavaan's ``vech(R, diagonal=FALSE)`` order.

    Returns ``(first, second)`` with ``first < second``: the strictly lower triangle of a
    p x p matrix column by column, i.e. (2,1), (3,1), ..., (p,1), (3,2), ... in 1-based
    (row, column) terms. Position ``m`` of the correlation part of ``wls_obs`` is the pair
    ``(first[m], second[m])``.
    """
    first, second = np.triu_indices(p, 1)
    return first, second




def _extended_cuts(cuts: np.ndarray) -> np.ndarray:
    p = cuts.shape[0]
    return np.concatenate([np.full((p, 1), -np.inf), cuts, np.full((p, 1), np.inf)], axis=1)


def _dbinorm(x: np.ndarray, y: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Bivariate standard normal density; 0 where x or y is infinite."""
    fin = np.isfinite(x) & np.isfinite(y)
    xs, ys = np.where(fin, x, 0.0), np.where(fin, y, 0.0)
    r2 = 1.0 - rho * rho
    d = np.exp(-(xs * xs - 2 * rho * xs * ys + ys * ys) / (2 * r2)) / (_TWO_PI * np.sqrt(r2))
    return np.where(fin, d, 0.0)


def _pair_pi_phi(rho: np.ndarray, c1: np.ndarray, c2: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Cell probabilities (clamped below at sqrt(eps), as lavaan) and their derivative in
    rho, for pairs with thresholds ``c1`` (P, K-1) and ``c2`` (P, K-1); +inf pads."""
    e1, e2 = _extended_cuts(c1), _extended_cuts(c2)
    r = rho[:, None, None]
    F = _bvn_cdf(e1[:, :, None], e2[:, None, :], r)
    PI = F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]
    PI = np.maximum(PI, _SQRT_EPS)
    D = _dbinorm(e1[:, :, None], e2[:, None, :], r)
    phi = D[:, 1:, 1:] - D[:, :-1, 1:] - D[:, 1:, :-1] + D[:, :-1, :-1]
    return PI, phi


def _pair_dphi(rho: np.ndarray, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Second derivative of the cell probabilities in rho (for Newton steps)."""
    e1, e2 = _extended_cuts(c1), _extended_cuts(c2)
    x, y = e1[:, :, None], e2[:, None, :]
    r = rho[:, None, None]
    fin = np.isfinite(x) & np.isfinite(y)
    xs, ys = np.where(fin, x, 0.0), np.where(fin, y, 0.0)
    r2 = 1.0 - r * r
    q = xs * xs - 2 * r * xs * ys + ys * ys
    D = _dbinorm(x, y, r) * (r / r2 + xs * ys / r2 - r * q / (r2 * r2))
    D = np.where(fin, D, 0.0)
    return D[:, 1:, 1:] - D[:, :-1, 1:] - D[:, 1:, :-1] + D[:, :-1, :-1]


def _fit_polychorics(tables: np.ndarray, c1: np.ndarray, c2: np.ndarray, start: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood rho of every pair with the thresholds fixed (lavaan's
    ``lav_bvord_cor_twostep_fit``: bounds +-0.999, -log L / N).

    Newton steps on the log-likelihood (Fisher scoring where the curvature is not
    negative; at most 0.25 and only uphill), all pairs at once, to a step below 1e-10.
    Returns rho and a convergence flag.
    """
    n = tables.sum(axis=(1, 2))
    rho = np.clip(start, -0.99, 0.99)
    done = np.zeros(rho.shape, dtype=bool)
    lo, hi = -0.999, 0.999
    for _ in range(200):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        r = rho[act]
        PI, phi = _pair_pi_phi(r, c1[act], c2[act])
        T = tables[act]
        ok = PI > _SQRT_EPS
        g = np.where(ok, T * phi / PI, 0.0).sum(axis=(1, 2))
        dphi = _pair_dphi(r, c1[act], c2[act])
        h = np.where(ok, T * (dphi / PI - phi * phi / (PI * PI)), 0.0).sum(axis=(1, 2))
        fisher = -n[act] * np.where(ok, phi * phi / PI, 0.0).sum(axis=(1, 2))
        curv = np.where(h < 0, h, np.minimum(fisher, -1e-300))
        # steps are capped: near |rho| = 1 the clamped cell probabilities make the
        # likelihood flat, and an uncapped first step can land on that plateau
        step = np.clip(-g / curv, -0.25, 0.25)
        new = np.clip(r + step, lo, hi)
        # a step that lowers the likelihood is halved (at most a few times)
        for _half in range(30):
            ll_new = _loglik(new, c1[act], c2[act], T)
            ll_old = _loglik(r, c1[act], c2[act], T)
            worse = ll_new < ll_old - 1e-12 * np.abs(ll_old)
            if not worse.any():
                break
            new = np.where(worse, (new + r) / 2, new)
        rho[act] = new
        done[act] = np.abs(new - r) < 1e-10
    return rho, done


def _loglik(rho: np.ndarray, c1: np.ndarray, c2: np.ndarray, tables: np.ndarray
            ) -> np.ndarray:
    PI, _ = _pair_pi_phi(rho, c1, c2)
    return (tables * np.log(PI)).sum(axis=(1, 2))
