"""alpha's formulas on the covariance matrix C and the correlation matrix R: alpha.1 of
the whole scale, every alpha-if-item-deleted statistic in closed form (the median
correlation from one sort), the item-total correlations and psych's response
frequencies (``psych::alpha``, psych 2.2.9); shared with ``_split_half`` and ``_ordinal``.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import pinv
from psychometrics.factor._matrix import smc as psych_smc

_EPS = np.finfo(float).eps
# psych::Pinv drops singular values below sqrt(.Machine$double.eps) times the largest one
_PINV_TOL = math.sqrt(_EPS)
# psych::alpha(max = 10): response frequencies only for at most this many distinct values
_MAX_CATEGORIES = 10
_DROP_COLUMNS = ["raw_alpha", "std_alpha", "g6", "average_r", "signal_noise", "ase", "var_r",
                 "med_r"]
_ITEM_COLUMNS = ["n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"]
_DROP_INDEX = pd.Index(_DROP_COLUMNS)  # immutable, so shared by every result
_ITEM_INDEX = pd.Index(_ITEM_COLUMNS[1:])
_ITEM_INDEX_ALL = pd.Index(_ITEM_COLUMNS)



# --------------------------------------------------------------------------------------------
# psych's matrix helpers
# --------------------------------------------------------------------------------------------


class _Spectrum:
    """One eigendecomposition of a symmetric R for everything alpha asks of it (the
    positive-definiteness check, psych's pseudo-inverse, the first component), instead of
    an SVD, an inverse and three eigensolvers."""

    def __init__(self, R: np.ndarray) -> None:
        self.values, self.vectors = np.linalg.eigh(R)
        self._pinv: dict[float, np.ndarray] = {}

    def pinv(self, tol: float) -> np.ndarray:
        """psych::Pinv: for a symmetric matrix the singular values are |eigenvalues|, and
        those at most ``tol`` times the largest are dropped (formed once per ``tol``: the
        SMCs and the if-deleted SMCs both ask for it; treat the result as read-only)."""
        if tol not in self._pinv:
            lam = self.values
            keep = np.abs(lam) > tol * np.abs(lam).max()
            V = self.vectors[:, keep]
            self._pinv[tol] = (V / lam[keep]) @ V.T
        return self._pinv[tol]


def _smc_raw(R: np.ndarray, spectrum: _Spectrum | None = None) -> np.ndarray:
    """psych::smc before its clamping to [0, 1]: 1 - 1/diag(Pinv(R)), to warn about it."""
    inverse = pinv(R, _PINV_TOL) if spectrum is None else spectrum.pinv(_PINV_TOL)
    with np.errstate(divide="ignore"):
        return 1.0 - 1.0 / np.diag(inverse)


def _first_component_loadings(R: np.ndarray, spectrum: _Spectrum | None = None) -> np.ndarray:
    """Loadings on psych::principal's first component (sign: loadings sum positive)."""
    values, vectors = np.linalg.eigh(R) if spectrum is None else (spectrum.values,
                                                                  spectrum.vectors)
    load = vectors[:, -1] * math.sqrt(max(values[-1], 0.0))
    return -load if load.sum() < 0 else load


def _advise_reversal(R: np.ndarray, names: Sequence[str], function: str,
                     stacklevel: int, spectrum: _Spectrum | None = None) -> list[str]:
    """psych's key check: name the items loading negatively on the first principal component
    of R in a warning advising to reverse them, and return their names. Without every
    correlation (a pairwise one can be undefined) there is no first component: the check is
    advice only, so it is skipped with a warning naming the pair."""
    undefined = np.argwhere(~np.isfinite(R))
    if undefined.size:
        i, j = undefined[0]
        warnings.warn(f"the check for items to reverse was skipped: the correlation of "
                      f"{names[i]!r} and {names[j]!r} over the respondents answering "
                      f"both is undefined (one of them has a single value there)",
                      NumericalWarning, stacklevel=stacklevel + 1)
        return []
    loadings = _first_component_loadings(R, spectrum)
    negative = [names[j] for j in np.flatnonzero(loadings < 0)]
    if negative:
        warnings.warn(f"Some items ({', '.join(negative)}) were negatively correlated with the "
                      f"total scale and probably should be reversed: "
                      f"{function}(..., keys={negative})", NumericalWarning,
                      stacklevel=stacklevel + 1)
    return negative


def _item_total_r(C: np.ndarray, R: np.ndarray,
                  smc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """psych's std.r, r.cor and r.drop of each keyed item.

    std.r correlates the item with the standardised total (from R), r.cor does so with the
    SMCs in place of the item's own unit variance (correcting for item overlap), r.drop
    correlates it with the sum of the other items (from C).
    """
    k = R.shape[0]
    r1 = R.sum(axis=1)
    sum_r = R.sum()
    std_r = r1 / np.sqrt(sum_r)
    r_cor = (r1 - 1.0 + smc) / np.sqrt(sum_r - k + smc.sum())
    dC = np.diag(C)
    c1 = C.sum(axis=1)
    r_drop = (c1 - dC) / np.sqrt(dC * (C.sum() - 2 * c1 + dC))
    return std_r, r_cor, r_drop


# --------------------------------------------------------------------------------------------
# alpha and its tables from C and R
# --------------------------------------------------------------------------------------------


def _q_statistic(C: np.ndarray) -> float:
    """Duhachek & Iacobucci's (2004) Q; the asymptotic standard error is sqrt(Q / n)."""
    k = C.shape[0]
    s = C.sum()
    tr = np.trace(C)
    c1 = C.sum(axis=1)
    scale = 2 * k**2 / ((k - 1) ** 2 * s**3)
    return float(scale * (s * ((C * C).sum() + tr**2) - 2 * tr * (c1 @ c1)))


def _alpha_total(C: np.ndarray, R: np.ndarray, smc: np.ndarray) -> dict[str, float]:
    """psych's alpha.1 on the whole scale."""
    k = C.shape[0]
    sum_r = R.sum()
    av_r = (sum_r - k) / (k * (k - 1))
    lower = R[_lower_indices(k)]
    return {
        "raw": k / (k - 1) * (1 - np.trace(C) / C.sum()),
        "std": k / (k - 1) * (1 - k / sum_r),
        "g6": 1 - (k - smc.sum()) / sum_r,
        "av_r": av_r,
        "sn": k * av_r / (1 - av_r),
        "q": _q_statistic(C),
        "var_r": float(np.var(lower, ddof=1)) if lower.size > 1 else math.nan,
        "med_r": _median(lower),
    }


def _drop_smc_sums(R: np.ndarray, spectrum: _Spectrum | None = None) -> np.ndarray:
    """For each item i, the sum of psych::smc(R without i).

    When R is well conditioned (no singular value dropped by psych's pseudo-inverse),
    (R_-i)^-1 follows from R^-1 by a rank-one downdate, so no refit is needed; otherwise
    psych's pseudo-inverse is applied to each submatrix as psych does.
    """
    k = R.shape[0]
    eig = np.linalg.eigvalsh(R) if spectrum is None else spectrum.values
    if eig[0] > _PINV_TOL * eig[-1]:
        inv = np.linalg.inv(R) if spectrum is None else spectrum.pinv(_PINV_TOL)
        d = np.diag(inv)
        with np.errstate(divide="ignore", invalid="ignore"):
            sub_diag = d[None, :] - inv**2 / d[:, None]  # row i: diag of (R_-i)^-1
            smc = np.clip(1.0 - 1.0 / sub_diag, 0.0, 1.0)  # as psych::smc
        np.fill_diagonal(smc, 0.0)
        return smc.sum(axis=1)
    out = np.empty(k)
    for i in range(k):
        keep = np.arange(k) != i
        out[i] = psych_smc(R[np.ix_(keep, keep)]).sum()
    return out


@functools.lru_cache(maxsize=256)
def _label_index(labels: tuple[str, ...]) -> pd.Index:
    """The item labels as an Index, cached: an Index is immutable, and building one of
    strings costs more than alpha's algebra at small k."""
    return pd.Index(labels)


@functools.lru_cache(maxsize=64)
def _lower_indices(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(k, -1)``, cached (it costs more than alpha's algebra at small k)."""
    rows, cols = np.tril_indices(k, -1)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array (the mean of the two middle values for even sizes)."""
    n = values.size
    part = np.partition(values, [(n - 1) // 2, n // 2])
    return float((part[(n - 1) // 2] + part[n // 2]) / 2)


def _median_r_if_deleted(R: np.ndarray) -> np.ndarray:
    """For each item i, the median of the off-diagonal correlations without item i.

    The k(k-1)/2 pair correlations are sorted once; dropping item i removes the k-1 pairs
    that involve it, whose ranks q_0 < ... < q_{k-2} are known. The t-th smallest remaining
    value sits at rank t + #{l : q_l - l <= t} (q_l - l counts the values kept before q_l),
    so every median is found in O(k) after one O(k^2 log k) sort: O(k^2) memory, no
    k x k(k-1)/2 matrix. Equal to ``np.median`` of the remaining values (even counts: the
    mean of the two middle ones).
    """
    k = R.shape[0]
    rows, cols = _lower_indices(k)
    values = R[rows, cols]
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    rank = np.empty(values.size, dtype=np.intp)
    rank[order] = np.arange(values.size)
    P = np.empty((k, k), dtype=np.intp)
    P[rows, cols] = rank
    P[cols, rows] = rank
    Q = P[~np.eye(k, dtype=bool)].reshape(k, k - 1)
    Q.sort(axis=1)
    D = Q - np.arange(k - 1)
    left = values.size - (k - 1)

    def at(t: int) -> np.ndarray:
        return ranked[t + (D <= t).sum(axis=1)]

    if left % 2:
        return at(left // 2)
    return (at(left // 2 - 1) + at(left // 2)) / 2


def _alpha_if_deleted(
    C: np.ndarray, R: np.ndarray, n_rows: int, spectrum: _Spectrum | None = None
) -> dict[str, np.ndarray]:
    """alpha.1 on every k-1 item subset, in closed form from C and R."""
    k = C.shape[0]
    m = k - 1
    dC = np.diag(C)
    c1 = C.sum(axis=1)
    sum_c = C.sum()
    tr_c = dC.sum()
    r1 = R.sum(axis=1)
    sum_r = R.sum()

    if k == 2:
        # psych's special case for a pair: the other item's covariance ratio and correlation
        r12 = R[0, 1]
        smc1 = psych_smc(R)[0]
        raw = np.array([C[0, 1] / C[1, 1], C[0, 1] / C[0, 0]])
        rep = np.full(2, r12)
        return {"raw_alpha": raw, "std_alpha": rep, "g6": np.full(2, smc1), "average_r": rep,
                "signal_noise": rep / (1 - rep), "ase": np.full(2, np.nan),
                "var_r": np.zeros(2), "med_r": rep}

    sum_c_i = sum_c - 2 * c1 + dC
    tr_c_i = tr_c - dC
    raw = m / (m - 1) * (1 - tr_c_i / sum_c_i)
    sum_r_i = sum_r - 2 * r1 + 1.0
    std = m / (m - 1) * (1 - m / sum_r_i)
    g6 = 1 - (m - _drop_smc_sums(R, spectrum)) / sum_r_i
    av_r = (sum_r_i - m) / (m * (m - 1))
    sn = m * av_r / (1 - av_r)

    # Q of C without item i: tr(C_-i^2) and 1'C_-i^2 1 by removing row/column i
    tr_c2_i = (C * C).sum() - 2 * (C * C).sum(axis=0) + dC**2
    V = c1[:, None] - C  # V[j, i] = (C_-i 1)_j for j != i
    one_c2_one_i = (V * V).sum(axis=0) - np.diag(V) ** 2
    q = 2 * m**2 / ((m - 1) ** 2 * sum_c_i**3) * (
        sum_c_i * (tr_c2_i + tr_c_i**2) - 2 * tr_c_i * one_c2_one_i
    )
    with np.errstate(invalid="ignore"):
        ase = np.sqrt(q / n_rows)

    # variance and median of the off-diagonal correlations left after dropping item i
    n_pairs = m * (m - 1) / 2
    s1 = (sum_r - k) / 2 - (r1 - 1.0)
    s2 = ((R * R).sum() - k) / 2 - ((R * R).sum(axis=1) - 1.0)
    if n_pairs > 1:
        var_r = (s2 - s1**2 / n_pairs) / (n_pairs - 1)
    else:
        var_r = np.full(k, np.nan)  # one pair left: R's var() of one value is NA
    med_r = _median_r_if_deleted(R)
    return {"raw_alpha": raw, "std_alpha": std, "g6": g6, "average_r": av_r,
            "signal_noise": sn, "ase": ase, "var_r": var_r, "med_r": med_r}


def _value_label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _response_freq(values: np.ndarray | None, counts: np.ndarray | None, names: Sequence[str],
                   n_rows: int, any_missing: bool) -> pd.DataFrame:
    """psych::response.frequencies(max = 10): proportions of the answers per value, and miss.

    Like psych, an item whose range exceeds 11 is left out, and the table is empty when the
    items use more than 10 distinct values (psych counts a missing value as one of them).
    """
    if values is None or counts is None:
        return pd.DataFrame()
    present = counts > 0
    lo = np.where(present, values, np.inf).min(axis=1)
    hi = np.where(present, values, -np.inf).max(axis=1)
    select = (hi - lo) < _MAX_CATEGORIES + 1
    counts = counts[select]
    used = counts.sum(axis=0) > 0
    n_distinct = int(used.sum()) + int(any_missing)
    if n_distinct > _MAX_CATEGORIES or not select.any():
        return pd.DataFrame()
    counts = counts[:, used]
    responses = counts.sum(axis=1)
    cells = np.empty((counts.shape[0], counts.shape[1] + 1))
    np.divide(counts, responses[:, None], out=cells[:, :-1])
    cells[:, -1] = 1 - responses / n_rows
    index = names if select.all() else [n for n, s in zip(names, select, strict=True) if s]
    return pd.DataFrame(cells, index=_label_index(tuple(index)),
                        columns=_freq_columns(tuple(values[used].tolist())), copy=False)


@functools.lru_cache(maxsize=256)
def _freq_columns(values: tuple[float, ...]) -> pd.Index:
    """The response table's columns (the answer labels, then ``miss``), cached like
    :func:`_label_index`: the same few codings come back call after call."""
    return pd.Index([*(_value_label(v) for v in values), "miss"])


def _item_table(n: np.ndarray, cols: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """The item table (an integer ``n`` column, then floats) from its columns.

    pandas builds a frame from a dict of columns in about 0.4 ms, more than all of alpha's
    algebra at 1,000 x 20; ``DataFrame._from_arrays`` (what that path ends in) skips the
    dict handling. It is private, so any failure falls back to the public constructor."""
    arrays = [n, *(cols[:, j] for j in range(cols.shape[1]))]
    try:
        return pd.DataFrame._from_arrays(arrays, columns=_ITEM_INDEX_ALL, index=index,
                                         verify_integrity=False)
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        return pd.DataFrame(dict(zip(_ITEM_COLUMNS, arrays, strict=True)), index=index)

