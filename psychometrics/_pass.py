"""The one blocked pass over item rows: pairwise counts, sums and cross-products.

Every moment-based statistic starts here (directly for in-memory alpha, through
:class:`psychometrics.moments.Moments` for everything else). The pass reads the matrix in
blocks of rows that stay in cache and never makes a full-size copy of it:

* a block without missing cells adds ``X'X`` and its column sums (one BLAS call);
* a block with missing cells adds ``X0'X0`` (missing set to 0) over all its rows, while the
  counts and the pairwise sums come from column totals *minus* the products over the few
  rows that have a missing cell (``count = n - u_i - u_j + (U'U)_ij``, with U the missing
  indicator of those rows), so the mask products touch only the incomplete rows.

Sums are taken about a per-column ``shift`` (the caller's guess of the mean, 0 for the raw
sums psych's formulas use), which keeps ``cross - sums sums' / count`` free of cancellation.
Response values that are small integers are counted per item in the same pass (bytes
compared in place); the counts are verified against the sums of squares afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# About 1.3 MB of float64 per block: a block read for X'X is still in cache when it is
# copied to int8 for counting.
BLOCK_CELLS = 163840
MIN_BLOCK_ROWS = 1024
# counting per value stops beyond this many distinct small-integer values
MAX_COUNTED_VALUES = 64


_CONTROLLER: Any = None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS single-threaded inside the block (threadpoolctl, when installed): the pass
    multiplies blocks of a few thousand rows by k ~ 20 items, where threaded BLAS only
    contends (30x slower on a busy 2-core machine). Imports nothing else of the package,
    so a Dask worker that reduces partitions stays light."""
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _CONTROLLER = False
        else:
            _CONTROLLER = ThreadpoolController()
    if _CONTROLLER is False:
        yield
        return
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


@dataclass
class PassSums:
    """Pairwise sums of one pass (about ``shift``); see the module docstring.

    ``count[i, j]`` rows with both i and j answered; ``sums[i, j]`` the sum of x_i over
    them; ``cross[i, j]`` the sum of x_i x_j; ``sq[i, j]`` the sum of x_i^2 over the rows
    where j is answered; ``values``/``counts`` per-item frequencies of small-integer answers
    (None when some answer is not one); ``lo``/``hi`` per-item smallest and largest answer;
    ``score`` the row-mean score parts when signs were given (see :func:`block_pass`);
    ``complete_rows`` the count ``n``, column sums ``col`` and ``cross`` of the rows
    without a missing cell (about the shift).
    """

    n_rows: int
    shift: np.ndarray
    count: np.ndarray
    sums: np.ndarray
    cross: np.ndarray
    sq: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    complete: bool
    values: np.ndarray | None = None
    counts: np.ndarray | None = None
    score: dict[str, np.ndarray] | None = field(default=None)
    complete_rows: dict[str, Any] | None = field(default=None)


