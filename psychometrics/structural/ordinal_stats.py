r"""Stage 1 of categorical (ordinal) SEM estimation, as lavaan 0.6.14 computes it.

For ordered items an estimator does not fit the raw answers but *sample statistics* of the
latent responses :math:`y^*` behind them: per item its thresholds, per pair of items their
polychoric correlation, and the asymptotic covariance matrix of all of them. This module
computes those, group by group, exactly as lavaan's ``lav_samplestats_from_data`` does for
``ordered=`` items without exogenous covariates (``muthen1984``,
``lav_samplestats_step1`` / ``step2``, ``lav_uvord_*``, ``lav_bvord_*``).

Contract (what an estimator gets)
---------------------------------
:func:`ordinal_sample_stats` returns an :class:`OrdinalSampleStats` holding one
:class:`OrdinalGroupStats` per group, in lavaan's group order (first appearance in the
data). Each group holds, with ``p`` items, ``q`` thresholds and ``p* = p (p - 1) / 2``:

``thresholds`` (q,)
    item by item, ``threshold_names`` ``"item|t1"``, ``"item|t2"`` ... (lavaan's names),
    ``threshold_item`` the item (0-based) of each threshold.
``correlation`` (p, p)
    polychoric correlations (unit diagonal): lavaan's ``sampstat$cov``.
``wls_obs`` (q + p*,)
    the vector an estimator fits: thresholds, then the correlations below the diagonal
    column by column (lavaan's ``WLS.obs``: ``c(th, lav_matrix_vech(cor, diagonal=FALSE))``).
``gamma`` (q + p*, q + p*)
    ``NACOV``: N times the asymptotic covariance matrix of ``wls_obs`` from the case-wise
    scores (Muthén 1984): lavaan's ``lavInspect(fit, "gamma")``.
``wls_v`` (q + p*,)
    the diagonal DWLS weight ``1 / diag(gamma)`` (lavaan's ``WLS.VD``; the full weight of
    ``estimator="WLS"`` is ``inv(gamma)``, of ULS the identity).
``nobs``, ``items``, ``categories`` (the answer values of each item, in order),
``frequencies`` and ``zero_cell_pairs`` (item pairs whose table has empty cells).

An estimator of the DWLS family minimises, as lavaan's ``lav_model_objective``,
:math:`F = \sum_g \frac{N_g}{N} F_g` with
:math:`F_g = \frac12 \frac{N_g - 1}{N_g} (s_g - \sigma_g(\theta))' W_g
(s_g - \sigma_g(\theta))`, ``s_g = wls_obs`` and ``W_g = diag(wls_v)`` (ULS: the
identity; WLS: ``inv(gamma)``); the test statistic is :math:`T = 2 N F = \sum_g (N_g - 1)
(s_g - \sigma_g)' W_g (s_g - \sigma_g)`. Its standard errors and robust tests need the Jacobian
:math:`\Delta_g = \partial\sigma_g/\partial\theta'`, ``W_g`` and ``Gamma_g``: see
:mod:`psychometrics.structural.wls_robust`.

Data conventions (lavaan's)
---------------------------
* An item's categories are the values that occur in the data (all groups together), in
  increasing order; a value of the response scale nobody chose is no category (lavaan's
  ``ordered()``): the item has one threshold fewer. This is warned about, naming the item,
  when the values leave a gap or ``categories=`` declares values that did not occur.
* In multi-group data every category must occur in every group, as lavaan requires
  (an error names the item, the group and the frequencies).
* Rows with a missing answer are left out (lavaan's ``missing="listwise"``), with a
  warning that says how many; or, with ``missing="pairwise"``, every answer is used (each
  pair's table from the rows answering both; a missing answer scores 0 in Gamma).
* Empty cells in a bivariate table: larger than 2 x 2, nothing is added (lavaan's
  ``zero.add = c(0.5, 0)``); a 2 x 2 table with one empty cell gets 0.5 added to it and to
  the opposite cell and taken from the other two (``zero.keep.margins = TRUE``); with two
  empty cells the correlation is +1 or -1. Each is warned about naming the pairs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from psychometrics.errors import (
    DataValidationError,
    MissingColumnError,
    NumericalWarning,
    PsychometricsWarning,
)
from psychometrics.results import ResultMixin
from psychometrics.structural.ordinal_bivariate import _fit_polychorics, vech_pairs
from psychometrics.structural.ordinal_bivariate import _loglik as _loglik
from psychometrics.structural.ordinal_gamma import gamma_of, score_crossproduct, score_setup

__all__ = ["OrdinalGroupStats", "OrdinalSampleStats", "ordinal_sample_stats",
           "vech_pairs"]

_CHUNK_CELLS = 1 << 22  # rows x category indicators held at once while forming the tables


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrdinalGroupStats(ResultMixin):
    """Stage-1 statistics of one group; see :func:`ordinal_sample_stats`."""

    group: str | None
    nobs: int
    items: tuple[str, ...]
    categories: tuple[tuple[float, ...], ...]
    frequencies: tuple[tuple[int, ...], ...]
    thresholds: np.ndarray
    threshold_names: tuple[str, ...]
    threshold_item: np.ndarray
    correlation: np.ndarray
    gamma: np.ndarray | None
    zero_cell_pairs: tuple[tuple[str, str], ...]

    _title = "Ordinal sample statistics (thresholds, polychoric correlations)"

    @property
    def wls_obs(self) -> np.ndarray:
        """Thresholds then the correlations below the diagonal, column by column."""
        first, second = vech_pairs(len(self.items))
        return np.concatenate([self.thresholds, self.correlation[second, first]])

    @property
    def wls_v(self) -> np.ndarray:
        """The DWLS weight: the diagonal ``1 / diag(gamma)`` (lavaan's ``WLS.VD``)."""
        if self.gamma is None:
            raise ValueError("gamma was not computed (gamma=False)")
        return 1.0 / np.diag(self.gamma)

    @property
    def wls_names(self) -> tuple[str, ...]:
        """lavaan's names of the ``wls_obs`` entries: ``item|t1`` ..., ``a~~b``."""
        first, second = vech_pairs(len(self.items))
        return self.threshold_names + tuple(
            f"{self.items[i]}~~{self.items[j]}" for i, j in zip(first, second, strict=True))

    def threshold_table(self) -> pd.DataFrame:
        """Thresholds as a tidy table (item, threshold, value)."""
        return pd.DataFrame({
            "item": [self.items[i] for i in self.threshold_item],
            "threshold": [n.split("|", 1)[1] for n in self.threshold_names],
            "value": self.thresholds,
        })

    def summary(self, digits: int = 3) -> str:
        names = list(self.items)
        lines = [self._title, "=" * len(self._title)]
        if self.group is not None:
            lines.append(f"group {self.group!r}")
        lines += [f"{len(names)} items, n = {self.nobs}", "", "Thresholds:",
                  self.threshold_table().round(digits).to_string(index=False), "",
                  "Polychoric correlations:",
                  pd.DataFrame(self.correlation, index=names, columns=names)
                  .round(digits).to_string()]
        if self.zero_cell_pairs:
            lines += ["", "Pairs with empty cells: " + ", ".join(
                f"{a} x {b}" for a, b in self.zero_cell_pairs)]
        return "\n".join(lines)


@dataclass(frozen=True)
class OrdinalSampleStats(ResultMixin):
    """Stage-1 statistics of every group; see :func:`ordinal_sample_stats`."""

    groups: tuple[OrdinalGroupStats, ...]
    items: tuple[str, ...]
    group_labels: tuple[str, ...] | None

    _title = "Ordinal sample statistics"

    @property
    def nobs(self) -> tuple[int, ...]:
        return tuple(g.nobs for g in self.groups)

    @property
    def ntotal(self) -> int:
        return sum(self.nobs)

    def __getitem__(self, index: int) -> OrdinalGroupStats:
        return self.groups[index]

    def __len__(self) -> int:
        return len(self.groups)

    def summary(self, digits: int = 3) -> str:
        return "\n\n".join(g.summary(digits) for g in self.groups)


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def _prepare(data: pd.DataFrame | np.ndarray, items: Sequence[str] | None, group: str | None,
             categories: Mapping[str, Sequence[float]] | None, missing: str
             ) -> tuple[np.ndarray, list[str], list[np.ndarray], np.ndarray | None,
                        list[str] | None]:
    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' (lavaan's default for ordered items) or "
                         f"'pairwise', got {missing!r}")
    if not isinstance(data, pd.DataFrame):
        if group is not None:
            raise ValueError("group= needs a DataFrame with the group column")
        arr = np.asarray(data, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"items must be a 2-D table (respondents x items), got "
                             f"{arr.ndim}-D")
        data = pd.DataFrame(arr, columns=[f"V{j + 1}" for j in range(arr.shape[1])])
    if items is None:
        items = [str(c) for c in data.columns if c != group]
    else:
        items = [str(c) for c in items]
    missing_cols = [c for c in [*items, *([group] if group else [])] if c not in data.columns]
    if missing_cols:
        raise MissingColumnError(f"column(s) {missing_cols} are not in the data (columns: "
                                 f"{[str(c) for c in data.columns]})")
    if len(set(items)) != len(items):
        raise ValueError(f"item names must be unique; repeated: "
                         f"{sorted({n for n in items if items.count(n) > 1})}")
    if len(items) < 2:
        raise ValueError("ordinal sample statistics need at least 2 items")
    for name in items:
        dtype = data[name].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise ValueError(f"item column {name!r} is not numeric (dtype {dtype}); code its "
                             "ordered categories as numbers first")
    X = data[items].to_numpy(dtype=np.float64, na_value=np.nan)
    g_values: np.ndarray | None = None
    labels: list[str] | None = None
    if group is not None:
        gcol = data[group]
        bad = np.flatnonzero(gcol.isna().to_numpy())
        if bad.size:
            raise DataValidationError(
                f"group column {group!r} is empty in data row {bad[0] + 2} (spreadsheet row, "
                f"header = row 1) and {bad.size - 1} other row(s); every row needs a group")
        g_values = gcol.astype(str).to_numpy()
        labels = list(dict.fromkeys(g_values))  # lavaan: order of first appearance

    # listwise: rows with any missing answer go; pairwise (lavaan): only rows with none
    incomplete = (np.isnan(X).any(axis=1) if missing == "listwise"
                  else np.isnan(X).all(axis=1))
    if incomplete.any():
        rows = np.flatnonzero(incomplete)
        more = " ..." if rows.size > 5 else ""
        # the rows' index labels: a DataFrame does not know which file row it came from
        where = "index " + ", ".join(str(data.index[r]) for r in rows[:5])
        what = ("have a missing answer and were left out (listwise, as lavaan for ordered "
                "items)" if missing == "listwise" else "have no answer at all and were left "
                "out (as lavaan)")
        warnings.warn(f"{rows.size} of {X.shape[0]} rows {what}: {where}{more}",
                      PsychometricsWarning, stacklevel=3)
        X = X[~incomplete]
        if g_values is not None:
            g_values = g_values[~incomplete]
    if X.shape[0] == 0:
        raise ValueError("no complete rows: every row has a missing answer")

    present = [np.unique(X[:, j][~np.isnan(X[:, j])]) for j in range(len(items))]
    levels = item_levels(items, present, categories)
    return X, items, levels, g_values, labels


