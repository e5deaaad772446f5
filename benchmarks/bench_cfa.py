"""CFA timings against lavaan (Rscript) and semopy (run by hand).

    python benchmarks/bench_cfa.py [--rows 100000] [--items 20] [--repeat 7] [--no-fiml]

Cases: a one-factor CFA on ``--rows`` x ``--items`` simulated normal items; the classic
three-factor Holzinger-Swineford model (301 rows); with ``--fiml`` (default on) the same
model by full-information ML on the MCAR copy of the data and a five-factor model on
psych::bfi (2,800 rows, 25 items, ~90 missing-data patterns).

What is timed: ``psychometrics.cfa`` does everything in one call (estimates, standard
errors, fit measures with the baseline and RMSEA interval, standardized solutions,
residual correlations and modification indices); lavaan's ``cfa()`` (estimates, SEs, test
statistic and baseline; its ``fitMeasures`` and ``modindices`` would come on top); semopy's
``Model.fit`` + ``inspect`` (SEs) + ``calc_stats`` (fit indices). The best of ``--repeat``
runs is reported for each tool; R's startup and data reading are outside its timer.

factor-analyzer's ``ConfirmatoryFactorAnalyzer`` cannot be run (its ``fit`` fails with
scikit-learn >= 1.8 and its model-dict parser with pandas 3), so it is not timed.
semopy is a benchmark-only install (``pip install semopy``), not a dependency.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, run_r

from psychometrics.factor import cfa

DATA = Path(__file__).resolve().parents[1] / "tests" / "reference" / "data"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")


def one_factor_data(rows: int, items: int, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.4, 0.8, items)
    f = rng.standard_normal(rows)
    x = f[:, None] * lam + rng.standard_normal((rows, items)) * np.sqrt(1 - lam**2)
    return pd.DataFrame(x, columns=[f"i{j + 1}" for j in range(items)])


def time_lavaan(csv: Path, model: str, missing: str, repeat: int) -> float | None:
    script = f"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{csv.as_posix()}")
m <- "{model.replace(chr(10), '; ')}"
fit <- cfa(m, data = d, missing = "{missing}")
t <- replicate({repeat}, system.time(cfa(m, data = d, missing = "{missing}"))[["elapsed"]])
cat(min(t), "\\n")
"""
    out = run_r(script, label="lavaan")
    if out is None:
        return None
    # system.time has millisecond resolution; a 0 reading means "under 1 ms".
    return max(float(out[-1]), 0.001)


def time_semopy(data: pd.DataFrame, model: str, repeat: int) -> float | None:
    try:
        import semopy
    except ImportError:
        return None

    def run() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(model)
            m.fit(data)
            m.inspect()
            return semopy.calc_stats(m)

    return best_of(run, repeat)


def report(label: str, ours: float, others: dict[str, float | None]) -> None:
    print(f"\n{label}")
    print(f"  psychometrics.cfa  {ours * 1e3:9.1f} ms")
    for name, t in others.items():
        if t is None:
            print(f"  {name:<17}  (not available)")
        else:
            print(f"  {name:<17}  {t * 1e3:9.1f} ms   ratio {t / ours:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-fiml", action="store_true", help="skip the FIML cases")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        big = one_factor_data(args.rows, args.items)
        big_csv = Path(tmp) / "one_factor.csv"
        big.to_csv(big_csv, index=False)
        big_model = "g =~ " + " + ".join(big.columns)
        hs = pd.read_csv(DATA / "HolzingerSwineford1939.csv")
        cases = [
            (f"one factor, {args.items} items, {args.rows:,} rows (ML)", big, big_csv,
             big_model, "listwise"),
            ("Holzinger-Swineford, 3 factors, 301 rows (ML)", hs,
             DATA / "HolzingerSwineford1939.csv", HS_MODEL, "listwise"),
        ]
        if not args.no_fiml:
            cases += [
                ("Holzinger-Swineford MCAR, 3 factors (FIML)",
                 pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv"),
                 DATA / "HolzingerSwineford1939_mcar.csv", HS_MODEL, "fiml"),
                ("psych::bfi, 5 factors, 25 items, 2,800 rows (FIML)",
                 pd.read_csv(DATA / "bfi.csv"), DATA / "bfi.csv", BFI_MODEL, "fiml"),
            ]
        for label, data, csv, model, missing in cases:
            ours = best_of(lambda d=data, m=model, mi=missing: cfa(d, m, missing=mi),
                           args.repeat)
            others = {"lavaan::cfa": time_lavaan(csv, model, "ml" if missing == "fiml" else
                                                 "listwise", args.repeat)}
            if missing == "listwise":  # semopy's FIML is a different objective; not compared
                others["semopy"] = time_semopy(data, model, args.repeat)
            report(label, ours, others)
    print("\nfactor-analyzer: not timed (ConfirmatoryFactorAnalyzer.fit fails with "
          "scikit-learn >= 1.8)")


if __name__ == "__main__":
    main()
