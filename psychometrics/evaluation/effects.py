"""Standardised effect sizes with confidence intervals, computed as R's effectsize 0.8.3 does.

The d family's intervals invert the noncentral t distribution of the test statistic
(Steiger & Fouladi 1997): the noncentrality parameters whose t distributions put the
observed t at the upper and lower tail probabilities, rescaled to d. effectsize finds them
with ``optim``; here they are the roots of ``nct.cdf(t, df, ncp) = p`` (brentq), the exact
values that ``optim`` approaches. The rank-biserial correlation's interval is normal on
Fisher's z scale. d_av and d_rm (not in effectsize 0.8.3) use the normal intervals of
effectsize >= 0.8.5's ``repeated_measures_d`` without its small-sample adjustment.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from psychometrics.errors import NumericalWarning
from psychometrics.results import ResultMixin

__all__ = ["KINDS", "EffectSize", "effect_size"]

Kind = Literal["cohen_d", "hedges_g", "glass_delta", "d_z", "d_av", "d_rm", "rank_biserial",
               "cliffs_delta"]
KINDS: tuple[str, ...] = ("cohen_d", "hedges_g", "glass_delta", "d_z", "d_av", "d_rm",
                          "rank_biserial", "cliffs_delta")
PAIRED_KINDS = ("d_z", "d_av", "d_rm")
INDEPENDENT_KINDS = ("glass_delta", "cliffs_delta")

NCP_METHOD = "noncentral t (Steiger & Fouladi 1997), as R effectsize 0.8.3"
FISHER_Z_METHOD = "normal on Fisher's z scale, as R effectsize 0.8.3"


@dataclass(frozen=True)
class EffectSize(ResultMixin):
    """An effect size with its confidence interval.

    Attributes
    ----------
    kind : str
        Which effect size (see :func:`effect_size`).
    estimate, ci_lower, ci_upper : float
        The estimate and its interval (NaN when not computable; ``note`` says why).
    ci : float
        The confidence level.
    ci_method : str
        How the interval was computed.
    n : int
        Observations used: both groups together, or the number of pairs.
    n_1, n_2 : int
        Observations of each sample (both the number of pairs when paired).
    paired : bool
        Whether the samples were paired.
    note : str
        Why a number is missing or fragile (small samples, zero variance, dropped NaN).
    """

    kind: str
    estimate: float
    ci_lower: float
    ci_upper: float
    ci: float
    ci_method: str
    n: int
    n_1: int
    n_2: int
    paired: bool
    note: str = ""

    _title = "Effect size"

    def __float__(self) -> float:
        return float(self.estimate)


# -- the shared pieces (also used by compare_groups and change) --------------------------------


def check_ci(ci: float) -> float:
    if not isinstance(ci, int | float) or not 0 < ci < 1:
        raise ValueError(f"ci is a confidence level in (0, 1), got {ci!r}")
    return float(ci)


def as_sample(x: Any, name: str) -> np.ndarray:
    """A 1-D float array (numbers only; NaN kept for the caller to count)."""
    if isinstance(x, pd.DataFrame):
        raise ValueError(f"{name} must be one column of numbers, not a DataFrame")
    values = pd.to_numeric(pd.Series(np.asarray(x, dtype=object).ravel()), errors="coerce")
    bad = pd.Series(np.asarray(x, dtype=object).ravel()).notna() & values.isna()
    if bad.any():
        where = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{name} holds a value that is not a number at position {where}: "
                         f"{np.asarray(x, dtype=object).ravel()[where]!r}")
    return values.to_numpy(dtype=float, na_value=np.nan)


def ncp_interval(t: float, df: float, ci: float) -> tuple[float, float]:
    """Noncentrality parameters ``(lo, hi)`` with ``P(T <= t | lo) = 1 - a/2`` and
    ``P(T <= t | hi) = a/2`` for ``T ~ t(df, ncp)``: the interval effectsize inverts."""
    from scipy.optimize import brentq
    from scipy.special import nctdtr

    if not (math.isfinite(t) and math.isfinite(df) and df > 0):
        return math.nan, math.nan
    alpha = 1.0 - ci

    def root(p: float) -> float:
        def f(nc: float) -> float:
            return float(nctdtr(df, nc, t)) - p

        step = max(2.0, abs(t))
        lo, hi = t - step, t + step
        for _ in range(60):  # the cdf falls in ncp: widen until the root is bracketed
            if f(lo) > 0 > f(hi):
                return float(brentq(f, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))
            lo, hi = lo - step, hi + step
            step *= 2
        return math.nan

    return root(1 - alpha / 2), root(alpha / 2)


def hedges_j(df: float) -> float:
    """Hedges' exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2))."""
    if not df > 1:
        return math.nan
    return math.exp(math.lgamma(df / 2) - 0.5 * math.log(df / 2) - math.lgamma((df - 1) / 2))


