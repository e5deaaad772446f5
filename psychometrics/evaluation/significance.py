"""Classical tests of location on plain arrays, matching R's stats package.

Each returns plain floats (NaN when not computable) so that :func:`compare_groups` and
:func:`change` can put them in tidy rows; the choice between exact and normal-approximation
p-values follows R's ``wilcox.test`` defaults (exact when n < 50 and there are no ties, or
zeros in the paired case), so the numbers agree with R to the last digit.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["kruskal_wallis", "mann_whitney", "signed_rank", "student_t", "welch_anova",
           "welch_t"]

NAN = math.nan


def welch_t(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Welch's t, its Satterthwaite df and the two-sided p (R ``t.test(var.equal=FALSE)``)."""
    from scipy.special import stdtr

    n1, n2 = x.size, y.size
    if n1 < 2 or n2 < 2:
        return NAN, NAN, NAN
    a, b = x.var(ddof=1) / n1, y.var(ddof=1) / n2
    if a + b == 0:
        return NAN, NAN, NAN
    t = (x.mean() - y.mean()) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    return float(t), float(df), float(2 * stdtr(df, -abs(t)))


def student_t(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Student's pooled-variance t, df and two-sided p (R ``t.test(var.equal=TRUE)``)."""
    from scipy.special import stdtr

    n1, n2 = x.size, y.size
    df = n1 + n2 - 2
    if n1 < 1 or n2 < 1 or df < 1:
        return NAN, NAN, NAN
    pooled = ((n1 - 1) * (x.var(ddof=1) if n1 > 1 else 0.0)
              + (n2 - 1) * (y.var(ddof=1) if n2 > 1 else 0.0)) / df
    if pooled == 0:
        return NAN, float(df), NAN
    t = (x.mean() - y.mean()) / math.sqrt(pooled * (1 / n1 + 1 / n2))
    return float(t), float(df), float(2 * stdtr(df, -abs(t)))


def _tie_sum(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    return float((counts**3 - counts).sum())


def mann_whitney(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """R's ``wilcox.test(x, y, correct=TRUE)``: W (U of the first group), p and the method.

    Exact (the distribution of U) when both groups have fewer than 50 values and there are
    no ties; otherwise normal with the tie correction and a continuity correction of 1/2.
    """
    from scipy.special import ndtr
    from scipy.stats import mannwhitneyu, rankdata

    n1, n2 = x.size, y.size
    if n1 < 1 or n2 < 1:
        return NAN, NAN, ""
    both = np.concatenate([x, y])
    ranks = rankdata(both)
    w = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    ties = _tie_sum(both)
    if n1 < 50 and n2 < 50 and ties == 0:
        p = float(mannwhitneyu(x, y, alternative="two-sided", method="exact").pvalue)
        return w, min(1.0, p), "exact"
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        return w, NAN, "normal approximation"
    z = w - n1 * n2 / 2
    z = (z - math.copysign(0.5, z) if z != 0 else 0.0) / sigma
    p = 2 * min(ndtr(z), ndtr(-z))
    return w, float(min(1.0, p)), "normal approximation with continuity correction"


def signed_rank(d: np.ndarray) -> tuple[float, float, str]:
    """R's ``wilcox.test(paired=TRUE, correct=TRUE)`` on differences ``d``: V (sum of the
    positive ranks), p and the method. Zero differences are dropped; exact when fewer than
    50 remain and there were no ties and no zeros, else normal with corrections."""
    from scipy.special import ndtr
    from scipy.stats import rankdata, wilcoxon

    zeros = bool((d == 0).any())
    d = d[d != 0]
    n = d.size
    if n < 1:
        return NAN, NAN, ""
    ranks = rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    ties = _tie_sum(np.abs(d))
    if n < 50 and ties == 0 and not zeros:
        p = float(wilcoxon(d, alternative="two-sided", method="exact").pvalue)
        return v, min(1.0, p), "exact"
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48)
    if sigma == 0:
        return v, NAN, "normal approximation"
    z = v - n * (n + 1) / 4
    z = (z - math.copysign(0.5, z) if z != 0 else 0.0) / sigma
    p = 2 * min(ndtr(z), ndtr(-z))
    return v, float(min(1.0, p)), "normal approximation with continuity correction"


def welch_anova(groups: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's heteroscedastic one-way ANOVA (R ``oneway.test(var.equal=FALSE)``):
    F, numerator df, denominator df and p."""
    from scipy.special import fdtrc

    k = len(groups)
    n = np.array([g.size for g in groups], dtype=float)
    if k < 2 or (n < 2).any():
        return NAN, NAN, NAN, NAN
    m = np.array([g.mean() for g in groups])
    v = np.array([g.var(ddof=1) for g in groups])
    if (v == 0).any():
        return NAN, NAN, NAN, NAN
    w = n / v
    big_w = w.sum()
    mean_w = (w * m).sum() / big_w
    tmp = (((1 - w / big_w) ** 2) / (n - 1)).sum() / (k * k - 1)
    f = ((w * (m - mean_w) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) * tmp)
    df2 = 1 / (3 * tmp)
    return float(f), float(k - 1), float(df2), float(fdtrc(k - 1, df2, f))


def kruskal_wallis(groups: list[np.ndarray]) -> tuple[float, float, float]:
    """Kruskal-Wallis H with the tie correction, its df and p (R ``kruskal.test``)."""
    from scipy.special import chdtrc
    from scipy.stats import rankdata

    k = len(groups)
    if k < 2 or any(g.size < 1 for g in groups):
        return NAN, NAN, NAN
    both = np.concatenate(groups)
    n = both.size
    ranks = rankdata(both)
    edges = np.cumsum([0] + [g.size for g in groups])
    stat = sum(ranks[a:b].sum() ** 2 / (b - a) for a, b in itertools.pairwise(edges))
    h = 12 / (n * (n + 1)) * stat - 3 * (n + 1)
    correction = 1 - _tie_sum(both) / (n**3 - n)
    if correction == 0:
        return NAN, float(k - 1), NAN
    h /= correction
    return float(h), float(k - 1), float(chdtrc(k - 1, h))
