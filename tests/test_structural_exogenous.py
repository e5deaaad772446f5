"""Regressions on observed exogenous covariates with lavaan's defaults (``fixed.x = TRUE``,
``conditional.x = FALSE``) against lavaan 0.6.14: a MIMIC model on HolzingerSwineford1939
(with and without a mean structure, by school, MLR, FIML), an observed-variable path model
on PoliticalDemocracy, and modification indices with regression candidates.
Fixtures: tests/reference/sem_exogenous.R."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import FIT_NAMES, RTOL_Z, TOL_EST, TOL_FIT
from reference_data import REF
from test_structural_robust import RTOL_SCALED_CHISQ, RTOL_SCALED_CHISQ_FIML, SCALED

from psychometrics.errors import NumericalWarning
from psychometrics.structural import ModelError, sem

DATA = REF / "data"
OUT = REF / "sem_exogenous"

MIMIC = """visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~ ageyr + female
textual ~ ageyr + female"""
PATH = "y5 ~ y1 + x1\ny1 ~ x1 + x2"
PD_NODIRECT = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ dem60"""


def _hs() -> pd.DataFrame:
    hs = pd.read_csv(DATA / "HolzingerSwineford1939.csv")
    return hs.assign(female=(hs["sex"] == 2).astype(float))


def _hs_mcar() -> pd.DataFrame:
    hs = _hs().set_index("id")
    data = pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv")
    return data.assign(ageyr=hs.loc[data["id"], "ageyr"].to_numpy(),
                       female=hs.loc[data["id"], "female"].to_numpy())


def _hs_mcar_x() -> pd.DataFrame:
    data = _hs_mcar()
    data.loc[[2, 9, 49], "ageyr"] = np.nan
    return data


def _pd() -> pd.DataFrame:
    return pd.read_csv(DATA / "PoliticalDemocracy.csv")


CASES: dict[str, tuple] = {
    "mimic": (_hs, MIMIC, {}),
    "mimic_means": (_hs, MIMIC, {"meanstructure": True}),
    "path": (_pd, PATH, {}),
    "pd_nodirect": (_pd, PD_NODIRECT, {}),
    "mediation": (_pd, "y1 ~ a*x1\ny5 ~ b*y1\nind := a*b", {}),
    "mimic_groups": (_hs, MIMIC, {"group": "school"}),
    "mimic_groups_equal": (_hs, MIMIC, {"group": "school",
                                        "group_equal": ["loadings", "regressions"]}),
    "path_groups_equal": (_hs, "x9 ~ x7 + x8 + ageyr\nx8 ~ x7", {
        "group": "school", "group_equal": ["intercepts", "residuals", "regressions"]}),
    "mimic_mlr": (_hs, MIMIC, {"estimator": "MLR"}),
    "path_mlr": (_pd, PATH, {"estimator": "MLR"}),
    "mimic_mlm": (_hs, MIMIC, {"estimator": "MLM"}),
    "mimic_mlmv": (_hs, MIMIC, {"estimator": "MLMV"}),
    "mimic_mlr_groups": (_hs, MIMIC, {"estimator": "MLR", "group": "school",
                                      "group_equal": ["loadings", "regressions"]}),
    "mimic_fiml": (_hs_mcar, MIMIC, {"missing": "fiml"}),
    "mimic_fiml_mlr": (_hs_mcar, MIMIC, {"missing": "fiml", "estimator": "MLR"}),
    "mimic_fiml_xmissing": (_hs_mcar_x, MIMIC, {"missing": "fiml"}),
}
_FITTED: dict = {}


def _fit(name: str):  # type: ignore[no-untyped-def]
    if name not in _FITTED:
        load, model, kw = CASES[name]
        if name == "mimic_fiml_xmissing":
            with pytest.warns(NumericalWarning, match=r"3 rows have a missing exogenous "
                              r"covariate \('ageyr'\).*data rows 4, 11, 51"):
                _FITTED[name] = sem(load(), model, **kw)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                _FITTED[name] = sem(load(), model, **kw)
    return _FITTED[name]


def _ref(name: str, what: str) -> pd.DataFrame:
    return pd.read_csv(OUT / f"{name}_{what}.csv", keep_default_na=False, na_values=["NA"])


