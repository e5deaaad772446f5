"""Cronbach's alpha with every table of ``psych::alpha`` (psych 2.2.9), computed from one pass.

The data are read once into sufficient statistics (column sums and the cross-product matrix
``X'X``; with missing values the pairwise counts, sums and cross-products from masked matrix
products). Everything else, including alpha-if-item-deleted, comes in closed form from the
k x k covariance matrix, so a million respondents cost little more than one ``X'X``.

Split by concept: ``_alpha_data`` (the item matrix, keys and pairwise moments),
``_alpha_tables`` (alpha's formulas on C and R and the item tables), ``_alpha_ci`` (the
confidence intervals), ``_alpha_small`` (small complete data in one vectorised step, the
path the usual 40-1,000 respondents take); this module holds the result and :func:`alpha`
itself. The helpers are re-exported here for ``_split_half``, ``_ordinal`` and
``correlation``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from psychometrics._pass import block_pass
from psychometrics.coefficients._alpha_ci import (  # noqa: F401 (re-exported)
    ConfidenceInterval,
    _bootstrap_alphas,
    _bootstrap_design,
    _feldt,
)
from psychometrics.coefficients._alpha_data import (  # noqa: F401 (re-exported)
    _few_distinct,
    _general_counts,
    _item_matrix,
    _keyed_names,
    _Moments,
    _MomentsView,
    _parse_keys,
    _score_item_r,
    _score_stats,
)
from psychometrics.coefficients._alpha_small import small_complete_fit
from psychometrics.coefficients._alpha_tables import (  # noqa: F401 (re-exported)
    _DROP_COLUMNS,
    _DROP_INDEX,
    _EPS,
    _ITEM_COLUMNS,
    _ITEM_INDEX,
    _ITEM_INDEX_ALL,
    _MAX_CATEGORIES,
    _PINV_TOL,
    _advise_reversal,
    _alpha_if_deleted,
    _alpha_total,
    _drop_smc_sums,
    _first_component_loadings,
    _item_table,
    _item_total_r,
    _label_index,
    _lower_indices,
    _median,
    _median_r_if_deleted,
    _q_statistic,
    _response_freq,
    _smc_raw,
    _Spectrum,
    _value_label,
)
from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin, format_number

__all__ = ["AlphaResult", "ConfidenceInterval", "alpha"]

# one-pass blocks: about 1.3 MB of float64 per block, so a block read for X'X is still in
# cache when it is copied to int8 for counting
_BLOCK_CELLS = 163840
_MIN_BLOCK_ROWS = 1024


def _moments(X: np.ndarray, *, frequencies: bool = True,
             signs: np.ndarray | None = None) -> _Moments:
    """Read the data once (:func:`psychometrics._pass.block_pass`) into pairwise sums,
    counts and cross-products, response counts and, given the keys' ``signs``, the parts
    of the row-mean score."""
    # small data are counted whatever they hold (one bincount, verified); larger data only
    # when their first rows show few distinct values
    small = X.shape[0] * X.shape[1] <= _BLOCK_CELLS
    few = frequencies and (small or _few_distinct(X, _MAX_CATEGORIES))
    p = block_pass(X, count_values=few, signs=signs, block_cells=_BLOCK_CELLS,
                   min_rows=_MIN_BLOCK_ROWS, ranges=False)
    vc = None if p.values is None else (p.values, p.counts)
    if few and vc is None and (not small or _few_distinct(X, _MAX_CATEGORIES)):
        vc = _general_counts(X, _MAX_CATEGORIES)
    if p.complete and vc is not None and np.issubdtype(vc[0].dtype, np.integer):
        # exact column sums: the answers are integers
        col = (vc[1] @ vc[0]).astype(float)
        p.sums = np.broadcast_to(col[:, None], p.sums.shape).copy()
    return _Moments(X, p.count, p.sums, p.cross, p.sq, p.lo, p.hi, p.complete,
                    *(vc or (None, None)), score=p.score,
                    score_signs=None if signs is None else np.asarray(signs, dtype=float))

# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlphaResult(ResultMixin):
    """Cronbach's alpha and psych::alpha's tables. See :func:`alpha` for definitions."""

    raw_alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    signal_noise: float
    ase: float
    mean: float
    sd: float
    n: int
    n_items: int
    missing: str
    ci: ConfidenceInterval
    alpha_if_deleted: pd.DataFrame
    item_stats: pd.DataFrame
    response_freq: pd.DataFrame
    source: str = "data"

    _title = "Reliability analysis (Cronbach's alpha)"

    def summary(self, digits: int = 3) -> str:
        """psych-like printout: the totals, the interval, and each table."""
        f = lambda v: format_number(v, digits)  # noqa: E731
        lines = [
            self._title, "=" * len(self._title),
            f"raw_alpha {f(self.raw_alpha)}  std_alpha {f(self.std_alpha)}  G6(smc) {f(self.g6)}"
            f"  average_r {f(self.average_r)}  S/N {f(self.signal_noise)}  ase {f(self.ase)}",
            f"mean {f(self.mean)}  sd {f(self.sd)}  median_r {f(self.median_r)}",
            f"n = {self.n} respondents (rows), {self.n_items} items, missing = {self.missing!r}"
            + ("" if self.source == "data" else f", from {self.source}"),
            f"{self.ci.level:.0%} confidence interval ({self.ci.method}): "
            f"{f(self.ci.lower)} to {f(self.ci.upper)}",
            "", "Reliability if an item is dropped:",
            self.alpha_if_deleted.round(digits).to_string(),
            "", "Item statistics:", self.item_stats.round(digits).to_string(),
        ]
        if not self.response_freq.empty:
            lines += ["", "Non missing response frequency for each item:",
                      self.response_freq.round(digits).to_string()]
        return "\n".join(lines)



# --------------------------------------------------------------------------------------------
# the public function
# --------------------------------------------------------------------------------------------


def alpha(
    data: Any,
    *,
    keys: Sequence[int] | Sequence[str] | str | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    ci: float = 0.95,
    ci_method: Literal["feldt", "duhachek", "bootstrap"] = "feldt",
    n_boot: int = 2000,
    seed: int | np.random.Generator | None = None,
    progress: bool | ProgressCallback | None = None,
    n_obs: int | None = None,
) -> AlphaResult:
    r"""Cronbach's alpha with psych::alpha's item analysis (psych 2.2.9 definitions).

    .. math::

        \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\Bigr),
        \qquad
        \alpha_{std} = \frac{k}{k-1}\Bigl(1 - \frac{k}{\mathbf 1' R \mathbf 1}\Bigr),
        \qquad
        G_6 = 1 - \frac{k - \sum_j \mathrm{smc}_j}{\mathbf 1' R \mathbf 1}

    with *C* the item covariance matrix, *R* = cov2cor(*C*) and smc the squared multiple
    correlations (psych's ``smc``: pseudo-inverse, clamped to [0, 1]).

    Parameters
    ----------
    data
        Respondents x items (DataFrame or 2-D array; arrays get psych's names V1...Vk).
        Missing answers are NaN. Also a :class:`~psychometrics.Moments` of one group (from
        :func:`psychometrics.moments`; collect ``patterns=True`` for the mean score with
        missing answers) or a source that is read in batches into moments: Parquet
        path(s), an iterator of DataFrames or Arrow batches, a Dask DataFrame. The result
        is then the same to 1e-10 (``source`` says ``"moments"``); the bootstrap interval
        needs the rows, and ``missing="listwise"`` has no response frequencies.
    keys
        Reversed items: one +1/-1 per column, or the names of the columns to reverse.
        A reversed item is scored ``max + min - x`` with max and min over the whole item
        block (7 - x for items scored 1-6), as psych does, and labelled ``name-``.
    missing
        ``"pairwise"`` (psych's ``use = "pairwise"``, the default) or ``"listwise"``
        (equivalent to ``psych::alpha(na.omit(x))``).
    ci, ci_method
        Level and method of ``result.ci``: ``"feldt"`` (psych's ``alpha.ci``, Feldt et al.
        1987, F distribution with n - 1 and (n - 1)(k - 1) df), ``"duhachek"`` (raw alpha
        ± z * ase, the second line of psych's printout; psych hard-codes z = 1.96, here z is
        the exact normal quantile of ``ci``) or ``"bootstrap"`` (percentile interval of raw
        alpha over ``n_boot`` resamples of the respondents; R type-7 quantiles).
    n_boot, seed, progress
        Bootstrap size, seed (int or numpy Generator) and progress callback
        ``progress(done, total)`` (``True`` draws a bar). Only used by ``"bootstrap"``.
    n_obs
        Respondents behind a correlation or covariance matrix given as ``data`` (a square
        symmetric DataFrame with the same labels on both axes is read as a matrix, as
        psych does; ``source`` then says ``"correlation matrix"`` or ``"covariance
        matrix"``). Needed for ``ase`` and the interval. A matrix has no mean, sd or
        response frequencies. Unlike psych 2.2.9, whose Feldt interval for a matrix uses
        the number of items as its n, the interval uses ``n_obs``.

    Returns
    -------
    AlphaResult
        ``raw_alpha``, ``std_alpha``, ``g6``, ``average_r`` (mean off-diagonal
        correlation), ``median_r``, ``var_r`` (their variance), ``signal_noise``
        (k r / (1 - r)), ``ase`` (Duhachek & Iacobucci's asymptotic standard error
        sqrt(Q / n)), ``mean``/``sd`` of the respondents' mean score (row means over the
        answered items, as psych), ``n`` (psych's n.obs: the number of rows, including rows
        with missing answers; used by the Feldt interval and ``ase``), ``n_items``, ``ci``,
        and the tables ``alpha_if_deleted`` (raw_alpha, std_alpha, g6, average_r,
        signal_noise, ase, var_r, med_r per dropped item), ``item_stats`` (n, raw_r, std_r,
        r_cor, r_drop, mean, sd) and ``response_freq`` (proportion of each answer among an
        item's answers, and ``miss``; empty when more than 10 distinct values); ``source``
        (``"data"``, ``"moments"``, ``"correlation matrix"`` or ``"covariance matrix"``).

    Notes
    -----
    **Missing data follow psych exactly.** The covariance matrix is
    ``cov(x, use = "pairwise")`` (each pair over the rows that answered both) and every
    correlation-based statistic (std_alpha, G6, average_r, std_r, r_cor) uses
    ``R = cov2cor(C)``: each covariance divided by the two items' standard deviations over
    *all* their answers. With missing values this is **not** ``cor(x, use = "pairwise")``,
    which standardises each pair on its own rows. ``raw_r`` is the pairwise correlation of an
    item with the row-mean total, ``r_drop`` the item against the sum of the others (from C),
    ``r_cor`` corrects for item overlap with the SMCs on the diagonal of R.

    As in psych, an item with no variance (or no answers) is dropped with a warning but still
    counts in the mean score: psych adds its value in the *first row* to every row's total
    (``mean`` and ``sd`` only).

    The data are read once: for complete data the column sums and ``X'X`` (the response
    frequencies come from one byte-sized copy); with missing values, masked matrix products.
    Alpha-if-deleted is computed in closed form from C and R (no refits). Unlike psych, the
    ``ase`` column of ``alpha_if_deleted`` is kept when there are no more respondents than
    items (psych then drops it).

    Warnings (:class:`~psychometrics.errors.NumericalWarning`) name the items for: zero
    variance or no answers, items loading negatively on the first principal component when
    no keys are given (psych's advice to reverse them), negative average covariance, a
    non-positive-definite pairwise correlation matrix, and SMCs clamped to [0, 1].

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16, 297-334.
    Duhachek, A., & Iacobucci, D. (2004). Alpha's standard error (ASE). *Journal of Applied
    Psychology*, 89, 792-808.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11, 93-103.
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(1)
    >>> trait = rng.normal(size=500)
    >>> items = pd.DataFrame({f"q{j}": np.clip(np.round(3 + trait + rng.normal(size=500)), 1, 5)
    ...                       for j in range(1, 6)})
    >>> items["q5"] = 6 - items["q5"]          # a reverse-worded item
    >>> res = pm.alpha(items, keys=["q5"])
    >>> round(res.raw_alpha, 2), round(res.std_alpha, 2)
    (0.78, 0.78)
    >>> list(res.item_stats.index)
    ['q1', 'q2', 'q3', 'q4', 'q5-']
    >>> res.ci.method, res.ci.lower < res.raw_alpha < res.ci.upper
    ('feldt', True)
    """
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    if ci_method not in ("feldt", "duhachek", "bootstrap"):
        raise ValueError(f"ci_method must be 'feldt', 'duhachek' or 'bootstrap', not {ci_method!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci is a confidence level in (0, 1), got {ci!r}")
    if ci_method == "bootstrap" and (not isinstance(n_boot, int | np.integer) or n_boot < 2):
        raise ValueError(f"n_boot must be an integer >= 2, got {n_boot!r}")

    from psychometrics.sufficient_statistics import as_moments

    matrix = _matrix_input(data)
    if matrix is not None:
        return _alpha_from_matrix(*matrix, n_obs=n_obs, keys=keys, ci=ci,
                                  ci_method=ci_method)
    if n_obs is not None:
        raise ValueError("n_obs is for a correlation or covariance matrix; these data are "
                         "respondents x items (a matrix is a square symmetric DataFrame "
                         "with the same labels on both axes)")
    source = as_moments(data, patterns=True)
    if source is not None:
        return _alpha_from_moments(source, keys=keys, missing=missing, ci=ci,
                                   ci_method=ci_method)
    X, names = _item_matrix(data, integers=True)
    signs = _parse_keys(keys, names)
    if missing == "listwise" and X.dtype.kind == "f":  # integer columns have no missing cell
        complete_rows = ~np.isnan(X).any(axis=1)
        if not complete_rows.all():
            X = X[complete_rows]
    n_rows, k = X.shape
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    if n_rows < 3:
        raise ValueError(f"alpha needs at least 3 respondents, got {n_rows}"
                         + (" complete rows" if missing == "listwise" else ""))

    # small complete data: one vectorised step (None: the general path, which warns)
    small = X if X.dtype.kind == "f" or X.size > _BLOCK_CELLS else X.astype(np.float64)
    fit = small_complete_fit(small, names, signs, keys_given=keys is not None,
                             max_cells=_BLOCK_CELLS)
    if fit is None:
        fit = _fit_alpha(_moments(X, signs=signs), names, signs, keys_given=keys is not None)

    if ci_method == "feldt":
        interval = _feldt(fit["raw"], n_rows, fit["k"], ci)
    elif ci_method == "duhachek":
        z = float(ndtri(1 - (1 - ci) / 2))
        interval = ConfidenceInterval(fit["raw"] - z * fit["ase"], fit["raw"] + z * fit["ase"],
                                      ci, "duhachek")
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        good = fit["good"]
        boots = _bootstrap_alphas(X[:, good].astype(np.float64, copy=False), signs[good],
                                  n_boot, rng,
                                  resolve_progress(progress, "bootstrap alpha"))
        bad = ~np.isfinite(boots)
        if bad.all():
            raise ValueError("no bootstrap resample gave a finite alpha")
        if bad.any():
            warnings.warn(f"{int(bad.sum())} of {n_boot} bootstrap resamples gave no alpha (an "
                          "item without variance in the resample) and were left out",
                          NumericalWarning, stacklevel=2)
        lo, hi = np.quantile(boots[~bad], [(1 - ci) / 2, 1 - (1 - ci) / 2])
        interval = ConfidenceInterval(float(lo), float(hi), ci, "bootstrap")

    return AlphaResult(
        raw_alpha=fit["raw"], std_alpha=fit["std"], g6=fit["g6"], average_r=fit["av_r"],
        median_r=fit["med_r"], var_r=fit["var_r"], signal_noise=fit["sn"], ase=fit["ase"],
        mean=fit["mean"], sd=fit["sd"], n=n_rows, n_items=fit["k"], missing=missing,
        ci=interval, alpha_if_deleted=fit["drop"], item_stats=fit["items"],
        response_freq=fit["freq"],
    )


def _fit_alpha(mom: _Moments, names: list[str], signs: np.ndarray, *,
               keys_given: bool, matrix: bool = False) -> dict[str, Any]:
    """Everything psych::alpha reports, with a warning naming any value left undefined.

    Degenerate input (perfectly or very negatively correlated items) can make some
    statistics undefined, as in R; the causes are warned about where they are found and the
    undefined cells are listed here, so no NaN goes unexplained.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        fit = _fit_alpha_unchecked(mom, names, signs, keys_given=keys_given)
    if matrix:  # a matrix has no scores: psych reports neither mean nor sd
        fit["mean"] = fit["sd"] = math.nan
        fit["items"][:, 4:] = np.nan
    undefined = [key for key in ("raw", "std", "g6", "av_r", "sn", "med_r")
                 + (() if matrix else ("mean", "sd")) if not np.isfinite(fit[key])]
    k = fit["k"]
    labels = fit["labels"]
    # psych's own NAs: no ase for a single remaining item, no var_r for a single pair
    expected = {"ase"} if k == 2 else {"var_r"} if k == 3 else set()
    for table, columns in (("drop", _DROP_COLUMNS),
                           ("items", _ITEM_COLUMNS[1:5] if matrix else _ITEM_COLUMNS[1:])):
        bad = ~np.isfinite(fit[table][:, : len(columns)])
        if not bad.any():
            continue
        for c, col in enumerate(columns):
            if col in expected and table == "drop":
                continue
            bad_rows = [labels[i] for i in np.flatnonzero(bad[:, c])]
            if bad_rows:
                undefined.append(f"{col} of {bad_rows}")
    if undefined:
        warnings.warn(f"Some statistics are undefined for these items (NaN or infinite): "
                      f"{'; '.join(undefined)}", NumericalWarning, stacklevel=3)
    index = _label_index(tuple(labels))
    fit["drop"] = pd.DataFrame(fit["drop"], index=index, columns=_DROP_INDEX)
    fit["items"] = _item_table(fit["n_items"], fit["items"], index)
    return fit


def _fit_alpha_unchecked(mom: _Moments, names: list[str], signs: np.ndarray, *,
                         keys_given: bool) -> dict[str, Any]:
    """Everything psych::alpha reports, from the pairwise moments."""
    n_rows = mom.n_rows
    n_obs = mom.n_obs
    cov_all = mom.covariance()
    var_all = np.diag(cov_all)

    # psych: items with sd <= 0 or NA are deleted "but still counted in the score"
    bad = ~(var_all > 0)
    for j in np.flatnonzero(bad):
        why = "has no answers" if n_obs[j] == 0 else (
            "has a single answer" if n_obs[j] == 1 else "has zero variance (every answer equal)")
        warnings.warn(f"Item {names[j]!r} {why}; it was dropped from alpha (psych still counts "
                      "it in the mean score)", NumericalWarning, stacklevel=4)
    good = ~bad
    k = int(good.sum())
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items with variance; only {k} left "
                         f"(dropped: {[names[j] for j in np.flatnonzero(bad)]})")
    gi = np.flatnonzero(good)
    gnames = [names[j] for j in gi]
    s = signs[gi]
    C0 = cov_all if k == len(names) else cov_all[np.ix_(gi, gi)]
    if np.isnan(C0).any():
        i, j = np.argwhere(np.isnan(C0))[0]
        raise ValueError(f"items {gnames[i]!r} and {gnames[j]!r} were answered together by "
                         f"fewer than 2 respondents, so their covariance is undefined")

    C = C0 * np.outer(s, s)
    R = cov2cor(C)
    spectrum = _Spectrum(R)
    eig = spectrum.values

    # psych checks the signs on principal(x): cor(x, use = "pairwise") of the unkeyed items
    # (without keys and missing answers that is R itself)
    if not keys_given:
        R_pw = R if mom.complete else mom.pairwise_correlation()[np.ix_(gi, gi)]
        negative = _advise_reversal(R_pw, gnames, "alpha", stacklevel=4,
                                    spectrum=spectrum if R_pw is R else None)
    else:
        negative = []
    if eig[0] < _EPS * k:
        warnings.warn(f"The item correlation matrix is not positive definite (smallest "
                      f"eigenvalue {eig[0]:.3g}); SMCs, G6 and r_cor use psych's "
                      f"pseudo-inverse", NumericalWarning, stacklevel=4)
    raw_smc = _smc_raw(R, spectrum)
    clamped = [gnames[j] for j in np.flatnonzero((raw_smc > 1) | (raw_smc < 0))]
    if clamped:
        warnings.warn(f"SMCs of {clamped} fell outside [0, 1] and were clamped (psych::smc)",
                      NumericalWarning, stacklevel=4)
    smc = np.clip(raw_smc, 0.0, 1.0)  # psych::smc(R)
    tot = _alpha_total(C, R, smc)
    off = C[~np.eye(k, dtype=bool)].mean()
    if off < 0:
        with_rest = C.sum(axis=1) - np.diag(C)  # covariance with the sum of the other items
        culprits = negative or [gnames[j] for j in np.flatnonzero(with_rest < 0)]
        warnings.warn(f"The average covariance between items is negative ({off:.3g}), so alpha "
                      f"({tot['raw']:.3f}) is negative: the items do not measure one thing in "
                      f"the same direction. Items correlating negatively with the total: "
                      f"{culprits}; consider alpha(..., keys={culprits})", NumericalWarning,
                      stacklevel=4)

    drop = _alpha_if_deleted(C, R, n_rows, spectrum)
    labels = _keyed_names(gnames, s)

    # the block's min and max for reversing (psych: over the remaining items)
    rev = s < 0
    if rev.any():
        if mom.values is not None and mom.counts is not None:
            used = mom.counts[gi].sum(axis=0) > 0
            lo, hi = mom.values[used].min(), mom.values[used].max()
        else:
            lo, hi = mom.block_range(gi)
        adjust = float(lo + hi)
    else:
        adjust = 0.0

    mu = mom.means[gi]
    mu = np.where(rev, adjust - mu, mu)
    sd_items = np.sqrt(np.diag(C))
    c1 = C.sum(axis=1)
    sum_c = C.sum()

    # mean score: row means over the answered items (psych's rowMeans(na.rm = TRUE))
    n_bad = int(bad.sum())
    sum_bad = float(np.nansum(mom.first_row(np.flatnonzero(bad))))
    if mom.complete:
        mean_t = mu.mean()
        sd_t = float(np.sqrt(sum_c)) / k
        raw_r = c1 / np.sqrt(sum_c * np.diag(C))
    else:
        mean_t, sd_t, raw_r = mom.row_mean_stats(gi, s, adjust)
    if n_bad:
        mean_t = (k * mean_t + sum_bad) / (k + n_bad)
        sd_t = k * sd_t / (k + n_bad)

    if tot["q"] >= 0:
        ase = math.sqrt(tot["q"] / n_rows)
    else:
        ase = math.nan
        warnings.warn("Duhachek's Q is negative for these items, so alpha's asymptotic "
                      "standard error (ase) is undefined", NumericalWarning, stacklevel=4)

    std_r, r_cor, r_drop = _item_total_r(C, R, smc)

    # the tables as arrays: checked and turned into DataFrames once by _fit_alpha
    items = np.column_stack([raw_r, std_r, r_cor, r_drop, mu, sd_items])
    drop_table = np.column_stack([drop[c] for c in _DROP_COLUMNS])
    if mom.values is not None and mom.counts is not None:
        freq = _response_freq(mom.values, mom.counts[gi], gnames, n_rows,
                              bool((n_obs[gi] < n_rows).any()))
    else:
        freq = pd.DataFrame()
    return {
        "raw": float(tot["raw"]), "std": float(tot["std"]), "g6": float(tot["g6"]),
        "av_r": float(tot["av_r"]), "sn": float(tot["sn"]), "var_r": float(tot["var_r"]),
        "med_r": float(tot["med_r"]), "ase": ase, "mean": float(mean_t), "sd": float(sd_t),
        "k": k, "good": good, "labels": labels, "n_items": n_obs[gi].astype(int),
        "drop": drop_table, "items": items, "freq": freq,
    }


def _alpha_from_moments(m: Any, *, keys: Any, missing: str, ci: float,
                        ci_method: str) -> AlphaResult:
    """alpha from a Moments of one group: the same formulas on the centred statistics."""
    if ci_method == "bootstrap":
        raise ValueError("a bootstrap of alpha resamples respondents, which Moments do not "
                         "keep: use ci_method='feldt' or 'duhachek'")
    if len(m.groups) != 1:
        raise ValueError(f"these moments have {len(m.groups)} groups ({m.labels}); pass "
                         f"m.group(label) or m.total()")
    st = next(iter(m.groups.values()))
    names = list(m.items)
    signs = _parse_keys(keys, names)
    k = len(names)
    view = _MomentsView(st, listwise=missing == "listwise")
    if missing == "listwise" and st.n_complete < 0:
        raise ValueError("the listwise moments of this item subset are unknown: select the "
                         "items before reading (pm.moments(data, items)) or collect patterns")
    n_rows = view.n_rows
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    if n_rows < 3:
        raise ValueError(f"alpha needs at least 3 respondents, got {n_rows}"
                         + (" complete rows" if missing == "listwise" else ""))
    fit = _fit_alpha(view, names, signs, keys_given=keys is not None)  # type: ignore[arg-type]
    if ci_method == "feldt":
        interval = _feldt(fit["raw"], n_rows, fit["k"], ci)
    else:
        z = float(ndtri(1 - (1 - ci) / 2))
        interval = ConfidenceInterval(fit["raw"] - z * fit["ase"], fit["raw"] + z * fit["ase"],
                                      ci, "duhachek")
    return AlphaResult(
        raw_alpha=fit["raw"], std_alpha=fit["std"], g6=fit["g6"], average_r=fit["av_r"],
        median_r=fit["med_r"], var_r=fit["var_r"], signal_noise=fit["sn"], ase=fit["ase"],
        mean=fit["mean"], sd=fit["sd"], n=n_rows, n_items=fit["k"], missing=missing,
        ci=interval, alpha_if_deleted=fit["drop"], item_stats=fit["items"],
        response_freq=fit["freq"], source="moments",
    )


def _matrix_input(data: Any) -> tuple[np.ndarray, list[str], str] | None:
    """A square symmetric DataFrame with the same labels on both axes is a correlation or
    covariance matrix (psych's rule for alpha); anything else is respondents x items."""
    if not isinstance(data, pd.DataFrame) or data.shape[0] != data.shape[1] or \
            data.shape[0] < 2 or list(data.index) != list(data.columns):
        return None
    try:
        M = data.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(M).all() or not np.allclose(M, M.T, rtol=1e-12, atol=1e-14):
        return None
    names = [str(c) for c in data.columns]
    kind = "correlation matrix" if np.allclose(np.diag(M), 1.0, rtol=0, atol=1e-12) \
        else "covariance matrix"
    return (M + M.T) / 2, names, kind


class _MatrixView:
    """A covariance or correlation matrix behind alpha's moment interface (complete data
    of ``n_obs`` rows; no means, no rows)."""

    values = counts = None
    complete = True

    def __init__(self, C: np.ndarray, n_obs: int) -> None:
        k = C.shape[0]
        self.C = C
        self.n_rows = n_obs
        self.count = np.full((k, k), float(n_obs))
        self.n_obs = np.full(k, n_obs)
        self.means = np.full(k, np.nan)

    def covariance(self) -> np.ndarray:
        return self.C.copy()

    def pairwise_correlation(self) -> np.ndarray:
        return cov2cor(self.C)

    def first_row(self, columns: np.ndarray) -> np.ndarray:
        return np.full(len(columns), np.nan)

    def block_range(self, gi: np.ndarray) -> tuple[float, float]:
        return math.nan, math.nan


def _alpha_from_matrix(M: np.ndarray, names: list[str], kind: str, *, n_obs: int | None,
                       keys: Any, ci: float, ci_method: str) -> AlphaResult:
    """psych::alpha(matrix, n.obs = n): the formulas on C (R = cov2cor(C))."""
    if n_obs is None:
        raise ValueError(f"data look like a {kind} (square, symmetric, the same labels on "
                         "both axes): give n_obs, the number of respondents behind it")
    if not isinstance(n_obs, int | np.integer) or n_obs < 3:
        raise ValueError(f"n_obs must be an integer >= 3, got {n_obs!r}")
    if ci_method == "bootstrap":
        raise ValueError("a bootstrap interval needs the respondents' rows, not a matrix: "
                         "use ci_method='feldt' or 'duhachek'")
    signs = _parse_keys(keys, names)
    fit = _fit_alpha(_MatrixView(M, int(n_obs)), names, signs,  # type: ignore[arg-type]
                     keys_given=keys is not None, matrix=True)
    if ci_method == "feldt":
        interval = _feldt(fit["raw"], int(n_obs), fit["k"], ci)
    else:
        z = float(ndtri(1 - (1 - ci) / 2))
        interval = ConfidenceInterval(fit["raw"] - z * fit["ase"], fit["raw"] + z * fit["ase"],
                                      ci, "duhachek")
    return AlphaResult(
        raw_alpha=fit["raw"], std_alpha=fit["std"], g6=fit["g6"], average_r=fit["av_r"],
        median_r=fit["med_r"], var_r=fit["var_r"], signal_noise=fit["sn"], ase=fit["ase"],
        mean=fit["mean"], sd=fit["sd"], n=int(n_obs), n_items=fit["k"], missing="pairwise",
        ci=interval, alpha_if_deleted=fit["drop"], item_stats=fit["items"],
        response_freq=fit["freq"], source=kind,
    )
