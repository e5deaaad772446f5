"""alpha's input and one-pass moments: the item matrix, the keys, and the pairwise sums,
counts and cross-products (:class:`_Moments`, or a view of a ``Moments`` object) from
which every statistic of :func:`~psychometrics.coefficients.alpha` follows; shared with
``_split_half``, ``_ordinal`` and ``correlation``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from psychometrics._pass import block_pass
from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor

# --------------------------------------------------------------------------------------------
# input handling shared by the reliability coefficients
# --------------------------------------------------------------------------------------------


def _item_matrix(data: Any, *, integers: bool = False) -> tuple[np.ndarray, list[str]]:
    """Items as a float64 matrix (rows = respondents) and their names.

    DataFrame columns must be numeric (nullable integer columns are fine: ``pd.NA`` becomes
    NaN). A 2-D array gets psych's names ``V1 ... Vk``. No copy is made when the DataFrame
    already holds one float64 block. With ``integers=True`` a frame of plain numpy integer
    (or bool) columns is returned as integers (no missing cells are possible), for callers
    whose blocked pass widens a cache-sized block at a time instead of the whole matrix.
    """
    if isinstance(data, pd.DataFrame):
        # float64 columns (one block, or interleaved): no per-column checks or conversion
        # (reading ``data.dtypes`` builds a Series, which costs more than this)
        X = data.to_numpy()
        if integers and X.dtype.kind in "iub":
            pass  # int64 from read_csv: widened block by block by the pass
        elif X.dtype != np.float64:
            for name, dtype in data.dtypes.items():
                if not (pd.api.types.is_numeric_dtype(dtype)
                        or pd.api.types.is_bool_dtype(dtype)):
                    raise ValueError(
                        f"item column {name!r} is not numeric (dtype {dtype}); recode it first"
                    )
            X = data.to_numpy(dtype=np.float64, na_value=np.nan)
        # tolist() first: iterating a string Index element by element costs ~0.5 us each
        names = [c if type(c) is str else str(c) for c in data.columns.tolist()]
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
            # the block sizes live with _moments (one place to tune or patch them)
            from psychometrics.coefficients import _alpha

            parts = block_pass(sub, count_values=False, signs=s,
                               block_cells=_alpha._BLOCK_CELLS,
                               min_rows=_alpha._MIN_BLOCK_ROWS, ranges=False)
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
    sd_t = _sd_from_sums(sum_t, sum_tt, n_ans)
    it = sc["item"]
    st = it[:, 0] + d * it[:, 1]
    stt = it[:, 2] + 2 * d * it[:, 3] + d * d * it[:, 4]
    stx = sc["x0"][:, 0] + d * sc["x0"][:, 1]
    raw_r = _score_item_r(st, stt, stx, np.diag(count), np.diag(sums), np.diag(cross), s,
                          adjust)
    return float(mean_t), float(sd_t), raw_r


def _sd_from_sums(sum_t: float, sum_tt: float, n: float) -> float:
    """Standard deviation from the sum and the sum of squares of ``n`` values.

    A variance from raw sums carries rounding of about 1e-16 of the mean square, so a
    constant score came out with an sd of ~1e-8 of its mean instead of 0 (found by
    hypothesis); below 1e-12 of the mean square it is 0, the rule of
    :func:`_score_item_r`.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        var = float((sum_tt - sum_t * (sum_t / n)) / np.float64(n - 1))
    if math.isnan(var):  # a single score: undefined, as before
        return math.nan
    return math.sqrt(var) if var > 1e-12 * sum_tt / n else 0.0


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
    # From raw sums a variance that is zero comes out as rounding (~1e-16 of the mean
    # square), and the correlation as a huge number or inf: undefined (NaN), as psych has
    # it, below 1e-12 of the mean square.
    with np.errstate(divide="ignore", invalid="ignore"):
        real = (var_t > 1e-12 * stt / N) & (var_x > 1e-12 * sxx / N)
        return np.where(real, cov / np.sqrt(np.where(real, var_t * var_x, 1.0)), np.nan)


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
        sd_t = _sd_from_sums(sum_t, sum_tt, n_ans)
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

