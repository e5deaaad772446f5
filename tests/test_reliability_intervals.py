"""Small-sample intervals for alpha and omega against R (fixtures from
tests/reference/intervals.R): boot::boot.ci's BCa and percentile intervals on the same
resamples (R's indices), and the ADF interval for alpha written in R from Maydeu-Olivares,
Coffman & Hartmann (2007) in its explicit duplication-matrix form."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import DataValidationError, NumericalWarning

TOL_CLOSED = 1e-10  # alpha of each resample and the ADF formula: closed forms
# omega of each resample: minres by L-BFGS-B following R's optimiser (~1e-9 agreement,
# as tests/test_factor_efa.py); the BCa endpoints are order statistics of those values
TOL_ITER = 1e-6

IV = json.loads((REF / "intervals" / "intervals.json").read_text())


def _data(name: str) -> pd.DataFrame:
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    hs = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
    return {"bfi_C_18": bfi[["C1", "C2", "C3", "C4"]].dropna().iloc[:18],
            "hs_textual_18": hs[["x4", "x5", "x6"]].iloc[:18],
            "hs_visual_60": hs[["x1", "x2", "x3"]].iloc[:60],
            "bfi_A_adf": bfi[["A2", "A3", "A4", "A5"]].dropna()}[name]


BOOT_CASES = [k for k in IV if "alpha" in IV[k]]


@pytest.mark.parametrize("name", BOOT_CASES)
def test_alpha_bootstrap_matches_boot_ci(name: str) -> None:
    ref = IV[name]["alpha"]
    x = _data(name)
    idx = np.asarray(ref["indices"], dtype=np.int64)
    for method, key in (("bca", "bca"), ("percentile", "perc")):
        res = pm.alpha_interval(x, method=method, indices=idx)
        assert res.estimate == pytest.approx(ref["t0"], abs=TOL_CLOSED)
        assert res.estimate == pytest.approx(ref["psych_raw_alpha"], abs=TOL_CLOSED)
        np.testing.assert_allclose(res.replicates, ref["t"], atol=TOL_CLOSED)
        assert (res.lower, res.upper) == pytest.approx(tuple(ref[key]), abs=TOL_CLOSED)
        assert res.method == method and res.n_boot == len(ref["t"])
        assert method in res.summary().lower() or "BCa" in res.summary()


# In small resamples omega's one-factor minres fit often puts an item's uniqueness at one
# of psych's bounds: 0.005 (a Heywood case, 22% of the 18-respondent resamples) or next to
# 1 (an item with no common variance in that resample). There R's L-BFGS-B (2.3) and
# scipy's (3.0) stop at different points near the bound (their projected steps differ),
# so those resamples' omegas differ by up to ~2e-3; elsewhere they agree closely. The BCa
# computation itself is checked on R's own replicates.
TOL_BOUND = 5e-3
# three items and one factor are just identified (df = 0): the criterion goes to 0 and the
# optimisers stop at a relative reduction of 1e7 eps of a near-zero value; off the bound
# the omegas then agree to ~3e-6
TOL_REPLICATE = 1e-5


def _at_bound(x: pd.DataFrame, rows: np.ndarray) -> bool:
    from psychometrics.factor._matrix import prepare_correlation
    from psychometrics.factor.extraction import extract

    r = prepare_correlation(x.iloc[rows].reset_index(drop=True)).r
    psi = extract(r, 1, "minres", warn=False).psi
    return bool(np.any(psi <= 0.005 * (1 + 1e-8)) or np.any(psi > 0.999))


@pytest.mark.parametrize("name", BOOT_CASES)
def test_omega_bootstrap_matches_boot_ci(name: str) -> None:
    from psychometrics.coefficients._intervals import _norm_inter, bca

    ref = IV[name]["omega"]
    x = _data(name)
    idx = np.asarray(ref["indices"], dtype=np.int64)
    r_t = np.array([np.nan if v is None else v for v in ref["t"]], dtype=float)
    # the interval from R's replicates is boot.ci's, to machine precision
    lo, hi, _, _ = bca(ref["t0"], r_t, idx)
    assert (lo, hi) == pytest.approx(tuple(ref["bca"]), abs=TOL_CLOSED)
    assert tuple(_norm_inter(r_t, np.array([0.025, 0.975]))) == pytest.approx(
        tuple(ref["perc"]), abs=TOL_CLOSED)
    # our replicates: equal to R's except on resamples with a uniqueness at a bound. One
    # factor analysis per resample is slow, so the full set of resamples (and with it our
    # own interval) is run for the 60-respondent case, the first 200 for the others.
    full = name == "hs_visual_60"
    use = idx if full else idx[:200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.omega_interval(x, indices=use)
    assert res.estimate == pytest.approx(ref["t0"], abs=TOL_ITER)
    diff = np.abs(res.replicates - r_t[: len(use)])
    off = np.flatnonzero(diff > TOL_REPLICATE)
    assert off.size < 0.4 * len(use)
    for i in off:
        assert diff[i] < TOL_BOUND and _at_bound(x, use[i]), (i, diff[i])
    if full:
        assert (res.lower, res.upper) == pytest.approx(tuple(ref["bca"]), abs=TOL_BOUND)
    assert res.coefficient == "omega_total" and res.method == "bca"


@pytest.mark.parametrize("name", list(IV))
def test_adf_interval_matches_the_paper_in_r(name: str) -> None:
    x = _data(name)
    for key, level in (("adf", 0.95), ("adf90", 0.90)):
        if key not in IV[name]:
            continue
        ref = IV[name][key]
        res = pm.alpha_interval(x, level=level)
        assert res.method == "adf" and res.n_boot is None
        assert res.estimate == pytest.approx(ref["alpha"], abs=TOL_CLOSED)
        assert res.se == pytest.approx(ref["se"], abs=TOL_CLOSED)
        assert (res.lower, res.upper) == pytest.approx((ref["lower"], ref["upper"]),
                                                       abs=TOL_CLOSED)
        if res.n_obs < 50:
            assert "asymptotic" in res.summary()


def test_own_resamples_are_seeded_and_reported() -> None:
    x = _data("bfi_C_18")
    calls: list[tuple[int, int]] = []
    a = pm.alpha_interval(x, method="bca", n_boot=300, seed=4,
                          progress=lambda d, t: calls.append((d, t)))
    b = pm.alpha_interval(x, method="bca", n_boot=300, seed=4)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert calls[-1] == (300, 300)
    assert a.lower < a.estimate < a.upper
    assert "18 respondents" in a.summary() and "coarse" in a.summary()


def test_interval_input_checks() -> None:
    x = _data("bfi_C_18")
    with pytest.warns(NumericalWarning, match="1 of 18 respondents"):
        pm.alpha_interval(x.assign(C1=[np.nan, *x["C1"].iloc[1:]]))
    with pytest.raises(ValueError, match="method"):
        pm.alpha_interval(x, method="feldt")
    with pytest.raises(ValueError, match="indices"):
        pm.alpha_interval(x, method="bca", indices=np.zeros((10, 5), dtype=int))
    with pytest.raises(DataValidationError, match="no variance"):
        pm.alpha_interval(x.assign(C1=3))
    with pytest.raises(ValueError, match="hierarchical needs"):
        pm.omega_interval(x, coefficient="hierarchical")
    with pytest.raises(ValueError, match="level"):
        pm.alpha_interval(x, level=95)
