"""alpha of integer columns (int64 from read_csv) equals alpha of the same data as floats,
without a float copy of the whole matrix (issue 17: items converted to float in blocks)."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm


def _pair(n: int, k: int, seed: int, dtype: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
    X = np.clip(np.round(3 + z), 1, 5).astype(dtype)
    ints = pd.DataFrame(X, columns=[f"q{j + 1}" for j in range(k)])
    return ints, ints.astype(float)


def _same(a: pm.AlphaResult, b: pm.AlphaResult) -> None:
    for name in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "var_r",
                 "signal_noise", "ase", "mean", "sd"):
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-12, abs=1e-14), name
    assert a.n == b.n
    for name in ("alpha_if_deleted", "item_stats", "response_freq"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=1e-12,
                                      atol=1e-14)
    assert (a.ci.lower, a.ci.upper) == pytest.approx((b.ci.lower, b.ci.upper), rel=1e-12)


@pytest.mark.parametrize("n, k, dtype", [(40, 8, "int64"), (5_000, 20, "int64"),
                                          (60_000, 12, "int64"), (30_000, 10, "int32"),
                                          (20_000, 6, "uint8")])
def test_integer_columns_give_the_float_results(n: int, k: int, dtype: str) -> None:
    ints, floats = _pair(n, k, seed=n + k, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        _same(pm.alpha(ints), pm.alpha(floats))
        keys = [-1 if j % 3 == 0 else 1 for j in range(k)]
        _same(pm.alpha(ints, keys=keys), pm.alpha(floats, keys=keys))
        _same(pm.alpha(ints, missing="listwise"), pm.alpha(floats, missing="listwise"))


def test_a_constant_integer_item_is_dropped_as_for_floats() -> None:
    ints, floats = _pair(3_000, 6, seed=3, dtype="int64")
    ints["q2"] = 4
    floats["q2"] = 4.0
    with pytest.warns(pm.NumericalWarning, match="zero variance"):
        a = pm.alpha(ints)
    with pytest.warns(pm.NumericalWarning, match="zero variance"):
        b = pm.alpha(floats)
    _same(a, b)


def test_bootstrap_interval_of_integer_columns() -> None:
    ints, floats = _pair(300, 6, seed=5, dtype="int64")
    a = pm.alpha(ints, ci_method="bootstrap", n_boot=200, seed=1)
    b = pm.alpha(floats, ci_method="bootstrap", n_boot=200, seed=1)
    assert (a.ci.lower, a.ci.upper) == pytest.approx((b.ci.lower, b.ci.upper), rel=1e-12)


def test_no_float_copy_of_an_int64_frame() -> None:
    ints, _ = _pair(200_000, 20, seed=7, dtype="int64")
    pm.alpha(ints)  # warm: first-call allocations are not the input's copy
    tracemalloc.start()
    try:
        pm.alpha(ints)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = ints.memory_usage(index=False).sum()
    # a whole float64 copy would be 1.0x the input; the pass widens cache-sized blocks
    assert peak < 0.2 * size, (peak, size)
