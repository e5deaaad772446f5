"""Factor extraction on a correlation (or covariance) matrix, exactly as ``psych::fa``
(psych 2.2.9, internal function ``fac``).

With ``S`` the matrix, ``psi`` the uniquenesses and ``L`` the first ``k`` eigenvectors of
``S - diag(psi)`` scaled by the square roots of their (non-negative) eigenvalues:

- ``minres``: minimises the sum of squared off-diagonal residuals of ``S - LL'`` over
  ``psi`` (psych's ``fit.residuals``), using psych's gradient ``diag(LL' + diag(psi) - S)``;
  L-BFGS-B with bounds ``[0.005, 1]``, started at ``1 - SMC``.
- ``uls``: as minres, but the squared residuals include the diagonal (psych's ``uls``; same
  gradient and start).
- ``ols``: psych's ``FA.OLS``, ``sum((S - LL')^2) / 2`` with the diagonal of the model set
  to that of ``S``, minimised with R's finite-difference gradient (``ndeps = 1e-3``).
- ``wls``: squared residuals weighted by ``1 / (s^ii s^jj)`` (the diagonal of ``S^-1``);
  ``gls``: ``sum((S^-1 (S - LL'))^2)``; ``minchi``: squared residuals weighted by the
  pairwise numbers of observations (raw data only). These three start at ``psi = SMC`` and
  use psych's ``FAgr.minres2`` (the likelihood-type gradient, not the gradient of their
  criterion), as psych; minchi's loadings are then the ML loadings of ``psi`` (psych's
  ``FAout``), the others' those of ``S - diag(psi)``.
- ``ml``: minimises ``-sum_{j>k} (log e_j - e_j) + k - p`` where ``e`` are the eigenvalues of
  ``Psi^-1/2 S Psi^-1/2`` (psych's ``FAfn`` with its analytic gradient ``FAgr``).
- ``pa``: principal axis iterations from SMC communalities until the total communality
  changes by less than ``min_err`` (0.001), at most ``max_iter`` (50) times.
- ``alpha``: Kaiser & Caffrey's alpha factoring, psych's iterations: the reduced matrix is
  rescaled to unit diagonal, factored, and the communalities multiplied by the model's
  until they change by less than ``min_err``.

The optimiser settings mirror R's ``optim(method="L-BFGS-B")`` as psych calls it:
``parscale = 0.01``, ``factr = 1e7``, ``pgtol = 0``, ``lmm = 5``, ``maxit = 100``.

References
----------
Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
Research. R package version 2.2.9.
Harman, H. H. & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
Psychometrika, 31, 351-368.
Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
Psychometrika, 32, 443-482.
Kaiser, H. F. & Caffrey, J. (1965). Alpha factor analysis. Psychometrika, 30, 1-14.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cor_smooth, smc

__all__ = ["METHODS", "Extraction", "extract"]

METHODS = ("minres", "uls", "ols", "wls", "gls", "minchi", "ml", "pa", "alpha")
# psych's column prefixes; psych leaves ols factors unnamed, OLS is ours
_PREFIX = {"minres": "MR", "uls": "ULS", "ols": "OLS", "wls": "WLS", "gls": "GLS",
           "minchi": "MC", "ml": "ML", "pa": "PA", "alpha": "alpha"}
_EPS = float(np.finfo(float).eps)
_LOWER = 0.005  # psych's lower bound on the uniquenesses
_PARSCALE = 0.01
_FACTR = 1e7
_SINGULAR = 1e-10  # smallest eigenvalue below which the likelihood's logs are unreliable


@dataclass(frozen=True)
class Extraction:
    """Unrotated factor solution.

    Attributes
    ----------
    loadings : ndarray (p, k)
        Unrotated loadings, each column's sum made positive as psych does.
    psi : ndarray (p,)
        Uniquenesses the optimiser found (``1 - psych$communalities`` for minres/ml); for
        ``pa`` the final ``1 - diag(LL')``.
    values : ndarray (p,)
        Eigenvalues of ``R`` with the model communalities on the diagonal (psych ``values``).
    e_values : ndarray (p,)
        Eigenvalues of ``R`` (psych ``e.values``).
    method, prefix : str
        The method and psych's column prefix (``MR``, ``ML``, ``PA``).
    n_iter : int
        Iterations used.
    converged : bool
        Whether the method's convergence rule was met.
    criterion : float
        Final value of the minimised function (minres/ml); NaN for pa.
    """

    loadings: np.ndarray
    psi: np.ndarray
    values: np.ndarray
    e_values: np.ndarray
    method: str
    prefix: str
    n_iter: int
    converged: bool
    criterion: float

    @property
    def communalities(self) -> np.ndarray:
        """``diag(LL')`` of the unrotated solution."""
        return np.sum(self.loadings**2, axis=1)


def _top_eigen(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(s)
    return values[::-1][:k], vectors[:, ::-1][:, :k]


# ---- minres --------------------------------------------------------------------------------


def _minres_objective(psi: np.ndarray, r: np.ndarray, k: int, lower: np.ndarray) -> float:
    s = r.copy()
    s[np.diag_indices_from(s)] = 1.0 - psi
    values, vectors = _top_eigen(s, k)
    values = np.where(values < _EPS, 100 * _EPS, values)
    load = vectors * np.sqrt(values)
    resid = (s - load @ load.T)[lower]
    return float(np.sum(resid * resid))


def _minres_gradient(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    load = _loadings_uls(psi, r, k)
    return np.sum(load * load, axis=1) + psi - np.diag(r)


def _loadings_uls(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    values, vectors = _top_eigen(r - np.diag(psi), k)
    return vectors * np.sqrt(np.maximum(values, 0.0))


def _uls_objective(psi: np.ndarray, r: np.ndarray, k: int) -> float:
    s = r.copy()
    s[np.diag_indices_from(s)] = 1.0 - psi
    values, vectors = _top_eigen(s, k)
    values = np.where(values < _EPS, 100 * _EPS, values)
    load = vectors * np.sqrt(values)
    resid = s - load @ load.T
    return float(np.sum(resid * resid))


def _weighted_objective(psi: np.ndarray, r: np.ndarray, k: int, method: str,
                        s_inv: np.ndarray | None, np_obs: np.ndarray | None) -> float:
    """psych's ``fit.residuals`` for wls, gls and minchi."""
    s = r.copy()
    s[np.diag_indices_from(s)] = 1.0 - psi
    values, vectors = _top_eigen(s, k)
    values = np.where(values < _EPS, 100 * _EPS, values)
    load = vectors * np.sqrt(values)
    resid = s - load @ load.T
    if method == "wls":
        assert s_inv is not None
        d = 1.0 / np.diag(s_inv)
        out = resid * resid * d[:, None] * d[None, :]
    elif method == "gls":
        assert s_inv is not None
        g = s_inv @ resid
        out = g * g
    else:
        assert np_obs is not None
        out = resid * resid * np_obs
        np.fill_diagonal(out, 0.0)
    return float(np.sum(out))


def _ols_objective(psi: np.ndarray, r: np.ndarray, k: int) -> float:
    """psych's ``FA.OLS``."""
    values, vectors = _top_eigen(r - np.diag(psi), k)
    load = vectors * np.sqrt(np.maximum(values, 0.0))
    model = load @ load.T
    np.fill_diagonal(model, np.diag(r))
    d = r - model
    return float(np.sum(d * d) / 2)


def _ml_type_gradient(psi: np.ndarray, r: np.ndarray, k: int,
                      np_obs: np.ndarray | None = None) -> np.ndarray:
    """psych's ``FAgr.minres2`` (wls, gls, minchi): the ML gradient, the residual weighted
    by the pairwise counts for minchi."""
    load = _loadings_ml(psi, r, k)
    g = load @ load.T + np.diag(psi) - r
    if np_obs is not None:
        g = g * np_obs
    return np.diag(g) / psi**2


# ---- ml ------------------------------------------------------------------------------------


def _ml_objective(psi: np.ndarray, r: np.ndarray, k: int) -> float:
    sc = 1.0 / np.sqrt(psi)
    e = np.linalg.eigvalsh(r * sc[:, None] * sc[None, :])[::-1][k:]
    return float(-(np.sum(np.log(e) - e) - k + r.shape[0]))


def _ml_gradient(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    load = _loadings_ml(psi, r, k)
    return (np.sum(load * load, axis=1) + psi - np.diag(r)) / psi**2


def _loadings_ml(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    sq = np.sqrt(psi)
    values, vectors = _top_eigen(r / sq[:, None] / sq[None, :], k)
    return sq[:, None] * vectors * np.sqrt(np.maximum(values - 1.0, 0.0))


def _finite_difference(fun, lower: float, upper: float, ndeps: float = 1e-3):
    """R's ``optim`` gradient without an analytic one (``fmingr``): central differences of
    step ``ndeps`` on the scaled parameters, shortened at the bounds."""
    def grad(y: np.ndarray) -> np.ndarray:
        out = np.empty_like(y)
        x = y.copy()
        for i in range(y.size):
            up = min(y[i] + ndeps, upper)
            down = max(y[i] - ndeps, lower)
            x[i] = up
            f1 = fun(x)
            x[i] = down
            f2 = fun(x)
            x[i] = y[i]
            out[i] = (f1 - f2) / (up - down)
        return out

    return grad


def _lbfgsb(fun, grad, start: np.ndarray, max_iter: int,
            upper: float = 1.0) -> tuple[np.ndarray, int, bool, float]:
    """R's ``optim(method="L-BFGS-B", control=list(parscale=0.01))`` with psych's bounds
    (``upper = max(SMC, 1)``). ``grad=None`` uses R's finite differences."""
    scale = _PARSCALE
    scaled = lambda y: fun(y * scale)  # noqa: E731
    jac = (_finite_difference(scaled, _LOWER / scale, upper / scale) if grad is None
           else (lambda y: grad(y * scale) * scale))
    res = minimize(
        scaled,
        start / scale,
        jac=jac,
        method="L-BFGS-B",
        bounds=[(_LOWER / scale, upper / scale)] * start.size,
        options={"maxcor": 5, "ftol": _FACTR * _EPS, "gtol": 0.0, "maxiter": max_iter},
    )
    converged = bool(res.success) or "ABNORMAL" in str(res.message).upper()
    if int(res.nit) >= max_iter and not res.success:
        converged = False
    return np.asarray(res.x) * scale, int(res.nit), converged, float(res.fun)


# ---- principal axis ------------------------------------------------------------------------


def _principal_axis(
    r: np.ndarray, k: int, min_err: float, max_iter: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """psych's loop; also returns the eigenvalues of the last iteration's reduced matrix
    (psych reports those, computed before the final communality update, as ``values``)."""
    rmat = r.copy()
    rmat[np.diag_indices_from(rmat)] = smc(r) if start is None else start
    comm = float(np.trace(rmat))
    err = comm
    i = 1
    converged = True
    load = np.zeros((r.shape[0], k))
    all_values = np.linalg.eigvalsh(rmat)[::-1]
    while err > min_err:
        all_values, all_vectors = np.linalg.eigh(rmat)
        all_values, all_vectors = all_values[::-1], all_vectors[:, ::-1]
        values, vectors = all_values[:k], all_vectors[:, :k]
        with np.errstate(invalid="ignore"):
            load = vectors * np.sqrt(values)
        new = np.sum(load * load, axis=1)
        comm1 = float(np.sum(new))
        rmat[np.diag_indices_from(rmat)] = new
        err = abs(comm - comm1)
        if np.isnan(err):
            raise np.linalg.LinAlgError(
                "principal axis factoring met a negative eigenvalue (imaginary loadings)"
            )
        comm = comm1
        i += 1
        if i > max_iter:
            converged = err <= min_err
            break
    return load, all_values, i - 1, converged


def _alpha_factoring(
    r: np.ndarray, k: int, min_err: float, max_iter: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int, bool, np.ndarray]:
    """psych's alpha factoring loop; returns ``(loadings, values, n_iter, converged, H2)``
    with psych's ``values`` (``sqrt(H2)`` times the last eigenvalues, elementwise as psych)
    and ``H2`` the last communality estimates (their sum is psych's ``communalities``;
    they differ from ``diag(LL')``, which is one update further)."""
    rmat = r.copy()
    h2 = smc(r) if start is None else start.copy()
    rmat[np.diag_indices_from(rmat)] = h2
    err = float(np.sum(h2))
    i = 1
    converged = True
    load = np.zeros((r.shape[0], k))
    values = np.zeros(r.shape[0])
    while err > min_err:
        d = 1.0 / np.sqrt(np.diag(rmat))
        rc = rmat * d[:, None] * d[None, :]
        values, vectors = np.linalg.eigh(rc)
        values, vectors = values[::-1], vectors[:, ::-1]
        with np.errstate(invalid="ignore"):
            load = vectors[:, :k] * np.sqrt(values[:k])
        new = h2 * np.sum(load * load, axis=1)
        err = float(np.sum(np.abs(h2 - new)))
        if np.isnan(err):
            raise np.linalg.LinAlgError(
                "alpha factoring met a negative eigenvalue (imaginary loadings)")
        rmat = r.copy()
        rmat[np.diag_indices_from(rmat)] = new
        h2 = new
        i += 1
        if i > max_iter:
            converged = err <= min_err
            break
    return np.sqrt(h2)[:, None] * load, np.sqrt(h2) * values, i - 1, converged, h2


# ---- driver --------------------------------------------------------------------------------


def extract(
    r: np.ndarray,
    n_factors: int,
    method: str = "minres",
    *,
    names: Sequence[str] | None = None,
    max_iter: int | None = None,
    min_err: float = 0.001,
    warn: bool = True,
    np_obs: np.ndarray | None = None,
    covar: bool = False,
    smc_start: bool = True,
) -> Extraction:
    """Extract ``n_factors`` unrotated factors from the correlation matrix ``r``.

    Parameters
    ----------
    r : ndarray (p, p)
        Correlation matrix (or covariance matrix with ``covar=True``).
    n_factors : int
        Number of factors, ``1 <= n_factors <= p``.
    method : {"minres", "uls", "ols", "wls", "gls", "minchi", "ml", "pa", "alpha"}
        Extraction method (psych's ``fm``).
    names : sequence of str, optional
        Item names for warnings.
    max_iter : int, optional
        Iteration limit: L-BFGS-B iterations for minres/ml (R's default 100), principal-axis
        iterations for pa (psych's ``max.iter = 50``).
    min_err : float
        Principal-axis convergence: change in the total communality.
    warn : bool
        Emit :class:`~psychometrics.errors.NumericalWarning` on non-convergence and Heywood
        cases.
    np_obs : ndarray (p, p), optional
        Pairwise numbers of observations (``minchi`` needs them).
    covar : bool
        ``r`` is a covariance matrix (psych's ``covar = TRUE``): SMCs are scaled by the
        variances (``psych::smc(S, covar = TRUE)``) and the upper bound of the uniquenesses
        is ``max(SMC, 1)``.
    smc_start : bool
        Start principal axes and alpha factoring at the SMCs (psych's ``SMC = TRUE``) or
        at the diagonal of ``r`` (``SMC = FALSE``, as ``fa.parallel`` uses for its random
        data). The optimising methods start at the SMCs either way, as psych.

    Returns
    -------
    Extraction

    Examples
    --------
    >>> import numpy as np
    >>> from psychometrics.factor.extraction import extract
    >>> lam = np.array([0.8, 0.7, 0.6, 0.5])
    >>> r = np.outer(lam, lam); np.fill_diagonal(r, 1.0)
    >>> fit = extract(r, 1, "minres")
    >>> np.round(fit.loadings[:, 0], 3)
    array([0.8, 0.7, 0.6, 0.5])
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    names = list(names) if names is not None else [f"V{i + 1}" for i in range(p)]
    k = int(n_factors)
    criterion = float("nan")
    pa_values: np.ndarray | None = None
    if method == "ml" and np.linalg.eigvalsh(r)[0] < _SINGULAR:
        # the likelihood needs log-eigenvalues; psych's optim call fails here
        if warn:
            warnings.warn(
                "maximum likelihood needs a positive definite correlation matrix; it was "
                "smoothed as psych::cor.smooth before extraction",
                NumericalWarning,
                stacklevel=3,
            )
        r = cor_smooth(r, 1e-12, threshold=_SINGULAR)[0]
    if method == "minchi" and np_obs is None:
        raise ValueError("minchi weights the residuals by the pairwise numbers of "
                         "observations, which a matrix does not have; give the raw data or "
                         "use minres (psych falls back to minres here)")
    s_smc = smc(r) * (np.diag(r) if covar else 1.0)
    upper = max(float(np.max(s_smc)), 1.0)
    if method == "pa":
        load, pa_values, n_iter, converged = _principal_axis(
            r, k, min_err, max_iter or 50, s_smc if smc_start else np.diag(r).copy())
        psi = np.diag(r) - np.sum(load * load, axis=1)
    elif method == "alpha":
        load, pa_values, n_iter, converged, h2_est = _alpha_factoring(
            r, k, min_err, max_iter or 50, s_smc if smc_start else np.diag(r).copy())
        psi = np.diag(r) - h2_est
    else:
        start = np.diag(r) - s_smc
        if not covar and float(np.sum(s_smc)) == k and k > 1:
            start = np.full(p, 0.5)  # psych: rep(.5, nf), which R recycles to p values
        its = max_iter or 100
        if method in ("minres", "uls"):
            lower = np.tril_indices(p, -1)
            fun = ((lambda x: _minres_objective(x, r, k, lower)) if method == "minres"
                   else (lambda x: _uls_objective(x, r, k)))
            psi, n_iter, converged, criterion = _lbfgsb(
                fun, lambda x: _minres_gradient(x, r, k), start, its, upper)
            load = _loadings_uls(psi, r, k)
        elif method == "ols":
            psi, n_iter, converged, criterion = _lbfgsb(
                lambda x: _ols_objective(x, r, k), None, start, its, upper)
            load = _loadings_uls(psi, r, k)
        elif method in ("wls", "gls", "minchi"):
            s_inv = np.linalg.inv(r) if method in ("wls", "gls") else None
            w = np_obs.astype(float) if method == "minchi" and np_obs is not None else None
            psi, n_iter, converged, criterion = _lbfgsb(
                lambda x: _weighted_objective(x, r, k, method, s_inv, w),
                lambda x: _ml_type_gradient(x, r, k, w),
                s_smc.copy(), its, upper)
            # psych: FAout.wls for wls and gls, the ML loadings (FAout) for minchi
            load = _loadings_ml(psi, r, k) if method == "minchi" else _loadings_uls(psi, r, k)
        else:
            psi, n_iter, converged, criterion = _lbfgsb(
                lambda x: _ml_objective(x, r, k),
                lambda x: _ml_gradient(x, r, k),
                start,
                its,
                upper,
            )
            load = _loadings_ml(psi, r, k)
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1.0
    load = load * signs
    load[load == 0] = 1e-15
    model_diag = np.sum(load * load, axis=1)
    s = r.copy()
    s[np.diag_indices_from(s)] = model_diag
    values = pa_values if pa_values is not None else np.linalg.eigvalsh(s)[::-1]
    e_values = np.linalg.eigvalsh(r)[::-1]
    if warn:
        _warn_problems(method, names, psi, model_diag, converged, n_iter, np.diag(r))
    return Extraction(
        loadings=load,
        psi=psi,
        values=values,
        e_values=e_values,
        method=method,
        prefix=_PREFIX[method],
        n_iter=n_iter,
        converged=converged,
        criterion=criterion,
    )


def _warn_problems(
    method: str,
    names: list[str],
    psi: np.ndarray,
    h2: np.ndarray,
    converged: bool,
    n_iter: int,
    variances: np.ndarray | None = None,
) -> None:
    if not converged:
        warnings.warn(
            f"{method} factor extraction did not converge in {n_iter} iterations; "
            f"the solution may be inaccurate (raise max_iter)",
            NumericalWarning,
            stacklevel=4,
        )
    var = np.ones(len(names)) if variances is None else variances
    heywood = [n for n, h, v in zip(names, h2, var, strict=True) if h >= v]
    if heywood:
        warnings.warn(
            "Heywood case: communality >= 1 (uniqueness <= 0) for "
            + ", ".join(heywood)
            + "; examine the solution carefully",
            NumericalWarning,
            stacklevel=4,
        )
    if method not in ("pa", "alpha"):
        bound = [
            n for n, u, h, v in zip(names, psi, h2, var, strict=True)
            if u <= _LOWER * (1 + 1e-8) and h < v
        ]
        if bound:
            warnings.warn(
                "Heywood case: uniqueness at its lower bound 0.005 for "
                + ", ".join(bound)
                + "; the item's communality is constrained",
                NumericalWarning,
                stacklevel=4,
            )