def _warn(note: str) -> None:
    warnings.warn(note, NumericalWarning, stacklevel=3)


def _nan_result(kind: str, ci: float, method: str, n1: int, n2: int, paired: bool,
                note: str) -> EffectSize:
    _warn(f"{kind}: {note}")
    n = n1 if paired else n1 + n2
    return EffectSize(kind, math.nan, math.nan, math.nan, ci, method, n, n1, n2, paired, note)


def d_family(x: np.ndarray, y: np.ndarray, kind: str, ci: float) -> EffectSize:
    """cohen_d, hedges_g or glass_delta of two independent samples without NaN."""
    n1, n2 = x.size, y.size
    if n1 < 2 or n2 < 2:
        return _nan_result(kind, ci, NCP_METHOD, n1, n2, False,
                           f"needs at least 2 observations per group (have {n1} and {n2})")
    diff = float(x.mean() - y.mean())
    v1, v2 = float(x.var(ddof=1)), float(y.var(ddof=1))
    if kind == "glass_delta":
        s, hn, df = math.sqrt(v2), 1 / n2 + v1 / (n1 * v2) if v2 > 0 else math.nan, n2 - 1
        se = s * math.sqrt(hn) if v2 > 0 else math.nan
    else:
        df = n1 + n2 - 2
        s = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df)
        hn = 1 / n1 + 1 / n2
        se = s * math.sqrt(hn)
    if not s > 0:
        which = "the second group" if kind == "glass_delta" else "both groups"
        return _nan_result(kind, ci, NCP_METHOD, n1, n2, False,
                           f"the standard deviation of {which} is zero")
    lo, hi = ncp_interval(diff / se, df, ci)
    est, lo, hi = diff / s, lo * math.sqrt(hn), hi * math.sqrt(hn)
    if kind == "hedges_g":
        j = hedges_j(df)
        est, lo, hi = est * j, lo * j, hi * j
    return EffectSize(kind, est, lo, hi, ci, NCP_METHOD, n1 + n2, n1, n2, False,
                      _small_note(min(n1, n2)))


def paired_d(pre: np.ndarray, post: np.ndarray, kind: str, ci: float) -> EffectSize:
    """d_z, d_av or d_rm of complete pairs: mean(post - pre) over a standardiser."""
    from scipy.special import ndtri

    n = pre.size
    d = post - pre
    method = NCP_METHOD if kind == "d_z" else (
        "normal, SE of Algina & Keselman (2003) eq. 4 (as effectsize >= 0.8.5)"
        if kind == "d_av" else
        "normal, SE of Cooper et al. (2009) eq. 12.21 (as effectsize >= 0.8.5)")
    if n < 2 or (kind != "d_z" and n < 3):
        return _nan_result(kind, ci, method, n, n, True,
                           f"needs at least {2 if kind == 'd_z' else 3} complete pairs "
                           f"(have {n})")
    m, sd_d = float(d.mean()), float(d.std(ddof=1))
    z = float(ndtri(1 - (1 - ci) / 2))
    if kind == "d_z":
        if not sd_d > 0:
            return _nan_result(kind, ci, method, n, n, True,
                               "every pair changed by the same amount (zero SD of the change)")
        lo, hi = ncp_interval(m / (sd_d / math.sqrt(n)), n - 1, ci)
        est, lo, hi = m / sd_d, lo / math.sqrt(n), hi / math.sqrt(n)
    elif kind == "d_av":
        s = math.sqrt((pre.var(ddof=1) + post.var(ddof=1)) / 2)
        if not s > 0:
            return _nan_result(kind, ci, method, n, n, True, "zero SD before and after")
        est = m / s
        se = math.sqrt(d.var(ddof=1) / n) / s
        lo, hi = est - z * se, est + z * se
    else:
        if not (pre.std(ddof=1) > 0 and post.std(ddof=1) > 0 and sd_d > 0):
            return _nan_result(kind, ci, method, n, n, True,
                               "d_rm needs variation before, after and in the change")
        r = float(np.corrcoef(pre, post)[0, 1])
        f = 2 * (1 - r)
        est = m / (sd_d / math.sqrt(f))
        se = math.sqrt((1 / n + est**2 / (2 * n)) * f)
        lo, hi = est - z * se, est + z * se
    return EffectSize(kind, est, lo, hi, ci, method, n, n, n, True, _small_note(n))