def item_levels(items: Sequence[str], present: Sequence[np.ndarray],
                categories: Mapping[str, Sequence[float]] | None, stacklevel: int = 4
                ) -> list[np.ndarray]:
    """Each item's categories: the answer values that occur (``present[j]``, sorted, in the
    rows used, all groups together), checked against ``categories`` (lavaan's ``ordered()``:
    a value nobody chose is no category, which is warned about)."""
    levels = []
    for name, vals in zip(items, present, strict=True):
        if vals.size < 2:
            raise DataValidationError(
                f"item {name!r} has "
                + (f"a single answer ({vals[0]:g})" if vals.size else "no answer")
                + " in every row used: an ordered item needs at least 2 categories")
        declared = None if categories is None else categories.get(name)
        if declared is not None:
            unknown = sorted(set(vals.tolist()) - {float(v) for v in declared})
            if unknown:
                raise DataValidationError(
                    f"item {name!r} has answers {unknown} outside its declared categories "
                    f"{list(declared)}")
            unused = sorted({float(v) for v in declared} - set(vals.tolist()))
        elif np.array_equal(vals, np.round(vals)):
            unused = sorted(set(np.arange(vals[0], vals[-1] + 1).tolist()) - set(vals.tolist()))
        else:
            unused = []
        if unused:
            warnings.warn(
                f"item {name!r}: categor{'y' if len(unused) == 1 else 'ies'} "
                f"{', '.join(f'{u:g}' for u in unused)} never chosen; as lavaan, the item "
                f"has {vals.size} categories ({vals.size - 1} thresholds)",
                PsychometricsWarning, stacklevel=stacklevel)
        levels.append(vals)
    return levels


