"""Robust estimators (MLM, MLMV, MLR), scaled and robust fit measures and the scaled
difference test against lavaan 0.6.14 (fixtures: tests/reference/sem.R)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import BFI_MODEL, FIT_NAMES, HS_MODEL, TOL_EST, TOL_FIT
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from psychometrics.structural.matrices import jacobian
from psychometrics.structural.robust import nt_weight

DATA = REF / "data"
OUT = REF / "sem"

SCALED = ["df_scaled", "pvalue_scaled", "chisq_scaling_factor", "baseline_df_scaled",
          "baseline_pvalue_scaled", "baseline_chisq_scaling_factor", "cfi_scaled",
          "tli_scaled", "cfi_robust", "tli_robust", "rmsea_scaled", "rmsea_ci_lower_scaled",
          "rmsea_ci_upper_scaled", "rmsea_pvalue_scaled", "rmsea_robust",
          "rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_pvalue_robust"]
# The scaled chi-squares are 80-16,000: their scaling factor (compared at TOL_FIT like every
# fit measure) depends to first order on the estimates, whose distance to lavaan's optimum
# (~1e-6 on the multi-group models) leaves a relative 1e-8 (observed <= 7e-8).
RTOL_SCALED_CHISQ = 1e-7
# Under FIML lavaan's observed information is a numerical Hessian (differences of its
# gradient); ours is exact. chisq and the EM h1 agree to 1e-12 there, the scaling factor to
# a relative 2e-7, so the scaled chi-squares are compared relative 1e-6.
RTOL_SCALED_CHISQ_FIML = 1e-6
# A scaled difference divides by c_d = (df_1 c_1 - df_0 c_0) / (df_1 - df_0): each model's
# scaling factor enters multiplied by df / df_diff (10 for the ladder), so their relative
# 1e-8 agreement (6.8e-8 at most) becomes up to 1e-6 (observed 7e-7).
RTOL_SCALED_DIFF = 1e-6


def _hs() -> pd.DataFrame:
    return pd.read_csv(DATA / "HolzingerSwineford1939.csv")


def _bfi() -> pd.DataFrame:
    return pd.read_csv(DATA / "bfi.csv")


def _hs_mcar() -> pd.DataFrame:
    data = pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv")
    school = _hs().set_index("id")["school"]
    return data.assign(school=school.loc[data["id"]].to_numpy())


CASES: dict[str, tuple] = {
    "hs_mlm": (_hs, HS_MODEL, {"estimator": "MLM"}),
    "hs_mlmv": (_hs, HS_MODEL, {"estimator": "MLMV"}),
    "hs_mlr": (_hs, HS_MODEL, {"estimator": "MLR"}),
    "hs_mlm_metric": (_hs, HS_MODEL, {"estimator": "MLM", "group": "school",
                                      "group_equal": "loadings"}),
    "hs_mlr_configural": (_hs, HS_MODEL, {"estimator": "MLR", "group": "school"}),
    "hs_mlr_metric": (_hs, HS_MODEL, {"estimator": "MLR", "group": "school",
                                      "group_equal": "loadings"}),
    "hs_mlr_scalar": (_hs, HS_MODEL, {"estimator": "MLR", "group": "school",
                                      "group_equal": ["loadings", "intercepts"]}),
    # the case: bfi by gender, loadings and intercepts equal, MLR
    "bfi_mlr_scalar": (_bfi, BFI_MODEL, {"estimator": "MLR", "group": "gender",
                                         "group_equal": ["loadings", "intercepts"]}),
    # MLR under FIML: case-wise scores of the incomplete rows
    "hs_fiml_mlr": (_hs_mcar, HS_MODEL, {"estimator": "MLR", "missing": "fiml"}),
    "hs_fiml_mlr_metric": (_hs_mcar, HS_MODEL, {"estimator": "MLR", "missing": "fiml",
                                                "group": "school", "group_equal": "loadings"}),
}
_FITTED: dict[str, pm.CFAResult] = {}


def _fit(name: str) -> pm.CFAResult:
    if name not in _FITTED:
        load, model, kw = CASES[name]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _FITTED[name] = pm.cfa(load(), model, **kw)
    return _FITTED[name]


@pytest.mark.parametrize("name", list(CASES))
def test_fit_measures_match_lavaan(name: str) -> None:
    res = _fit(name)
    ref = pd.read_csv(OUT / f"{name}_fit.csv").set_index("measure")["value"]
    for ours, theirs in FIT_NAMES.items():
        assert res.fit[ours] == pytest.approx(ref[theirs], abs=TOL_FIT), ours
    for name_ in SCALED:
        assert res.fit[name_] == pytest.approx(ref[name_.replace("_", ".")], abs=TOL_FIT), name_
    rtol = RTOL_SCALED_CHISQ_FIML if res.missing == "fiml" else RTOL_SCALED_CHISQ
    for name_ in ["chisq_scaled", "baseline_chisq_scaled"]:
        assert res.fit[name_] == pytest.approx(ref[name_.replace("_", ".")], rel=rtol), name_


@pytest.mark.parametrize("name", list(CASES))
def test_robust_standard_errors_match_lavaan(name: str) -> None:
    res = _fit(name)
    ref = pd.read_csv(OUT / f"{name}_estimates.csv", keep_default_na=False, na_values=["NA"])
    est = res.estimates
    assert list(est["lhs"]) == list(ref["lhs"]) and list(est["op"]) == list(ref["op"])
    for ours, theirs in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"),
                         ("ci_upper", "ci.upper"), ("std_all", "std.all")]:
        np.testing.assert_allclose(est[ours], ref[theirs], atol=TOL_EST, err_msg=ours)


def test_robust_se_differ_from_ml_and_summary_says_so() -> None:
    ml = pm.cfa(_hs(), HS_MODEL)
    mlr = _fit("hs_mlr")
    assert np.allclose(ml.estimates["est"], mlr.estimates["est"])
    assert not np.allclose(ml.estimates["se"], mlr.estimates["se"])
    text = mlr.summary()
    assert "Scaling correction factor" in text and "Sandwich" in text
    assert mlr.estimator == "MLR"


@pytest.mark.parametrize(("case", "models"), [
    ("hs_mlr_ladder", ["hs_mlr_configural", "hs_mlr_metric", "hs_mlr_scalar"]),
])
def test_scaled_difference_test_matches_lavTestLRT(case: str, models: list[str]) -> None:
    ref = pd.read_csv(OUT / f"lrt_{case}.csv")
    table = pm.lrt(*[_fit(m) for m in models], names=models)
    for ours, theirs in [("df", "Df"), ("aic", "AIC"), ("bic", "BIC"), ("chisq", "Chisq"),
                         ("df_diff", "Df diff"), ("pvalue", "Pr(>Chisq)")]:
        np.testing.assert_allclose(table[ours], ref[theirs], atol=TOL_FIT, err_msg=ours)
    np.testing.assert_allclose(table["chisq_diff"], ref["Chisq diff"], rtol=RTOL_SCALED_DIFF)
    assert table["rmsea"].isna().all()  # lavaan gives no RMSEA for a scaled difference


def test_scaled_difference_mlm() -> None:
    ref = pd.read_csv(OUT / "lrt_hs_mlm_ladder.csv")
    conf = pm.cfa(_hs(), HS_MODEL, estimator="MLM", group="school")
    metric = _fit("hs_mlm_metric")
    table = pm.lrt(conf, metric)
    np.testing.assert_allclose(table["chisq_diff"], ref["Chisq diff"], atol=TOL_FIT)
    np.testing.assert_allclose(table["pvalue"], ref["Pr(>Chisq)"], atol=TOL_FIT)


def test_negative_scaling_factor_gives_nan_and_a_warning() -> None:
    conf, metric = _fit("hs_mlr_configural"), _fit("hs_mlr_metric")
    fit = metric.fit.copy()
    fit["chisq_scaling_factor"] = 0.1  # forces (df1 c1 - df0 c0) < 0
    bent = dataclasses.replace(metric, fit=fit)
    with pytest.warns(NumericalWarning, match="scaling factor of the difference between "
                                              "'model1' and 'model2' is negative"):
        table = pm.lrt(conf, bent)
    assert np.isnan(table["chisq_diff"].iloc[1]) and np.isnan(table["pvalue"].iloc[1])


def test_mixed_or_unsupported_comparisons_are_refused() -> None:
    with pytest.raises(ValueError, match="some models \\(but not all\\) have scaled"):
        pm.lrt(pm.cfa(_hs(), HS_MODEL, group="school"), _fit("hs_mlr_metric"))
    mlmv = pm.cfa(_hs(), HS_MODEL, estimator="MLMV")
    with pytest.raises(ValueError, match="MLMV"):
        pm.lrt(mlmv, pm.cfa(_hs(), HS_MODEL + "\nvisual ~~ 0*speed", estimator="MLMV"))


def test_robust_estimators_refuse_what_they_cannot_do() -> None:
    hs = _hs()
    with pytest.raises(ValueError, match="estimator must be one of"):
        pm.cfa(hs, HS_MODEL, estimator="WLSMV")
    with pytest.raises(ValueError, match="complete data"):
        pm.cfa(hs, HS_MODEL, estimator="MLM", missing="fiml")
    with pytest.raises(ValueError, match="complete data"):
        pm.cfa(hs, HS_MODEL, estimator="MLMV", missing="fiml")
    items = [f"x{i}" for i in range(1, 10)]
    with pytest.raises(ValueError, match="raw data"):
        pm.cfa(hs[items].cov(), HS_MODEL, estimator="MLR", n_obs=301)


def test_normal_theory_weight_is_the_expected_information() -> None:
    # E = Delta' A Delta: the moment-space weight and the engine's information agree
    from psychometrics.structural import engine
    captured: dict = {}
    real = engine._optimize

    def spy(objective, x0):  # type: ignore[no-untyped-def]
        out = real(objective, x0)
        captured.update(objective=objective, x=out[0])
        return out

    engine._optimize, saved = spy, engine._optimize
    try:
        pm.cfa(_hs(), HS_MODEL, meanstructure=True)
    finally:
        engine._optimize = saved
    obj, x = captured["objective"], captured["x"]
    _, info, _ = obj.derivatives(x, obj.state(x), False)
    sigma, _ = obj.model.implied(x)
    D = jacobian(obj.model, x, True)
    np.testing.assert_allclose(D.T @ nt_weight(sigma, True) @ D, info, rtol=1e-10, atol=1e-12)
