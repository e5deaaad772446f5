"""FIML over many missing-data patterns by low-rank corrections to the full-data algebra.

For a pattern with observed items o and missing items m, and ``K = Sigma^-1``, the inverse
of the observed block embedded in a p x p matrix is (the partitioned inverse)

.. math::

    \\widetilde{\\Sigma_{oo}^{-1}} = K - K_{\\cdot m} K_{mm}^{-1} K_{m \\cdot}
                                  = K - \\Phi \\Phi', \\qquad
    \\Phi = K_{\\cdot m} L^{-T},\\; L L' = K_{mm},

a correction of rank ``|m|`` (two or three at 10% MCAR) to the full-data inverse, and
``|Sigma_oo| = |Sigma| |K_mm|``. Every row (or a factor row of a pattern's scatter,
:class:`~psychometrics.structural.samplestats.PatternStack`) enters only through
``z`` (its centred values, zero where missing): ``z' W z = z'Kz - |L^-1 (Kz)_m|^2``, and
``W z = K (z - e_m K_mm^-1 (Kz)_m)``, which for all rows at once are two n x p by p x p
products and per row O(|m|^2) work. The gradient, the expected information and the
observed information of lavaan's FIML objective are the full-data expressions in ``K``
and the summed ``W T W`` plus sums over patterns (and rows) of products of the rank-|m|
pieces: Gram matrices of short vectors, one BLAS product each, so that no
patterns x k x k array is formed (Savalei & Bentler, 2009, give the per-pattern terms).
The EM step of the unrestricted model uses the same pieces: the conditional mean of the
missing items is ``x_hat - mu = z - e_m K_mm^-1 (Kz)_m`` and their conditional covariance
``K_mm^-1``.

References
----------
Savalei, V., & Bentler, P. M. (2009). A two-stage approach to missing data: theory and
application to auxiliary variables. *Structural Equation Modeling*, 16, 477-497.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from psychometrics.structural.samplestats import PatternStack

__all__ = ["LowRankEval", "LowRankPatterns", "light"]

LOG2PI = math.log(2.0 * math.pi)

# elements of the per-chunk (rows x slots x parameters) arrays of the Gram sums
_CHUNK = 2_000_000
# elements of the Hessian's per-chunk (rows x slots x parameters) buffers: small enough
# to stay in cache (larger chunks were slower, measured at 100,000 x 25)
_HCHUNK = 100_000
_GRAM_DEPTH = 32  # the Hessian's Gram products: at least this many R of depth ...
_GRAM_CELLS = 4_000_000  # ... within buffers of at most this many elements (32 MB)
# largest p^4 for which the information's pattern sums go through a p^4 tensor
_FOURTH_MAX = 3_000_000


def light(grp: PatternStack) -> bool:
    """Stacks taken by the low-rank algebra: fewer missing than observed items (the rest,
    and every stack when Sigma is not positive definite, are factored directly)."""
    return grp.mis.shape[1] < grp.k


def cholesky_inverse(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``L^-1``, ``A^-1 = L^-T L^-1`` and ``log|A|`` for a stack of small positive definite
    matrices ``A = L L'``.

    Up to 8 x 8 the factorisation runs element by element across the whole stack on a
    (m, m, g) copy, so that every operation is on contiguous length-g vectors: batched
    LAPACK calls cost about a microsecond per matrix, which dominates for thousands of
    small blocks (2-4 times slower at 100,000 x 25); larger blocks go to LAPACK.
    Raises ``LinAlgError`` when a matrix is not positive definite."""
    m = A.shape[1]
    if m > 8:
        c = np.linalg.cholesky(A)
        Linv = np.linalg.inv(c)
        return (Linv, np.swapaxes(Linv, 1, 2) @ Linv,
                2.0 * np.sum(np.log(np.diagonal(c, axis1=1, axis2=2)), axis=1))
    At = np.ascontiguousarray(A.transpose(1, 2, 0))
    L = np.zeros_like(At)
    for j in range(m):
        lj = L[j, :j]
        s = At[j, j] - np.einsum("kg,kg->g", lj, lj)
        if not np.all(s > 0):
            raise np.linalg.LinAlgError("a block is not positive definite")
        d = np.sqrt(s)
        L[j, j] = d
        if j + 1 < m:
            L[j + 1:, j] = (At[j + 1:, j] - np.einsum("ikg,kg->ig", L[j + 1:, :j], lj)) / d
    M = np.zeros_like(At)  # L^-1, row by row (forward substitution)
    for i in range(m):
        inv_d = 1.0 / L[i, i]
        M[i, i] = inv_d
        if i:
            M[i, :i] = -np.einsum("kg,kjg->jg", L[i, :i], M[:i, :i]) * inv_d
    Ainv = np.einsum("kag,kbg->gab", M, M)
    logdet = 2.0 * np.sum(np.log(np.array([L[i, i] for i in range(m)])), axis=0)
    return np.ascontiguousarray(M.transpose(2, 0, 1)), Ainv, logdet


