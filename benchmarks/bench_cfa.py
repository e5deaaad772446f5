"""CFA and SEM timings against lavaan (Rscript) and semopy (run by hand).

    python benchmarks/bench_cfa.py [--rows 100000] [--items 20] [--repeat 7] [--no-fiml]
                                   [--no-sem] [--patterns-rows 5000 20000 100000]
                                   [--patterns-lavaan-max 5000]

The engine cases (issue 9), timed in the same run: a two-group invariance ladder (configural,
metric, scalar, strict and the likelihood-ratio tests) on 2,800 x 10; MLR (robust standard
errors and the scaled test) on ``--rows`` x ``--items``; a structural model of 20 items
(four factors regressed in a chain) on 5,000 rows; FIML with many missing-data patterns
(``--patterns-rows`` x 25 items, 10% missing completely at random, with the listwise fit
of the same model; issue 17), once each; lavaan only up to ``--patterns-lavaan-max`` rows.

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


def time_r_calls(csv: Path, calls: list[str], repeat: int, label: str = "lavaan",
                 tail: str = "", warm_up: bool = True) -> float | None:
    """Best of ``repeat`` runs of R calls (each a string evaluated with ``d`` the data) and
    an optional ``tail`` (e.g. lavTestLRT of the fits), after one untimed run."""
    body = "\n".join(f"  f{k} <- {c}" for k, c in enumerate(calls))
    script = f"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{csv.as_posix()}")
run <- function() {{
{body}
  {tail}
}}
{"run()" if warm_up else ""}
t <- replicate({repeat}, system.time(run())[["elapsed"]])
cat(min(t), "\\n")
"""
    out = run_r(script, label=label)
    return None if out is None else max(float(out[-1]), 0.001)


