"""Small-sample confidence intervals for alpha and omega: the bootstrap (BCa and percentile,
as R's ``boot::boot.ci``) and the asymptotically distribution-free (ADF) interval for alpha
(Maydeu-Olivares, Coffman & Hartmann, 2007).

An 18-respondent sample gives an alpha, but Feldt's interval assumes parallel items and
normal data, which such a sample cannot check. The ADF interval needs neither (only the
items' fourth moments); the bootstrap needs no formula at all. Both are stated on the
result with how they were made.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special, stats

from psychometrics.errors import DataValidationError, NumericalWarning
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin, format_number

__all__ = ["ReliabilityInterval", "alpha_interval", "bca", "omega_interval"]

_BOOT_METHODS = ("bca", "percentile")
_BLOCK = 256  # resamples per vectorised block (alpha)


@dataclass(frozen=True)
class ReliabilityInterval(ResultMixin):
    """A confidence interval for a reliability coefficient.

    Attributes
    ----------
    coefficient : str
        ``"alpha"`` (raw Cronbach's alpha), ``"omega_total"`` or ``"omega_hierarchical"``.
    estimate : float
        The coefficient on the whole sample.
    lower, upper : float
        The interval.
    level : float
        Its confidence level.
    method : str
        ``"adf"``, ``"bca"`` or ``"percentile"``.
    se : float
        Standard error: the ADF one, or the standard deviation of the bootstrap values.
    n_obs, n_items : int
        Respondents (complete cases) and items.
    n_boot : int or None
        Bootstrap resamples used (``None`` for ADF).
    n_failed : int
        Resamples whose coefficient could not be computed (left out, as ``boot.ci`` drops
        non-finite values).
    bias_correction, acceleration : float
        BCa's ``z0`` (``w`` in ``boot``) and ``a``; NaN otherwise.
    replicates : ndarray or None
        The bootstrap values.
    """

    coefficient: str
    estimate: float
    lower: float
    upper: float
    level: float
    method: str
    se: float
    n_obs: int
    n_items: int
    n_boot: int | None = None
    n_failed: int = 0
    bias_correction: float = float("nan")
    acceleration: float = float("nan")
    replicates: np.ndarray | None = field(default=None, repr=False)
    _notes: tuple[str, ...] = field(default=(), repr=False)

    _title: ClassVar[str] = "Reliability interval"

    def summary(self, digits: int = 3) -> str:
        f = lambda v: format_number(v, digits)  # noqa: E731
        how = {"adf": "asymptotically distribution-free (ADF; Maydeu-Olivares et al., 2007)",
               "bca": f"bootstrap BCa, {self.n_boot} resamples",
               "percentile": f"bootstrap percentile, {self.n_boot} resamples"}[self.method]
        lines = [self._title, "=" * len(self._title),
                 f"{self.coefficient} = {f(self.estimate)}, {self.level:.0%} CI "
                 f"[{f(self.lower)}, {f(self.upper)}] ({how})",
                 f"SE = {f(self.se)}; {self.n_obs} respondents, {self.n_items} items"]
        if self.method == "bca":
            lines.append(f"bias correction z0 = {f(self.bias_correction)}, acceleration "
                         f"a = {f(self.acceleration)}")
        if self.n_failed:
            lines.append(f"{self.n_failed} resample(s) gave no value and were left out")
        for note in self._notes:
            lines += ["", f"Note: {note}"]
        return "\n".join(lines)


# ---- data ----------------------------------------------------------------------------------


def _complete_items(data: Any, what: str) -> tuple[np.ndarray, list[str], pd.Index]:
    """Numeric items on complete cases; a NumericalWarning says how many rows were left
    out (the intervals resample respondents, so each needs every answer)."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise DataValidationError(f"{what}: items must be numeric; non-numeric column(s): "
                                  f"{', '.join(bad)}")
    x = frame.to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(x).any(axis=1)
    if not keep.all():
        warnings.warn(f"{what}: {int((~keep).sum())} of {len(keep)} respondents with a missing "
                      f"answer were left out (the interval resamples complete respondents)",
                      NumericalWarning, stacklevel=3)
    x = x[keep]
    names = [str(c) for c in frame.columns]
    if x.shape[1] < 2:
        raise DataValidationError(f"{what} needs at least 2 items, got {x.shape[1]}")
    if x.shape[0] < 3:
        raise DataValidationError(f"{what} needs at least 3 complete respondents, got "
                                  f"{x.shape[0]}")
    flat = [names[j] for j in np.flatnonzero(np.var(x, axis=0) == 0)]
    if flat:
        raise DataValidationError(f"{what}: item(s) with no variance among the complete "
                                  f"respondents: {', '.join(flat)}")
    return x, names, frame.index[keep]


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")


