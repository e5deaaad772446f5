"""The (D)WLS robust algebra (psychometrics.structural.wls_robust) against lavaan 0.6.14.

Pure algebra: every input (Delta, the weight, Gamma, N, the DWLS statistic, the constraint
Jacobian) is lavaan's own, from tests/reference/ordinal.R (ordinal/robust.json and
ordinal/stage1.json); the outputs are compared with lavaan's inverted information, vcov(),
and fit@test (WLSMV, WLSM, mean.var.adjusted, ULSMV; one and two groups; group.equal).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.structural.ordinal_baseline import independence_tests
from psychometrics.structural.ordinal_stats import ordinal_sample_stats
from psychometrics.structural.wls_robust import (
    UGammaTraces,
    expected_information,
    information_inverse,
    mean_var_adjusted_test,
    robust_vcov,
    satorra_bentler_test,
    scaled_shifted_test,
    ugamma_traces,
)

ROBUST = json.loads((REF / "ordinal" / "robust.json").read_text())
STAGE1 = json.loads((REF / "ordinal" / "stage1.json").read_text())

# Inputs are lavaan's to full precision, so only rounding separates the results.
TOL = 1e-9

FITS = {  # fixture -> the stage-1 record of its data
    "bfi_ac_wlsmv": "bfi_ac",
    "bfi_ac_mean_var": "bfi_ac",
    "bfi_ac_wlsm": "bfi_ac",
    "bfi_ac_ulsmv": "bfi_ac",
    "hs_wlsmv": "hs",
    "hs_groups_wlsmv": "hs_groups",
    "hs_groups_equal_wlsmv": "hs_groups",
    "bfi_pairwise_wlsmv": "bfi_pairwise",
    "bfi_pairwise_groups_wlsmv": "bfi_pairwise_groups",
}


def _inputs(fit: str):
    rec = ROBUST[fit]
    groups = STAGE1[FITS[fit]]
    delta = [np.array(d, dtype=float) for d in rec["delta"]]
    gamma = [np.array(g["gamma"], dtype=float) for g in groups]
    if rec["estimator"] == "ULS":
        weight = [np.ones(g.shape[0]) for g in gamma]
    else:
        weight = [np.array(g["wls_v"], dtype=float) for g in groups]
    nobs = [int(n) for n in np.atleast_1d(rec["nobs"])]
    con = np.array(rec["con_jac"], dtype=float) if rec["con_jac"] else None
    return rec, delta, weight, gamma, nobs, con


@pytest.mark.parametrize("fit", sorted(FITS))
def test_information_and_sandwich_match_lavaan(fit: str) -> None:
    rec, delta, weight, gamma, nobs, con = _inputs(fit)
    inv = information_inverse(delta, weight, nobs, con)
    ref_inv = np.array(rec["inverted_information"])
    np.testing.assert_allclose(inv, ref_inv, rtol=0, atol=TOL * np.abs(ref_inv).max())
    vc = robust_vcov(delta, weight, gamma, nobs, constraints=con)
    ref_vc = np.array(rec["vcov"])
    np.testing.assert_allclose(vc, ref_vc, rtol=0, atol=TOL * np.abs(ref_vc).max())
    se = np.sqrt(np.diag(vc))
    # parameterEstimates lists a parameter once per row; equal parameters share their SE
    assert set(np.round(rec["se"], 8)) <= set(np.round(se, 8))


@pytest.mark.parametrize("fit", sorted(FITS))
def test_test_statistics_match_lavaan(fit: str) -> None:
    rec, delta, weight, gamma, nobs, con = _inputs(fit)
    tr = ugamma_traces(delta, weight, gamma, nobs, constraints=con)
    assert tr.trace == pytest.approx(rec["ugamma_trace"], rel=TOL)
    assert tr.trace2 == pytest.approx(rec["ugamma2_trace"], rel=TOL)
    std = rec["tests"]["standard"]
    (name, ref), = ((k, v) for k, v in rec["tests"].items() if k != "standard")
    stat_group = np.atleast_1d(std["stat.group"])
    if name == "scaled.shifted":
        t = scaled_shifted_test(std["stat"], std["df"], tr, nobs, stat_group)
        assert t.shift_parameter == pytest.approx(ref["shift.parameter"], rel=TOL)
    elif name == "mean.var.adjusted":
        t = mean_var_adjusted_test(std["stat"], std["df"], tr, stat_group)
    else:
        assert name == "satorra.bentler"
        t = satorra_bentler_test(std["stat"], std["df"], tr, stat_group)
    assert t.test == name
    assert t.stat == pytest.approx(ref["stat"], rel=TOL)
    assert t.df == pytest.approx(ref["df"], rel=TOL)
    assert t.scaling_factor == pytest.approx(ref["scaling.factor"], rel=TOL)
    assert t.trace_ugamma == pytest.approx(ref["trace.UGamma"], rel=TOL)
    np.testing.assert_allclose(t.stat_group, np.atleast_1d(ref["stat.group"]), rtol=TOL)
    assert 0 < t.pvalue < 1


def test_expected_information_is_the_weighted_crossproduct() -> None:
    rng = np.random.default_rng(1)
    d1, d2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    w1, w2 = rng.uniform(1, 2, 6), rng.uniform(1, 2, 6)
    E = expected_information([d1, d2], [w1, np.diag(w2)], [30, 10])
    np.testing.assert_allclose(E, 0.75 * d1.T @ np.diag(w1) @ d1 + 0.25 * d2.T @ np.diag(w2) @ d2)


def test_inputs_are_checked() -> None:
    d = np.ones((4, 2))
    with pytest.raises(ValueError, match="one delta, weight and nobs per group"):
        expected_information([d, d], [np.ones(4)], [10, 10])
    with pytest.raises(ValueError, match="delta has 4 rows, the weight 3"):
        expected_information([d], [np.ones(3)], [10])
    with pytest.raises(ValueError, match="constraints need 2 columns"):
        information_inverse([np.eye(2)], [np.ones(2)], [10], np.ones((1, 3)))
    with pytest.raises(ValueError, match="stat_group has 1 groups, nobs 2"):
        scaled_shifted_test(10.0, 5, UGammaTraces(4.0, 3.0), [10, 10])


# --- end to end from the data: our stage 1, lavaan's Delta and DWLS statistic -------------

STAGE1_DATA = {
    "bfi_ac": lambda: ordinal_sample_stats(pd.read_csv(REF / "data" / "bfi_ac_complete.csv")),
    "hs": lambda: ordinal_sample_stats(
        pd.read_csv(REF / "data" / "hs_ordinal.csv").drop(columns="school")),
    "hs_groups": lambda: ordinal_sample_stats(pd.read_csv(REF / "data" / "hs_ordinal.csv"),
                                              group="school"),
    "bfi_pairwise": lambda: ordinal_sample_stats(
        pd.read_csv(REF / "data" / "bfi_ac_first600_missing.csv").drop(columns="gender"),
        missing="pairwise"),
    "bfi_pairwise_groups": lambda: ordinal_sample_stats(
        pd.read_csv(REF / "data" / "bfi_ac_first600_missing.csv"), group="gender",
        missing="pairwise"),
}
# our stage 1 agrees with lavaan's to ~1e-8 (tests/test_ordinal_stats.py); what follows
# inherits that, so these comparisons hold to 1e-6 (relative)
TOL_DATA = 1e-6


@pytest.fixture(scope="module")
def own_stage1():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PsychometricsWarning)
        return {k: f() for k, f in STAGE1_DATA.items()}


@pytest.mark.parametrize("fit", sorted(FITS))
def test_independence_model_matches_lavaans_baseline(fit: str, own_stage1) -> None:
    rec = ROBUST[fit]
    weight = "uls" if rec["estimator"] == "ULS" else "dwls"
    (name, ref), = ((k, v) for k, v in rec["baseline_tests"].items() if k != "standard")
    base = independence_tests(own_stage1[FITS[fit]], weight=weight, test=name)
    std = rec["baseline_tests"]["standard"]
    assert base.stat == pytest.approx(std["stat"], rel=TOL_DATA)
    assert base.df == std["df"] == rec["fit_measures"]["baseline.df"]
    np.testing.assert_allclose(base.stat_group, np.atleast_1d(std["stat.group"]), rtol=TOL_DATA)
    assert base.robust.test == name
    assert base.robust.stat == pytest.approx(ref["stat"], rel=TOL_DATA)
    assert base.robust.stat == pytest.approx(rec["fit_measures"]["baseline.chisq.scaled"],
                                             rel=TOL_DATA)
    assert base.robust.scaling_factor == pytest.approx(ref["scaling.factor"], rel=TOL_DATA)
    assert base.robust.df == pytest.approx(ref["df"], rel=TOL_DATA)


def test_independence_model_with_the_full_weight() -> None:
    frame = pd.read_csv(REF / "data" / "hs_ordinal.csv").drop(columns="school")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PsychometricsWarning)
        base = independence_tests(ordinal_sample_stats(frame), weight="wls", test="standard")
    ref = ROBUST["hs_wls_baseline"]
    assert base.stat == pytest.approx(ref["stat"], rel=TOL_DATA)
    assert base.df == ref["df"]
    assert base.robust is None
    with pytest.raises(ValueError, match="weight must be"):
        independence_tests(ordinal_sample_stats(frame.iloc[:, :3]), weight="ml")


@pytest.mark.parametrize("fit", ["bfi_ac_wlsmv", "hs_wlsmv", "hs_groups_wlsmv",
                                 "hs_groups_equal_wlsmv", "bfi_ac_ulsmv",
                                 "bfi_pairwise_wlsmv", "bfi_pairwise_groups_wlsmv"])
def test_model_tests_from_our_stage1(fit: str, own_stage1) -> None:
    """lavaan's Delta and DWLS statistic with our W and Gamma: lavaan's WLSMV test and SEs."""
    rec = ROBUST[fit]
    groups = own_stage1[FITS[fit]].groups
    delta = [np.array(d, dtype=float) for d in rec["delta"]]
    uls = rec["estimator"] == "ULS"
    weight = [np.ones(g.gamma.shape[0]) if uls else g.wls_v for g in groups]
    gamma = [g.gamma for g in groups]
    nobs = [g.nobs for g in groups]
    con = np.array(rec["con_jac"], dtype=float) if rec["con_jac"] else None
    tr = ugamma_traces(delta, weight, gamma, nobs, constraints=con)
    std, ref = rec["tests"]["standard"], rec["tests"]["scaled.shifted"]
    t = scaled_shifted_test(std["stat"], std["df"], tr, nobs, np.atleast_1d(std["stat.group"]))
    assert t.stat == pytest.approx(ref["stat"], rel=TOL_DATA)
    assert t.shift_parameter == pytest.approx(ref["shift.parameter"], rel=TOL_DATA)
    assert t.stat == pytest.approx(rec["fit_measures"]["chisq.scaled"], rel=TOL_DATA)
    se = np.sqrt(np.diag(robust_vcov(delta, weight, gamma, nobs, constraints=con)))
    np.testing.assert_allclose(se, np.sqrt(np.diag(np.array(rec["vcov"]))), rtol=TOL_DATA)


def test_independence_summary(own_stage1) -> None:
    text = independence_tests(own_stage1["hs_groups"]).summary()
    assert "standard   chisq" in text and "scaled.shifted chisq" in text and "df 72" in text
