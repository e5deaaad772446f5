"""alpha from a correlation or covariance matrix with n_obs, against psych::alpha(matrix,
n.obs = 2800) 2.2.9 (fixtures from tests/reference/alpha_matrix.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, numbers

import psychometrics as pm
from psychometrics.errors import NumericalWarning

TOL = 1e-9  # closed forms; R's JSON carries 15 significant digits
CASES = json.loads((REF / "reliability" / "alpha_matrix.json").read_text())
TOTAL = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)",
         "average_r": "average_r", "signal_noise": "S/N", "ase": "ase", "median_r": "median_r"}
DROP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)",
        "average_r": "average_r", "signal_noise": "S/N", "ase": "alpha se", "var_r": "var.r",
        "med_r": "med.r"}
ITEMS = {"std_r": "r", "r_cor": "r.cor", "r_drop": "r.drop"}  # psych's `r` is std.r here


def _matrix(case: dict) -> pd.DataFrame:
    m = case["matrix"]
    return pd.DataFrame(numbers(m["data"]), index=m["rows"], columns=m["cols"])


@pytest.mark.parametrize("name", ["correlation", "covariance", "covariance_nokeys"])
def test_alpha_from_a_matrix_matches_psych(name: str) -> None:
    case = CASES[name]
    keys = ["A1"] if name != "covariance_nokeys" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.alpha(_matrix(case), keys=keys, n_obs=case["n_obs"])
    assert res.source == ("correlation matrix" if name == "correlation" else
                          "covariance matrix")
    for ours, theirs in TOTAL.items():
        assert getattr(res, ours) == pytest.approx(case["total"][theirs], abs=TOL), ours
    drop = case["alpha_drop"]
    assert list(res.alpha_if_deleted.index) == drop["rows"]
    for ours, theirs in DROP.items():
        j = drop["cols"].index(theirs)
        np.testing.assert_allclose(res.alpha_if_deleted[ours], numbers(drop["data"])[:, j],
                                   atol=TOL, err_msg=ours)
    stats = case["item_stats"]
    for ours, theirs in ITEMS.items():
        j = stats["cols"].index(theirs)
        np.testing.assert_allclose(res.item_stats[ours], numbers(stats["data"])[:, j],
                                   atol=TOL, err_msg=ours)
    # a matrix has no scores
    assert np.isnan(res.mean) and np.isnan(res.sd) and res.response_freq.empty
    assert res.item_stats[["mean", "sd"]].isna().all().all()
    # psych's Feldt interval for a matrix uses the number of items as n (its lower bound
    # here is -0.07); ours uses n_obs, the documented difference
    assert case["feldt"]["raw_alpha"] < 0 < res.ci.lower


def test_the_same_matrix_from_data_gives_the_same_alpha() -> None:
    rng = np.random.default_rng(4)
    X = pd.DataFrame(np.clip(np.round(3 + rng.normal(size=(400, 1))
                                      + rng.normal(size=(400, 5))), 1, 5), columns=list("abcde"))
    direct = pm.alpha(X)
    from_cov = pm.alpha(X.cov(), n_obs=400)
    from_cor = pm.alpha(X.corr(), n_obs=400)
    for name in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "ase"):
        assert getattr(from_cov, name) == pytest.approx(getattr(direct, name), abs=1e-12)
    assert (from_cov.ci.lower, from_cov.ci.upper) == pytest.approx(
        (direct.ci.lower, direct.ci.upper), abs=1e-12)
    assert from_cor.raw_alpha == pytest.approx(direct.std_alpha, abs=1e-12)


def test_matrix_input_errors() -> None:
    R = pd.DataFrame(np.eye(3) * 0.5 + 0.5, index=list("abc"), columns=list("abc"))
    with pytest.raises(ValueError, match="give n_obs"):
        pm.alpha(R)
    with pytest.raises(ValueError, match="bootstrap"):
        pm.alpha(R, n_obs=100, ci_method="bootstrap")
    with pytest.raises(ValueError, match="n_obs is for a correlation"):
        pm.alpha(pd.DataFrame(np.arange(12.0).reshape(4, 3) % 5), n_obs=4)
    # same labels but not symmetric: respondents x items, read as data
    Y = pd.DataFrame([[1.0, 2, 3], [2, 2, 1], [1, 3, 2]], index=list("abc"),
                     columns=list("abc"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        assert pm.alpha(Y).source == "data"
