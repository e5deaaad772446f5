"""Multi-group models, mean structures and likelihood-ratio tests against lavaan 0.6.14.

Fixtures come from tests/reference/sem.R (run with R; CI has no R), fitted on the CSV files in
tests/reference/data/.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import (
    BFI_MODEL,
    HS_MODEL,
    RTOL_MI,
    TOL_FIT,
    assert_estimates_match,
    assert_fit_matches,
    assert_modindices_match,
    fit_without_warnings,
)
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import MissingColumnError, NumericalWarning

DATA = REF / "data"
OUT = REF / "sem"

# A group's share of chisq is not stationary at the optimum (only the sum is), so it inherits
# the ~1e-5 distance between lavaan's stopping point and ours (see test_factor_cfa): compare
# relative (observed <= 4e-7).
RTOL_GROUP_CHISQ = 1e-6
ALL_EQUAL = ["loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
             "lv.covariances", "means"]


def _hs() -> pd.DataFrame:
    return pd.read_csv(DATA / "HolzingerSwineford1939.csv")


def _hs_mcar() -> pd.DataFrame:
    data = pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv")
    school = _hs().set_index("id")["school"]
    return data.assign(school=school.loc[data["id"]].to_numpy())


def _case(name: str) -> tuple[pd.DataFrame, str, dict]:
    by_school = {"group": "school"}
    cases = {
        "hs_means": (_hs, HS_MODEL, {"meanstructure": True}),
        "hs_configural": (_hs, HS_MODEL, by_school),
        "hs_metric": (_hs, HS_MODEL, {**by_school, "group_equal": "loadings"}),
        "hs_scalar": (_hs, HS_MODEL, {**by_school, "group_equal": ["loadings", "intercepts"]}),
        "hs_strict": (_hs, HS_MODEL, {**by_school,
                                      "group_equal": ["loadings", "intercepts", "residuals"]}),
        "hs_allequal": (_hs, HS_MODEL, {**by_school, "group_equal": ALL_EQUAL}),
        "hs_partial": (_hs, HS_MODEL, {**by_school, "group_equal": ["loadings", "intercepts"],
                                       "group_partial": ["x3 ~ 1", "visual =~ x2"]}),
        "hs_metric_stdlv": (_hs, HS_MODEL, {**by_school, "std_lv": True,
                                            "group_equal": ["loadings"]}),
        "hs_grouplabels": (_hs, "visual =~ x1 + c(a, a)*x2 + c(b1, b2)*x3\n"
                                "textual =~ x4 + x5 + c(0.9, NA)*x6\nspeed =~ x7 + x8 + x9",
                           by_school),
        "hs_fiml_metric": (_hs_mcar, HS_MODEL, {**by_school, "missing": "fiml",
                                                "group_equal": "loadings"}),
        "bfi_configural": (lambda: pd.read_csv(DATA / "bfi.csv"), BFI_MODEL,
                           {"group": "gender"}),
        "bfi_scalar": (lambda: pd.read_csv(DATA / "bfi.csv"), BFI_MODEL,
                       {"group": "gender", "group_equal": ["loadings", "intercepts"]}),
    }
    load, model, kw = cases[name]
    return load(), model, kw


CASES = ["hs_means", "hs_configural", "hs_metric", "hs_scalar", "hs_strict", "hs_allequal",
         "hs_partial", "hs_metric_stdlv", "hs_grouplabels", "hs_fiml_metric",
         "bfi_configural", "bfi_scalar"]
_FITTED: dict[str, pm.CFAResult] = {}


def _fit(name: str) -> pm.CFAResult:
    if name not in _FITTED:
        data, model, kw = _case(name)
        _FITTED[name] = fit_without_warnings(pm.cfa, data, model, **kw)
    return _FITTED[name]


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan(name: str) -> None:
    assert_fit_matches(_fit(name), OUT / f"{name}_fit.csv")


@pytest.mark.parametrize("name", CASES)
def test_group_contributions_to_chisq(name: str) -> None:
    res = _fit(name)
    ref = pd.read_csv(OUT / f"{name}_groupchisq.csv", keep_default_na=False)
    if len(ref) == 1:
        assert res.groups == () and res.group_fit is None
        return
    assert list(res.groups) == list(ref["group"].astype(str))  # lavaan's group order
    assert res.group_fit is not None
    np.testing.assert_allclose(res.group_fit["chisq"], ref["chisq"], rtol=RTOL_GROUP_CHISQ)
    assert list(res.group_fit["n"]) == list(ref["nobs"])
    assert res.group_fit["chisq"].sum() == pytest.approx(res.fit["chisq"], abs=1e-9)


@pytest.mark.parametrize("name", CASES)
def test_estimates_match_lavaan(name: str) -> None:
    assert_estimates_match(_fit(name), OUT / f"{name}_estimates.csv",
                           columns=("est", "se", "ci_lower", "ci_upper", "std_lv", "std_all",
                                    "std_nox"))


@pytest.mark.parametrize("name", ["hs_means", "hs_configural", "hs_metric", "hs_scalar",
                                  "hs_partial", "hs_fiml_metric"])
def test_modification_indices_match_lavaan(name: str) -> None:
    assert_modindices_match(_fit(name).modification_indices, OUT / f"{name}_mi.csv")


@pytest.mark.parametrize(("case", "models"), [
    ("hs_ladder", ["hs_configural", "hs_metric", "hs_scalar", "hs_strict"]),
    ("bfi_ladder", ["bfi_configural", "bfi_scalar"]),
])
def test_lrt_matches_lavTestLRT(case: str, models: list[str]) -> None:
    ref = pd.read_csv(OUT / f"lrt_{case}.csv")
    fits = [_fit(m) for m in models]
    # given out of order: lrt orders by df as lavTestLRT does
    table = pm.lrt(*fits[::-1], names=models[::-1])
    assert list(table.index) == models
    for ours, theirs in [("df", "Df"), ("aic", "AIC"), ("bic", "BIC"), ("chisq", "Chisq"),
                         ("chisq_diff", "Chisq diff"), ("rmsea", "RMSEA"),
                         ("df_diff", "Df diff"), ("pvalue", "Pr(>Chisq)")]:
        np.testing.assert_allclose(table[ours], ref[theirs], atol=TOL_FIT, err_msg=ours)


def test_lrt_refuses_what_it_cannot_compare() -> None:
    a, b = _fit("hs_configural"), _fit("hs_metric")
    with pytest.raises(ValueError, match="at least two"):
        pm.lrt(a)
    with pytest.raises(ValueError, match="different groups"):
        pm.lrt(a, _fit("hs_means"))
    with pytest.raises(ValueError, match="different numbers of observations"):
        pm.lrt(a, _fit("bfi_configural"))
    with pytest.raises(TypeError, match="not a fitted model"):
        pm.lrt(a, "metric")  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(pm.lrt(b, a).index) == ["model2", "model1"]  # default names, df order
    # a "restricted" model that fits better: not nested
    looser = pm.cfa(_hs(), HS_MODEL + "\nvisual =~ x9", group="school",
                    group_equal="loadings")
    with pytest.warns(NumericalWarning, match="restricted models fit better"):
        pm.lrt(looser, a)


def test_group_labels_and_summary() -> None:
    res = _fit("hs_metric")
    assert res.groups == ("Pasteur", "Grant-White")
    assert list(res.standardized.index.get_level_values("group").unique()) == list(res.groups)
    text = res.summary()
    assert "Group 1 [Pasteur]:" in text and "Group 2 [Grant-White]:" in text
    assert "Grant-White" in text.split("Model Test Baseline")[0]  # its chisq contribution
    mi = res.modification_indices
    assert set(mi["group"]) == set(res.groups)


def test_group_errors_are_located() -> None:
    hs = _hs()
    with pytest.raises(MissingColumnError, match="group column 'gender'"):
        pm.cfa(hs, HS_MODEL, group="gender")
    with pytest.raises(ValueError, match="group_equal: unknown 'loading'"):
        pm.cfa(hs, HS_MODEL, group="school", group_equal=["loading"])
    with pytest.raises(ValueError, match="group_partial: 'visual =~ x10'"):
        pm.cfa(hs, HS_MODEL, group="school", group_equal="loadings",
               group_partial="visual =~ x10")
    with pytest.raises(ValueError, match="group_partial: cannot read"):
        pm.cfa(hs, HS_MODEL, group="school", group_partial=["visual"])
    with pytest.raises(ValueError, match="need group="):
        pm.cfa(hs, HS_MODEL, group_equal="loadings")
    with pytest.raises(ValueError, match=r"gives 3 values in c\(...\) but the data have 2"):
        pm.cfa(hs, "visual =~ x1 + c(a, b, c)*x2 + x3", group="school")
    with pytest.raises(ValueError, match="raw data"):
        pm.cfa(hs[["x1", "x2", "x3"]].cov(), "f =~ x1 + x2 + x3", n_obs=301, group="school")
    small = pd.concat([hs[hs["school"] == "Pasteur"], hs[hs["school"] == "Grant-White"].head(5)])
    with pytest.raises(ValueError, match="group 'Grant-White' \\(column 'school'\\)"):
        pm.cfa(small, HS_MODEL, group="school")
    empty = hs.assign(school=pd.Categorical(hs["school"], categories=["Pasteur", "Grant-White",
                                                                      "Other"]))
    with pytest.raises(ValueError, match=r"group 'Other' .* has no rows"):
        pm.cfa(empty, HS_MODEL, group="school")


def test_rows_without_a_group_are_reported() -> None:
    hs = _hs()
    hs.loc[[0, 5], "school"] = np.nan
    with pytest.warns(NumericalWarning, match=r"2 rows have no value in the group column "
                                               r"'school' .*data rows 2, 7"):
        res = pm.cfa(hs, HS_MODEL, group="school")
    assert res.n_obs == 299


def test_numeric_groups_are_labelled_as_lavaan_labels_them() -> None:
    res = _fit("bfi_configural")
    assert res.groups == ("1", "2")  # psych::bfi's gender, in order of first appearance


def _fit_any(name: str) -> pm.CFAResult:
    if name == "hs_mlr_scalar":
        return pm.cfa(_hs(), HS_MODEL, group="school", estimator="MLR",
                      group_equal=["loadings", "intercepts"])
    if name == "pd":
        from test_structural_sem import PD_MODEL

        from psychometrics.structural import sem
        return sem(pd.read_csv(DATA / "PoliticalDemocracy.csv"), PD_MODEL)
    return _fit(name)


@pytest.mark.parametrize("name", ["hs_metric", "hs_scalar", "hs_mlr_scalar", "pd"])
def test_score_tests_of_the_equality_constraints_match_lavTestScore(name: str) -> None:
    # (lavaan's score test is the ordinary one under MLR too, as here)
    res = _fit_any(name)
    ref = pd.read_csv(OUT / f"{name}_score.csv")
    total = pd.read_csv(OUT / f"{name}_score_total.csv")
    assert res.score_tests is not None and res.score_test is not None
    assert list(res.score_tests["lhs"]) == list(ref["lhs"])
    assert list(res.score_tests["rhs"]) == list(ref["rhs"])
    # score statistics, like the modification indices, compared relative to max(1, |x|)
    diff = np.abs(res.score_tests["X2"] - ref["X2"]) / np.maximum(1.0, ref["X2"].abs())
    assert diff.max() < RTOL_MI
    assert res.score_test["X2"] == pytest.approx(total["X2"].iloc[0], rel=RTOL_MI)
    assert res.score_test["df"] == total["df"].iloc[0]
    assert _fit("hs_configural").score_tests is None  # nothing constrained
