"""alpha's confidence intervals: Feldt's (psych::alpha.ci) and the bootstrap over rows
from per-row terms (Duhachek's interval is formed from the ase in ``_alpha``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import fdtri

from psychometrics.progress import ProgressCallback
from psychometrics.results import format_number


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

