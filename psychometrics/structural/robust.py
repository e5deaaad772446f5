"""Robust standard errors and scaled test statistics (lavaan's MLM, MLMV and MLR).

Everything is written in the space of the sample moments ``s = (mean, vech S)`` (lavaan's
order, :func:`~psychometrics.structural.matrices.moment_index`) with three pieces per group:
``Delta`` (the model's Jacobian), the normal-theory weight ``A`` and ``Gamma``, the
asymptotic covariance of the moments from one blocked pass over the rows.

- MLM (``se = "robust.sem"``, ``test = "satorra.bentler"``): ``V = E^-1 (sum_g f_g Delta' A
  Gamma A Delta) E^-1 / N`` with ``E = sum_g f_g Delta' A Delta`` (expected information),
  and ``c = tr(U Gamma) / df`` with ``U = A - f_g A Delta E^-1 Delta' A`` (Satorra & Bentler,
  1994).
- MLMV (``test = "scaled.shifted"``, lavaan 0.6's default for it): ``a = sqrt(df /
  tr((U Gamma)^2))``, ``chisq_scaled = a chisq + df - a tr(U Gamma)`` (Asparouhov & Muthen,
  2010).
- MLR (``se = "robust.huber.white"``, ``test = "yuan.bentler.mplus"``): the sandwich
  ``H^-1 B H^-1 / N`` with the observed information H and the first-order information
  ``B = sum_g f_g Delta' A Gamma_model A Delta`` (the case-wise scores' cross-products), and
  ``c = sum_g [tr(A_1 Gamma) - f_g tr(B_g H^-1)] / df`` with ``A_1`` at the sample moments
  (Yuan & Bentler, 2000; Mplus's variant as lavaan computes it). Under FIML the
  cross-products are those of the case-wise scores of the incomplete rows
  (:func:`casewise_crossprod`) and ``A_1`` is the observed information of the unrestricted
  model at its EM estimates (:func:`robust_fiml`).

References
----------
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard errors in
covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.), *Latent variables
analysis* (pp. 399-419). Sage.
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance
structure analysis with nonnormal missing data. *Sociological Methodology, 30*, 165-200.
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
nonnormality. *Multivariate Behavioral Research, 49*(5), 460-470.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from psychometrics.structural.errors import DataError
from psychometrics.structural.estimators import FIMLObjective
from psychometrics.structural.matrices import Model, jacobian, moment_index
from psychometrics.structural.partable import NU, THETA, Row
from psychometrics.structural.samplestats import Sample
from psychometrics.structural.wls_robust import sandwich_meat, ugamma_traces

__all__ = [
    "ROBUST",
    "GroupMoments",
    "Scaling",
    "baseline_scaling",
    "casewise_crossprod",
    "gamma",
    "nt_weight",
    "robust_vcov",
    "scaling",
    "x_moments",
]

# estimator -> (standard errors, test)
ROBUST = {"MLM": ("robust.sem", "satorra.bentler"),
          "MLMV": ("robust.sem", "scaled.shifted"),
          "MLR": ("robust.huber.white", "yuan.bentler.mplus")}

_BLOCK = 8192  # rows per block of the one pass over the data


def nt_weight(sigma: np.ndarray, meanstructure: bool) -> np.ndarray:
    """The normal-theory weight ``A = diag(Sigma^-1, 0.5 D' (Sigma^-1 (x) Sigma^-1) D)`` of
    the moments (lavaan's ``WLS.V`` for ML): the unit expected information of ``s``."""
    W = np.linalg.inv(sigma)
    W = (W + W.T) / 2.0
    i, j = moment_index(len(sigma))
    mult = np.where(i == j, 1.0, 2.0)
    A_s = 0.25 * (W[np.ix_(i, i)] * W[np.ix_(j, j)] + W[np.ix_(i, j)] * W[np.ix_(j, i)])
    A_s *= np.outer(mult, mult)
    if not meanstructure:
        return A_s
    p = len(sigma)
    out = np.zeros((p + len(i), p + len(i)))
    out[:p, :p] = W
    out[p:, p:] = A_s
    return out


def gamma(X: np.ndarray, mu: np.ndarray, sigma: np.ndarray | None,
          meanstructure: bool) -> np.ndarray:
    """``Gamma = (1/N) sum_i (z_i - c)(z_i - c)'`` with ``z_i = (x_i, vech((x_i - mu)(x_i -
    mu)'))`` (lavaan's ``lav_samplestats_Gamma``), in one blocked pass over the rows.

    With ``sigma`` None, ``mu`` is the sample mean and ``c`` the mean of the z (the sample
    Gamma, "NACOV"); otherwise ``c = (mu, vech sigma)`` (model-based: the cross-products of
    the case-wise scores are ``A Gamma A``).
    """
    n, p = X.shape
    i, j = moment_index(p)
    k = len(i) + (p if meanstructure else 0)
    zz = np.zeros((k, k))
    zsum = np.zeros(k)
    centre = (np.concatenate([mu, sigma[i, j]]) if meanstructure else sigma[i, j]
              ) if sigma is not None else None
    for lo in range(0, n, _BLOCK):
        D = X[lo:lo + _BLOCK] - mu
        prod = D[:, i] * D[:, j]
        Z = np.hstack([D + mu, prod]) if meanstructure else prod
        if centre is not None:
            Z = Z - centre
        zz += Z.T @ Z
        zsum += Z.sum(axis=0)
    if centre is not None:
        return zz / n
    zbar = zsum / n
    return zz / n - np.outer(zbar, zbar)


def gamma_fixed_x(X: np.ndarray, x_idx: tuple[int, ...], meanstructure: bool) -> np.ndarray:
    """The sample Gamma with fixed covariates (lavaan's ``lav_samplestats_Gamma`` with
    ``fixed.x = TRUE``): ``z_i - zhat_i`` with ``zhat`` the same moments of the rows whose
    non-covariates are replaced by their least-squares fit on the covariates, so that the
    covariates' sampling variability drops out (their moments are not random)."""
    n, p = X.shape
    x = list(x_idx)
    y = [k for k in range(p) if k not in x_idx]
    D = np.column_stack([np.ones(n), X[:, x]])
    coef, *_ = np.linalg.lstsq(D, X[:, y], rcond=None)
    Xhat = X.copy()
    Xhat[:, y] = D @ coef
    i, j = moment_index(p)
    mean, mean_hat = X.mean(axis=0), Xhat.mean(axis=0)
    k = len(i) + (p if meanstructure else 0)
    zz = np.zeros((k, k))
    zsum = np.zeros(k)
    for lo in range(0, n, _BLOCK):
        Yc = X[lo:lo + _BLOCK] - mean
        Hc = Xhat[lo:lo + _BLOCK] - mean_hat
        Z = Yc[:, i] * Yc[:, j] - Hc[:, i] * Hc[:, j]
        if meanstructure:
            Z = np.hstack([X[lo:lo + _BLOCK] - Xhat[lo:lo + _BLOCK], Z])
        zz += Z.T @ Z
        zsum += Z.sum(axis=0)
    zbar = zsum / n
    return zz / n - np.outer(zbar, zbar)


@dataclass
class GroupMoments:
    """One group's pieces in moment space."""

    f: float  # N_g / N
    delta: np.ndarray  # moments x parameters
    A: np.ndarray  # normal-theory weight at the model's moments
    Gamma: np.ndarray  # sample Gamma (NACOV)
    A1: np.ndarray | None = None  # normal-theory weight at the sample moments (MLR)
    Gamma_model: np.ndarray | None = None  # Gamma about the model's moments (MLR)
    # fixed.x: the moments of the exogenous covariates (their means and vech(S_xx)), which
    # lavaan's h1 information leaves out (zero rows and columns)
    x_moments: np.ndarray | None = None
    x_idx: tuple[int, ...] = ()

    @property
    def A_x(self) -> np.ndarray:
        """``A`` without the covariates' moments (lavaan's WLS.V with fixed.x)."""
        if self.x_moments is None or not self.x_moments.any():
            return self.A
        keep = (~self.x_moments).astype(float)
        return self.A * np.outer(keep, keep)

    def h1_trace(self) -> float:
        """lavaan's ``trace.h1 = tr(B1 A1^-1)`` with ``B1 = A1 Gamma A1``; with fixed.x
        ``A1^-1`` is the inverse of A1 without the covariates' moments (zero there)."""
        assert self.A1 is not None
        if self.x_moments is None or not self.x_moments.any():
            return float(np.sum(self.A1 * self.Gamma))
        keep = ~self.x_moments
        A1_inv = np.linalg.inv(self.A1[np.ix_(keep, keep)])
        B1 = self.A1 @ self.Gamma @ self.A1
        return float(np.sum(B1[np.ix_(keep, keep)] * A1_inv))


def robust_vcov(se: str, groups: list[GroupMoments], E_inv: np.ndarray,
                H_inv: np.ndarray | None, N: int) -> np.ndarray:
    """The sandwich covariance of the parameters (``robust.sem`` or ``robust.huber.white``)."""
    gammas = [g.Gamma if se == "robust.sem" else g.Gamma_model for g in groups]
    assert all(gam is not None for gam in gammas)
    # robust.sem's weight leaves out the fixed covariates' moments (A_x)
    weights = [g.A_x if se == "robust.sem" else g.A for g in groups]
    meat = sandwich_meat([g.delta for g in groups], weights, gammas, [g.f for g in groups])
    bread = E_inv if se == "robust.sem" else H_inv
    assert bread is not None
    V = bread @ meat @ bread / N
    return (V + V.T) / 2.0


@dataclass
class Scaling:
    """A scaled test: ``chisq_scaled = chisq / factor + shift`` on ``df`` degrees of freedom;
    ``trace`` is ``tr(U Gamma)`` (lavaan's ``trace.UGamma``)."""

    factor: float
    df: float
    shift: float
    trace: float

    def scaled(self, chisq: float) -> float:
        return chisq / self.factor + self.shift

    def c_hat(self, df: float) -> float:
        """The scaling of the "robust" indices (Brosseau-Liard & Savalei; lavaan's c.hat)."""
        if self.shift:
            return self.factor * (df - self.shift) / df
        return self.factor


def _finish(test: str, trace: float, trace2: float, df: float) -> Scaling:
    if test == "scaled.shifted":
        a = math.sqrt(df / trace2)
        factor = 1.0 / a
        return Scaling(factor if factor >= 0 else math.nan, df, df - a * trace, trace)
    factor = trace / df
    return Scaling(factor if factor >= 0 else math.nan, df, 0.0, trace)


def scaling(test: str, groups: list[GroupMoments], E_inv: np.ndarray,
            H_inv: np.ndarray | None, df: float) -> Scaling:
    """The scaled test of the model (lavaan's ``lav_test_satorra_bentler`` and
    ``lav_test_yuan_bentler_mplus_trace``); a negative factor is NaN (lavaan)."""
    if df <= 0:
        return Scaling(math.nan, df, 0.0, math.nan)
    if test == "yuan.bentler.mplus":
        assert H_inv is not None
        trace = 0.0
        for g in groups:
            assert g.A1 is not None and g.Gamma_model is not None
            AD = g.A @ g.delta
            B0 = AD.T @ g.Gamma_model @ AD
            trace += g.h1_trace() - g.f * float(np.sum(B0 * H_inv))
        return _finish(test, trace, math.nan, df)
    # satorra.bentler and scaled.shifted: tr(U Gamma) and tr((U Gamma)^2) over all groups
    # at once (E^-1 couples them), the (D)WLS family's algebra with the weight A (without
    # the fixed covariates' moments, A_x)
    traces = ugamma_traces([g.delta for g in groups], [g.A_x for g in groups],
                           [g.Gamma for g in groups], [g.f for g in groups], E_inv)
    return _finish(test, traces.trace, traces.trace2, df)


def baseline_scaling(test: str, groups: list[GroupMoments], S: list[np.ndarray],
                     meanstructure: bool, df: float) -> Scaling:
    """The scaled test of the independence (baseline) model: free variances (and means),
    zero covariances, estimated at ``diag(S)``; its groups share no parameter."""
    trace = trace2 = 0.0
    for g, S_g in zip(groups, S, strict=True):
        p = len(S_g)
        i, j = moment_index(p)
        n_mean = p if meanstructure else 0
        delta = np.zeros((n_mean + len(i), n_mean + p))
        if meanstructure:
            delta[np.arange(p), np.arange(p)] = 1.0
        diag_rows = np.flatnonzero(i == j)
        delta[n_mean + diag_rows, n_mean + i[diag_rows]] = 1.0
        # fixed.x: the baseline keeps the covariates' block at its sample values
        x = list(g.x_idx)
        sigma_b = np.diag(np.diag(S_g))
        if x:
            sigma_b[np.ix_(x, x)] = S_g[np.ix_(x, x)]
            y = np.array([k not in g.x_idx for k in range(p)])
            delta = delta[:, np.concatenate([y, y]) if meanstructure else y]
        A = nt_weight(sigma_b, meanstructure)
        AD = A @ delta
        E_inv = np.linalg.inv(g.f * delta.T @ AD)  # this group's block of the baseline's E^-1
        if test == "yuan.bentler.mplus":
            assert g.A1 is not None
            # Gamma about the baseline's moments (mean, vech diag S): the covariances' shift
            off = np.concatenate([np.zeros(n_mean), S_g[i, j] - sigma_b[i, j]])
            B0 = AD.T @ (g.Gamma + np.outer(off, off)) @ AD
            trace += g.h1_trace() - g.f * float(np.sum(B0 * E_inv))
            continue
        # the baseline's groups share no parameter: the traces are sums of one-group ones
        traces = ugamma_traces([delta], [A], [g.Gamma], [1])
        trace += traces.trace
        trace2 += traces.trace2
    return _finish(test, trace, trace2, df)


def casewise_crossprod(X: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``(1/N) sum_i g_i g_i'`` of the case-wise scores of the normal log-likelihood of
    incomplete rows (NaN: not observed) in the moments ``(mu, vech Sigma)``: for the
    observed part ``o`` of row i, ``d = x_o - mu_o``, ``W = Sigma_oo^-1``, the mean score is
    ``W d`` and the score of ``sigma_jk`` is ``M_jk`` (``M_jj / 2``) with
    ``M = W d d' W - W`` (lavaan's ``lav_mvnorm_missing_scores_mu_vech_sigma``).

    The patterns with the same number of observed items are inverted in one batched call;
    the rows' scores are then formed in blocks of rows, embedded (zero where an item is
    missing) so that each block adds one ``G'G`` product, with no loop over patterns."""
    n, p = X.shape
    i, j = moment_index(p)
    half = np.where(i == j, 0.5, 1.0)
    k_all = p + len(i)
    observed = ~np.isnan(X)
    D = np.where(observed, X - mu, 0.0)
    packed = np.packbits(observed, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    pat_obs = observed[first]
    k_of = pat_obs.sum(axis=1)
    out = np.zeros((k_all, k_all))
    for k in np.unique(k_of):
        pats = np.flatnonzero(k_of == k)
        g = len(pats)
        obs = np.nonzero(pat_obs[pats])[1].reshape(g, k)
        W = np.linalg.inv(sigma[obs[:, :, None], obs[:, None, :]])
        loc = np.full((g, p), -1)
        loc[np.arange(g)[:, None], obs] = np.arange(k)
        la, lb = loc[:, i], loc[:, j]
        both = (la >= 0) & (lb >= 0)
        Wp = np.where(both, W[np.arange(g)[:, None], np.maximum(la, 0), np.maximum(lb, 0)],
                      0.0)
        local = np.full(len(first), -1)
        local[pats] = np.arange(g)
        rows = np.flatnonzero(local[inverse] >= 0)
        pid = local[inverse[rows]]
        step = max(1, _CASE_CHUNK // (k * k + k_all))
        for lo in range(0, len(rows), step):
            rc, pc = rows[lo:lo + step], pid[lo:lo + step]
            oc = obs[pc]
            wd = np.einsum("rij,rj->ri", W[pc], D[rc[:, None], oc])
            U = np.zeros((len(rc), p))
            U[np.arange(len(rc))[:, None], oc] = wd
            G = np.empty((len(rc), k_all))
            G[:, :p] = U
            G[:, p:] = (U[:, i] * U[:, j] - Wp[pc]) * half
            out += G.T @ G
    return out / n


# elements of the per-block arrays of casewise_crossprod (about 32 MB)
_CASE_CHUNK = 4_000_000


def positive(value: float) -> float:
    return value if value >= 0 else math.nan


def saturated_hessian(sample: Sample, mu: np.ndarray, sigma: np.ndarray,
                       pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The observed information (per observation) of the FIML likelihood at ``(mu, sigma)``
    in the moments ``(mu, the sigma entries in pairs)``: a model without factors whose
    parameters are those moments (the unrestricted model h1, or the independence model)."""
    i, j = pairs
    p = len(mu)
    ov = sample.ov
    rows = [Row(ov[a], "~1", "", NU, a, a, True, math.nan, "", False, par=a) for a in range(p)]
    rows += [Row(ov[a], "~~", ov[b], THETA, a, b, True, math.nan, "", False, par=p + t)
             for t, (a, b) in enumerate(zip(i, j, strict=True))]
    model = Model(rows, ov, [], p + len(i))
    objective = FIMLObjective(model, sample)
    x = np.concatenate([mu, sigma[i, j]])
    st = objective.state(x)
    if st is None:
        raise DataError("the unrestricted model's covariance matrix is not positive "
                        "definite; the robust (MLR) test is not available")
    _, _, H = objective.derivatives(x, st, True)
    assert H is not None
    return H


def robust_fiml(models: list[Model], samples: list[Sample], x: np.ndarray,
                 H_inv: np.ndarray, N: int) -> tuple[np.ndarray, tuple[float, float]]:
    """MLR under FIML (lavaan's defaults): the Huber-White covariance ``H^-1 B H^-1 / N``
    from the observed information H and the case-wise scores' cross-products B, and the
    traces of the Yuan-Bentler (Mplus) test for the model and the independence model:
    ``tr(B_1 A_1^-1) - f_g tr(B_0 H^-1)`` with A_1, B_1 of the unrestricted model at its EM
    estimates."""
    q = H_inv.shape[0]
    meat = np.zeros((q, q))
    trace = trace_b = 0.0
    for model, sample in zip(models, samples, strict=True):
        assert sample.data is not None and sample.mean is not None
        f = sample.n / N
        X = sample.data
        p = len(sample.ov)
        i, j = moment_index(p)
        sigma, mu = model.implied(x)
        delta = jacobian(model, x, True)
        B0 = delta.T @ casewise_crossprod(X, mu, sigma) @ delta
        meat += f * B0
        x_idx = exogenous_idx(model)
        # fixed.x: lavaan's h1 information leaves out the covariates' moments
        h1_keep = ~x_moments(p, x_idx, True)
        A1 = saturated_hessian(sample, sample.mean, sample.cov, (i, j))
        B1 = casewise_crossprod(X, sample.mean, sample.cov)
        h1 = float(np.sum(B1[np.ix_(h1_keep, h1_keep)]
                          * np.linalg.inv(A1[np.ix_(h1_keep, h1_keep)]).T))
        trace += h1 - f * float(np.sum(B0 * H_inv.T))
        # independence model: each item's mean and variance over its observed rows (the
        # covariates' block, with fixed.x, at its sample moments and not estimated)
        m_b = np.nanmean(X, axis=0)
        s_b = np.diag(np.nanvar(X, axis=0))
        cov_pairs = i == j
        if x_idx:
            xs = list(x_idx)
            s_b[np.ix_(xs, xs)] = sample.cov[np.ix_(xs, xs)]
            cov_pairs |= x_moments(p, x_idx, False)
        y = np.array([k not in x_idx for k in range(p)])
        pairs = (i[cov_pairs], j[cov_pairs])
        H_b = saturated_hessian(sample, m_b, s_b, pairs)
        free_b = np.concatenate([y, (pairs[0] == pairs[1]) & y[pairs[0]]])
        H_b = H_b[np.ix_(free_b, free_b)]
        keep = np.concatenate([np.flatnonzero(y), p + np.flatnonzero((i == j) & y[i])])
        B0_b = casewise_crossprod(X, m_b, s_b)[np.ix_(keep, keep)]
        trace_b += h1 - float(np.sum(B0_b * np.linalg.inv(H_b).T))
    V = H_inv @ meat @ H_inv / N
    return (V + V.T) / 2.0, (trace, trace_b)


def exogenous_idx(model: Model) -> tuple[int, ...]:
    """The places in ``model.ov`` of the exogenous covariates (fixed.x)."""
    names = {model.lv[f] for f in np.flatnonzero(model.exo)}
    return tuple(k for k, name in enumerate(model.ov) if name in names)


def x_moments(p: int, x_idx: tuple[int, ...], meanstructure: bool) -> np.ndarray:
    """Which of the moments ``(mean, vech S)`` belong to the exogenous covariates only."""
    i, j = moment_index(p)
    x = np.zeros(p, dtype=bool)
    x[list(x_idx)] = True
    cov = x[i] & x[j]
    return np.concatenate([x, cov]) if meanstructure else cov


def robust_pieces(models: list[Model], samples: list[Sample], x: np.ndarray,
                   estimator: str) -> list[GroupMoments]:
    """Each group's Delta, weights and Gammas (one blocked pass over its rows per Gamma)."""
    N = sum(smp.n for smp in samples)
    out = []
    for model, sample in zip(models, samples, strict=True):
        assert (sample.data is not None or sample.fourth is not None) and \
            sample.mean is not None
        ms = model.meanstructure
        sigma, mu = model.implied(x)
        piece = GroupMoments(sample.n / N, jacobian(model, x, ms), nt_weight(sigma, ms),
                            _gamma(sample, sample.mean, None, ms))
        piece.x_idx = exogenous_idx(model)
        piece.x_moments = x_moments(len(model.ov), piece.x_idx, ms)
        if piece.x_idx and estimator in ("MLM", "MLMV"):
            if sample.data is not None:
                piece.Gamma = gamma_fixed_x(sample.data, piece.x_idx, ms)
            else:  # the same Gamma, linear in the fourth-order moments
                from psychometrics.structural.samplestats_moments import (
                    gamma_fixed_x_from_fourth,
                )

                assert sample.fourth is not None
                piece.Gamma = gamma_fixed_x_from_fourth(sample.fourth, piece.x_idx, ms)
        if estimator == "MLR":
            piece.A1 = nt_weight(sample.cov, ms)
            if ms:
                piece.Gamma_model = _gamma(sample, mu, sigma, ms)
            else:  # centred at the sample mean: Gamma moves by (vech S - vech Sigma) only
                i, j = moment_index(len(sigma))
                shift = sample.cov[i, j] - sigma[i, j]
                piece.Gamma_model = piece.Gamma + np.outer(shift, shift)
        out.append(piece)
    return out


def _gamma(sample: Sample, mu: np.ndarray, sigma: np.ndarray | None,
           meanstructure: bool) -> np.ndarray:
    """:func:`gamma` of the sample's rows, or from its fourth-order moments."""
    if sample.data is not None:
        return gamma(sample.data, mu, sigma, meanstructure)
    from psychometrics.structural.samplestats_moments import gamma_from_fourth

    assert sample.fourth is not None
    return gamma_from_fourth(sample.fourth, mu, sigma, meanstructure)
