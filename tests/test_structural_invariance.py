"""pm.invariance against lavaan 0.6.14 (tests/reference/invariance.R): the ladder of
HolzingerSwineford1939 by school (ML, MLR), the score tests of the scalar constraints, the
partial scalar model; the small-group verdict and the refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from psychometrics.structural.errors import ModelError
from tests.reference_data import REF

OUT = REF / "invariance"
HS = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TOL_FIT = 1e-5  # fit measures and differences, relative
COLS = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff",
        "pvalue_diff"]


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_ladder_by_school_matches_lavaan(estimator: str) -> None:
    ref = pd.read_csv(OUT / f"hs_school_{estimator.lower()}.csv").set_index("step")
    res = pm.invariance(HS, MODEL, group="school", estimator=estimator, partial=False)
    got = res.table.loc[list(ref.index), COLS].astype(float)
    np.testing.assert_allclose(got.to_numpy(), ref[COLS].to_numpy(), rtol=TOL_FIT,
                               atol=1e-8)
    # the decisions follow Cheung & Rensvold from lavaan's CFIs
    d_cfi = ref["cfi"].diff()
    expect = ["baseline"] + ["invariant" if d >= -0.01 else "not invariant"
                             for d in d_cfi.iloc[1:]]
    assert list(res.table["decision"]) == expect


def test_score_tests_and_partial_scalar_match_lavaan() -> None:
    res = pm.invariance(HS, MODEL, group="school", steps=("configural", "metric", "scalar"))
    ref = pd.read_csv(OUT / "hs_school_scalar_score.csv")
    ref = ref[ref["lhs"].isin(res.score_tests["lhs"])]
    got = res.score_tests.set_index("lhs").loc[ref["lhs"]]
    assert list(got["rhs"]) == list(ref["rhs"])
    np.testing.assert_allclose(got["X2"], ref["X2"], rtol=1e-4)
    assert list(res.releases["parameter"]) == ["x3 ~ 1", "x7 ~ 1"]
    part = pd.read_csv(OUT / "hs_school_scalar_partial.csv").set_index("measure")["value"]
    fit = res.fits["scalar (partial)"].fit
    for k in part.index:
        assert fit[k] == pytest.approx(part[k], rel=TOL_FIT)
    assert res.table.loc["scalar (partial)", "decision"] == "invariant"
    assert "x3 ~ 1; x7 ~ 1" in res.verdict


def test_small_group_gets_a_verdict_not_a_fit() -> None:
    small = pd.concat([HS[HS["school"] == "Pasteur"],
                       HS[HS["school"] == "Grant-White"].head(18)])
    with pytest.warns(NumericalWarning, match="18 respondents for 30 free parameters"):
        res = pm.invariance(small, MODEL, group="school")
    assert not res.estimable and res.fits == {} and res.table.empty
    assert "not estimable" in res.verdict
    assert bool(res.groups.loc["Pasteur", "estimable"])
    assert not bool(res.groups.loc["Grant-White", "estimable"])


def test_refusals_are_clear() -> None:
    with pytest.raises(ModelError, match="ordered"):
        pm.invariance(HS, MODEL, group="school", ordered=["x1"])
    with pytest.raises(ModelError, match="either group"):
        pm.invariance(HS, MODEL)
    with pytest.raises(ModelError, match="needs id"):
        pm.invariance(HS, MODEL, wave="school")
    with pytest.raises(ModelError, match="rule"):
        pm.invariance(HS, MODEL, group="school", rule="nope")


def test_waves_build_the_longitudinal_model() -> None:
    # two "waves" from the two schools, paired by position (11 respondents in wave 1 only)
    a = HS[HS["school"] == "Pasteur"].reset_index(drop=True)
    b = HS[HS["school"] == "Grant-White"].reset_index(drop=True)
    data = pd.concat([a.assign(pid=a.index, t="t1"), b.assign(pid=b.index, t="t2")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.invariance(data, "visual =~ x1 + x2 + x3", wave="t", id="pid")
    assert list(res.groups["n"]) == [156, 145]
    assert res.fits["configural"].n_obs == 156  # unmatched respondents kept (FIML)
    assert "x1_t1 ~~ x1_t2" in res.model
    # 27 moments; configural: 4 loadings, 6 intercepts, 6 residuals, 3 residual covariances
    # across waves, 2 factor variances and their covariance = 22 parameters
    assert res.table.loc["configural", "df"] == 5
    assert res.table.loc["metric", "df"] == 7  # two loadings equal across waves
    assert res.table.loc["scalar", "df"] == 9  # three intercepts equal, one mean freed


def test_waves_ladder_matches_lavaan() -> None:
    # the two-wave data of tests/reference/invariance.R, whose model R writes independently
    ref = pd.read_csv(OUT / "hs_waves_ml.csv").set_index("step")
    a = HS[HS["school"] == "Pasteur"].reset_index(drop=True)
    b = HS[HS["school"] == "Grant-White"].reset_index(drop=True)
    data = pd.concat([a.assign(pid=a.index, t="t1"), b.assign(pid=b.index, t="t2")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.invariance(data, "visual =~ x1 + x2 + x3", wave="t", id="pid",
                            partial=False)
    got = res.table.loc[list(ref.index), COLS].astype(float)
    np.testing.assert_allclose(got.to_numpy(), ref[COLS].to_numpy(), rtol=TOL_FIT,
                               atol=1e-8)


def test_cli_prints_the_ladder_and_refuses_bad_usage(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    from psychometrics.cli import main
    from psychometrics.datasets import __file__ as here

    data = str(__import__("pathlib").Path(here).parent / "mentorship.csv")
    assert main(["invariance", "css", data, "--group", "role"]) == 0
    out = capsys.readouterr().out
    assert "configural" in out and "strict" in out and "invariance across role" in out
    assert main(["invariance", "gse", data]) == 2
    assert "either --group" in capsys.readouterr().err
    assert main(["invariance", "gse", data, "--wave", "wave"]) == 2


def test_bfi_by_gender_matches_lavaan() -> None:
    ref = pd.read_csv(OUT / "bfi_gender_ml.csv").set_index("step")
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    model = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.invariance(bfi, model, group="gender", partial=False)
    got = res.table.loc[list(ref.index), COLS].astype(float)
    np.testing.assert_allclose(got.to_numpy(), ref[COLS].to_numpy(), rtol=TOL_FIT,
                               atol=1e-8)
