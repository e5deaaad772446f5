"""cfa/sem from moments (listwise covariance, FIML patterns, MLM/MLMV/MLR from fourth-order
moments, groups) equal the in-memory fits, which are checked against lavaan 0.6.14 in
tests/test_factor_cfa.py and tests/test_structural_*.py: estimates, standard errors and
fit measures to 1e-8."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.errors import PsychometricsWarning
from psychometrics.structural.engine import cfa, sem
from psychometrics.structural.errors import DataError, ModelError

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-8
ITEMS = [f"x{i}" for i in range(1, 10)]
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(ROOT / "psychometrics" / "datasets" / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def hs_missing(hs: pd.DataFrame) -> pd.DataFrame:
    out = hs.copy()
    X = out[ITEMS].to_numpy(dtype=float, copy=True)
    X[np.random.default_rng(5).random(X.shape) < 0.08] = np.nan
    X[3] = np.nan  # a row without any answer
    out[ITEMS] = X
    return out


def _assert_same_fit(a: pm.CFAResult, b: pm.CFAResult) -> None:
    ea, eb = a.estimates, b.estimates
    assert ea[["lhs", "op", "rhs"]].equals(eb[["lhs", "op", "rhs"]])
    num = ea.select_dtypes("number").columns
    np.testing.assert_allclose(eb[num].to_numpy(float), ea[num].to_numpy(float), atol=TOL,
                               rtol=TOL, err_msg="estimates")
    assert list(a.fit.index) == list(b.fit.index)
    np.testing.assert_allclose(b.fit.to_numpy(float), a.fit.to_numpy(float), atol=TOL,
                               rtol=TOL, err_msg="fit")


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return fn(*args, **kw)


@pytest.mark.parametrize("estimator", ["ML", "MLM", "MLMV", "MLR"])
@pytest.mark.parametrize("meanstructure", [None, True])
def test_listwise_and_robust_from_moments(hs: pd.DataFrame, estimator: str,
                                          meanstructure: bool | None) -> None:
    m = pm.moments(hs, [*ITEMS, "ageyr"], fourth=True)  # extra items are selected away
    a = _quiet(cfa, hs, MODEL, estimator=estimator, meanstructure=meanstructure)
    b = _quiet(cfa, m, MODEL, estimator=estimator, meanstructure=meanstructure)
    _assert_same_fit(a, b)


def test_listwise_with_missing_rows(hs_missing: pd.DataFrame) -> None:
    a = _quiet(cfa, hs_missing, MODEL, estimator="MLR")
    b = _quiet(cfa, pm.moments(hs_missing, ITEMS, fourth=True), MODEL, estimator="MLR")
    assert a.n_obs == b.n_obs < len(hs_missing)
    _assert_same_fit(a, b)


def test_fiml_from_patterns(hs_missing: pd.DataFrame) -> None:
    a = _quiet(cfa, hs_missing, MODEL, missing="fiml")
    b = _quiet(cfa, pm.moments(hs_missing, [*ITEMS, "ageyr"], patterns=True), MODEL,
               missing="fiml")
    _assert_same_fit(a, b)


@pytest.mark.parametrize("missing", ["listwise", "fiml"])
def test_groups_from_moments(hs_missing: pd.DataFrame, missing: str) -> None:
    m = pm.moments(hs_missing, ITEMS, by="school", patterns=True)
    for equal in ((), ("loadings", "intercepts")):
        a = _quiet(cfa, hs_missing, MODEL, group="school", missing=missing, group_equal=equal)
        b = _quiet(cfa, m, MODEL, group="school", missing=missing, group_equal=equal)
        _assert_same_fit(a, b)


def test_sem_and_columns_mapping(hs: pd.DataFrame) -> None:
    model = MODEL + "\nspeed ~ visual + textual"
    renamed = hs.rename(columns={"x1": "item_a"})
    a = _quiet(sem, renamed, model, columns={"x1": "item_a"})
    b = _quiet(sem, pm.moments(renamed, ["item_a", *ITEMS[1:]]), model,
               columns={"x1": "item_a"})
    _assert_same_fit(a, b)


def test_parquet_source(hs_missing: pd.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    hs_missing.iloc[:150].to_parquet(tmp_path / "a.parquet")
    hs_missing.iloc[150:].to_parquet(tmp_path / "b.parquet")
    files = sorted(tmp_path.glob("*.parquet"))
    for kw in ({"missing": "fiml"}, {"estimator": "MLR"}, {"group": "school"}):
        _assert_same_fit(_quiet(cfa, hs_missing, MODEL, **kw), _quiet(cfa, files, MODEL, **kw))


def test_what_moments_cannot_give(hs: pd.DataFrame, hs_missing: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="fourth=True"):
        cfa(pm.moments(hs, ITEMS), MODEL, estimator="MLM")
    with pytest.raises(DataError, match="patterns=True"):
        cfa(pm.moments(hs, ITEMS), MODEL, missing="fiml")
    with pytest.raises(ModelError, match="case-wise"):
        cfa(pm.moments(hs, ITEMS, patterns=True), MODEL, missing="fiml", estimator="MLR")
    with pytest.raises(ModelError, match="by='school'"):
        cfa(pm.moments(hs, ITEMS), MODEL, group="school")
    with pytest.raises(DataError, match="x9"):
        cfa(pm.moments(hs, ITEMS[:8]), MODEL)
    with pytest.raises(DataError, match="listwise moments"):
        cfa(pm.moments(hs_missing, [*ITEMS, "ageyr"]), MODEL)


def test_float_group_codes_and_rows_without_a_group(hs: pd.DataFrame) -> None:
    data = hs.assign(g=np.where(hs["school"] == "Pasteur", 1.0, 2.0))
    data.loc[[0, 5], "g"] = np.nan  # left out, with the same warning count
    with pytest.warns(PsychometricsWarning, match="2 rows have no value"):
        b = cfa(pm.moments(data, ITEMS, by="g"), MODEL, group="g")
    a = _quiet(cfa, data, MODEL, group="g")
    assert list(a.estimates["group"].unique()) == list(b.estimates["group"].unique())
    _assert_same_fit(a, b)


def test_gamma_accessor_is_the_engines_gamma(hs: pd.DataFrame) -> None:
    from psychometrics.structural.robust import gamma
    from psychometrics.structural.samplestats_moments import gamma_from_fourth

    X = hs[ITEMS].to_numpy(dtype=float)
    m = pm.moments(hs.iloc[:100], ITEMS, fourth=True) + pm.moments(hs.iloc[100:], ITEMS,
                                                                   fourth=True)
    st = m.groups[None]
    mean = X.mean(axis=0)
    np.testing.assert_allclose(m.gamma().to_numpy(), gamma(X, mean, None, False), atol=1e-10)
    for ms in (False, True):
        np.testing.assert_allclose(gamma_from_fourth(st.fourth, mean, None, ms),
                                   gamma(X, mean, None, ms), atol=1e-10)
        mu = mean + 0.1
        sigma = np.cov(X.T, bias=True) + 0.05 * np.eye(9)
        np.testing.assert_allclose(gamma_from_fourth(st.fourth, mu, sigma, ms),
                                   gamma(X, mu, sigma, ms), atol=1e-9)


@pytest.mark.parametrize("estimator", ["GLS", "ULS"])
def test_least_squares_from_moments_need_no_fourth_order(hs: pd.DataFrame,
                                                          estimator: str) -> None:
    # GLS and ULS read the covariance matrix only (lavaan's sample moments)
    a = _quiet(cfa, hs[ITEMS], MODEL, estimator=estimator)
    b = _quiet(cfa, pm.moments(hs[ITEMS]), MODEL, estimator=estimator)
    _assert_same_fit(a, b)


@pytest.mark.parametrize("estimator", ["ML", "MLR", "MLM", "MLMV"])
def test_fixed_covariates_from_moments(hs: pd.DataFrame, estimator: str) -> None:
    # MLM/MLMV: lavaan's fixed.x Gamma is linear in the fourth-order moments
    # (samplestats_moments.gamma_fixed_x_from_fourth)
    kids = hs.assign(female=(hs["sex"] == 2).astype(float))
    cols = ["x1", "x2", "x3", "ageyr", "female"]
    model = "visual =~ x1 + x2 + x3\nvisual ~ ageyr + female"
    a = _quiet(sem, kids[cols], model, estimator=estimator)
    b = _quiet(sem, pm.moments(kids[cols], fourth=estimator != "ML"), model,
               estimator=estimator)
    _assert_same_fit(a, b)
    if estimator in ("MLM", "MLMV"):  # with a mean structure and two groups
        cols = [*cols, "school"]
        a = _quiet(sem, kids[cols], model, estimator=estimator, group="school")
        b = _quiet(sem, pm.moments(kids[cols], by="school", fourth=True), model,
                   estimator=estimator, group="school")
        _assert_same_fit(a, b)


def test_ordered_items_from_moments_are_refused_with_the_reason(hs: pd.DataFrame) -> None:
    cut = hs[ITEMS].round().clip(1, 8)
    # a Moments holds the tables but not the rows Gamma's case-wise scores need; a Parquet
    # path or Dask DataFrame is read twice instead (tests/test_moments_ordinal.py)
    with pytest.raises(DataError, match="ordered items need two passes over the rows"):
        cfa(pm.moments(cut, tables=True), MODEL, ordered=True)
