"""Whole ordinal CFA fits (WLSMV) against lavaan 0.6.14, timed in the same run (issue 10).

Run by hand from the repository root:
    python benchmarks/bench_ordinal_cfa.py [--no-r] [--repeat N] [--r-repeat N] [--rows N]
(with the package installed, or PYTHONPATH=. for a checkout)

* the 25 bfi items as ordered (2,800 rows; 2,436 complete, listwise on both sides), the
  five-factor model;
* a one-factor model of 20 simulated items with 5 categories on ``--rows`` (100,000) rows.

What is timed: ``pm.cfa(data, model, ordered=True, estimator="WLSMV")`` does everything in
one call: stage 1 (thresholds, polychorics, Gamma), the DWLS fit, robust standard errors,
the scaled-and-shifted test, the baseline, scaled and robust (catML) fit indices,
standardized solutions and R2. lavaan's ``cfa(..., ordered = TRUE, estimator = "WLSMV")``
(stage 1, fit, SEs, tests, baseline) plus ``fitMeasures`` (its robust indices refit the
catML model), inside ``system.time`` on data already in memory (a binary file, so reading
is not counted). Python: best of ``--repeat`` after a warm-up; R: best of ``--r-repeat``.
The machine is shared (2 cores).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from _timing import best_of
from bench_ordinal import R_READ, bfi_five_factors, run_r_on, simulated

import psychometrics as pm

R_FIT = R_READ + """d <- as.data.frame(x)
names(d) <- paste0("V", 1:k)
model <- args[4]
reps <- as.integer(args[5])
go <- function() system.time({
  fit <- cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")
  fm <- fitMeasures(fit)
})[["elapsed"]]
t <- replicate(reps, go())
fit <- cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")
cat(min(t), fitMeasures(fit, "chisq.scaled"))
"""


def line(label: str, seconds: float | None, base: float | None = None) -> None:
    if seconds is None or not np.isfinite(seconds):
        print(f"  {label:<62} {'skipped':>10}")
        return
    ratio = f"   {seconds / base:7.1f}x" if base else ""
    print(f"  {label:<62} {seconds:9.3f} s{ratio}")


def bench(title: str, frame: pd.DataFrame, model: str, repeat: int, r_repeat: int,
          use_r: bool) -> None:
    print(f"\n{title}: {frame.shape[0]:,} complete rows x {frame.shape[1]} items")
    res = pm.cfa(frame, model, ordered=True, estimator="WLSMV")
    t_py = best_of(lambda: pm.cfa(frame, model, ordered=True, estimator="WLSMV"), repeat)
    line("psychometrics cfa(ordered=True, estimator='WLSMV')", t_py, t_py)
    print(f"    chisq_scaled {res.fit['chisq_scaled']:.6f}, {res.iterations} iterations")
    if not use_r:
        return
    out = run_r_on(frame, R_FIT, model.replace("\n", "; "), str(r_repeat), label="  lavaan")
    if out is None:
        return
    t_r, chisq_r = float(out[-2]), float(out[-1])
    line("lavaan cfa(ordered = TRUE, estimator = 'WLSMV') + fitMeasures", t_r, t_py)
    print(f"    lavaan chisq.scaled {chisq_r:.6f}; psychometrics {t_r / t_py:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-r", action="store_true", help="skip R/lavaan")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--r-repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    bfi, five = bfi_five_factors()
    bench("bfi, 25 ordered items, 5 factors (2,800 rows, listwise)", bfi, five, args.repeat,
          args.r_repeat, not args.no_r)
    sim = simulated(args.rows, 20, 1)
    one = "F =~ " + " + ".join(sim.columns)
    bench("simulated, 1 factor, 20 items with 5 categories", sim, one, args.repeat,
          max(1, args.r_repeat // 3), not args.no_r)


if __name__ == "__main__":
    main()
