"""alpha's small complete-data path (``_alpha_small``) equals the general path (blocked pass
+ ``_fit_alpha``) on random data: every number and table to 1e-10, the same labels and the
same warnings; and it hands everything unusual (missing cells, constant items, collinear
items, infinite values) to the general path before warning about anything."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import psychometrics as pm
from psychometrics.coefficients import _alpha as A
from psychometrics.coefficients._alpha_small import small_complete_fit
from psychometrics.errors import NumericalWarning

SCALARS = ("raw", "std", "g6", "av_r", "sn", "var_r", "med_r", "ase", "mean", "sd")
RESULT = {"raw": "raw_alpha", "std": "std_alpha", "g6": "g6", "av_r": "average_r",
          "sn": "signal_noise", "var_r": "var_r", "med_r": "median_r", "ase": "ase",
          "mean": "mean", "sd": "sd"}


@st.composite
def alpha_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, bool]:
    """Items (Likert, half-point, continuous or wide-range codings), keys, and whether the
    keys are given; sometimes missing cells, a constant item or a duplicated item."""
    k = draw(st.integers(3, 25))
    # mostly more respondents than items (fewer make R singular: the general path)
    n = draw(st.one_of(st.integers(k + 2, 300), st.integers(3, 300)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    loading = draw(st.sampled_from([0.0, 0.3, 1.0, 2.0]))
    z = loading * rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
    coding = draw(st.sampled_from(["likert", "likert0", "half", "continuous", "wide"]))
    if coding == "likert":
        X = np.clip(np.round(3 + z), 1, 5)
    elif coding == "likert0":
        X = np.clip(np.round(3 + z), 0, 6)
    elif coding == "half":  # few values that are not integers: counted by np.unique
        X = np.clip(np.round(2 * (3 + z)) / 2, 1, 5)
    elif coding == "continuous":  # no response table
        X = 10 + 3 * z
    else:  # integers past int8 and past psych's 10 categories
        X = np.round(100 + 40 * z)
    keys_given = draw(st.booleans())
    signs = (np.where(rng.random(k) < 0.3, -1.0, 1.0) if keys_given else np.ones(k))
    if keys_given:  # reverse-worded items, so that the keys are right
        X = np.where(signs < 0, X.max() + X.min() - X, X)
    trouble = draw(st.sampled_from(["none"] * 6 + ["missing", "constant", "duplicate"]))
    if trouble == "missing":
        X[rng.random(X.shape) < draw(st.sampled_from([0.005, 0.05]))] = np.nan
    elif trouble == "constant":
        X[:, int(rng.integers(k))] = 3.0
    elif trouble == "duplicate":
        X[:, 1] = X[:, 0]
    return X, signs, keys_given


def _run(fn: Any) -> tuple[Any, list[str], type[BaseException] | None]:
    """fn()'s value, the messages of its warnings, and the type of error it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = fn(), None
        except ValueError as exc:
            value, error = None, type(exc)
    return value, [str(w.message) for w in caught], error


def _general(X: np.ndarray, names: list[str], signs: np.ndarray,
             keys_given: bool) -> dict[str, Any]:
    return A._fit_alpha(A._moments(X, signs=signs), names, signs, keys_given=keys_given)


def _assert_same_fit(fast: dict[str, Any], old: dict[str, Any]) -> None:
    for key in SCALARS:
        assert fast[key] == pytest.approx(old[key], rel=1e-10, abs=1e-10, nan_ok=True), key
    assert fast["k"] == old["k"]
    assert fast["labels"] == old["labels"]
    np.testing.assert_array_equal(fast["good"], old["good"])
    np.testing.assert_array_equal(fast["n_items"], old["n_items"])
    for table in ("drop", "items", "freq"):
        pd.testing.assert_frame_equal(fast[table], old[table], check_exact=False,
                                      rtol=1e-10, atol=1e-10)


@settings(max_examples=200, deadline=None)
@given(alpha_data())
def test_small_path_equals_general_path(case: tuple[np.ndarray, np.ndarray, bool]) -> None:
    X, signs, keys_given = case
    k = X.shape[1]
    names = [f"V{j + 1}" for j in range(k)]
    fast, fast_warnings, fast_error = _run(
        lambda: small_complete_fit(X, names, signs, keys_given=keys_given,
                                   max_cells=A._BLOCK_CELLS))
    assert fast_error is None  # it never raises: errors are the general path's to give
    old, old_warnings, old_error = _run(lambda: _general(X, names, signs, keys_given))
    if fast is None:
        event("handed to the general path")
        assert fast_warnings == []  # declined before warning about anything
        return
    event(f"small path, keys given: {keys_given}")
    assert not np.isnan(X).any()  # missing cells always go to the general path
    assert old_error is None
    assert fast_warnings == old_warnings  # psych's reversal advice, or nothing
    _assert_same_fit(fast, old)