@pytest.mark.parametrize("name", list(CASES))
def test_fit_measures_match_lavaan(name: str) -> None:
    res = _fit(name)
    ref = _ref(name, "fit").set_index("measure")["value"]
    assert res.converged
    for ours, theirs in FIT_NAMES.items():
        assert res.fit[ours] == pytest.approx(ref[theirs], abs=TOL_FIT), ours


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_match_lavaan(name: str) -> None:
    res = _fit(name)
    ref = _ref(name, "estimates")
    est = res.estimates
    assert list(est["lhs"]) == list(ref["lhs"])
    assert list(est["op"]) == list(ref["op"])
    assert list(est["rhs"].fillna("")) == list(ref["rhs"].astype(str).replace("nan", ""))
    if "group" in ref:
        assert list(est["group"]) == list(ref["group"].astype(str))
    for ours, theirs in [("est", "est"), ("se", "se"), ("ci_lower", "ci.lower"),
                         ("ci_upper", "ci.upper"), ("std_lv", "std.lv"),
                         ("std_all", "std.all"), ("std_nox", "std.nox")]:
        np.testing.assert_allclose(est[ours], ref[theirs], atol=TOL_EST, err_msg=ours)
    np.testing.assert_allclose(est["z"], ref["z"], rtol=RTOL_Z, err_msg="z")


@pytest.mark.parametrize("name", list(CASES))
def test_r_squared_matches_lavaan(name: str) -> None:
    ref = _ref(name, "r2")
    r2 = _fit(name).r2
    if "group" in ref:
        assert [str(g) for g, _ in r2.index] == list(ref["group"].astype(str))
        assert [v for _, v in r2.index] == list(ref["variable"])
    else:
        assert list(r2.index) == list(ref["variable"])
    np.testing.assert_allclose(r2.to_numpy(), ref["r2"], atol=TOL_EST)


def test_the_covariates_are_fixed_rows_without_standard_errors() -> None:
    est = _fit("mimic").estimates
    exo = est[est["lhs"].isin(["ageyr", "female"]) & (est["op"] == "~~")]
    hs = _hs()
    assert len(exo) == 3 and (exo["se"] == 0).all() and exo["z"].isna().all()
    # the sample covariance with divisor N
    assert exo["est"].iloc[0] == pytest.approx(hs["ageyr"].var(ddof=0), rel=1e-12)


@pytest.mark.parametrize(("model", "match"), [
    ("visual =~ x1 + x2 + x3\nx1 ~ ageyr", r"'x1 ~ ageyr' \(line 2\).*'x1' indicates a\s+factor"),
    ("visual =~ x1 + x2 + x3\nvisual ~ ageyr\nageyr ~~ ageyr",
     r"'ageyr ~~ ageyr' \(line 3\).*exogenous covariate 'ageyr'"),
    ("visual =~ x1 + x2 + x3\nx4 ~ ageyr\nx4 ~~ x1", r"'x4 ~~ x1' \(line 3\)"),
])
def test_unsupported_observed_regressions_are_refused_with_the_line(model: str,
                                                                    match: str) -> None:
    with pytest.raises(ModelError, match=match):
        sem(_hs(), model)


@pytest.mark.parametrize("name", ["mimic_mlr", "path_mlr", "mimic_mlm", "mimic_mlmv",
                                  "mimic_mlr_groups", "mimic_fiml_mlr"])
def test_robust_measures_with_fixed_covariates_match_lavaan(name: str) -> None:
    # lavaan's h1 information leaves out the covariates' moments (Yuan-Bentler trace, the
    # FIML-corrected robust indices), MLM's Gamma is the fixed-x one
    res = _fit(name)
    ref = _ref(name, "fit").set_index("measure")["value"]
    for measure in SCALED:
        assert res.fit[measure] == pytest.approx(ref[measure.replace("_", ".")],
                                                 abs=TOL_FIT), measure
    rtol = RTOL_SCALED_CHISQ_FIML if res.missing == "fiml" else RTOL_SCALED_CHISQ
    for measure in ["chisq_scaled", "baseline_chisq_scaled"]:
        assert res.fit[measure] == pytest.approx(ref[measure.replace("_", ".")],
                                                 rel=rtol), measure


