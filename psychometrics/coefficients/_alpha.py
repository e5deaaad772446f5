"""Cronbach's alpha with every table of ``psych::alpha`` (psych 2.2.9), computed from one pass.

The data are read once into sufficient statistics (column sums and the cross-product matrix
``X'X``; with missing values the pairwise counts, sums and cross-products from masked matrix
products). Everything else, including alpha-if-item-deleted, comes in closed form from the
k x k covariance matrix, so a million respondents cost little more than one ``X'X``.

The helpers here (item matrix, keys, pairwise moments, alpha's formulas on C and R) are
shared by ``_split_half`` and ``_ordinal``; psych's ``smc`` comes from ``factor._matrix``.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import fdtri, ndtri

from psychometrics._pass import block_pass
from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor, pinv
from psychometrics.factor._matrix import smc as psych_smc
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin, format_number

__all__ = ["AlphaResult", "ConfidenceInterval", "alpha"]

_EPS = np.finfo(float).eps
# psych::Pinv drops singular values below sqrt(.Machine$double.eps) times the largest one
_PINV_TOL = math.sqrt(_EPS)
# psych::alpha(max = 10): response frequencies only for at most this many distinct values
_MAX_CATEGORIES = 10
# one-pass blocks: about 1.3 MB of float64 per block, so a block read for X'X is still in
# cache when it is copied to int8 for counting
_BLOCK_CELLS = 163840
_MIN_BLOCK_ROWS = 1024
_DROP_COLUMNS = ["raw_alpha", "std_alpha", "g6", "average_r", "signal_noise", "ase", "var_r",
                 "med_r"]
_ITEM_COLUMNS = ["n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd"]
_DROP_INDEX = pd.Index(_DROP_COLUMNS)  # immutable, so shared by every result
_ITEM_INDEX = pd.Index(_ITEM_COLUMNS[1:])
_ITEM_INDEX_ALL = pd.Index(_ITEM_COLUMNS)


# --------------------------------------------------------------------------------------------
# input handling shared by the reliability coefficients
# --------------------------------------------------------------------------------------------


def _item_matrix(data: Any) -> tuple[np.ndarray, list[str]]:
    """Items as a float64 matrix (rows = respondents) and their names.

    DataFrame columns must be numeric (nullable integer columns are fine: ``pd.NA`` becomes
    NaN). A 2-D array gets psych's names ``V1 ... Vk``. No copy is made when the DataFrame
    already holds one float64 block.
    """
    if isinstance(data, pd.DataFrame):
        # float64 columns (one block, or interleaved): no per-column checks or conversion
        # (reading ``data.dtypes`` builds a Series, which costs more than this)
        X = data.to_numpy()
        if X.dtype != np.float64:
            for name, dtype in data.dtypes.items():
                if not (pd.api.types.is_numeric_dtype(dtype)
                        or pd.api.types.is_bool_dtype(dtype)):
                    raise ValueError(
                        f"item column {name!r} is not numeric (dtype {dtype}); recode it first"
                    )
            X = data.to_numpy(dtype=np.float64, na_value=np.nan)
        names = [str(c) for c in data.columns]
    else:
        try:
            X = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"items must be numeric: {exc}") from None
        if X.ndim != 2:
            raise ValueError(f"items must be a 2-D table (respondents x items), got {X.ndim}-D")
        names = [f"V{j + 1}" for j in range(X.shape[1])]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"item names must be unique; repeated: {dup}")
    return X, names


def _parse_keys(keys: Any, names: Sequence[str]) -> np.ndarray:
    """Keys as a +1/-1 float vector: a list of +1/-1 per item, or the names to reverse."""
    k = len(names)
    if keys is None:
        return np.ones(k)
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    if all(isinstance(key, str) for key in keys):
        signs = np.ones(k)
        index = {name: j for j, name in enumerate(names)}
        unknown = []
        for key in keys:
            # psych writes reversed items as "-A1" in key lists; accept that and "A1-"
            name = key if key in index else key.strip("-")
            if name not in index:
                unknown.append(key)
            else:
                signs[index[name]] = -1.0
        if unknown:
            raise ValueError(f"keys name items that are not in the data: {unknown}")
        return signs
    try:
        signs = np.asarray(keys, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("keys must be item names to reverse or one +1/-1 per item") from None
    if signs.shape != (k,):
        raise ValueError(f"keys has {signs.size} entries but there are {k} items")
    if not np.isin(signs, (-1.0, 1.0)).all():
        raise ValueError(f"keys must be +1 or -1, got {sorted(set(signs.tolist()))}")
    return signs


def _keyed_names(names: Sequence[str], signs: np.ndarray) -> list[str]:
    """psych's labels: a reversed item gets a trailing '-'."""
    return [f"{n}-" if s < 0 else n for n, s in zip(names, signs, strict=True)]


