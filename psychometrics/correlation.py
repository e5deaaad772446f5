"""Polychoric correlations as ``psych::polychoric`` (psych 2.2.9).

Two steps: thresholds from each item's margins, then, for each pair of items, the
correlation of a bivariate normal whose discretisation best reproduces the pair's
contingency table (maximum likelihood). The pairs are optimised together: one vectorised
run of R's ``optimize`` (Brent's fmin, same tolerance) over all pairs, with Genz's
bivariate normal integral, so the results agree with psych to the optimiser's precision.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from psychometrics.coefficients._alpha import _item_matrix
from psychometrics.errors import NumericalWarning, PsychometricsWarning
from psychometrics.factor._matrix import cor_smooth
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin

__all__ = ["PolychoricResult", "polychoric"]

# R's optimize(): tol = .Machine$double.eps^0.25
_R_OPTIMIZE_TOL = np.finfo(float).eps ** 0.25


# --------------------------------------------------------------------------------------------
# the bivariate normal integral (Genz 2004, after Drezner & Wesolowsky 1989)
# --------------------------------------------------------------------------------------------


def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    pos = x > 0
    return x[pos], w[pos]


_GL = {6: _gauss_legendre(6), 12: _gauss_legendre(12), 20: _gauss_legendre(20)}
_TWO_PI = 2 * math.pi


def _bvnu_finite(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normals with correlation r (finite h, k).

    Genz's BVNU: Gauss-Legendre quadrature of Plackett's integral in asin(r) for
    |r| < 0.925 (6, 12 or 20 points as |r| grows), and for |r| >= 0.925 the expansion about
    |r| = 1. Accurate to about 1e-15, as the Fortran used by R's mnormt.
    """
    out = np.empty(h.shape)
    ar = np.abs(r)
    low = ar < 0.925
    if low.any():
        hh, kk, rr = h[low], k[low], r[low]
        hk = hh * kk
        hs = (hh * hh + kk * kk) / 2
        asr = np.arcsin(rr)
        a_r = ar[low]
        bvn = np.zeros(hh.shape)
        for n_pts, sel in ((6, a_r < 0.3), (12, (a_r >= 0.3) & (a_r < 0.75)), (20, a_r >= 0.75)):
            if not sel.any():
                continue
            x, w = _GL[n_pts]
            a_s, hk_s, hs_s = asr[sel][:, None], hk[sel][:, None], hs[sel][:, None]
            sn1 = np.sin(a_s * (1 - x) / 2)
            sn2 = np.sin(a_s * (1 + x) / 2)
            tot = (w * (np.exp((sn1 * hk_s - hs_s) / (1 - sn1 * sn1))
                        + np.exp((sn2 * hk_s - hs_s) / (1 - sn2 * sn2)))).sum(axis=1)
            bvn[sel] = tot
        out[low] = bvn * asr / (2 * _TWO_PI) + ndtr(-hh) * ndtr(-kk)
    high = ~low
    if high.any():
        hh, rr = h[high], r[high]
        kk = np.where(rr < 0, -k[high], k[high])
        hk = hh * kk
        bvn = np.zeros(hh.shape)
        inner = np.abs(rr) < 1
        if inner.any():
            h_i, k_i, hk_i, r_i = hh[inner], kk[inner], hk[inner], rr[inner]
            as_ = (1 - r_i) * (1 + r_i)
            a = np.sqrt(as_)
            bs = (h_i - k_i) ** 2
            c = (4 - hk_i) / 8
            d = (12 - hk_i) / 16
            asr = -(bs / as_ + hk_i) / 2
            with np.errstate(over="ignore", under="ignore"):
                b_in = np.where(asr > -100, a * np.exp(asr) * (
                    1 - c * (bs - as_) * (1 - d * bs / 5) / 3 + c * d * as_ * as_ / 5), 0.0)
                b = np.sqrt(bs)
                sp = math.sqrt(_TWO_PI) * ndtr(-b / a)
                b_in = b_in - np.where(hk_i > -100, np.exp(-hk_i / 2) * sp * b
                                       * (1 - c * bs * (1 - d * bs / 5) / 3), 0.0)
                a = a / 2
                x, w = _GL[20]
                total = np.zeros(h_i.shape)
                for sgn in (-1.0, 1.0):
                    xs = (a[:, None] + a[:, None] * sgn * x) ** 2
                    rs = np.sqrt(1 - xs)
                    asr2 = -(bs[:, None] / xs + hk_i[:, None]) / 2
                    sp2 = 1 + c[:, None] * xs * (1 + d[:, None] * xs)
                    ep = np.exp(-hk_i[:, None] * (1 - rs) / (2 * (1 + rs))) / rs
                    term = a[:, None] * w * np.exp(asr2) * (ep - sp2)
                    total += np.where(asr2 > -100, term, 0.0).sum(axis=1)
            bvn[inner] = -(b_in + total) / _TWO_PI
        pos = rr > 0
        res = np.where(pos, bvn + ndtr(-np.maximum(hh, kk)),
                       -bvn + np.maximum(0.0, ndtr(-hh) - ndtr(-kk)))
        out[high] = res
    return np.clip(out, 0.0, 1.0)


