"""Change from baseline: paired tests, paired effect sizes and reliable change."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from psychometrics.errors import NumericalWarning
from psychometrics.evaluation import significance as sig
from psychometrics.evaluation.effects import as_sample, check_ci, paired_d
from psychometrics.results import ResultMixin, format_number

__all__ = ["CHANGE_COLUMNS", "Change", "change"]

CHANGE_COLUMNS = [
    "n", "mean_pre", "mean_post", "mean_diff", "mean_diff_lower", "mean_diff_upper", "t", "df",
    "pvalue", "wilcoxon_v", "wilcoxon_p", "d_z", "d_z_lower", "d_z_upper", "d_av",
    "d_av_lower", "d_av_upper", "d_rm", "d_rm_lower", "d_rm_upper", "n_improved",
    "n_no_reliable_change", "n_deteriorated",
]


@dataclass(frozen=True)
class Change(ResultMixin):
    """Change from ``pre`` to ``post`` in complete pairs: see :func:`change`.

    Attributes
    ----------
    n : int
        Complete pairs (both scores present).
    n_unpaired : int
        Respondents with only one of the two scores (kept in ``respondents``).
    mean_pre, mean_post, mean_diff, mean_diff_lower, mean_diff_upper : float
        Means of the complete pairs; the mean change (post - pre) with its t interval.
    t, df, pvalue : float
        Paired t test (R ``t.test(post, pre, paired=TRUE)``).
    wilcoxon_v, wilcoxon_p : float
        Wilcoxon signed-rank test (R ``wilcox.test(post, pre, paired=TRUE, correct=TRUE)``);
        V is the sum of the ranks of the positive changes.
    d_z, d_av, d_rm (each with ``_lower``, ``_upper``) : float
        Standardised mean change, as :func:`effect_size` computes them.
    reliability, sd : float
        What the reliable change used (NaN without a reliability).
    n_improved, n_no_reliable_change, n_deteriorated : int
        Jacobson-Truax classification counts (0 without a reliability).
    respondents : DataFrame
        One row per respondent (the union of both inputs, pre's order first): ``pre``,
        ``post``, ``change``, and with a reliability ``rci`` and ``classification`` as
        :func:`psychometrics.reliable_change` computes them.
    ci : float
        Confidence level of the intervals and of the reliable-change criterion.
    note : str
        Caveats (few pairs, zero variance, unpaired respondents).
    """

    n: int
    n_unpaired: int
    mean_pre: float
    mean_post: float
    mean_diff: float
    mean_diff_lower: float
    mean_diff_upper: float
    t: float
    df: float
    pvalue: float
    wilcoxon_v: float
    wilcoxon_p: float
    d_z: float
    d_z_lower: float
    d_z_upper: float
    d_av: float
    d_av_lower: float
    d_av_upper: float
    d_rm: float
    d_rm_lower: float
    d_rm_upper: float
    reliability: float
    sd: float
    n_improved: int
    n_no_reliable_change: int
    n_deteriorated: int
    respondents: pd.DataFrame
    ci: float
    note: str = ""

    _title = "Change from baseline"

    @property
    def row(self) -> dict[str, Any]:
        """The scalar results under :data:`CHANGE_COLUMNS` (one tidy row)."""
        return {c: getattr(self, c) for c in CHANGE_COLUMNS}

    def summary(self, digits: int = 3) -> str:
        lines = [self._title, "=" * len(self._title)]
        for name, value in self._scalars().items():
            lines.append(f"{name:<24} {format_number(value, digits)}")
        if "classification" in self.respondents:
            counts = self.respondents["classification"].value_counts()
            lines += ["", "reliable change (Jacobson-Truax):", counts.to_string()]
        return "\n".join(lines)


def _align(pre: Any, post: Any, pair_by: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    indexed = isinstance(pre, pd.Series) and isinstance(post, pd.Series)
    if pair_by == "auto":
        pair_by = "index" if indexed and not pre.index.equals(post.index) else "position"
    if pair_by == "index":
        if not indexed:
            raise ValueError("pair_by='index' needs pre and post as pandas Series")
        for name, s in (("pre", pre), ("post", post)):
            if s.index.has_duplicates:
                dup = s.index[s.index.duplicated()][0]
                raise ValueError(f"{name} has the index value {dup!r} more than once; a "
                                 "respondent must appear once per wave")
        index = pre.index.append(post.index.difference(pre.index, sort=False))
        a = as_sample(pre.reindex(index), "pre")
        b = as_sample(post.reindex(index), "post")
        return index, a, b
    if pair_by != "position":
        raise ValueError(f"pair_by must be 'auto', 'position' or 'index', got {pair_by!r}")
    a, b = as_sample(pre, "pre"), as_sample(post, "post")
    if a.size != b.size:
        raise ValueError(f"pre and post paired by position must have the same length "
                         f"({a.size} and {b.size}); pass Series to pair them by index")
    index = pre.index if isinstance(pre, pd.Series) else pd.RangeIndex(a.size)
    return index, a, b


def change(
    pre: Any,
    post: Any,
    *,
    reliability: float | None = None,
    sd: float | None = None,
    ci: float = 0.95,
    higher_is_better: bool = True,
    pair_by: Literal["auto", "position", "index"] = "auto",
) -> Change:
    r"""Change from baseline in paired scores: t and Wilcoxon tests, d_z, d_av, d_rm and,
    with a reliability, the Jacobson-Truax reliable change of every respondent.

    With :math:`D_i = post_i - pre_i` over the :math:`n` complete pairs:

    .. math::

        t = \frac{\bar D}{s_D/\sqrt n},\ df = n - 1,\qquad
        \bar D \pm t_{1-\alpha/2,\,n-1}\,s_D/\sqrt n,\qquad
        RC_i = \frac{D_i}{\sqrt 2\, s\sqrt{1 - r_{xx}}}

    and d_z, d_av, d_rm as in :func:`effect_size` (post relative to pre).

    Parameters
    ----------
    pre, post
        Scores at baseline and later. Paired by position, or by index when both are
        Series with different indexes (``pair_by="auto"``); respondents present in only
        one are kept in ``respondents`` and counted in ``n_unpaired``.
    reliability
        Reliability of the score (e.g. alpha at baseline) for the reliable change index;
        without it there is no per-respondent classification.
    sd
        SD for the reliable change (Jacobson & Truax: of the baseline scores); default the
        SD of every available ``pre`` score.
    ci
        Confidence level of the intervals and of the reliable-change criterion.
    higher_is_better
        Whether a rise is an improvement (``False`` for symptom scales).
    pair_by
        ``"auto"``, ``"position"`` or ``"index"``.

    Returns
    -------
    Change
        Scalars named as in :data:`CHANGE_COLUMNS` (``row`` gives them as one dict) and the
        per-respondent table ``respondents``. Too few pairs give NaN with a
        :class:`~psychometrics.errors.NumericalWarning`.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance. *Journal of Consulting and
    Clinical Psychology*, 59, 12-19.
    Lakens, D. (2013). Calculating and reporting effect sizes. *Frontiers in Psychology*, 4.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import change
    >>> pre = pd.Series([20.0, 25, 22, 30, 27, 24], index=list("abcdef"))
    >>> post = pd.Series([24.0, 26, 29, 31, 27, 30], index=list("abcdef"))
    >>> res = change(pre, post, reliability=0.85)
    >>> res.n, round(res.mean_diff, 3), round(res.t, 3), round(res.d_z, 3)
    (6, 3.167, 2.65, 1.082)
    >>> res.n_improved, res.n_no_reliable_change
    (3, 3)
    """
    from scipy.special import stdtr, stdtrit

    ci = check_ci(ci)
    index, a, b = _align(pre, post, pair_by)
    complete = ~(np.isnan(a) | np.isnan(b))
    n_unpaired = int(((np.isnan(a) ^ np.isnan(b))).sum())
    x, y = a[complete], b[complete]
    n = int(x.size)
    notes: list[str] = []
    d = y - x
    nan = math.nan
    mean_diff = float(d.mean()) if n else nan
    t = df = p = lo = hi = nan
    if n >= 2:
        s = float(d.std(ddof=1))
        df = float(n - 1)
        q = float(stdtrit(n - 1, 1 - (1 - ci) / 2))
        lo, hi = mean_diff - q * s / math.sqrt(n), mean_diff + q * s / math.sqrt(n)
        if s > 0:
            t = mean_diff / (s / math.sqrt(n))
            p = float(2 * stdtr(n - 1, -abs(t)))
        else:
            notes.append("every pair changed by the same amount: no t test")
    else:
        notes.append(f"{n} complete pair(s): a paired test needs at least 2")
    v, vp, _ = sig.signed_rank(d) if n else (nan, nan, "")
    effects: dict[str, float] = {}
    for kind in ("d_z", "d_av", "d_rm"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            es = paired_d(x, y, kind, ci)
        notes += [str(w.message) for w in caught if issubclass(w.category, NumericalWarning)]
        effects.update({kind: es.estimate, f"{kind}_lower": es.ci_lower,
                        f"{kind}_upper": es.ci_upper})
    if 2 <= n < 10:
        notes.append(f"only {n} complete pairs: the intervals are wide and approximate")
    if n_unpaired:
        notes.append(f"{n_unpaired} respondent(s) have only one of the two scores and are "
                     "not in the paired statistics")

    respondents = pd.DataFrame({"pre": a, "post": b, "change": b - a}, index=index)
    rel = sd_used = nan
    counts = {"improved": 0, "no reliable change": 0, "deteriorated": 0}
    if reliability is not None:
        from psychometrics.measurement_error import reliable_change

        pre_avail = a[~np.isnan(a)]
        sd_used = float(sd) if sd is not None else (
            float(pre_avail.std(ddof=1)) if pre_avail.size > 1 else nan)
        rel = float(reliability)
        if math.isfinite(sd_used) and sd_used > 0:
            rc = reliable_change(a, b, reliability=rel, sd=sd_used, ci=ci,
                                 higher_is_better=higher_is_better)
            rc.index = index
            respondents = rc
            counts.update(rc["classification"].value_counts().to_dict())
        else:
            notes.append("no reliable change: the SD of the baseline scores is not positive")
    note = "; ".join(dict.fromkeys(notes))
    trouble = [n for n in dict.fromkeys(notes) if "only one of the two scores" not in n]
    if trouble:  # unpaired respondents are information (note), not numerical trouble
        warnings.warn(f"change: {'; '.join(trouble)}", NumericalWarning, stacklevel=2)
    return Change(
        n=n, n_unpaired=n_unpaired, mean_pre=float(x.mean()) if n else nan,
        mean_post=float(y.mean()) if n else nan, mean_diff=mean_diff, mean_diff_lower=lo,
        mean_diff_upper=hi, t=t, df=df, pvalue=p, wilcoxon_v=v, wilcoxon_p=vp, **effects,
        reliability=rel, sd=sd_used, n_improved=int(counts["improved"]),
        n_no_reliable_change=int(counts["no reliable change"]),
        n_deteriorated=int(counts["deteriorated"]), respondents=respondents, ci=ci, note=note,
    )
