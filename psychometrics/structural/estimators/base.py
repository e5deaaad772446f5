"""What every estimator shares: the state at one parameter vector and the derivative algebra.

:class:`Objective` is the base of the normal-theory estimators (ML, FIML). The gradient,
expected information and exact Hessian are written in terms of each parameter's rank-two
change of Sigma on the basis ``B = [I_p, Lambda, Lambda Psi]``
(:meth:`~psychometrics.structural.matrices.Model.row_basis`), so they are gathers from small
``B' X B`` matrices; a subclass only says how to compute fmin and its :class:`State`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.structural.matrices import Model, RowBasis
from psychometrics.structural.partable import ALPHA, LOAD, PSI
from psychometrics.structural.samplestats import Sample

__all__ = ["Objective", "State", "projections", "second_order", "transpose_last"]


def transpose_last(X: np.ndarray) -> np.ndarray:
    return np.swapaxes(X, -1, -2)


# Gathered (patterns x rows x rows) blocks are processed in chunks of at most this many
# elements, so that thousands of missing-data patterns do not need gigabytes.
_CHUNK = 2_000_000


@dataclass
class State:
    """What the gradient, the information and the Hessian need at one parameter vector."""

    f: float
    M: np.ndarray  # d fmin / d Sigma (summed and embedded over patterns under FIML)
    g_mean: np.ndarray  # d fmin / d mu
    # Per stack of patterns: observed indices (None: all items), weights n_g / N,
    # W = Sigma_g^-1, G = W T_g W with T_g = S_g + d_g d_g', and W d_g (None without means).
    blocks: list[tuple[np.ndarray | None, Any, np.ndarray, np.ndarray, np.ndarray | None]]
    # FIML: the patterns taken by low-rank corrections to K = Sigma^-1
    # (:class:`~psychometrics.structural.lowrank.LowRankEval`) and the N of its weights
    low: Any = None
    N: float = 0.0


def projections(
    st: State, B: np.ndarray, per_pattern: int, hessian: bool
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Yield ``(w, B'WB, B'GB, B'Wd)`` for chunks of patterns (stacked on axis 0)."""
    for obs, w, W, G, Wd in st.blocks:
        if obs is None:
            W, G = W[None], G[None]
            w = np.atleast_1d(np.asarray(w, dtype=float))
            Bo = B[None]
            Wd = None if Wd is None else Wd[None]
        else:
            Bo = B[obs]
        step = max(1, _CHUNK // max(per_pattern, 1))
        for lo in range(0, len(w), step):
            sl = slice(lo, lo + step)
            Bc = Bo[sl]
            Bct = transpose_last(Bc)
            QW = Bct @ (W[sl] @ Bc)
            QG = Bct @ (G[sl] @ Bc) if hessian else None
            qd = (None if (Wd is None or not hessian)
                  else np.einsum("gkb,gk->gb", Bc, Wd[sl]))
            yield w[sl], QW, QG, qd


class Objective:
    """lavaan's fmin and its derivatives in terms of the rows' basis (``Model.row_basis``).

    Sums over missing-data patterns of products of two ``B'XB`` entries are formed as
    ``Z_r[x, y] = sum_g w_g Q_g[a_r, x] Q'_g[b_r, y]`` (one matrix product per row r, over
    patterns), from which every information or Hessian entry is a gather.
    """

    def __init__(self, model: Model, sample: Sample):
        self.model, self.sample = model, sample
        self.free_rows = model.free_rows  # at x = 0 of the factor means: see Model.rows_at
        # the Hessian is written out except with regressions (then central differences)
        self.exact_hessian = not model.has_beta

    def value(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def state(self, x: np.ndarray) -> State | None:
        raise NotImplementedError

    # -- rows -----------------------------------------------------------------------------
    @staticmethod
    def row_gradient(st: State, B: np.ndarray, r: RowBasis) -> np.ndarray:
        """``d fmin / d theta_r = u_r' M v_r + g_mean' j_r``."""
        MB = B.T @ st.M @ B
        return r.c * MB[r.bu, r.bv] + r.sj * (B.T @ st.g_mean)[r.bj]

    @staticmethod
    def _sums(st: State, B: np.ndarray, r: RowBasis, hessian: bool,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None,
                         np.ndarray | None]:
        """``Z`` (W with W), the weighted sum of ``B'WB`` and, for the Hessian, ``Y``,
        ``Y2`` (W with G) and the mean-mixing sums ``E = E1 + E2`` (nb x R)."""
        R = len(r)
        nb = B.shape[1]
        Z = np.zeros((R, nb, nb))
        Qsum = np.zeros((nb, nb))
        Y = np.zeros((R, nb, nb)) if hessian else None
        Y2 = np.zeros((R, nb, nb)) if hessian else None
        E = np.zeros((nb, R)) if hessian else None
        # Z, Y, Y2 and E enter every result scaled by c, so the rows that do not move Sigma
        # (means: c = 0) are skipped; with many patterns these sums are most of the time
        act = np.flatnonzero(r.c != 0)
        bu, bv = r.bu[act], r.bv[act]
        for w, QW, QG, qd in projections(st, B, len(act) * nb, hessian):
            wQv = QW[:, bv, :] * w[:, None, None]  # (g, R, nb)
            wQu = QW[:, bu, :] * w[:, None, None]
            # Z_r[x, y] = sum_g w_g QW[bv_r, x] QW[bu_r, y]
            Z[act] += np.matmul(wQv.transpose(1, 2, 0), QW[:, bu, :].transpose(1, 0, 2))
            Qsum += np.tensordot(w, QW, axes=1)
            if hessian:
                assert Y is not None and Y2 is not None and E is not None and QG is not None
                Y[act] += np.matmul(wQv.transpose(1, 2, 0), QG[:, bu, :].transpose(1, 0, 2))
                Y2[act] += np.matmul(wQu.transpose(1, 2, 0), QG[:, bv, :].transpose(1, 0, 2))
                if qd is not None:
                    E[:, act] += np.einsum("gxr,gr->xr", QW[:, :, bu], qd[:, bv] * w[:, None])
                    E[:, act] += np.einsum("gxr,gr->xr", QW[:, :, bv], qd[:, bu] * w[:, None])
        return Z, Qsum, Y, Y2, E

    @staticmethod
    def _single(st: State, B: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``(B'WB, B'GB)`` when there is one pattern without means (complete data): then
        direct gathers beat the per-row sums."""
        if (st.low is not None or len(st.blocks) != 1 or st.blocks[0][0] is not None
                or st.blocks[0][4] is not None):
            return None
        _, _, W, G, _ = st.blocks[0]
        return B.T @ W @ B, B.T @ G @ B

    @classmethod
    def row_info(cls, st: State, B: np.ndarray, r1: RowBasis, r2: RowBasis) -> np.ndarray:
        """Unit expected information ``sum_g w_g [0.5 tr(W D_r W D_s) + j_r' W j_s]``; with
        ``D = u v' + v u'`` the trace is ``(v_r'W u_s)(u_r'W v_s) + (v_r'W v_s)(u_r'W u_s)``."""
        single = cls._single(st, B)
        if single is not None:
            Q = single[0]
            sig = (Q[np.ix_(r1.bv, r2.bu)] * Q[np.ix_(r1.bu, r2.bv)]
                   + Q[np.ix_(r1.bv, r2.bv)] * Q[np.ix_(r1.bu, r2.bu)])
            return np.outer(r1.c, r2.c) * sig
        sig, Qsum = cls._info_sums(st, B, r1, r2)
        return (np.outer(r1.c, r2.c) * sig
                + np.outer(r1.sj, r2.sj) * Qsum[np.ix_(r1.bj, r2.bj)])

    @classmethod
    def _info_sums(cls, st: State, B: np.ndarray, r1: RowBasis, r2: RowBasis
                   ) -> tuple[np.ndarray, np.ndarray]:
        """``sum_g w_g [QW[v_r,u_s] QW[u_r,v_s] + QW[v_r,v_s] QW[u_r,u_s]]`` (r in r1, s in
        r2) and ``sum_g w_g QW_g``: the directly factored blocks by :meth:`_sums`, the
        low-rank patterns by their corrections."""
        nb = B.shape[1]
        sig = np.zeros((len(r1), len(r2)))
        Qsum = np.zeros((nb, nb))
        if st.blocks:
            Z, Qs, _, _, _ = cls._sums(st, B, r1, False)
            sig += Z[:, r2.bu, r2.bv] + Z[:, r2.bv, r2.bu]
            Qsum += Qs
        if st.low is not None:
            s_low, q_low = st.low.info(B, st.N, r1, r2)
            sig += s_low
            Qsum += q_low
        return sig, Qsum

    @staticmethod
    def row_info_diag(st: State, B: np.ndarray, r: RowBasis) -> np.ndarray:
        out = np.zeros(len(r))
        if st.low is not None:
            d_sig, d_q = st.low.info_diag(B, st.N, r)
            out += r.c**2 * d_sig + r.sj**2 * d_q[r.bj]
        for w, QW, _, _ in projections(st, B, len(r), False):
            vu = QW[:, r.bv, r.bu]
            out += r.c**2 * (w @ (vu * vu + QW[:, r.bv, r.bv] * QW[:, r.bu, r.bu]))
            if r.sj.any():
                out += r.sj**2 * (w @ QW[:, r.bj, r.bj])
        return out

    @classmethod
    def row_info_hessian(cls, st: State, B: np.ndarray, r: RowBasis,
                         hessian: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Expected information and (optionally) the exact Hessian of fmin for one row set,
        without the second derivatives of Sigma itself (see :func:`second_order`).

        Per pattern the Hessian of ``0.5 (log|Sigma| + tr(Sigma^-1 T))`` is
        ``-0.5 tr(W D_s W D_r) + tr(W D_s G D_r)`` with ``G = W T W``, plus the mean
        terms ``j_s' W D_r W d`` (twice) and ``j_r' W j_s`` when ``T = S + d d'``.
        """
        cc = np.outer(r.c, r.c)
        single = cls._single(st, B)
        if single is not None:
            QW, QG = single
            wvu = QW[np.ix_(r.bv, r.bu)]
            wvv = QW[np.ix_(r.bv, r.bv)]
            wuu = QW[np.ix_(r.bu, r.bu)]
            sig = wvu * wvu.T + wvv * wuu
            if not hessian:
                return cc * sig, None
            guv = QG[np.ix_(r.bu, r.bv)]
            term = (wvu * guv + wvu.T * guv.T + wuu * QG[np.ix_(r.bv, r.bv)]
                    + wvv * QG[np.ix_(r.bu, r.bu)])
            return cc * sig, cc * (term - sig)
        R, nb = len(r), B.shape[1]
        info_sig = np.zeros((R, R))
        Qsum = np.zeros((nb, nb))
        hess_sig = np.zeros((R, R))
        E = np.zeros((nb, R))
        if st.blocks:
            Z, Qs, Y, Y2, E0 = cls._sums(st, B, r, hessian)
            info_sig += Z[:, r.bu, r.bv] + Z[:, r.bv, r.bu]
            Qsum += Qs
            if hessian:
                assert Y is not None and Y2 is not None and E0 is not None
                hess_sig += (Y[:, r.bu, r.bv] + Y[:, r.bv, r.bu]
                             + Y2[:, r.bv, r.bu] + Y2[:, r.bu, r.bv])
                E += E0
        if st.low is not None:
            s_low, q_low = st.low.info(B, st.N, r, r)
            info_sig += s_low
            Qsum += q_low
            if hessian:
                h_low, e_low = st.low.hessian(B, st.N, r)
                hess_sig += h_low
                E += e_low
        jj = np.outer(r.sj, r.sj) * Qsum[np.ix_(r.bj, r.bj)]
        info = cc * info_sig + jj
        if not hessian:
            return info, None
        mix = r.sj[:, None] * E[r.bj, :] * r.c[None, :]  # mix[s, r]
        H = cc * (hess_sig - info_sig) + mix + mix.T + jj
        return info, H

    # -- free parameters --------------------------------------------------------------------
    def gradient(self, x: np.ndarray, st: State | None = None) -> np.ndarray:
        st = self.state(x) if st is None else st
        assert st is not None
        return self.model.K.T @ self.row_gradient(st, self.model.basis(x),
                                                  self.model.rows_at(x))

    def derivatives(self, x: np.ndarray, st: State, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Gradient, expected information and (with ``newton``) the exact Hessian of fmin
        (per observation; the Hessian is lavaan's observed information)."""
        m = self.model
        B = m.basis(x)
        r = m.rows_at(x)
        K = m.K
        g = K.T @ self.row_gradient(st, B, r)
        info, H = self.row_info_hessian(st, B, r, newton and not m.has_beta)
        info = K.T @ info @ K
        if H is not None:
            L, P, _, _ = m.matrices(x)
            H = K.T @ (H + second_order(m, L, P, st.M, st.g_mean)) @ K
            H = (H + H.T) / 2.0
        elif newton:
            H = self._numeric_hessian(x)
        return g, info, H

    def _numeric_hessian(self, x: np.ndarray) -> np.ndarray:
        """Central differences of the analytic gradient (as lavaan's observed information):
        with regressions among the factors Sigma's second derivatives are not written out."""
        q = len(x)
        H = np.zeros((q, q))
        for k in range(q):
            h = 1e-5 * max(1.0, abs(float(x[k])))
            e = np.zeros(q)
            e[k] = h
            up, down = self.state(x + e), self.state(x - e)
            if up is None or down is None:
                return np.full((q, q), np.nan)
            H[:, k] = (self.gradient(x + e, up) - self.gradient(x - e, down)) / (2.0 * h)
        return (H + H.T) / 2.0

    def evaluate(self, x: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(x)
        if st is None:
            return None
        return (st.f, *self.derivatives(x, st, newton))


def second_order(model: Model, L: np.ndarray, P: np.ndarray, M: np.ndarray,
                 g_mean: np.ndarray | None = None) -> np.ndarray:
    """``0.5 tr(M d2Sigma / dtheta_r dtheta_s) + g_mean' d2mu / dtheta_r dtheta_s``: Sigma
    is bilinear in the loadings and the factor (co)variances, so only loading-loading and
    loading-psi pairs contribute; mu = nu + Lambda alpha adds loading-mean pairs."""
    kind, a, b = model.kind, model.a, model.b
    R = len(kind)
    out = np.zeros((R, R))
    lo = np.flatnonzero(kind == LOAD)
    ps = np.flatnonzero(kind == PSI)
    if lo.size == 0:
        return out
    li, lf = a[lo], b[lo]
    al = np.flatnonzero(kind == ALPHA)
    if al.size and g_mean is not None:
        block = (lf[:, None] == a[al][None, :]) * g_mean[li][:, None]
        out[np.ix_(lo, al)] = block
        out[np.ix_(al, lo)] = block.T
    out[np.ix_(lo, lo)] = P[np.ix_(lf, lf)] * M[np.ix_(li, li)]
    if ps.size:
        pg, ph = a[ps], b[ps]
        ML = M @ L
        block = ((lf[:, None] == pg[None, :]) * ML[np.ix_(li, ph)]
                 + ((lf[:, None] == ph[None, :]) & (pg != ph)[None, :]) * ML[np.ix_(li, pg)])
        out[np.ix_(lo, ps)] = block
        out[np.ix_(ps, lo)] = block.T
    return out
