r"""Gamma of ordinal stage 1 (Muthén 1984, lavaan's ``muthen1984``) from case-wise scores.

:math:`\Gamma = N B^{-1} (S'S) B^{-T}`: B (the sensitivity of the step-1 and step-2
estimating equations) needs only each item's frequencies and the pairs' tables, which
:func:`score_setup` reads from a group's :class:`~psychometrics.structural.ordinal_stats.Step1`;
:math:`S'S` is the cross-product of the rows' scores, each a lookup by the row's category
(pair), so :func:`score_crossproduct` takes a batch of rows and the batches' results add
up. The in-memory path runs it on all rows at once; a streamed source
(:mod:`~psychometrics.structural.ordinal_sources`) runs it batch by batch or per Dask
partition, in a second pass once the thresholds and polychorics are known.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from psychometrics.errors import NumericalWarning
from psychometrics.structural.ordinal_bivariate import (
    _SQRT_EPS,
    _TWO_PI,
    _pair_pi_phi,
    vech_pairs,
)

if TYPE_CHECKING:
    from psychometrics.structural.ordinal_stats import Step1

__all__ = ["Scores", "gamma_of", "score_crossproduct", "score_setup"]

# lavaan's stand-in for the infinite outer thresholds in the case-wise scores (o1, o2)
_OUTER = 100.0
_CHUNK_CELLS = 1 << 22  # rows x score columns held at once while forming S'S




def _bounds(cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower threshold of each category, with lavaan's +-100 outside."""
    p = cuts.shape[0]
    c = np.where(np.isinf(cuts), _OUTER, cuts)
    upper = np.concatenate([c, np.full((p, 1), _OUTER)], axis=1)
    lower = np.concatenate([np.full((p, 1), -_OUTER), c], axis=1)
    return upper, lower


@dataclass(frozen=True)
class Scores:
    """A group's case-wise scores as lookup tables by category (pair), and ``B^-1``."""

    S1: np.ndarray  # (p, K, K - 1): threshold k of item j in category c
    flat_rho: np.ndarray  # (P, K * K): pair m in cell (a, b) at a * K + b
    th_cols: np.ndarray
    th_item: np.ndarray
    th_k: np.ndarray
    first: np.ndarray
    second: np.ndarray
    B_inv: np.ndarray

    @property
    def size(self) -> int:
        return self.B_inv.shape[0]


