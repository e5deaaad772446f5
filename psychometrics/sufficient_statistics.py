"""Mergeable sufficient statistics of item data: the one place that reads respondents' rows.

:func:`moments` reads a data source once (a DataFrame, an iterator of DataFrames or Arrow
record batches, Parquet files in bounded-memory batches, or a Dask DataFrame on any Dask
cluster) into a :class:`Moments`: per group, the row count, the pairwise counts, means,
centred cross-products and centred sums of squares, the listwise (complete-row) moments,
the items' ranges and response counts, and optionally the statistics of each missing-data
pattern (FIML), fourth-order moments (the ADF Gamma of MLM/MLR), bivariate contingency
tables (polychoric) and Poisson-bootstrap replicates. Parts merge exactly and stably
(Chan, Golub & LeVeque 1979; never E[XY] - E[X]E[Y]): ``m1 + m2``, ``sum(parts)``.

Contract for a statistic that wants to accept a ``Moments`` (see the docs page "Data larger
than memory"): read ``m.n`` / ``m.n_obs()``, ``m.mean()``, ``m.cov(missing=...)``,
``m.cor(...)``, ``m.pairwise_counts()``, ``m.group(label)``; optional parts raise a clear
``ValueError`` naming the option to switch on when they were not collected.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from psychometrics._pass import block_pass, single_threaded_blas
from psychometrics.progress import ProgressCallback, resolve_progress

__all__ = ["Moments", "moments"]

MISSING_GROUP = "(missing)"  # the label of rows without a group value (as analysis.py)
BATCH_ROWS = 262_144  # Parquet/Arrow batches: 20 float64 items are 42 MB per batch
MAX_TABLE_VALUES = 64


# --------------------------------------------------------------------------------------------
# the statistics of one group
# --------------------------------------------------------------------------------------------


@dataclass
class _Stats:
    """The sufficient statistics of one group (see :class:`Moments` for the meaning)."""

    n_rows: int
    first: np.ndarray
    count: np.ndarray
    mean: np.ndarray
    comoment: np.ndarray
    sqdev: np.ndarray
    n_complete: int
    mean_complete: np.ndarray
    comoment_complete: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    values: np.ndarray | None
    counts: np.ndarray | None
    patterns: dict[bytes, tuple[int, np.ndarray, np.ndarray]] | None = None
    fourth: dict[str, Any] | None = None
    tables: tuple[np.ndarray, np.ndarray] | None = None
    boot: dict[str, np.ndarray] | None = None
    # (batch, row) of the group's first row: groups in order of first appearance (lavaan)
    seen: tuple[int, int] = (0, 0)

    def __add__(self, other: _Stats) -> _Stats:
        n1, n2 = self.count, other.count
        n = n1 + n2
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(n > 0, n2 / np.where(n > 0, n, 1), 0.0)
            d = np.where((n1 > 0) & (n2 > 0), other.mean - self.mean, 0.0)
            f = np.where(n > 0, n1 * n2 / np.where(n > 0, n, 1), 0.0)
        mean = np.where(n1 > 0, self.mean + d * w, other.mean)
        comoment = self.comoment + other.comoment + d * d.T * f
        sqdev = self.sqdev + other.sqdev + d * d * f
        nc, mc, cc = _chan(self.n_complete, self.mean_complete, self.comoment_complete,
                           other.n_complete, other.mean_complete, other.comoment_complete)
        return _Stats(
            n_rows=self.n_rows + other.n_rows,
            first=self.first if self.n_rows else other.first,
            count=n, mean=mean, comoment=comoment, sqdev=sqdev,
            n_complete=nc, mean_complete=mc, comoment_complete=cc,
            lo=np.fmin(self.lo, other.lo), hi=np.fmax(self.hi, other.hi),
            **_merge_counts(self, other),
            patterns=_merge_patterns(self.patterns, other.patterns),
            fourth=_merge_fourth(self.fourth, other.fourth),
            tables=_merge_tables(self.tables, other.tables),
            boot=_merge_boot(self.boot, other.boot),
            seen=min((st.seen for st in (self, other) if st.n_rows),
                     default=min(self.seen, other.seen)),
        )


def _chan(n1: float, m1: np.ndarray, c1: np.ndarray, n2: float, m2: np.ndarray,
          c2: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """Chan-Golub-LeVeque: counts, means and centred cross-products of two parts."""
    n = n1 + n2
    if np.all(n == 0):
        return n, m1, c1
    if np.isscalar(n1) and (n1 == 0 or n2 == 0):
        return (n, m2, c2) if n1 == 0 else (n, m1, c1)
    d = m2 - m1
    mean = m1 + d * (n2 / n)
    return n, mean, c1 + c2 + np.outer(d, d) * (n1 * n2 / n)


def _merge_counts(a: _Stats, b: _Stats) -> dict[str, Any]:
    if a.values is None or b.values is None or a.counts is None or b.counts is None:
        if a.n_rows == 0:
            return {"values": b.values, "counts": b.counts}
        if b.n_rows == 0:
            return {"values": a.values, "counts": a.counts}
        return {"values": None, "counts": None}
    values = np.union1d(a.values, b.values)
    counts = np.zeros((a.counts.shape[0], values.size), dtype=np.int64)
    counts[:, np.searchsorted(values, a.values)] += a.counts
    counts[:, np.searchsorted(values, b.values)] += b.counts
    return {"values": values, "counts": counts}


def _merge_patterns(a: dict | None, b: dict | None) -> dict | None:
    if a is None or b is None:
        return None
    out = dict(a)
    for key, (n2, m2, c2) in b.items():
        if key in out:
            n1, m1, c1 = out[key]
            out[key] = _chan(n1, m1, c1, n2, m2, c2)
        else:
            out[key] = (n2, m2, c2)
    return out


def _merge_tables(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None or b is None:
        return None
    values = np.union1d(a[0], b[0])
    k = a[1].shape[0]
    out = np.zeros((k, k, values.size, values.size), dtype=np.int64)
    for vals, tab in (a, b):
        ix = np.searchsorted(values, vals)
        out[:, :, ix[:, None], ix[None, :]] += tab
    return values, out


def _merge_boot(a: dict | None, b: dict | None) -> dict | None:
    if a is None or b is None:
        return None
    n1, n2 = a["n"], b["n"]
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(n > 0, n2 / np.where(n > 0, n, 1), 0.0)
        f = np.where(n > 0, n1 * n2 / np.where(n > 0, n, 1), 0.0)
    d = b["mean"] - a["mean"]
    d = np.where((n1 > 0)[:, None] & (n2 > 0)[:, None], d, 0.0)
    mean = np.where((n1 > 0)[:, None], a["mean"] + d * w[:, None], b["mean"])
    co = a["comoment"] + b["comoment"] + d[:, :, None] * d[:, None, :] * f[:, None, None]
    return {"n": n, "mean": mean, "comoment": co}


# fourth-order moments: central sums about the part's own complete-row mean -----------------


def _vech_index(k: int) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's vech order: columns of the lower triangle (i >= j), column by column."""
    rows, cols = np.triu_indices(k)
    return cols, rows


