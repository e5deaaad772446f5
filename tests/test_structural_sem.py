"""Structural regressions (lavaan::sem) against lavaan 0.6.14: PoliticalDemocracy (Bollen's
model), with a mean structure and std.lv, under FIML, and by group with equal regressions.
Fixtures: tests/reference/sem.R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import (
    HS_MODEL,
    TOL_EST,
    assert_estimates_match,
    assert_fit_matches,
    fit_without_warnings,
)
from reference_data import REF

from psychometrics.structural import sem

DATA = REF / "data"
OUT = REF / "sem"

PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""
HS_SEM = HS_MODEL + "\nspeed ~ visual + textual"
HS_DEFINED = """visual =~ x1 + a*x2 + b*x3
textual =~ x4 + c1*x5 + c2*x6
speed =~ x7 + x8 + x9
c1 == c2
ab := a*b
d := a - b
r := ab / (1 + d^2)"""
PD_INDIRECT = PD_MODEL.replace("dem60 ~ ind60\ndem65 ~ ind60 + dem60",
                               "dem60 ~ p1*ind60\ndem65 ~ ind60 + p2*dem60\nind := p1*p2")


def _case(name: str) -> tuple[pd.DataFrame, str, dict]:
    pd_data = pd.read_csv(DATA / "PoliticalDemocracy.csv")
    cases = {
        "pd": (pd_data, PD_MODEL, {}),
        "pd_means_stdlv": (pd_data, PD_MODEL, {"meanstructure": True, "std_lv": True}),
        "hs_sem_fiml": (pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv"), HS_SEM,
                        {"missing": "fiml"}),
        "hs_sem_groups": (pd.read_csv(DATA / "HolzingerSwineford1939.csv"), HS_SEM,
                          {"group": "school", "group_equal": ["loadings", "regressions"]}),
        "hs_defined": (pd.read_csv(DATA / "HolzingerSwineford1939.csv"), HS_DEFINED, {}),
        "pd_indirect": (pd_data, PD_INDIRECT, {}),
    }
    return cases[name]


CASES = ["pd", "pd_means_stdlv", "hs_sem_fiml", "hs_sem_groups", "hs_defined", "pd_indirect"]
_FITTED: dict = {}


def _fit(name: str):  # type: ignore[no-untyped-def]
    if name not in _FITTED:
        data, model, kw = _case(name)
        _FITTED[name] = fit_without_warnings(sem, data, model, **kw)
    return _FITTED[name]


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan(name: str) -> None:
    assert_fit_matches(_fit(name), OUT / f"{name}_fit.csv")


@pytest.mark.parametrize("name", CASES)
def test_estimates_match_lavaan(name: str) -> None:
    assert_estimates_match(_fit(name), OUT / f"{name}_estimates.csv",
                           columns=("est", "se", "ci_lower", "ci_upper", "std_lv", "std_all",
                                    "std_nox"))


@pytest.mark.parametrize("name", ["pd", "pd_means_stdlv"])
def test_r_squared_matches_lavaan(name: str) -> None:
    ref = pd.read_csv(OUT / f"{name}_r2.csv")
    r2 = _fit(name).r2
    assert list(r2.index) == list(ref["variable"])
    np.testing.assert_allclose(r2.to_numpy(), ref["r2"], atol=TOL_EST)


def test_bollen_headline_numbers() -> None:
    # lavaan's tutorial output for the PoliticalDemocracy model
    res = _fit("pd")
    assert round(res.fit["chisq"], 3) == 40.179 and int(res.fit["df"]) == 38


def test_intercepts_are_read_and_fixed() -> None:
    data = pd.read_csv(DATA / "HolzingerSwineford1939.csv")
    # a fixed marker intercept with a free factor mean: the same fit as without means
    res = sem(data, HS_MODEL + "\nx1 ~ 0*1\nvisual ~ 1")
    assert res.converged and res.implied_mean is not None  # intercepts add the mean structure
    assert res.fit["chisq"] == pytest.approx(sem(data, HS_MODEL).fit["chisq"], abs=1e-6)
    est = res.estimates.set_index(["lhs", "op"])
    assert est.loc[("x1", "~1"), "est"] == 0.0 and est.loc[("x1", "~1"), "se"] == 0.0
    assert est.loc[("visual", "~1"), "est"] == pytest.approx(data["x1"].mean(), abs=1e-5)


def test_defined_parameters_and_constraints() -> None:
    res = _fit("hs_defined")
    est = res.estimates.set_index(["lhs", "op"])
    # c1 == c2: one parameter
    assert est.loc[("textual", "=~"), "est"].iloc[1] == est.loc[("textual", "=~"), "est"].iloc[2]
    ab = est.loc[("ab", ":="), "est"]
    a = est.loc[("visual", "=~"), "est"].iloc[1]
    b = est.loc[("visual", "=~"), "est"].iloc[2]
    assert ab == pytest.approx(a * b, rel=1e-12)
    assert est.loc[("r", ":="), "rhs"] == "ab/(1+d^2)"  # lavaan's spelling
    assert "Defined Parameters:" in res.summary()


def test_summary_of_a_structural_model() -> None:
    text = _fit("pd_indirect").summary()
    assert text.startswith("Structural equation model (ML) converged")
    for part in ["Regressions:", "  dem65 ~", "Defined Parameters:", "ind := p1*p2",
                 "R-Square:", "dem60"]:
        assert part in text, part


@pytest.mark.parametrize(("model", "message"), [
    (HS_MODEL + "\nz := a*b", "'z := a\\*b' \\(line 4\\) names 'a', 'b', not a label"),
    (HS_DEFINED.replace("c1 == c2", "c1 == c3"), "constraint 'c1 == c3' \\(line 4\\) names "
                                                 "'c3', not a label"),
])
def test_unknown_labels_are_located_errors_before_fitting(model: str, message: str) -> None:
    from psychometrics.structural import ModelError

    data = pd.read_csv(DATA / "HolzingerSwineford1939.csv")
    with pytest.raises(ModelError, match=message):
        sem(data, model)
