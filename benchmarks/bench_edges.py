"""Issue 17's edges in one run, beside pingouin, semopy and lavaan (run by hand).

    python benchmarks/bench_edges.py [--repeat 5] [--r] [--fiml-rows 5000 20000 100000]
                                     [--lavaan-max 5000] [--semopy-timeout 60] [--no-cli]
                                     [--no-alpha] [--no-fiml]

* alpha with every table at small n (40, 200, 1,000 respondents x 20 items: this package's
  users have 40-200) against pingouin's ``cronbach_alpha`` (alpha and its CI only);
  with ``--r`` psych::alpha through Rscript.
* alpha in k: 2,000 x 100 / 400 / 800 items (``med_r`` from one sort) against pingouin.
* alpha with 1% missing cells (pairwise, blocked pass) against the same data complete, in n
  (100,000 and 1,000,000 x 20).
* FIML with many missing-data patterns (one factor, 10% MCAR) in n (``--fiml-rows`` x 25
  items) and in k (20,000 rows x 10 / 25 / 40 items), each beside the listwise fit of the
  same model; lavaan ``cfa(missing = "ml")`` (Rscript, timed inside R) up to
  ``--lavaan-max`` rows, semopy ``fit(obj="FIML")`` in a subprocess stopped after
  ``--semopy-timeout`` seconds; FIML with MLR (robust SEs and the Yuan-Bentler test).
* the CLI start (``bench_cli.py``).

Each timing is the best of ``--repeat`` runs after a warm-up (the FIML and peer fits once:
they take seconds). The machine is shared: ratios measured in the same run are what to read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, run_r

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # time this checkout, not whichever copy is installed
import psychometrics as pm  # noqa: E402
from psychometrics.factor import cfa  # noqa: E402


def likert(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
    return np.clip(np.round(3.5 + z), 1, 6)


def one_factor_holed(rows: int, items: int, rate: float = 0.10, seed: int = 13
                     ) -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    lam = rng.uniform(0.4, 0.8, items)
    f = rng.standard_normal(rows)
    x = f[:, None] * lam + rng.standard_normal((rows, items)) * np.sqrt(1 - lam**2)
    x[np.random.default_rng(seed).random(x.shape) < rate] = np.nan
    return pd.DataFrame(x, columns=[f"i{j + 1}" for j in range(items)])


def line(label: str, seconds: float | None, base: float | None = None,
         note: str = "") -> None:
    if seconds is None:
        print(f"  {label:<52} {'skipped':>10}  {note}")
        return
    ratio = f"   {seconds / base:8.2f}x" if base else ""
    ms = seconds * 1000
    print(f"  {label:<52} {ms:10.{2 if ms < 10 else 1}f} ms{ratio}  {note}")


def r_alpha(X: np.ndarray) -> float | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.bin"
        X.astype("<f8").T.tofile(path)
        n, k = X.shape
        out = run_r(
            f"suppressMessages(library(psych)); x <- as.data.frame(matrix(readBin('{path}', "
            f"'double', {n * k}), ncol = {k})); t <- system.time(for (i in 1:5) "
            "alpha(x, warnings = FALSE, check.keys = FALSE))[['elapsed']] / 5; cat(t)",
            label="   R")
        return None if out is None else float(out[-1])


def lavaan_fiml(frame: pd.DataFrame, model: str, estimator: str = "ML") -> float | None:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        frame.to_csv(csv, index=False)
        out = run_r(
            f"""suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{csv.as_posix()}")
t <- system.time(fit <- cfa("{model}", data = d, missing = "ml",
                            estimator = "{estimator}"))[["elapsed"]]
