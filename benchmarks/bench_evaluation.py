"""Group comparisons and the whole evaluation, timed (run by hand).

    python benchmarks/bench_evaluation.py [--rows 200000] [--r]

Times ``pm.compare_groups`` (Welch and Student t, Mann-Whitney, Cohen's d and Hedges' g with
noncentral-t intervals, rank-biserial) of one score between two groups of ``--rows / 2``
each, a paired ``pm.change`` on ``--rows / 2`` pairs, and ``pm.evaluate`` of the bundled
study. ``--r`` times the same two-group statistics in R in the same run (t.test twice,
wilcox.test, effectsize's cohens_d, hedges_g and rank_biserial), when Rscript and
effectsize are installed; pingouin's ``ttest`` (and ``mwu`` up to 5,000 per group) as well
when it is installed.
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
from psychometrics.datasets import mentorship_study_path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--r", action="store_true", help="also time R (stats + effectsize)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", pm.NumericalWarning)

    rng = np.random.default_rng(1)
    half = args.rows // 2
    # scores on a 1-5 mean scale: many ties, as survey scores have
    score = np.round(np.clip(rng.normal(3.2, 0.8, args.rows), 1, 5) * 5) / 5
    score[:half] += 0.1
    data = pd.DataFrame({"score": score, "group": np.repeat(["a", "b"], [half, half])})

    t_cmp = best_of(lambda: pm.compare_groups(data, "score", "group"), repeat=3)
    pre, post = score[:half], score[half:]
    t_chg = best_of(lambda: pm.change(pre, post), repeat=3)
    t_eval = best_of(lambda: pm.evaluate(mentorship_study_path()), repeat=3)
    print(f"compare_groups, 2 x {half:,}   {t_cmp:7.3f} s")
    print(f"change, {half:,} pairs         {t_chg:7.3f} s")
    print(f"evaluate (bundled study)       {t_eval:7.3f} s")

    try:
        import pingouin as pg
    except ImportError:
        print("pingouin: not installed, skipped")
    else:
        a, b = score[:half], score[half:]
        t_pg = best_of(lambda: pg.ttest(a, b), repeat=3)
        print(f"pingouin ttest                 {t_pg:7.3f} s")
        if half <= 5_000:  # pingouin's mwu builds the n1 x n2 matrix of differences
            t_mwu = best_of(lambda: pg.mwu(a, b), repeat=3)
            print(f"pingouin mwu                   {t_mwu:7.3f} s")
        else:
            print("pingouin mwu: skipped above 5,000 per group (n1 x n2 memory)")

    if args.r:
        csv = Path(tempfile.mkdtemp()) / "scores.csv"
        data.to_csv(csv, index=False)
        script = (
            "suppressMessages(library(effectsize)); d <- read.csv(commandArgs(TRUE)[1]);"
            "x <- d$score[d$group == 'a']; y <- d$score[d$group == 'b'];"
            "t <- system.time({t.test(x, y); t.test(x, y, var.equal = TRUE);"
            "wilcox.test(x, y, correct = TRUE); cohens_d(x, y); hedges_g(x, y);"
            "rank_biserial(x, y)})[['elapsed']]; cat(t)")
        out = run_r(script, str(csv), label="R stats + effectsize")
        if out is not None:
            t_r = float(out[-1])
            print(f"R stats + effectsize           {t_r:7.3f} s  -> compare_groups is "
                  f"{t_r / t_cmp:.1f}x faster")


if __name__ == "__main__":
    main()