def _bvn_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X < h, Y < k), with infinite limits allowed (broadcast arrays)."""
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float),
                                  np.asarray(r, float))
    out = np.zeros(h.shape)
    zero = np.isneginf(h) | np.isneginf(k)
    h_inf, k_inf = np.isposinf(h), np.isposinf(k)
    both = h_inf & k_inf & ~zero
    out[both] = 1.0
    only_h = h_inf & ~k_inf & ~zero
    out[only_h] = ndtr(k[only_h])
    only_k = k_inf & ~h_inf & ~zero
    out[only_k] = ndtr(h[only_k])
    fin = ~(zero | h_inf | k_inf)
    if fin.any():
        out[fin] = _bvnu_finite(-h[fin], -k[fin], r[fin])
    return out


def _cell_probabilities(rho: np.ndarray, row_cuts: np.ndarray,
                        col_cuts: np.ndarray) -> np.ndarray:
    """Probabilities of the cells of each pair's table under correlation ``rho``.

    ``row_cuts`` (pairs, r-1) and ``col_cuts`` (pairs, c-1) are the thresholds; the cells
    are rectangle probabilities of the bivariate normal (differences of its CDF on the grid
    of cut points extended by -inf and +inf), as psych's polyBinBvn.
    """
    p = rho.shape[0]
    rc = np.concatenate([np.full((p, 1), -np.inf), row_cuts, np.full((p, 1), np.inf)], axis=1)
    cc = np.concatenate([np.full((p, 1), -np.inf), col_cuts, np.full((p, 1), np.inf)], axis=1)
    F = _bvn_cdf(rc[:, :, None], cc[:, None, :], rho[:, None, None])
    return F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]


def _neg_loglik(rho: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray,
                tables: np.ndarray) -> np.ndarray:
    """psych's polyF: -sum(tab * log(P)), cells with P <= 0 left out."""
    P = _cell_probabilities(rho, row_cuts, col_cuts)
    ok = P > 0
    logp = np.zeros(P.shape)
    logp[ok] = np.log(P[ok])
    return -(tables * logp).sum(axis=(1, 2))


# --------------------------------------------------------------------------------------------
# R's optimize(), vectorised over independent problems
# --------------------------------------------------------------------------------------------