cat(t)""", label="   lavaan")
        return None if out is None else float(out[-1])


SEMOPY = """
import sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
import semopy
d = pd.read_csv(sys.argv[1])
m = semopy.Model(sys.argv[2])
t = time.perf_counter()
m.fit(d, obj="FIML")
print(time.perf_counter() - t)
"""


def semopy_fiml(frame: pd.DataFrame, model: str, timeout: float) -> tuple[float | None, str]:
    try:
        import semopy  # noqa: F401
    except ImportError:
        return None, "(semopy not installed)"
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        frame.to_csv(csv, index=False)
        try:
            out = subprocess.run([sys.executable, "-c", SEMOPY, str(csv), model],
                                 capture_output=True, text=True, timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            return None, f"(semopy: stopped after {timeout:.0f} s)"
        except subprocess.CalledProcessError as exc:
            return None, f"(semopy failed: {exc.stderr.strip()[-120:]})"
        return float(out.stdout.split()[-1]), "(semopy fit only, obj='FIML')"


def alpha_cases(args: argparse.Namespace) -> None:
    try:
        import pingouin
    except ImportError:
        pingouin = None
    print("\n== alpha with every table, small n (20 items) ==")
    for n in (40, 200, 1_000):
        X = likert(n, 20, 7)
        frame = pd.DataFrame(X, columns=[f"i{j}" for j in range(20)])
        rep = args.repeat * 40
        t_ours = best_of(lambda f=frame: pm.alpha(f), rep)
        print(f" {n:,} x 20")
        line("psychometrics.alpha (all tables, Feldt CI)", t_ours, t_ours)
        if pingouin is not None:
            t_pg = best_of(lambda f=frame: pingouin.cronbach_alpha(f), rep)
            line(f"pingouin {pingouin.__version__} cronbach_alpha (alpha + CI)", t_pg, t_ours)
        if args.r:
            line("R psych::alpha", r_alpha(X), t_ours)

    print("\n== alpha with every table, in k (2,000 rows) ==")
    for k in (100, 400, 800):
        X = likert(2_000, k, 7)
        frame = pd.DataFrame(X, columns=[f"i{j}" for j in range(k)])
        t_ours = best_of(lambda f=frame: pm.alpha(f), args.repeat)
        print(f" 2,000 x {k}")
        line("psychometrics.alpha (all tables, Feldt CI)", t_ours, t_ours)
        if pingouin is not None:
            t_pg = best_of(lambda f=frame: pingouin.cronbach_alpha(f), args.repeat)
            line(f"pingouin {pingouin.__version__} cronbach_alpha (alpha + CI)", t_pg, t_ours)

    print("\n== alpha, 1% missing cells (pairwise) against complete, in n (20 items) ==")
    for n in (100_000, 1_000_000):
        X = likert(n, 20, 8)
        Xm = X.copy()
        Xm[np.random.default_rng(9).random(X.shape) < 0.01] = np.nan
        t_c = best_of(lambda x=X: pm.alpha(x), args.repeat)
        t_m = best_of(lambda x=Xm: pm.alpha(x), args.repeat)
        print(f" {n:,} x 20")
        line("complete", t_c, t_c)
        line("1% missing cells (pairwise, blocked pass)", t_m, t_c)
        if pingouin is not None:  # pingouin drops incomplete rows (listwise)
            frame = pd.DataFrame(Xm)
            t_pg = best_of(lambda f=frame: pingouin.cronbach_alpha(f), args.repeat)
            line("pingouin cronbach_alpha (listwise)", t_pg, t_c)


def fiml_case(rows: int, items: int, args: argparse.Namespace, mlr: bool = False) -> None:
    frame = one_factor_holed(rows, items)
    model = "g =~ " + " + ".join(frame.columns)
    values = frame.to_numpy()
    n_patterns = len(np.unique(np.packbits(~np.isnan(values), axis=1), axis=0))
    estimator = "MLR" if mlr else "ML"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        listwise = best_of(lambda: cfa(frame.dropna(), model, estimator=estimator), 3)
        start = time.perf_counter()
        cfa(frame, model, missing="fiml", estimator=estimator)
        ours = time.perf_counter() - start
    print(f" {rows:,} x {items}, {n_patterns:,} patterns ({estimator})")
    line("psychometrics cfa(missing='fiml')", ours, ours,
         f"= {ours / listwise:.0f}x the listwise fit ({listwise * 1e3:.1f} ms)")
    if rows <= args.lavaan_max:
        line("lavaan cfa(missing='ml') (inside R)", lavaan_fiml(frame, model, estimator), ours)
    else:
        line("lavaan cfa(missing='ml')", None, note=f"(not run above {args.lavaan_max:,} rows)")
    if not mlr and rows <= args.lavaan_max:
        t, note = semopy_fiml(frame, model, args.semopy_timeout)
        line("semopy Model.fit(obj='FIML')", t, ours, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--r", action="store_true", help="also psych::alpha (Rscript)")
    parser.add_argument("--fiml-rows", type=int, nargs="+", default=[5_000, 20_000, 100_000])
    parser.add_argument("--lavaan-max", type=int, default=5_000)
    parser.add_argument("--semopy-timeout", type=float, default=60.0)
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--no-alpha", action="store_true")
    parser.add_argument("--no-fiml", action="store_true")
    args = parser.parse_args()

    if not args.no_alpha:
        alpha_cases(args)
    if not args.no_fiml:
        print("\n== FIML, one factor, 10% MCAR, in n (25 items) ==")
        for rows in args.fiml_rows:
            fiml_case(rows, 25, args)
        print("\n== FIML, one factor, 10% MCAR, in k (20,000 rows) ==")
        for items in (10, 25, 40):
            fiml_case(20_000, items, args)
        print("\n== FIML with MLR (robust SEs, Yuan-Bentler test) ==")
        fiml_case(5_000, 25, args, mlr=True)
        fiml_case(100_000, 25, args, mlr=True)
    if not args.no_cli:
        print("\n== CLI start (benchmarks/bench_cli.py) ==")
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_cli.py")],
                             capture_output=True, text=True, check=False, cwd=ROOT)
        print(out.stdout.rstrip() or out.stderr.strip()[-500:])


if __name__ == "__main__":
    main()