# A candidate that is exactly redundant with the model's parameters (a covariate's variance
# once its regressions are free, a marker loading) has a score of 0 and a conditional
# information of 0 up to rounding: lavaan lists it as NA or as an MI of ~1e-7 or less
# depending on that rounding, as this package does. Those rows (MI < 1e-6 on either side)
# are not compared; every other row is, in lavaan's order.
MI_DEGENERATE = 1e-6
RTOL_MI = 1e-3  # as tests/test_factor_cfa.py


def _compare_mi(mi: pd.DataFrame, ref: pd.DataFrame) -> None:
    ref = ref[ref["mi"].notna()]
    cols = ["lhs", "op", "rhs"] + (["group"] if "group" in ref else [])
    if "group" in ref:
        ref = ref.assign(group=ref["group"].astype(str))
    ours = mi[mi["mi"] > MI_DEGENERATE]
    theirs = ref[ref["mi"] > MI_DEGENERATE]
    assert list(ours[cols].itertuples(index=False)) == list(
        theirs[cols].itertuples(index=False))
    # the rows one side lists and the other does not are all degenerate
    key_o = set(mi[cols].itertuples(index=False))
    key_r = set(ref[cols].itertuples(index=False))
    assert (mi[[k not in key_r for k in mi[cols].itertuples(index=False)]]["mi"]
            < MI_DEGENERATE).all()
    assert (ref[[k not in key_o for k in ref[cols].itertuples(index=False)]]["mi"]
            < MI_DEGENERATE).all()
    for col in ["mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]:
        a, b = ours[col].to_numpy(), theirs[col.replace("_", ".")].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), col
        ok = ~np.isnan(b)
        diff = np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))
        assert diff.max() < RTOL_MI, col


@pytest.mark.parametrize("name", list(CASES))
def test_modification_indices_match_lavaan(name: str) -> None:
    _compare_mi(_fit(name).modification_indices, _ref(name, "mi"))


@pytest.mark.parametrize("name", ["pd", "pd_means_stdlv", "hs_sem_groups", "hs_sem_fiml",
                                  "pd_indirect"])
def test_modification_indices_of_latent_structural_models_match_lavaan(name: str) -> None:
    # the fixtures of tests/reference/sem.R: regressions among factors, one and two groups
    import test_structural_sem

    ref = pd.read_csv(test_structural_sem.OUT / f"{name}_mi.csv", keep_default_na=False,
                      na_values=["NA"])
    _compare_mi(test_structural_sem._fit(name).modification_indices, ref)


def test_regression_candidates_are_listed() -> None:
    # lavaan's lav_partable_full: the direct effect a model leaves out is a candidate
    mi = _fit("pd_nodirect").modification_indices
    row = mi[(mi["lhs"] == "dem65") & (mi["op"] == "~") & (mi["rhs"] == "ind60")]
    assert len(row) == 1 and row["mi"].iloc[0] > 3.8


def test_summary_marks_residuals_as_lavaan() -> None:
    # lavaan's summary: endogenous factors' (co)variances are residual ("."), the
    # covariates' are not
    text = _fit("mimic").summary()
    assert "  .visual ~~\n    .textual" in text
    assert "  ageyr ~~\n    female" in text
    assert "\n    ageyr     " in text.split("Variances:")[1]


def test_several_outcomes_left_of_one_regression_as_lavaan_reads_them() -> None:
    # lavaan reads 'visual + textual ~ ageyr + female' as one regression per left name
    joined = MIMIC.replace("visual ~ ageyr + female\ntextual ~ ageyr + female",
                           "visual + textual ~ ageyr + female")
    assert joined != MIMIC
    a, b = _fit("mimic"), sem(_hs(), joined)
    assert a.estimates[["lhs", "op", "rhs"]].equals(b.estimates[["lhs", "op", "rhs"]])
    np.testing.assert_allclose(b.estimates["est"], a.estimates["est"], rtol=1e-12)
    assert b.fit["chisq"] == pytest.approx(a.fit["chisq"], rel=1e-12)
