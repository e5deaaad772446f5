"""Is a correlation matrix worth factoring? Kaiser-Meyer-Olkin sampling adequacy and
Bartlett's test of sphericity, as ``psych::KMO`` and ``psych::cortest.bartlett``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor, prepare_correlation, warn_few_respondents
from psychometrics.results import ResultMixin

__all__ = ["BartlettResult", "KMOResult", "bartlett", "kmo"]

_EPS = float(np.finfo(float).eps)


def _kaiser_label(msa: float) -> str:
    # Kaiser (1974)'s verbal scale
    for bound, label in ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"),
                         (0.6, "mediocre"), (0.5, "miserable")):
        if msa >= bound:
            return label
    return "unacceptable"


@dataclass(frozen=True)
class KMOResult(ResultMixin):
    """Kaiser-Meyer-Olkin measure of sampling adequacy.

    Attributes
    ----------
    msa : float
        Overall MSA.
    msa_items : Series
        MSA of each item.
    label : str
        Kaiser's (1974) description of the overall MSA (marvelous >= .9, meritorious >= .8,
        middling >= .7, mediocre >= .6, miserable >= .5, unacceptable below).
    n_items : int
        Number of items.
    matrix_input : {None, "correlation", "covariance"}
        Raw data (``None``) or the kind of matrix given.
    """

    msa: float
    msa_items: pd.Series
    label: str
    n_items: int
    matrix_input: str | None = None

    _title: ClassVar[str] = "Kaiser-Meyer-Olkin sampling adequacy"

    def summary(self, digits: int = 3) -> str:
        lines = [self._title, "=" * len(self._title),
                 f"Overall MSA = {self.msa:.{digits}f} ({self.label})", "",
                 "MSA for each item:",
                 self.msa_items.round(digits).to_string()]
        return "\n".join(lines)


@dataclass(frozen=True)
class BartlettResult(ResultMixin):
    """Bartlett's test that the correlation matrix is an identity matrix.

    Attributes
    ----------
    chi2 : float
        ``-log|R| (n - 1 - (2p + 5)/6)``.
    dof : float
        ``p (p - 1) / 2``.
    p_value : float
        Upper tail of the chi-square distribution.
    n_obs : int
        Sample size used.
    matrix_input : {None, "correlation", "covariance"}
        Raw data (``None``) or the kind of matrix given.
    """

    chi2: float
    dof: float
    p_value: float
    n_obs: int
    matrix_input: str | None = None

    _title: ClassVar[str] = "Bartlett's test of sphericity"

    def summary(self, digits: int = 3) -> str:
        p = "< .001" if self.p_value < 0.001 else f"= {self.p_value:.{digits}f}"
        lines = [self._title, "=" * len(self._title),
                 f"chi-square = {self.chi2:.{digits}f}, df = {self.dof:g}, p {p} "
                 f"(n = {self.n_obs})"]
        return "\n".join(lines)


def _rcond(r: np.ndarray) -> float:
    return 1.0 / float(np.linalg.cond(r, 1))


def kmo(data: pd.DataFrame | np.ndarray, *, missing: str = "pairwise") -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, as ``psych::KMO``.

    With ``R`` the correlation matrix and ``Q`` the anti-image correlations (``R^-1`` scaled
    to unit diagonal), summing over off-diagonal elements::

        MSA   = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)
        MSA_j = sum_i r_ij^2 / (sum_i r_ij^2 + sum_i q_ij^2)

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items (pairwise-complete correlations, as psych) or a correlation matrix, or
        moments of one group (or a source read into them): the same result to 1e-10.
    missing : {"pairwise", "listwise"}
        How raw data with missing values are correlated.

    Returns
    -------
    KMOResult

    Warns
    -----
    NumericalWarning
        A singular correlation matrix: like psych, ``R`` itself replaces its inverse and the
        MSA is not meaningful.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.
    Kaiser, H. F. & Rice, J. (1974). Little jiffy, mark IV. EPM, 34, 111-117.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(0)
    >>> g = rng.standard_normal((300, 1))
    >>> x = pd.DataFrame(g @ np.full((1, 5), .7) + rng.standard_normal((300, 5)) * .7,
    ...                  columns=list("abcde"))
    >>> res = pm.kmo(x)
    >>> round(res.msa, 2), res.label
    (0.85, 'meritorious')
    """
    ci = prepare_correlation(data, missing=missing, what="kmo")
    warn_few_respondents(ci.n_obs, ci.n_items, "kmo")
    r = ci.r
    if _rcond(r) < _EPS:
        warnings.warn(
            "the correlation matrix is singular, so its inverse (the anti-image) does not "
            "exist; as psych::KMO, R is used in its place and the MSA is not meaningful",
            NumericalWarning,
            stacklevel=2,
        )
        q = r.copy()
    else:
        q = np.linalg.inv(r)
    q = cov2cor(q)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0 * r0, q * q
    msa = float(r2.sum() / (r2.sum() + q2.sum()))
    items = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(msa=msa, msa_items=pd.Series(items, index=ci.names, name="MSA"),
                     label=_kaiser_label(msa), n_items=ci.n_items, matrix_input=ci.kind)


def bartlett(
    data: pd.DataFrame | np.ndarray,
    *,
    n_obs: int | None = None,
    missing: str = "pairwise",
) -> BartlettResult:
    """Bartlett's test of sphericity, as ``psych::cortest.bartlett``.

    ``chi2 = -log|R| (n - 1 - (2p + 5)/6)`` on ``p (p - 1) / 2`` degrees of freedom, where
    ``R`` is the correlation matrix of ``p`` items and ``n`` the sample size.

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items (pairwise-complete correlations; ``n`` is the number of rows, as psych) or a
        correlation matrix together with ``n_obs``, or moments of one group (or a source
        read into them): the same result to 1e-10.
    n_obs : int
        Sample size, required with a matrix.
    missing : {"pairwise", "listwise"}
        How raw data with missing values are correlated.

    Returns
    -------
    BartlettResult

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. Biometrika, 38, 337-344.

    Examples
    --------
    >>> import numpy as np
    >>> import psychometrics as pm
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> res = pm.bartlett(r, n_obs=100)
    >>> round(res.chi2, 2), res.dof, res.p_value < 1e-6
    (46.45, 3.0, True)
    """
    ci = prepare_correlation(data, n_obs=n_obs, missing=missing, what="bartlett")
    if ci.n_obs is None:
        raise ValueError("bartlett needs n_obs, the sample size, when given a matrix")
    warn_few_respondents(ci.n_obs, ci.n_items, "bartlett")
    r = ci.r
    p = ci.n_items
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0 or _rcond(r) < _EPS:
        warnings.warn(
            "the correlation matrix is singular (determinant 0): the chi-square is infinite",
            NumericalWarning,
            stacklevel=2,
        )
        logdet = -math.inf
    n = ci.n_obs
    chi2 = -logdet * (n - 1 - (2 * p + 5) / 6)
    dof = p * (p - 1) / 2
    return BartlettResult(chi2=float(chi2), dof=float(dof),
                          p_value=float(stats.chi2.sf(chi2, dof)), n_obs=int(n),
                          matrix_input=ci.kind)
