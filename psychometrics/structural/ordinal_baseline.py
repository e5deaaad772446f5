r"""The independence (baseline) model of an ordinal SEM, from the stage-1 statistics alone.

lavaan's baseline for ordered items keeps every threshold free and fixes every polychoric
correlation at 0 (``lav_object_independence``). With a diagonal (DWLS, ULS) weight its
thresholds fit exactly, so its test statistic is closed-form,

.. math:: T_0 = \sum_g (N_g - 1) \sum_{j<k} w_{g,jk}\, r_{g,jk}^2, \qquad
   df_0 = \sum_g p_g (p_g - 1) / 2,

and its Jacobian is the identity on the thresholds: its robust tests need no optimiser.
An engine gets CFI/TLI (standard and scaled) from these and its model's own tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from psychometrics.results import ResultMixin
from psychometrics.structural.ordinal_stats import OrdinalSampleStats, vech_pairs
from psychometrics.structural.wls_robust import (
    RobustTest,
    _pvalue,
    mean_var_adjusted_test,
    satorra_bentler_test,
    scaled_shifted_test,
    ugamma_traces,
)

__all__ = ["IndependenceTests", "independence_tests"]

_TESTS = ("standard", "scaled.shifted", "mean.var.adjusted", "satorra.bentler")


@dataclass(frozen=True)
class IndependenceTests(ResultMixin):
    """The baseline model's tests; see :func:`independence_tests`."""

    stat: float
    df: int
    pvalue: float
    stat_group: tuple[float, ...]
    robust: RobustTest | None

    _title = "Independence (baseline) model"

    def summary(self, digits: int = 3) -> str:
        lines = [self._title, "=" * len(self._title),
                 f"standard   chisq {self.stat:.{digits}f}  df {self.df}  p {self.pvalue:.4g}"]
        if self.robust is not None:
            r = self.robust
            lines.append(f"{r.test:<10} chisq {r.stat:.{digits}f}  df {r.df:.{digits}f}  "
                         f"p {r.pvalue:.4g}  scaling {r.scaling_factor:.{digits}f}")
        return "\n".join(lines)


def _weight(group, weight: str) -> np.ndarray:
    if weight == "dwls":
        return group.wls_v
    if weight == "uls":
        return np.ones(group.gamma.shape[0])
    return np.linalg.inv(group.gamma)


def independence_tests(stats: OrdinalSampleStats, *, weight: str = "dwls",
                       test: str = "scaled.shifted") -> IndependenceTests:
    r"""Test statistics of the independence model of ordered items (lavaan's baseline).

    Parameters
    ----------
    stats
        Stage-1 statistics (:func:`psychometrics.structural.ordinal_stats.ordinal_sample_stats`,
        with Gamma).
    weight
        ``"dwls"`` (WLSMV, WLSM, DWLS), ``"uls"`` (ULSMV, ULSM, ULS) or ``"wls"`` (full
        inverse of Gamma; the thresholds then move to absorb the correlations, still in
        closed form).
    test
        The robust test of the estimator: ``"scaled.shifted"`` (WLSMV, ULSMV),
        ``"mean.var.adjusted"``, ``"satorra.bentler"`` (WLSM, ULSM) or ``"standard"``
        (none).

    Returns
    -------
    IndependenceTests
        ``stat``, ``df``, ``pvalue``, ``stat_group`` (the standard statistic) and
        ``robust`` (a :class:`psychometrics.structural.wls_robust.RobustTest`, or None).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from psychometrics.structural.ordinal_stats import ordinal_sample_stats
    >>> rng = np.random.default_rng(5)
    >>> z = rng.normal(size=(500, 1)) + rng.normal(size=(500, 4))
    >>> st = ordinal_sample_stats(pd.DataFrame(np.digitize(z, [-1, 0, 1]), columns=list("abcd")))
    >>> base = independence_tests(st)
    >>> base.df, base.robust.test
    (6, 'scaled.shifted')
    """
    if weight not in ("dwls", "uls", "wls"):
        raise ValueError(f"weight must be 'dwls', 'uls' or 'wls', got {weight!r}")
    if test not in _TESTS:
        raise ValueError(f"test must be one of {', '.join(_TESTS)}; got {test!r}")
    if any(g.gamma is None for g in stats.groups):
        raise ValueError("the stage-1 statistics have no Gamma (computed with gamma=False)")
    nth = [g.thresholds.size for g in stats.groups]
    q = sum(nth)
    start = np.concatenate([[0], np.cumsum(nth)[:-1]])
    stat_group, deltas, weights, gammas = [], [], [], []
    df = 0
    for g, st, n_t in zip(stats.groups, start, nth, strict=True):
        first, second = vech_pairs(len(g.items))
        r = g.correlation[second, first]
        W = _weight(g, weight)
        if W.ndim == 1:
            f0 = float(np.sum(W[n_t:] * r * r))
        else:  # thresholds absorb what they can: the Schur complement on the correlations
            Wrr = W[n_t:, n_t:] - W[n_t:, :n_t] @ np.linalg.solve(W[:n_t, :n_t], W[:n_t, n_t:])
            f0 = float(r @ Wrr @ r)
        stat_group.append((g.nobs - 1) * f0)  # lavaan: F_g carries (N_g - 1) / N_g
        D = np.zeros((g.gamma.shape[0], q))
        D[np.arange(n_t), st + np.arange(n_t)] = 1.0
        deltas.append(D)
        weights.append(W)
        gammas.append(g.gamma)
        df += r.size
    stat = float(sum(stat_group))
    robust = None
    if test != "standard":
        traces = ugamma_traces(deltas, weights, gammas, stats.nobs)
        if test == "scaled.shifted":
            robust = scaled_shifted_test(stat, df, traces, stats.nobs, stat_group)
        elif test == "mean.var.adjusted":
            robust = mean_var_adjusted_test(stat, df, traces, stat_group)
        else:
            robust = satorra_bentler_test(stat, df, traces, stat_group)
    return IndependenceTests(stat=stat, df=df, pvalue=_pvalue(stat, df),
                             stat_group=tuple(stat_group), robust=robust)
