"""The sufficient statistics of one group: what one batch of rows gives, and the exact,
stable merge of two parts (Chan, Golub & LeVeque 1979; Pébay 2008 for orders 3 and 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics._pass import block_pass

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
