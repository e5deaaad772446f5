"""Sample statistics: the moments the estimators fit, computed in one pass over the data.

Complete data (or listwise deletion) give the mean and the covariance matrix (divisor N); a
covariance matrix can be given directly with ``n_obs``. Under FIML the rows are grouped by
missing-data pattern, one mean and covariance per pattern (:class:`PatternStack` stacks the
patterns with the same number of observed items, so that per-pattern algebra is batched), and
the unrestricted model (h1) is fitted by EM (:func:`em_saturated`). Nothing after this module
reads the rows again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.factor._matrix import cov2cor
from psychometrics.structural.errors import DataError

__all__ = [
    "LOG2PI",
    "PatternStack",
    "Sample",
    "check_cov",
    "check_items",
    "check_variances",
    "em_saturated",
    "em_step",
    "looks_like_cov",
    "pattern_inverses",
    "pattern_stacks",
    "patterns_loglik",
    "rename_columns",
    "sample_from_cov",
    "sample_from_data",
    "saturated_model",
    "scatter_add",
]

LOG2PI = math.log(2.0 * math.pi)


@dataclass
class Sample:
    ov: list[str]
    n: int
    n_total: int
    cov: np.ndarray  # divisor N (EM estimate of the unrestricted model under FIML)
    mean: np.ndarray | None
    # FIML: the missing-data patterns, stacked by number of observed items
    patterns: list[PatternStack] | None = None
    h1_loglik: float = math.nan
    h1_iterations: int = 0
    # the rows fitted (complete ones under listwise deletion, with NaN under FIML), kept
    # for the robust estimators' one pass
    data: np.ndarray | None = None
    # from moments (no rows): the complete rows' central sums of orders 2-4 for Gamma
    fourth: dict[str, Any] | None = None


def rename_columns(data: pd.DataFrame, columns: Mapping[str, str], *,
                   covariance: bool) -> pd.DataFrame:
    if not isinstance(columns, Mapping):
        raise TypeError("columns must map item ids to data column names (a dict)")
    absent = [col for col in columns.values() if col not in data.columns]
    if absent:
        raise DataError(f"columns maps items to data columns that do not exist: "
                         f"{', '.join(map(repr, absent))}")
    mapping = {col: item for item, col in columns.items()}
    out = data.rename(columns=mapping)
    if covariance:
        out = out.rename(index=mapping)
    return out


def looks_like_cov(data: pd.DataFrame) -> bool:
    return (data.shape[0] == data.shape[1] and data.shape[0] > 1
            and list(map(str, data.index)) == list(map(str, data.columns)))


def check_items(data: pd.DataFrame, ov: list[str]) -> None:
    absent = [v for v in ov if v not in data.columns]
    if absent:
        raise DataError(f"items of the model not found in the data: "
                         f"{', '.join(map(repr, absent))}")
    bad = [v for v in ov if not (pd.api.types.is_numeric_dtype(data[v])
                                 or pd.api.types.is_bool_dtype(data[v]))]
    if bad:
        raise DataError(f"items are not numeric: {', '.join(map(repr, bad))}")


def check_variances(var: np.ndarray, ov: list[str], prefix: str = "") -> None:
    """Items whose variance is 0 (relative to the largest) are an error."""
    const = [ov[i] for i in np.flatnonzero(~(var > 1e-12 * max(1.0, float(np.max(var)))))]
    if const:
        raise DataError(f"{prefix}items have zero variance: {', '.join(map(repr, const))}")


def check_cov(S: np.ndarray, ov: list[str], what: str) -> None:
    check_variances(np.diag(S), ov, f"{what}: ")
    evals, evecs = np.linalg.eigh(cov2cor(S))
    if evals[0] <= 1e-12 * evals[-1]:
        involved = np.flatnonzero(np.abs(evecs[:, 0]) > 0.2)
        names = ", ".join(repr(ov[i]) for i in involved)
        raise DataError(
            f"{what} is not positive definite (smallest eigenvalue {evals[0]:.3g}); the "
            f"items {names} are linearly dependent, or there are fewer complete rows than "
            "items")


def sample_from_cov(data: pd.DataFrame, ov: list[str], n_obs: int) -> Sample:
    if not looks_like_cov(data):
        raise DataError("with n_obs, data must be a covariance matrix: square, with the "
                         "rows named as the columns")
    check_items(data, ov)
    n = int(n_obs)
    if n != n_obs or n < 2:
        raise DataError(f"n_obs must be an integer >= 2, got {n_obs!r}")
    S = data.loc[ov, ov].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(S).any():
        bad = [ov[i] for i in np.flatnonzero(np.isnan(S).any(axis=0))]
        raise DataError("the covariance matrix has missing values for "
                         f"{', '.join(map(repr, bad))}")
    if not np.allclose(S, S.T, rtol=1e-8, atol=1e-10):
        raise DataError("the covariance matrix is not symmetric")
    S = (S + S.T) / 2.0 * (n - 1) / n  # lavaan: sample.cov.rescale = TRUE
    check_cov(S, ov, "the covariance matrix")
    return Sample(ov, n, n, S, None)


def sample_from_data(data: pd.DataFrame, ov: list[str], missing: str,
                      warn: Callable[[str], None], exo: tuple[int, ...] = ()) -> Sample:
    check_items(data, ov)
    X = data[ov].to_numpy(dtype=float, na_value=np.nan)
    n_total = X.shape[0]
    observed = ~np.isnan(X)
    if missing != "listwise" and exo:
        # lavaan (missing="ml", fixed.x=TRUE) deletes the rows whose covariates are missing:
        # the covariates' moments are taken as known, not estimated
        bad = ~observed[:, list(exo)].all(axis=1)
        if bad.any():
            names = [ov[i] for i in exo if not observed[:, i].all()]
            where = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:10])
            warn(f"{int(bad.sum())} rows have a missing exogenous covariate "
                 f"({', '.join(map(repr, names))}) and are left out, as lavaan does "
                 f"with fixed.x (data rows {where}"
                 f"{', ...' if bad.sum() > 10 else ''}, counting the header as row 1)")
            X, observed = X[~bad], observed[~bad]
    if missing == "listwise":
        complete = observed.all(axis=1)
        if not complete.all():
            X = X[complete]
        n = X.shape[0]
        if n <= len(ov):
            raise DataError(
                f"{n} complete rows for the {len(ov)} items of the model: the sample "
                "covariance matrix is singular (a CFA needs more respondents than items"
                + ("; missing='fiml' uses the incomplete rows too)" if n < n_total else ")"))
        mean = X.mean(axis=0)
        Xc = X - mean
        S = Xc.T @ Xc / n
        check_cov(S, ov, "the sample covariance matrix")
        return Sample(ov, n, n_total, S, mean, data=X)

    empty = ~observed.any(axis=1)
    if empty.any():
        warn(f"{int(empty.sum())} rows have no observed item and are ignored (rows "
             f"{', '.join(map(str, np.flatnonzero(empty)[:10]))}"
             f"{', ...' if empty.sum() > 10 else ''})")
        X, observed = X[~empty], observed[~empty]
    n = X.shape[0]
    if n <= len(ov):
        raise DataError(f"{n} rows with an answer for the {len(ov)} items of the model: a CFA "
                        "needs more respondents than items")
    counts = observed.sum(axis=0)
    few = [ov[i] for i in np.flatnonzero(counts < 2)]
    if few:
        raise DataError(f"items with fewer than two observed values: "
                         f"{', '.join(map(repr, few))}")
    patterns = pattern_stacks(X, observed)
    mean0 = np.nanmean(X, axis=0)
    var0 = np.nanvar(X, axis=0)
    check_variances(var0, ov)
    mu, sigma, loglik, iters = saturated_model(patterns, mean0, var0, n, ov, warn)
    return Sample(ov, n, n_total, sigma, mu, patterns, loglik, iters, data=X)


def saturated_model(patterns: list[PatternStack], mean0: np.ndarray, var0: np.ndarray,
                    n: int, ov: list[str], warn: Callable[[str], None]
                    ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The EM estimate of the unrestricted model (h1) from the pattern statistics, with a
    warning when it does not converge or is not positive definite: the structured model
    may still be estimable, only chisq and the indices that compare with h1 are in doubt."""
    mu, sigma, loglik, iters, ok = em_saturated(patterns, mean0, var0, n)
    if not ok:
        warn(f"the EM algorithm for the unrestricted model did not converge in {iters} "
             "iterations; chisq and the fit indices are approximate")
    try:
        check_cov(sigma, ov, "the EM estimate of the unrestricted covariance matrix")
    except ValueError as exc:
        warn(f"{exc}; chisq and the fit indices that compare with the unrestricted model "
             "are unreliable")
    return mu, sigma, loglik, iters