def _fourth_of(Y: np.ndarray) -> dict[str, Any]:
    """Central sums of orders 2-4 of complete rows Y (already centred at their mean)."""
    k = Y.shape[1]
    vi, vj = _vech_index(k)
    Z = Y[:, vi] * Y[:, vj]
    return {"c2": Y.T @ Y, "c3": np.einsum("ni,nj,nk->ijk", Y, Y, Y, optimize=True),
            "c4": Z.T @ Z}


def _shift_fourth(f: dict[str, Any], n: float, d: np.ndarray) -> dict[str, Any]:
    """Sums of orders 2-4 about a point d below the part's mean (x - mu + d)."""
    k = d.size
    vi, vj = _vech_index(k)
    c2, c3, c4 = f["c2"], f["c3"], f["c4"]
    s2 = c2 + n * np.outer(d, d)
    s3 = (c3 + np.einsum("ij,k->ijk", c2, d) + np.einsum("ik,j->ijk", c2, d)
          + np.einsum("jk,i->ijk", c2, d) + n * np.einsum("i,j,k->ijk", d, d, d))
    a, b = np.ix_(np.arange(vi.size), np.arange(vi.size))
    i, j, kk, ll = vi[a], vj[a], vi[b], vj[b]
    s4 = (c4 + c3[i, j, kk] * d[ll] + c3[i, j, ll] * d[kk] + c3[i, kk, ll] * d[j]
          + c3[j, kk, ll] * d[i] + c2[i, j] * d[kk] * d[ll] + c2[i, kk] * d[j] * d[ll]
          + c2[i, ll] * d[j] * d[kk] + c2[j, kk] * d[i] * d[ll] + c2[j, ll] * d[i] * d[kk]
          + c2[kk, ll] * d[i] * d[j] + n * d[i] * d[j] * d[kk] * d[ll])
    return {"c2": s2, "c3": s3, "c4": s4}


def _merge_fourth(a: dict | None, b: dict | None) -> dict | None:
    if a is None or b is None:
        return None
    if a["n"] == 0:
        return b
    if b["n"] == 0:
        return a
    n = a["n"] + b["n"]
    mean = a["mean"] + (b["mean"] - a["mean"]) * (b["n"] / n)
    sa = _shift_fourth(a, a["n"], a["mean"] - mean)
    sb = _shift_fourth(b, b["n"], b["mean"] - mean)
    return {"n": n, "mean": mean, **{key: sa[key] + sb[key] for key in ("c2", "c3", "c4")}}


# --------------------------------------------------------------------------------------------
# one batch of rows -> statistics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    pairwise: bool = True
    patterns: bool = False
    fourth: bool = False
    tables: bool = False
    n_boot: int = 0
    seed: int = 0


def _empty_stats(k: int, opts: _Options) -> _Stats:
    z = np.zeros((k, k))
    return _Stats(0, np.full(k, np.nan), z.copy(), z.copy(), z.copy(), z.copy(), 0, np.zeros(k),
                  z.copy(), np.full(k, np.nan), np.full(k, np.nan), None, None,
                  patterns={} if opts.patterns else None,
                  fourth={"n": 0, "mean": np.zeros(k)} if opts.fourth else None,
                  tables=(np.array([]), np.zeros((k, k, 0, 0), dtype=np.int64))
                  if opts.tables else None,
                  boot={"n": np.zeros(opts.n_boot), "mean": np.zeros((opts.n_boot, k)),
                        "comoment": np.zeros((opts.n_boot, k, k))} if opts.n_boot else None)