class _Counter:
    """Per-item counts of small-integer answers, accumulated in bytes per block.

    Missing cells get the code 127, which is never counted. Each block is compared with the
    values already seen; only when those do not account for every answered cell are the
    block's smallest and largest codes looked up (once or twice per pass for Likert data).
    """

    def __init__(self, rows: int, k: int, order: str) -> None:
        self.codes = np.empty((rows, k), dtype=np.int8, order=order)
        self.equal = np.empty((rows, k), dtype=bool, order=order)
        self.acc: dict[int, np.ndarray] = {}
        self.totals: dict[int, np.ndarray] = {}
        self.since_flush = 0
        self.active = True
        self.rows, self.k, self.order = rows, k, order

    def _count(self, v: int, c: np.ndarray, e: np.ndarray, m: int) -> int:
        np.equal(c, v, out=e)  # a Python int keeps the compare in int8
        a = self.acc.get(v)
        if a is None:
            a = self.acc[v] = np.zeros((self.rows, self.k), dtype=np.uint8, order=self.order)
        np.add(a[:m], e.view(np.uint8), out=a[:m])
        return int(np.count_nonzero(e))

    def add(self, Xb: np.ndarray, missing: np.ndarray | None, inc: np.ndarray | None,
            n_missing: int) -> None:
        m = Xb.shape[0]
        if Xb.dtype == np.int8 and missing is None:
            c = Xb  # int8 items without missing cells are their own codes: no copy
        else:
            c = self.codes[:m]
            with np.errstate(invalid="ignore", over="ignore"):
                np.copyto(c, Xb, casting="unsafe")
        if missing is not None and inc is not None:
            part = c[inc]
            np.putmask(part, missing[inc], np.int8(127))
            c[inc] = part
        e = self.equal[:m]
        expected = m * self.k - n_missing
        seen = sum(self._count(v, c, e, m) for v in sorted(self.acc))
        if seen != expected:  # values not met before (or not small integers)
            lo = int(c.min())
            hi = int(np.where(c == 127, np.int8(-128), c).max())
            if lo == -128 or hi == -128:
                self.active = False
                return
            new = [v for v in range(lo, hi + 1) if v not in self.acc]
            if len(new) + len(self.acc) > MAX_COUNTED_VALUES:
                self.active = False
                return
            for v in new:
                self._count(v, c, e, m)
        self.since_flush += 1
        if self.since_flush == 255:  # uint8 accumulators hold at most 255 blocks
            self.flush()

    def flush(self) -> None:
        for v, a in self.acc.items():
            self.totals[v] = self.totals.get(v, 0) + _column_sums(a)
            a[:] = 0
        self.since_flush = 0

    def result(self) -> tuple[np.ndarray, np.ndarray] | None:
        if not self.active:
            return None
        self.flush()
        if not self.totals:
            return None
        values = np.array(sorted(self.totals), dtype=np.int64)
        return values, np.stack([self.totals[int(v)] for v in values], axis=1)


