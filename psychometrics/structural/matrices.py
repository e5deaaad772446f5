"""The model matrices: the free-parameter vector mapped to Lambda, Psi, Theta and nu.

:class:`Model` holds the fixed values and where each free parameter goes; ``K`` maps the
free rows of the parameter table to the unique parameters (equal labels share a column).
:meth:`Model.row_basis` describes how each parameter moves the implied moments, which the
estimators (:mod:`psychometrics.structural.estimators`) use for every derivative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.structural.partable import ALPHA, BETA, LOAD, NU, PSI, THETA, Row

__all__ = ["Model", "RowBasis", "basis_matrix", "jacobian", "moment_index"]


class Model:
    """Maps the vector of unique free parameters to Lambda, Psi, Theta and nu."""

    def __init__(self, rows: list[Row], ov: list[str], lv: list[str], q: int | None = None):
        self.rows = rows
        self.ov, self.lv = ov, lv
        self.p, self.m = len(ov), len(lv)
        free = [r for r in rows if r.free]
        # q: the length of the parameter vector (all groups' unique parameters)
        self.q = 1 + max((r.par for r in free), default=-1) if q is None else q
        self.kind = np.array([r.kind for r in free], dtype=int)
        self.a = np.array([r.a for r in free], dtype=int)
        self.b = np.array([r.b for r in free], dtype=int)
        self.par = np.array([r.par for r in free], dtype=int)
        self.K = np.zeros((len(free), self.q))
        self.K[np.arange(len(free)), self.par] = 1.0
        self.L0 = np.zeros((self.p, self.m))
        self.P0 = np.zeros((self.m, self.m))
        self.T0 = np.zeros((self.p, self.p))
        self.nu0 = np.zeros(self.p)
        self.alpha0 = np.zeros(self.m)
        self.B0 = np.zeros((self.m, self.m))
        # Observed variables of regressions are factors of their own ("dummies", lavaan's
        # LISREL form): a loading of 1 and no residual variance, their (residual) variance
        # and mean in Psi and alpha.
        ov_index = {name: i for i, name in enumerate(ov)}
        self.dummy = np.array([name in ov_index for name in lv], dtype=bool)
        for f, name in enumerate(lv):
            if name in ov_index:
                self.L0[ov_index[name], f] = 1.0
        exo_names = {r.lhs for r in rows if r.exo}
        self.exo = np.array([name in exo_names for name in lv], dtype=bool)
        for r in rows:
            if not r.free:
                self._put(self.L0, self.P0, self.T0, self.nu0, r.kind, r.a, r.b, r.value)
                if r.kind == ALPHA:
                    self.alpha0[r.a] = r.value
                elif r.kind == BETA:
                    self.B0[r.a, r.b] = r.value
        # Regressions among the factors: eta = B eta + zeta, cov(eta) = IB Psi IB'
        self.has_beta = any(r.kind == BETA for r in rows)
        self.meanstructure = any(r.kind == NU or r.kind == ALPHA for r in rows)
        # Factor means that are free or fixed away from 0 make the loadings move mu too.
        self.latent_means = any(r.kind == ALPHA and (r.free or r.value != 0) for r in rows)
        self.names = [""] * self.q
        for r in free:
            if not self.names[r.par]:
                self.names[r.par] = r.label or f"{r.lhs}{r.op}{r.rhs}"
        self.free_rows = self.row_basis(self.kind, self.a, self.b)

    @staticmethod
    def _put(L: np.ndarray, P: np.ndarray, T: np.ndarray, nu: np.ndarray,
             kind: int | np.ndarray, a: Any, b: Any, value: Any) -> None:
        if kind == LOAD:
            L[a, b] = value
        elif kind == THETA:
            T[a, b] = value
            T[b, a] = value
        elif kind == PSI:
            P[a, b] = value
            P[b, a] = value
        elif kind == NU:
            nu[a] = value

    def matrices(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        L, P, T, nu = self.L0.copy(), self.P0.copy(), self.T0.copy(), self.nu0.copy()
        xr = x[self.par]
        k, a, b = self.kind, self.a, self.b
        sel = k == LOAD
        L[a[sel], b[sel]] = xr[sel]
        sel = k == THETA
        T[a[sel], b[sel]] = xr[sel]
        T[b[sel], a[sel]] = xr[sel]
        sel = k == PSI
        P[a[sel], b[sel]] = xr[sel]
        P[b[sel], a[sel]] = xr[sel]
        sel = k == NU
        nu[a[sel]] = xr[sel]
        return L, P, T, nu

    def alpha(self, x: np.ndarray) -> np.ndarray:
        """The factor means (intercepts)."""
        alpha = self.alpha0.copy()
        sel = self.kind == ALPHA
        alpha[self.a[sel]] = x[self.par[sel]]
        return alpha

    def beta(self, x: np.ndarray) -> np.ndarray:
        """The regressions among the factors, ``B[f, g]`` the effect of g on f."""
        B = self.B0.copy()
        sel = self.kind == BETA
        B[self.a[sel], self.b[sel]] = x[self.par[sel]]
        return B

    def inverse_beta(self, x: np.ndarray) -> np.ndarray:
        """``(I - B)^-1`` (the identity without regressions)."""
        if not self.has_beta:
            return np.eye(self.m)
        return np.linalg.inv(np.eye(self.m) - self.beta(x))

    def eta_moments(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The factors' total covariance ``IB Psi IB'`` and means ``IB alpha``."""
        _, P, _, _ = self.matrices(x)
        IB = self.inverse_beta(x)
        return IB @ P @ IB.T, IB @ self.alpha(x)

    def implied(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        L, P, T, nu = self.matrices(x)
        if self.has_beta:
            L = L @ self.inverse_beta(x)
        if self.latent_means:
            nu = nu + L @ self.alpha(x)
        return L @ P @ L.T + T, nu

    def rows_at(self, x: np.ndarray) -> RowBasis:
        """The free rows' basis at ``x`` (it depends on ``x`` through the factor means,
        which make a loading and a regression move the mean)."""
        if not self.latent_means:
            return self.free_rows
        return self.row_basis(self.kind, self.a, self.b, self.inverse_beta(x) @ self.alpha(x))

    def row_basis(self, kind: np.ndarray, a: np.ndarray, b: np.ndarray,
                  alpha: np.ndarray | None = None) -> RowBasis:
        """How each parameter moves the moments, on the basis ``B = [I_p, Lambda,
        Lambda Psi]`` (see :func:`basis_matrix`).

        ``dSigma/dtheta_r = u_r v_r' + v_r u_r'`` with ``u_r = su_r B[:, bu_r]`` and
        ``v_r = sv_r B[:, bv_r]``, and ``dmu/dtheta_r = sj_r B[:, bj_r]``: a loading
        (i, f) has ``u = e_i, v = (Lambda Psi)_f``; a residual (co)variance (i, j)
        ``u = e_i, v = e_j`` (halved when i = j); a factor (co)variance (f, g)
        ``u = Lambda_f, v = Lambda_g`` (halved when f = g); an intercept ``j = e_i``, a
        factor mean ``j = Lambda_f`` and, with factor means ``alpha``, a loading (i, f)
        also ``j = alpha_f e_i``. With regressions among the factors the basis is
        ``[I_p, Lambda IB, Lambda IB Psi IB']`` (``IB = (I - B)^-1``), ``alpha`` means
        ``IB alpha`` and a regression (f on g) has ``u = (Lambda IB)_f``,
        ``v = (Lambda IB Psi IB')_g`` and ``j = (IB alpha)_g (Lambda IB)_f``.
        So gradients, informations and Hessians are gathers from ``B' X B`` matrices
        (nb x nb, nb = p + 2m) instead of products of p^2 x r Jacobians.
        """
        p, m = self.p, self.m
        r = len(kind)
        bu = np.zeros(r, dtype=int)
        bv = np.zeros(r, dtype=int)
        bj = np.zeros(r, dtype=int)
        su = np.zeros(r)
        sv = np.zeros(r)
        sj = np.zeros(r)
        half = np.where(a == b, 0.5, 1.0)
        sel = kind == LOAD
        bu[sel], bv[sel], su[sel], sv[sel] = a[sel], p + m + b[sel], 1.0, 1.0
        sel = kind == THETA
        bu[sel], bv[sel], su[sel], sv[sel] = a[sel], b[sel], 1.0, half[sel]
        sel = kind == PSI
        bu[sel], bv[sel], su[sel], sv[sel] = p + a[sel], p + b[sel], 1.0, half[sel]
        sel = kind == NU
        bj[sel], sj[sel] = a[sel], 1.0
        sel = kind == ALPHA
        bj[sel], sj[sel] = p + a[sel], 1.0
        sel = kind == BETA
        bu[sel], bv[sel], su[sel], sv[sel] = p + a[sel], p + m + b[sel], 1.0, 1.0
        if alpha is not None:
            sel = kind == LOAD
            bj[sel], sj[sel] = a[sel], alpha[b[sel]]
            sel = kind == BETA
            bj[sel], sj[sel] = p + a[sel], alpha[b[sel]]
        return RowBasis(bu, bv, bj, su * sv, sj)

    def basis(self, x: np.ndarray) -> np.ndarray:
        L, P, _, _ = self.matrices(x)
        if self.has_beta:
            IB = self.inverse_beta(x)
            return basis_matrix(L @ IB, P @ IB.T)
        return basis_matrix(L, P)


@dataclass
class RowBasis:
    """Basis indices of ``u``, ``v`` and ``j`` for a set of parameter rows, with the scale
    ``c = su sv`` of ``dSigma`` and the scale ``sj`` of ``dmu`` (see ``Model.row_basis``)."""

    bu: np.ndarray
    bv: np.ndarray
    bj: np.ndarray
    c: np.ndarray
    sj: np.ndarray

    def __len__(self) -> int:
        return len(self.c)


def basis_matrix(L: np.ndarray, P: np.ndarray) -> np.ndarray:
    return np.hstack([np.eye(L.shape[0]), L, L @ P])


def moment_index(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of ``vech(Sigma)`` in lavaan's order (the lower triangle,
    column by column: ``lav_matrix_vech``)."""
    cols, rows = np.triu_indices(p)  # (j, i) with i >= j, ordered by j then i
    return rows, cols


def jacobian(model: Model, x: np.ndarray, meanstructure: bool = False) -> np.ndarray:
    """``Delta = d (mu, vech Sigma) / dx``: moments (means first with ``meanstructure``, then
    ``vech(Sigma)`` in :func:`moment_index` order) x unique free parameters."""
    B = model.basis(x)
    r = model.rows_at(x)
    i, j = moment_index(model.p)
    Bu, Bv = B[:, r.bu], B[:, r.bv]
    d_sigma = r.c * (Bu[i] * Bv[j] + Bv[i] * Bu[j])
    rows = [d_sigma]
    if meanstructure:
        rows.insert(0, r.sj * B[:, r.bj])
    return np.vstack(rows) @ model.K