def _brent_fmin(f: Callable[[np.ndarray, np.ndarray], np.ndarray], lower: float, upper: float,
                n: int, tol: float = _R_OPTIMIZE_TOL) -> np.ndarray:
    """Minimise ``n`` univariate functions on [lower, upper] with R's Brent_fmin.

    ``f(x, active)`` evaluates the functions flagged in ``active`` at ``x`` (one value per
    active problem). Every problem follows exactly the steps of R's ``optimize``
    (golden-section and parabolic steps, stopping rule tol1 = sqrt(eps)|x| + tol/3), so
    the minimisers agree with R's, not only to the tolerance.
    """
    c = (3.0 - math.sqrt(5.0)) * 0.5
    eps = math.sqrt(np.finfo(float).eps)
    a = np.full(n, float(lower))
    b = np.full(n, float(upper))
    v = a + c * (b - a)
    w = v.copy()
    x = v.copy()
    d = np.zeros(n)
    e = np.zeros(n)
    everyone = np.ones(n, dtype=bool)
    fx = f(x, everyone)
    fv = fx.copy()
    fw = fx.copy()
    tol3 = tol / 3.0
    active = everyone.copy()
    for _ in range(500):
        xm = (a + b) * 0.5
        tol1 = eps * np.abs(x) + tol3
        t2 = tol1 * 2.0
        active &= ~(np.abs(x - xm) <= t2 - (b - a) * 0.5)
        if not active.any():
            break
        ix = np.flatnonzero(active)
        A, B, V, W, Xx = a[ix], b[ix], v[ix], w[ix], x[ix]
        FV, FW, FX, D, E = fv[ix], fw[ix], fx[ix], d[ix], e[ix]
        T1, T2, XM = tol1[ix], t2[ix], xm[ix]
        p = np.zeros(ix.size)
        q = np.zeros(ix.size)
        r = np.zeros(ix.size)
        para = np.abs(E) > T1
        if para.any():
            r_ = (Xx - W) * (FX - FV)
            q_ = (Xx - V) * (FX - FW)
            p_ = (Xx - V) * q_ - (Xx - W) * r_
            q_ = (q_ - r_) * 2.0
            p_ = np.where(q_ > 0.0, -p_, p_)
            q_ = np.abs(q_)
            p = np.where(para, p_, 0.0)
            q = np.where(para, q_, 0.0)
            r = np.where(para, E, 0.0)
            E = np.where(para, D, E)
        golden = (np.abs(p) >= np.abs(q * 0.5 * r)) | (p <= q * (A - Xx)) | (p >= q * (B - Xx))
        with np.errstate(divide="ignore", invalid="ignore"):
            d_par = p / q
        u_par = Xx + d_par
        near_edge = (u_par - A < T2) | (B - u_par < T2)
        d_par = np.where(near_edge, np.where(Xx >= XM, -T1, T1), d_par)
        E = np.where(golden, np.where(Xx < XM, B - Xx, A - Xx), E)
        D = np.where(golden, c * E, d_par)
        U = np.where(np.abs(D) >= T1, Xx + D, np.where(D > 0.0, Xx + T1, Xx - T1))
        FU = f(U, active)
        # update a, b, v, w and x exactly as R (both branches run when fu == fx)
        worse_or_equal = FX <= FU
        A = np.where(worse_or_equal & (U < Xx), U, A)
        B = np.where(worse_or_equal & ~(U < Xx), U, B)
        better = FU <= FX
        B = np.where(better & (U < Xx), Xx, B)
        A = np.where(better & ~(U < Xx), Xx, A)
        first = ~better & ((FU <= FW) | (W == Xx))
        second = ~better & ~first & ((FU <= FV) | (V == Xx) | (V == W))
        newV = np.where(better, W, np.where(first, W, np.where(second, U, V)))
        newFV = np.where(better, FW, np.where(first, FW, np.where(second, FU, FV)))
        newW = np.where(better, Xx, np.where(first, U, W))
        newFW = np.where(better, FX, np.where(first, FU, FW))
        newX = np.where(better, U, Xx)
        newFX = np.where(better, FU, FX)
        a[ix], b[ix], v[ix], w[ix], x[ix] = A, B, newV, newW, newX
        fv[ix], fw[ix], fx[ix], d[ix], e[ix] = newFV, newFW, newFX, D, E
    return x


# --------------------------------------------------------------------------------------------
# result and public function
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolychoricResult(ResultMixin):
    """Polychoric correlations; see :func:`polychoric`."""

    rho: pd.DataFrame
    tau: pd.DataFrame
    n: int
    n_items: int
    global_thresholds: bool
    n_corrected_pairs: int
    smoothed: bool

    _title = "Polychoric correlations"


def _check_categories(values: np.ndarray, max_categories: int) -> None:
    """The observed answers (rows or the moments' tables) can be polychoric categories."""
    if values.size == 0:
        raise ValueError("polychoric: the data have no answers")
    if not np.array_equal(values, np.round(values)):
        raise ValueError("polychoric needs integer categories; some answers are not whole "
                         "numbers")
    nvalues = int(values.max() - values.min() + 1)
    if nvalues > max_categories:
        raise ValueError(f"the items have {nvalues} categories, more than max_categories="
                         f"{max_categories}: polychoric correlations are probably not needed")