# --------------------------------------------------------------------------------------------
# one group: step 1 from counts, Gamma's cross-product from batches of rows
# --------------------------------------------------------------------------------------------
#
# Step 1 (thresholds, polychorics) and the matrix B of Gamma need only each item's
# frequencies and the bivariate tables of the category codes; only S'S, the cross-product of
# the case-wise scores, needs the rows, and every score is a lookup by a respondent's
# category (pair). So a group is: code_tables (summed over batches of rows) -> step1 ->
# score_setup -> score_crossproduct (summed over batches of rows) -> group_result. The
# in-memory path runs it on one batch; psychometrics.structural.ordinal_sources streams it.


def category_codes(X: np.ndarray, levels: Sequence[np.ndarray]) -> np.ndarray:
    """Answers (rows x items, NaN missing) as category codes 0 .. K_j - 1 of each item's
    ``levels``, -1 for a missing answer."""
    codes = np.empty(X.shape, dtype=np.intp)
    for j, lv in enumerate(levels):
        col = X[:, j]
        codes[:, j] = np.where(np.isnan(col), -1, np.searchsorted(lv, np.nan_to_num(col)))
    return codes


def code_tables(codes: np.ndarray, K: int) -> np.ndarray:
    """Every bivariate table of the category codes: ``T[i, a, j, b]`` counts the rows with
    item i in category a and item j in category b (a missing answer, code -1, counts
    nowhere; the diagonal blocks hold the items' frequencies). One cross-product of the
    category indicators, in chunks of rows; the tables of separate batches add up."""
    N, p = codes.shape
    onehot_offsets = np.arange(p) * K
    T = np.zeros((p * K, p * K))
    chunk = max(1, _CHUNK_CELLS // (p * K))
    for s in range(0, N, chunk):
        c = codes[s : s + chunk]
        oh = np.zeros((c.shape[0], p * K))
        r_i, c_j = np.nonzero(c >= 0)
        oh[r_i, onehot_offsets[c_j] + c[r_i, c_j]] = 1.0
        T += oh.T @ oh
    return T.reshape(p, K, p, K)


@dataclass(frozen=True)
class Step1:
    """A group's thresholds and polychoric correlations, with the counts they came from
    (what :func:`score_setup` needs for Gamma)."""

    label: str | None
    nobs: int
    items: tuple[str, ...]
    levels: tuple[np.ndarray, ...]
    ncat: np.ndarray  # (p,) categories per item
    freq: np.ndarray  # (p, K) frequencies, zero past an item's last category
    cuts: np.ndarray  # (p, K - 1) thresholds, +inf past an item's last one
    tables: np.ndarray  # (P, K, K) the pairs' tables (rows: item `first`), vech order
    rho: np.ndarray  # (P,) polychoric correlations, vech order
    zero_pairs: tuple[tuple[str, str], ...]

    @property
    def th_start(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.ncat - 1)[:-1]]).astype(np.intp)


