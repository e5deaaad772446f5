r"""Omega for categorical indicators (Green & Yang 2009), as semTools 0.5.6 ``compRelSEM``.

The reliability of the *sum of the observed item scores* (not of the latent responses)
implied by a factor model fitted to ordered items: thresholds and loadings give the
covariance of the item scores through bivariate normal probabilities.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr

from psychometrics.correlation import _bvn_cdf
from psychometrics.errors import NumericalWarning
from psychometrics.results import ResultMixin, format_number

__all__ = ["OmegaCategoricalResult", "omega_categorical"]


@dataclass(frozen=True)
class OmegaCategoricalResult(ResultMixin):
    """Categorical omega per factor; see :func:`omega_categorical`."""

    omega: pd.Series
    items: dict[str, tuple[str, ...]] = field(repr=False)
    denominator: str = "sample"

    _title = "Omega for categorical indicators (Green & Yang 2009)"

    def summary(self, digits: int = 3) -> str:
        lines = [self._title, "=" * len(self._title),
                 f"denominator: {self.denominator} correlations of the latent responses"]
        for name, value in self.omega.items():
            lines.append(f"{name:<16} {format_number(float(value), digits)}  "
                         f"({len(self.items[str(name)])} items)")
        return "\n".join(lines)


def _frame(x: pd.DataFrame | np.ndarray, rows: Sequence[str] | None, cols: Sequence[str] | None,
           what: str) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x.astype(float)
    arr = np.atleast_2d(np.asarray(x, dtype=float))
    if rows is not None and arr.shape[0] != len(rows):
        raise ValueError(f"{what} has {arr.shape[0]} rows, expected {len(rows)}")
    if cols is not None and arr.shape[1] != len(cols):
        raise ValueError(f"{what} has {arr.shape[1]} columns, expected {len(cols)}")
    return pd.DataFrame(arr, index=rows, columns=cols)


def _thresholds(thresholds: Mapping[str, Sequence[float]] | pd.Series
                | Sequence[Sequence[float]], items: list[str]) -> list[np.ndarray]:
    if isinstance(thresholds, pd.Series):  # lavaan-style names "item|t1"
        out: dict[str, list[float]] = {}
        for name, value in thresholds.items():
            item, sep, _ = str(name).partition("|")
            if not sep:
                raise ValueError(f"threshold names must look like 'item|t1', got {name!r}")
            out.setdefault(item, []).append(float(value))
        thresholds = out
    if isinstance(thresholds, Mapping):
        missing = [i for i in items if i not in thresholds]
        if missing:
            raise ValueError(f"no thresholds for item(s) {missing}")
        tau = [np.atleast_1d(np.asarray(thresholds[i], dtype=float)) for i in items]
    else:
        tau = [np.atleast_1d(np.asarray(t, dtype=float)) for t in thresholds]
        if len(tau) != len(items):
            raise ValueError(f"{len(tau)} threshold sets for {len(items)} items")
    for item, t in zip(items, tau, strict=True):
        if t.ndim != 1 or t.size == 0 or not np.isfinite(t).all() or (np.diff(t) <= 0).any():
            raise ValueError(f"item {item!r}: thresholds must be finite and increasing, got "
                             f"{t.tolist()}")
    return tau


def _score_covariance(tau: list[np.ndarray], corr: np.ndarray) -> float:
    r""":math:`\sum_{j,j'} \sum_{c,c'} [\Phi_2(\tau_{jc}, \tau_{j'c'}; r_{jj'})
    - \Phi(\tau_{jc})\Phi(\tau_{j'c'})]`: the variance of the sum of item scores (up to
    the item scores' unit steps) under latent correlations ``corr``."""
    t = np.concatenate(tau)
    it = np.repeat(np.arange(len(tau)), [x.size for x in tau])
    r = np.clip(corr[it[:, None], it[None, :]], -1.0, 1.0)
    joint = _bvn_cdf(t[:, None], t[None, :], r)
    marg = ndtr(t)
    return float((joint - np.outer(marg, marg)).sum())


def omega_categorical(
    loadings: pd.DataFrame | np.ndarray,
    thresholds: Mapping[str, Sequence[float]] | pd.Series | Sequence[Sequence[float]],
    *,
    correlation: pd.DataFrame | np.ndarray | None = None,
    factor_cov: pd.DataFrame | np.ndarray | None = None,
    residual_variances: pd.Series | np.ndarray | None = None,
    scales: pd.Series | np.ndarray | None = None,
    total: bool = False,
) -> OmegaCategoricalResult:
    r"""Omega for ordered items from a fitted categorical factor model (Green & Yang 2009).

    For the items of factor f (non-zero loadings) with thresholds :math:`\tau_{jc}`,
    loadings :math:`\lambda_j` and factor variance :math:`\phi_f`,

    .. math:: \omega_f = \frac{\sum_{j,j'} \sum_{c,c'} \bigl[\Phi_2(\tau_{jc},
       \tau_{j'c'}; \lambda_j \phi_f \lambda_{j'}) - \Phi(\tau_{jc})\Phi(\tau_{j'c'})\bigr]}
       {\sum_{j,j'} \sum_{c,c'} \bigl[\Phi_2(\tau_{jc}, \tau_{j'c'}; \rho_{jj'})
       - \Phi(\tau_{jc})\Phi(\tau_{j'c'})\bigr]}

    (the sums include j = j'): true-score over total variance of the sum of the observed
    category scores. :math:`\rho` is ``correlation`` (the polychoric matrix:
    semTools' ``compRelSEM(fit, obs.var = TRUE)``, its default) or, without it, the
    model-implied correlation (``obs.var = FALSE``). Loadings and thresholds are rescaled by
    ``scales`` (lavaan's delta scale factors) as semTools does.

    Parameters
    ----------
    loadings
        Items x factors (lavaan's ``lambda``); zero where an item does not load.
    thresholds
        Per item its increasing thresholds: a mapping item -> values (items may have
        different numbers of categories), a Series named ``item|t1``, ``item|t2``... (as
        lavaan's ``th``), or one sequence per row of ``loadings``.
    correlation
        The denominator's latent-response correlations (items x items), usually the
        polychoric matrix of the fitted data. Default: the model-implied ones.
    factor_cov
        Factor covariance matrix (lavaan's ``psi``; default identity).
    residual_variances
        Residual variances of the latent responses, only used without ``correlation``:
        the implied correlation is then that of :math:`\Lambda\Phi\Lambda' + \Theta`. By
        default the delta parameterization's unit-variance responses.
    scales
        lavaan's scale factors per item (``delta``; default 1).
    total
        Also the omega of all items and factors together (``"total"``; uses the full
        common covariance :math:`\Lambda\Phi\Lambda'`). semTools 0.5.6's
        ``compRelSEM(fit, return.total = TRUE)`` fails on this case for ordered items (it
        passes the sum of that matrix where its ``omegaCat`` needs the matrix); the total
        is checked against semTools' ``omegaCat`` called with the matrix
        (tests/reference/omega_categorical_total.R).

    Returns
    -------
    OmegaCategoricalResult
        ``omega`` (Series per factor, and ``total``), ``items`` (per factor),
        ``denominator`` (``"sample"`` or ``"model-implied"``).

    Notes
    -----
    Factors with one indicator are left out (semTools' ``dropSingle``). An omega of 1 or
    more, or of 0 or less, gives a NumericalWarning: the common variance exceeds the
    observed one (a poorly fitting model with ``correlation`` from the data) or the items'
    loadings cancel (a reversed item not recoded).

    References
    ----------
    Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural
    equation modeling: An alternative to coefficient alpha. *Psychometrika*, 74, 155-167.

    Examples
    --------
    >>> import numpy as np
    >>> from psychometrics.coefficients import omega_categorical
    >>> lam = np.array([[0.7], [0.6], [0.8], [0.5]])
    >>> tau = [[-1.0, 0.0, 1.0], [-0.5, 0.5], [-1.2, -0.3, 0.4, 1.1], [0.2]]
    >>> res = omega_categorical(lam, tau)
    >>> round(float(res.omega.iloc[0]), 4)
    0.7313
    """
    L = _frame(loadings, None, None, "loadings")
    if L.index.dtype.kind in "iu" or isinstance(L.index, pd.RangeIndex):
        L.index = [f"V{j + 1}" for j in range(L.shape[0])]
    if isinstance(L.columns, pd.RangeIndex):
        L.columns = [f"F{j + 1}" for j in range(L.shape[1])]
    items = [str(i) for i in L.index]
    factors = [str(f) for f in L.columns]
    L.index, L.columns = items, factors
    lam = L.to_numpy()
    if not np.isfinite(lam).all():
        raise ValueError("loadings must be finite")
    tau = _thresholds(thresholds, items)
    if factor_cov is None:
        phi = np.eye(len(factors))
    elif isinstance(factor_cov, pd.DataFrame):
        phi = factor_cov.reindex(index=factors, columns=factors).to_numpy(dtype=float)
        if np.isnan(phi).any():
            raise ValueError(f"factor_cov must cover the factors {factors}")
    else:
        phi = _frame(factor_cov, factors, factors, "factor_cov").to_numpy()
    s = np.ones(len(items)) if scales is None else np.asarray(
        pd.Series(scales).reindex(items) if isinstance(scales, pd.Series) else scales,
        dtype=float)
    if s.shape != (len(items),):
        raise ValueError(f"scales needs one value per item ({len(items)}), got {s.shape}")
    if correlation is not None:
        R = _frame(correlation, items, items, "correlation")
        if isinstance(correlation, pd.DataFrame):
            R = R.reindex(index=items, columns=items)
        rho = R.to_numpy()
        if np.isnan(rho).any():
            raise ValueError("correlation must cover every item of loadings")
        d = np.sqrt(np.diag(rho))
        rho = rho / np.outer(d, d)  # semTools: cov2cor
        denominator = "sample"
    else:
        common = lam @ phi @ lam.T
        if residual_variances is None:
            rho = np.outer(s, s) * common
            np.fill_diagonal(rho, 1.0)
        else:
            theta = np.asarray(residual_variances, dtype=float)
            cov = common + (np.diag(theta) if theta.ndim == 1 else theta)
            d = np.sqrt(np.diag(cov))
            rho = cov / np.outer(d, d)
        denominator = "model-implied"
    tau_s = [t * sj for t, sj in zip(tau, s, strict=True)]

    values: dict[str, float] = {}
    members: dict[str, tuple[str, ...]] = {}
    for f, name in enumerate(factors):
        idx = np.flatnonzero(lam[:, f] != 0)
        if idx.size < 2:
            continue
        lf = lam[idx, f] * s[idx]
        true = np.outer(lf, lf) * phi[f, f]
        sub_tau = [tau_s[j] for j in idx]
        values[name] = (_score_covariance(sub_tau, true)
                        / _score_covariance(sub_tau, rho[np.ix_(idx, idx)]))
        members[name] = tuple(items[j] for j in idx)
    if total:
        idx = np.flatnonzero((lam != 0).any(axis=1))
        true = np.outer(s[idx], s[idx]) * (lam[idx] @ phi @ lam[idx].T)
        sub_tau = [tau_s[j] for j in idx]
        values["total"] = (_score_covariance(sub_tau, true)
                           / _score_covariance(sub_tau, rho[np.ix_(idx, idx)]))
        members["total"] = tuple(items[j] for j in idx)
    if not values:
        raise ValueError("no factor has two or more items with non-zero loadings")
    for name, value in values.items():
        if not 0 < value < 1:
            warnings.warn(
                f"categorical omega of {name!r} is {value:.4f}, outside (0, 1): "
                + ("the model's common variance exceeds the observed one"
                   if value >= 1 else "its items' loadings cancel (recode reversed items)"),
                NumericalWarning, stacklevel=2)
    return OmegaCategoricalResult(omega=pd.Series(values, name="omega"), items=members,
                                  denominator=denominator)
