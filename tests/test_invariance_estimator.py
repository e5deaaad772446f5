"""pm.invariance's estimator follows pm.cfa's rule: None (the default) is ML for continuous
items and WLSMV with ``ordered``; a continuous estimator with ordered items, ``"ML"``
included, is refused with the same message as ``cfa`` (lavaan refuses ``estimator = "ML"``
with ordered items too). The numbers of both ladders are checked against lavaan in
test_structural_invariance.py and test_ordinal_invariance.py."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import PsychometricsWarning
from psychometrics.structural.errors import ModelError

HS = pd.read_csv(REF / "data" / "hs_ordinal.csv")
M_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
NUMBERS = ["chisq", "df", "cfi", "rmsea", "srmr", "chisq_diff"]


def _ladder(**options) -> pm.InvarianceResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return pm.invariance(HS, M_HS, group="school", rule="chisq", **options)


def test_the_default_is_ml_for_continuous_items() -> None:
    default, ml = _ladder(partial=False), _ladder(estimator="ML", partial=False)
    assert default.estimator == ml.estimator == "ML"
    assert list(default.table.index) == ["configural", "metric", "scalar", "strict"]
    np.testing.assert_array_equal(default.table[NUMBERS].to_numpy(float),
                                  ml.table[NUMBERS].to_numpy(float))


def test_the_default_is_wlsmv_with_ordered_items() -> None:
    default, wlsmv = _ladder(ordered=True), _ladder(ordered=True, estimator="wlsmv")
    assert default.estimator == wlsmv.estimator == "WLSMV"
    np.testing.assert_array_equal(default.table[NUMBERS].to_numpy(float),
                                  wlsmv.table[NUMBERS].to_numpy(float))


@pytest.mark.parametrize("estimator", ["ML", "ml", "MLR", "GLS"])
def test_a_continuous_estimator_with_ordered_items_is_refused(estimator: str) -> None:
    message = (f"estimator={estimator!r} is not available for ordered items (it fits "
               "continuous ones)")
    with pytest.raises(ModelError, match=re.escape(message)) as by_invariance:
        pm.invariance(HS, M_HS, group="school", ordered=True, estimator=estimator)
    with pytest.raises(ModelError) as by_cfa:
        pm.cfa(HS, M_HS, ordered=True, estimator=estimator)
    assert str(by_invariance.value) == str(by_cfa.value)
    assert "leave estimator=None for 'WLSMV'" in str(by_invariance.value)


def test_an_unknown_estimator_is_named() -> None:
    with pytest.raises(ModelError, match="'FOO' is not available for ordered items"):
        pm.invariance(HS, M_HS, group="school", ordered=True, estimator="FOO")
    with pytest.raises(ModelError, match=r"None \(ML\), 'ML', 'MLM' or 'MLR'.*'WLSMV'"):
        pm.invariance(HS, M_HS, group="school", estimator="WLSMV")
