"""Generalised and unweighted least squares on complete data (lavaan's ``estimator = "GLS"``
and ``"ULS"``).

lavaan's criterion for both is ``fmin = 0.5 (N - 1) / N (s - sigma)' W (s - sigma)`` over
``s = vech(S)`` (with the means first under a mean structure), where S is the *unbiased*
covariance matrix (divisor N - 1); GLS weights by the normal-theory weight at S,
``W = 0.5 D' (S^-1 (x) S^-1) D`` (``S^-1`` for the means), ULS by the identity. The test is
``chisq = 2 N fmin`` and the standard errors are ``sqrt(diag(E^-1) / N)`` with the expected
information ``E = (N - 1) / N Delta' W Delta`` (lavaan's defaults ``se = "standard"``,
``information = "expected"`` for both). lavaan's fit indices are the ML formulas applied to
these statistics and the baseline's (:func:`baseline_fmin`), the RMSEA with N - 1 in place of
N; ULS gets no p-value.

The score tests (modification indices, ``lavTestScore``) use lavaan's gradient and
information for these estimators: the gradient of fmin, ``-(N - 1) / N Delta' W (s - sigma)``,
and ``Delta' W Delta`` per group (weighted by ``N_g / N``; without the factor
``(N - 1) / N``). The ``row_*`` methods below give them for any set of parameter rows, so that
:mod:`~psychometrics.structural.inference` treats this estimator as it treats ML. lavaan's
standard errors are ``sqrt(diag(I^-1) / (N - G))`` with that information ``I``
(:func:`information`; ``lav_model_vcov`` uses N - G for every estimator but ML).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from psychometrics.structural.matrices import Model, RowBasis, jacobian, moment_index
from psychometrics.structural.samplestats import Sample

__all__ = ["LEAST_SQUARES", "LSObjective", "LSState", "baseline_fmin", "information",
           "normal_weight"]

LEAST_SQUARES = ("GLS", "ULS")


@dataclass
class LSState:
    """The criterion, the residual moments and their Jacobian at one parameter vector."""

    f: float
    resid: np.ndarray
    delta: np.ndarray


def normal_weight(S: np.ndarray, meanstructure: bool) -> np.ndarray:
    """``0.5 D' (S^-1 (x) S^-1) D`` on lavaan's vech order (block-diagonal with ``S^-1``
    for the means first): lavaan's ``lav_samplestats_Gamma_inverse_NT``."""
    p = S.shape[0]
    V = np.linalg.inv(S)
    i, j = moment_index(p)
    # element (k, l), k = (a, b), l = (c, d): the duplication sums the two positions of
    # an off-diagonal pair, hence the factor m_k m_l / 2 (m = 2 off the diagonal, else 1)
    a, b = i[:, None], j[:, None]
    c, d = i[None, :], j[None, :]
    m = np.where(i == j, 1.0, 2.0)
    W = 0.25 * (V[a, c] * V[b, d] + V[a, d] * V[b, c]) * m[:, None] * m[None, :]
    if not meanstructure:
        return W
    out = np.zeros((p + len(i), p + len(i)))
    out[:p, :p] = V
    out[p:, p:] = W
    return out