def step1(T: np.ndarray, nobs: int, items: Sequence[str], levels: Sequence[np.ndarray],
          label: str | None) -> Step1:
    """Thresholds and polychoric correlations of one group from its tables ``T``
    (:func:`code_tables`; ``nobs`` the group's rows)."""
    N = int(nobs)
    p = len(items)
    items = list(items)
    ncat = np.array([lv.size for lv in levels])
    K = int(ncat.max())
    where = "" if label is None else f" in group {label!r}"

    # --- step 1: thresholds per item (the probit MLE without covariates is closed-form)
    freq = np.zeros((p, K), dtype=np.int64)
    for j in range(p):
        freq[j, : ncat[j]] = np.rint(np.diagonal(T[j, : ncat[j], j, : ncat[j]]))
        if (freq[j, : ncat[j]] == 0).any():
            raise DataValidationError(
                f"some categories of item {items[j]!r} are empty{where} (lavaan needs every "
                f"category in every group); frequencies of "
                f"{', '.join(f'{v:g}' for v in levels[j])}: "
                f"{' '.join(str(f) for f in freq[j, : ncat[j]])}")
    cuts = np.full((p, K - 1), np.inf)  # +inf pads past an item's last threshold
    for j in range(p):
        cum = np.cumsum(freq[j, : ncat[j]])[:-1] / freq[j].sum()
        cuts[j, : ncat[j] - 1] = ndtri(cum)

    # --- step 2: polychoric correlation of every pair, thresholds fixed
    first, second = vech_pairs(p)
    P = first.size
    tables = T[first, :, second, :]  # (P, K, K), rows: item `first`
    c1, c2 = cuts[first], cuts[second]
    work = tables.copy()
    rho = np.full(P, np.nan)
    fixed = np.zeros(P, dtype=bool)
    zero_pairs: list[tuple[str, str]] = []
    two_by_two_fix: list[str] = []
    n_two_empty = 0
    for m in np.flatnonzero((work == 0)[:, :, :].any(axis=(1, 2))):
        r_, c_ = ncat[first[m]], ncat[second[m]]
        sub = work[m, :r_, :c_]
        if not (sub == 0).any():
            continue
        zero_pairs.append((items[first[m]], items[second[m]]))
        if r_ == 2 and c_ == 2:
            empty = np.flatnonzero(sub.ravel(order="F") == 0)  # R's column-major which()
            if empty.size == 2:
                rho[m] = 1.0 if sub[0, 0] > 0 else -1.0
                fixed[m] = True
                n_two_empty += 1
                warnings.warn(f"two empty cells in the 2 x 2 table of {items[first[m]]!r} x "
                              f"{items[second[m]]!r}: their polychoric correlation is set to "
                              f"{rho[m]:+.0f} (as lavaan)", NumericalWarning, stacklevel=4)
            elif empty.size == 1:
                add = 0.5 if empty[0] in (0, 3) else -0.5
                sub = sub + add * np.array([[1.0, -1.0], [-1.0, 1.0]])
                work[m, :2, :2] = sub
                two_by_two_fix.append(f"{items[first[m]]} x {items[second[m]]}")
    for m in np.flatnonzero((ncat[first] == 2) & (ncat[second] == 2) & ~fixed):
        sub = work[m, :2, :2]
        if sub[0, 0] * sub[1, 1] == sub[0, 1] * sub[1, 0]:
            rho[m], fixed[m] = 0.0, True
        elif c1[m, 0] == 0 and c2[m, 0] == 0:
            rho[m], fixed[m] = -math.cos(2 * math.pi * sub[0, 0] / sub.sum()), True
    if zero_pairs:
        shown = ", ".join(f"{a} x {b}" for a, b in zero_pairs[:10])
        more = f" and {len(zero_pairs) - 10} more" if len(zero_pairs) > 10 else ""
        notes = []
        if two_by_two_fix:
            notes.append(f"the 2 x 2 table(s) {', '.join(two_by_two_fix)} got 0.5 added to "
                         "the empty cell keeping the margins (lavaan's zero.add)")
        if len(zero_pairs) > len(two_by_two_fix) + n_two_empty:
            notes.append("larger tables enter the likelihood as they are (lavaan adds "
                         "nothing to them)")
        warnings.warn(f"{len(zero_pairs)} bivariate table(s){where} have empty cells: "
                      f"{shown}{more}" + "".join(f"; {n}" for n in notes),
                      NumericalWarning, stacklevel=4)
    todo = np.flatnonzero(~fixed)
    if todo.size:
        # start: the Pearson correlations of the codes (missing answers at the item's mean,
        # standardised over its answers, divided by N), from the tables
        a = np.arange(K, dtype=float)
        n_j = freq.sum(axis=1)
        m_j = (freq * a).sum(axis=1) / n_j
        sd_j = np.sqrt((freq * (a - m_j[:, None]) ** 2).sum(axis=1) / n_j)
        Z = np.where(freq > 0, (a - m_j[:, None]) / sd_j[:, None], 0.0)
        pearson = np.einsum("mab,ma,mb->m", tables, Z[first], Z[second]) / N
        start = np.where(np.abs(pearson[todo]) < 1, pearson[todo], 0.0)
        est, conv = _fit_polychorics(work[todo], c1[todo], c2[todo], start)
        rho[todo] = est
        for m in todo[~conv]:
            warnings.warn(f"the polychoric correlation of {items[first[m]]!r} and "
                          f"{items[second[m]]!r}{where} did not converge", NumericalWarning,
                          stacklevel=4)
    for m in np.flatnonzero(np.abs(rho) > 0.99):
        warnings.warn(f"the polychoric correlation of {items[first[m]]!r} and "
                      f"{items[second[m]]!r}{where} is (nearly) 1.0 ({rho[m]:.4f})",
                      NumericalWarning, stacklevel=4)
    return Step1(label=label, nobs=N, items=tuple(items), levels=tuple(levels), ncat=ncat,
                 freq=freq, cuts=cuts, tables=tables, rho=rho, zero_pairs=tuple(zero_pairs))