@dataclass
class _Part:
    grp: PatternStack
    rows: np.ndarray  # global pseudo-row indices (mean rows first, then factor rows)
    pid: np.ndarray  # each pseudo-row's pattern
    mean_rows: np.ndarray  # global indices of the g mean rows
    mean_flat: np.ndarray  # flat indices into Z of the mean rows' observed cells (g x k)
    mis_flat: np.ndarray  # flat indices of every pseudo-row's missing cells (rows x m)
    mm_flat: np.ndarray  # flat indices of each pattern's missing x missing block in p x p


class LowRankPatterns:
    """The constant part of the low-rank FIML algebra for the light stacks of a sample:
    the pseudo-rows ``z`` (zero-filled p-vectors): per pattern one mean row
    ``sqrt(n_g) (m_g - mu)`` (filled in at each evaluation) and the factor rows of its
    scatter, so that ``sum z z'`` over a pattern's pseudo-rows is ``n_g T_g``."""

    def __init__(self, stacks: list[PatternStack], p: int):
        self.p = p
        self.light = [g for g in stacks if light(g)]
        self.direct = [g for g in stacks if not light(g)]
        self.n = float(sum(float(g.n.sum()) for g in self.light))
        parts = []
        start = 0
        for grp in self.light:
            g = grp.count
            nf = len(grp.fac)
            rows = np.arange(start, start + g + nf)
            pid = np.concatenate([np.arange(g), grp.fac_pid]).astype(np.intp)
            parts.append(_Part(grp, rows, pid, rows[:g], rows[:g, None] * p + grp.obs,
                               rows[:, None] * p + grp.mis[pid],
                               (grp.mis[:, :, None] * p + grp.mis[:, None, :]).ravel()))
            start += g + nf
        self.parts = parts
        self.P = start
        Z = np.zeros((start, p))
        for part in parts:
            grp = part.grp
            fr = part.rows[grp.count:]
            if len(fr):
                Z[fr[:, None], grp.obs[grp.fac_pid]] = grp.fac
        self.Z = Z
        self.sqrt_n = [np.sqrt(part.grp.n) for part in parts]

    def scatter(self, mu: np.ndarray) -> np.ndarray:
        """``sum (x - mu)(x - mu)'`` over the light rows, zero where an item is missing."""
        zf = self.Z.reshape(-1)
        for part, sq in zip(self.parts, self.sqrt_n, strict=True):
            grp = part.grp
            zf[part.mean_flat] = sq[:, None] * (grp.m - mu[grp.obs])
        return self.Z.T @ self.Z

    def evaluate(self, mu: np.ndarray, K: np.ndarray, logdet: float,
                 need_u: bool = True) -> LowRankEval:
        """The pieces at ``(mu, Sigma)`` with ``K = Sigma^-1`` and ``logdet = log|Sigma|``;
        raises ``LinAlgError`` where a pattern's ``K_mm`` is not positive definite."""
        Z = self.Z
        zf = Z.reshape(-1)
        for part, sq in zip(self.parts, self.sqrt_n, strict=True):
            grp = part.grp
            zf[part.mean_flat] = sq[:, None] * (grp.m - mu[grp.obs])
        Y = Z @ K
        quad = np.einsum("ij,ij->i", Z, Y)
        Ytil = np.zeros_like(Z)
        yf, ytf = Y.reshape(-1), Ytil.reshape(-1)
        Kf = K.reshape(-1)
        Abar = np.zeros(self.p * self.p)
        loglik = 0.0
        pieces: list[tuple[_Part, np.ndarray | None]] = []
        inverses: list[np.ndarray | None] = []
        for part in self.parts:
            grp = part.grp
            n = grp.n
            mcount = grp.mis.shape[1]
            logdets = np.full(grp.count, logdet)
            if mcount == 0:
                q = quad[part.rows]
                pieces.append((part, None))
                inverses.append(None)
            else:
                Kmm = Kf[part.mm_flat].reshape(grp.count, mcount, mcount)
                Linv, A, logdet_mm = cholesky_inverse(Kmm)  # A: K_mm^-1 per pattern
                logdets = logdets + logdet_mm
                y = yf[part.mis_flat]
                # per row K_mm^-1 (Kz)_m and its product with (Kz)_m, by einsum over the
                # gathered blocks (no rows x m x m temporaries)
                t = np.einsum("rij,rj->ri", np.take(A, part.pid, axis=0), y)
                q = quad[part.rows] - np.einsum("ri,ri->r", y, t)
                ytf[part.mis_flat] = t
                Abar += np.bincount(part.mm_flat, weights=(n[:, None, None] * A).ravel(),
                                    minlength=self.p * self.p)
                pieces.append((part, Linv))
                inverses.append(A)
            loglik += -0.5 * (float(np.sum(n * (grp.k * LOG2PI + logdets)))
                              + float(np.sum(q)))
        Abar = Abar.reshape(self.p, self.p)
        Zy = Z - Ytil
        U = Zy @ K if need_u else None
        return LowRankEval(self, loglik, K, Zy, U, (Abar + Abar.T) / 2.0, pieces, inverses)


