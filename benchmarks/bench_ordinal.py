"""Speed of ordinal stage 1 (thresholds, polychorics, Gamma) against lavaan 0.6.14.

Run by hand from the repository root:  python benchmarks/bench_ordinal.py [--no-r] [--repeat N]
(with the package installed, or PYTHONPATH=. for a checkout)

* the 25 bfi items (2,800 rows; 2,436 complete, used by both sides: listwise, as lavaan);
* 20 simulated one-factor items with 5 categories on 100,000 rows.

Each is timed with and without Gamma (the asymptotic covariance matrix WLSMV needs) for
``psychometrics.structural.ordinal_stats.ordinal_sample_stats`` and for lavaan's own stage-1
function ``lavaan:::muthen1984`` (``WLS.W = TRUE`` / ``FALSE``), R's time taken inside
``system.time`` on data already in memory (handed over as a binary file), so reading
and lavaan's model set-up are not counted. For bfi, ``pm.polychoric`` (psych's estimator)
and lavaan's whole ``cfa(..., ordered = TRUE, estimator = "WLSMV")`` of the five-factor
model are listed for context.

The machine is shared; each Python timing is the best of ``--repeat`` runs after a
warm-up, R's is one run.
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
from psychometrics.structural.ordinal_stats import ordinal_sample_stats

ROOT = Path(__file__).resolve().parents[1]
BFI = ROOT / "tests" / "reference" / "data" / "bfi.csv"

# The head of every R script here: lavaan, and the data matrix from the binary file that
# run_r_on writes (args 1-3: path, columns, rows); the script's own arguments follow.
R_READ = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(TRUE)
k <- as.integer(args[2])
x <- matrix(readBin(args[1], "double", as.integer(args[3]) * k), ncol = k)
"""

R_STAGE1 = R_READ + """x <- apply(x, 2, function(v) as.integer(ordered(v)))
nm <- paste0("V", 1:k)
colnames(x) <- nm
lev <- apply(x, 2, max)
go <- function(w) system.time(lavaan:::muthen1984(Data = x, ov.names = nm,
  ov.types = rep("ordered", k), ov.levels = lev, WLS.W = w))[["elapsed"]]
t_cor <- go(FALSE)
t_gamma <- go(TRUE)
t_cfa <- NA
if (length(args) > 3) {
  d <- as.data.frame(x)
  t_cfa <- system.time(cfa(args[4], data = d, ordered = TRUE,
                           estimator = "WLSMV"))[["elapsed"]]
}
cat(t_cor, t_gamma, t_cfa)
"""


def bfi_five_factors() -> tuple[pd.DataFrame, str]:
    """The 25 bfi items, listwise complete (2,436 of 2,800 rows) and named V1..V25, with the
    five-factor model of five items each."""
    bfi = pd.read_csv(BFI).iloc[:, :25].dropna()
    bfi.columns = [f"V{j + 1}" for j in range(25)]
    five = "\n".join(f"F{f + 1} =~ " + " + ".join(f"V{5 * f + j + 1}" for j in range(5))
                     for f in range(5))
    return bfi, five


def run_r_on(frame: pd.DataFrame, script: str, *args: str, label: str) -> list[str] | None:
    """``run_r`` with ``frame`` handed over as a binary file (read by ``R_READ``), so that
    R's timings do not count reading a CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.bin"
        frame.to_numpy(dtype="<f8").T.tofile(path)  # column-major, as R's matrix
        return run_r(script, str(path), str(frame.shape[1]), str(frame.shape[0]), *args,
                     label=label)


def simulated(n: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = 0.7 * rng.normal(size=(n, 1)) + 0.71 * rng.normal(size=(n, k))
    cuts = [-1.2, -0.4, 0.4, 1.2]
    return pd.DataFrame(np.digitize(z, cuts) + 1, columns=[f"V{j + 1}" for j in range(k)])


def line(label: str, seconds: float | None, base: float | None = None) -> None:
    if seconds is None or not np.isfinite(seconds):
        print(f"  {label:<58} {'skipped':>10}")
        return
    ratio = f"   {seconds / base:7.2f}x" if base else ""
    print(f"  {label:<58} {seconds * 1000:9.1f} ms{ratio}")


def r_times(frame: pd.DataFrame, model: str | None) -> tuple[float, float, float] | None:
    out = run_r_on(frame, R_STAGE1, *([] if model is None else [model]), label="  R")
    if out is None:
        return None
    return tuple(float(v) if v != "NA" else float("nan") for v in out[-3:])  # type: ignore[return-value]


def bench(title: str, frame: pd.DataFrame, repeat: int, use_r: bool,
          model: str | None = None) -> None:
    print(f"\n{title}: {frame.shape[0]:,} complete rows x {frame.shape[1]} items")
    t_cor = best_of(lambda: ordinal_sample_stats(frame, gamma=False), repeat)
    t_gam = best_of(lambda: ordinal_sample_stats(frame), repeat)
    line("psychometrics: thresholds + polychorics", t_cor, t_gam)
    line("psychometrics: thresholds + polychorics + Gamma", t_gam, t_gam)
    if model is not None:
        t_psych = best_of(lambda: pm.polychoric(frame), repeat)
        line("pm.polychoric (psych's estimator, no Gamma)", t_psych, t_gam)
    if not use_r:
        return
    r = r_times(frame, model)
    if r is None:
        return
    line("lavaan:::muthen1984(WLS.W = FALSE)", r[0], t_gam)
    line("lavaan:::muthen1984(WLS.W = TRUE)  (stage 1 with Gamma)", r[1], t_gam)
    if model is not None:
        line("lavaan cfa(ordered = TRUE, estimator = 'WLSMV'), whole fit", r[2], t_gam)
    print(f"    -> stage 1 with Gamma: psychometrics {r[1] / t_gam:.0f}x faster than lavaan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-r", action="store_true", help="skip R/lavaan")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    bfi, five = bfi_five_factors()
    bench("bfi, 25 items (2,800 rows, listwise)", bfi, args.repeat, not args.no_r, five)
    bench("simulated, 20 items with 5 categories", simulated(100_000, 20, 1), args.repeat,
          not args.no_r)


if __name__ == "__main__":
    main()