def group_result(st: Step1, gamma: np.ndarray | None) -> OrdinalGroupStats:
    """The :class:`OrdinalGroupStats` of a group's step 1 and its Gamma."""
    p = len(st.items)
    nth = st.ncat - 1
    first, second = vech_pairs(p)
    R = np.eye(p)
    R[second, first] = st.rho
    R[first, second] = st.rho
    return OrdinalGroupStats(
        group=st.label, nobs=st.nobs, items=st.items,
        categories=tuple(tuple(float(v) for v in lv) for lv in st.levels),
        frequencies=tuple(tuple(int(f) for f in st.freq[j, : st.ncat[j]]) for j in range(p)),
        thresholds=np.concatenate([st.cuts[j, : nth[j]] for j in range(p)]),
        threshold_names=tuple(f"{st.items[j]}|t{k + 1}" for j in range(p)
                              for k in range(nth[j])),
        threshold_item=np.repeat(np.arange(p), nth),
        correlation=R, gamma=gamma, zero_cell_pairs=st.zero_pairs,
    )


def _group_stats(codes: np.ndarray, items: list[str], levels: list[np.ndarray],
                 label: str | None, with_gamma: bool) -> OrdinalGroupStats:
    """``codes``: rows x items, categories 0 .. K_j - 1, -1 for a missing answer (pairwise:
    each item's thresholds use its answers, each pair's table the rows answering both, and a
    missing answer scores 0, as lavaan's NA-skipping cross-products)."""
    K = max(lv.size for lv in levels)
    st = step1(code_tables(codes, K), codes.shape[0], items, levels, label)
    gamma = None
    if with_gamma:
        scores = score_setup(st)
        gamma = gamma_of(scores, score_crossproduct(codes, scores), st.nobs)
    return group_result(st, gamma)


