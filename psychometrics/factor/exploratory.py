"""Exploratory factor analysis matching ``psych::fa`` (psych 2.2.9 with GPArotation).

The pipeline is psych's: correlations (pairwise by default), unrotated extraction
(:mod:`~psychometrics.factor.extraction`), column signs made positive, rotation
(:mod:`~psychometrics.factor.rotation`), signs made positive again, factors ordered by the
variance they account for while keeping the names of the unrotated order (``MR2 MR1 MR3``),
and psych's ``factor.stats`` for the fit.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special, stats

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import (
    CorrelationInput,
    cor_smooth,
    min_eigenvalue,
    prepare_correlation,
    small_matrix_blas,
    warn_few_respondents,
)
from psychometrics.factor.extraction import METHODS, Extraction, extract
from psychometrics.factor.rotation import Rotation, check_rotation, rotate
from psychometrics.results import ResultMixin, format_number

__all__ = ["EFAResult", "efa"]

# psych's factor.scores methods; "regression" is psych's alias of "Thurstone", and
# "bartlett" our earlier spelling of "Bartlett"
_EPS = float(np.finfo(float).eps)
_SCORES = (None, "regression", "Thurstone", "tenBerge", "Anderson", "Bartlett", "bartlett",
           "Harman", "components")


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EFAResult(ResultMixin):
    """Result of :func:`efa`.

    Attributes
    ----------
    loadings : DataFrame
        Pattern loadings (items x factors), columns in psych's order and names.
    structure : DataFrame
        Structure matrix ``loadings @ phi`` (equal to the loadings when orthogonal).
    phi : DataFrame or None
        Factor correlations (oblique rotations only).
    communalities, uniquenesses, complexity : Series
        ``h2`` (psych's ``$communality``, ``diag(L L')`` of the fitted loadings),
        ``u2 = 1 - h2`` and Hoffman's complexity ``(sum l^2)^2 / sum l^4`` per item.
    estimated_communalities : Series
        psych's ``$communalities``: one minus the uniquenesses the optimiser estimated
        (minres, ml and the other least-squares methods). It differs from ``communalities``
        when an item is at the optimiser's bound (a Heywood case). For ``pa`` and
        ``alpha`` it is the final iteration's communality of each item (psych reports
        their sum).
    variance : DataFrame
        psych's ``Vaccounted``: SS loadings, Proportion Var, Cumulative Var, Proportion
        Explained, Cumulative Proportion (the last three only with several factors). For an
        oblique solution the SS loadings are ``diag(Phi L'L)``.
    eigenvalues : DataFrame
        Eigenvalues of the correlation matrix (``R``) and of the reduced matrix with the
        communalities on its diagonal (``reduced``; psych's ``values``).
    residuals : DataFrame
        ``R - L Phi L'`` (diagonal: the uniquenesses).
    scores, score_weights : DataFrame or None
        Factor scores (raw data and ``scores`` given) and their weights.
    objective : float
        psych's ``objective``: ``tr(M^-1 R) - log det(M^-1 R) - p``.
    chi2, chi2_p, dof : float
        Likelihood chi-square (psych's ``STATISTIC``), its p value and degrees of freedom.
    chi2_empirical, chi2_empirical_p : float
        psych's empirical chi-square from the residuals (``chi``, ``EPVAL``).
    rmsea, rmsea_lower, rmsea_upper : float
        RMSEA with its 90% confidence interval.
    tli, bic, sabic : float
        Tucker-Lewis index, BIC and sample-size adjusted BIC (likelihood chi-square).
    rmsr, rmsr_corrected : float
        Root mean square of the off-diagonal residuals and its df-corrected version.
    null_chi2, null_dof : float
        The independence model.
    n_obs : int or None
        Rows of the data (pairwise deletion keeps them all) or the ``n_obs`` given.
    matrix_input : {None, "correlation", "covariance"}
        What was factored from: raw data (``None``) or the kind of matrix given.
    covar : bool
        The covariance matrix was factored (psych's ``covar = TRUE``); loadings,
        communalities and residuals are then in the items' units.
    rotation_criterion, n_starts, n_best_starts
        The rotation criterion at the solution (gradient-projection rotations), the
        starts tried and how many reached the lowest criterion.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame | None
    communalities: pd.Series
    uniquenesses: pd.Series
    complexity: pd.Series
    variance: pd.DataFrame
    eigenvalues: pd.DataFrame
    residuals: pd.DataFrame
    scores: pd.DataFrame | None
    score_weights: pd.DataFrame | None
    method: str
    rotation: str | None
    n_factors: int
    n_obs: int | None
    objective: float
    chi2: float
    chi2_p: float
    dof: float
    chi2_empirical: float
    chi2_empirical_p: float
    rmsea: float
    rmsea_lower: float
    rmsea_upper: float
    tli: float
    bic: float
    sabic: float
    rmsr: float
    rmsr_corrected: float
    null_chi2: float
    null_dof: float
    fit: float
    fit_off: float
    n_iter: int
    converged: bool
    estimated_communalities: pd.Series | None = None
    matrix_input: str | None = None
    covar: bool = False
    rotation_criterion: float = float("nan")
    n_starts: int = 1
    n_best_starts: int = 1
    _notes: tuple[str, ...] = field(default=(), repr=False)

    _title: ClassVar[str] = "Exploratory factor analysis"

    def summary(self, digits: int = 2, cut: float = 0.3) -> str:
        """psych-like printout; loadings with ``|l| < cut`` are blank."""
        rot = self.rotation or "no"
        n = "n unknown" if self.n_obs is None else f"n = {self.n_obs}"
        head = (f"{self._title}: {self.method} extraction, {rot} rotation, "
                f"{self.n_factors} factor{'s' if self.n_factors > 1 else ''} ({n})")
        lines = [head, "=" * len(head), ""]
        table = self.loadings.copy()
        width = digits + 3

        def cell(v: float) -> str:
            return " " * width if abs(v) < cut else f"{v:{width}.{digits}f}"

        shown = table.map(cell)
        shown["h2"] = self.communalities.map(lambda v: f"{v:.{digits}f}")
        shown["u2"] = self.uniquenesses.map(lambda v: f"{v:.{digits}f}")
        shown["com"] = self.complexity.map(lambda v: f"{v:.1f}")
        lines.append(f"Pattern loadings (|loading| < {cut:g} blank)")
        lines.append(shown.to_string())
        lines += ["", self.variance.round(digits).to_string()]
        if self.phi is not None:
            lines += ["", "Factor correlations", self.phi.round(digits).to_string()]
        lines += ["", "Fit"]
        f = format_number

        def pv(v: float) -> str:
            return "< .001" if v < 0.001 else f"= {v:.3f}"

        if self.n_obs is not None and not math.isnan(self.chi2):
            lines.append(f"  chi-square (likelihood) = {f(self.chi2, 2)} on {f(self.dof, 0)} df, "
                         f"p {pv(self.chi2_p)}")
            lines.append(f"  empirical chi-square    = {f(self.chi2_empirical, 2)}, "
                         f"p {pv(self.chi2_empirical_p)}")
            lines.append(f"  RMSEA = {f(self.rmsea, 3)}, 90% CI [{f(self.rmsea_lower, 3)}, "
                         f"{f(self.rmsea_upper, 3)}]")
            lines.append(f"  TLI = {f(self.tli, 3)}, BIC = {f(self.bic, 2)}")
        else:
            lines.append(f"  objective = {f(self.objective, 4)} on {f(self.dof, 0)} df "
                         "(give n_obs for chi-square, RMSEA, TLI and BIC)")
        lines.append(f"  RMSR = {f(self.rmsr, 3)}, df-corrected RMSR = "
                     f"{f(self.rmsr_corrected, 3)}")
        lines.append(f"  fit of the off-diagonal values = {f(self.fit_off, 3)}")
        if self.matrix_input is not None:
            lines += ["", f"Input: a {self.matrix_input} matrix"
                      + ("" if self.n_obs is None else f" with n_obs = {self.n_obs}")]
        if self.covar:
            lines.append("The covariance matrix was factored (covar=True): loadings are in "
                         "the items' units")
        if self.n_starts > 1:
            lines.append(f"Rotation: {self.n_starts} starts, {self.n_best_starts} reached the "
                         f"lowest criterion {format_number(self.rotation_criterion, 6)}")
        for note in self._notes:
            lines += ["", f"Note: {note}"]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# the core, shared with omega
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Solution:
    loadings: np.ndarray  # sorted, signed pattern
    phi: np.ndarray | None
    names: list[str]
    ss_loadings: np.ndarray  # psych's SS loadings, diag(Phi L'L), in the sorted order
    extraction: Extraction
    n_iter: int
    converged: bool
    rotation: Rotation | None = None


def _solve(
    r: np.ndarray,
    n_factors: int,
    method: str,
    rotation: str | None,
    items: list[str],
    max_iter: int | None = None,
    rotation_args: dict[str, Any] | None = None,
    np_obs: np.ndarray | None = None,
    covar: bool = False,
) -> _Solution:
    """psych's ``fac`` from the correlation matrix to the sorted, named pattern matrix."""
    ext = extract(r, n_factors, method, names=items, max_iter=max_iter, np_obs=np_obs,
                  covar=covar)
    load = ext.loadings
    phi: np.ndarray | None = None
    n_iter, converged = ext.n_iter, ext.converged
    rot = None
    if rotation is not None and n_factors > 1:
        rot = rotate(load, rotation, **(rotation_args or {}))
        load, phi = rot.loadings, rot.phi
        converged = converged and rot.converged
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1.0
    load = load * signs
    if phi is not None:
        phi = phi * signs[:, None] * signs[None, :]
    names = [f"{ext.prefix}{j + 1}" for j in range(n_factors)]
    ss = np.sum(load * load, axis=0) if phi is None else np.diag(phi @ load.T @ load)
    if n_factors > 1:
        order = np.argsort(-ss, kind="stable")
        load, ss = load[:, order], ss[order]
        names = [names[j] for j in order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    return _Solution(load, phi, names, ss, ext, n_iter, converged, rot)


def _rmsea_bound(stat: float, dof: float, target: float, upper: float) -> float:
    """Non-centrality ``x`` with ``P(chi2(dof, x) <= stat) = target`` (R's uniroot)."""
    from scipy.optimize import brentq

    def fun(x: float) -> float:
        # scipy.special directly (the same values): scipy.stats costs ~50 us a call here.
        cdf = special.chdtr(dof, stat) if x == 0 else special.chndtr(stat, dof, x)
        return float(cdf) - target

    return float(brentq(fun, 0.0, upper, xtol=1e-12, rtol=1e-14, maxiter=500))


def _fit_statistics(
    r: np.ndarray,
    f: np.ndarray,
    phi: np.ndarray | None,
    n_obs: int | None,
    np_obs: np.ndarray | None,
    alpha: float = 0.1,
) -> dict[str, Any]:
    """psych's ``factor.stats`` (alias ``fa.stats``) for a correlation matrix."""
    p, k = f.shape
    model = f @ f.T if phi is None else f @ phi @ f.T
    residual = r - model
    r2 = float(np.sum(r * r))
    rstar2 = float(np.sum(residual * residual))
    dof = p * (p - 1) / 2 - p * k + k * (k - 1) / 2
    r2_off = r2 - float(np.trace(r))
    off = residual.copy()
    np.fill_diagonal(off, 0.0)
    nan = float("nan")
    out: dict[str, Any] = {"dof": dof}
    if np_obs is None:
        rstar_off = float(np.sum(off * off))
        n_ = float(n_obs) if n_obs is not None else nan
        out["chi2_empirical"] = rstar_off * n_
        out["rmsr"] = math.sqrt(rstar_off / (p * (p - 1)))
        nh = n_
    else:
        w = np_obs.astype(float)
        rstar_off = float(np.sum(off * off * w))
        rr = r * r * w
        r2_off = float(np.sum(rr) - np.trace(rr))
        out["chi2_empirical"] = rstar_off
        nh = 1.0 / float(np.mean(1.0 / w))
        out["rmsr"] = math.sqrt(rstar_off / (nh * p * (p - 1)))
    if dof > 0:
        chi = out["chi2_empirical"]
        out["chi2_empirical_p"] = float(stats.chi2.sf(chi, dof)) if not math.isnan(chi) else nan
        denom = nh if np_obs is not None else 1.0
        out["rmsr_corrected"] = math.sqrt(rstar_off / (2 * denom * dof))
    else:
        out["chi2_empirical_p"] = nan
        out["rmsr_corrected"] = nan
    out["fit"] = 1 - rstar2 / r2
    out["fit_off"] = 1 - rstar_off / r2_off

    mdl = model.copy()
    np.fill_diagonal(mdl, np.diag(r))
    mdl, _ = cor_smooth(mdl)
    rs, _ = cor_smooth(r)
    try:
        m_inv_r = np.linalg.solve(mdl, rs)
    except np.linalg.LinAlgError:
        warnings.warn("the model matrix is singular; fit statistics are wrong",
                      NumericalWarning, stacklevel=4)
        m_inv_r = np.eye(p)
    sign, logdet = np.linalg.slogdet(m_inv_r)
    objective = float(np.trace(m_inv_r) - (logdet if sign > 0 else np.inf) - p)
    if not math.isfinite(objective):
        objective = rstar2
    out["objective"] = objective
    sign0, logdet0 = np.linalg.slogdet(rs)
    f0 = float(np.trace(rs) - logdet0 - p) if sign0 > 0 else r2
    out["null_dof"] = p * (p - 1) / 2
    for key in ("chi2", "chi2_p", "rmsea", "rmsea_lower", "rmsea_upper", "tli", "bic", "sabic",
                "null_chi2"):
        out[key] = nan
    if n_obs is not None:
        n = float(n_obs)
        nm = (n - 1) - (2 * p + 5) / 6 - (2 * k) / 3
        chisq = objective * nm
        stat = max(chisq, 0.0)
        out["chi2"] = stat
        out["chi2_p"] = float(stats.chi2.sf(stat, dof)) if dof > 0 else nan
        out["null_chi2"] = f0 * ((n - 1) - (2 * p + 5) / 6)
        mm = objective / dof if dof != 0 else nan
        m0 = f0 * 2 / (p * (p - 1))
        out["tli"] = (m0 - mm) / (m0 - 1 / nm)
        if dof > 0:
            # psych uses the unclipped statistic here
            out["rmsea"] = math.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0.0))
            tail = alpha / 2
            upper = max(n, chisq) + 2 * n
            p_stat = float(stats.chi2.cdf(stat, dof))
            lo = hi = 0.0
            if p_stat > tail:
                try:
                    hi = math.sqrt(_rmsea_bound(stat, dof, tail, upper) / (n - 1) / dof)
                except ValueError:
                    hi = 0.0 if out["rmsea"] <= 0 else nan
            if p_stat > 1 - tail:
                try:
                    lo = math.sqrt(_rmsea_bound(stat, dof, 1 - tail, upper) / (n - 1) / dof)
                except ValueError:
                    lo = nan
            if not math.isnan(hi) and hi < out["rmsea"]:
                hi = nan
            if not math.isnan(lo) and lo > out["rmsea"]:
                lo = nan
            out["rmsea_lower"], out["rmsea_upper"] = lo, hi
            out["bic"] = chisq - dof * math.log(n)
            out["sabic"] = chisq - dof * math.log((n + 2) / 24)
    out["complexity"] = np.sum(f * f, axis=1) ** 2 / np.sum(f**4, axis=1)
    out["residual"] = residual
    return out


def _mat_sqrt(x: np.ndarray, inverse: bool = False) -> np.ndarray:
    """psych's ``matSqrt`` / ``invMatSqrt`` (symmetric square root by eigen-decomposition)."""
    values, vectors = np.linalg.eigh(x)
    if inverse:
        values = np.where(values < _EPS, 100 * _EPS, values)
        return (vectors / np.sqrt(values)) @ vectors.T
    values = np.where(values < 0, _EPS, values)
    return (vectors * np.sqrt(values)) @ vectors.T


def _score_weights(
    r: np.ndarray, f: np.ndarray, phi: np.ndarray | None, method: str
) -> np.ndarray:
    """psych's ``factor.scores`` weights ``W`` (scores are ``scale(X) W``; ``X W`` for
    components)."""
    k = f.shape[1]
    phi_ = np.eye(k) if phi is None else phi
    s = f @ phi_
    if method in ("regression", "Thurstone"):
        try:
            return np.linalg.solve(r, s)
        except np.linalg.LinAlgError:
            warnings.warn("the correlation matrix is singular; factor loadings are used as "
                          "score weights", NumericalWarning, stacklevel=4)
            return f.copy()
    if method == "components":
        return f.copy()
    if method == "Harman":
        m = f @ s.T
        np.fill_diagonal(m, 1.0)
        return np.linalg.solve(m, f)
    if method == "tenBerge":
        lam = f @ _mat_sqrt(phi_)
        r_half = _mat_sqrt(r, inverse=True)
        rs, _ = cor_smooth(r)
        inv_r = np.linalg.inv(rs)
        c = r_half @ lam @ _mat_sqrt(lam.T @ inv_r @ lam, inverse=True)
        return r_half @ c @ _mat_sqrt(phi_)
    h2 = np.diag(f @ phi_ @ f.T)
    inv_u2 = 1.0 / (1.0 - h2)
    fu = f * inv_u2[:, None]
    if method == "Anderson":
        return fu @ _mat_sqrt(fu.T @ r @ fu, inverse=True)
    return fu @ np.linalg.inv(f.T @ fu)  # Bartlett


def _standardise(x: np.ndarray) -> np.ndarray:
    """R's ``scale(x)``: column means and SDs (n - 1) over the observed values."""
    mask = ~np.isnan(x)
    if mask.all():
        xc = x - x.mean(axis=0)
        return xc / np.sqrt(np.einsum("ij,ij->j", xc, xc) / (x.shape[0] - 1))
    n = mask.sum(axis=0)
    x0 = np.where(mask, x, 0.0)
    xc = x - x0.sum(axis=0) / n  # NaN stays NaN: psych gives NA scores for those rows
    xc0 = np.where(mask, xc, 0.0)
    return xc / np.sqrt(np.einsum("ij,ij->j", xc0, xc0) / (n - 1))


# --------------------------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------------------------


def _check_factors(n_factors: Any, method: str, n_items: int, *,
                   most: int | None = None) -> int:
    """Validate the number of factors (at most ``most``, default the number of items) and
    the extraction method (efa and omega)."""
    if isinstance(n_factors, bool) or not isinstance(n_factors, int | np.integer):
        raise TypeError(f"n_factors must be an integer, not {type(n_factors).__name__}")
    most = n_items if most is None else most
    if not 1 <= int(n_factors) <= most:
        raise ValueError(f"n_factors must be between 1 and {most} for {n_items} items; "
                         f"got {n_factors}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    return int(n_factors)


def _check_args(n_factors: Any, method: str, rotation: str | None, scores: str | None,
                n_items: int) -> tuple[int, str | None]:
    k = _check_factors(n_factors, method, n_items)
    rotation = check_rotation(rotation)
    if scores not in _SCORES:
        raise ValueError(f"scores must be None or one of psych's methods "
                         f"{', '.join(repr(x) for x in _SCORES[1:])}; got {scores!r}")
    return k, rotation


def efa(
    data: pd.DataFrame | np.ndarray,
    n_factors: int,
    *,
    method: str = "minres",
    rotation: str | None = "oblimin",
    missing: str = "pairwise",
    n_obs: int | None = None,
    scores: str | None = None,
    max_iter: int | None = None,
    normalize: bool | None = None,
    gamma: float = 0.0,
    delta: float = 0.01,
    target: Any = None,
    weights: Any = None,
    random_starts: int = 0,
    seed: int | np.random.Generator | None = None,
    covar: bool = False,
) -> EFAResult:
    """Exploratory factor analysis, matching ``psych::fa``.

    The correlation matrix ``R`` (pairwise-complete Pearson correlations by default) is
    factored as ``R ~ L Phi L' + U`` by minimum residual (``minres``: minimise the sum of
    squared off-diagonal residuals), maximum likelihood (``ml``: minimise
    ``tr(S^-1 R) - log|S^-1 R| - p``) or iterated principal axes (``pa``). The unrotated
    solution is rotated (``oblimin``/``quartimin``/``geomin`` by gradient projection,
    ``varimax``, or Kaiser-normalised ``promax`` with ``m = 4``), each factor's loadings
    are made to sum positive, and the factors are ordered by the variance they account for
    (``diag(Phi L'L)``), keeping the names of the unrotated order (``MR2 MR1 MR3`` ...).

    Fit follows psych's ``factor.stats``: the likelihood chi-square
    ``F (n - 1 - (2p + 5)/6 - 2k/3)`` with ``F = tr(M^-1 R) - log|M^-1 R| - p`` and
    ``M`` the (smoothed) model correlation matrix, ``df = p(p-1)/2 - pk + k(k-1)/2``,
    RMSEA ``sqrt(max(chi2/(df n) - 1/(n-1), 0))`` with a 90% interval, TLI against the
    independence model, ``BIC = chi2 - df log n``; the empirical chi-square is the sum of
    squared off-diagonal residuals times the pairwise counts; RMSR their root mean square.

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items (rows are respondents; NaN for missing), or a correlation/covariance matrix
        with ``n_obs``. Also a :class:`~psychometrics.Moments` of one group or a source
        read into moments (Parquet, Arrow batches, Dask): the same fit (1e-8); the
        score weights are given, per-respondent ``scores`` need the rows.
    n_factors : int
        Number of factors.
    method : {"minres", "uls", "ols", "wls", "gls", "minchi", "ml", "pa", "alpha"}
        Extraction method (psych's ``fm``): minimum residual (off-diagonal least squares),
        ``uls`` (least squares including the diagonal), ``ols`` (psych's ``FA.OLS``),
        weighted (``wls``, weights ``1 / (s^ii s^jj)``) and generalised (``gls``) least
        squares, ``minchi`` (residuals weighted by the pairwise sample sizes; raw data),
        maximum likelihood, principal axes, alpha factoring (Kaiser & Caffrey). See
        :mod:`psychometrics.factor.extraction`.
    rotation : str or None
        psych's name, case sensitive: orthogonal ``varimax`` (``stats::varimax``,
        Kaiser-normalised), ``Varimax`` (GPArotation, not normalised), ``quartimax``,
        ``equamax``, ``bentlerT``, ``geominT``, ``bifactor``, ``targetT``, ``pstT``;
        oblique ``oblimin`` (GPArotation, ``gamma``), ``quartimin``, ``geominQ``,
        ``bentlerQ``, ``oblimax``, ``simplimax``, ``biquartimin``, ``targetQ``, ``pstQ``,
        ``promax`` (psych's Kaiser-normalised promax), ``Promax`` (psych's ``Promax``, no
        normalisation), ``cluster``; ``None`` or ``"none"`` for none. See
        :mod:`psychometrics.factor.rotation`. A spelling psych would read differently
        (``"PROMAX"``, ``"geomin"``) is an error naming the choices.
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations (psych's default; ``n_obs`` is the number of rows) or
        complete cases only.
    n_obs : int, optional
        Sample size when ``data`` is a matrix (needed for the chi-square, RMSEA, TLI, BIC).
    scores : {None, "regression", "tenBerge", "Anderson", "Bartlett", "Harman", "components"}
        Factor scores ``scale(X) W`` (rows with a missing value get NaN) and their weights
        ``W`` as ``psych::factor.scores``, with ``S = L Phi`` the structure and ``U^2`` the
        uniquenesses: Thurstone regression (``"regression"`` or ``"Thurstone"``)
        ``W = R^-1 S``; ten Berge ``W = R^-1/2 C Phi^1/2`` with ``L* = L Phi^1/2`` and
        ``C = R^-1/2 L* (L*' R^-1 L*)^-1/2`` (scores correlate as ``Phi``); Anderson-Rubin
        ``W = U^-2 L (L' U^-2 R U^-2 L)^-1/2`` (orthogonal scores); Bartlett
        ``W = U^-2 L (L' U^-2 L)^-1`` (``"bartlett"`` is accepted too); Harman
        ``W = M^-1 L`` with ``M = L S'`` on a unit diagonal; ``"components"``: ``W = L``
        applied to the raw (unstandardised) items, as psych. For a matrix input only the
        weights are returned.
    max_iter : int, optional
        Iteration limit of the extraction (100 optimiser iterations for minres/ml, 50
        principal-axis iterations).
    normalize : bool, optional
        Kaiser normalisation of the gradient-projection rotations (GPArotation's
        ``normalize``; default off, as GPArotation) or of ``varimax`` (default on).
    gamma : float
        oblimin's ``gam`` (0 quartimin, 0.5 biquartimin, 1 covarimin).
    delta : float
        geomin's ``delta`` (GPArotation's default 0.01).
    target, weights : array (items x factors), optional
        Target of ``targetT``/``targetQ`` (NaN for free cells) and of ``pstT``/``pstQ``
        with the 0/1 weights of the specified cells, in the unrotated factors' order.
    random_starts : int
        Random orthonormal starts besides the identity for gradient-projection rotations
        (GPArotation's ``randomStarts``); the lowest criterion is kept and
        ``n_best_starts`` says how many starts reached it.
    seed : int or Generator, optional
        Seed for the random starts.
    covar : bool
        Factor the covariance matrix instead of the correlations (psych's
        ``fa(covar = TRUE)``): the pairwise covariances of raw data, or the covariance
        matrix given. The SMCs are scaled by the variances and the loadings are in the
        items' units; score weights still come from the correlations of raw data, as psych.

    Returns
    -------
    EFAResult

    Warns
    -----
    NumericalWarning
        Non-convergence, Heywood cases (naming the items), a non-positive-definite
        correlation matrix (smoothed as psych's ``cor.smooth`` for the fit).

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research (2.2.9), function ``fa``.
    Bernaards, C. A. & Jennrich, R. I. (2005). Gradient projection algorithms and software
    for arbitrary rotation criteria in factor analysis. EPM, 65, 676-696.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(1)
    >>> f = rng.standard_normal((500, 2))
    >>> lam = np.array([[.8, 0], [.7, 0], [.6, 0], [0, .8], [0, .7], [0, .6]])
    >>> x = pd.DataFrame(f @ lam.T + rng.standard_normal((500, 6)) * .6,
    ...                  columns=[f"i{j}" for j in range(1, 7)])
    >>> res = pm.efa(x, 2)
    >>> res.loadings.round(1).abs()
        MR1  MR2
    i1  0.0  0.8
    i2  0.0  0.7
    i3  0.0  0.7
    i4  0.8  0.0
    i5  0.8  0.0
    i6  0.7  0.0
    >>> round(res.rmsea, 2) < 0.05
    True
    """
    ci = prepare_correlation(data, n_obs=n_obs, missing=missing, min_items=3, what="efa",
                             covar=bool(covar))
    k, rotation = _check_args(n_factors, method, rotation, scores, ci.n_items)
    warn_few_respondents(ci.n_obs, ci.n_items, "efa")
    rotation_args = {"normalize": normalize, "gamma": gamma, "delta": delta, "target": target,
                     "weights": weights, "random_starts": random_starts, "seed": seed}
    with small_matrix_blas():
        return _efa_from_input(ci, k, method, rotation, scores, max_iter, rotation_args,
                               covar=bool(covar))


def _efa_from_input(
    ci: CorrelationInput,
    k: int,
    method: str,
    rotation: str | None,
    scores: str | None,
    max_iter: int | None,
    rotation_args: dict[str, Any] | None = None,
    covar: bool = False,
) -> EFAResult:
    r = ci.r
    if covar:
        assert ci.covariance is not None
        r = ci.covariance
    items = ci.names
    sol = _solve(r, k, method, rotation, items, max_iter, rotation_args, ci.np_obs, covar)
    load, phi, names = sol.loadings, sol.phi, sol.names
    st = _fit_statistics(r, load, phi, ci.n_obs, ci.np_obs)
    notes: list[str] = []
    # cor_smooth (in the fit statistics) smooths below machine epsilon; this warns from 1e-12
    min_eig = min_eigenvalue(r)
    if min_eig < 1e-12:
        warnings.warn(
            f"the correlation matrix is singular or not positive definite (smallest "
            f"eigenvalue {min_eig:.2g}): items may be linearly dependent; the fit statistics "
            f"use psych::cor.smooth's smoothed matrix",
            NumericalWarning,
            stacklevel=3,
        )
        notes.append("the correlation matrix is not positive definite; fit uses a smoothed "
                     "matrix")
    if st["dof"] < 0:
        msg = (f"{k} factors for {len(items)} items leave {st['dof']:g} degrees of freedom: "
               f"the model has more parameters than the {len(items) * (len(items) - 1) // 2} "
               f"correlations it fits and is not identified (psych fits it anyway); its "
               f"fit cannot be tested (p values, RMSEA and BIC are NA) and its loadings are "
               f"one of many equivalent solutions")
        warnings.warn(msg, NumericalWarning, stacklevel=3)
        notes.append(msg)
    elif st["dof"] == 0:
        notes.append(f"the model has 0 degrees of freedom: {k} factors for {len(items)} "
                     f"items are just identified and reproduce the correlations exactly, so "
                     f"the fit cannot be tested (p values, RMSEA and BIC are NA)")
    h2 = sol.extraction.communalities
    loadings = pd.DataFrame(load, index=items, columns=names)
    structure_m = load if phi is None else load @ phi
    vx = sol.ss_loadings
    vtotal = float(np.trace(r))
    rows = {"SS loadings": vx, "Proportion Var": vx / vtotal}
    if k > 1:
        rows["Cumulative Var"] = np.cumsum(vx / vtotal)
        rows["Proportion Explained"] = vx / vx.sum()
        rows["Cumulative Proportion"] = np.cumsum(vx / vx.sum())
    variance = pd.DataFrame(rows, index=names).T
    score_df = weights_df = None
    if scores is not None:
        # psych's factor.scores: the correlations of raw data, or the matrix given
        w = _score_weights(ci.r if ci.from_data else r, load, phi, scores)
        weights_df = pd.DataFrame(w, index=items, columns=names)
        if ci.data is not None:
            x = ci.data if scores == "components" else _standardise(ci.data)
            score_df = pd.DataFrame(x @ w, columns=names, index=ci.row_index)
    eig = pd.DataFrame({"R": sol.extraction.e_values, "reduced": sol.extraction.values},
                       index=pd.RangeIndex(1, len(items) + 1, name="number"))
    return EFAResult(
        loadings=loadings,
        structure=pd.DataFrame(structure_m, index=items, columns=names),
        phi=None if phi is None else pd.DataFrame(phi, index=names, columns=names),
        communalities=pd.Series(h2, index=items, name="h2"),
        uniquenesses=pd.Series(np.diag(r) - h2, index=items, name="u2"),
        complexity=pd.Series(st["complexity"], index=items, name="com"),
        variance=variance,
        eigenvalues=eig,
        residuals=pd.DataFrame(st["residual"], index=items, columns=items),
        scores=score_df,
        score_weights=weights_df,
        method=method,
        rotation=rotation if k > 1 else None,
        n_factors=k,
        n_obs=ci.n_obs,
        objective=st["objective"],
        chi2=st["chi2"],
        chi2_p=st["chi2_p"],
        dof=st["dof"],
        chi2_empirical=st["chi2_empirical"],
        chi2_empirical_p=st["chi2_empirical_p"],
        rmsea=st["rmsea"],
        rmsea_lower=st["rmsea_lower"],
        rmsea_upper=st["rmsea_upper"],
        tli=st["tli"],
        bic=st["bic"],
        sabic=st["sabic"],
        rmsr=st["rmsr"],
        rmsr_corrected=st["rmsr_corrected"],
        null_chi2=st["null_chi2"],
        null_dof=st["null_dof"],
        fit=st["fit"],
        fit_off=st["fit_off"],
        n_iter=sol.n_iter,
        converged=sol.converged,
        estimated_communalities=pd.Series(
            # psych: 1 - the optimiser's psi (also for a covariance matrix); pa and alpha:
            # the final iteration's communalities
            np.diag(r) - sol.extraction.psi if method in ("pa", "alpha")
            else 1.0 - sol.extraction.psi, index=items, name="communalities"),
        matrix_input=ci.kind,
        covar=covar,
        rotation_criterion=np.nan if sol.rotation is None else sol.rotation.criterion,
        n_starts=1 if sol.rotation is None else sol.rotation.n_starts,
        n_best_starts=1 if sol.rotation is None else sol.rotation.n_best,
        _notes=tuple(notes),
    )
