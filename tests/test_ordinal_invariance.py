"""Nested ordinal fits: pm.lrt (lavaan's lavTestLRT for WLSMV: Satorra 2000, scaled and
shifted) and pm.invariance(..., ordered=True), against lavaan 0.6.14.

Fixture: tests/reference/ordinal_cfa.R -> ordinal_cfa/lrt.json (and fits.json): the HS data
cut into 2 to 7 categories by school, the ladder configural, loadings, loadings +
thresholds (+ intercepts) with lavaan's default identification, and the Wu & Estabrook
(2016) ladder of semTools' measEq.syntax. Tolerance 1e-4 relative on the statistics
(issue 10).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import PsychometricsWarning
from psychometrics.structural.errors import ModelError

LRT = json.loads((REF / "ordinal_cfa" / "lrt.json").read_text())
FITS = json.loads((REF / "ordinal_cfa" / "fits.json").read_text())
HS = pd.read_csv(REF / "data" / "hs_ordinal.csv")
M_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TOL = 1e-4


def _fits(equal: list[list[str]], **options) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return [pm.cfa(HS, M_HS, ordered=True, group="school", group_equal=e, **options)
                for e in equal]


def _check(table: pd.DataFrame, ref: dict) -> None:
    np.testing.assert_allclose(table["df"], ref["df"])
    np.testing.assert_allclose(table["chisq"], ref["chisq"], rtol=TOL)
    for ours, theirs in (("chisq_diff", "chisq_diff"), ("df_diff", "df_diff"),
                         ("pvalue", "pvalue")):
        expected = np.array([np.nan if v is None else v for v in ref[theirs]], dtype=float)
        np.testing.assert_allclose(table[ours].to_numpy(float)[1:], expected[1:], rtol=TOL,
                                   atol=1e-10, err_msg=ours)


def test_lrt_of_lavaans_ladder() -> None:
    fits = _fits([[], ["loadings"], ["thresholds", "loadings"],
                  ["thresholds", "loadings", "intercepts"]])
    _check(pm.lrt(*fits), LRT["lavaan_ladder"])


def test_lrt_of_the_wu_estabrook_ladder() -> None:
    fits = _fits([[], ["thresholds"], ["thresholds", "loadings"]], std_lv=True,
                 id_cat="Wu.Estabrook.2016")
    _check(pm.lrt(*fits), LRT["wu_ladder"])


def test_metric_fit_matches_lavaan() -> None:
    (fit,) = _fits([["loadings"]])
    ref = pd.DataFrame(LRT["hs_groups_load"]["estimates"])
    np.testing.assert_allclose(fit.estimates["est"], ref["est"], atol=TOL)
    np.testing.assert_allclose(fit.estimates["se"], ref["se"], atol=TOL)


def test_invariance_ordered_ladder() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.invariance(HS, M_HS, group="school", ordered=True, rule="chisq")
    table = res.table
    assert list(table.index) == ["configural", "metric", "scalar"]
    assert res.estimator == "WLSMV"
    ladder = LRT["lavaan_ladder"]  # configural, loadings, loadings + thresholds
    np.testing.assert_allclose(table["chisq_diff"].iloc[1:], ladder["chisq_diff"][1:3],
                               rtol=TOL)
    # the table's chisq is the scaled statistic of each fit, the indices the scaled ones
    fit = FITS["hs_groups_th_load"]["fit"]
    np.testing.assert_allclose(table.loc["scalar", "chisq"], fit["chisq.scaled"], rtol=TOL)
    np.testing.assert_allclose(table.loc["scalar", "cfi"], fit["cfi.scaled"], atol=TOL)
    np.testing.assert_allclose(table.loc["scalar", "rmsea"], fit["rmsea.scaled"], atol=TOL)
    assert list(table["decision"]) == ["baseline", "invariant", "not invariant"]
    assert "scalar invariance does not hold" in res.verdict


def test_invariance_ordered_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ModelError, match="strict"):
        pm.invariance(HS, M_HS, group="school", ordered=True,
                      steps=["configural", "metric", "strict"])
    with pytest.raises(ModelError, match="not available for ordered"):
        pm.invariance(HS, M_HS, group="school", ordered=True, estimator="MLR")