def score_setup(st: Step1) -> Scores:
    r"""lavaan's ``muthen1984`` up to :math:`S'S`: the score tables of (thresholds,
    correlations) per category (pair) and :math:`B^{-1}`, with B their sensitivity matrix
    (block triangular: threshold blocks per item, the correlations' dependence on the
    thresholds, a diagonal for the correlations), from the group's counts."""
    cuts, ncat, rho, tables = st.cuts, st.ncat, st.rho, st.tables
    p = cuts.shape[0]
    K = cuts.shape[1] + 1
    nth = ncat - 1
    q = int(nth.sum())
    th_start = st.th_start
    first, second = vech_pairs(p)
    P = first.size
    upper, lower = _bounds(cuts)
    dens_u, dens_l = np.exp(-upper ** 2 / 2) / math.sqrt(_TWO_PI), \
        np.exp(-lower ** 2 / 2) / math.sqrt(_TWO_PI)
    prob = ndtr(upper) - ndtr(lower)  # (p, K): category probabilities
    # univariate threshold scores: category c of item j, threshold k (lav_uvord_scores)
    kk = np.arange(K - 1)
    cc = np.arange(K)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        S1 = ((cc == kk)[None] * dens_u[:, :, None] - (cc == kk + 1)[None] * dens_l[:, :, None]
              ) / prob[:, :, None]  # (p, K, K-1)
    S1 = np.nan_to_num(S1, nan=0.0, posinf=0.0, neginf=0.0)

    # bivariate scores per cell (lav_bvord_cor_scores_cache), pairs at once
    PI, phi = _pair_pi_phi(rho, cuts[first], cuts[second])
    lik = np.where(PI <= _SQRT_EPS, np.nan, PI)
    R = np.sqrt(1 - rho * rho)[:, None, None]
    r = rho[:, None, None]
    u1, l1 = upper[first][:, :, None], lower[first][:, :, None]  # (P, K, 1): item `first`
    u2, l2 = upper[second][:, None, :], lower[second][:, None, :]  # (P, 1, K)
    du1, dl1 = dens_u[first][:, :, None], dens_l[first][:, :, None]
    du2, dl2 = dens_u[second][:, None, :], dens_l[second][:, None, :]
    z1_up = du1 * (ndtr((u2 - r * u1) / R) - ndtr((l2 - r * u1) / R))
    z1_lo = dl1 * (ndtr((u2 - r * l1) / R) - ndtr((l2 - r * l1) / R))
    z2_up = du2 * (ndtr((u1 - r * u2) / R) - ndtr((l1 - r * u2) / R))
    z2_lo = dl2 * (ndtr((u1 - r * l2) / R) - ndtr((l1 - r * l2) / R))
    a_is = (np.arange(K)[:, None] == kk)  # (K, K-1): category a has upper threshold k
    a_next = (np.arange(K)[:, None] == kk + 1)  # category a has lower threshold k
    # d log lik / d threshold k of item `first` in cell (a, b): (P, K, K, K-1)
    d_th1 = (a_is[None, :, None, :] * z1_up[..., None]
             - a_next[None, :, None, :] * z1_lo[..., None]) / lik[..., None]
    d_th2 = (a_is[None, None, :, :] * z2_up[..., None]
             - a_next[None, None, :, :] * z2_lo[..., None]) / lik[..., None]
    d_rho = phi / lik
    d_th1, d_th2, d_rho = (np.nan_to_num(v, nan=0.0) for v in (d_th1, d_th2, d_rho))

    # B: A11 (threshold blocks), A21 (correlations on thresholds), A22 (diagonal)
    A11_inv = np.zeros((q, q))
    for j in range(p):
        s = slice(th_start[j], th_start[j] + nth[j])
        Sj = S1[j, : ncat[j], : nth[j]]
        fj = st.freq[j, : ncat[j]].astype(float)
        A11_inv[s, s] = np.linalg.inv(Sj.T @ (fj[:, None] * Sj))
    w = tables * d_rho
    A22 = (w * d_rho).sum(axis=(1, 2))
    A21 = np.zeros((P, q))
    a21_first = np.einsum("pab,pabk->pk", w, d_th1)
    a21_second = np.einsum("pab,pabk->pk", w, d_th2)
    for m in range(P):  # scatter into each pair's two items' threshold columns
        i, j = first[m], second[m]
        A21[m, th_start[i] : th_start[i] + nth[i]] = a21_first[m, : nth[i]]
        A21[m, th_start[j] : th_start[j] + nth[j]] = a21_second[m, : nth[j]]
    if (A22 == 0).any():
        warnings.warn("trouble constructing the weight matrix: a polychoric correlation has "
                      "no information (used a generalised inverse, as lavaan)",
                      NumericalWarning, stacklevel=4)
        A22_inv = np.linalg.pinv(np.diag(A22))
    else:
        A22_inv = np.diag(1.0 / A22)
    B_inv = np.zeros((q + P, q + P))
    B_inv[:q, :q] = A11_inv
    B_inv[q:, q:] = A22_inv
    B_inv[q:, :q] = -A22_inv @ A21 @ A11_inv
    return Scores(
        S1=S1, flat_rho=d_rho.reshape(P, K * K),
        th_cols=np.concatenate([th_start[j] + np.arange(nth[j]) for j in range(p)]),
        th_item=np.repeat(np.arange(p), nth),
        th_k=np.concatenate([np.arange(nth[j]) for j in range(p)]),
        first=first, second=second, B_inv=B_inv)


def score_crossproduct(codes: np.ndarray, scores: Scores) -> np.ndarray:
    """:math:`S'S` of a batch of rows (category codes, -1 missing), in chunks of rows; each
    row's scores are gathered from the tables (a missing answer scores 0). The
    cross-products of separate batches add up."""
    q = scores.th_cols.size
    n_s = scores.size
    P = scores.first.size
    K = scores.S1.shape[1]
    first, second = scores.first, scores.second
    th_item, th_k = scores.th_item, scores.th_k
    inner = np.zeros((n_s, n_s))
    chunk = max(1, _CHUNK_CELLS // n_s)
    for s in range(0, codes.shape[0], chunk):
        c = codes[s : s + chunk]
        sc = np.empty((c.shape[0], n_s))
        ok = c >= 0
        c0 = np.where(ok, c, 0)
        sc[:, scores.th_cols] = np.where(ok[:, th_item], scores.S1[th_item, c0[:, th_item], th_k],
                                         0.0)
        cell = c0[:, first] * K + c0[:, second]
        sc[:, q:] = np.where(ok[:, first] & ok[:, second],
                             scores.flat_rho[np.arange(P)[None, :], cell], 0.0)
        inner += sc.T @ sc
    return inner


def gamma_of(scores: Scores, inner: np.ndarray, nobs: int) -> np.ndarray:
    r""":math:`\Gamma = N B^{-1} (S'S) B^{-T}` (lavaan's ``muthen1984``)."""
    return nobs * (scores.B_inv @ inner @ scores.B_inv.T)