def _bincount_values(Xb: np.ndarray, missing: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-item counts of the int8 codes of one block in one ``bincount`` (small data);
    missing cells and the ambiguous code -128 are left out, as by :class:`_Counter`, and
    the counts are verified by :func:`verify_counts` like the counter's."""
    k = Xb.shape[1]
    with np.errstate(invalid="ignore", over="ignore"):
        small = Xb.astype(np.int8)
    if missing is not None:
        small[missing] = 127
    if (small == -128).any():  # checked on the bytes, before widening
        return None
    codes = small.astype(np.intp)
    codes += 128 + 256 * np.arange(k)
    # counts do not depend on the order of the cells: ravel in memory order, so a
    # column-major block (a DataFrame's) is not copied to row-major first
    table = np.bincount(codes.ravel(order="K"), minlength=256 * k).reshape(k, 256)[:, :255]
    used = np.flatnonzero(table.any(axis=0))
    if used.size > MAX_COUNTED_VALUES or not used.size:
        return None
    return used.astype(np.int64) - 128, table[:, used].astype(np.int64)


def _column_sums(a: np.ndarray) -> np.ndarray:
    """Column sums of a narrow 2-D uint8 array as int64, summing 32 rows side by side
    (``sum(axis=0)`` on rows of a few bytes is several times slower)."""
    if not a.flags.c_contiguous:
        return a.sum(axis=0, dtype=np.int64)
    k = a.shape[1]
    r = a.shape[0] // 32 * 32
    out = a[r:].sum(axis=0, dtype=np.int64)
    if r:
        out += a[:r].reshape(-1, 32 * k).sum(axis=0, dtype=np.int64).reshape(32, k).sum(axis=0)
    return out


def _column_extreme(X: np.ndarray, op: np.ufunc) -> np.ndarray:
    """Column-wise fmin/fmax (NaN skipped) by halving the rows: contiguous element-wise
    operations, several times faster than ``reduce(axis=0)`` on a narrow row-major block."""
    A = X
    while A.shape[0] > 1:
        h = A.shape[0] // 2
        B = op(A[:h], A[h : 2 * h])
        if A.shape[0] % 2:
            B[0] = op(B[0], A[-1])
        A = B
    return A[0].copy()


def verify_counts(vc: tuple[np.ndarray, np.ndarray] | None, n_obs: np.ndarray,
                  sq_sums: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Keep integer-cast counts only if they reproduce the (unshifted) data exactly.

    Casting to int8 truncates towards zero and puts an out-of-range value on some int8 of
    smaller magnitude, so |code| <= |x| with equality only for integers in range: equal sums
    of squares (and all answers counted) prove every answer was read exactly. The code -128,
    the one ambiguous cast, is never counted.
    """
    if vc is None:
        return None
    values, counts = vc
    if not np.array_equal(counts.sum(axis=1), n_obs.astype(np.int64)):
        return None
    if not np.array_equal((counts @ (values * values)).astype(float), sq_sums):
        return None
    present = counts.sum(axis=0) > 0
    return values[present], counts[:, present]


def block_pass(X: np.ndarray, *, shift: np.ndarray | None = None, count_values: bool = True,
               signs: np.ndarray | None = None, block_cells: int | None = None,
               min_rows: int = MIN_BLOCK_ROWS, ranges: bool = True) -> PassSums:
    """One pass over ``X`` (rows x items, float, or integer without missing cells) in
    blocks; see the module docstring.

    With ``signs`` (+1/-1 per item) the pass also collects what the row-mean score of the
    keyed items needs (psych's ``rowMeans(na.rm = TRUE)``), without knowing the reversal
    constant ``adjust`` yet: per row t = a + adjust * b with a = sum(s x) / r and b = (number
    of reversed items answered) / r, r the number answered. ``score`` holds the sums of a, b,
    a^2, ab, b^2 over all rows, over each item's answered rows, ``X0'a``, ``X0'b`` and the
    number of rows with an answer. ``ranges=False`` skips the per-item smallest and largest
    answers (``lo``/``hi`` are then NaN), for callers that keep the data. Raises ValueError
    for infinite values.
    """
    n, k = X.shape
    if signs is not None and shift is not None:
        raise ValueError("the row-mean score parts are collected about a zero shift only")
    cells = BLOCK_CELLS if block_cells is None else block_cells
    rows = max(1, min(max(min_rows, cells // max(k, 1)), n))
    order = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
    c = np.zeros(k) if shift is None else np.asarray(shift, dtype=float)
    shifted = shift is not None and bool(np.any(c != 0))
    cross = np.zeros((k, k))
    col = np.zeros(k)          # column sums of X0 (all rows)
    col2 = np.zeros(k)         # column sums of X0^2
    uu = np.zeros((k, k))      # U'U over incomplete rows (U: missing indicator)
    xu = np.zeros((k, k))      # X0'U
    x2u = np.zeros((k, k))     # (X0^2)'U
    lo = np.full(k, np.inf)
    hi = np.full(k, -np.inf)
    single = n <= rows  # one block: count by one bincount instead of byte accumulators
    counter = _Counter(rows, k, order) if count_values and not single else None
    vc_single = None
    with_score = signs is not None
    if with_score:
        s = np.asarray(signs, dtype=float)
        rev = (s < 0).astype(float)
        n_rev = float(rev.sum())
        sc = {"sum": np.zeros(5), "item": np.zeros((k, 5)), "x0": np.zeros((k, 2)),
              "answered": np.zeros(1)}
    saw_missing = False
    x0buf = np.empty((rows, k), order=order)
    # integer items (int8 Parquet columns) are widened one cache-sized block at a time,
    # never as a whole float64 copy of the batch; they have no missing cells
    integer = X.dtype.kind in "iub"
    xbuf = np.empty((rows, k), order=order) if integer else None
    ones = np.ones(rows)
    ones_k = np.ones(k)
    comp = {"n": 0.0, "col": np.zeros(k), "cross": np.zeros((k, k))}  # complete blocks
    for start in range(0, n, rows):
        raw = Xb = X[start : start + rows]
        m = Xb.shape[0]
        if xbuf is not None:
            Xb = xbuf[:m]
            np.copyto(Xb, raw, casting="unsafe")
        missing = inc = None
        n_missing = 0
        if not saw_missing and not shifted:
            Pb = Xb.T @ Xb
            if np.isfinite(np.diag(Pb)).all():
                x0 = Xb
            else:
                saw_missing = True
        if saw_missing or shifted:
            # a row sum is NaN exactly when the row has a missing cell (infinities are
            # caught on the diagonal of X0'X0 below)
            inc = np.flatnonzero(np.isnan(Xb @ ones_k))
            x0 = x0buf[:m]
            if shifted:
                np.subtract(Xb, c, out=x0)
            else:
                np.copyto(x0, Xb)
            if inc.size:
                saw_missing = True
                missing = np.zeros((m, k), dtype=bool)
                sub = np.isnan(Xb[inc])
                missing[inc] = sub
                n_missing = int(np.count_nonzero(sub))
                part = x0[inc]
                np.putmask(part, sub, 0.0)
                x0[inc] = part
            else:
                inc = None
            Pb = x0.T @ x0
            if not np.isfinite(np.diag(Pb)).all():
                bad = [j for j in range(k) if np.isinf(Xb[:, j]).any()]
                raise ValueError(f"items at positions {bad} contain infinite values")
        cross += Pb
        colb = ones[:m] @ x0  # a BLAS product: sum(axis=0) is slow on narrow rows
        col += colb
        col2 += np.diag(Pb)
        if inc is not None:
            assert missing is not None
            U = missing[inc].astype(np.float64)
            Xi = x0[inc]
            uu += U.T @ U
            xu += Xi.T @ U
            x2u += (Xi * Xi).T @ U
        if counter is not None and counter.active:
            counter.add(raw if integer else Xb, missing, inc, n_missing)
        elif count_values and single:
            vc_single = _bincount_values(Xb, missing)
        comp["n"] += m
        comp["col"] += colb
        comp["cross"] += Pb
        if inc is not None:
            # the complete rows of this block: all rows minus the incomplete ones
            comp["n"] -= inc.size
            comp["col"] -= ones[: inc.size] @ Xi
            comp["cross"] -= Xi.T @ Xi
        if with_score and inc is not None:
            # only the incomplete rows need a score of their own; complete rows follow
            # from their X'X at the end
            r = k - U.sum(axis=1)
            nr = n_rev - U @ rev
            answered = r > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                a = np.where(answered, (Xi @ s) / r, 0.0)
                b = np.where(answered, nr / r, 0.0)
            parts = np.column_stack([a, b, a * a, a * b, b * b])
            tot = ones[: inc.size] @ parts
            sc["sum"] += tot
            sc["item"] += tot
            sc["item"] -= U.T @ parts
            sc["x0"] += Xi.T @ parts[:, :2]
            sc["answered"] += np.count_nonzero(answered)
    if with_score and comp["n"]:
        # complete rows: r = k, a = s'x / k, b = n_rev / k
        nc, cc, Pc = comp["n"], comp["col"], comp["cross"]
        bc = n_rev / k
        A = cc @ s / k
        AA = s @ Pc @ s / k**2
        tot = np.array([A, nc * bc, AA, bc * A, nc * bc * bc])
        sc["sum"] += tot
        sc["item"] += tot
        sc["x0"] += np.column_stack([Pc @ s / k, cc * bc])
        sc["answered"] += nc
    nf = float(n)
    if saw_missing:
        miss = np.diag(uu)
        count = nf - miss[:, None] - miss[None, :] + uu
        sums = col[:, None] - xu
        sq = col2[:, None] - x2u
    else:
        count = np.full((k, k), nf)
        sums = np.broadcast_to(col[:, None], (k, k)).copy()
        sq = np.broadcast_to(col2[:, None], (k, k)).copy()
    vc = counter.result() if counter is not None else vc_single
    if vc is not None:
        # verification needs the unshifted sums of squares
        raw_sq = np.diag(sq) + 2 * c * np.diag(sums) + c * c * np.diag(count) if shifted \
            else np.diag(sq)
        vc = verify_counts(vc, np.diag(count), raw_sq)
    if ranges:
        if vc is not None:  # the counted values give each item's range for free
            seen = vc[1] > 0
            with np.errstate(invalid="ignore"):
                lo = np.where(seen, vc[0].astype(float), np.inf).min(axis=1)
                hi = np.where(seen, vc[0].astype(float), -np.inf).max(axis=1)
        else:
            for start in range(0, n, rows):
                Xb = X[start : start + rows]
                np.fmin(lo, _column_extreme(Xb, np.fmin), out=lo)
                np.fmax(hi, _column_extreme(Xb, np.fmax), out=hi)
    lo[~np.isfinite(lo)] = np.nan
    hi[~np.isfinite(hi)] = np.nan
    out = PassSums(n, c, count, sums, cross, sq, lo, hi, not saw_missing,
                   *(vc or (None, None)))
    if with_score:
        out.score = sc
    out.complete_rows = comp
    return out
