"""Every moment-based statistic from a :class:`Moments` (or a streamed source) equals the
in-memory result: 1e-10 for closed forms, 1e-8 for iterative fits, with missing data, item
drops, listwise deletion and groups (``by=``). The in-memory results themselves are checked
against R in their own parity tests; here the moments path must reproduce them."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.errors import NumericalWarning, PsychometricsWarning

CLOSED = 1e-10  # closed forms
ITERATIVE = 1e-8  # iterative fits (minres, polychoric's Brent, ML/FIML optimisers)
ITEMS = [f"q{j + 1}" for j in range(8)]


def _likert(n: int, seed: int, missing: float = 0.0, k: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    load = np.zeros((k, 2))
    load[: k // 2, 0] = 0.8
    load[k // 2 :, 1] = 0.7
    X = np.clip(np.round(3 + f @ load.T + 0.8 * rng.normal(size=(n, k))), 1, 5)
    if missing:
        X[rng.random(X.shape) < missing] = np.nan
    frame = pd.DataFrame(X, columns=[f"q{j + 1}" for j in range(k)])
    frame["wave"] = rng.choice(["w1", "w2"], size=n)
    return frame


def _same(a: Any, b: Any, tol: float, where: str = "result") -> None:
    """Every number, array and table of two results agree to ``tol`` (absolute, relative
    for large values); texts and labels are equal."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            if f.name in ("scores", "matrix_input", "source", "_notes", "notes"):
                continue
            _same(getattr(a, f.name), getattr(b, f.name), tol, f"{where}.{f.name}")
    elif isinstance(a, pd.DataFrame | pd.Series):
        assert isinstance(b, type(a)), where
        assert a.shape == b.shape, where
        assert list(map(str, a.index)) == list(map(str, b.index)), where
        if isinstance(a, pd.DataFrame):
            assert list(map(str, a.columns)) == list(map(str, b.columns)), where
        num_a = a.select_dtypes("number") if isinstance(a, pd.DataFrame) else a
        if isinstance(a, pd.Series) and not pd.api.types.is_numeric_dtype(a):
            assert a.astype(str).tolist() == b.astype(str).tolist(), where
            return
        num_b = b[num_a.columns] if isinstance(a, pd.DataFrame) else b
        np.testing.assert_allclose(num_b.to_numpy(float), num_a.to_numpy(float), atol=tol,
                                   rtol=tol, err_msg=where)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(np.asarray(b, float), a.astype(float), atol=tol, rtol=tol,
                                   err_msg=where)
    elif isinstance(a, float | np.floating) and not isinstance(a, bool):
        np.testing.assert_allclose(float(b), float(a), atol=tol, rtol=tol, err_msg=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], tol, f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, tol, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


STATISTICS = {
    "omega": (lambda d, **kw: pm.omega(d, n_factors=2, **kw), ITERATIVE),
    "kmo": (lambda d, **kw: pm.kmo(d, **kw), CLOSED),
    "bartlett": (lambda d, **kw: pm.bartlett(d, **kw), CLOSED),
    "efa": (lambda d, **kw: pm.efa(d, 2, scores="regression", **kw), ITERATIVE),
    "efa_ml": (lambda d, **kw: pm.efa(d, 2, method="ml", **kw), ITERATIVE),
    "principal": (lambda d, **kw: pm.principal(d, 2, **kw), CLOSED),
    "parallel": (lambda d, **kw: pm.parallel_analysis(d, n_iter=5, seed=4, **kw), ITERATIVE),
}


def _both(stat: str, frame: pd.DataFrame, m: pm.Moments, **kw: Any) -> tuple[Any, Any]:
    fn, _ = STATISTICS[stat]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return fn(frame, **kw), fn(m, **kw)


@pytest.mark.parametrize("stat", list(STATISTICS))
@pytest.mark.parametrize("missing_cells", [0.0, 0.08])
def test_correlation_statistics_from_moments(stat: str, missing_cells: float) -> None:
    frame = _likert(900, 11, missing_cells)
    m = pm.moments(frame, ITEMS)
    a, b = _both(stat, frame[ITEMS], m)
    _same(a, b, STATISTICS[stat][1], stat)