# --------------------------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------------------------


def ordinal_sample_stats(
    data: pd.DataFrame | np.ndarray,
    items: Sequence[str] | None = None,
    *,
    group: str | None = None,
    categories: Mapping[str, Sequence[float]] | None = None,
    missing: str = "listwise",
    gamma: bool = True,
) -> OrdinalSampleStats:
    r"""Thresholds, polychoric correlations and their asymptotic covariance (lavaan's stage 1).

    Step 1, per item: :math:`\hat\tau_k = \Phi^{-1}(\sum_{c \le k} n_c / N)` (the probit
    maximum-likelihood thresholds). Step 2, per pair with the thresholds fixed:
    :math:`\hat\rho = \mathrm{arg\,max}_\rho \sum_{ab} n_{ab} \log \pi_{ab}(\rho)`, with
    :math:`\pi_{ab}` the bivariate normal probability of cell (a, b). Step 3 (Muthén 1984):
    with :math:`s_i` respondent i's scores of the step-1 and step-2 likelihoods and
    :math:`B` the matrix of their derivatives (block triangular, because each correlation
    was estimated with the thresholds fixed),

    .. math:: \Gamma = N\, B^{-1} \Bigl(\sum_i s_i s_i'\Bigr) B^{-\top},

    the asymptotic covariance matrix of :math:`\sqrt N` (thresholds, correlations).

    Parameters
    ----------
    data
        Respondents x items (DataFrame, or a 2-D array whose columns become ``V1`` ...),
        ordered categories coded as numbers; or Parquet path(s), a pyarrow Table or a Dask
        DataFrame, read in batches (twice with ``gamma``:
        :func:`~psychometrics.structural.ordinal_sources.streamed_ordinal_stats`; ``items``
        then required).
    items
        The item columns (default: every column except ``group``).
    group
        Column naming each row's group: statistics per group, in order of first appearance.
    categories
        Optional declared answer values per item (e.g. an instrument's response scale);
        declared values nobody chose are reported in a warning.
    missing
        ``"listwise"`` (lavaan's default for ordered items: rows with a missing answer are
        left out) or ``"pairwise"`` (lavaan's ``missing = "pairwise"``: each threshold from
        the item's answers, each correlation from the rows answering both; N counts every
        row with an answer).
    gamma
        Compute Gamma (needed by DWLS/WLS weights, robust SEs and tests).

    Returns
    -------
    OrdinalSampleStats
        ``groups`` (one :class:`OrdinalGroupStats` per group: ``thresholds``,
        ``threshold_names``, ``correlation``, ``gamma``, ``wls_obs``, ``wls_v``, ``nobs``,
        ``categories``, ``frequencies``, ``zero_cell_pairs``), ``items``, ``group_labels``,
        ``nobs``, ``ntotal``.

    Notes
    -----
    Agrees with lavaan 0.6.14 (``lavInspect(fit, "sampstat")``, ``"gamma"``,
    ``"wls.v"`` of ``cfa(..., ordered = TRUE, estimator = "WLSMV")``) to 1e-6 or better on
    the test suite's data. The module docstring says how an estimator uses the result.

    References
    ----------
    Muthén, B. (1984). A general structural equation model with dichotomous, ordered
    categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115-132.
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. *Psychometrika*, 44, 443-460.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from psychometrics.structural.ordinal_stats import ordinal_sample_stats
    >>> rng = np.random.default_rng(3)
    >>> z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], 2000)
    >>> items = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b", "c"])
    >>> st = ordinal_sample_stats(items)[0]
    >>> st.correlation.round(1)
    array([[1. , 0.5, 0.4],
           [0.5, 1. , 0.3],
           [0.4, 0.3, 1. ]])
    >>> st.threshold_names[:3], st.gamma.shape
    (('a|t1', 'a|t2', 'a|t3'), (12, 12))
    """
    from psychometrics.structural.ordinal_sources import rereadable, streamed_ordinal_stats

    if not isinstance(data, pd.DataFrame | np.ndarray) and rereadable(data):
        if items is None:
            raise ValueError("items= names the item columns of a streamed source")
        return streamed_ordinal_stats(data, items, group=group, missing=missing,
                                      categories=categories, gamma=gamma)
    X, names, levels, g_values, labels = _prepare(data, items, group, categories, missing)
    codes = category_codes(X, levels)
    if labels is None:
        groups = (_group_stats(codes, names, levels, None, gamma),)
    else:
        assert g_values is not None
        groups = tuple(_group_stats(codes[g_values == lab], names, levels, lab, gamma)
                       for lab in labels)
    return OrdinalSampleStats(groups=groups, items=tuple(names),
                              group_labels=None if labels is None else tuple(labels))
