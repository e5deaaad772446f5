"""Trouble is reported, not hidden: warnings and errors of psychometrics.factor.cfa."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics.errors import NumericalWarning
from psychometrics.factor import cfa, confirmatory

DATA = Path(__file__).parent / "reference" / "data"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


def _hs() -> pd.DataFrame:
    return pd.read_csv(DATA / "HolzingerSwineford1939.csv")


def _data_with_covariance(cov: np.ndarray, n: int, names: list[str]) -> pd.DataFrame:
    """Rows whose covariance (divisor n) is exactly ``cov``."""
    rng = np.random.default_rng(7)
    z = rng.standard_normal((n, len(names)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    return pd.DataFrame(z @ np.linalg.cholesky(cov).T, columns=names)


def test_heywood_case_names_the_item() -> None:
    # One factor, three items with r_ab = r_ac = .8, r_bc = .5: the just-identified ML
    # solution has loading^2 of a = .8 * .8 / .5 = 1.28, so theta_a = -0.28.
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    data = _data_with_covariance(cov, 200, ["a", "b", "c"])
    with pytest.warns(NumericalWarning) as record:
        res = cfa(data, "f =~ a + b + c")
    messages = [str(w.message) for w in record]
    assert any("Heywood" in m and "residual variance of item 'a'" in m for m in messages)
    assert any("standardized loading of item 'a' on factor 'f'" in m for m in messages)
    theta_a = res.estimates.query("lhs == 'a' and rhs == 'a'")["est"].iloc[0]
    assert theta_a == pytest.approx(-0.28, abs=1e-8)
    assert res.messages and all(m in res.messages for m in messages)
    assert "Warnings:" in res.summary()


def test_negative_degrees_of_freedom_is_an_error_naming_the_factor() -> None:
    with pytest.raises(ValueError, match=r"not identified.*df = -1.*'f'"):
        cfa(_hs(), "f =~ x1 + x2")


def test_isolated_two_indicator_factor_warns_singular_information() -> None:
    model = "f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5\nf1 ~~ 0*f2"
    with pytest.warns(NumericalWarning, match=r"information matrix is singular.*'f2'"):
        res = cfa(_hs(), model)
    assert res.estimates.query("op == '=~' and rhs == 'x5'")["se"].isna().all()


def test_freed_marker_without_a_scale_warns() -> None:
    model = "visual =~ NA*x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    with pytest.warns(NumericalWarning, match=r"not identified.*visual=~x1"):
        cfa(_hs(), model)


def test_missing_items_are_named() -> None:
    data = _hs().drop(columns=["x3", "x8"])
    with pytest.raises(ValueError, match=r"not found in the data: 'x3', 'x8'"):
        cfa(data, HS_MODEL)


def test_columns_mapping_to_absent_columns_is_named() -> None:
    with pytest.raises(ValueError, match=r"do not exist: 'Q1'"):
        cfa(_hs(), {"f": ["a", "b", "c"]}, columns={"a": "Q1", "b": "x2", "c": "x3"})


def test_non_numeric_and_constant_items_are_named() -> None:
    data = _hs()
    data["x2"] = data["x2"].astype(str)
    with pytest.raises(ValueError, match=r"not numeric: 'x2'"):
        cfa(data, HS_MODEL)
    data = _hs()
    data["x5"] = 3.0
    with pytest.raises(ValueError, match=r"zero variance: 'x5'"):
        cfa(data, HS_MODEL)


def test_collinear_items_are_an_error() -> None:
    data = _hs()
    data["x3"] = data["x1"] + data["x2"]
    with pytest.raises(ValueError, match=r"not positive definite.*'x1'.*'x2'.*'x3'"):
        cfa(data, HS_MODEL)


def test_covariance_matrix_needs_n_obs() -> None:
    cov = _hs()[ITEMS].cov()
    with pytest.raises(ValueError, match="n_obs"):
        cfa(cov, HS_MODEL)
    with pytest.raises(ValueError, match="raw data"):
        cfa(cov, HS_MODEL, n_obs=301, missing="fiml")
    with pytest.raises(ValueError, match="covariance matrix"):
        cfa(_hs(), HS_MODEL, n_obs=301)
    holed = cov.copy()
    holed.loc["x4", "x5"] = holed.loc["x5", "x4"] = np.nan
    with pytest.raises(ValueError, match="missing values for 'x4', 'x5'"):
        cfa(holed, HS_MODEL, n_obs=301)


def test_fiml_drops_empty_rows_with_a_warning() -> None:
    data = _hs()
    data.loc[[3, 10], ITEMS] = np.nan
    with pytest.warns(NumericalWarning, match=r"2 rows have no observed item.*3, 10"):
        res = cfa(data, HS_MODEL, missing="fiml")
    assert res.n_obs == len(data) - 2 and res.n_total == len(data)


def test_non_convergence_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = confirmatory._optimize

    def stalled(objective, x0):  # type: ignore[no-untyped-def]
        x, _, _ = real(objective, x0)
        return x, False, 500

    monkeypatch.setattr(confirmatory, "_optimize", stalled)
    with pytest.warns(NumericalWarning, match="did not converge after 500 iterations"):
        res = cfa(_hs(), HS_MODEL)
    assert res.converged is False
    assert "did NOT converge" in res.summary()


def test_unsupported_models_and_options() -> None:
    with pytest.raises(ValueError, match="second-order"):
        cfa(_hs(), HS_MODEL + "\ng =~ visual + textual + speed")
    with pytest.raises(ValueError, match="relates a factor to an item"):
        cfa(_hs(), HS_MODEL + "\nvisual ~~ x4")
    with pytest.raises(ValueError, match="estimator"):
        cfa(_hs(), HS_MODEL, estimator="WLSMV")
    with pytest.raises(ValueError, match="missing"):
        cfa(_hs(), HS_MODEL, missing="pairwise")
    with pytest.raises(TypeError, match="cfa_model"):
        cfa(_hs(), 42)


def test_good_fits_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cfa(_hs(), HS_MODEL, std_lv=True)
    assert res.messages == ()
