"""Reading the committed R fixtures (tests/reference/): one place for the parity tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REF = Path(__file__).parent / "reference"


def names(x: str | list[str]) -> list[str]:
    """R's JSON writes a length-1 character vector as a plain string: always a list."""
    return [x] if isinstance(x, str) else list(x)


def matrix(m: dict) -> np.ndarray:
    """A matrix written by tests/reference/_common.R's ``mat()`` (row-major data)."""
    return np.asarray(m["data"], dtype=float).reshape(len(names(m["rows"])), -1)


def numbers(values: object) -> np.ndarray:
    """Numbers from R's JSON, with null (NA) as NaN."""
    return np.array(values, dtype=float)