def _stats_of(X: np.ndarray, opts: _Options, batch_id: int) -> _Stats:
    """Statistics of one batch (rows x items float64, NaN = missing)."""
    n, k = X.shape
    if n == 0:
        return _empty_stats(k, opts)
    # shift by a guess of the mean (the first rows' means) so cross - sums sums'/count has
    # no cancellation; the shift cancels exactly from the centred results
    with np.errstate(invalid="ignore"), _quiet():
        shift = np.nanmean(X[:1024], axis=0)
    shift = np.where(np.isfinite(shift), np.round(shift), 0.0)
    # Near zero (Likert codes) raw sums lose nothing and skip a copy per block; far from
    # zero (e.g. 1e9 + noise) the shift is what keeps the digits.
    p = block_pass(X, shift=shift if np.abs(shift).max(initial=0.0) > 100 else None)
    shift = p.shift
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(p.count > 0, p.count, 1.0)
        mean = np.where(p.count > 0, p.sums / safe, 0.0) + shift[:, None]
        comoment = np.where(p.count > 0, p.cross - p.sums * p.sums.T / safe, 0.0)
        sqdev = np.where(p.count > 0, p.sq - p.sums**2 / safe, 0.0)
    comp = p.complete_rows
    assert comp is not None
    nc = int(comp["n"])
    mc = comp["col"] / nc + shift if nc else np.zeros(k)
    cc = comp["cross"] - np.outer(comp["col"], comp["col"]) / nc if nc else np.zeros((k, k))
    complete_rows = None if p.complete else ~np.isnan(X).any(axis=1)
    stats = _Stats(
        n_rows=n, first=X[0].astype(np.float64), count=p.count, mean=mean, comoment=comoment,
        sqdev=sqdev, n_complete=nc, mean_complete=mc, comoment_complete=cc,
        lo=p.lo, hi=p.hi, values=p.values, counts=p.counts,
    )
    if opts.fourth or opts.n_boot:
        Xc = X if complete_rows is None else X[complete_rows]
    if opts.patterns:
        stats.patterns = _patterns_of(X, complete_rows, nc, mc, stats.comoment_complete)
    if opts.fourth:
        stats.fourth = {"n": nc, "mean": mc, **_fourth_of(Xc - mc)}
    if opts.tables:
        stats.tables = _tables_of(X)
    if opts.n_boot:
        stats.boot = _boot_of(Xc, opts, batch_id)
    return stats


class _quiet:
    """Silence numpy's 'mean of empty slice' for all-missing columns."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def _patterns_of(X: np.ndarray, complete_rows: np.ndarray | None, nc: int, mc: np.ndarray,
                 cc: np.ndarray) -> dict[bytes, tuple[int, np.ndarray, np.ndarray]]:
    """Per missing-data pattern: rows, means and centred cross-products of the observed
    items (zeros for the unobserved ones). The complete pattern reuses the listwise sums."""
    k = X.shape[1]
    out: dict[bytes, tuple[int, np.ndarray, np.ndarray]] = {}
    if nc:
        out[np.packbits(np.ones(k, dtype=bool)).tobytes()] = (nc, mc.copy(), cc.copy())
    if complete_rows is None:
        return out
    inc = np.flatnonzero(~complete_rows)
    if not inc.size:
        return out
    Xi = X[inc]
    obs = ~np.isnan(Xi)
    keys = np.packbits(obs, axis=1)
    keys = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1]))).ravel()
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(uniq.size + 1))
    X0 = np.where(obs, Xi, 0.0)
    for p in range(uniq.size):
        rows = order[bounds[p] : bounds[p + 1]]
        o = obs[first[p]]
        block = X0[rows]
        m = np.where(o, block.mean(axis=0), 0.0)
        Y = np.where(o, block - m, 0.0)
        out[uniq[p].tobytes()] = (rows.size, m, Y.T @ Y)
    return out


def _tables_of(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bivariate contingency tables of every item pair (pairwise-complete rows); the
    diagonal pairs are the univariate counts."""
    k = X.shape[1]
    present = X[~np.isnan(X)]
    values = np.unique(present)
    if values.size > MAX_TABLE_VALUES:
        raise ValueError(f"tables=True needs items with few distinct values (at most "
                         f"{MAX_TABLE_VALUES}); these have {values.size}")
    V = values.size
    codes = np.where(np.isnan(X), V, np.searchsorted(values, np.nan_to_num(X)))
    out = np.zeros((k, k, V, V), dtype=np.int64)
    for i in range(k):
        for j in range(i, k):
            t = np.bincount(codes[:, i] * (V + 1) + codes[:, j],
                            minlength=(V + 1) ** 2).reshape(V + 1, V + 1)[:V, :V]
            out[i, j] = t
            out[j, i] = t.T
    return values, out