def _resample_indices(n: int, n_boot: int, seed: Any, indices: Any) -> np.ndarray:
    if indices is not None:
        idx = np.asarray(indices)
        if idx.ndim != 2 or idx.shape[1] != n or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"indices must be an integer array of resamples x {n} "
                             f"respondents (0-based row positions)")
        if idx.min() < 0 or idx.max() >= n:
            raise ValueError(f"indices must be row positions 0..{n - 1}")
        return idx
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return rng.integers(0, n, size=(int(n_boot), n))


# ---- the bootstrap interval (boot::boot.ci) ------------------------------------------------


def _norm_inter(t: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``boot:::norm.inter``: quantiles of the bootstrap values by interpolation on the
    normal quantile scale between order statistics ``(R + 1) alpha``."""
    t = np.sort(t[np.isfinite(t)])
    r = t.size
    rk = (r + 1) * alpha
    k = np.trunc(rk).astype(int)
    out = np.empty(alpha.size)
    for i, (ki, rki, ai) in enumerate(zip(k, rk, alpha, strict=True)):
        if ki == 0:
            out[i] = t[0]
        elif ki >= r:
            out[i] = t[-1]
        elif ki == rki:
            out[i] = t[ki - 1]
        else:
            z, z1, z2 = special.ndtri(ai), special.ndtri(ki / (r + 1)), special.ndtri(
                (ki + 1) / (r + 1))
            out[i] = t[ki - 1] + (z - z1) / (z2 - z1) * (t[ki] - t[ki - 1])
    if not np.all((rk > 1) & (rk < r)):
        warnings.warn("the bootstrap interval uses extreme order statistics as endpoints "
                      "(too few resamples for this level)", NumericalWarning, stacklevel=4)
    return out


def _regression_influence(t: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """``boot:::empinf.reg``: empirical influence values from the regression of the
    bootstrap values on the resampling frequencies (first respondent's column dropped;
    centred)."""
    r, n = indices.shape
    freq = np.zeros((r, n))
    np.add.at(freq, (np.repeat(np.arange(r), n), indices.ravel()), 1.0)
    x = np.column_stack([np.ones(r), freq[:, 1:] / n])
    beta, *_ = np.linalg.lstsq(x, t, rcond=None)
    influence = np.concatenate([[0.0], beta[1:]])
    return influence - influence.mean()


def bca(t0: float, t: np.ndarray, indices: np.ndarray, level: float = 0.95
        ) -> tuple[float, float, float, float]:
    """The BCa interval as ``boot::boot.ci(type = "bca")``: returns ``(lower, upper, z0, a)``.

    With ``t`` the finite bootstrap values, ``z0 = Phi^-1(#(t < t0) / R)``, the acceleration
    ``a = sum L^3 / (6 (sum L^2)^1.5)`` from the regression estimate of the empirical
    influence values ``L`` (``boot``'s default for ordinary resampling), and the endpoints
    the ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` quantiles of ``t`` (``z`` the normal
    quantiles of ``(1 -+ level) / 2``), interpolated as ``boot``'s ``norm.inter``.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. JASA, 82, 171-185.
    Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application,
    section 5.3. Cambridge University Press.
    """
    t = np.asarray(t, dtype=float)
    finite = np.isfinite(t)
    tf = t[finite]
    w = float(special.ndtri(np.sum(tf < t0) / tf.size))
    if not math.isfinite(w):
        raise DataValidationError("the BCa bias correction is infinite: every bootstrap "
                                  "value lies on one side of the estimate")
    influence = _regression_influence(tf, np.asarray(indices)[finite])
    a = float(np.sum(influence**3) / (6 * np.sum(influence**2) ** 1.5))
    z = special.ndtri((1 + np.array([-level, level])) / 2)
    adj = special.ndtr(w + (w + z) / (1 - a * (w + z)))
    lo, hi = _norm_inter(tf, adj)
    return float(lo), float(hi), w, a


def _bootstrap_result(coefficient: str, t0: float, t: np.ndarray, idx: np.ndarray,
                      method: str, level: float, n: int, k: int,
                      notes: list[str]) -> ReliabilityInterval:
    finite = np.isfinite(t)
    n_failed = int((~finite).sum())
    if finite.sum() < 2:
        raise DataValidationError(f"{coefficient}: the coefficient could not be computed on "
                                  f"{n_failed} of {t.size} resamples; no interval")
    if n_failed:
        warnings.warn(f"{coefficient}: {n_failed} of {t.size} bootstrap resamples gave no "
                      f"value and were left out", NumericalWarning, stacklevel=3)
    z0 = a = float("nan")
    if method == "bca":
        lo, hi, z0, a = bca(t0, t, idx, level)
    else:
        lo, hi = _norm_inter(t[finite], (1 + np.array([-level, level])) / 2)
    if n < 30:
        notes.append(f"with {n} respondents the bootstrap distribution is coarse: the "
                     f"interval is an honest statement of the uncertainty, not a precise "
                     f"one")
    return ReliabilityInterval(
        coefficient=coefficient, estimate=float(t0), lower=float(lo), upper=float(hi),
        level=float(level), method=method, se=float(np.std(t[finite], ddof=1)),
        n_obs=n, n_items=k, n_boot=int(t.size), n_failed=n_failed, bias_correction=z0,
        acceleration=a, replicates=t, _notes=tuple(notes))


# ---- alpha ---------------------------------------------------------------------------------


def _alpha_of(cov: np.ndarray) -> np.ndarray:
    """Raw alpha ``k/(k-1) (1 - tr(C) / 1'C1)`` of one or a stack of covariance matrices."""
    k = cov.shape[-1]
    tr = np.trace(cov, axis1=-2, axis2=-1)
    total = cov.sum(axis=(-2, -1))
    return k / (k - 1) * (1 - tr / total)


def _bootstrap_alpha(x: np.ndarray, idx: np.ndarray, report: ProgressCallback) -> np.ndarray:
    """Alpha of every resample, from frequency-weighted moments (no loop over rows)."""
    r, n = idx.shape
    out = np.empty(r)
    report(0, r)
    for start in range(0, r, _BLOCK):
        block = idx[start:start + _BLOCK]
        b = block.shape[0]
        freq = np.zeros((b, n))
        np.add.at(freq, (np.repeat(np.arange(b), n), block.ravel()), 1.0)
        mean = freq @ x / n
        second = np.einsum("bi,ij,il->bjl", freq, x, x) / n
        cov = second - mean[:, :, None] * mean[:, None, :]
        out[start:start + b] = _alpha_of(cov)
        report(min(start + b, r), r)
    return out


def _adf_alpha(x: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """ADF interval (Maydeu-Olivares, Coffman & Hartmann, 2007): ``alpha +- z SE`` with
    ``SE^2 = delta' Gamma delta / n``, ``Gamma`` the fourth-moment (ADF) covariance matrix
    of the covariances and ``delta`` the gradient of alpha, both at the ``1/n`` moments.

    With ``G = dalpha/dS = k/(k-1) (t 11' - s I) / s^2`` (``t = tr S``, ``s = 1'S1``) and
    ``d_r`` the centred answers of respondent ``r``, ``delta' Gamma delta`` is the variance
    over respondents of ``d_r' G d_r`` (``vec(d d')`` has covariance ``Gamma``), which
    avoids forming the ``k(k+1)/2``-square ``Gamma``.
    """
    n, k = x.shape
    d = x - x.mean(axis=0)
    s_ml = d.T @ d / n
    a = float(_alpha_of(s_ml))
    t, s = float(np.trace(s_ml)), float(s_ml.sum())
    g = k / (k - 1) * (t * np.ones((k, k)) - s * np.eye(k)) / s**2
    q = np.einsum("ri,ij,rj->r", d, g, d)
    se = math.sqrt(float(np.mean((q - q.mean()) ** 2)) / n)
    z = float(stats.norm.ppf((1 + level) / 2))
    return a, a - z * se, a + z * se, se


def alpha_interval(
    data: pd.DataFrame | np.ndarray,
    *,
    method: str = "adf",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = None,
    indices: np.ndarray | None = None,
    progress: bool | ProgressCallback | None = None,
) -> ReliabilityInterval:
    r"""Confidence interval for Cronbach's (raw) alpha that holds in small samples.

    .. math:: \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} S}{\mathbf 1'S\mathbf 1}\Bigr)

    - ``"adf"`` (default): the asymptotically distribution-free interval of
      Maydeu-Olivares, Coffman & Hartmann (2007), :math:`\hat\alpha \pm z\,
      \sqrt{\hat\delta'\hat\Gamma\hat\delta / n}` with :math:`\hat\Gamma` the fourth-order
      moment estimate of the covariance of the sample covariances and :math:`\hat\delta`
      the gradient of alpha (both from the ``1/n`` moments). It does not assume normal
      data or parallel items.
    - ``"bca"``: the bias-corrected and accelerated bootstrap interval, as
      ``boot::boot.ci(type = "bca")`` (regression estimate of the influence values).
    - ``"percentile"``: the bootstrap percentile interval (``boot.ci(type = "perc")``).

    Parameters
    ----------
    data : DataFrame or array
        Respondents x items. Respondents with a missing answer are left out (with a
        warning saying how many).
    method : {"adf", "bca", "percentile"}
        The interval.
    level : float
        Confidence level.
    n_boot : int
        Bootstrap resamples.
    seed : int or Generator, optional
        Seed of the resampling.
    indices : array (n_boot, n), optional
        The resamples as 0-based row positions of the complete respondents (e.g. R's
        ``boot.array(b, indices = TRUE) - 1``), instead of drawing them.
    progress : None, True or callable
        Progress of the bootstrap.

    Returns
    -------
    ReliabilityInterval

    References
    ----------
    Maydeu-Olivares, A., Coffman, D. L. & Hartmann, W. M. (2007). Asymptotically
    distribution-free (ADF) interval estimation of coefficient alpha. Psychological
    Methods, 12, 157-176.
    Efron, B. (1987). Better bootstrap confidence intervals. JASA, 82, 171-185.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(4)
    >>> t = rng.normal(size=(18, 1))
    >>> x = pd.DataFrame(t + rng.normal(size=(18, 5)), columns=list("abcde"))
    >>> adf = pm.alpha_interval(x)
    >>> adf.method, adf.lower < adf.estimate < adf.upper
    ('adf', True)
    >>> boot = pm.alpha_interval(x, method="bca", n_boot=500, seed=1)
    >>> round(boot.estimate, 6) == round(adf.estimate, 6)
    True
    """
    _check_level(level)
    if method not in ("adf", *_BOOT_METHODS):
        raise ValueError(f"method must be 'adf', 'bca' or 'percentile'; got {method!r}")
    x, _, _ = _complete_items(data, "alpha_interval")
    n, k = x.shape
    notes: list[str] = []
    if method == "adf":
        est, lo, hi, se = _adf_alpha(x, level)
        if n < 50:
            notes.append(f"the ADF interval is asymptotic; with {n} respondents its coverage "
                         f"is approximate (Maydeu-Olivares et al. recommend it from about "
                         f"n = 50; compare the BCa bootstrap)")
        return ReliabilityInterval(coefficient="alpha", estimate=est, lower=lo, upper=hi,
                                   level=float(level), method="adf", se=se, n_obs=n,
                                   n_items=k, _notes=tuple(notes))
    idx = _resample_indices(n, n_boot, seed, indices)
    t = _bootstrap_alpha(x, idx, resolve_progress(progress, "bootstrap alpha"))
    t0 = float(_alpha_of(np.cov(x, rowvar=False)))
    return _bootstrap_result("alpha", t0, t, idx, method, level, n, k, notes)


# ---- omega ---------------------------------------------------------------------------------


def omega_interval(
    data: pd.DataFrame | np.ndarray,
    *,
    method: str = "bca",
    coefficient: str = "total",
    n_factors: int = 1,
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    indices: np.ndarray | None = None,
    progress: bool | ProgressCallback | None = None,
    **omega_options: Any,
) -> ReliabilityInterval:
    """Bootstrap confidence interval (BCa or percentile) for McDonald's omega.

    Each resample of respondents is analysed by :func:`psychometrics.omega` (psych's
    ``omega``: Schmid-Leiman solution of ``n_factors`` factors) and the interval is formed
    as ``boot::boot.ci`` does (see :func:`alpha_interval` and :func:`bca`). Resamples on
    which omega cannot be computed are left out and counted.

    Parameters
    ----------
    data : DataFrame or array
        Respondents x items (complete respondents are used, with a warning).
    method : {"bca", "percentile"}
        The interval.
    coefficient : {"total", "hierarchical"}
        omega total, or omega hierarchical (needs ``n_factors >= 2``).
    n_factors : int
        Factors of the Schmid-Leiman solution (1: omega total of a one-factor model).
    level, n_boot, seed, indices, progress
        As :func:`alpha_interval`.
    **omega_options
        ``rotation`` and ``method`` of :func:`psychometrics.omega` (the latter as
        ``fm=``, since ``method`` names the interval here).

    Returns
    -------
    ReliabilityInterval

    References
    ----------
    Kelley, K. & Pornprasertmanit, S. (2016). Confidence intervals for population
    reliability coefficients: evaluation of methods, recommendations, and software for
    composite measures. Psychological Methods, 21, 69-92.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(5)
    >>> t = rng.normal(size=(40, 1))
    >>> x = pd.DataFrame(t + rng.normal(size=(40, 4)), columns=list("abcd"))
    >>> res = pm.omega_interval(x, n_boot=200, seed=2)
    >>> res.coefficient, res.lower < res.estimate < res.upper
    ('omega_total', True)
    """
    from psychometrics.coefficients._omega import omega

    _check_level(level)
    if method not in _BOOT_METHODS:
        raise ValueError(f"method must be 'bca' or 'percentile' for omega; got {method!r}")
    if coefficient not in ("total", "hierarchical"):
        raise ValueError(f"coefficient must be 'total' or 'hierarchical'; got {coefficient!r}")
    if coefficient == "hierarchical" and n_factors < 2:
        raise ValueError("omega hierarchical needs n_factors >= 2")
    fm = omega_options.pop("fm", "minres")
    rotation = omega_options.pop("rotation", "oblimin")
    if omega_options:
        raise TypeError(f"unexpected argument(s): {', '.join(omega_options)}")
    x, names, _ = _complete_items(data, "omega_interval")
    n, k = x.shape
    attr = "omega_total" if coefficient == "total" else "omega_hierarchical"

    def stat(rows: np.ndarray) -> float:
        frame = pd.DataFrame(x[rows], columns=names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return float(getattr(omega(frame, n_factors=n_factors, method=fm,
                                           rotation=rotation), attr))
            except (DataValidationError, ValueError, np.linalg.LinAlgError):
                return float("nan")

    t0 = stat(np.arange(n))
    if not math.isfinite(t0):
        raise DataValidationError("omega could not be computed on the whole sample")
    idx = _resample_indices(n, n_boot, seed, indices)
    t = _loop(stat, idx, resolve_progress(progress, "bootstrap omega"))
    return _bootstrap_result(f"omega_{coefficient}", t0, t, idx, method, level, n, k, [])


def _loop(stat: Callable[[np.ndarray], float], idx: np.ndarray,
          report: ProgressCallback) -> np.ndarray:
    """One factor analysis per resample: each is an iterative fit, not a moment update."""
    r = idx.shape[0]
    out = np.empty(r)
    report(0, r)
    for i in range(r):
        out[i] = stat(idx[i])
        if (i + 1) % 25 == 0 or i + 1 == r:
            report(i + 1, r)
    return out
