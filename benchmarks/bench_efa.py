"""EFA (3 factors, minres, oblimin) on 10,000 x 30 items (run by hand).

    python benchmarks/bench_efa.py [--rows 10000] [--items 30] [--missing 0.0] [--repeat 7]
                                   [--method minres] [--rotation oblimin] [--random-starts 0]

``--method`` and ``--rotation`` take psych's names (any extraction and rotation of
``pm.efa``), passed to psych::fa too; ``--random-starts`` times the package's random starts
(GPArotation 2022.10, installed with psych 2.2.9, has none: psych is timed from one start).

Compares ``psychometrics.efa`` with factor-analyzer 0.5.1 and R's ``psych::fa`` (when
``Rscript`` with psych and GPArotation is installed). Target: faster than psych::fa.

factor-analyzer's ``FactorAnalyzer.fit`` fails with scikit-learn >= 1.8 (``check_array``
lost ``force_all_finite``), so its own pieces are timed instead: ``utils.corr`` on the data,
``_fit_factor_analysis`` (its minres, numerical gradient) and ``Rotator("oblimin")``.
psych::fa computes regression factor scores by default, so ours is timed with and
without ``scores="regression"``; the best of ``--repeat`` runs is reported for each tool.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, run_r

import psychometrics as pm


def make_data(rows: int, items: int, missing: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = 3
    lam = np.zeros((items, k))
    for j in range(items):
        lam[j, j % k] = rng.uniform(0.4, 0.8)
        lam[j, (j + 1) % k] = rng.uniform(-0.15, 0.15)
    phi = np.array([[1, 0.3, 0.2], [0.3, 1, 0.25], [0.2, 0.25, 1]])
    f = rng.standard_normal((rows, k)) @ np.linalg.cholesky(phi).T
    u = np.sqrt(np.clip(1 - np.sum((lam @ phi) * lam, axis=1), 0.1, None))
    x = f @ lam.T + rng.standard_normal((rows, items)) * u
    x = np.clip(np.round(3 + 1.2 * x), 1, 5)  # 5-point items
    if missing > 0:
        x[rng.random(x.shape) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(items)])


def time_factor_analyzer(data: pd.DataFrame, repeat: int) -> float | None:
    try:
        from factor_analyzer import FactorAnalyzer
        from factor_analyzer.rotator import Rotator
        from factor_analyzer.utils import corr
    except ImportError:
        print("factor-analyzer: not installed, skipped")
        return None
    x = data.to_numpy()
    if np.isnan(x).any():
        print("factor-analyzer: no pairwise correlations (it imputes); timed on complete rows")
        x = x[~np.isnan(x).any(axis=1)]

    def run() -> np.ndarray:
        fa = FactorAnalyzer(n_factors=3, method="minres", rotation=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load = fa._fit_factor_analysis(corr(x))
        return Rotator(method="oblimin", max_iter=1000).fit_transform(load)

    try:
        FactorAnalyzer(n_factors=3).fit(x)
    except TypeError as exc:
        print(f"factor-analyzer: FactorAnalyzer.fit fails here ({exc}); timing its pieces")
    return best_of(run, repeat)


R_SCRIPT = r"""
suppressPackageStartupMessages({library(psych); library(GPArotation)})
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1])
reps <- as.integer(args[2])
fm <- args[3]
rot <- args[4]
f <- fa(x, 3, fm = fm, rotate = rot)
best <- Inf
for (i in seq_len(reps)) {
  t <- system.time(fa(x, 3, fm = fm, rotate = rot))[["elapsed"]]
  best <- min(best, t)
}
cat(sprintf("%.6f\n", best))
cat(sprintf("%.15g\n", f$loadings), sep = "")
"""


def time_psych(data: pd.DataFrame, repeat: int, method: str = "minres",
               rotation: str = "oblimin") -> tuple[float, np.ndarray] | None:
    csv = Path(tempfile.mkdtemp()) / "x.csv"
    data.to_csv(csv, index=False, na_rep="NA")
    out = run_r(R_SCRIPT, str(csv), str(repeat), method, rotation, label="psych")
    if out is None:
        return None
    return float(out[0]), np.array([float(v) for v in out[1:]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--missing", type=float, default=0.0,
                        help="share of responses set missing at random")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--method", default="minres", help="psych's fm")
    parser.add_argument("--rotation", default="oblimin", help="psych's rotate")
    parser.add_argument("--random-starts", type=int, default=0)
    args = parser.parse_args()

    data = make_data(args.rows, args.items, args.missing)
    print(f"efa: {args.rows} x {args.items}, 3 factors, {args.method} + {args.rotation}"
          f"{f' ({args.random_starts} random starts)' if args.random_starts else ''}, "
          f"{args.missing:.0%} missing; best of {args.repeat}")
    kw = {"method": args.method, "rotation": args.rotation,
          "random_starts": args.random_starts, "seed": 1}

    ours = pm.efa(data, 3, **kw)  # warm-up (lazy imports)
    t_ours = best_of(lambda: pm.efa(data, 3, **kw), args.repeat)
    t_scores = best_of(lambda: pm.efa(data, 3, scores="regression", **kw), args.repeat)
    print(f"  psychometrics.efa                 {t_ours * 1e3:8.1f} ms")
    print(f"  psychometrics.efa (+ scores)      {t_scores * 1e3:8.1f} ms")

    t_fa = (time_factor_analyzer(data, args.repeat)
            if (args.method, args.rotation) == ("minres", "oblimin") else None)
    if t_fa is not None:
        print(f"  factor-analyzer pieces            {t_fa * 1e3:8.1f} ms   "
              f"ratio {t_fa / t_ours:5.1f}x slower than ours")

    r = time_psych(data, args.repeat, args.method, args.rotation)
    if r is not None:
        t_r, load_r = r
        diff = np.abs(load_r.reshape(args.items, 3, order="F") - ours.loadings.to_numpy()).max()
        print(f"  R psych::fa (with scores)         {t_r * 1e3:8.1f} ms   "
              f"ratio {t_r / t_scores:5.1f}x slower than ours with scores "
              f"({t_r / t_ours:.1f}x without)")
        print(f"  max |loading difference| vs psych: {diff:.1e}")


if __name__ == "__main__":
    main()
