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