@settings(max_examples=60, deadline=None)
@given(alpha_data(), st.sampled_from(["feldt", "duhachek"]))
def test_public_alpha_equals_general_path(case: tuple[np.ndarray, np.ndarray, bool],
                                          ci_method: str) -> None:
    """Through pm.alpha (a DataFrame, keys by name), whichever path it takes."""
    X, signs, keys_given = case
    k = X.shape[1]
    names = [f"q{j}" for j in range(k)]
    frame = pd.DataFrame(X, columns=names)
    keys = [n for n, s in zip(names, signs, strict=True) if s < 0] if keys_given else None
    got, got_warnings, got_error = _run(lambda: pm.alpha(frame, keys=keys,
                                                         ci_method=ci_method))
    # the frame's own (column-major) matrix, so rounding-level numbers in the warnings agree
    Y = frame.to_numpy()
    old, old_warnings, old_error = _run(lambda: _general(Y, names, signs, keys_given))
    assert got_error == old_error
    if old is None:
        return
    assert got_warnings == old_warnings
    for key, attr in RESULT.items():
        assert getattr(got, attr) == pytest.approx(old[key], rel=1e-10, abs=1e-10,
                                                   nan_ok=True), attr
    assert got.n_items == old["k"]
    pd.testing.assert_frame_equal(got.alpha_if_deleted, old["drop"], check_exact=False,
                                  rtol=1e-10, atol=1e-10)
    pd.testing.assert_frame_equal(got.item_stats, old["items"], check_exact=False,
                                  rtol=1e-10, atol=1e-10)
    pd.testing.assert_frame_equal(got.response_freq, old["freq"], check_exact=False,
                                  rtol=1e-10, atol=1e-10)


def _likert(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.round(3.5 + rng.normal(size=(n, 1)) + rng.normal(size=(n, k))), 1, 6)


@pytest.mark.parametrize("n", [40, 200, 1_000])
def test_ordinary_small_data_take_the_small_path(n: int) -> None:
    """The case the path is for (20 Likert items, complete) does take it, all tables
    included, at the sizes of issue 17's benchmark."""
    X = _likert(n, 20, 7)
    names = [f"i{j}" for j in range(20)]
    fast = small_complete_fit(X, names, np.ones(20), keys_given=False,
                              max_cells=A._BLOCK_CELLS)
    assert fast is not None
    assert list(fast["freq"].columns) == ["1", "2", "3", "4", "5", "6", "miss"]
    _assert_same_fit(fast, _general(X, names, np.ones(20), False))


def test_unusual_data_are_handed_to_the_general_path() -> None:
    X = _likert(200, 6, 3)
    names = [f"V{j + 1}" for j in range(6)]
    ones = np.ones(6)

    def small(Y: np.ndarray, cells: int = A._BLOCK_CELLS) -> dict[str, Any] | None:
        return small_complete_fit(Y, names[: Y.shape[1]], ones[: Y.shape[1]],
                                  keys_given=True, max_cells=cells)

    assert small(X) is not None
    holed = X.copy()
    holed[5, 2] = np.nan
    constant = X.copy()
    constant[:, 4] = 2.0
    infinite = X.copy()
    infinite[0, 0] = np.inf
    collinear = X.copy()
    collinear[:, 3] = X[:, 0]
    for Y in (holed, constant, infinite, collinear, X[:, :2]):
        assert small(Y) is None
    assert small(X, cells=X.size - 1) is None  # more than one block: the blocked pass
    with pytest.raises(ValueError, match="infinite"):  # the general path's error
        pm.alpha(infinite)
    with pytest.warns(NumericalWarning, match="zero variance"):
        pm.alpha(constant)


def test_reversal_advice_points_at_the_caller() -> None:
    """The small path's warning names the line that called pm.alpha, as the general one."""
    X = _likert(100, 5, 4)
    X[:, 2] = 7 - X[:, 2]
    for data in (X, np.where(np.arange(100)[:, None] == 0, np.nan, X)):  # small / general
        with pytest.warns(NumericalWarning, match="probably should be reversed") as rec:
            pm.alpha(data)
        assert {w.filename for w in rec} == {__file__}