class LSObjective:
    """``0.5 (N - 1) / N (s - sigma(x))' W (s - sigma(x))`` with ``weight`` "GLS" or "ULS"."""

    exact_hessian = True  # the Gauss-Newton matrix is the Newton matrix the optimiser uses

    def __init__(self, model: Model, sample: Sample, weight: str):
        self.model = model
        self.q = model.q
        self.sample = sample
        self.means = model.meanstructure
        if self.means and sample.mean is None:
            raise ValueError("a mean structure needs the sample means (raw data, not only a "
                             "covariance matrix)")
        n = sample.n
        self.c = (n - 1) / n
        S = sample.cov / self.c  # lavaan: the unbiased covariance matrix
        i, j = moment_index(model.p)
        self.i, self.j = i, j
        s = S[i, j]
        if self.means:
            assert sample.mean is not None
            s = np.concatenate([sample.mean, s])
        self.s = s
        weight = weight.upper()
        if weight == "GLS":
            self.W = normal_weight(S, self.means)
        elif weight == "ULS":
            self.W = np.eye(len(s))
        else:
            raise ValueError(f"weight must be 'GLS' or 'ULS', got {weight!r}")

    def _resid(self, x: np.ndarray) -> np.ndarray:
        sigma, mu = self.model.implied(x)
        m = sigma[self.i, self.j]
        if self.means:
            m = np.concatenate([mu, m])
        return self.s - m

    def value(self, x: np.ndarray) -> float:
        r = self._resid(x)
        f = 0.5 * self.c * float(r @ self.W @ r)
        return f if math.isfinite(f) else math.inf

    def state(self, x: np.ndarray) -> LSState | None:
        r = self._resid(x)
        f = 0.5 * self.c * float(r @ self.W @ r)
        if not math.isfinite(f):
            return None
        return LSState(f, r, jacobian(self.model, x, self.means))

    def gradient(self, x: np.ndarray, st: LSState | None = None) -> np.ndarray:
        st = self.state(x) if st is None else st
        assert st is not None
        return -self.c * (st.delta.T @ (self.W @ st.resid))

    def derivatives(self, x: np.ndarray, st: LSState, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        g = -self.c * (st.delta.T @ (self.W @ st.resid))
        info = self.c * (st.delta.T @ self.W @ st.delta)
        return g, info, (info if newton else None)

    def evaluate(self, x: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(x)
        if st is None:
            return None
        return (st.f, *self.derivatives(x, st, newton))

    # -- any parameter rows (the score tests) -------------------------------------------------
    @property
    def free_rows(self) -> RowBasis:
        return self.model.free_rows

    def row_jacobian(self, B: np.ndarray, r: RowBasis) -> np.ndarray:
        """``d (mu, vech Sigma) / d theta_r`` for rows r on the basis B (moments x rows):
        ``dSigma = c (u v' + v u')`` and ``dmu = sj j`` (``Model.row_basis``)."""
        Bu, Bv = B[:, r.bu], B[:, r.bv]
        d_sigma = r.c * (Bu[self.i] * Bv[self.j] + Bv[self.i] * Bu[self.j])
        if not self.means:
            return d_sigma
        return np.vstack([r.sj * B[:, r.bj], d_sigma])

    def row_gradient(self, st: LSState, B: np.ndarray, r: RowBasis) -> np.ndarray:
        """The gradient of fmin, ``-(N - 1) / N Delta_r' W (s - sigma)``: what lavaan's
        modindices() and lavTestScore() use (its information has no (N - 1) / N)."""
        return -self.c * (self.row_jacobian(B, r).T @ (self.W @ st.resid))

    def row_info(self, st: LSState, B: np.ndarray, r1: RowBasis, r2: RowBasis) -> np.ndarray:
        return self.row_jacobian(B, r1).T @ self.W @ self.row_jacobian(B, r2)

    def row_info_diag(self, st: LSState, B: np.ndarray, r: RowBasis) -> np.ndarray:
        J = self.row_jacobian(B, r)
        return np.einsum("kr,kr->r", J, self.W @ J)

    def row_info_hessian(self, st: LSState, B: np.ndarray, r: RowBasis,
                         hessian: bool) -> tuple[np.ndarray, None]:
        J = self.row_jacobian(B, r)
        return J.T @ self.W @ J, None


def information(parts: list[LSObjective], weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """lavaan's expected information of the unique parameters,
    ``sum_g (N_g / N) Delta_g' W_g Delta_g`` (lav_model_information_expected; for ULS
    ``W = I``)."""
    q = len(x)
    out = np.zeros((q, q))
    for w, part in zip(weights, parts, strict=True):
        D = jacobian(part.model, x, part.means)
        out += w * (D.T @ part.W @ D)
    return out


def baseline_fmin(objective: LSObjective) -> float:
    """fmin of lavaan's independence model under the same weight: ``Sigma = diag(v)`` (and
    free means, fitted exactly), whose least-squares solution is linear,
    ``v = (E' W E)^-1 E' W s`` with E selecting the variances; ``2 N fmin`` is lavaan's
    ``baseline.chisq``."""
    p = objective.model.p
    k = p if objective.means else 0
    diag = np.flatnonzero(objective.i == objective.j) + k
    E = np.zeros((len(objective.s), p + k))
    E[diag, np.arange(p)] = 1.0
    if k:
        E[np.arange(k), p + np.arange(k)] = 1.0
    W, s = objective.W, objective.s
    v = np.linalg.solve(E.T @ W @ E, E.T @ W @ s)
    r = s - E @ v
    return 0.5 * objective.c * float(r @ W @ r)
