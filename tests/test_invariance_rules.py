"""The invariance table's differences and decisions against semTools 0.5.6 / lavaan 0.6.14
(tests/reference/invariance_rules.R): semTools::compareFit's fit differences and nested
chi-square tests on HolzingerSwineford1939 by school (ML and MLR, four steps), the
decisions under the published cut-offs of each rule, and the counts behind the
small-group verdict (lavaan's free parameters per group and respondents per group)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from tests.reference_data import REF

OUT = REF / "invariance"
HS = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
MODELS = {"three_factor": "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
                          "speed =~ x7 + x8 + x9",
          "one_factor": "visual =~ x1 + x2 + x3",
          "six_items": "f =~ x1 + x2 + x3 + x4 + x5 + x6"}
TOL_FIT = 1e-5  # fit measures and tests, relative, atol 1e-8 for tiny p-values (as
ATOL_P = 1e-8   # test_structural_invariance.py)
# The deltas are differences of fit measures that agree to 1e-5 relative and lie in
# [0, 1]: they agree to 1e-5 absolute.
TOL_DELTA = 1e-5
TESTS = ["chisq_diff", "df_diff", "pvalue_diff"]
DELTAS = ["delta_cfi", "delta_rmsea", "delta_srmr"]


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
@pytest.mark.parametrize("rule", ["cheung_rensvold", "chen", "chisq"])
def test_differences_and_decisions_match_compare_fit(estimator: str, rule: str) -> None:
    ref = pd.read_csv(OUT / f"hs_school_rules_{estimator.lower()}.csv").set_index("step")
    res = pm.invariance(HS, MODELS["three_factor"], group="school", estimator=estimator,
                        rule=rule, partial=False)
    got = res.table.loc[list(ref.index)]
    np.testing.assert_allclose(got[TESTS].astype(float), ref[TESTS], rtol=TOL_FIT,
                               atol=ATOL_P)
    np.testing.assert_allclose(got[DELTAS].astype(float), ref[DELTAS], rtol=0,
                               atol=TOL_DELTA)
    assert list(got["decision"]) == list(ref[rule])
    assert res.table.loc["configural", "decision"] == "baseline"


def test_the_rules_disagree_where_the_cut_offs_say_so() -> None:
    # the fixtures hold the cases that tell the rules apart: ML strict fails the chi-square
    # test only; scalar fails Chen through SRMR (.0108 > .010) with RMSEA below .015
    ml = pd.read_csv(OUT / "hs_school_rules_ml.csv").set_index("step")
    assert ml.loc["strict", ["cheung_rensvold", "chen", "chisq"]].tolist() == [
        "invariant", "invariant", "not invariant"]
    assert ml.loc["scalar", "delta_rmsea"] < 0.015 < 0.010 + ml.loc["scalar", "delta_srmr"]
    res = pm.invariance(HS, MODELS["three_factor"], group="school", rule="chen",
                        partial=False)
    assert res.table.loc["scalar", "decision"] == "not invariant"
    assert "SRMR by more than 0.010" in res.table.loc["scalar", "rule"]
    assert "SRMR by more than 0.030" in res.table.loc["metric", "rule"]


@pytest.mark.parametrize("name", list(MODELS))
def test_small_group_counts_match_lavaan(name: str) -> None:
    ref = pd.read_csv(OUT / "hs_small_group_counts.csv")
    ref = ref[ref["model"] == name].set_index("group")
    small = pd.concat([HS[HS["school"] == "Pasteur"],
                       HS[HS["school"] == "Grant-White"].head(18)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.invariance(small, MODELS[name], group="school", partial=False)
    groups = res.groups.loc[list(ref.index)]
    assert groups["n"].tolist() == ref["n"].tolist()
    assert groups["parameters"].tolist() == ref["parameters"].astype(int).tolist()
    assert groups["estimable"].tolist() == (ref["n"] >= ref["parameters"]).tolist()
    if (ref["n"] < ref["parameters"]).any():
        n, q = int(ref.loc["Grant-White", "n"]), int(ref.loc["Grant-White", "parameters"])
        assert res.verdict == (f"school = Grant-White has {n} respondents for {q} free "
                               "parameters per group: multi-group CFA not estimable; "
                               "compare reliability and scores with that caveat")
        assert not res.estimable and res.table.empty
    else:  # 18 respondents for 18 (or 9) parameters: fitted
        assert res.estimable and list(res.table.index[:1]) == ["configural"]