def _boot_of(Xc: np.ndarray, opts: _Options, batch_id: int) -> dict[str, np.ndarray]:
    """Poisson(1) weights per complete row and replicate (the bootstrap that merges)."""
    rng = np.random.default_rng([opts.seed, batch_id])
    B, k = opts.n_boot, Xc.shape[1]
    n = np.zeros(B)
    mean = np.zeros((B, k))
    co = np.zeros((B, k, k))
    step = max(1, (1 << 22) // max(B, 1))
    for start in range(0, Xc.shape[0], step):
        Xb = Xc[start : start + step]
        W = rng.poisson(1.0, size=(B, Xb.shape[0])).astype(float)
        nb = W.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = np.where(nb[:, None] > 0, (W @ Xb) / np.where(nb > 0, nb, 1)[:, None], 0.0)
        cb = np.empty((B, k, k))
        for b in range(B):
            Y = Xb - mb[b]
            cb[b] = (Y * W[b][:, None]).T @ Y
        part = _merge_boot({"n": n, "mean": mean, "comoment": co},
                           {"n": nb, "mean": mb, "comoment": cb})
        assert part is not None
        n, mean, co = part["n"], part["mean"], part["comoment"]
    return {"n": n, "mean": mean, "comoment": co}


# --------------------------------------------------------------------------------------------
# the public object
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of item data, per group, that merge exactly (``m1 + m2``).

    Attributes
    ----------
    items
        Item names (column order of every matrix).
    by
        The grouping column(s), or None.
    groups
        Group label -> statistics; the whole sample is their merge (:meth:`total`).

    Per group the object holds: ``n`` rows (including rows without any answer, as psych's
    n.obs), pairwise counts N_ij, pairwise means (mean of item i over the rows answering i
    and j), centred pairwise cross-products and sums of squares, complete-row (listwise)
    count, means and centred cross-products, each item's smallest/largest answer and the
    first row (psych's alpha uses it), response counts when the answers are small integers,
    and optionally patterns, fourth-order moments, bivariate tables, bootstrap replicates.
    """

    items: tuple[str, ...]
    by: tuple[str, ...] | None
    groups: dict[Any, _Stats]
    options: _Options = field(default_factory=_Options)

    # merging ----------------------------------------------------------------------------
    def __add__(self, other: Moments) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        if other.items != self.items or other.by != self.by:
            raise ValueError("only moments of the same items and grouping merge: "
                             f"{self.items}/{self.by} vs {other.items}/{other.by}")
        if other.options != self.options:
            raise ValueError(f"moments collected with different options do not merge: "
                             f"{self.options} vs {other.options}")
        groups = dict(self.groups)
        for label, st in other.groups.items():
            groups[label] = groups[label] + st if label in groups else st
        return Moments(self.items, self.by, _sorted_groups(groups), self.options)

    def __radd__(self, other: Any) -> Moments:
        if other == 0:  # sum(parts) starts from 0
            return self
        return NotImplemented

    # selection ---------------------------------------------------------------------------
    @property
    def labels(self) -> list[Any]:
        """Group labels (sorted, ``(missing)`` last); ``[None]`` without ``by``."""
        return list(self.groups)

    @property
    def labels_seen(self) -> list[Any]:
        """Group labels in order of their first row in the source (batches and
        partitions in order; lavaan numbers groups so)."""
        return sorted(self.groups, key=lambda g: self.groups[g].seen)

    def group(self, label: Any) -> Moments:
        """The moments of one group (a Moments without grouping)."""
        if label not in self.groups:
            raise KeyError(f"no group {label!r}; groups: {self.labels}")
        return Moments(self.items, None, {None: self.groups[label]}, self.options)

    def total(self) -> Moments:
        """All groups merged (the whole sample)."""
        parts = list(self.groups.values())
        st = parts[0]
        for other in parts[1:]:
            st = st + other
        return Moments(self.items, None, {None: st}, self.options)

    def select(self, items: Sequence[str]) -> Moments:
        """The moments of a subset of the items. Patterns are restricted (the patterns
        that agree on the subset merge); fourth-order moments and replicates, which are
        sums over the complete rows, are kept when the subset has the same complete rows
        (else dropped: read the subset with ``pm.moments(data, items, fourth=True)``)."""
        index = {name: j for j, name in enumerate(self.items)}
        unknown = [i for i in items if i not in index]
        if unknown:
            raise KeyError(f"items not in these moments: {unknown}")
        ix = np.array([index[i] for i in items], dtype=int)
        sub = np.ix_(ix, ix)
        groups = {}
        for label, st in self.groups.items():
            new = replace(
                st, first=st.first[ix], count=st.count[sub], mean=st.mean[sub],
                comoment=st.comoment[sub], sqdev=st.sqdev[sub], lo=st.lo[ix], hi=st.hi[ix],
                mean_complete=st.mean_complete[ix],
                comoment_complete=st.comoment_complete[sub],
                counts=None if st.counts is None else st.counts[ix],
                tables=None if st.tables is None else (st.tables[0],
                                                       st.tables[1][sub]),
                patterns=_subset_patterns(st.patterns, ix, len(self.items)),
                fourth=None, boot=None)
            if len(ix) < len(self.items) and st.n_complete != st.n_rows:
                # rows complete on the subset: known from the patterns only
                new = _subset_listwise(st, new, ix)
            if new.n_complete == st.n_complete:  # the same complete rows
                new = replace(new, fourth=_subset_fourth(st.fourth, ix),
                              boot=None if st.boot is None else {
                                  "n": st.boot["n"], "mean": st.boot["mean"][:, ix],
                                  "comoment": st.boot["comoment"][:, ix[:, None], ix]})
            groups[label] = new
        opts = replace(self.options,
                       fourth=all(g.fourth is not None for g in groups.values())
                       and self.options.fourth,
                       n_boot=self.options.n_boot
                       if all(g.boot is not None for g in groups.values()) else 0)
        return Moments(tuple(items), self.by, groups, opts)

    def _one(self) -> _Stats:
        if len(self.groups) != 1:
            raise ValueError(f"these moments have {len(self.groups)} groups; pick one with "
                             f".group(label) or merge them with .total()")
        return next(iter(self.groups.values()))

    # the statistics ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Rows read (including rows without any answer)."""
        return sum(st.n_rows for st in self.groups.values())

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def complete(self) -> bool:
        """True when no cell is missing."""
        return all(st.n_complete == st.n_rows for st in self.groups.values())

    def n_obs(self) -> pd.Series:
        """Answers per item."""
        st = self._one()
        return pd.Series(np.diag(st.count).astype(np.int64), index=list(self.items))

    def pairwise_counts(self) -> pd.DataFrame:
        """Rows answering both items of each pair (psych's ``pairwiseCount``)."""
        st = self._one()
        return self._frame(st.count.astype(np.int64))

    def mean(self, missing: str = "pairwise") -> pd.Series:
        """Item means: over each item's answers (pairwise) or over complete rows."""
        st = self._one()
        m = np.diag(st.mean) if missing == "pairwise" else st.mean_complete
        _check_missing(missing)
        return pd.Series(m.copy(), index=list(self.items))

    def pairwise_means(self) -> pd.DataFrame:
        """Mean of item i (row) over the rows answering items i and j (column)."""
        return self._frame(self._one().mean.copy())

    def cov(self, missing: str = "pairwise", ddof: int = 1) -> pd.DataFrame:
        """Covariance matrix: ``cov(x, use = "pairwise")`` (each pair over its joint rows,
        psych's default) or ``"listwise"`` (complete rows only)."""
        _check_missing(missing)
        st = self._one()
        with np.errstate(invalid="ignore", divide="ignore"):
            if missing == "pairwise":
                c = st.comoment / (st.count - ddof)
                c[st.count <= ddof] = np.nan
            else:
                n = st.n_complete
                c = st.comoment_complete / (n - ddof) if n > ddof else \
                    np.full_like(st.comoment_complete, np.nan)
        return self._frame(c)

    def cor(self, missing: str = "pairwise", method: str = "pairwise") -> pd.DataFrame:
        """Correlations. ``missing="pairwise"``: ``method="pairwise"`` standardises each
        pair on its own rows (``cor(x, use = "pairwise")``, pandas' ``corr``);
        ``method="cov2cor"`` divides the pairwise covariances by each item's sd over all its
        answers (what psych's alpha uses). ``missing="listwise"``: complete rows."""
        _check_missing(missing)
        st = self._one()
        with np.errstate(invalid="ignore", divide="ignore"):
            if missing == "listwise":
                c = st.comoment_complete
                d = np.sqrt(np.diag(c))
                r = c / np.outer(d, d)
            elif method == "pairwise":
                r = st.comoment / np.sqrt(st.sqdev * st.sqdev.T)
            elif method == "cov2cor":
                c = st.comoment / (st.count - 1)
                d = np.sqrt(np.diag(c))
                r = c / np.outer(d, d)
            else:
                raise ValueError(f"method must be 'pairwise' or 'cov2cor', not {method!r}")
        np.fill_diagonal(r, 1.0)
        return self._frame(r)

    def frequencies(self) -> pd.DataFrame:
        """Counts of each answer per item (small-integer answers only)."""
        st = self._one()
        if st.values is None or st.counts is None:
            raise ValueError("response counts are kept only when every answer is a small "
                             "integer (-127..126)")
        return pd.DataFrame(st.counts, index=list(self.items),
                            columns=[_label(v) for v in st.values])

    def patterns(self) -> list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]:
        """Missing-data patterns (for FIML): ``(observed mask, n, means, centred
        cross-products)`` per pattern, with zeros for unobserved items; largest first."""
        st = self._one()
        if st.patterns is None:
            raise ValueError("patterns were not collected: pm.moments(..., patterns=True)")
        k = self.n_items
        out = [(np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool), int(n),
                m, c) for key, (n, m, c) in st.patterns.items()]
        return sorted(out, key=lambda p: -p[1])

    def gamma(self) -> pd.DataFrame:
        """The ADF (Browne 1984) Gamma of the complete rows, lavaan's ``NACOV`` for MLM/MLR:
        Gamma[(ij),(kl)] = m_ijkl - s_ij s_kl with biased (n) moments, vech order of lavaan
        (lower triangle, column by column)."""
        st = self._one()
        f = st.fourth
        if f is None:
            raise ValueError("fourth-order moments were not collected: "
                             "pm.moments(..., fourth=True)")
        n = f["n"]
        vi, vj = _vech_index(self.n_items)
        s = f["c2"][vi, vj] / n
        g = f["c4"] / n - np.outer(s, s)
        names = [f"{self.items[i]}~~{self.items[j]}" for i, j in zip(vi, vj, strict=True)]
        return pd.DataFrame(g, index=names, columns=names)

    def table(self, i: str, j: str) -> pd.DataFrame:
        """Bivariate contingency table of items i (rows) and j (columns) over the rows
        answering both (for polychoric correlations)."""
        st = self._one()
        if st.tables is None:
            raise ValueError("tables were not collected: pm.moments(..., tables=True)")
        a, b = self.items.index(i), self.items.index(j)
        values, tab = st.tables
        labels = [_label(v) for v in values]
        return pd.DataFrame(tab[a, b], index=pd.Index(labels, name=i),
                            columns=pd.Index(labels, name=j))

    def bootstrap(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Poisson-bootstrap replicates of the complete rows: ``(n, means, covariances)``
        with shapes (B,), (B, k), (B, k, k)."""
        st = self._one()
        if st.boot is None:
            raise ValueError("no replicates: pm.moments(..., n_boot=B, seed=...)")
        b = st.boot
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = b["comoment"] / (b["n"] - 1)[:, None, None]
        return b["n"].copy(), b["mean"].copy(), cov

    def _frame(self, a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=list(self.items), columns=list(self.items))

    def __repr__(self) -> str:
        g = "" if self.by is None else f", by={list(self.by)} ({len(self.groups)} groups)"
        return f"Moments(n={self.n:,}, items={len(self.items)}{g})"


def _check_missing(missing: str) -> None:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")


def _label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _subset_listwise(st: _Stats, new: _Stats, ix: np.ndarray) -> _Stats:
    """Listwise moments of an item subset: from the patterns when they were collected,
    otherwise marked unknown (NaN)."""
    if st.patterns is None:
        k = ix.size
        return replace(new, n_complete=-1, mean_complete=np.full(k, np.nan),
                       comoment_complete=np.full((k, k), np.nan))
    k = st.first.size
    n, m, c = 0, np.zeros(ix.size), np.zeros((ix.size, ix.size))
    for key, (n2, m2, c2) in st.patterns.items():
        obs = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool)
        if obs[ix].all():
            n, m, c = _chan(n, m, c, n2, m2[ix], c2[np.ix_(ix, ix)])
    return replace(new, n_complete=n, mean_complete=m, comoment_complete=c)


def _subset_patterns(patterns: dict | None, ix: np.ndarray, k: int) -> dict | None:
    """Patterns on an item subset: each pattern's observed part, merged (Chan) with the
    other patterns that observe the same subset items."""
    if patterns is None:
        return None
    out: dict[bytes, tuple[int, np.ndarray, np.ndarray]] = {}
    sub = np.ix_(ix, ix)
    for key, (n2, m2, c2) in patterns.items():
        obs = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool)[ix]
        new_key = np.packbits(obs).tobytes()
        m2, c2 = m2[ix], c2[sub]
        out[new_key] = _chan(*out[new_key], n2, m2, c2) if new_key in out else (n2, m2, c2)
    return out


def _subset_fourth(fourth: dict | None, ix: np.ndarray) -> dict | None:
    if fourth is None or (fourth["n"] == 0 and "c2" not in fourth):
        return None if fourth is None else {"n": 0, "mean": fourth["mean"][ix]}
    k = fourth["mean"].size
    vi, vj = _vech_index(k)
    pos = np.full((k, k), -1)
    pos[vi, vj] = np.arange(vi.size)
    si, sj = _vech_index(ix.size)
    pv = pos[ix[si], ix[sj]]  # ix is not sorted in general: i >= j may flip
    pv = np.where(pv >= 0, pv, pos[ix[sj], ix[si]])
    return {"n": fourth["n"], "mean": fourth["mean"][ix], "c2": fourth["c2"][np.ix_(ix, ix)],
            "c3": fourth["c3"][np.ix_(ix, ix, ix)], "c4": fourth["c4"][np.ix_(pv, pv)]}


def _sorted_groups(groups: dict[Any, _Stats]) -> dict[Any, _Stats]:
    if list(groups) == [None]:
        return groups
    present = sorted((g for g in groups if g != MISSING_GROUP), key=str)
    order = present + ([MISSING_GROUP] if MISSING_GROUP in groups else [])
    return {g: groups[g] for g in order}


# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


def _is_dask(data: Any) -> bool:
    return type(data).__module__.split(".")[0] in ("dask", "dask_expr")


def _is_arrow(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "pyarrow"


def _frame_items(frame: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """The items of one batch as a float64 matrix (NaN = missing), checked numeric."""
    missing = [c for c in items if c not in frame.columns]
    if missing:
        from psychometrics.errors import MissingColumnError

        raise MissingColumnError(f"item column(s) {missing} are not in the data")
    small = all(frame[name].dtype in (np.dtype(np.int8), np.dtype(np.uint8))
                for name in items)
    # int8 columns stay integers (the pass widens them block by block)
    X = np.empty((len(frame), len(items)), order="F",
                 dtype=np.int16 if small else np.float64)
    for j, name in enumerate(items):
        col = frame[name]
        if not (pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            raise ValueError(f"item column {name!r} is not numeric (dtype {col.dtype}); "
                             "recode it first")
        X[:, j] = col.to_numpy() if small else col.to_numpy(dtype=np.float64,
                                                            na_value=np.nan)
    return X


def _arrow_items(batch: Any, items: Sequence[str]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    names = batch.schema.names
    small = all(name in names and batch.column(names.index(name)).null_count == 0
                and batch.column(names.index(name)).type in (pa.int8(), pa.uint8())
                for name in items)
    # int8 Likert columns stay int8 (1 byte a cell): the pass widens them block by block
    X = np.empty((batch.num_rows, len(items)), order="F",
                 dtype=np.int16 if small else np.float64)
    for j, name in enumerate(items):
        if name not in names:
            from psychometrics.errors import MissingColumnError

            raise MissingColumnError(f"item column {name!r} is not in the data")
        col = batch.column(names.index(name))
        if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)
                or pa.types.is_boolean(col.type)):
            raise ValueError(f"item column {name!r} is not numeric (type {col.type})")
        if pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.float64())
        # integers without nulls are read in place and widened once, into X
        X[:, j] = col.to_numpy(zero_copy_only=False)
    return X


def _group_labels(values: np.ndarray) -> np.ndarray:
    labels = pd.Series(values).astype("string").fillna(MISSING_GROUP)
    return labels.to_numpy(dtype=object)


def _batch_moments(X: np.ndarray, labels: np.ndarray | None, items: tuple[str, ...],
                   by: tuple[str, ...] | None, opts: _Options, batch_id: int) -> Moments:
    if labels is None:
        return Moments(items, by, {None: _stats_of(X, opts, batch_id)}, opts)
    groups = {}
    _uniq, first = np.unique(labels.astype(str), return_index=True)
    for label, row in zip(labels[first], first, strict=True):
        groups[label] = _stats_of(X[labels == label], opts, batch_id)
        groups[label].seen = (batch_id, int(row))
    return Moments(items, by, _sorted_groups(groups), opts)


def _labels_of(frame: Any, by: tuple[str, ...] | None) -> np.ndarray | None:
    if by is None:
        return None
    if _is_arrow(frame):
        frame = frame.select(list(by)).to_pandas()
    missing = [c for c in by if c not in frame.columns]
    if missing:
        from psychometrics.errors import MissingColumnError

        raise MissingColumnError(f"group column(s) {missing} are not in the data")
    if len(by) == 1:
        return _group_labels(frame[by[0]].to_numpy())
    parts = [_group_labels(frame[c].to_numpy()) for c in by]
    return np.array([" / ".join(map(str, t)) for t in zip(*parts, strict=True)], dtype=object)


def _moments_of_batch(batch: Any, items: tuple[str, ...], by: tuple[str, ...] | None,
                      opts: _Options, batch_id: int) -> Moments:
    """One DataFrame or Arrow batch -> Moments (also the Dask partition function)."""
    X = _arrow_items(batch, items) if _is_arrow(batch) else _frame_items(batch, items)
    # k x k products of a few thousand rows: threaded BLAS only contends, and the reader
    # decodes the next batch in its own thread
    with single_threaded_blas():
        return _batch_moments(X, _labels_of(batch, by), items, by, opts, batch_id)


def _tree_sum(parts: list[Moments]) -> Moments:
    while len(parts) > 1:
        parts = [parts[i] + parts[i + 1] if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def _parquet_batches(path: Any, columns: list[str] | None, batch_rows: int
                     ) -> tuple[Iterator[Any], int, list[str]]:
    """Batches of a Parquet file, directory or list of files, one file at a time.

    Each file is read with ``ParquetFile.iter_batches``, which reads a row group only when
    the previous batches have been taken: memory stays at a few batches. (A dataset scanner
    reads ahead without waiting for a slow consumer and held over 1 GB of a 100-million-row
    dataset in the benchmark.)
    """
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if isinstance(path, list | tuple):
        dataset = ds.dataset([str(p) for p in path], format="parquet")
    else:
        dataset = ds.dataset(str(path), format="parquet")
    names = dataset.schema.names
    total = dataset.count_rows()
    files = list(dataset.files)

    def batches() -> Iterator[Any]:
        for name in files:
            with pq.ParquetFile(name) as handle:
                yield from handle.iter_batches(batch_size=batch_rows, columns=columns)

    return _prefetch(batches(), depth=2), total, names


def _prefetch(source: Iterator[Any], depth: int) -> Iterator[Any]:
    """Decode the next ``depth`` batches in a thread while the current one is reduced
    (pyarrow releases the GIL while decoding), with a bounded queue, so reading and
    computing overlap without reading ahead of memory."""
    import queue
    import threading

    done = object()
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in source:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slots.put(exc)

    thread = threading.Thread(target=work, daemon=True, name="psychometrics-prefetch")
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _dask_moments(ddf: Any, items: tuple[str, ...], by: tuple[str, ...] | None,
                  opts: _Options) -> Moments:
    """Per partition on the workers, merged in a tree by Dask (``to_delayed``)."""
    import dask

    cols = list(items) + [c for c in (by or ()) if c not in items]
    parts = [dask.delayed(_moments_of_batch)(p, items, by, opts, i)
             for i, p in enumerate(ddf[cols].to_delayed())]
    while len(parts) > 1:
        parts = [dask.delayed(operator.add)(parts[i], parts[i + 1]) if i + 1 < len(parts)
                 else parts[i] for i in range(0, len(parts), 2)]
    (result,) = dask.compute(parts[0])
    return result


def moments(
    data: Any,
    items: Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    pairwise: bool = True,
    patterns: bool = False,
    fourth: bool = False,
    tables: bool = False,
    n_boot: int = 0,
    seed: int | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: bool | ProgressCallback | None = None,
) -> Moments:
    r"""Read item data once into mergeable sufficient statistics.

    For each group and item pair (i, j) with :math:`N_{ij}` joint answers:

    .. math::

        \bar x_{i\cdot j} = \frac{1}{N_{ij}} \sum_{r \in ij} x_{ri}, \qquad
        C_{ij} = \sum_{r \in ij} (x_{ri} - \bar x_{i\cdot j})(x_{rj} - \bar x_{j\cdot i})

    so that ``cov(x, use = "pairwise")`` is :math:`C_{ij} / (N_{ij} - 1)`. Two parts merge
    by Chan, Golub & LeVeque's update :math:`C = C_1 + C_2 + \delta_i \delta_j N_1 N_2 / N`
    (:math:`\delta` the difference of the parts' pairwise means), which is exact and stable.

    Parameters
    ----------
    data
        A pandas DataFrame; an iterable of DataFrames or pyarrow RecordBatches/Tables; the
        path of a Parquet file or dataset directory, or a list of Parquet paths (read with
        pyarrow in batches of ``batch_rows`` rows: memory stays bounded); or a Dask
        DataFrame (each partition is reduced on the Dask workers, then merged in a tree).
    items
        Item columns (default: every column not in ``by``).
    by
        Column(s) whose values define groups (or waves); rows without a value form the
        group ``"(missing)"``.
    pairwise
        Pairwise statistics are always collected (they cost one pass); kept for the
        documented signature.
    patterns
        Also collect each missing-data pattern's count, means and cross-products (FIML;
        alpha's mean score with missing answers).
    fourth
        Also collect third- and fourth-order central moments of the complete rows (the ADF
        Gamma of MLM/MLR: :meth:`Moments.gamma`).
    tables
        Also collect bivariate contingency tables of every item pair (polychoric).
    n_boot, seed
        Poisson-bootstrap replicates of the complete rows (they merge like the data).
    batch_rows, progress
        Batch size for Arrow/Parquet sources; progress callback ``progress(rows, total)``
        (``True`` draws a bar) for streamed sources.

    Returns
    -------
    Moments

    References
    ----------
    Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
    algorithm for computing sample variances. Stanford CS report STAN-CS-79-773.
    Pébay, P. (2008). Formulas for robust, one-pass parallel computation of covariances and
    arbitrary-order statistical moments. Sandia report SAND2008-6212.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(1000, 4)), columns=list("abcd"))
    >>> m = pm.moments(df.iloc[:600]) + pm.moments(df.iloc[600:])
    >>> m.n, np.allclose(m.cov(), df.cov())
    (1000, True)
    >>> round(pm.alpha(m).raw_alpha, 6) == round(pm.alpha(df).raw_alpha, 6)
    True
    """
    if not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"batch_rows must be a positive integer, got {batch_rows!r}")
    if not isinstance(n_boot, int) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    by_t = None if by is None else ((by,) if isinstance(by, str) else tuple(by))
    opts = _Options(pairwise=bool(pairwise), patterns=bool(patterns), fourth=bool(fourth),
                    tables=bool(tables), n_boot=n_boot,
                    seed=0 if seed is None else int(seed))
    report = resolve_progress(progress, "reading")

    def pick(columns: Sequence[str]) -> tuple[str, ...]:
        if items is not None:
            return tuple(str(i) for i in items)
        return tuple(str(c) for c in columns if by_t is None or c not in by_t)

    if isinstance(data, Moments):
        return data if items is None else data.select(list(items))
    if isinstance(data, pd.DataFrame):
        chosen = pick(data.columns)
        result = _moments_of_batch(data, chosen, by_t, opts, 0)
        return result
    if _is_dask(data):
        return _dask_moments(data, pick(data.columns), by_t, opts)
    if isinstance(data, str | Path) or (isinstance(data, list | tuple) and data
                                         and all(isinstance(p, str | Path) for p in data)):
        cols = None if items is None else list(items) + list(by_t or ())
        batches, total, names = _parquet_batches(data, cols, batch_rows)
        chosen = pick(names)
        return _stream(batches, chosen, by_t, opts, report, total)
    if _is_arrow(data) and hasattr(data, "to_batches"):
        return _stream(iter(data.to_batches(max_chunksize=batch_rows)),
                       pick(data.schema.names), by_t, opts, report, data.num_rows)
    if isinstance(data, Iterable):
        it = iter(data)
        try:
            first = next(it)
        except StopIteration:
            raise ValueError("the data source yielded no batches") from None
        names = first.schema.names if _is_arrow(first) else list(first.columns)
        return _stream(_chain(first, it), pick(names), by_t, opts, report, 0)
    raise TypeError(f"cannot read moments from {type(data).__name__}: pass a DataFrame, "
                    "an iterable of DataFrames/Arrow batches, Parquet path(s) or a Dask "
                    "DataFrame")


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _stream(batches: Iterator[Any], items: tuple[str, ...], by: tuple[str, ...] | None,
            opts: _Options, report: ProgressCallback, total: int) -> Moments:
    """Merge batch by batch: memory is one batch plus the k x k statistics."""
    acc: Moments | None = None
    done = 0
    report(0, total)
    for i, batch in enumerate(batches):
        part = _moments_of_batch(batch, items, by, opts, i)
        acc = part if acc is None else acc + part
        done += batch.num_rows if _is_arrow(batch) else len(batch)
        report(done, max(total, done))
    if acc is None:
        raise ValueError("the data source yielded no rows")
    if done != total:  # the bar ends at what was read
        report(done, done)
    return acc


def as_moments(data: Any, **kwargs: Any) -> Moments | None:
    """``data`` as Moments when it is a Moments or a source that is not in memory (Dask,
    Parquet, Arrow, an iterator); None for a DataFrame or array (the in-memory paths)."""
    if isinstance(data, Moments):
        return data
    if isinstance(data, pd.DataFrame | np.ndarray):
        return None
    if _is_dask(data) or _is_arrow(data) or isinstance(data, str | Path) or (
            isinstance(data, list | tuple) and data
            and all(isinstance(p, str | Path) for p in data)):
        return moments(data, **kwargs)
    if isinstance(data, Iterator):
        return moments(data, **kwargs)
    if isinstance(data, list | tuple) and data and all(
            isinstance(part, pd.DataFrame) or _is_arrow(part) for part in data):
        return moments(data, **kwargs)  # parts of the data: their moments merge
    return None

