"""Group comparisons of scores: every pair of groups, omnibus tests, two crossed factors."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.analysis import MISSING_GROUP, group_masks
from psychometrics.errors import MissingColumnError, NumericalWarning
from psychometrics.evaluation import significance as sig
from psychometrics.evaluation.effects import check_ci, d_family, rank_biserial
from psychometrics.results import ResultMixin

__all__ = ["PAIR_COLUMNS", "GroupComparison", "compare_groups"]

PAIR_COLUMNS = [
    "n_1", "n_2", "mean_1", "mean_2", "sd_1", "sd_2", "welch_t", "welch_df", "welch_p",
    "student_t", "student_df", "student_p", "cohen_d", "cohen_d_lower", "cohen_d_upper",
    "hedges_g", "hedges_g_lower", "hedges_g_upper", "mann_whitney_u", "mann_whitney_p",
    "rank_biserial", "rank_biserial_lower", "rank_biserial_upper",
]
OMNIBUS_COLUMNS = ["groups", "n", "welch_f", "welch_df1", "welch_df2", "welch_p",
                   "kruskal_h", "kruskal_df", "kruskal_p"]
INTERACTION_COLUMNS = ["interaction", "interaction_lower", "interaction_upper", "se", "t",
                       "df", "pvalue"]
SMALL_GROUP = 10  # below this a group's comparison gets a plain-language caveat


@dataclass(frozen=True)
class GroupComparison(ResultMixin):
    """Scores compared between groups: see :func:`compare_groups`.

    Attributes
    ----------
    by : tuple of str
        The grouping column(s).
    scores : tuple of str
        The compared score columns.
    ci : float
        Confidence level of every interval.
    groups : DataFrame
        One row per score and group (or cell): ``n``, ``n_missing``, ``mean``, ``sd``.
    table : DataFrame
        One row per score and pair of groups (within each level of the first factor when
        two factors are crossed), with :data:`PAIR_COLUMNS` and a ``note``.
    omnibus : DataFrame
        Welch's ANOVA and Kruskal-Wallis where more than two groups are compared.
    interaction : DataFrame
        Crossed factors only: the difference of differences of each 2 x 2 sub-table, with
        its interval, from the cell-means model (residual variance of all cells).
    notes : tuple of str
        What was left out and why (rows without a group value).
    """

    by: tuple[str, ...]
    scores: tuple[str, ...]
    ci: float
    groups: pd.DataFrame
    table: pd.DataFrame
    omnibus: pd.DataFrame
    interaction: pd.DataFrame
    notes: tuple[str, ...] = ()

    _title = "Group comparison"


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    if column not in data.columns:
        raise MissingColumnError(f"score column '{column}' is not in the data")
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"score column '{column}' holds a value that is not a number in "
                         f"data row {row + 2} (spreadsheet row, header is row 1): "
                         f"{raw.iloc[row]!r}")
    return values.to_numpy(dtype=float, na_value=np.nan)  # nullable Int64: NA -> NaN


def _caught(fn: Any, *args: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args)
    return out, [str(w.message) for w in caught if issubclass(w.category, NumericalWarning)]


def pair_row(x: np.ndarray, y: np.ndarray, ci: float) -> tuple[dict[str, Any], list[str]]:
    """The :data:`PAIR_COLUMNS` of two samples without NaN, and the caveats."""
    notes: list[str] = []
    n1, n2 = x.size, y.size
    row: dict[str, Any] = {
        "n_1": n1, "n_2": n2,
        "mean_1": float(x.mean()) if n1 else math.nan,
        "mean_2": float(y.mean()) if n2 else math.nan,
        "sd_1": float(x.std(ddof=1)) if n1 > 1 else math.nan,
        "sd_2": float(y.std(ddof=1)) if n2 > 1 else math.nan,
    }
    row["welch_t"], row["welch_df"], row["welch_p"] = sig.welch_t(x, y)
    row["student_t"], row["student_df"], row["student_p"] = sig.student_t(x, y)
    for kind in ("cohen_d", "hedges_g"):
        es, caught = _caught(d_family, x, y, kind, ci)
        row[kind], row[f"{kind}_lower"], row[f"{kind}_upper"] = (es.estimate, es.ci_lower,
                                                                 es.ci_upper)
        notes += caught
    row["mann_whitney_u"], row["mann_whitney_p"], _ = sig.mann_whitney(x, y)
    rb, caught = _caught(rank_biserial, x, y, "rank_biserial", ci, False)
    row["rank_biserial"], row["rank_biserial_lower"], row["rank_biserial_upper"] = (
        rb.estimate, rb.ci_lower, rb.ci_upper)
    notes += caught
    small = min(n1, n2)
    if small < 2:  # one plain sentence instead of each statistic's own complaint
        notes = ["a group has no respondents: nothing can be compared" if small == 0 else
                 "a group has 1 respondent: Welch's t and the effect sizes need at least 2 "
                 "per group (Student's t and Mann-Whitney are shown, with little meaning)"]
    elif small < SMALL_GROUP:
        notes.append(f"small group (n = {small}): tests have little power and intervals "
                     "are wide; read the effect size, not the p-value")
    return row, list(dict.fromkeys(notes))


def _levels(data: pd.DataFrame, column: str) -> tuple[list[str], np.ndarray, int]:
    masks = group_masks(data, column)
    labels = np.full(len(data), MISSING_GROUP, dtype=object)
    for label, mask in masks:
        labels[mask] = label
    present = [g for g, _ in masks if g != MISSING_GROUP]
    return present, labels, int((labels == MISSING_GROUP).sum())


def compare_groups(
    data: pd.DataFrame,
    scores: str | Sequence[str],
    by: str | Sequence[str],
    *,
    ci: float = 0.95,
) -> GroupComparison:
    r"""Compare scores between groups: t tests, Mann-Whitney, effect sizes with intervals.

    For each score and each pair of groups (sorted labels; the first is group 1):

    .. math::

        t_{Welch} = \frac{\bar x_1 - \bar x_2}{\sqrt{s_1^2/n_1 + s_2^2/n_2}},\quad
        t_{Student} = \frac{\bar x_1 - \bar x_2}{s_p\sqrt{1/n_1 + 1/n_2}},\quad
        W = R_1 - \frac{n_1(n_1+1)}{2}

    with Cohen's d and Hedges' g (noncentral-t intervals) and the rank-biserial correlation
    (Fisher-z interval), as :func:`effect_size` computes them. ``W`` and its p are R's
    ``wilcox.test(x1, x2, correct=TRUE)``: exact without ties when both groups are under
    50, otherwise normal with tie and continuity corrections. With more than two groups,
    ``omnibus`` adds Welch's ANOVA (R's ``oneway.test``) and Kruskal-Wallis.

    Two crossed factors, ``by=[A, B]``: the pairs of B's levels are compared within each
    level of A (e.g. male vs female mentors, male vs female mentees), ``groups`` holds the
    cell means, and ``interaction`` the difference of differences

    .. math::

        \hat\gamma = (\bar x_{a_2 b_2} - \bar x_{a_2 b_1}) - (\bar x_{a_1 b_2} -
        \bar x_{a_1 b_1}),\quad
        SE = \sqrt{MS_{res}\textstyle\sum_{cells} 1/n},\quad df = N - \#cells

    (the interaction coefficient of R's ``lm(score ~ A * B)``) for each 2 x 2 sub-table.

    Parameters
    ----------
    data
        One row per respondent.
    scores
        Score column(s) (numbers; missing values are left out and counted in ``groups``).
    by
        A grouping column, or two crossed ones. Rows without a group value are left out of
        the comparisons (counted in ``notes``).
    ci
        Confidence level of every interval.

    Returns
    -------
    GroupComparison
        ``table`` (pairs), ``groups`` (descriptives), ``omnibus``, ``interaction``. Groups
        too small for a statistic get NaN and a plain-language ``note``, never an error.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: an alternative
    approach. *Biometrika*, 38, 330-336.
    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance
    analysis. *JASA*, 47, 583-621.
    Mann, H. B., & Whitney, D. R. (1947). *Annals of Mathematical Statistics*, 18, 50-60.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import compare_groups
    >>> df = pd.DataFrame({"score": [3.1, 2.8, 3.6, 3.3, 2.2, 2.9, 2.5, 2.4],
    ...                    "role": ["a", "a", "a", "a", "b", "b", "b", "b"]})
    >>> res = compare_groups(df, "score", "role")
    >>> res.table[["group_1", "group_2", "welch_t", "hedges_g", "mann_whitney_u"]].round(3)
      group_1 group_2  welch_t  hedges_g  mann_whitney_u
    0       a       b     3.13     1.923            15.0
    """
    ci = check_ci(ci)
    score_list = [scores] if isinstance(scores, str) else list(scores)
    factors = [by] if isinstance(by, str) else list(by)
    if not score_list:
        raise ValueError("name at least one score column")
    if len(factors) not in (1, 2):
        raise ValueError(f"by is one grouping column or two crossed ones, got {factors!r}")
    values = {s: _numeric(data, s) for s in score_list}
    levels, labels, notes = [], [], []
    for f in factors:
        present, lab, missing = _levels(data, f)
        levels.append(present)
        labels.append(lab)
        if missing:
            notes.append(f"{missing} row(s) without a value of '{f}' are left out")
    outer = [None] if len(factors) == 1 else levels[0]
    inner_levels, inner_labels = levels[-1], labels[-1]

    group_rows, pair_rows, omni_rows = [], [], []
    for score in score_list:
        v = values[score]
        for a in outer:
            base = np.ones(len(data), bool) if a is None else labels[0] == a
            where = {} if a is None else {factors[0]: a}
            samples = {}
            for b in inner_levels:
                cell = v[base & (inner_labels == b)]
                samples[b] = cell[~np.isnan(cell)]
                x = samples[b]
                group_rows.append({"score": score, **where, factors[-1]: b, "n": x.size,
                                   "n_missing": int(cell.size - x.size),
                                   "mean": float(x.mean()) if x.size else math.nan,
                                   "sd": float(x.std(ddof=1)) if x.size > 1 else math.nan})
            for g1, g2 in combinations(inner_levels, 2):
                row, caveats = pair_row(samples[g1], samples[g2], ci)
                pair_rows.append({"score": score, "by": factors[-1], **where, "group_1": g1,
                                  "group_2": g2, **row, "note": "; ".join(caveats)})
            if len(inner_levels) > 2:
                groups = [samples[b] for b in inner_levels]
                f, df1, df2, p = sig.welch_anova(groups)
                h, hdf, hp = sig.kruskal_wallis(groups)
                small = min(g.size for g in groups)
                note = "" if small >= SMALL_GROUP else (
                    f"smallest group has {small} respondent(s)"
                    + (": Welch's ANOVA needs at least 2 per group" if small < 2 else ""))
                omni_rows.append({"score": score, "by": factors[-1], **where,
                                  "groups": len(groups), "n": sum(g.size for g in groups),
                                  "welch_f": f, "welch_df1": df1, "welch_df2": df2,
                                  "welch_p": p, "kruskal_h": h, "kruskal_df": hdf,
                                  "kruskal_p": hp, "note": note})
    keys = ["score", "by", *factors[:-1]]
    table = pd.DataFrame(pair_rows, columns=[*keys, "group_1", "group_2", *PAIR_COLUMNS,
                                             "note"])
    omnibus = pd.DataFrame(omni_rows, columns=[*keys, *OMNIBUS_COLUMNS, "note"])
    groups_df = pd.DataFrame(group_rows, columns=["score", *factors, "n", "n_missing", "mean",
                                                  "sd"])
    interaction = _interaction(groups_df, factors, ci) if len(factors) == 2 else \
        pd.DataFrame(columns=["score", *INTERACTION_COLUMNS, "note"])
    flagged = [n for frame in (table, omnibus, interaction) for n in frame["note"] if n]
    if flagged:
        warnings.warn(f"{len(flagged)} comparison row(s) carry a caveat (see their note), "
                      f"e.g. {flagged[0]}", NumericalWarning, stacklevel=2)
    return GroupComparison(tuple(factors), tuple(score_list), ci, groups_df, table, omnibus,
                           interaction, tuple(notes))


def _interaction(cells: pd.DataFrame, factors: list[str], ci: float) -> pd.DataFrame:
    from scipy.special import stdtr, stdtrit

    fa, fb = factors
    rows = []
    for score, block in cells.groupby("score", sort=False):
        ok = block[block["n"] > 0]
        resid = float(((ok["n"] - 1) * ok["sd"].fillna(0.0) ** 2).sum())
        df = float(ok["n"].sum() - len(ok))
        mse = resid / df if df > 0 else math.nan
        cell = {(r[fa], r[fb]): r for _, r in block.iterrows()}
        la = list(dict.fromkeys(block[fa]))
        lb = list(dict.fromkeys(block[fb]))
        for a1, a2 in combinations(la, 2):
            for b1, b2 in combinations(lb, 2):
                four = [cell[(a1, b1)], cell[(a1, b2)], cell[(a2, b1)], cell[(a2, b2)]]
                n = [int(c["n"]) for c in four]
                est = (four[3]["mean"] - four[2]["mean"]) - (four[1]["mean"] - four[0]["mean"])
                note = ""
                if min(n) < 1 or not df > 0:
                    se = t = p = lo = hi = math.nan
                    note = "a cell is empty: the interaction cannot be estimated"
                else:
                    se = math.sqrt(mse * sum(1 / k for k in n))
                    t = est / se if se > 0 else math.nan
                    p = float(2 * stdtr(df, -abs(t))) if se > 0 else math.nan
                    q = float(stdtrit(df, 1 - (1 - ci) / 2))
                    lo, hi = est - q * se, est + q * se
                    if min(n) < SMALL_GROUP:
                        note = (f"smallest cell has {min(n)} respondent(s): the interaction "
                                "is estimated imprecisely")
                rows.append({"score": score, f"{fa}_1": a1, f"{fa}_2": a2, f"{fb}_1": b1,
                             f"{fb}_2": b2, "interaction": est, "interaction_lower": lo,
                             "interaction_upper": hi, "se": se, "t": t, "df": df,
                             "pvalue": p, "note": note})
    return pd.DataFrame(rows, columns=["score", f"{fa}_1", f"{fa}_2", f"{fb}_1", f"{fb}_2",
                                       *INTERACTION_COLUMNS, "note"])
