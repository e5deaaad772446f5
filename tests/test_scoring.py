"""Scoring against hand-computed examples, row order and index preservation, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import MINIMAL
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import psychometrics as pm

GSE = [f"gse_{j}" for j in range(1, 11)]
ACS = [f"acs_{j}" for j in range(1, 9)]


def test_acs_reverse_keys_and_mean_by_hand():
    # answers 1..7 on acs_1..acs_8 with acs_4,5,6,8 reversed (8 - x)
    row = {"acs_1": 7, "acs_2": 6, "acs_3": 5, "acs_4": 1, "acs_5": 2, "acs_6": 3,
           "acs_7": 4, "acs_8": 7}
    out = pm.score(pd.DataFrame([row]), "acs")
    keyed = [7, 6, 5, 7, 6, 5, 4, 1]
    assert out.loc[0, "acs_affective"] == pytest.approx(sum(keyed) / 8)
    assert out.loc[0, "acs_affective_answered"] == 8
    assert out.loc[0, "acs_affective_status"] == "ok"


def test_acs6_reverse_items_3_4_5():
    row = dict(zip([f"acs6_{j}" for j in range(1, 7)], [2, 2, 1, 1, 1, 2], strict=True))
    out = pm.score(pd.DataFrame([row]), "acs-6")
    assert out.loc[0, "acs-6_affective"] == pytest.approx((2 + 2 + 7 + 7 + 7 + 2) / 6)


def test_gse_missing_at_and_past_the_threshold():
    full = dict.fromkeys(GSE, 3)
    at = {**full, "gse_1": None, "gse_2": None, "gse_3": None}   # 3 missing: scored
    past = {**at, "gse_4": None}                                 # 4 missing: not scored
    mixed = {**full, "gse_1": 4, "gse_2": 1, "gse_10": None}     # prorated sum
    out = pm.score(pd.DataFrame([full, at, past, mixed]), "gse")
    assert out["gse_total"].tolist()[:2] == [30.0, 30.0]
    assert np.isnan(out.loc[2, "gse_total"])
    assert out.loc[2, "gse_total_status"] == "too few items answered"
    assert out["gse_total_answered"].tolist() == [10, 7, 6, 9]
    assert out.loc[3, "gse_total"] == pytest.approx((4 + 1 + 3 * 7) / 9 * 10)


def test_who5_transform_and_bands_at_the_boundaries():
    raws = [0, 7, 8, 12, 13, 25]
    rows = []
    for r in raws:
        answers = [min(5, max(0, r - 5 * j)) for j in range(5)]
        assert sum(answers) == r
        rows.append({f"who5_{j + 1}": a for j, a in enumerate(answers)})
    out = pm.score(pd.DataFrame(rows), "who5")
    assert out["who5_raw"].tolist() == raws
    assert out["who5_percentage"].tolist() == [4 * r for r in raws]
    assert out["who5_percentage_band"].astype(str).tolist() == [
        "likely depression, screen further", "likely depression, screen further",
        "poor well-being", "poor well-being", "no indication of poor well-being",
        "no indication of poor well-being"]
    assert out["who5_raw_band"].astype(str).tolist() == out["who5_percentage_band"].astype(
        str).tolist()


def test_who5_needs_all_five_and_says_why():
    row = {f"who5_{j}": 3 for j in range(1, 6)}
    out = pm.score(pd.DataFrame([row, {**row, "who5_2": None}, dict.fromkeys(row)]), "who5")
    assert out["who5_raw_status"].tolist() == ["ok", "too few items answered",
                                               "no items answered"]
    assert out["who5_raw_answered"].tolist() == [5, 4, 0]


def test_missing_codes_are_missing_not_values():
    row = {f"who5_{j}": 2 for j in range(1, 6)}
    out = pm.score(pd.DataFrame([{**row, "who5_1": -99}]), "who5")
    assert out.loc[0, "who5_raw_answered"] == 4


def test_sum_without_prorating(write_yaml):
    inst = pm.load_instrument(write_yaml(MINIMAL.replace("max_missing: 1",
                                                         "max_missing: 1\n    prorate: false")))
    out = pm.score(pd.DataFrame({"q1": [4, 4], "q2": [1, None], "q3": [2, 2]}), inst)
    assert out["demo-scale_total"].tolist() == [4 + 4 + 2, 4 + 2]


@pytest.mark.parametrize("index", [
    pd.Index(["z", "a", "m", "b"]),
    pd.Index([10, 3, 7, 1]),
    pd.MultiIndex.from_tuples([("x", 2), ("x", 1), ("y", 9), ("a", 0)]),
])
def test_row_order_and_index_are_preserved(index):
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 5, size=(4, 10)), columns=GSE, index=index)
    data.iloc[2, :5] = np.nan  # unscorable row stays, in place
    out = pm.score(data, "gse")
    assert out.index.equals(data.index)
    expected = data.sum(axis=1).where(data.notna().sum(axis=1) >= 7)
    np.testing.assert_allclose(out["gse_total"], expected)


def test_invalid_values_raise_with_place_or_become_missing():
    data = pd.DataFrame([dict.fromkeys(GSE, 2), {**dict.fromkeys(GSE, 2), "gse_3": 7}])
    with pytest.raises(pm.DataValidationError, match=r"row 3, column gse_3: value 7"):
        pm.score(data, "gse")
    out = pm.score(data, "gse", on_invalid="nan")
    assert out["gse_total_answered"].tolist() == [10, 9]


def test_missing_column_always_raises():
    data = pd.DataFrame([dict.fromkeys(GSE[:-1], 2)])
    with pytest.raises(pm.DataValidationError, match="column 'gse_10' for item 'gse_10'"):
        pm.score(data, "gse", on_invalid="nan")


def test_column_mapping_by_format_and_dict():
    data = pd.DataFrame({f"GSE_{j}": [3] for j in range(1, 11)})
    assert pm.score(data, "gse", columns="GSE_{n}")["gse_total"].iloc[0] == 30
    mapping = {f"gse_{j}": f"GSE_{j}" for j in range(1, 11)}
    assert pm.score(data, "gse", columns=mapping)["gse_total"].iloc[0] == 30
    with pytest.raises(ValueError, match="unknown item id"):
        pm.score(data, "gse", columns={"gse_11": "x"})


def test_several_instruments_and_provenance():
    data = pd.DataFrame([{**dict.fromkeys(GSE, 3), **{f"who5_{j}": 4 for j in range(1, 6)},
                          "rid": "r1"}])
    out = pm.score(data, ["gse", "who5"], id_column="rid")
    assert list(out.columns[:2]) == ["rid", "gse_total"]
    prov = out.attrs["psychometrics"]
    assert [p["instrument"] for p in prov["instruments"]] == ["gse", "who5"]
    gse = pm.load_instrument("gse")
    assert prov["instruments"][0]["sha256"] == gse.definition_hash
    assert prov["instruments"][0]["version"] == gse.version


def test_item_data_keys_and_scale_selection():
    data = pd.DataFrame([dict(zip(ACS, [1, 2, 3, 4, 5, 6, 7, 1], strict=True))])
    raw = pm.item_data(data, "acs")
    keyed = pm.item_data(data, "acs", "affective", reverse=True)
    assert raw.loc[0, "acs_4"] == 4 and keyed.loc[0, "acs_4"] == 4
    assert keyed.loc[0, "acs_5"] == 3 and keyed.loc[0, "acs_8"] == 7
    with pytest.raises(KeyError, match="unknown scale"):
        pm.item_data(data, "acs", "total")


@pytest.mark.filterwarnings("ignore:.*hold no answers:psychometrics.errors.PsychometricsWarning")
@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(8)),
              elements=st.sampled_from([1.0, 2, 3, 4, 5, 6, 7, np.nan])))
def test_reverse_keying_is_an_involution_and_mean_is_bounded(values):
    data = pd.DataFrame(values, columns=ACS)
    keyed = pm.item_data(data, "acs", reverse=True)
    # reversing twice gives the answers back; reversed items map 1..7 onto 7..1
    again = 8 - keyed[["acs_4", "acs_5", "acs_6", "acs_8"]]
    np.testing.assert_array_equal(again.to_numpy(), data[["acs_4", "acs_5", "acs_6",
                                                          "acs_8"]].to_numpy())
    out = pm.score(data, "acs")
    scored = out["acs_affective"].dropna()
    assert ((scored >= 1) & (scored <= 7)).all()
    answered = data.notna().sum(axis=1)
    assert (out["acs_affective_answered"] == answered).all()
    assert out["acs_affective"].isna().equals(answered < 6)


@pytest.mark.filterwarnings("ignore:.*hold no answers:psychometrics.errors.PsychometricsWarning")
@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(10)),
              elements=st.sampled_from([1.0, 2, 3, 4, np.nan])))
def test_prorated_sum_stays_within_the_full_range(values):
    out = pm.score(pd.DataFrame(values, columns=GSE), "gse")
    scored = out["gse_total"].dropna()
    assert ((scored >= 10) & (scored <= 40)).all()
    complete = ~np.isnan(values).any(axis=1)
    np.testing.assert_allclose(out.loc[complete, "gse_total"], values[complete].sum(axis=1))