# --------------------------------------------------------------------------------------------
# one pass over the data: sufficient statistics
# --------------------------------------------------------------------------------------------


@dataclass
class _Moments:
    """Pairwise sufficient statistics of the items (no reversal applied) and the data.

    ``count[i, j]`` rows where items i and j are both answered, ``sums[i, j]`` the sum of
    item i over those rows, ``cross[i, j]`` the sum of x_i * x_j over them, ``sq[i, j]`` the
    sum of x_i^2 over the rows where j is answered. Complete data have ``count`` constant.
    ``values``/``counts`` are the response frequencies when every answer is one of few
    values; ``lo``/``hi`` each item's smallest and largest answer; ``score`` the row-mean
    score parts of the keyed items (see :func:`psychometrics._pass.block_pass`) for the
    signs ``score_signs``. ``data`` is the item matrix read (kept for psych's first-row rule
    and for a second pass when an item without variance leaves the score).
    """

    data: np.ndarray
    count: np.ndarray
    sums: np.ndarray
    cross: np.ndarray
    sq: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    complete: bool
    values: np.ndarray | None = None
    counts: np.ndarray | None = None
    score: dict[str, np.ndarray] | None = None
    score_signs: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_obs(self) -> np.ndarray:
        return np.diag(self.count).copy()

    @property
    def means(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.sums) / np.diag(self.count)

    def covariance(self) -> np.ndarray:
        """``cov(x, use = "pairwise")``: each pair over the rows where both are answered."""
        with np.errstate(invalid="ignore", divide="ignore"):
            num = self.cross - self.sums * self.sums.T / self.count
            cov = num / (self.count - 1.0)
        cov[self.count < 2] = np.nan
        return cov

    def pairwise_correlation(self) -> np.ndarray:
        """``cor(x, use = "pairwise")``: each pair standardised on its own rows.

        With missing data this differs from ``cov2cor(covariance())``, which is what
        psych's alpha uses; psych uses this one only to check the item signs.
        """
        if self.complete:
            with np.errstate(invalid="ignore", divide="ignore"):
                return cov2cor(self.covariance())
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = self.cross - self.sums * self.sums.T / self.count
            var_i = self.sq - self.sums**2 / self.count
            r = cov / np.sqrt(var_i * var_i.T)
        np.fill_diagonal(r, 1.0)
        return r

    def first_row(self, columns: np.ndarray) -> np.ndarray:
        """The first respondent's answers to ``columns`` (psych adds them for dropped items)."""
        return self.data[0, columns]

    def block_range(self, gi: np.ndarray) -> tuple[float, float]:
        """Smallest and largest answer over the given items (psych's min/max of the block)."""
        if not np.isnan(self.lo[gi]).any():
            return float(np.nanmin(self.lo[gi])), float(np.nanmax(self.hi[gi]))
        X = self.data
        if gi.size == X.shape[1]:
            return float(np.nanmin(X)), float(np.nanmax(X))
        return (float(min(np.nanmin(X[:, j]) for j in gi)),
                float(max(np.nanmax(X[:, j]) for j in gi)))

    def row_mean_stats(self, gi: np.ndarray, s: np.ndarray,
                       adjust: float) -> tuple[float, float, np.ndarray]:
        """Mean and sd of the row-mean score and its pairwise correlation with each keyed
        item (from the pass's score parts; a second pass when items left the score)."""
        k = self.data.shape[1]
        if (self.score is None or gi.size != k or self.score_signs is None
                or not np.array_equal(self.score_signs, s)):
            full = np.zeros(k)
            full[gi] = s
            sub = self.data if gi.size == k else self.data[:, gi]
            parts = block_pass(sub, count_values=False, signs=s, block_cells=_BLOCK_CELLS,
                               min_rows=_MIN_BLOCK_ROWS, ranges=False)
            return _score_stats(parts.score, parts.count, parts.sums, parts.cross, s, adjust)
        return _score_stats(self.score, self.count, self.sums, self.cross, s, adjust)