def rank_biserial(x: np.ndarray, y: np.ndarray | None, kind: str, ci: float,
                  paired: bool) -> EffectSize:
    """Rank-biserial correlation (independent: (U1 - U2) / (n1 n2); paired or one sample:
    matched-pairs, from the signed ranks); Cliff's delta is the independent one."""
    from scipy.special import ndtri
    from scipy.stats import rankdata

    if paired or y is None:
        d = x if y is None else x - y
        d = d[d != 0]
        n1 = n2 = x.size
        nd = d.size
        if nd < 1:
            return _nan_result(kind, ci, FISHER_Z_METHOD, n1, n2, True,
                               "every difference is zero")
        ranks = rankdata(np.abs(d))
        total = nd * (nd + 1) / 2
        est = (ranks[d > 0].sum() - ranks[d < 0].sum()) / total
        se = math.sqrt((2 * nd**3 + 3 * nd**2 + nd) / 6) / total
        n = n1
    else:
        n1, n2 = x.size, y.size
        if n1 < 1 or n2 < 1:
            return _nan_result(kind, ci, FISHER_Z_METHOD, n1, n2, False,
                               f"needs observations in both groups (have {n1} and {n2})")
        ranks = rankdata(np.concatenate([x, y]))
        u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2
        u2 = ranks[n1:].sum() - n2 * (n2 + 1) / 2
        est = (u1 - u2) / (n1 * n2)
        se = math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
        n = n1 + n2
    z = float(ndtri(1 - (1 - ci) / 2))
    with np.errstate(divide="ignore"):
        rf = float(np.arctanh(est))
    lo, hi = math.tanh(rf - z * se), math.tanh(rf + z * se)
    note = _small_note(min(n1, n2))
    if abs(est) == 1:
        note = "; ".join(filter(None, [note, "complete separation: the interval is the "
                                             "single point ±1"]))
    return EffectSize(kind, float(est), lo, hi, ci, FISHER_Z_METHOD, n, n1, n2,
                      paired or y is None, note)


def _small_note(n: int) -> str:
    if n < 10:
        return f"small sample (smallest group {n}): the interval is wide and approximate"
    return ""


# -- the public function -------------------------------------------------------------------------