@pytest.mark.parametrize("stat", ["omega", "kmo", "efa", "principal"])
def test_listwise_and_groups_from_moments(stat: str) -> None:
    frame = _likert(1200, 12, 0.05)
    m = pm.moments(frame, ITEMS, by="wave", patterns=True)
    for label in ("w1", "w2"):
        rows = frame.loc[frame["wave"] == label, ITEMS]
        a, b = _both(stat, rows, m.group(label))
        _same(a, b, STATISTICS[stat][1], f"{stat} {label}")
        a, b = _both(stat, rows, m.group(label), missing="listwise")
        _same(a, b, STATISTICS[stat][1], f"{stat} {label} listwise")


def test_efa_from_moments_gives_weights_not_scores() -> None:
    frame = _likert(500, 13)
    res = pm.efa(pm.moments(frame, ITEMS), 2, scores="regression")
    assert res.scores is None
    direct = pm.efa(frame[ITEMS], 2, scores="regression")
    np.testing.assert_allclose(res.score_weights.to_numpy(), direct.score_weights.to_numpy(),
                               atol=ITERATIVE)


def test_item_without_variance_is_dropped_the_same_way() -> None:
    frame = _likert(400, 14)[ITEMS]
    frame["q3"] = 2.0
    m = pm.moments(frame)
    for fn in (lambda d: pm.kmo(d), lambda d: pm.principal(d, 1)):
        with pytest.warns(NumericalWarning, match="q3"):
            a = fn(frame)
        with pytest.warns(NumericalWarning, match="q3"):
            b = fn(m)
        _same(a, b, CLOSED)


@pytest.mark.parametrize("missing_cells", [0.0, 0.1])
def test_split_half_from_moments(missing_cells: float) -> None:
    frame = _likert(700, 15, missing_cells)[ITEMS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        _same(pm.split_half(frame), pm.split_half(pm.moments(frame)), CLOSED, "split_half")


@pytest.mark.parametrize("missing_cells", [0.0, 0.1])
def test_polychoric_from_bivariate_tables(missing_cells: float) -> None:
    frame = _likert(1500, 16, missing_cells)[ITEMS]
    frame.loc[frame["q8"] == 5, "q8"] = 4  # unequal categories: per-pair thresholds
    m = pm.moments(frame, tables=True)
    for kw in ({}, {"global_thresholds": False}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PsychometricsWarning)
            _same(pm.polychoric(frame, **kw), pm.polychoric(m, **kw), ITERATIVE, "polychoric")
    sub = frame[ITEMS[:7]]
    _same(pm.polychoric(sub), pm.polychoric(pm.moments(sub, tables=True)), ITERATIVE)
    with pytest.raises(ValueError, match="tables=True"):
        pm.polychoric(pm.moments(frame))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        a = pm.parallel_analysis(sub, n_iter=3, seed=1, cor="poly")
        b = pm.parallel_analysis(pm.moments(sub, tables=True), n_iter=3, seed=1, cor="poly")
    _same(a, b, ITERATIVE, "parallel poly")


def test_moments_say_what_they_cannot_do() -> None:
    frame = _likert(300, 17)
    m = pm.moments(frame, ITEMS, by="wave")
    with pytest.raises(ValueError, match="groups"):
        pm.kmo(m)
    with pytest.raises(ValueError, match="Moments"):
        pm.parallel_analysis(m.total(), n_iter=3, resample=True)


def test_parquet_source(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = _likert(2000, 18, 0.05)
    frame.iloc[:1000].to_parquet(tmp_path / "a.parquet")
    frame.iloc[1000:].to_parquet(tmp_path / "b.parquet")
    files = sorted(tmp_path.glob("*.parquet"))
    m = pm.moments(files, ITEMS, tables=True)
    _same(pm.efa(frame[ITEMS], 2), pm.efa(m, 2), ITERATIVE)
    _same(pm.omega(frame[ITEMS], n_factors=2), pm.omega(m, n_factors=2), ITERATIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        _same(pm.polychoric(frame[ITEMS]), pm.polychoric(m), ITERATIVE)
