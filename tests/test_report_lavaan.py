"""The report's CFA tables at lavaan's summary() level, checked against lavaan's fixtures.

The fixtures are those of the CFA parity tests (tests/reference/cfa.R: lavaan 0.6.14 on
HolzingerSwineford1939); R² is lavaan's ``lavInspect(fit, "r2")``, one minus the std.all
residual variance, which the fixture's std.all column gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.datasets import load_holzinger_swineford
from psychometrics.reporting import lavaan_tables

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TOL = 1e-4  # the CFA parity tests' tolerance for estimates


@pytest.fixture(scope="module")
def fit():
    return pm.cfa(load_holzinger_swineford(), HS_MODEL)


@pytest.fixture(scope="module")
def lavaan() -> pd.DataFrame:
    return pd.read_csv(REF / "cfa" / "hs_estimates.csv")


def test_the_bundled_data_are_the_fixtures_data() -> None:
    bundled = load_holzinger_swineford()
    fixture = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
    pd.testing.assert_frame_equal(bundled, fixture)


def test_r_squared_is_lavaans(fit, lavaan: pd.DataFrame) -> None:
    resid = lavaan[(lavaan["op"] == "~~") & (lavaan["lhs"] == lavaan["rhs"])
                   & lavaan["lhs"].str.startswith("x")].set_index("lhs")
    expected = 1 - resid["std.all"]
    got = lavaan_tables.r_squared(fit)
    assert list(got.index) == [f"x{i}" for i in range(1, 10)]
    np.testing.assert_allclose(got.to_numpy(), expected.loc[got.index].to_numpy(), atol=TOL)
    # lavInspect(fit, "r2") printed by lavaan 0.6.14, rounded to 3 decimals
    np.testing.assert_allclose(got.to_numpy(), [.596, .179, .338, .725, .731, .702, .324,
                                                .523, .442], atol=5e-4)


def test_parameter_blocks_are_lavaans(fit, lavaan: pd.DataFrame) -> None:
    tables = lavaan_tables.parameter_tables(fit)
    assert list(tables) == ["Latent variables (loadings)", "Factor covariances",
                            "Factor variances", "Residual variances"]
    loadings = tables["Latent variables (loadings)"]
    ref = lavaan[lavaan["op"] == "=~"]
    np.testing.assert_allclose(loadings["estimate"], ref["est"], atol=TOL)
    np.testing.assert_allclose(loadings["std.lv"], ref["std.lv"], atol=TOL)
    np.testing.assert_allclose(loadings["std.all"], ref["std.all"], atol=TOL)
    free = ref["se"].to_numpy() > 0
    np.testing.assert_allclose(loadings["z"].to_numpy()[free], ref["z"].to_numpy()[free],
                               rtol=1e-3)
    assert loadings["SE"].isna().to_numpy().tolist() == (~free).tolist()  # markers: no SE
    assert len(tables["Residual variances"]) == 9 and len(tables["Factor covariances"]) == 3


def test_fit_measures_are_lavaans(fit) -> None:
    ref = pd.read_csv(REF / "cfa" / "hs_fit.csv").set_index("measure")["value"]
    shown = lavaan_tables.fit_table(fit.fit).set_index("measure")["value"]
    for label, key in [("Akaike (AIC)", "aic"), ("Sample-size adjusted Bayesian (SABIC)",
                                                   "bic2"), ("SRMR", "srmr")]:
        assert abs(float(shown[label]) - float(ref[key])) < 1e-3, label
    assert shown["Test statistic (χ²)"].iloc[1] == f"{float(ref['baseline.chisq']):.3f}"
    assert shown["P-value H0: RMSEA ≤ .050 (close fit)"] == (
        "< .001" if float(ref["rmsea.pvalue"]) < 0.001 else f"{float(ref['rmsea.pvalue']):.3f}")
    assert lavaan_tables.fit_sentence(fit.fit) == (
        "χ²(24) = 85.31, p < .001, CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], "
        "SRMR = .065")
    assert lavaan_tables.estimator_line(fit).startswith("Estimator ML, complete cases")


def test_robust_estimators_show_lavaans_lines_and_scaled_indices() -> None:
    """lavaan 0.6.14's summary(fit, fit.measures = TRUE) of the MLR fit (tests/reference/
    sem.R, hs_mlr): the scaled column, the scaling factor and the robust indices."""
    res = pm.cfa(load_holzinger_swineford(), HS_MODEL, estimator="MLR")
    lines = dict(lavaan_tables.estimator_lines(res))
    assert lines["Standard errors"] == "Sandwich"  # as lavaan prints for MLR
    assert lines["Information bread"] == "Observed"
    assert "Yuan-Bentler correction (Mplus variant)" in lines["Test statistic"]
    assert lines["Number of observations"] == "301 used of 301 rows"
    ref = pd.read_csv(REF / "sem" / "hs_mlr_fit.csv").set_index("measure")["value"]
    table = lavaan_tables.fit_table(res.fit)
    user = table[table["block"] == "Model test, user model"].set_index("measure")
    assert abs(float(user.loc["Test statistic (χ²)", "scaled"])
               - float(ref["chisq.scaled"])) < 1e-3
    assert abs(float(user.loc["Scaling correction factor", "scaled"])
               - float(ref["chisq.scaling.factor"])) < 1e-3
    rows = table.set_index("measure")
    assert abs(float(rows.loc["Robust Comparative Fit Index (CFI)", "scaled"])
               - float(ref["cfi.robust"])) < 1e-3
    assert abs(float(rows.loc["Comparative Fit Index (CFI)", "scaled"])
               - float(ref["cfi.scaled"])) < 1e-3


def test_ml_shows_no_scaled_column(fit) -> None:
    assert "scaled" not in lavaan_tables.fit_table(fit.fit).columns
    lines = dict(lavaan_tables.estimator_lines(fit))
    assert lines["Estimator"] == "ML" and lines["Standard errors"] == "Standard"
    assert lines["Information"] == "Expected" and lines["Test statistic"] == "Standard"
