"""Start-up time of the command line (run by hand).

    python benchmarks/bench_cli.py [--runs 20]

Target (issue 17): ``psychometrics --help`` under 100 ms and ``psychometrics list`` under
150 ms, beside Python's own start (``python -c pass``) measured in the same run. For where the
time goes: ``python -X importtime -m psychometrics list 2>&1 | sort -t'|' -k2 -n | tail``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, cwd=ROOT)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    py = [sys.executable]
    cases = [("python -c pass", [*py, "-c", "pass"], None),
             ("psychometrics --help", [*py, "-m", "psychometrics", "--help"], 0.100),
             ("psychometrics list", [*py, "-m", "psychometrics", "list"], 0.150)]
    for label, argv, target in cases:
        times = timed(argv, args.runs)
        aim = f"   (target < {target * 1e3:.0f} ms)" if target else ""
        print(f"{label:<22} median {statistics.median(times) * 1e3:6.1f} ms  "
              f"min {min(times) * 1e3:6.1f} ms{aim}")


if __name__ == "__main__":
    main()
