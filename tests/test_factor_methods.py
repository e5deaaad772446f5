"""Extraction methods (uls, ols, wls, gls, alpha, minchi), factor scores (tenBerge,
Anderson, Bartlett, Harman, components) and principal components against psych 2.2.9
(fixtures from tests/reference/efa_methods.R, committed)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names, numbers

import psychometrics as pm
from psychometrics.errors import NumericalWarning

# L-BFGS-B with R's optim settings and analytic gradients follows R's iterates: ~1e-9 seen,
# 1e-6 leaves room for BLAS differences (as tests/test_factor_efa.py).
TOL = 1e-6
# ols has no analytic gradient: R and we take the same central differences (ndeps = 1e-3 on
# the scaled parameters), but their rounding differs and L-BFGS-B stops where the
# criterion's relative change is below 1e7 * eps: the solutions agree to ~1e-5.
TOL_OLS = 5e-5
# closed forms (eigen-decompositions, the score weights given the loadings)
TOL_CLOSED = 1e-8

REF_M = json.loads((REF / "efa" / "methods.json").read_text())
# gls and minchi minimise their criterion with psych's likelihood-type gradient, which is
# not the criterion's gradient. R's L-BFGS-B (version 2.3) and scipy's (3.0) take the same
# iterates (checked with R's trace) until a line search along such a non-descent direction
# fails, then part: here at iteration 7 (hs, gls), 5 (hs, minchi) and in the Harman case.
# These fixtures document the difference instead of matching it (strict: a future fix
# shows up).
DIVERGENT = {("hs", 1, "gls"), ("hs", 1, "minchi"), ("harman74", 4, "gls")}


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


@pytest.fixture(scope="module")
def data() -> dict[str, tuple[pd.DataFrame, dict]]:
    return {"bfi": (_csv("bfi").iloc[:, :25], {}),
            "hs": (_csv("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]], {}),
            "harman74": (_csv("Harman74_cor"), {"n_obs": 145})}


def _id(r: dict) -> str:
    return f"{r['data']}-{r['nfactors']}f-{r['fm']}-{r['rotate']}-{r['score_method']}"


def _param(r: dict) -> object:
    if (r["data"], r["nfactors"], r["fm"]) in DIVERGENT:
        return pytest.param(r, id=_id(r), marks=pytest.mark.xfail(
            strict=True, reason="R's and scipy's L-BFGS-B part where psych's gradient is "
                                "not a descent direction"))
    return pytest.param(r, id=_id(r))


@pytest.mark.parametrize("rec", [_param(r) for r in REF_M["fa"]])
def test_methods_and_scores_match_psych(rec: dict, data) -> None:
    x, kw = data[rec["data"]]
    scores = None if rec["score_method"] == "none" else rec["score_method"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.efa(x, rec["nfactors"], method=rec["fm"], rotation=rec["rotate"],
                     scores=scores, **kw)
    tol = TOL_OLS if rec["fm"] == "ols" else TOL
    ref_load = np.asarray(rec["loadings"]["data"], dtype=float).reshape(len(res.loadings), -1)
    if rec["fm"] != "ols":  # psych leaves ols factors unnamed; ours are OLS1...
        assert list(res.loadings.columns) == names(rec["loadings"]["cols"])
    np.testing.assert_allclose(res.loadings.to_numpy(), ref_load, atol=tol)
    if rec["Phi"] is not None:
        phi = np.asarray(rec["Phi"]["data"], dtype=float)  # unnamed for ols
        np.testing.assert_allclose(res.phi.to_numpy(), phi, atol=tol)
    np.testing.assert_allclose(res.communalities, rec["communality"], atol=tol)
    if rec["fm"] in ("alpha", "pa"):
        # psych reports the total of the final iteration's communalities
        np.testing.assert_allclose(res.estimated_communalities.sum(), rec["communalities"],
                                   atol=tol)
    else:
        np.testing.assert_allclose(res.estimated_communalities, rec["communalities"],
                                   atol=tol)
    np.testing.assert_allclose(res.eigenvalues["reduced"], rec["values"], atol=tol)
    np.testing.assert_allclose(res.eigenvalues["R"], rec["e.values"], atol=TOL_CLOSED)
    np.testing.assert_allclose(res.variance.to_numpy(), matrix(rec["Vaccounted"]), atol=tol)
    np.testing.assert_allclose(res.objective, rec["objective"], atol=tol, rtol=1e-5)
    np.testing.assert_allclose(res.rmsr, rec["rms"], atol=tol)
    if scores is not None:
        np.testing.assert_allclose(res.score_weights.to_numpy(), matrix(rec["weights"]),
                                   atol=1e-5)
        got = res.scores.to_numpy()[: len(rec["scores"])]
        np.testing.assert_allclose(got, numbers(rec["scores"]), atol=1e-5, equal_nan=True)


def test_score_weights_are_psychs_given_the_loadings(data) -> None:
    """The weights are closed forms of the loadings: with psych's own loadings plugged in,
    they agree to machine precision (the 1e-5 above is the extraction's)."""
    from psychometrics.factor._matrix import prepare_correlation
    from psychometrics.factor.exploratory import _score_weights

    r = prepare_correlation(data["hs"][0]).r
    for rec in REF_M["fa"]:
        if rec["score_method"] in ("none", "regression") or rec["data"] != "hs":
            continue
        f = matrix(rec["loadings"])
        phi = None if rec["Phi"] is None else matrix(rec["Phi"])
        w = _score_weights(r, f, phi, rec["score_method"])
        np.testing.assert_allclose(w, matrix(rec["weights"]), atol=TOL_CLOSED)


def test_minchi_needs_raw_data(data) -> None:
    with pytest.raises(ValueError, match="minchi"):
        pm.efa(data["harman74"][0], 4, n_obs=145, method="minchi")


def test_alpha_factoring_one_factor_runs(data) -> None:
    # psych 2.2.9 fails here (diag() of a scalar). On these data alpha factoring diverges:
    # the communalities grow without bound and the loop is stopped after 50 iterations.
    # Where it stops depends on rounding (BLAS build), so no loading value is checked; what
    # must hold is that the user is told both facts and still gets the named one-factor table.
    with pytest.warns(NumericalWarning) as caught:
        res = pm.efa(data["hs"][0], 1, method="alpha")
    messages = [str(w.message) for w in caught]
    assert any("did not converge in 50 iterations" in m for m in messages)
    assert any(m.startswith("Heywood case") and "x1" in m for m in messages)
    assert list(res.loadings.columns) == ["alpha1"]
    assert list(res.loadings.index) == [f"x{i}" for i in range(1, 10)]
    assert np.isfinite(res.loadings.to_numpy()).all()


def _pid(r: dict) -> str:
    return f"{r['data']}-{r['nfactors']}c-{r['rotate']}"


@pytest.mark.parametrize("rec", REF_M["principal"], ids=[_pid(r) for r in REF_M["principal"]])
def test_principal_matches_psych(rec: dict, data) -> None:
    x, kw = data[rec["data"]]
    rot = None if rec["rotate"] == "none" else rec["rotate"]
    res = pm.principal(x, rec["nfactors"], rotation=rot, **kw)
    tol = 1e-5 if rec["rotate"] == "geominQ" else TOL
    assert list(res.loadings.columns) == names(rec["loadings"]["cols"])
    np.testing.assert_allclose(res.loadings.to_numpy(), matrix(rec["loadings"]), atol=tol)
    if rec["Phi"] is None:
        assert res.phi is None
    else:
        np.testing.assert_allclose(res.phi.to_numpy(), matrix(rec["Phi"]), atol=tol)
    np.testing.assert_allclose(res.communalities, rec["communality"], atol=TOL_CLOSED)
    np.testing.assert_allclose(res.uniquenesses, rec["uniquenesses"], atol=TOL_CLOSED)
    np.testing.assert_allclose(res.eigenvalues, rec["values"], atol=TOL_CLOSED)
    np.testing.assert_allclose(res.variance.to_numpy(), matrix(rec["Vaccounted"]), atol=tol)
    np.testing.assert_allclose(res.complexity, rec["complexity"], atol=tol)
    np.testing.assert_allclose(res.rmsr, rec["rms"], atol=tol)
    np.testing.assert_allclose(res.fit_off, rec["fit.off"], atol=tol)
    assert res.dof == rec["dof"]
    if "scores" in rec:
        np.testing.assert_allclose(res.score_weights.to_numpy(), matrix(rec["weights"]),
                                   atol=tol)
        np.testing.assert_allclose(res.scores.to_numpy()[: len(rec["scores"])],
                                   numbers(rec["scores"]), atol=tol * 10, equal_nan=True)
    assert "Principal components" in res.summary()


def test_principal_promax_is_unnormalised_as_psych(data) -> None:
    hs = data["hs"][0]
    a = pm.principal(hs, 3, rotation="promax")
    b = pm.principal(hs, 3, rotation="Promax")
    np.testing.assert_allclose(a.loadings, b.loadings, atol=1e-12)
    assert "stats::promax" in a.summary()
