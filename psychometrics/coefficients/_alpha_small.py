"""alpha on small complete data in one vectorised step (issue 17: the small-n edge).

At 40-1,000 respondents x 20 items alpha's algebra costs microseconds; what cost the time
was fixed overhead: the blocked pass's machinery, the pairwise moment object, the item
subsetting for dropped items and some 150 small numpy calls. :func:`small_complete_fit`
reads the data with one ``X'X`` and one ``bincount`` and computes every statistic and
table of psych::alpha from C and R with the fewest array operations.

It covers only the ordinary case -- complete data that fit in one block, at least 3 items,
every item with variance, a well-conditioned R (no pseudo-inverse, SMCs in [0, 1]), a
non-negative average covariance and Q, every value finite -- and returns None otherwise,
*before* warning about anything, so that the general path (``_alpha._moments`` +
``_alpha._fit_alpha``) computes the result and its warnings as before. The only warning
given here is psych's advice to reverse items, which needs none of those checks.
Equal to the general path to rounding (``tests/test_alpha_small_path.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from psychometrics._pass import _bincount_values, verify_counts
from psychometrics.coefficients._alpha_data import (
    _few_distinct,
    _general_counts,
    _keyed_names,
)
from psychometrics.coefficients._alpha_tables import (
    _DROP_INDEX,
    _MAX_CATEGORIES,
    _PINV_TOL,
    _advise_reversal,
    _freq_columns,
    _item_table,
    _label_index,
    _lower_indices,
    _response_freq,
    _Spectrum,
)


def _sorted_medians(values: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """The median of the k(k-1)/2 pair correlations ``values`` (``R[tril]``) and, for each
    item, the median of those left without it, from one sort (see
    :func:`psychometrics.coefficients._alpha_tables._median_r_if_deleted`, whose rank
    arithmetic this repeats: the t-th smallest remaining value sits at rank
    t + #{l : q_l - l <= t}, with q the sorted ranks of the item's k - 1 pairs)."""
    rows, cols = _lower_indices(k)
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    size = values.size
    median = float((ranked[(size - 1) // 2] + ranked[size // 2]) / 2)
    rank = np.empty(size, dtype=np.intp)
    rank[order] = np.arange(size)
    # each item's k - 1 pair ranks: row i of the symmetric rank matrix without its diagonal
    P = np.empty((k, k), dtype=np.intp)
    P[rows, cols] = rank
    P[cols, rows] = rank
    np.fill_diagonal(P, size)  # sorts last, then is cut off
    P.sort(axis=1)
    D = P[:, : k - 1] - np.arange(k - 1)
    left = size - (k - 1)
    lo = (left - 1) // 2
    hi = left // 2
    at_lo = ranked[lo + (D <= lo).sum(axis=1)]
    if lo == hi:
        return median, at_lo
    return median, (at_lo + ranked[hi + (D <= hi).sum(axis=1)]) / 2


def _counts(X: np.ndarray, n: int, k: int, sq: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """Response values and per-item counts as the general path finds them: one verified
    bincount of the int8 codes, else (few distinct values that are not small integers)
    one ``np.unique`` per item."""
    vc = verify_counts(_bincount_values(X, None), np.full(k, n), sq)
    if vc is None and _few_distinct(X, _MAX_CATEGORIES):
        vc = _general_counts(X, _MAX_CATEGORIES)
    return vc


def _freq_table(vc: tuple[np.ndarray, np.ndarray] | None, names: Sequence[str],
                n: int) -> pd.DataFrame:
    """psych's response frequencies for complete data: every item answered n times, so
    when all values lie within psych's range (max - min < 11) and are at most 10 the
    table is the counts over n and a zero ``miss`` column; otherwise
    :func:`~psychometrics.coefficients._alpha_tables._response_freq` applies psych's
    per-item rules."""
    if vc is None:
        return pd.DataFrame()
    values, counts = vc
    if values.size > _MAX_CATEGORIES or values[-1] - values[0] >= _MAX_CATEGORIES + 1 or (
            counts.sum(axis=0) == 0).any():
        return _response_freq(values, counts, names, n, False)
    cells = np.empty((counts.shape[0], values.size + 1))
    np.divide(counts, n, out=cells[:, :-1])
    cells[:, -1] = 0.0
    return pd.DataFrame(cells, index=_label_index(tuple(names)),
                        columns=_freq_columns(tuple(values.tolist())), copy=False)


def small_complete_fit(X: np.ndarray, names: Sequence[str], signs: np.ndarray, *,
                       keys_given: bool, max_cells: int) -> dict[str, Any] | None:
    """Every number and table of psych::alpha for complete data of at most ``max_cells``
    cells, as the dict of ``_alpha._fit_alpha``; None when the general path is needed
    (see the module docstring)."""
    n, k = X.shape
    if k < 3 or n * k > max_cells or n < 3:
        return None
    P = X.T @ X
    sq = P.diagonal()
    if not np.isfinite(sq).all():  # a missing (or infinite) cell: the general path
        return None
    vc = _counts(X, n, k, sq.copy())
    if vc is not None and np.issubdtype(vc[0].dtype, np.integer):
        col = (vc[1] @ vc[0]).astype(float)  # exact column sums: the answers are integers
    else:
        col = np.ones(n) @ X
    with np.errstate(all="ignore"):
        fit = _fit(P, col, vc, n, k, names, signs, keys_given=keys_given, X=X)
    return fit


def _fit(P: np.ndarray, col: np.ndarray, vc: tuple[np.ndarray, np.ndarray] | None,
         n: int, k: int, names: Sequence[str], signs: np.ndarray, *, keys_given: bool,
         X: np.ndarray) -> dict[str, Any] | None:
    """The statistics from X'X and the column sums (see :func:`small_complete_fit`)."""
    C = (P - np.multiply.outer(col, col) / n) / (n - 1)
    dC = C.diagonal().copy()
    if not (dC > 0).all():  # an item without variance: the general path drops it, warning
        return None
    reversed_ = signs < 0
    any_rev = bool(reversed_.any())
    if any_rev:
        C *= np.multiply.outer(signs, signs)
    inv_sd = 1.0 / np.sqrt(dC)
    R = C * np.multiply.outer(inv_sd, inv_sd)
    np.fill_diagonal(R, 1.0)
    spectrum = _Spectrum(R)
    lam, vec = spectrum.values, spectrum.vectors
    # all eigenvalues kept by psych's pseudo-inverse (which is then the inverse) and the
    # if-deleted SMCs from a rank-one downdate; otherwise the general path
    if not lam[0] > _PINV_TOL * lam[-1]:
        return None
    inv = (vec / lam) @ vec.T
    d_inv = inv.diagonal().copy()
    smc = 1.0 - 1.0 / d_inv
    if not ((smc >= 0) & (smc <= 1)).all():  # psych clamps them, with a warning
        return None

    # row sums and totals of C, R and their squares
    c1 = C.sum(axis=1)
    r1 = R.sum(axis=1)
    CC = C * C
    cc1 = CC.sum(axis=0)
    rr1 = (R * R).sum(axis=1)
    # the totals as Python floats: scalar arithmetic on numpy scalars costs ~10x more
    sum_c = float(c1.sum())
    sum_r = float(r1.sum())
    sum_cc = float(cc1.sum())
    sum_rr = float(rr1.sum())
    tr_c = float(dC.sum())
    sum_smc = float(smc.sum())
    if sum_c - tr_c < 0:  # negative average covariance: the general path names the items
        return None

    # reversed items are scored lo + hi - x, lo and hi over the whole block (psych)
    mu = col / n
    if any_rev:
        if vc is not None:
            used = vc[1].sum(axis=0) > 0
            adjust = float(vc[0][used].min() + vc[0][used].max())
        else:
            adjust = float(X.min() + X.max())
        mu = np.where(reversed_, adjust - mu, mu)

    # the whole scale (psych's alpha.1)
    kk = k / (k - 1)
    av_r = (sum_r - k) / (k * (k - 1))
    q = 2 * k**2 / ((k - 1) ** 2 * sum_c**3) * (sum_c * (sum_cc + tr_c**2)
                                                 - 2 * tr_c * float(c1 @ c1))
    if not q >= 0:
        return None
    rows, cols = _lower_indices(k)
    lower = R[rows, cols]
    med_r, med_r_i = _sorted_medians(lower, k)
    n_lower = lower.size
    sum_lower = (sum_r - k) / 2  # the pair correlations' sum and sum of squares
    sq_lower = (sum_rr - k) / 2
    totals = (
        kk * (1 - tr_c / sum_c),                 # raw
        kk * (1 - k / sum_r),                    # std
        1 - (k - sum_smc) / sum_r,               # g6
        av_r,
        k * av_r / (1 - av_r),                   # signal/noise
        (sq_lower - sum_lower**2 / n_lower) / (n_lower - 1),  # var_r
        med_r,
        math.sqrt(q / n),                        # ase
        float(mu.mean()),                        # mean score (row means)
        math.sqrt(sum_c) / k,                    # sd of the mean score
    )

    # alpha if each item is dropped, in closed form (_alpha_tables._alpha_if_deleted)
    m = k - 1
    mm = m / (m - 1)
    sum_c_i = sum_c - 2 * c1 + dC
    tr_c_i = tr_c - dC
    sum_r_i = sum_r - 2 * r1 + 1.0
    sub_diag = d_inv[None, :] - inv * inv / d_inv[:, None]  # row i: diag of (R_-i)^-1
    smc_i = np.clip(1.0 - 1.0 / sub_diag, 0.0, 1.0)
    np.fill_diagonal(smc_i, 0.0)
    av_r_i = (sum_r_i - m) / (m * (m - 1))
    tr_c2_i = sum_cc - 2 * cc1 + dC * dC
    V = c1[:, None] - C  # V[j, i] = (C_-i 1)_j for j != i
    one_c2_one_i = (V * V).sum(axis=0) - (c1 - dC) ** 2
    q_i = 2 * m**2 / ((m - 1) ** 2 * sum_c_i**3) * (
        sum_c_i * (tr_c2_i + tr_c_i**2) - 2 * tr_c_i * one_c2_one_i)
    n_pairs = m * (m - 1) / 2
    drop = np.empty((k, 8))
    drop[:, 0] = mm * (1 - tr_c_i / sum_c_i)
    drop[:, 1] = mm * (1 - m / sum_r_i)
    drop[:, 2] = 1 - (m - smc_i.sum(axis=1)) / sum_r_i
    drop[:, 3] = av_r_i
    drop[:, 4] = m * av_r_i / (1 - av_r_i)
    drop[:, 5] = np.sqrt(q_i / n)
    if n_pairs > 1:
        s1 = sum_lower - (r1 - 1.0)
        s2 = sq_lower - (rr1 - 1.0)
        drop[:, 6] = (s2 - s1 * s1 / n_pairs) / (n_pairs - 1)
    else:
        drop[:, 6] = math.nan  # one pair left: R's var() of one value is NA
    drop[:, 7] = med_r_i

    # the item table: n, raw_r, std_r, r_cor, r_drop, mean, sd
    items = np.empty((k, 6))
    items[:, 0] = c1 / np.sqrt(sum_c * dC)
    items[:, 1] = r1 / math.sqrt(sum_r)
    items[:, 2] = (r1 - 1.0 + smc) / math.sqrt(sum_r - k + sum_smc)
    items[:, 3] = (c1 - dC) / np.sqrt(dC * sum_c_i)
    items[:, 4] = mu
    items[:, 5] = np.sqrt(dC)

    finite = np.isfinite(drop)
    if n_pairs <= 1:
        finite[:, 6] = True  # psych's own NA for three items
    if not (finite.all() and all(map(math.isfinite, totals)) and np.isfinite(items).all()):
        return None  # undefined values: the general path names them

    if not keys_given:  # psych's key check on the first principal component of R
        _advise_reversal(R, names, "alpha", stacklevel=4, spectrum=spectrum)
    labels = _keyed_names(names, signs) if any_rev else list(names)
    index = _label_index(tuple(labels))
    freq = _freq_table(vc, names, n)
    raw, std, g6, av_r, sn, var_r, med_r, ase, mean_t, sd_t = totals
    return {
        "raw": raw, "std": std, "g6": g6, "av_r": av_r, "sn": sn, "var_r": var_r,
        "med_r": med_r, "ase": ase, "mean": mean_t, "sd": sd_t, "k": k,
        "good": np.ones(k, dtype=bool), "labels": labels,
        "n_items": np.full(k, n, dtype=int),
        "drop": pd.DataFrame(drop, index=index, columns=_DROP_INDEX, copy=False),
        "items": _item_table(np.full(k, n, dtype=int), items, index),
        "freq": freq,
    }