class PatternStack:
    """Missing-data patterns with the same number k of observed items, stacked so that
    every per-pattern matrix operation is one batched numpy call.

    ``obs`` (g x k) and ``mis`` (g x p-k) index the items, ``n`` counts the rows, ``m``
    (g x k) are the pattern means. ``fac`` (rows x k) with ``fac_pid`` (its pattern) factors
    the scatter: ``n_g S_g = sum of fac fac'`` over the pattern's rows of ``fac`` (its
    centred rows, or ``U sqrt(lambda)`` of the eigen-decomposition of ``n_g S_g`` when
    the pattern has more rows than items), so that the low-rank FIML algebra works on at
    most ``min(n_g, k)`` rows per pattern. ``S`` (g x k x k, divisor n), the pattern
    covariances, are formed from it when first asked for.
    """

    def __init__(self, obs: np.ndarray, mis: np.ndarray, n: np.ndarray, m: np.ndarray,
                 S: np.ndarray | None = None, fac: np.ndarray | None = None,
                 fac_pid: np.ndarray | None = None):
        self.obs, self.mis, self.n, self.m = obs, mis, n, m
        self.complete = mis.shape[1] == 0
        self.k = obs.shape[1]
        if fac is None:
            if S is None:
                raise ValueError("a PatternStack needs S or its factor rows")
            fac, fac_pid = _scatter_factor(n[:, None, None] * S)
        assert fac_pid is not None
        self.fac, self.fac_pid = fac, fac_pid
        self._S = S
        self._sxx: np.ndarray | None = None
        self.oo = (obs[:, :, None], obs[:, None, :])
        self.mo = (mis[:, :, None], obs[:, None, :])
        self.om = (obs[:, :, None], mis[:, None, :])
        self.mm = (mis[:, :, None], mis[:, None, :])
        self.sx = n[:, None] * m

    @property
    def S(self) -> np.ndarray:
        if self._S is None:
            g, k = self.m.shape
            S = np.zeros((g, k, k))
            f = self.fac
            step = max(1, _CHUNK // max(k * k, 1))
            for lo in range(0, len(f) if k else 0, step):
                fc, pc = f[lo:lo + step], self.fac_pid[lo:lo + step]
                heads = np.flatnonzero(np.concatenate([[True], pc[1:] != pc[:-1]]))
                S[pc[heads]] += np.add.reduceat(fc[:, :, None] * fc[:, None, :], heads,
                                                axis=0)
            S /= self.n[:, None, None]
            self._S = (S + np.swapaxes(S, 1, 2)) / 2.0
        return self._S

    @property
    def S_diag(self) -> np.ndarray:
        """The pattern variances (g x k), without forming S."""
        if self._S is not None:
            return np.diagonal(self._S, axis1=1, axis2=2)
        g, k = self.m.shape
        flat = self.fac_pid[:, None] * k + np.arange(k)
        out = np.bincount(flat.ravel(), weights=(self.fac**2).ravel(), minlength=g * k)
        return out.reshape(g, k) / self.n[:, None]

    @property
    def sxx(self) -> np.ndarray:
        if self._sxx is None:
            m = self.m
            self._sxx = self.n[:, None, None] * (self.S + m[:, :, None] * m[:, None, :])
        return self._sxx

    @property
    def count(self) -> int:
        return int(self.n.size)


# rows x k x k elements of the outer products summed at once when the pattern
# covariances are formed (about 16 MB)
_CHUNK = 2_000_000


def _scatter_factor(scatter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``f`` with ``sum f f' = scatter[g]`` for each pattern g: ``U sqrt(lambda)``
    (eigenvalues clipped at 0, those at 0 dropped)."""
    g, k, _ = scatter.shape
    if g == 0 or k == 0:
        return np.zeros((0, k)), np.zeros(0, dtype=np.intp)
    lam, U = np.linalg.eigh(scatter)
    rows = np.swapaxes(U * np.sqrt(np.clip(lam, 0.0, None))[:, None, :], 1, 2)
    keep = lam > 0
    pid = np.broadcast_to(np.arange(g)[:, None], (g, k))
    return rows[keep], pid[keep]


def _pattern_order(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by missing-data pattern: ``(order, heads, pattern)`` with ``order`` the
    row order, ``heads`` the positions in it where a pattern starts and ``pattern`` each
    row's pattern number (in ``order``'s numbering). The mask's bits are packed into
    64-bit words (one word up to 64 items), sorted by one argsort (``lexsort`` over the
    words beyond 64 items): sorting integers is several times faster than ``np.unique``
    on byte strings."""
    n = observed.shape[0]
    packed = np.packbits(observed, axis=1)
    width = -(-packed.shape[1] // 8) * 8
    if width != packed.shape[1]:
        packed = np.concatenate(
            [packed, np.zeros((n, width - packed.shape[1]), dtype=np.uint8)], axis=1)
    words = np.ascontiguousarray(packed).view(np.uint64)
    if words.shape[1] == 1:
        order = np.argsort(words[:, 0], kind="stable")
    else:
        order = np.lexsort(words.T[::-1])
    w = words[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(w[1:] != w[:-1], axis=1)
    heads = np.flatnonzero(new)
    pattern = np.empty(n, dtype=np.intp)
    pattern[order] = np.cumsum(new) - 1
    return order, heads, pattern


def pattern_stacks(X: np.ndarray, observed: np.ndarray) -> list[PatternStack]:
    """Group rows by missing-data pattern and stack the patterns by their number of
    observed items: one sort of the rows (by the stack, then the pattern), then per stack
    the pattern means as segment sums (``np.add.reduceat``) over the rows, which are a
    contiguous slice of that order, and the factor rows of each pattern's scatter (its
    centred rows, or for patterns with more rows than items an eigen-decomposition of the
    scatter), with no loop over rows."""
    order, heads, pattern = _pattern_order(observed)
    counts = np.diff(np.append(heads, len(order)))
    pat_obs = observed[order[heads]]
    k_of = pat_obs.sum(axis=1)
    p = X.shape[1]
    # patterns in stack order (most observed items first, then by pattern), and the rows
    # in that order: each stack and each pattern is then a contiguous run of rows
    rank = np.argsort(-k_of, kind="stable")
    pos = np.empty_like(rank)
    pos[rank] = np.arange(len(rank))
    row_pat = pos[pattern[order]]
    order = order[np.argsort(row_pat, kind="stable")]
    counts, pat_obs, k_of = counts[rank], pat_obs[rank], k_of[rank]
    row_start = np.concatenate([[0], np.cumsum(counts)])
    groups = []
    k_vals, k_first = np.unique(-k_of, return_index=True)
    bounds = np.append(k_first, len(k_of))
    for j, k in enumerate((-k_vals).tolist()):
        a, b = int(bounds[j]), int(bounds[j + 1])
        g = b - a
        obs = np.nonzero(pat_obs[a:b])[1].reshape(g, k)
        mis = np.nonzero(~pat_obs[a:b])[1].reshape(g, p - k)
        n = counts[a:b]
        sel = order[row_start[a]:row_start[b]]  # this stack's rows, in pattern order
        pid = np.repeat(np.arange(g), n)
        # the observed cells of each row, in item order (a boolean gather: the rows of a
        # stack all have k of them)
        Xo = X[sel][observed[sel]].reshape(len(sel), k)
        starts = row_start[a:b] - row_start[a]
        m = np.add.reduceat(Xo, starts, axis=0) / n[:, None] if k else np.zeros((g, 0))
        Xc = Xo - m[pid]
        # patterns with at most k rows keep their centred rows (rank n_g - 1; single rows
        # are zero and dropped); larger ones a k-row factor of their scatter
        big = n > k
        small_row = ~big[pid] & (n[pid] > 1)
        fac, fac_pid = Xc[small_row], pid[small_row]
        if big.any():
            bp = np.flatnonzero(big)
            scatter = np.empty((len(bp), k, k))
            # one BLAS product per pattern with more rows than items (at most N / k of
            # them, each a contiguous run of rows): far cheaper than the rows x k x k
            # outer products
            for i, gi in enumerate(bp.tolist()):
                xc = Xc[starts[gi]:starts[gi] + n[gi]]
                scatter[i] = xc.T @ xc
            scatter = (scatter + np.swapaxes(scatter, 1, 2)) / 2.0
            bf, bpid = _scatter_factor(scatter)
            fac = np.concatenate([fac, bf])
            fac_pid = np.concatenate([fac_pid, bp[bpid]])
            o = np.argsort(fac_pid, kind="stable")
            fac, fac_pid = fac[o], fac_pid[o]
        groups.append(PatternStack(obs, mis, n.astype(float), m, fac=fac, fac_pid=fac_pid))
    return groups


def scatter_add(target: np.ndarray, index: Any, values: np.ndarray) -> None:
    """``scatter_add(target, index, values)`` through ``np.bincount`` (many times faster);
    ``index`` is an index array (1-D target) or a pair of broadcastable arrays (2-D)."""
    if isinstance(index, tuple):
        rows, cols = np.broadcast_arrays(*index)
        flat = rows * target.shape[1] + cols
    else:
        flat = index
    flat, values = np.broadcast_arrays(flat, values)
    target += np.bincount(flat.ravel(), weights=values.ravel(),
                          minlength=target.size).reshape(target.shape)


def full_inverse(sigma: np.ndarray) -> tuple[np.ndarray, float] | None:
    """``(Sigma^-1, log|Sigma|)`` of the full matrix, or None when it is not positive
    definite (then each pattern's block is inverted on its own, as it may still be)."""
    try:
        c = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return None
    ci = np.linalg.inv(c)
    K = ci.T @ ci
    return (K + K.T) / 2.0, 2.0 * float(np.sum(np.log(np.diag(c))))


def pattern_inverses(grp: PatternStack, sigma: np.ndarray,
                     full: tuple[np.ndarray, float] | None,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``W = Sigma_oo^-1`` (g x k x k) and ``log|Sigma_oo|`` (g) for every pattern of a stack.

    With ``K = Sigma^-1`` (``full``), ``Sigma_oo^-1 = K_oo - K_om K_mm^-1 K_mo`` and
    ``|Sigma_oo| = |Sigma| |K_mm|`` (the partitioned inverse), so a pattern with m missing
    items costs O(k^2 m) instead of a k x k factorisation: with a few missing cells per
    row this is what makes thousands of patterns cheap. Stacks with more missing than
    observed items, the complete one, or a Sigma that is not positive definite are
    factored directly. Raises ``LinAlgError`` where a block is not positive definite.
    """
    m = grp.mis.shape[1]
    if full is None or grp.complete or m >= grp.k:
        c = np.linalg.cholesky(sigma[grp.oo])
        ci = np.linalg.inv(c)
        W = np.swapaxes(ci, 1, 2) @ ci
        logdet = 2.0 * np.sum(np.log(np.diagonal(c, axis1=1, axis2=2)), axis=1)
        return W, logdet
    K, logdet_full = full
    cm = np.linalg.cholesky(K[grp.mm])
    cmi = np.linalg.inv(cm)
    F = cmi @ K[grp.mo]  # (g, m, k): K_om K_mm^-1 K_mo = F'F
    W = K[grp.oo] - np.swapaxes(F, 1, 2) @ F
    W = (W + np.swapaxes(W, 1, 2)) / 2.0
    logdet = logdet_full + 2.0 * np.sum(np.log(np.diagonal(cm, axis1=1, axis2=2)), axis=1)
    return W, logdet


def patterns_loglik(groups: list[PatternStack], mu: np.ndarray, sigma: np.ndarray) -> float:
    full = full_inverse(sigma)
    total = 0.0
    for grp in groups:
        W, logdet = pattern_inverses(grp, sigma, full)
        d = grp.m - mu[grp.obs]
        tr = (np.einsum("gij,gji->g", W, grp.S)
              + np.einsum("gi,gij,gj->g", d, W, d))
        total += float(np.sum(-0.5 * grp.n * (grp.k * LOG2PI + logdet + tr)))
    return total


def em_step(groups: list[PatternStack], mu: np.ndarray, sigma: np.ndarray,
            n_total: int) -> tuple[np.ndarray, np.ndarray]:
    """One EM step of the unrestricted model (the E and M steps over every pattern)."""
    new_mu, new_sigma, _ = em_step_loglik(groups, mu, sigma, n_total)
    return new_mu, new_sigma


def em_step_loglik(groups: list[PatternStack], mu: np.ndarray, sigma: np.ndarray,
                   n_total: int, low: Any = True) -> tuple[np.ndarray, np.ndarray, float]:
    """One EM step, and the log-likelihood at ``(mu, sigma)`` from the same per-pattern
    Cholesky factors (so the accelerated EM never evaluates it separately).

    ``low``: a :class:`~psychometrics.structural.lowrank.LowRankPatterns` of ``groups``
    (True: built here, False: every pattern factored directly). While Sigma is positive
    definite its stacks are taken by low-rank corrections to ``Sigma^-1``: the conditional
    mean of the missing items is ``mu_m - K_mm^-1 K_mo (x_o - mu_o)`` and their conditional
    covariance ``K_mm^-1``."""
    from psychometrics.structural.lowrank import LowRankPatterns

    p = len(mu)
    T1 = np.zeros(p)
    T2 = np.zeros((p, p))
    loglik = 0.0
    full = full_inverse(sigma)
    if low is True:
        low = LowRankPatterns(groups, p)
    direct = groups
    if low is not False and low is not None and full is not None and low.light:
        ev = low.evaluate(mu, *full, need_u=False)
        loglik += ev.loglik
        T1, T2 = ev.em_sums(mu)
        direct = low.direct
    for grp in direct:
        scatter_add(T1, grp.obs, grp.sx)
        scatter_add(T2, grp.oo, grp.sxx)
        W, logdet = pattern_inverses(grp, sigma, full)
        d = grp.m - mu[grp.obs]
        tr = (np.einsum("gij,gji->g", W, grp.S)
              + np.einsum("gi,gij,gj->g", d, W, d))
        loglik += float(np.sum(-0.5 * grp.n * (grp.k * LOG2PI + logdet + tr)))
        if grp.complete:
            continue
        n = grp.n
        s_mo = sigma[grp.mo]
        s_om = np.swapaxes(s_mo, 1, 2)
        B = s_mo @ W
        C = sigma[grp.mm] - B @ s_om
        a = mu[grp.mis] - np.einsum("gij,gj->gi", B, mu[grp.obs])
        Bsx = np.einsum("gij,gj->gi", B, grp.sx)
        scatter_add(T1, grp.mis, n[:, None] * a + Bsx)
        cross = B @ grp.sxx + a[:, :, None] * grp.sx[:, None, :]
        scatter_add(T2, grp.mo, cross)
        scatter_add(T2, grp.om, np.swapaxes(cross, 1, 2))
        Bsa = Bsx[:, :, None] * a[:, None, :]
        mm = (n[:, None, None] * (C + a[:, :, None] * a[:, None, :])
              + B @ grp.sxx @ np.swapaxes(B, 1, 2) + Bsa + np.swapaxes(Bsa, 1, 2))
        scatter_add(T2, grp.mm, mm)
    new_mu = T1 / n_total
    new_sigma = T2 / n_total - np.outer(new_mu, new_mu)
    return new_mu, (new_sigma + new_sigma.T) / 2.0, loglik


def pairwise_start(groups: list[PatternStack], low: Any, mean0: np.ndarray,
                   var0: np.ndarray) -> np.ndarray:
    """The EM's start: the pairwise-complete covariances about ``mean0`` (from the
    low-rank pseudo-rows, one product) when positive definite, else ``diag(var0)``. It
    saves about a third of the EM passes over a diagonal start and converges to the same
    ML estimates."""
    p = len(mean0)
    num = low.scatter(mean0)
    cnt = np.zeros((p, p))
    for grp in groups:
        ind = np.zeros((grp.count, p))
        ind[np.arange(grp.count)[:, None], grp.obs] = 1.0
        cnt += (ind * grp.n[:, None]).T @ ind
    for grp in low.direct:
        d = grp.m - mean0[grp.obs]
        scatter_add(num, grp.oo, grp.n[:, None, None] * (grp.S + d[:, :, None] * d[:, None, :]))
    with np.errstate(invalid="ignore", divide="ignore"):
        start = np.where(cnt > 0, num / cnt, 0.0)
    start[np.diag_indices(p)] = var0
    start = (start + start.T) / 2.0
    try:
        np.linalg.cholesky(start)
    except np.linalg.LinAlgError:
        return np.diag(var0)
    return start


def em_saturated(groups: list[PatternStack], mean0: np.ndarray, var0: np.ndarray,
                  n_total: int, tol: float = 1e-10, max_iter: int = 5000,
                  ) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """ML estimates of an unrestricted mean and covariance from incomplete data: EM
    (as lavaan's h1) accelerated by SQUAREM (Varadhan & Roland, 2008), which falls back
    to the plain EM step whenever the extrapolation does not increase the likelihood.

    lavaan stops its EM at a tolerance of 1e-5; this one goes to 1e-10, which changes
    chisq by far less than its reported digits.
    """
    p = len(mean0)
    if all(grp.complete for grp in groups):
        mu, sigma = em_step(groups, mean0, np.diag(var0), n_total)
        return mu, sigma, patterns_loglik(groups, mu, sigma), 1, True

    def pack(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return np.concatenate([mu, sigma.ravel()])

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sigma = theta[p:].reshape(p, p)
        return theta[:p], (sigma + sigma.T) / 2.0

    from psychometrics.structural.lowrank import LowRankPatterns

    low = LowRankPatterns(groups, p)

    def em(theta: np.ndarray) -> tuple[np.ndarray, float]:
        """The EM step from theta and the log-likelihood at theta (-inf: not evaluable)."""
        try:
            new_mu, new_sigma, ll = em_step_loglik(groups, *unpack(theta), n_total, low)
        except np.linalg.LinAlgError:
            return theta, -math.inf
        return pack(new_mu, new_sigma), ll

    theta = pack(mean0, pairwise_start(groups, low, mean0, var0))
    evaluations = 0
    converged = False
    final = None
    while evaluations < max_iter:
        t1, ll = em(theta)
        t2, ll1 = em(t1)
        evaluations += 2
        if np.max(np.abs(t2 - t1)) < tol:
            # t1 is converged (its EM step moves it by less than tol) and its
            # log-likelihood is known: no further pass over the patterns
            theta, converged, final = t1, True, ll1
            break
        r = t1 - theta
        v = t2 - t1 - r
        nv = float(np.sqrt(v @ v))
        alpha = min(-float(np.sqrt(r @ r)) / nv, -1.0) if nv > 0 else -1.0
        # SQUAREM: the EM step from the extrapolated point, kept if the likelihood there
        # is no lower than at theta (then the step from it is higher still)
        candidate, ll_x = em(theta - 2.0 * alpha * r + alpha**2 * v)
        evaluations += 1
        if not ll_x >= ll - 1e-12 * abs(ll):
            candidate = t2
        step = float(np.max(np.abs(candidate - theta)))
        theta = candidate
        if step < tol:
            converged = True
            break
    mu, sigma = unpack(theta)
    if final is None:
        try:
            final = em_step_loglik(groups, mu, sigma, n_total, low)[2]
        except np.linalg.LinAlgError:
            final = -math.inf
    return mu, sigma, final, evaluations, converged