def polychoric(
    data: pd.DataFrame | np.ndarray,
    *,
    correct: float = 0.5,
    smooth: bool = True,
    global_thresholds: bool = True,
    max_categories: int = 8,
    progress: bool | ProgressCallback | None = None,
) -> PolychoricResult:
    r"""Polychoric correlation matrix (two-step ML, psych::polychoric).

    Each item is read as a discretised standard normal: its thresholds are
    :math:`\tau_c = \Phi^{-1}(P(x \le c))` from its own answers. For each pair, rho
    maximises the multinomial likelihood of the pair's table,
    :math:`\sum_{ab} n_{ab} \log \pi_{ab}(\rho)`, with :math:`\pi_{ab}` the bivariate normal
    probability of cell (a, b) between the thresholds.

    Parameters
    ----------
    data
        Respondents x items with integer categories (missing as NaN: each pair uses the
        rows answering both, the thresholds use each item's own answers). Also a
        :class:`~psychometrics.Moments` of one group with ``tables=True`` (the bivariate
        tables are all polychoric needs), or a source read into such moments (Parquet,
        Arrow batches, Dask): the same result to 1e-10.
    correct
        Continuity correction: when the thresholds are estimated per pair (see
        ``global_thresholds``), empty cells get ``correct`` counts (psych's default 0.5;
        0 for none). With psych's global thresholds psych applies no correction, and
        neither does this.
    smooth
        If the matrix is not positive definite, smooth it as ``psych::cor.smooth``.
    global_thresholds
        psych's ``global = TRUE``: the thresholds come from each item's margins over all its
        answers. psych switches this off (with a warning) when the items do not all have
        the same highest category; then each pair's thresholds come from its own table,
        after dropping empty rows and columns and correcting empty cells.
    max_categories
        psych's ``max.cat``: more categories than this raises an error.
    progress
        Accepted for interface symmetry; the pairs are optimised together in one pass.

    Returns
    -------
    PolychoricResult
        ``rho`` (items x items DataFrame), ``tau`` (items x thresholds; +-inf where a
        category is unused), ``n`` (psych's n.obs: the number of rows), ``n_items``,
        ``global_thresholds`` (as used), ``n_corrected_pairs`` (pair tables whose empty
        cells were corrected; psych's warning calls this number "cells") and ``smoothed``.

    Notes
    -----
    Items with no variance are dropped with a warning (psych drops them too). Categories are
    recoded as psych does: the smallest value over all items becomes 1. Each pair's rho is
    found with R's own ``optimize`` algorithm on [-1, 1] (Brent 1973, tolerance
    ``.Machine$double.eps^0.25``) and Genz's bivariate normal integral, which is what
    psych uses (through mnormt), so the estimates agree with psych to about 1e-10, much
    closer than the optimiser's tolerance.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. *Psychometrika*, 44, 443-460.
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal
    and t probabilities. *Statistics and Computing*, 14, 251-260.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(7)
    >>> z = rng.multivariate_normal([0, 0, 0], [[1, .6, .5], [.6, 1, .4], [.5, .4, 1]], 3000)
    >>> cuts = [-1.0, -0.2, 0.6, 1.4]
    >>> items = pd.DataFrame(np.digitize(z, cuts) + 1, columns=["a", "b", "c"])
    >>> res = pm.polychoric(items)
    >>> res.rho.round(1)
         a    b    c
    a  1.0  0.6  0.5
    b  0.6  1.0  0.4
    c  0.5  0.4  1.0
    >>> res.tau.shape
    (3, 4)
    """
    if correct < 0:
        raise ValueError(f"correct must be >= 0, got {correct!r}")
    resolve_progress(progress, "polychoric")  # validates the argument
    from psychometrics.sufficient_statistics import as_moments

    source = as_moments(data, tables=True)
    if source is not None:
        names, n_rows, k, nv, T, global_thresholds = _tables_of_moments(
            source, max_categories, global_thresholds)
        return _polychoric_from_tables(T, names, n_rows, k, nv, correct=correct,
                                       smooth=smooth, global_thresholds=global_thresholds)
    X, names = _item_matrix(data)
    n_rows, k = X.shape
    mask = ~np.isnan(X)
    observed = X[mask]
    _check_categories(observed, max_categories)
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(X, axis=0, ddof=1) if n_rows > 1 else np.full(k, np.nan)
    bad = ~(sd > 0)
    for j in np.flatnonzero(bad):
        warnings.warn(f"Item {names[j]!r} has no variance and was dropped from the polychoric "
                      "correlations", NumericalWarning, stacklevel=2)
    keep = np.flatnonzero(~bad)
    if keep.size < 2:
        raise ValueError("polychoric needs at least 2 items with variance")
    X = X[:, keep]
    mask = mask[:, keep]
    names = [names[j] for j in keep]
    k = keep.size

    codes = np.where(mask, X - np.nanmin(X) + 1, 0).astype(np.intp)  # 1..nvalues, 0 = missing
    item_max = codes.max(axis=0)
    if item_max.min() != item_max.max() and global_thresholds:
        global_thresholds = False
        warnings.warn("The items do not have an equal number of response alternatives, "
                      "global thresholds were switched off (as psych)", PsychometricsWarning,
                      stacklevel=2)
    nv = int(item_max.max())

    # Every pair's table at once: with one indicator column per item and category, the
    # (k nv) x (k nv) cross-product holds all tables (and the margins on its diagonal).
    T = np.zeros((k * nv, k * nv))
    offsets = np.arange(k) * nv - 1
    chunk = max(1, (1 << 22) // (k * nv))
    for start in range(0, n_rows, chunk):
        c = codes[start : start + chunk]
        onehot = np.zeros((c.shape[0], k * nv))
        r_i, c_j = np.nonzero(c)
        onehot[r_i, offsets[c_j] + c[r_i, c_j]] = 1.0
        T += onehot.T @ onehot
    return _polychoric_from_tables(T, names, n_rows, k, nv, correct=correct, smooth=smooth,
                                   global_thresholds=global_thresholds)


def _tables_of_moments(m: Any, max_categories: int, global_thresholds: bool
                       ) -> tuple[list[str], int, int, int, np.ndarray, bool]:
    """The (k nv) x (k nv) table matrix of :func:`polychoric` from a Moments' bivariate
    tables (``pm.moments(..., tables=True)``), with the same checks, item drops and
    recoding (the smallest answer over the kept items is category 1)."""
    if len(m.groups) != 1:
        raise ValueError(f"these moments have {len(m.groups)} groups ({m.labels}); pass "
                         "m.group(label) or m.total()")
    st = next(iter(m.groups.values()))
    if st.tables is None:
        raise ValueError("polychoric from moments needs the bivariate tables: "
                         "pm.moments(..., tables=True)")
    values, tab = st.tables
    names = [str(i) for i in m.items]
    k = len(names)
    _check_categories(values, max_categories)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.diag(st.sqdev) / (np.diag(st.count) - 1)
    bad = ~(var > 0) | (np.diag(st.count) < 2)
    for j in np.flatnonzero(bad):
        warnings.warn(f"Item {names[j]!r} has no variance and was dropped from the polychoric "
                      "correlations", NumericalWarning, stacklevel=3)
    keep = np.flatnonzero(~bad)
    if keep.size < 2:
        raise ValueError("polychoric needs at least 2 items with variance")
    names = [names[j] for j in keep]
    tab = tab[np.ix_(keep, keep)]
    k = keep.size
    margins = tab[np.arange(k), np.arange(k)].sum(axis=2)  # (k, V): each item's answers
    used = margins.sum(axis=0) > 0
    lo = values[used].min()
    codes = (values - lo + 1).astype(np.intp)  # 1.. for the kept items' answers
    item_max = np.array([codes[margins[j] > 0].max() for j in range(k)])
    if item_max.min() != item_max.max() and global_thresholds:
        global_thresholds = False
        warnings.warn("The items do not have an equal number of response alternatives, "
                      "global thresholds were switched off (as psych)", PsychometricsWarning,
                      stacklevel=3)
    nv = int(item_max.max())
    inside = (codes >= 1) & (codes <= nv)
    cols = codes[inside] - 1
    T4 = np.zeros((k, nv, k, nv))
    every = np.arange(k)
    T4[np.ix_(every, cols, every, cols)] = tab[:, :, inside][:, :, :, inside].transpose(0, 2, 1, 3)
    return names, int(st.n_rows), k, nv, T4.reshape(k * nv, k * nv), global_thresholds


def _polychoric_from_tables(T: np.ndarray, names: list[str], n_rows: int, k: int, nv: int, *,
                            correct: float, smooth: bool, global_thresholds: bool
                            ) -> PolychoricResult:
    """Thresholds and the pairs' rhos from the table matrix ``T`` (``T[i nv + a, j nv + b]``
    counts the rows answering category a+1 of item i and b+1 of item j)."""
    # Margins -> thresholds over each item's own answers. Cumulating the integer counts
    # gives the exact proportions (R cumulates the proportions in long double), so an empty
    # top category yields tau = +inf exactly as in psych.
    freq = np.diag(T).reshape(k, nv)
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = np.cumsum(freq, axis=1)[:, :-1] / freq.sum(axis=1, keepdims=True)
        tau = ndtri(np.clip(cum, 0.0, 1.0))
    ii, jj = np.tril_indices(k, -1)
    tables = T.reshape(k, nv, k, nv)[ii, :, jj, :]  # rows: categories of item i
    totals = tables.sum(axis=(1, 2))

    n_pairs = ii.size
    rho = np.full(n_pairs, np.nan)
    n_fixed = 0
    empty = totals == 0
    if global_thresholds:
        probs = np.where(empty[:, None, None], 0.0, tables / np.where(empty, 1, totals)[:, None,
                                                                                       None])
        row_cuts, col_cuts = tau[ii], tau[jj]
        use = ~empty
    else:
        probs, row_cuts, col_cuts, use, n_fixed = _pairwise_tables(tables, totals, correct)

    idx = np.flatnonzero(use)
    if idx.size:
        rc, cc, tb = row_cuts[idx], col_cuts[idx], probs[idx]

        def objective(r: np.ndarray, active: np.ndarray) -> np.ndarray:
            sel = np.flatnonzero(active)
            return _neg_loglik(r, rc[sel], cc[sel], tb[sel])

        rho[idx] = _brent_fmin(objective, -1.0, 1.0, idx.size)
    if n_fixed > 0 and correct > 0:
        warnings.warn(f"{n_fixed} item pairs had empty cells in their table, adjusted by the "
                      f"continuity correction ({correct}); examine the data carefully",
                      NumericalWarning, stacklevel=3)

    R = np.eye(k)
    R[ii, jj] = rho
    R[jj, ii] = rho
    smoothed = False
    if np.isnan(R).any():
        i, j = np.argwhere(np.isnan(R))[0]
        warnings.warn(f"The polychoric correlation of {names[i]!r} and {names[j]!r} could not "
                      "be estimated (no joint answers or a degenerate table); smoothing was "
                      "turned off", NumericalWarning, stacklevel=3)
    elif smooth:
        R, smoothed = cor_smooth(R)
        if smoothed:
            warnings.warn("The polychoric matrix was not positive definite; it was smoothed "
                          "(psych::cor.smooth)", NumericalWarning, stacklevel=3)
    return PolychoricResult(
        rho=pd.DataFrame(R, index=names, columns=names),
        tau=pd.DataFrame(tau, index=names, columns=[str(c) for c in range(1, nv)]),
        n=n_rows, n_items=k, global_thresholds=global_thresholds,
        n_corrected_pairs=int(n_fixed), smoothed=smoothed,
    )


def _pairwise_tables(tables: np.ndarray, totals: np.ndarray, correct: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """psych's polyc with global = FALSE, for every pair.

    Empty rows and columns are dropped, empty cells get ``correct / total``, and the
    thresholds come from the corrected table's margins. Tables are padded back to a common
    shape with zero-width categories (thresholds +inf) that add nothing to the likelihood.
    """
    n_pairs, nv, _ = tables.shape
    probs = np.zeros((n_pairs, nv, nv))
    row_cuts = np.full((n_pairs, nv - 1), np.inf)
    col_cuts = np.full((n_pairs, nv - 1), np.inf)
    use = np.zeros(n_pairs, dtype=bool)
    fixed = 0
    for p in range(n_pairs):
        tot = totals[p]
        if tot == 0:
            continue
        counts = tables[p]
        counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
        if correct > 0 and (counts == 0).any():
            fixed += 1
            counts = np.where(counts == 0, correct, counts)  # psych: correct / tot as a share
        tab = counts / tot
        if min(tab.shape) < 2:
            continue
        # cumulated in counts, which are exact, as R's long-double cumsum of the shares
        with np.errstate(divide="ignore", invalid="ignore"):
            rc = ndtri(np.cumsum(counts.sum(axis=1))[:-1] / tot)
            cc = ndtri(np.cumsum(counts.sum(axis=0))[:-1] / tot)
        r, c = tab.shape
        probs[p, :r, :c] = tab
        row_cuts[p, : r - 1] = rc
        col_cuts[p, : c - 1] = cc
        use[p] = True
    return probs, row_cuts, col_cuts, use, fixed
