"""Validate + score a 20-item instrument on 1,000,000 respondents (run by hand).

    python benchmarks/bench_core.py [--rows 1000000] [--r]

Target (issue 2): validate + score in under 0.3 s on a 2-core machine, memory within a few
copies of the input. ``--r`` also times R's psych::scoreItems on the same data (about 3.6 s
measured here), when Rscript and psych are installed.

Issue 17 adds the edges: an int64 frame (as ``read_csv`` gives complete data), a row-major
frame (built from one 2-D array), and validate + score reading the items once
(``score(data, inst, report=validate(data, inst))``).
"""

from __future__ import annotations

import argparse
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of, run_r

import psychometrics as pm

ITEMS = 20
YAML = "\n".join([
    "id: bench-20", "name: Benchmark scale", "version: 1.0.0", "follows: none",
    "construct: none", "description: 20 Likert items for timing.",
    "citations: [{text: none}]", "licence: {item_text: free, note: none}",
    "response_scales: {agree5: {values: [1, 2, 3, 4, 5], labels: {1: a, 2: b, 3: c, 4: d, 5: e}}}",
    "response_scale: agree5", "missing_codes: [-99]", "items:",
    *[f"  - {{id: q{j}, text: item {j}, reverse: {str(j % 5 == 0).lower()}}}"
      for j in range(1, ITEMS + 1)],
    "scales:",
    f"  total: {{name: Total, items: [{', '.join(f'q{j}' for j in range(1, ITEMS + 1))}], "
    "method: mean, min_answered: 15}",
    f"  half: {{name: Half, items: [{', '.join(f'q{j}' for j in range(1, 11))}], method: sum}}",
])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--r", action="store_true", help="also time psych::scoreItems")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    (tmp / "bench-20.yaml").write_text(YAML)
    inst = pm.load_instrument(tmp / "bench-20.yaml")
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 6, size=(args.rows, ITEMS)),
                        columns=[f"q{j}" for j in range(1, ITEMS + 1)])
    data = data.mask(rng.random(data.shape) < 0.01)  # 1% missing answers (float columns)
    input_mb = data.memory_usage(deep=True).sum() / 2**20

    t_val = best_of(lambda: pm.validate(data, inst))
    t_score = best_of(lambda: pm.score(data, inst))
    tracemalloc.start()
    pm.validate(data, inst)
    pm.score(data, inst)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    print(f"{args.rows:,} rows x {ITEMS} items (input {input_mb:.0f} MB)")
    print(f"validate          {t_val:7.3f} s")
    print(f"score             {t_score:7.3f} s")
    print(f"validate + score  {t_val + t_score:7.3f} s   (target < 0.3 s)")
    print(f"peak extra memory {peak_mb:7.0f} MB  ({peak_mb / input_mb:.1f} x the input)")

    # The edges: int64 and row-major input; validate + score preparing the items once.
    ints = pd.DataFrame(rng.integers(1, 6, size=(args.rows, ITEMS)), columns=data.columns)
    rowmajor = pd.DataFrame(np.ascontiguousarray(data.to_numpy()), columns=data.columns)
    for label, frame in (("int64 frame", ints), ("row-major frame", rowmajor)):
        t_v = best_of(lambda f=frame: pm.validate(f, inst))
        t_s = best_of(lambda f=frame: pm.score(f, inst))
        print(f"{label:<17} validate {t_v:6.3f} s  score {t_s:6.3f} s  "
              f"together {t_v + t_s:6.3f} s")
    t_once = best_of(lambda: pm.score(data, inst, report=pm.validate(data, inst)))
    print(f"validate + score, items prepared once  {t_once:7.3f} s")

    if args.r:
        csv = tmp / "data.csv"
        data.to_csv(csv, index=False)
        script = (f"suppressMessages(library(psych)); x <- as.matrix(read.csv('{csv}'));"
                  "keys <- list(total = ifelse(seq_len(20) %% 5 == 0, -(1:20), 1:20));"
                  "t <- system.time(scoreItems(keys, x, min = 1, max = 5))[['elapsed']];"
                  "cat(t)")
        out = run_r(script, label="R psych::scoreItems")
        if out is None:
            return
        t_r = float(out[-1])
        print(f"R psych::scoreItems {t_r:7.3f} s  -> ours is {t_r / (t_val + t_score):.1f}x "
              "faster (validate + score)")


if __name__ == "__main__":
    main()