def effect_size(
    x: Any,
    y: Any = None,
    *,
    kind: Kind = "hedges_g",
    paired: bool = False,
    ci: float = 0.95,
) -> EffectSize:
    r"""A standardised effect size of one or two samples, with its confidence interval.

    Independent samples (``x`` the first group, ``y`` the second):

    .. math::

        d = \frac{\bar x - \bar y}{s_p},\quad s_p^2 = \frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}
        {n_1+n_2-2},\qquad g = J(n_1+n_2-2)\,d,\quad
        J(\nu) = \frac{\Gamma(\nu/2)}{\sqrt{\nu/2}\,\Gamma((\nu-1)/2)},\qquad
        \Delta = \frac{\bar x - \bar y}{s_2}

    Paired samples (:math:`D = x - y` pair by pair, :math:`r` the correlation of x and y;
    for change from baseline pass the later scores as ``x``, as :func:`change` does):

    .. math::

        d_z = \frac{\bar D}{s_D},\qquad
        d_{av} = \frac{\bar D}{\sqrt{(s_x^2 + s_y^2)/2}},\qquad
        d_{rm} = \frac{\bar D}{s_D}\sqrt{2(1-r)}

    d_z and d_rm are Lakens' (2013) eqs. 6 and 9. d_av's standardiser is the root mean
    square of the two SDs, as in R's effectsize (>= 0.8.5, ``repeated_measures_d(method =
    "av")``) and Cumming (2013, p. 291); Lakens (2013, eq. 10) divides by their mean
    :math:`(s_x + s_y)/2` instead, which gives a d_av larger in size when the SDs differ
    (by 2% for SDs of 5.2 and 8.0; tests/test_paired_d_lakens.py).

    The rank-biserial correlation is :math:`(U_1 - U_2)/(n_1 n_2)` for independent samples
    (it *is* Cliff's delta, :math:`P(X>Y) - P(X<Y)`) and
    :math:`(R_+ - R_-)/(n_d(n_d+1)/2)` of the signed ranks of the non-zero differences
    :math:`x - y` when paired. Every kind estimates x relative to y, as in effectsize.

    Intervals: the d family (cohen_d, hedges_g, glass_delta, d_z) inverts the noncentral t
    distribution of the t statistic, as R's effectsize 0.8.3; d_av and d_rm use the
    normal intervals of effectsize >= 0.8.5's ``repeated_measures_d`` (no small-sample
    adjustment); the rank-biserial and Cliff's delta are normal on Fisher's z scale.
    ``ci_method`` on the result says which.

    Parameters
    ----------
    x, y
        Numbers (lists, arrays or Series). Without ``y``, ``x`` is one sample compared
        with zero (cohen_d, hedges_g or rank_biserial). Missing values are left out (of
        the pair, when paired) and counted in ``note``.
    kind
        ``cohen_d`` (pooled SD), ``hedges_g`` (default), ``glass_delta`` (SD of the second
        group), ``d_z``, ``d_av``, ``d_rm`` (paired), ``rank_biserial`` or
        ``cliffs_delta`` (independent).
    paired
        Whether ``x`` and ``y`` are paired by position (needed for cohen_d, hedges_g and
        rank_biserial to be paired; implied by d_z, d_av and d_rm). Paired cohen_d is d_z
        and paired hedges_g is J(n-1) d_z, as in effectsize.
    ci
        Confidence level.

    Returns
    -------
    EffectSize
        ``estimate``, ``ci_lower``, ``ci_upper``, ``kind``, ``n`` (and ``n_1``, ``n_2``),
        ``ci_method`` and a ``note``. Too few observations or zero variance give NaN with a
        :class:`~psychometrics.errors.NumericalWarning`, never an exception.

    References
    ----------
    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.).
    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*.
    Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval estimation and the
    evaluation of statistical models. In *What if there were no significance tests?*
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
    science. *Frontiers in Psychology*, 4, 863.
    Cumming, G. (2013). *Understanding the new statistics*. Routledge.
    Algina, J., & Keselman, H. J. (2003). Approximate confidence intervals for effect
    sizes. *Educational and Psychological Measurement*, 63, 537-553.
    Kerby, D. S. (2014). The simple difference formula. *Comprehensive Psychology*, 3.
    Ben-Shachar, M. S., Lüdecke, D., & Makowski, D. (2020). effectsize. *JOSS*, 5, 2815.

    Examples
    --------
    >>> from psychometrics import effect_size
    >>> es = effect_size([5.1, 4.8, 6.0, 5.5, 5.9], [4.2, 4.9, 4.4, 5.0, 4.1],
    ...                  kind="cohen_d")
    >>> round(es.estimate, 3), round(es.ci_lower, 3), round(es.ci_upper, 3)
    (2.027, 0.412, 3.567)
    >>> es.ci_method
    'noncentral t (Steiger & Fouladi 1997), as R effectsize 0.8.3'
    >>> round(effect_size([4, 6, 4, 6], [3, 4, 2, 5], kind="d_z").estimate, 3)
    2.598
    """
    ci = check_ci(ci)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind in PAIRED_KINDS:
        paired = True
    if y is None and (kind in PAIRED_KINDS or kind in INDEPENDENT_KINDS):
        raise ValueError(f"{kind} needs two samples (x and y)")
    if paired and kind in INDEPENDENT_KINDS:
        raise ValueError(f"{kind} is for two independent samples; use "
                         f"{'d_z, d_av or d_rm' if kind == 'glass_delta' else 'rank_biserial'}"
                         " for paired ones")
    a = as_sample(x, "x")
    b = None if y is None else as_sample(y, "y")
    dropped = ""
    if paired and b is not None:
        if a.size != b.size:
            raise ValueError(f"paired samples must have the same length ({a.size} and "
                             f"{b.size})")
        keep = ~(np.isnan(a) | np.isnan(b))
        if not keep.all():
            dropped = f"{int((~keep).sum())} incomplete pair(s) left out"
        a, b = a[keep], b[keep]
    else:
        lost = int(np.isnan(a).sum()) + (0 if b is None else int(np.isnan(b).sum()))
        if lost:
            dropped = f"{lost} missing value(s) left out"
        a = a[~np.isnan(a)]
        b = None if b is None else b[~np.isnan(b)]

    if kind in ("rank_biserial", "cliffs_delta"):
        out = rank_biserial(a, b, kind, ci, paired)
    elif b is None or paired:
        base = np.zeros_like(a) if b is None else b
        after = a
        pk = {"cohen_d": "d_z", "hedges_g": "d_z"}.get(kind, kind)
        out = paired_d(base, after, pk, ci)
        if kind == "hedges_g" and math.isfinite(out.estimate):
            j = hedges_j(out.n - 1)
            out = EffectSize(kind, out.estimate * j, out.ci_lower * j, out.ci_upper * j, ci,
                             out.ci_method, out.n, out.n_1, out.n_2, True, out.note)
        elif kind != pk:
            out = EffectSize(kind, out.estimate, out.ci_lower, out.ci_upper, ci,
                             out.ci_method, out.n, out.n_1, out.n_2, True, out.note)
    else:
        out = d_family(a, b, kind, ci)
    if dropped:
        note = "; ".join(filter(None, [out.note, dropped]))
        out = EffectSize(out.kind, out.estimate, out.ci_lower, out.ci_upper, out.ci,
                         out.ci_method, out.n, out.n_1, out.n_2, out.paired, note)
    return out
