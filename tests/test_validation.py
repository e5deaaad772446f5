"""Validation: every problem as a row naming its place; nothing lost or reordered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import psychometrics as pm

WHO = [f"who5_{j}" for j in range(1, 6)]


def _frame(rows):
    return pd.DataFrame(rows, columns=["rid", *WHO])


def test_each_rule_is_reported_with_row_id_column_value():
    data = _frame([
        ["a", 1, 2, 3, 4, 5],
        ["b", 9, 2, 3, 4, 5],        # out of scale
        ["c", 1, "two", 3, 4, 5],    # non-numeric
        ["c", 1, 2, 3, -99, 5],      # duplicate id, missing code
        ["d", None, None, None, None, None],  # no answers
        ["e", 1.5, 2, 3, 4, 5],      # not one of the values
    ])
    report = pm.validate(data, "who5", id_column="rid")
    assert not report.ok
    out = report.problems
    bad = out[out.rule == "out_of_scale"]
    assert bad[["row", "id", "column"]].values.tolist() == [[1, "b", "who5_1"],
                                                            [5, "e", "who5_1"]]
    assert bad["value"].tolist() == [9, 1.5]
    nn = out[out.rule == "non_numeric"].iloc[0]
    assert (nn["row"], nn["id"], nn["column"], nn["value"]) == (2, "c", "who5_2", "two")
    dup = out[out.rule == "duplicate_id"]
    assert dup["row"].tolist() == [2, 3]
    code = out[out.rule == "missing_code"].iloc[0]
    assert (code["column"], code["value"], code["severity"]) == ("who5_4", 1, "info")
    empty = out[out.rule == "no_answers"].iloc[0]
    assert (empty["row"], empty["severity"]) == (4, "warning")
    assert report.missing["who5_4"] == 2  # the code and the empty row
    assert "row 3 (id 'b'), column who5_1: value 9 is not a response value" in report.summary()


def test_missing_columns_and_id_column():
    data = _frame([["a", 1, 2, 3, 4, 5]]).drop(columns=["who5_3"])
    report = pm.validate(data, "who5", id_column="respondent")
    rules = report.errors["rule"].tolist()
    assert rules == ["missing_id_column", "missing_column"]
    with pytest.raises(pm.DataValidationError, match="column 'who5_3' for item 'who5_3'"):
        report.raise_for_errors()


def test_clean_data_is_ok_and_blank_strings_are_missing():
    data = _frame([["a", "1", " 2 ", "", 4, 5]])
    report = pm.validate(data, "who5", id_column="rid")
    assert report.ok and report.errors.empty
    report.raise_for_errors()
    with pytest.warns(pm.PsychometricsWarning, match="who5_3 hold no answers"):
        assert pm.score(data, "who5")["who5_raw_answered"].iloc[0] == 4


def test_index_labels_identify_rows_without_id_column():
    data = _frame([["a", 1, 2, 3, 4, 5], ["b", 7, 2, 3, 4, 5]]).set_index("rid")
    err = pm.validate(data, "who5").errors.iloc[0]
    assert (err["row"], err["id"]) == (1, "b")


def test_large_frame_is_validated_without_losing_rows():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.integers(0, 6, size=(50_000, 5)), columns=WHO)
    data.iloc[123, 2] = 6
    report = pm.validate(data, "who5")
    assert report.n_rows == 50_000
    assert report.errors["row"].tolist() == [123]
    assert len(pm.score(data, "who5", on_invalid="nan")) == 50_000


def test_report_renders_in_notebooks():
    data = _frame([["a", 9, 2, 3, 4, 5]])
    html = pm.validate(data, "who5")._repr_html_()
    assert "NOT OK" in html and "out_of_scale" in html


@pytest.mark.filterwarnings("ignore:.*hold no answers:psychometrics.errors.PsychometricsWarning")
@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 40), st.just(5)),
              elements=st.integers(-100, 7)), st.booleans())
def test_every_layout_of_the_same_data_validates_and_scores_alike(values, with_missing):
    # The item matrix is filled from each layout in row blocks (issue 17): an int64 frame,
    # a float frame with holes, a row-major frame, nullable integers and text must agree.
    frame = pd.DataFrame(values, columns=WHO)
    if with_missing:
        frame = frame.mask(frame == 7)  # float columns with NaN
    layouts = {
        "columns": frame,
        "row-major": pd.DataFrame(np.ascontiguousarray(frame.to_numpy()), columns=WHO),
        "nullable": frame.astype("Int64") if not with_missing else frame.astype("Float64"),
        "text": frame.astype(object).where(frame.notna(), "").astype(str),
    }
    expected = pm.validate(frame, "who5").problems[["row", "column", "rule"]]
    scores = pm.score(frame, "who5", on_invalid="nan")
    for name, data in layouts.items():
        got = pm.validate(data, "who5").problems[["row", "column", "rule"]]
        pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                      expected.reset_index(drop=True), obj=name)
        pd.testing.assert_frame_equal(pm.score(data, "who5", on_invalid="nan"), scores,
                                      obj=name)
