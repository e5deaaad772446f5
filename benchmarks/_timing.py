"""Timing shared by the benchmark scripts (run by hand: python benchmarks/bench_*.py)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5, *, warm_up: bool = True) -> float:
    """Fastest of ``repeat`` calls, in seconds, after one untimed warm-up call (imports,
    caches, BLAS threads and page faults would otherwise land in the first timing)."""
    if warm_up:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_r(script: str, *args: str, label: str = "R", timeout: float | None = 1800
          ) -> list[str] | None:
    """Run an R script (source text) with ``args``; its printed tokens, or None (with the
    reason printed) when Rscript is missing or the script fails."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    if shutil.which("Rscript") is None:
        print(f"{label}: Rscript not found, skipped")
        return None
    path = Path(tempfile.mkdtemp()) / "bench.R"
    path.write_text(script)
    out = subprocess.run(["Rscript", str(path), *args], capture_output=True, text=True,
                         check=False, timeout=timeout)
    if out.returncode != 0:
        print(f"{label}: Rscript failed, skipped\n{out.stderr.strip()[-500:]}")
        return None
    return out.stdout.split()