def _score_stats(sc: dict[str, np.ndarray], count: np.ndarray, sums: np.ndarray,
                 cross: np.ndarray, s: np.ndarray,
                 adjust: float) -> tuple[float, float, np.ndarray]:
    """Row-mean score statistics from the score parts: t = a + adjust * b per row.

    Rows that answered item j all have a score, so an item's pairwise rows with the score
    are simply its answered rows.
    """
    d = adjust
    A, B, AA, AB, BB = sc["sum"]
    n_ans = float(sc["answered"][0])
    sum_t = A + d * B
    sum_tt = AA + 2 * d * AB + d * d * BB
    mean_t = sum_t / n_ans
    sd_t = math.sqrt(max((sum_tt - sum_t * mean_t) / (n_ans - 1), 0.0))
    it = sc["item"]
    st = it[:, 0] + d * it[:, 1]
    stt = it[:, 2] + 2 * d * it[:, 3] + d * d * it[:, 4]
    stx = sc["x0"][:, 0] + d * sc["x0"][:, 1]
    raw_r = _score_item_r(st, stt, stx, np.diag(count), np.diag(sums), np.diag(cross), s,
                          adjust)
    return float(mean_t), float(sd_t), raw_r


def _score_item_r(st: np.ndarray, stt: np.ndarray, stx: np.ndarray, N: np.ndarray,
                  sx: np.ndarray, sxx: np.ndarray, s: np.ndarray, adjust: float) -> np.ndarray:
    """Pairwise correlation of each keyed item with the row-mean score, from the sums of
    t, t^2 and x t over the item's answered rows and the item's own sums."""
    r = s < 0
    # reversed item a - x: transform its sums instead of the data
    sxx = np.where(r, adjust**2 * N - 2 * adjust * sx + sxx, sxx)
    stx = np.where(r, adjust * st - stx, stx)
    sx = np.where(r, adjust * N - sx, sx)
    cov = (stx - st * sx / N) / (N - 1)
    var_t = (stt - st * st / N) / (N - 1)
    var_x = (sxx - sx * sx / N) / (N - 1)
    return cov / np.sqrt(var_t * var_x)


