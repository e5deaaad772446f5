"""Speed of the reliability coefficients against their baselines and competitors.

Run by hand:  python benchmarks/bench_reliability.py [--r] [--repeat N]

* alpha on 1,000,000 x 20 complete Likert data (every table, Feldt CI) against one numpy
  ``X.T @ X`` pass (the floor: alpha needs at least that pass), pingouin.cronbach_alpha
  (if installed; it is not a dependency) and, with ``--r``, psych::alpha through Rscript
  (R's own time inside ``system.time``, data handed over as a binary file).
* bootstrap CI of alpha, 2,000 resamples of 10,000 x 20 (with ``--r``: psych::alpha's
  ``n.iter = 2000`` for comparison).
* polychoric on the 25 bfi items and split_half by brute force on 20 bfi items (with
  ``--r``: psych's times).

* the edges (issue 17): alpha with every table on 1,000 x 20 against pingouin's alpha alone;
  2,000 x 800 (many items: med_r from one sort, O(k^2) memory) against pingouin; 1,000,000 x
  20 with 1% missing cells against the same data complete (time ratio, and peak memory
  against the input's size, measured with tracemalloc); with ``--r`` psych::alpha on the
  first two.

The machine is shared; each timing is the best of ``--repeat`` runs after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, run_r

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # time this checkout, not whichever copy is installed
import psychometrics as pm  # noqa: E402

BFI = ROOT / "tests" / "reference" / "data" / "bfi.csv"


def likert(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
    return np.clip(np.round(3.5 + z), 1, 6)


def r_time(script: str) -> float | None:
    """Seconds R reports for the timed expression (the script prints them last)."""
    out = run_r(script, label="   R")
    return None if out is None else float(out[-1])


def line(label: str, seconds: float | None, base: float | None = None) -> None:
    if seconds is None:
        print(f"  {label:<50} {'skipped':>10}")
        return
    ratio = f"   {seconds / base:7.2f}x" if base else ""
    print(f"  {label:<50} {seconds * 1000:9.1f} ms{ratio}")


def peak_mb(fn) -> float:
    """Peak memory (MB) that ``fn`` allocates through numpy/Python (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def r_alpha_time(X: np.ndarray, label: str) -> float | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.bin"
        X.astype("<f8").T.tofile(path)
        n, k = X.shape
        reps = 5 if n * k < 1e5 else 1
        return r_time(
            f"suppressMessages(library(psych)); x <- as.data.frame(matrix(readBin('{path}', "
            f"'double', {n * k}), ncol = {k})); t <- system.time(for (i in 1:{reps}) "
            f"alpha(x, warnings = FALSE, check.keys = FALSE))[['elapsed']] / {reps}; cat(t)")


def edges(args: argparse.Namespace) -> None:
    """Issue 17's edges: small n, many items, missing cells."""
    try:
        import pingouin
    except ImportError:
        pingouin = None
    for n, k in ((1_000, 20), (2_000, 800)):
        X = likert(n, k, 7)
        frame = pd.DataFrame(X, columns=[f"i{j}" for j in range(k)])
        rep = args.repeat * (20 if n * k < 1e5 else 1)
        print(f"\nalpha, {n:,} x {k} complete (every table)")
        t_ours = best_of(lambda f=frame: pm.alpha(f), rep)
        line("psychometrics.alpha (all tables, Feldt CI)", t_ours, t_ours)
        print(f"    peak memory {peak_mb(lambda f=frame: pm.alpha(f)):.1f} MB "
              f"(input {X.nbytes / 1e6:.1f} MB)")
        if pingouin is not None:
            t_pg = best_of(lambda f=frame: pingouin.cronbach_alpha(f), rep)
            line(f"pingouin {pingouin.__version__} cronbach_alpha (alpha + CI only)", t_pg,
                 t_ours)
        if args.r:
            line("R psych::alpha", r_alpha_time(X, "R"), t_ours)
    n, k = 1_000_000, 20
    X = likert(n, k, 8)
    Xm = X.copy()
    Xm[np.random.default_rng(9).random(X.shape) < 0.01] = np.nan
    print(f"\nalpha, {n:,} x {k}: 1% missing cells (pairwise) against complete")
    t_c = best_of(lambda: pm.alpha(X), args.repeat)
    t_m = best_of(lambda: pm.alpha(Xm), args.repeat)
    line("complete", t_c, t_c)
    line("1% missing cells (pairwise, blocked pass)", t_m, t_c)
    print(f"    peak memory with missing cells {peak_mb(lambda: pm.alpha(Xm)):.1f} MB "
          f"beyond the input ({Xm.nbytes / 1e6:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--r", action="store_true", help="also time R psych (slow)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--edges", action="store_true", help="only the issue-17 edge cases")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.edges:
        edges(args)
        return

    n, k = 1_000_000, 20
    X = likert(n, k, 1)
    keys = [-1 if j % 5 == 0 else 1 for j in range(k)]
    X[:, np.array(keys) < 0] = 7 - X[:, np.array(keys) < 0]
    print(f"alpha, {n:,} x {k} complete Likert data (1-6), 4 reversed items")
    t_xtx = best_of(lambda: X.T @ X, args.repeat)
    t_ours = best_of(lambda: pm.alpha(X, keys=keys), args.repeat)
    t_nokeys = best_of(lambda: pm.alpha(X), args.repeat)
    frame = pd.DataFrame(X, columns=[f"i{j}" for j in range(k)])
    t_frame = best_of(lambda: pm.alpha(frame, keys=keys), args.repeat)
    line("numpy X.T @ X (one pass, the floor)", t_xtx, t_xtx)
    line("psychometrics.alpha (all tables, Feldt CI)", t_ours, t_xtx)
    line("psychometrics.alpha, no keys", t_nokeys, t_xtx)
    line("psychometrics.alpha on a DataFrame", t_frame, t_xtx)
    try:
        import pingouin

        Xr = X.copy()
        Xr[:, np.array(keys) < 0] = 7 - Xr[:, np.array(keys) < 0]
        frame_r = pd.DataFrame(Xr)
        t_pg = best_of(lambda: pingouin.cronbach_alpha(frame_r), max(1, args.repeat // 2))
        line(f"pingouin {pingouin.__version__} cronbach_alpha (alpha + CI only)", t_pg, t_xtx)
        print(f"    -> psychometrics is {t_pg / t_ours:.1f}x faster than pingouin")
    except ImportError:
        line("pingouin.cronbach_alpha (not installed)", None)
    if args.r:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.bin"
            X.astype("<f8").T.tofile(path)  # column-major, as R's matrix
            rev = ",".join(f'"V{j + 1}"' for j in range(k) if keys[j] < 0)
            t_r = r_time(
                f"suppressMessages(library(psych)); x <- matrix(readBin('{path}', 'double', "
                f"{n * k}), ncol = {k}); colnames(x) <- paste0('V', 1:{k}); "
                f"x <- as.data.frame(x); "
                f"cat(system.time(alpha(x, keys = c({rev})))[['elapsed']])")
        line("R psych::alpha", t_r, t_xtx)
        if t_r:
            print(f"    -> psychometrics is {t_r / t_ours:.0f}x faster than psych")

    nb, kb, n_boot = 10_000, 20, 2000
    Xb = likert(nb, kb, 2)
    print(f"\nbootstrap CI of alpha, {n_boot} resamples of {nb:,} x {kb}")
    t_boot = best_of(lambda: pm.alpha(Xb, ci_method="bootstrap", n_boot=n_boot, seed=1),
                     max(1, args.repeat // 2))
    line("psychometrics.alpha(ci_method='bootstrap')", t_boot)
    Xm = Xb.copy()
    Xm[np.random.default_rng(3).random(Xm.shape) < 0.05] = np.nan
    t_boot_m = best_of(lambda: pm.alpha(Xm, ci_method="bootstrap", n_boot=n_boot, seed=1),
                       max(1, args.repeat // 2))
    line("  same with 5% missing (pairwise)", t_boot_m)
    if args.r:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "xb.bin"
            Xb.astype("<f8").T.tofile(path)
            t_rb = r_time(
                f"suppressMessages(library(psych)); options(mc.cores = 2); x <- as.data.frame("
                f"matrix(readBin('{path}', 'double', {nb * kb}), ncol = {kb})); "
                f"cat(system.time(alpha(x, n.iter = {n_boot}))[['elapsed']])")
        line("R psych::alpha(n.iter = 2000), 2 cores", t_rb, t_boot)

    if BFI.exists():
        bfi = pd.read_csv(BFI)
        items25 = bfi.iloc[:, :25]
        print("\npolychoric, 25 bfi items (2800 rows, missing values)")
        t_poly = best_of(lambda: pm.polychoric(items25), max(1, args.repeat // 2))
        line("psychometrics.polychoric", t_poly)
        items20 = bfi.iloc[:, :20]
        print("split_half, 20 bfi items, all 92,378 splits")
        t_split = best_of(lambda: pm.split_half(items20, brute=True), max(1, args.repeat // 2))
        line("psychometrics.split_half(brute=True)", t_split)
        if args.r:
            t_rp = r_time("suppressMessages(library(psych)); options(mc.cores = 2); "
                          "cat(system.time(polychoric(bfi[, 1:25]))[['elapsed']])")
            line("R psych::polychoric, 2 cores", t_rp, t_poly)
            t_rs = r_time("suppressMessages(library(psych)); "
                          "cat(system.time(splitHalf(bfi[, 1:20], brute = TRUE))"
                          "[['elapsed']])")
            line("R psych::splitHalf(brute = TRUE)", t_rs, t_split)

    edges(args)


if __name__ == "__main__":
    main()