def two_group_data(rows: int = 2800, seed: int = 11) -> pd.DataFrame:
    """Two factors of five items each; the second group has shifted intercepts."""
    rng = np.random.default_rng(seed)
    lam = np.kron(np.eye(2), np.full((1, 5), 0.7))
    f = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=rows)
    x = f @ lam + rng.normal(scale=0.6, size=(rows, 10))
    group = np.repeat(["a", "b"], rows // 2)
    x[group == "b"] += np.linspace(0.0, 0.3, 10)
    out = pd.DataFrame(x, columns=[f"v{j + 1}" for j in range(10)])
    return out.assign(grp=group)


def chain_data(rows: int = 5000, seed: int = 12) -> pd.DataFrame:
    """Four factors of five items, f2 ~ f1, f3 ~ f1 + f2, f4 ~ f3."""
    rng = np.random.default_rng(seed)
    f1 = rng.standard_normal(rows)
    f2 = 0.5 * f1 + rng.normal(scale=0.8, size=rows)
    f3 = 0.3 * f1 + 0.4 * f2 + rng.normal(scale=0.7, size=rows)
    f4 = 0.6 * f3 + rng.normal(scale=0.8, size=rows)
    cols = {}
    for k, f in enumerate((f1, f2, f3, f4)):
        for j in range(5):
            cols[f"y{k + 1}{j + 1}"] = 0.75 * f + rng.normal(scale=0.6, size=rows)
    return pd.DataFrame(cols)


CHAIN_MODEL = "\n".join(
    [f"f{k} =~ " + " + ".join(f"y{k}{j}" for j in range(1, 6)) for k in range(1, 5)]
    + ["f2 ~ f1", "f3 ~ f1 + f2", "f4 ~ f3"])
LADDER = [[], ["loadings"], ["loadings", "intercepts"], ["loadings", "intercepts", "residuals"]]


def engine_cases(args: argparse.Namespace, tmp: Path) -> None:
    from psychometrics import lrt
    from psychometrics.structural import sem

    # 1. the invariance ladder
    data = two_group_data()
    csv = tmp / "two_group.csv"
    data.to_csv(csv, index=False)
    model = "F1 =~ v1 + v2 + v3 + v4 + v5\nF2 =~ v6 + v7 + v8 + v9 + v10"

    def ladder() -> object:
        fits = [cfa(data, model, group="grp", group_equal=eq) for eq in LADDER]
        return lrt(*fits)

    ours = best_of(ladder, args.repeat)
    r_model = model.replace("\n", "; ")
    calls = [f'cfa("{r_model}", data = d, group = "grp", group.equal = '
             f'c({", ".join(repr(e) for e in eq)}))' if eq else
             f'cfa("{r_model}", data = d, group = "grp")' for eq in LADDER]
    others = {"lavaan": time_r_calls(csv, calls, args.repeat,
                                     tail="lavTestLRT(f0, f1, f2, f3)"),
              "semopy": None}
    report("invariance ladder: 4 two-group models + LRT, 2,800 x 10 (ML)", ours, others)
    print("  (semopy: no multi-group equality constraints, not timed)")

    # 2. MLR on a large sample
    big = one_factor_data(args.rows, args.items)
    big_csv = tmp / "mlr.csv"
    big.to_csv(big_csv, index=False)
    big_model = "g =~ " + " + ".join(big.columns)
    ours = best_of(lambda: cfa(big, big_model, estimator="MLR"), args.repeat)
    others = {"lavaan": time_r_calls(big_csv, [f'cfa("{big_model}", data = d, '
                                               'estimator = "MLR")'], args.repeat),
              "semopy": time_semopy(big, big_model, args.repeat, robust=True)}
    report(f"MLR, one factor, {args.items} items, {args.rows:,} rows", ours, others)

    # 3. a structural model with 20 items
    chain = chain_data()
    chain_csv = tmp / "chain.csv"
    chain.to_csv(chain_csv, index=False)
    ours = best_of(lambda: sem(chain, CHAIN_MODEL), args.repeat)
    others = {"lavaan": time_r_calls(chain_csv, [f'sem("{CHAIN_MODEL.replace(chr(10), "; ")}", '
                                                 'data = d)'], args.repeat),
              "semopy": time_semopy(chain, CHAIN_MODEL, args.repeat)}
    report("structural model: 4 factors in a chain, 20 items, 5,000 rows (ML)", ours, others)

    # 4. FIML with many missing-data patterns, in n (once each: lavaan takes long, so it is
    # timed once, without a warm-up, and only up to --patterns-lavaan-max rows)
    for rows in args.patterns_rows:
        rng = np.random.default_rng(13)
        holed = one_factor_data(rows, 25)
        values = holed.to_numpy().copy()
        values[rng.random(values.shape) < 0.10] = np.nan
        holed = pd.DataFrame(values, columns=holed.columns)
        n_patterns = len(np.unique(np.packbits(~np.isnan(values), axis=1), axis=0))
        holed_csv = tmp / f"patterns_{rows}.csv"
        holed.to_csv(holed_csv, index=False)
        holed_model = "g =~ " + " + ".join(holed.columns)
        ours = best_of(lambda h=holed, m=holed_model: cfa(h, m, missing="fiml"), 1,
                       warm_up=False)
        listwise = best_of(lambda h=holed, m=holed_model: cfa(h.dropna(), m), 3)
        others: dict[str, float | None] = {}
        if rows <= args.patterns_lavaan_max:
            others["lavaan"] = time_r_calls(holed_csv, [f'cfa("{holed_model}", data = d, '
                                                        'missing = "ml")'], 1, warm_up=False)
        report(f"FIML, one factor, 25 items, {rows:,} rows, {n_patterns:,} "
               "missing-data patterns", ours, others)
        print(f"  (the listwise fit of the same model: {listwise * 1e3:.1f} ms; FIML / "
              f"listwise = {ours / listwise:.0f}x)")


def time_semopy(data: pd.DataFrame, model: str, repeat: int,
                robust: bool = False) -> float | None:
    try:
        import semopy
    except ImportError:
        return None

    def run() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = semopy.Model(model)
            m.fit(data)
            m.inspect(se_robust=robust)
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
    parser.add_argument("--no-sem", action="store_true",
                        help="skip the engine cases (ladder, MLR, structural, patterns)")
    parser.add_argument("--patterns-rows", type=int, nargs="+",
                        default=[5_000, 20_000, 100_000],
                        help="rows of the many-patterns FIML cases")
    parser.add_argument("--patterns-lavaan-max", type=int, default=5_000,
                        help="time lavaan on the many-patterns cases up to this many rows "
                             "(it takes about 40 s at 5,000)")
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
        if not args.no_sem:
            engine_cases(args, Path(tmp))
    print("\nfactor-analyzer: not timed (ConfirmatoryFactorAnalyzer.fit fails with "
          "scikit-learn >= 1.8)")


if __name__ == "__main__":
    main()
