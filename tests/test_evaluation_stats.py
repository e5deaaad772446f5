"""Effect sizes, comparisons, change and proportions at the edges: tiny groups, zero
variance, missing values, pairing by index, bad input. (Parity with R is in
test_evaluation_parity.py.)"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import psychometrics as pm


def test_a_group_of_one_gives_nan_and_a_caveat_not_a_crash() -> None:
    df = pd.DataFrame({"s": [1.0, 2, 3, 4, 5, 9], "g": ["a", "a", "a", "a", "a", "b"]})
    with pytest.warns(pm.NumericalWarning, match="a group has 1 respondent"):
        res = pm.compare_groups(df, "s", "g")
    row = res.table.iloc[0]
    assert row["n_2"] == 1 and math.isnan(row["welch_t"]) and math.isnan(row["cohen_d"])
    assert row["student_t"] == pytest.approx(-6 / math.sqrt(3))  # defined: pooled SD
    assert "need at least 2 per group" in row["note"]


def test_an_empty_group_in_a_crossed_design_is_reported() -> None:
    df = pd.DataFrame({"s": [1.0, 2, 3, 4, 5, 6, 7], "a": list("xxxxyyy"),
                       "b": ["p", "q", "p", "q", "p", "p", "p"]})
    with pytest.warns(pm.NumericalWarning):
        res = pm.compare_groups(df, "s", ["a", "b"])
    assert res.groups.set_index(["a", "b"]).loc[("y", "q"), "n"] == 0
    assert "empty" in res.interaction.iloc[0]["note"]
    assert math.isnan(res.interaction.iloc[0]["interaction_lower"])


def test_zero_variance_gives_nan_with_the_cause() -> None:
    with pytest.warns(pm.NumericalWarning, match="standard deviation"):
        es = pm.effect_size([2, 2, 2], [2, 2, 2], kind="cohen_d")
    assert math.isnan(es.estimate) and "zero" in es.note


def test_missing_values_are_counted_and_rows_without_a_group_left_out_visibly() -> None:
    df = pd.DataFrame({"s": [1.0, np.nan, 3, 4, 5, 6, 7, 8, 2, 9, 10, 11],
                       "g": ["a"] * 6 + ["b"] * 5 + [None]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        res = pm.compare_groups(df, "s", "g")
        es = pm.effect_size([1.0, None, 3, 4], [2, 3, 4], kind="hedges_g")
    groups = res.groups.set_index("g")
    assert groups.loc["a", "n"] == 5 and groups.loc["a", "n_missing"] == 1
    assert res.notes == ("1 row(s) without a value of 'g' are left out",)
    assert es.n == 6 and "1 missing value(s) left out" in es.note


def test_a_non_numeric_score_names_the_row_and_the_value() -> None:
    df = pd.DataFrame({"s": ["1", "2", "x"], "g": ["a", "b", "b"]})
    with pytest.raises(ValueError, match=r"data row 4 .*'x'"):
        pm.compare_groups(df, "s", "g")
    with pytest.raises(pm.MissingColumnError, match="score column 'nope'"):
        pm.compare_groups(df, "nope", "g")


def test_more_than_two_groups_add_the_omnibus_tests() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"s": rng.normal(size=60), "g": np.repeat(["a", "b", "c"], 20)})
    res = pm.compare_groups(df, "s", "g")
    assert len(res.table) == 3 and len(res.omnibus) == 1
    assert res.omnibus.iloc[0]["groups"] == 3


def test_change_pairs_by_index_and_keeps_the_unpaired() -> None:
    pre = pd.Series([10.0, 12, 14, 11, 13], index=["a", "b", "c", "d", "e"])
    post = pd.Series([13.0, 15, 14, 16, 20], index=["b", "c", "d", "e", "f"])
    with pytest.warns(pm.NumericalWarning, match="only 4 complete pairs"):
        res = pm.change(pre, post, reliability=0.8)
    assert "2 respondent(s) have only one of the two scores" in res.note
    assert res.n == 4 and res.n_unpaired == 2
    assert list(res.respondents.index) == ["a", "b", "c", "d", "e", "f"]
    assert res.mean_diff == pytest.approx(np.mean([13 - 12, 15 - 14, 14 - 11, 16 - 13]))
    cls = res.respondents["classification"]
    assert cls["a"] == "missing post" and cls["f"] == "missing pre"
    assert res.n_improved + res.n_no_reliable_change + res.n_deteriorated == 4
    # the SD for the reliable change is that of every available baseline score
    assert res.sd == pytest.approx(pre.std())


def test_change_with_one_pair_is_honest() -> None:
    with pytest.warns(pm.NumericalWarning, match="1 complete pair"):
        res = pm.change([1.0], [2.0])
    assert res.n == 1 and res.mean_diff == 1 and math.isnan(res.t) and math.isnan(res.d_z)


def test_change_rejects_duplicate_respondents() -> None:
    pre = pd.Series([1.0, 2.0], index=["a", "a"])
    with pytest.raises(ValueError, match="more than once"):
        pm.change(pre, pd.Series([1.0, 2.0], index=["a", "b"]))


def test_effect_size_argument_checks() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        pm.effect_size([1, 2], [3, 4], kind="eta")
    with pytest.raises(ValueError, match="independent"):
        pm.effect_size([1, 2, 3], [3, 4, 5], kind="glass_delta", paired=True)
    with pytest.raises(ValueError, match="same length"):
        pm.effect_size([1, 2, 3], [3, 4], kind="d_z")
    with pytest.raises(ValueError, match="ci is a confidence level"):
        pm.effect_size([1, 2, 3], [3, 4, 5], ci=95)


def test_hedges_g_is_j_times_cohen_d() -> None:
    x, y = [5.1, 4.8, 6.0, 5.5, 5.9], [4.2, 4.9, 4.4, 5.0, 4.1]
    d = pm.effect_size(x, y, kind="cohen_d")
    g = pm.effect_size(x, y, kind="hedges_g")
    j = math.exp(math.lgamma(4) - 0.5 * math.log(4) - math.lgamma(3.5))
    assert g.estimate == pytest.approx(d.estimate * j, rel=1e-12)
    assert g.ci_lower == pytest.approx(d.ci_lower * j, rel=1e-12)


def test_proportion_bounds_and_bad_counts() -> None:
    p = pm.proportion(0, 10)
    assert p.wilson_lower == 0 and p.clopper_pearson_lower == 0
    q = pm.proportion(10, 10)
    assert q.wilson_upper == 1 and q.clopper_pearson_upper == 1
    with pytest.raises(ValueError, match="0 <= k"):
        pm.proportion(11, 10)
    with pytest.raises(ValueError, match="whole number"):
        pm.proportion(1.5, 10)
    assert "Proportion" in p.summary() and p.to_dict()["k"] == 0


def test_nullable_integer_columns_with_missing_answers() -> None:
    df = pd.DataFrame({"s": pd.array([1, 2, None, 4, 3, 5, 6, None, 2, 3], dtype="Int64"),
                       "g": list("aaaaabbbbb")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        res = pm.compare_groups(df, "s", "g")
        es = pm.effect_size(df.s[:5], df.s[5:], kind="cohen_d")
    assert list(res.groups["n_missing"]) == [1, 1]
    assert res.table["n_1"].iloc[0] == 4 and es.n == 8


samples = st.lists(st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 2)),
                   min_size=3, max_size=25)


@settings(max_examples=40, deadline=None)
@given(samples, samples, st.floats(-10, 10).map(lambda v: round(v, 1)))
def test_effect_sizes_swap_sign_and_ignore_a_common_shift(x, y, shift) -> None:
    assume(np.std(x) > 0.01 and np.std(y) > 0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        for kind in ("cohen_d", "hedges_g", "rank_biserial"):
            a = pm.effect_size(x, y, kind=kind)
            b = pm.effect_size(y, x, kind=kind)
            c = pm.effect_size(np.add(x, shift), np.add(y, shift), kind=kind)
            assert b.estimate == pytest.approx(-a.estimate, abs=1e-9)
            assert b.ci_lower == pytest.approx(-a.ci_upper, abs=1e-6)
            assert c.estimate == pytest.approx(a.estimate, abs=1e-6)
            assert a.ci_lower <= a.estimate <= a.ci_upper
