"""Rotations against psych 2.2.9's fa and GPArotation 2022.10 (fixtures from
tests/reference/efa_rotations.R, committed), psych's $communalities, names that psych reads
differently, and n_factors up to the number of items."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from psychometrics.factor.rotation import ROTATIONS, check_rotation, rotate

# GPA rotation follows GPArotation's iterations step by step, stopping at the same
# gradient norm (1e-5); extraction agrees to ~1e-9 (see test_factor_efa.py). Loadings then
# agree to ~1e-7; 1e-6 leaves room for BLAS differences.
TOL = 1e-6
# geomin and oblimax stop when the projected gradient is below 1e-5, which leaves the
# loadings determined to about 1e-5 / curvature; the criterion value itself agrees closer.
TOL_FLAT = 1e-5
# 5 factors for 9 items (df = 1, barely identified): the minres criterion is nearly flat
# and R's and scipy's L-BFGS-B stop at points 2e-4 apart (objectives equal to 5e-7); the
# loadings are compared at 1e-3, the tolerance.
TOL_NEARLY_FLAT = 1e-3

REC = json.loads((REF / "efa" / "rotations.json").read_text())
GPA = json.loads((REF / "efa" / "rotations_gpa.json").read_text())


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return {"bfi": _csv("bfi").iloc[:, :25],
            "hs": _csv("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]]}


def _kwargs(args: dict) -> dict:
    out = {}
    for key, value in args.items():
        if key == "gam":
            out["gamma"] = value
        elif key == "Target":
            out["target"] = np.array([[np.nan if v is None else v for v in row]
                                      for row in value], dtype=float)
        elif key == "delta":
            out["delta"] = value
        else:
            out[key] = value
    return out


def _id(r: dict) -> str:
    extra = "-".join(f"{k}={v}" for k, v in r["args"].items() if k != "Target") \
        if isinstance(r["args"], dict) else ""
    return f"{r['data']}-{r['nfactors']}f-{r['rotate']}{'-' + extra if extra else ''}"


@pytest.mark.parametrize("rec", REC, ids=[_id(r) for r in REC])
def test_rotation_matches_psych(rec: dict, data) -> None:
    args = _kwargs(rec["args"] if isinstance(rec["args"], dict) else {})
    rotation = None if rec["rotate"] == "none" else rec["rotate"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.efa(data[rec["data"]], rec["nfactors"], rotation=rotation, **args)
    assert list(res.loadings.columns) == names(rec["loadings"]["cols"])
    tol = TOL_FLAT if rec["rotate"] in ("geominQ", "geominT", "simplimax") else TOL
    if res.dof == 1:
        tol = TOL_NEARLY_FLAT
    np.testing.assert_allclose(res.loadings.to_numpy(), matrix(rec["loadings"]), atol=tol)
    if rec["Phi"] is None:
        assert res.phi is None
    else:
        np.testing.assert_allclose(res.phi.to_numpy(), matrix(rec["Phi"]), atol=tol)
    np.testing.assert_allclose(res.communalities, rec["communality"], atol=max(tol, TOL))
    np.testing.assert_allclose(res.estimated_communalities, rec["communalities"],
                               atol=max(tol, TOL))
    np.testing.assert_allclose(res.variance.to_numpy(), matrix(rec["Vaccounted"]), atol=tol)
    assert res.dof == rec["dof"]


def test_promax_and_varimax_spellings_differ_as_in_psych(data) -> None:
    hs = data["hs"]
    by = {(r["rotate"], r["data"]): r for r in REC if not r["args"]}
    for lower, upper in (("promax", "Promax"), ("varimax", "Varimax")):
        a = pm.efa(hs, 3, rotation=lower).loadings.to_numpy()
        b = pm.efa(hs, 3, rotation=upper).loadings.to_numpy()
        np.testing.assert_allclose(a, matrix(by[(lower, "hs")]["loadings"]), atol=TOL)
        np.testing.assert_allclose(b, matrix(by[(upper, "hs")]["loadings"]), atol=TOL)
        assert np.abs(a - b).max() > 1e-3  # they are different rotations


@pytest.mark.parametrize("bad,hint", [
    ("PROMAX", "'promax' (Kaiser-normalised"), ("VariMax", "'Varimax' (GPArotation"),
    ("Oblimin", "'oblimin'"), ("geomin", "'geominQ'"), ("GeominQ", "'geominQ'"),
    ("target", "'targetT'"), ("TargetQ", "'targetQ'"), ("nonsense", "one of"),
])
def test_names_psych_reads_differently_are_errors(bad: str, hint: str, data) -> None:
    with pytest.raises(ValueError, match="rotation") as err:
        pm.efa(data["hs"], 3, rotation=bad)
    assert hint in str(err.value)


def test_every_rotation_name_is_accepted() -> None:
    for name in ROTATIONS:
        assert check_rotation(name) == name
    assert check_rotation("none") is None and check_rotation(None) is None


@pytest.mark.parametrize("name,key", [("oblimax", "oblimax"), ("oblimax", "oblimax_bfi"),
                                      ("pstT", "pstT"), ("pstQ", "pstQ"),
                                      ("equamax", "cfT"), ("simplimax", "simplimax_k")])
def test_rotations_psych_does_not_dispatch_match_gparotation(name: str, key: str) -> None:
    ref = GPA[key]
    a = np.array(GPA["unrotated_bfi" if key in ("oblimax_bfi", "cfT", "simplimax_k")
                     else "unrotated_hs"])
    kw: dict = {}
    if name.startswith("pst"):
        kw = {"target": np.array(GPA["target"]), "weights": np.array(GPA["W"])}
    if name == "simplimax":
        kw = {"simplimax_k": 40}
    rot = rotate(a, name, warn=False, **kw)
    assert rot.converged == ref["convergence"]
    if not ref["convergence"]:
        # oblimax on these data drives two factors together (loadings ~1e5): GPArotation
        # stops after 1000 iterations unconverged, and so do we (with a NumericalWarning)
        with pytest.warns(NumericalWarning, match="did not converge"):
            rotate(a, name, **kw)
        return
    np.testing.assert_allclose(rot.criterion, ref["f"], rtol=1e-6)
    if np.abs(ref["loadings"]).max() > 10:
        # oblimax on the HS data converges (gradient < 1e-5) to a degenerate solution in
        # which two factors nearly coincide (loadings ~1e5, phi ~1): the criterion agrees
        # (above), the loadings along that direction are determined only to ~1e-3 relative
        # (and their products to ~1e-4, cancellation at 1e10 times machine precision)
        assert np.abs(rot.loadings).max() > 10
        return
    tol = TOL_FLAT if name == "simplimax" else TOL
    np.testing.assert_allclose(rot.loadings, np.array(ref["loadings"]), atol=tol)
    if ref["Phi"] is not None:
        np.testing.assert_allclose(rot.phi, np.array(ref["Phi"]), atol=tol)


@pytest.mark.parametrize("name", ["geominQ", "geominT"])
def test_random_starts_match_gparotation_start_by_start(name: str) -> None:
    a = np.array(GPA["unrotated_bfi"])
    starts = [np.array(s) for s in GPA["starts"]]
    runs = GPA[f"{name}_runs"]
    for s, ref in zip(starts, runs, strict=True):
        one = rotate(a, name, starts=[s], warn=False)
        assert one.converged == ref["convergence"]
        np.testing.assert_allclose(one.criterion, ref["f"], rtol=1e-7)
        if ref["convergence"]:
            np.testing.assert_allclose(one.loadings, np.array(ref["loadings"]), atol=TOL_FLAT)
    # all starts together: the lowest converged criterion wins, and the count says how many
    # starts reached it
    best = rotate(a, name, starts=starts, warn=False)
    conv = [r["f"] for r in runs if r["convergence"]]
    assert best.n_starts == len(starts)
    np.testing.assert_allclose(best.criterion, min(conv), rtol=1e-7)
    assert best.n_best == sum(abs(f - min(conv)) < 1e-5 for f in conv)


def test_random_starts_are_seeded_and_reported(data) -> None:
    a = pm.efa(data["bfi"], 5, rotation="geominQ", random_starts=6, seed=3)
    b = pm.efa(data["bfi"], 5, rotation="geominQ", random_starts=6, seed=3)
    assert a.n_starts == 7 and 1 <= a.n_best_starts <= 7
    np.testing.assert_array_equal(a.loadings, b.loadings)
    one = pm.efa(data["bfi"], 5, rotation="geominQ")
    assert a.rotation_criterion <= one.rotation_criterion + 1e-9
    with pytest.raises(ValueError, match="gradient-projection"):
        pm.efa(data["bfi"], 5, rotation="promax", random_starts=3)


def test_target_rotations_need_their_matrices(data) -> None:
    with pytest.raises(ValueError, match="needs target="):
        pm.efa(data["hs"], 3, rotation="targetQ")
    with pytest.raises(ValueError, match="9 x 3"):
        pm.efa(data["hs"], 3, rotation="targetT", target=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="needs weights="):
        pm.efa(data["hs"], 3, rotation="pstQ", target=np.zeros((9, 3)))


def test_as_many_factors_as_items_is_fitted_and_said(data) -> None:
    with pytest.warns(NumericalWarning, match=r"9 factors for 9 items leave -9 degrees"):
        res = pm.efa(data["hs"], 9, rotation=None)
    assert res.dof == -9 and np.isnan(res.chi2_p) and np.isnan(res.rmsea)
    assert "not identified" in res.summary()
    with pytest.raises(ValueError, match="between 1 and 9"):
        pm.efa(data["hs"], 10)