@dataclass
class LowRankEval:
    """The low-rank pieces at one ``(mu, Sigma)``: ``Zy`` are the rows of
    ``x_hat - mu`` (the conditional expectations), ``U = Zy K`` those of ``W z``, and
    ``Abar = sum_g n_g K_mm^-1`` (embedded); weights are ``n_g / N`` with N given later."""

    patterns: LowRankPatterns
    loglik: float
    K: np.ndarray
    Zy: np.ndarray
    U: np.ndarray | None
    Abar: np.ndarray
    pieces: list[tuple[_Part, np.ndarray | None]]
    # per light stack ``K_mm^-1`` (g x m x m; None for the complete pattern)
    inverses: list[np.ndarray | None] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict)

    def with_u(self) -> LowRankEval:
        """This evaluation with ``U = Zy K`` (the gradient's rows), formed if it was left
        out (``need_u=False``)."""
        if self.U is None:
            self.U = self.Zy @ self.K
        return self

    # -- the EM step ---------------------------------------------------------------------
    def em_sums(self, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw sums ``sum x_hat`` and ``sum (x_hat x_hat' + C)`` over the light rows."""
        Zy = self.Zy
        d = np.zeros(self.patterns.p)
        for (part, _), sq in zip(self.pieces, self.patterns.sqrt_n, strict=True):
            d += sq @ Zy[part.mean_rows]
        C2 = Zy.T @ Zy + self.Abar
        n = self.patterns.n
        T1 = n * mu + d
        T2 = C2 + np.outer(mu, d) + np.outer(d, mu) + n * np.outer(mu, mu)
        return T1, T2

    # -- the gradient --------------------------------------------------------------------
    def gradient_parts(self, N: float) -> tuple[np.ndarray, np.ndarray]:
        """``sum_g w_g (W_g - W_g T_g W_g)`` and ``-sum_g w_g W_g d_g`` (embedded)."""
        assert self.U is not None
        K, U = self.K, self.U
        M = (self.patterns.n * K - K @ self.Abar @ K - U.T @ U) / N
        gm = np.zeros(self.patterns.p)
        for (part, _), sq in zip(self.pieces, self.patterns.sqrt_n, strict=True):
            gm -= sq @ U[part.mean_rows]
        return (M + M.T) / 2.0, gm / N

    # -- the information -----------------------------------------------------------------
    def _basis(self, B: np.ndarray, N: float) -> dict[str, Any]:
        # B is rebuilt from the same estimates by each caller (the standard errors, the
        # modification indices): compare values, not identity, so F is formed once
        cached = self._cache.get("B")
        if (cached is not None and self._cache.get("N") == N
                and (cached is B or (cached.shape == B.shape and np.array_equal(cached, B)))):
            return self._cache
        assert self.U is not None
        C = B.T @ self.K
        Q0 = C @ B
        Pbar = C @ self.Abar @ C.T / N
        Qrows = self.U @ B
        QG = Qrows.T @ Qrows / N
        qbar = np.zeros(B.shape[1])
        for (part, _), sq in zip(self.pieces, self.patterns.sqrt_n, strict=True):
            qbar += sq @ Qrows[part.mean_rows]
        self._cache.clear()
        self._cache.update(B=B, N=N, Q0=Q0, Pbar=Pbar, Qrows=Qrows, QG=(QG + QG.T) / 2,
                           C=C, qbar=qbar / N, wsum=self.patterns.n / N,
                           F=self._fourth(C, N))
        return self._cache

    def _vts(self, c: dict[str, Any]) -> list[np.ndarray | None]:
        """Per light stack ``V_g' = L_g^-1 C[:, m_g]'`` (g x m x nb), formed when the Gram
        sums need them (the Hessian, or the information beyond the p^4 tensor's size)."""
        if "Vts" not in c:
            C = c["C"]
            c["Vts"] = [None if Linv is None else Linv @ C.T[part.grp.mis]
                        for part, Linv in self.pieces]
        return c["Vts"]

    def _fourth(self, C: np.ndarray, N: float) -> np.ndarray | None:
        """``F[a,b,c,d] = sum_g w_g P_g[a,b] P_g[c,d]`` with ``P_g = C A_g C'`` through the
        p^4 tensor ``T = sum_g w_g A_g (x) A_g`` (one sparse product, about
        ``sum_g |m_g|^4 / 4`` terms) and four contractions with C, whose cost does not grow
        with the number of patterns; None when p^4 is too large (then per-pattern Gram
        sums)."""
        p = self.patterns.p
        if p**4 > _FOURTH_MAX:
            return None
        # A_g is symmetric: only the slot pairs a <= b (halved on the diagonal) enter, and
        # the four index swaps are restored after contracting
        # T = A'A with A (patterns x p^2) holding each pattern's weighted pair values: one
        # sparse product in compiled code instead of scattering every pattern's outer product
        rows, cols, vals = [], [], []
        start = 0
        for (part, Linv), Amm in zip(self.pieces, self.inverses, strict=True):
            if Linv is None or Amm is None:
                continue
            grp = part.grp
            m = grp.mis.shape[1]
            ta, tb = np.triu_indices(m)
            A = Amm[:, ta, tb]
            A = A * np.where(ta == tb, 0.5, 1.0) * np.sqrt(grp.n / N)[:, None]
            rows.append(np.repeat(np.arange(start, start + grp.count), len(ta)))
            cols.append((grp.mis[:, ta] * p + grp.mis[:, tb]).ravel())
            vals.append(A.ravel())
            start += grp.count
        if not rows:
            return np.zeros((C.shape[0],) * 4)
        Asp = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                       np.concatenate(cols))),
                                shape=(start, p * p))
        T = (Asp.T @ Asp).toarray()
        F = T.reshape(p, p, p, p)
        for _ in range(4):  # (i,j,k,l) -> (j,k,l,a) -> ... -> (a,b,c,d)
            F = np.tensordot(F, C, axes=([0], [1]))
        F = F + F.transpose(1, 0, 2, 3)
        F = F + F.transpose(0, 1, 3, 2)
        return F

    def info(self, B: np.ndarray, N: float, r1: Any, r2: Any
             ) -> tuple[np.ndarray, np.ndarray]:
        """``sum_g w_g [QW_g[v_r,u_s] QW_g[u_r,v_s] + QW_g[v_r,v_s] QW_g[u_r,u_s]]`` over
        the light patterns (``QW_g = B'W_g B = Q0 - V_g V_g'``) and ``sum_g w_g QW_g``."""
        c = self._basis(B, N)
        Q0, Pbar = c["Q0"], c["Pbar"]
        sig = (c["wsum"] * _f(Q0, Q0, r1, r2) - _f(Q0, Pbar, r1, r2)
               - _f(Pbar, Q0, r1, r2))
        F = c["F"]
        if F is not None:
            v1, u1 = r1.bv[:, None], r1.bu[:, None]
            v2, u2 = r2.bv[None, :], r2.bu[None, :]
            return sig + F[v1, u2, u1, v2] + F[v1, v2, u1, u2], c["wsum"] * Q0 - Pbar
        for (part, _), Vt in zip(self.pieces, self._vts(c), strict=True):
            if Vt is None:
                continue
            w = part.grp.n / N
            g, m, _ = Vt.shape
            step = max(1, _CHUNK // max(m * m * max(len(r1), len(r2)), 1))
            for lo in range(0, g, step):
                V = Vt[lo:lo + step]
                A1 = V[:, :, None, r1.bv] * V[:, None, :, r1.bu]
                A2 = V[:, :, None, r2.bv] * V[:, None, :, r2.bu]
                E2 = A2 + np.swapaxes(A2, 1, 2)
                A1 = A1 * w[lo:lo + step, None, None, None]
                sig += A1.reshape(-1, len(r1)).T @ E2.reshape(-1, len(r2))
        return sig, c["wsum"] * Q0 - Pbar

    def info_diag(self, B: np.ndarray, N: float, r: Any) -> tuple[np.ndarray, np.ndarray]:
        c = self._basis(B, N)
        Q0, Pbar = c["Q0"], c["Pbar"]

        def fd(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
            return X[r.bv, r.bu] * Y[r.bu, r.bv] + X[r.bv, r.bv] * Y[r.bu, r.bu]

        out = c["wsum"] * fd(Q0, Q0) - fd(Q0, Pbar) - fd(Pbar, Q0)
        F = c["F"]
        if F is not None:
            return (out + F[r.bv, r.bu, r.bu, r.bv] + F[r.bv, r.bv, r.bu, r.bu],
                    np.diagonal(c["wsum"] * Q0 - Pbar))
        for (part, _), Vt in zip(self.pieces, self._vts(c), strict=True):
            if Vt is None:
                continue
            w = part.grp.n / N
            g, m, _ = Vt.shape
            step = max(1, _CHUNK // max(m * m * len(r), 1))
            for lo in range(0, g, step):
                V = Vt[lo:lo + step]
                A = V[:, :, None, r.bv] * V[:, None, :, r.bu]
                out += np.einsum("g,gabr,gabr->r", w[lo:lo + step], A,
                                 A + np.swapaxes(A, 1, 2))
        return out, np.diagonal(c["wsum"] * Q0 - Pbar)

    def hessian(self, B: np.ndarray, N: float, r: Any) -> tuple[np.ndarray, np.ndarray]:
        """``sum_g w_g term(QW_g, QG_g)`` (the ``tr(W D_s G D_r)`` part of the observed
        information, without the c factors) and the mean-mixing ``E`` (nb x R)."""
        c = self._basis(B, N)
        Q0, QG, Qrows, qbar = c["Q0"], c["QG"], c["Qrows"], c["qbar"]
        # both enter scaled by c_r: rows that do not move Sigma (means) are left at 0
        act = np.flatnonzero(r.c != 0)
        term_all = np.zeros((len(r), len(r)))
        E_all = np.zeros((B.shape[1], len(r)))
        bu, bv = r.bu[act], r.bv[act]
        term = (Q0[np.ix_(bv, bu)] * QG[np.ix_(bu, bv)]
                + Q0[np.ix_(bv, bu)].T * QG[np.ix_(bu, bv)].T
                + Q0[np.ix_(bu, bu)] * QG[np.ix_(bv, bv)]
                + Q0[np.ix_(bv, bv)] * QG[np.ix_(bu, bu)])
        E = Q0[:, bu] * qbar[bv] + Q0[:, bv] * qbar[bu]
        R = len(bu)
        gram = np.zeros((R, R))
        for (part, _), Vt, sq in zip(self.pieces, self._vts(c), self.patterns.sqrt_n,
                                     strict=True):
            if Vt is None:
                continue
            m = Vt.shape[1]
            rows, pid = part.rows, part.pid
            Vu, Vv = Vt[:, :, bu], Vt[:, :, bv]
            qu, qv = Qrows[np.ix_(rows, bu)], Qrows[np.ix_(rows, bv)]
            # chunks that stay in cache, filled in place (np.take into two buffers; "clip"
            # is unbuffered, and the indices are valid): the rows x m x R temporaries of
            # the plain expression cost several times the product itself
            # (but never so few rows that the Gram product's inner dimension falls below
            # a few R: with hundreds of parameters, e.g. the saturated model of MLR's h1,
            # thin products run far below BLAS speed)
            step = max(1, _HCHUNK // max(m * R, 1),
                       min(_GRAM_DEPTH * R, _GRAM_CELLS // max(R, 1)) // max(m, 1))
            buf = np.empty((min(step, len(rows)), m, R))
            buf2 = np.empty_like(buf)
            for lo in range(0, len(rows), step):
                pc = pid[lo:lo + step]
                h, h2 = buf[:len(pc)], buf2[:len(pc)]
                np.take(Vv, pc, axis=0, out=h, mode="clip")
                h *= qu[lo:lo + step, None, :]
                np.take(Vu, pc, axis=0, out=h2, mode="clip")
                h2 *= qv[lo:lo + step, None, :]
                h += h2
                hr = h.reshape(-1, R)
                gram += hr.T @ hr  # A'A: numpy takes the symmetric rank-k product
            qm = Qrows[part.mean_rows]
            hm = (Vt[:, :, bu] * qm[:, None, bv] + Vt[:, :, bv] * qm[:, None, bu])
            hm *= (sq / N)[:, None, None]
            # sum over patterns and slots as one product (einsum does not use BLAS here)
            E -= Vt.reshape(-1, Vt.shape[2]).T @ hm.reshape(-1, R)
        term -= gram / N
        term_all[np.ix_(act, act)] = term
        E_all[:, act] = E
        return term_all, E_all


def _f(X: np.ndarray, Y: np.ndarray, r1: Any, r2: Any) -> np.ndarray:
    """``X[v_r, u_s] Y[u_r, v_s] + X[v_r, v_s] Y[u_r, u_s]``."""
    return (X[np.ix_(r1.bv, r2.bu)] * Y[np.ix_(r1.bu, r2.bv)]
            + X[np.ix_(r1.bv, r2.bv)] * Y[np.ix_(r1.bu, r2.bu)])
