"""Proportions (e.g. 39 of 40 want the programme to continue) and their comparison."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from psychometrics.errors import NumericalWarning
from psychometrics.evaluation.effects import check_ci
from psychometrics.results import ResultMixin

__all__ = ["Proportion", "ProportionDifference", "compare_proportions", "proportion"]


@dataclass(frozen=True)
class Proportion(ResultMixin):
    """A proportion ``k / n`` with its Wilson and Clopper-Pearson intervals."""

    k: int
    n: int
    estimate: float
    wilson_lower: float
    wilson_upper: float
    clopper_pearson_lower: float
    clopper_pearson_upper: float
    ci: float
    note: str = ""

    _title = "Proportion"


@dataclass(frozen=True)
class ProportionDifference(ResultMixin):
    """Two proportions: their difference with Newcombe's interval, Fisher's exact test and
    the conditional maximum-likelihood odds ratio with its exact interval (as R's
    ``fisher.test``)."""

    k_1: int
    n_1: int
    k_2: int
    n_2: int
    estimate_1: float
    estimate_2: float
    difference: float
    newcombe_lower: float
    newcombe_upper: float
    fisher_p: float
    odds_ratio: float
    odds_ratio_lower: float
    odds_ratio_upper: float
    ci: float
    note: str = ""

    _title = "Two proportions"


def _counts(k: int, n: int, name: str = "") -> tuple[int, int]:
    for label, v in ((f"k{name}", k), (f"n{name}", n)):
        if isinstance(v, bool) or not float(v).is_integer():
            raise ValueError(f"{label} must be a whole number, got {v!r}")
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k{name} <= n{name} and n{name} >= 1 (got k{name}={k}, "
                         f"n{name}={n})")
    return k, n


def wilson(k: int, n: int, ci: float) -> tuple[float, float]:
    """Wilson's score interval (R ``prop.test(k, n, correct=FALSE)$conf.int``)."""
    from scipy.special import ndtri

    z = float(ndtri(1 - (1 - ci) / 2))
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    # The bounds are exactly 0 at k = 0 and 1 at k = n; rounding would leave 1 - 1e-16.
    lower = 0.0 if k == 0 else max(0.0, (centre - half) / denom)
    upper = 1.0 if k == n else min(1.0, (centre + half) / denom)
    return lower, upper


def proportion(k: int, n: int, *, ci: float = 0.95) -> Proportion:
    r"""A proportion with Wilson's score and Clopper-Pearson's exact intervals.

    .. math::

        \text{Wilson: } \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
        + \frac{z^2}{4n^2}}}{1 + z^2/n},\qquad
        \text{Clopper-Pearson: } \left[B_{\alpha/2}(k, n-k+1),\ B_{1-\alpha/2}(k+1, n-k)\right]

    with :math:`B_q(a, b)` the beta quantile. They are R's ``prop.test(k, n,
    correct=FALSE)`` and ``binom.test(k, n)`` intervals.

    Parameters
    ----------
    k, n
        Successes and trials (``0 <= k <= n``, ``n >= 1``).
    ci
        Confidence level.

    References
    ----------
    Wilson, E. B. (1927). Probable inference. *JASA*, 22, 209-212.
    Clopper, C. J., & Pearson, E. S. (1934). *Biometrika*, 26, 404-413.
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
    *Statistics in Medicine*, 17, 857-872.

    Examples
    --------
    >>> from psychometrics import proportion
    >>> p = proportion(39, 40)
    >>> round(p.estimate, 3), round(p.wilson_lower, 4), round(p.clopper_pearson_lower, 4)
    (0.975, 0.8712, 0.8684)
    """
    from scipy.special import betaincinv

    ci = check_ci(ci)
    k, n = _counts(k, n)
    lo, hi = wilson(k, n, ci)
    a = (1 - ci) / 2
    cp_lo = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, a))
    cp_hi = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - a))
    note = f"small sample (n = {n}): the intervals are wide" if n < 10 else ""
    return Proportion(k, n, k / n, lo, hi, cp_lo, cp_hi, ci, note)


def compare_proportions(k1: int, n1: int, k2: int, n2: int, *,
                        ci: float = 0.95) -> ProportionDifference:
    r"""Two independent proportions: difference with Newcombe's interval, Fisher's test.

    Newcombe's hybrid score interval (1998, method 10) combines the groups' Wilson
    intervals :math:`[l_i, u_i]`:

    .. math::

        \hat p_1 - \hat p_2 - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2},\quad
        \hat p_1 - \hat p_2 + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}

    Fisher's exact test is two-sided (the tables at most as probable as the observed
    one), with the conditional MLE of the odds ratio and its exact interval, as R's
    ``fisher.test``.

    Examples
    --------
    >>> from psychometrics import compare_proportions
    >>> res = compare_proportions(40, 89, 18, 28)
    >>> round(res.difference, 4), round(res.newcombe_lower, 4), round(res.fisher_p, 4)
    (-0.1934, -0.3733, 0.0861)
    """
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio

    ci = check_ci(ci)
    k1, n1 = _counts(k1, n1, "1")
    k2, n2 = _counts(k2, n2, "2")
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, ci)
    l2, u2 = wilson(k2, n2, ci)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    tab = [[k1, n1 - k1], [k2, n2 - k2]]
    p = float(fisher_exact(tab, alternative="two-sided").pvalue)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = odds_ratio(tab, kind="conditional")
        interval = res.confidence_interval(confidence_level=ci)
    note = ""
    if min(n1, n2) < 10:
        note = f"small group (n = {min(n1, n2)}): the intervals are wide"
        warnings.warn(f"compare_proportions: {note}", NumericalWarning, stacklevel=2)
    return ProportionDifference(k1, n1, k2, n2, p1, p2, d, lower, upper, min(1.0, p),
                                float(res.statistic), float(interval.low),
                                float(interval.high), ci, note)