class _MomentsView:
    """What alpha reads from a :class:`psychometrics.moments.Moments` group: the same
    interface as :class:`_Moments`, from centred statistics (``listwise``: the complete
    rows only)."""

    def __init__(self, st: Any, listwise: bool) -> None:
        self.st = st
        self.listwise = listwise
        k = st.first.size
        if listwise:
            n = float(st.n_complete)
            self.count = np.full((k, k), n)
            self._mean = np.broadcast_to(st.mean_complete[:, None], (k, k))
            self._co = st.comoment_complete
            self._sq = np.broadcast_to(np.diag(st.comoment_complete)[:, None], (k, k))
            self.values = self.counts = None  # counts were taken over all rows
            self.complete = True
            self.n_rows = int(st.n_complete)
        else:
            self.count = st.count
            self._mean = st.mean
            self._co = st.comoment
            self._sq = st.sqdev
            self.values, self.counts = st.values, st.counts
            self.complete = st.n_complete == st.n_rows
            self.n_rows = int(st.n_rows)

    @property
    def n_obs(self) -> np.ndarray:
        return np.diag(self.count).copy()

    @property
    def means(self) -> np.ndarray:
        return np.diag(self._mean).copy()

    def covariance(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = self._co / (self.count - 1.0)
        cov[self.count < 2] = np.nan
        return cov

    def pairwise_correlation(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self._co / np.sqrt(self._sq * self._sq.T)
        np.fill_diagonal(r, 1.0)
        return r

    def first_row(self, columns: np.ndarray) -> np.ndarray:
        return self.st.first[columns]

    def block_range(self, gi: np.ndarray) -> tuple[float, float]:
        return float(np.nanmin(self.st.lo[gi])), float(np.nanmax(self.st.hi[gi]))

    def row_mean_stats(self, gi: np.ndarray, s: np.ndarray,
                       adjust: float) -> tuple[float, float, np.ndarray]:
        """The row-mean score from the missing-data patterns: within a pattern the score
        is linear in the answers, t = w'x + c, so its sums follow from the pattern's
        count, means and cross-products."""
        if self.st.patterns is None:
            warnings.warn("The mean score's mean, sd and raw_r with missing answers need the "
                          "missing-data patterns: pm.moments(..., patterns=True); they are "
                          "NaN here", NumericalWarning, stacklevel=5)
            return math.nan, math.nan, np.full(gi.size, np.nan)
        k = self.st.first.size
        keys = list(self.st.patterns)
        obs = np.stack([np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool)
                        for key in keys])[:, gi]
        n = np.array([self.st.patterns[key][0] for key in keys], dtype=float)
        mu = np.stack([self.st.patterns[key][1] for key in keys])[:, gi]
        M2 = np.stack([self.st.patterns[key][2] for key in keys])[:, gi][:, :, gi]
        r = obs.sum(axis=1).astype(float)
        valid = r > 0
        obs, n, mu, M2, r = obs[valid], n[valid], mu[valid], M2[valid], r[valid]
        W = obs * s / r[:, None]
        c = adjust * (obs & (s < 0)).sum(axis=1) / r
        tbar = (W * mu).sum(axis=1) + c
        St = n * tbar
        Stt = np.einsum("pi,pij,pj->p", W, M2, W) + n * tbar**2
        Stx = np.einsum("pij,pj->pi", M2, W) + n[:, None] * mu * tbar[:, None]
        n_ans = n.sum()
        sum_t, sum_tt = St.sum(), Stt.sum()
        mean_t = sum_t / n_ans
        sd_t = math.sqrt(max((sum_tt - sum_t * mean_t) / (n_ans - 1), 0.0))
        N = obs.T @ n
        sx = (obs * mu).T @ n
        sxx = (obs * (np.diagonal(M2, axis1=1, axis2=2) + n[:, None] * mu**2)).sum(axis=0)
        raw_r = _score_item_r(obs.T @ St, obs.T @ Stt, Stx.sum(axis=0), N, sx, sxx, s,
                              adjust)
        return float(mean_t), float(sd_t), raw_r


def _general_counts(X: np.ndarray, max_values: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts per value when there are few distinct values that are not small integers
    (called once :func:`_few_distinct` has found few values in the first rows)."""
    per_item = []
    for j in range(X.shape[1]):
        col = X[:, j]
        per_item.append(np.unique(col[~np.isnan(col)], return_counts=True))
    values = np.unique(np.concatenate([v for v, _ in per_item]))
    if values.size > max_values:
        return None
    counts = np.zeros((X.shape[1], values.size), dtype=np.int64)
    for j, (v, c) in enumerate(per_item):
        counts[j, np.searchsorted(values, v)] = c
    return values, counts


def _few_distinct(X: np.ndarray, max_values: int) -> bool:
    """Cheap test on the first rows: more distinct values there means more overall."""
    sample = X[:256]
    return np.unique(sample[~np.isnan(sample)]).size <= max_values


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
# psych's matrix helpers
# --------------------------------------------------------------------------------------------


class _Spectrum:
    """One eigendecomposition of a symmetric R for everything alpha asks of it (the
    positive-definiteness check, psych's pseudo-inverse, the first component), instead of
    an SVD, an inverse and three eigensolvers."""

    def __init__(self, R: np.ndarray) -> None:
        self.values, self.vectors = np.linalg.eigh(R)

    def pinv(self, tol: float) -> np.ndarray:
        """psych::Pinv: for a symmetric matrix the singular values are |eigenvalues|, and
        those at most ``tol`` times the largest are dropped."""
        lam = self.values
        keep = np.abs(lam) > tol * np.abs(lam).max()
        V = self.vectors[:, keep]
        return (V / lam[keep]) @ V.T


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
    of R in a warning advising to reverse them, and return their names."""
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


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfidenceInterval:
    """A confidence interval: ``lower``, ``upper``, its ``level`` and the ``method``."""

    lower: float
    upper: float
    level: float
    method: str

    def __str__(self) -> str:
        return (f"[{format_number(self.lower)}, {format_number(self.upper)}] "
                f"({self.level:.0%} {self.method})")


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
                        columns=_label_index((*(_value_label(v) for v in values[used]),
                                              "miss")))


# --------------------------------------------------------------------------------------------
# confidence intervals
# --------------------------------------------------------------------------------------------


def _feldt(raw: float, n_rows: int, k: int, level: float) -> ConfidenceInterval:
    """psych::alpha.ci (Feldt, Woodruff & Salih 1987)."""
    p = 1 - level
    df1, df2 = n_rows - 1, (n_rows - 1) * (k - 1)
    lower = 1 - (1 - raw) * fdtri(df1, df2, 1 - p / 2)  # qf(1 - p/2, df1, df2)
    upper = 1 - (1 - raw) * fdtri(df1, df2, p / 2)
    return ConfidenceInterval(float(lower), float(upper), level, "feldt")


def _bootstrap_design(X: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, Any]:
    """Per-row terms whose weighted sums give a resample's raw alpha, and that map.

    Complete data: alpha needs only the item variances and the variance of the keyed total,
    so the rows carry [x^2, x, t^2, t] (2k + 2 numbers). Missing data: pairwise covariances
    need, for every pair, the joint counts, the sums over the joint rows and the products.
    """
    n, k = X.shape
    mask = ~np.isnan(X)
    if mask.all():
        t = X @ signs
        Z = np.column_stack([X * X, X, t * t, t])

        def raw_alpha(WZ: np.ndarray) -> np.ndarray:
            sxx, sx = WZ[:, :k], WZ[:, k : 2 * k]
            stt, st = WZ[:, 2 * k], WZ[:, 2 * k + 1]
            tr = ((sxx - sx * sx / n) / (n - 1)).sum(axis=1)  # a resample has n rows
            var_t = (stt - st * st / n) / (n - 1)
            return k / (k - 1) * (1 - tr / var_t)

        return Z, raw_alpha

    x0 = np.where(mask, X, 0.0)
    m = mask.astype(float)
    iu, ju = np.triu_indices(k)
    Z = np.column_stack([
        m[:, iu] * m[:, ju],                                   # joint counts (i <= j)
        (x0[:, :, None] * m[:, None, :]).reshape(n, k * k),   # x_i over rows with j
        x0[:, iu] * x0[:, ju],                                 # cross-products (i <= j)
    ])
    n_u = iu.size
    ss = np.outer(signs, signs)

    def raw_alpha(WZ: np.ndarray) -> np.ndarray:
        b = WZ.shape[0]
        N = np.empty((b, k, k))
        P = np.empty((b, k, k))
        N[:, iu, ju] = WZ[:, :n_u]
        N[:, ju, iu] = WZ[:, :n_u]
        P[:, iu, ju] = WZ[:, n_u + k * k :]
        P[:, ju, iu] = WZ[:, n_u + k * k :]
        S = WZ[:, n_u : n_u + k * k].reshape(b, k, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            Cb = (P - S * S.transpose(0, 2, 1) / N) / (N - 1) * ss
        tr = np.trace(Cb, axis1=1, axis2=2)
        total = Cb.sum(axis=(1, 2))
        return k / (k - 1) * (1 - tr / total)

    return Z, raw_alpha


def _bootstrap_alphas(X: np.ndarray, signs: np.ndarray, n_boot: int,
                      rng: np.random.Generator, progress: ProgressCallback) -> np.ndarray:
    """Raw alpha of ``n_boot`` resamples of the rows, as multinomial weights on the rows.

    A resample's statistics are weighted sums W @ Z of per-row terms, so each block of
    resamples is one matrix product; respondents are never looped over.
    """
    n = X.shape[0]
    Z, raw_alpha = _bootstrap_design(X, signs)
    block = max(1, min(n_boot, (1 << 23) // n))  # weights block <= 8M entries
    sub = max(1, (1 << 19) // n)  # counts for a few resamples at a time stay in cache
    out = np.empty(n_boot)
    W = np.empty((block, n))
    done = 0
    progress(0, n_boot)
    while done < n_boot:
        b = min(block, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        for s in range(0, b, sub):
            m = min(sub, b - s)
            flat = (idx[s : s + m] + (np.arange(m) * n)[:, None]).ravel()
            W[s : s + m] = np.bincount(flat, minlength=m * n).reshape(m, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[done : done + b] = raw_alpha(W[:b] @ Z)
        done += b
        progress(done, n_boot)
    return out


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
    X, names = _item_matrix(data)
    signs = _parse_keys(keys, names)
    if missing == "listwise":
        complete_rows = ~np.isnan(X).any(axis=1)
        if not complete_rows.all():
            X = X[complete_rows]
    n_rows, k = X.shape
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    if n_rows < 3:
        raise ValueError(f"alpha needs at least 3 respondents, got {n_rows}"
                         + (" complete rows" if missing == "listwise" else ""))

    mom = _moments(X, signs=signs)
    fit = _fit_alpha(mom, names, signs, keys_given=keys is not None)

    if ci_method == "feldt":
        interval = _feldt(fit["raw"], n_rows, fit["k"], ci)
    elif ci_method == "duhachek":
        z = float(ndtri(1 - (1 - ci) / 2))
        interval = ConfidenceInterval(fit["raw"] - z * fit["ase"], fit["raw"] + z * fit["ase"],
                                      ci, "duhachek")
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        good = fit["good"]
        boots = _bootstrap_alphas(X[:, good], signs[good], n_boot, rng,
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
