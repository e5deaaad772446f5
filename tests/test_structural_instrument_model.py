"""pm.cfa and pm.invariance take a built-in instrument id as pm.reliability does; a string
that is neither an id nor lavaan syntax gets one error saying both."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_mentorship
from psychometrics.errors import NumericalWarning
from psychometrics.structural.errors import ModelError


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    data = load_mentorship()
    return data[data["wave"] == "baseline"]


def test_cfa_with_an_id_is_the_instrument_s_structure(baseline: pd.DataFrame) -> None:
    inst = pm.load_instrument("gse")
    items = pm.item_data(baseline, inst, reverse=True, on_invalid="nan")
    by_id = pm.cfa(items, "gse")
    syntax = "self_efficacy =~ " + " + ".join(inst.cfa_model()["self_efficacy"])
    by_syntax = pm.cfa(items, syntax)
    pd.testing.assert_series_equal(by_id.fit, by_syntax.fit)
    np.testing.assert_array_equal(by_id.estimates["est"], by_syntax.estimates["est"])
    assert by_id.fit["df"] == 35  # 10 items, one factor


def test_invariance_with_an_id_keys_the_items_like_the_instrument() -> None:
    # both waves' answers: at baseline alone one gender has fewer respondents than the
    # 8-item ACS has free parameters per group
    both = load_mentorship()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        by_id = pm.invariance(both, "acs", group="gender", partial=False)
        by_inst = pm.invariance(both, pm.load_instrument("acs"), group="gender",
                                partial=False)
    assert by_id.verdict and "not estimable" not in by_id.verdict
    pd.testing.assert_frame_equal(by_id.table, by_inst.table)
    # ACS has reversed items: keyed, every loading of the configural model is positive
    est = by_id.fits["configural"].estimates
    assert (est.loc[est["op"] == "=~", "est"] > 0).all()


def test_a_string_that_is_neither_says_both(baseline: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match=r"'gsee' is neither an instrument \(unknown "
                                         r"instrument 'gsee'.*\) nor lavaan model syntax "
                                         r"\(no operator in 'gsee'"):
        pm.cfa(baseline, "gsee")
    with pytest.raises(ModelError, match="neither an instrument"):
        pm.invariance(baseline, "gsee", group="role")
    # syntax is still read as syntax, with its own located error
    with pytest.raises(pm.DefinitionError, match="<model>:1"):
        pm.cfa(baseline, "f =~ ")
