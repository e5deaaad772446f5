"""Parallel analysis with psych's fm, sim and cor against psych 2.2.9's fa.parallel
(fixtures from tests/reference/parallel_omega.R, committed); small samples."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import NumericalWarning

TOL_CLOSED = 1e-8  # eigenvalues of R
TOL_ITER = 1e-6  # one-factor extraction following R's optimiser (see test_factor_efa.py)
# polychoric correlations (two-step ML, psych's algorithm) agree with psych to ~1e-7
# (tests of the ordinal statistics); eigenvalues inherit that
TOL_POLY = 1e-5

PAR = json.loads((REF / "efa" / "parallel_options.json").read_text())


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return {"hs": _csv("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]],
            "bfi10": _csv("bfi").iloc[:, :10]}


def _run(rec: dict, data: dict, n_iter: int, seed: int) -> pm.ParallelAnalysisResult:
    name = rec["label"].split("-")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        return pm.parallel_analysis(data[name], n_iter=n_iter, seed=seed, method=rec["fm"],
                                    sim=rec["sim"], cor=rec["cor"],
                                    resample=rec["cor"] == "poly")


@pytest.mark.parametrize("rec", PAR, ids=[r["label"] for r in PAR])
def test_observed_eigenvalues_match_psych(rec: dict, data) -> None:
    res = _run(rec, data, 2, 0)
    tol = TOL_POLY if rec["cor"] == "poly" else TOL_CLOSED
    np.testing.assert_allclose(res.eigenvalues["pc_observed"], rec["pc.values"], atol=tol)
    tol = TOL_POLY if rec["cor"] == "poly" else TOL_ITER
    np.testing.assert_allclose(res.eigenvalues["fa_observed"], rec["fa.values"], atol=tol)


@pytest.mark.parametrize("rec", PAR, ids=[r["label"] for r in PAR])
def test_random_eigenvalues_in_distribution(rec: dict, data) -> None:
    """Means of the simulated (sim=True) or resampled (sim=False) eigenvalues agree with
    psych's within 5 standard errors of a difference of two means (R's SDs), and the
    retention rule gives psych's numbers."""
    n_iter = 40 if rec["cor"] == "poly" else 300
    res = _run(rec, data, n_iter, 2026)
    p = len(rec["pc.values"])
    sd = np.asarray(rec["sd"], dtype=float)
    se = sd * np.sqrt(1 / n_iter + 1 / rec["n.iter"])
    # R's columns: resampled pc, fa (raw data), then simulated pc, fa (when sim)
    blocks = {"pc_resampled_mean": 0, "fa_resampled_mean": 1}
    if rec["sim"]:
        blocks.update({"pc_simulated_mean": 2, "fa_simulated_mean": 3})
    ref_means = {"pc_simulated_mean": rec["pc.sim"], "fa_simulated_mean": rec["fa.sim"],
                 "pc_resampled_mean": rec["pc.simr"], "fa_resampled_mean": rec["fa.simr"]}
    checked = 0
    for col, b in blocks.items():
        if col not in res.eigenvalues:
            continue
        diff = np.abs(res.eigenvalues[col].to_numpy() - np.asarray(ref_means[col], float))
        # the first factor eigenvalue of resampled polychoric matrices is heavy-tailed
        # (a few resamples give a large one); the others are compared
        keep = slice(1, p) if rec["cor"] == "poly" and col == "fa_resampled_mean" \
            else slice(0, p)
        assert np.all(diff[keep] < 5 * se[b * p:(b + 1) * p][keep]), col
        checked += 1
    assert checked >= 2
    assert res.n_factors == rec["nfact"]
    assert res.n_components == rec["ncomp"]
    assert res.sim == rec["sim"] and res.method == rec["fm"] and res.cor == rec["cor"]


def test_sim_false_uses_the_resampled_quantiles(data) -> None:
    res = pm.parallel_analysis(data["hs"], n_iter=30, seed=1, sim=False)
    assert "pc_simulated_quantile" not in res.eigenvalues
    assert "resampled data sets" in res.summary()
    r = pm.parallel_analysis(data["hs"].corr(), n_obs=301, n_iter=5, seed=1)
    assert r.sim
    with pytest.raises(ValueError, match="needs raw data"):
        pm.parallel_analysis(data["hs"].corr(), n_obs=301, n_iter=5, sim=False)


def test_argument_checks(data) -> None:
    with pytest.raises(ValueError, match="method"):
        pm.parallel_analysis(data["hs"], n_iter=2, method="minchi")
    with pytest.raises(ValueError, match="cor"):
        pm.parallel_analysis(data["hs"], n_iter=2, cor="spearman")


def test_fewer_respondents_than_items_is_said(data) -> None:
    small = data["hs"].iloc[:7]
    for call, what in [(lambda: pm.parallel_analysis(small, n_iter=3, seed=1),
                        "parallel analysis"),
                       (lambda: pm.efa(small, 1), "efa"),
                       (lambda: pm.omega(small, n_factors=2), "omega"),
                       (lambda: pm.kmo(small), "kmo"),
                       (lambda: pm.bartlett(small), "bartlett")]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                call()
            except (ValueError, np.linalg.LinAlgError) as err:  # a refusal must say why
                assert "respondents" in str(err) or "items" in str(err)
        texts = [str(w.message) for w in caught if issubclass(w.category, NumericalWarning)]
        assert any(f"{what}: 7 respondents for 9 items" in t for t in texts), (what, texts)
