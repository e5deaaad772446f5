"""Progress reporting for long computations (bootstrap, parallel analysis).

Statistics accept ``progress=None | True | callable``. A callable is called as
``progress(done, total)``; ``True`` draws a bar on stderr (what the CLI passes). The
statistics stay silent by default, so library use and tests print nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[int, int], None]


class ProgressBar:
    """A dependency-free text bar, redrawn at most ten times a second."""

    def __init__(self, label: str = "", stream: TextIO | None = None, width: int = 30):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 1.0
        filled = round(self.width * frac)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()


def resolve_progress(progress: bool | ProgressCallback | None, label: str = "") -> ProgressCallback:
    """Turn the user's ``progress`` argument into a callable (a no-op when falsy)."""
    if progress is None or progress is False:
        return lambda done, total: None
    if progress is True:
        return ProgressBar(label)
    if callable(progress):
        return progress
    raise TypeError(f"progress must be None, a bool or a callable, not {type(progress).__name__}")
