"""Matrix input (a square symmetric DataFrame with the same labels on both axes is a
matrix) and covar=True, against psych 2.2.9 (fixtures from tests/reference/efa_matrix.R)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names, numbers

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import matrix_kind, pairwise_covariance

TOL = 1e-6  # iterative extraction following R's optimiser (see test_factor_efa.py)
TOL_CLOSED = 1e-8

M = json.loads((REF / "efa" / "matrix.json").read_text())


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")[
        [f"x{i}" for i in range(1, 10)]]


@pytest.fixture(scope="module")
def cov(hs) -> pd.DataFrame:
    s = pd.DataFrame(matrix(M["S"]), index=names(M["S"]["rows"]), columns=names(M["S"]["cols"]))
    np.testing.assert_allclose(s, hs.cov(), atol=1e-12)  # the same matrix as R's cov()
    return s


def test_matrix_kind_rules(hs, cov) -> None:
    assert matrix_kind(cov) == "covariance"
    assert matrix_kind(hs.corr()) == "correlation"
    assert matrix_kind(hs) is None
    # same numbers, rows labelled as respondents: data unless n_obs says otherwise
    unlabelled = cov.reset_index(drop=True)
    assert matrix_kind(unlabelled) is None
    assert matrix_kind(unlabelled, n_obs=301) == "covariance"
    assert matrix_kind(cov.to_numpy()) == "covariance"  # arrays: psych's isCovariance
    asym = cov.copy()
    asym.iloc[0, 1] += 0.1
    assert matrix_kind(asym) is None
    np.testing.assert_allclose(pairwise_covariance(hs.to_numpy()), hs.cov(), atol=1e-12)
    bfi = pd.read_csv(REF / "data" / "bfi.csv").iloc[:, :25]
    np.testing.assert_allclose(pairwise_covariance(bfi.to_numpy()), bfi.cov(), atol=1e-10)


def _id(r: dict) -> str:
    return r["label"]


@pytest.mark.parametrize("rec", M["fa"], ids=[_id(r) for r in M["fa"]])
def test_efa_covar_and_matrix_input_match_psych(rec: dict, hs, cov) -> None:
    data = hs if rec["input"] == "raw" else cov
    kw = {} if rec["input"] == "raw" else {"n_obs": 301}
    scores = "regression" if "scores" in rec else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.efa(data, 3, method=rec["fm"], covar=rec["covar"], scores=scores, **kw)
    assert res.covar == rec["covar"]
    assert res.matrix_input == (None if rec["input"] == "raw" else "covariance")
    np.testing.assert_allclose(res.loadings.to_numpy(), matrix(rec["loadings"]), atol=TOL)
    assert list(res.loadings.columns) == names(rec["loadings"]["cols"])
    np.testing.assert_allclose(res.phi.to_numpy(), matrix(rec["Phi"]), atol=TOL)
    np.testing.assert_allclose(res.communalities, rec["communality"], atol=TOL)
    np.testing.assert_allclose(res.uniquenesses, rec["uniquenesses"], atol=TOL)
    if rec["fm"] == "pa":
        np.testing.assert_allclose(res.estimated_communalities.sum(), rec["communalities"],
                                   atol=TOL)
    else:
        np.testing.assert_allclose(res.estimated_communalities, rec["communalities"], atol=TOL)
    np.testing.assert_allclose(res.eigenvalues["reduced"], rec["values"], atol=TOL)
    np.testing.assert_allclose(res.variance.to_numpy(), matrix(rec["Vaccounted"]), atol=TOL)
    np.testing.assert_allclose(res.rmsr, rec["rms"], atol=TOL)
    if rec["covar"]:
        # psych's fa.stats passes the covariance model and matrix to cor.smooth, which
        # reads any non-correlation matrix as raw data and returns the (singular)
        # correlations of its columns: psych's objective, chi-square, RMSEA and TLI for
        # covar = TRUE (here 0 or 1.8e7) describe those matrices, not the model. Ours are
        # the likelihood discrepancy of the covariance matrix itself (the Validation page
        # says so).
        s_mat = cov.to_numpy()
        f = res.loadings.to_numpy()
        model = f @ res.phi.to_numpy() @ f.T
        np.fill_diagonal(model, np.diag(s_mat))
        mr = np.linalg.solve(model, s_mat)
        ours = np.trace(mr) - np.log(np.linalg.det(mr)) - 9
        np.testing.assert_allclose(res.objective, ours, rtol=1e-10)
    else:
        np.testing.assert_allclose(res.objective, rec["objective"], atol=TOL)
        np.testing.assert_allclose(res.chi2, rec["STATISTIC"], rtol=1e-6)
    if scores:
        np.testing.assert_allclose(res.score_weights.to_numpy(), matrix(rec["weights"]),
                                   atol=TOL)
        np.testing.assert_allclose(res.scores.to_numpy()[:301], numbers(rec["scores"]),
                                   atol=1e-5)
    if rec["input"] == "cov":
        assert "Input: a covariance matrix with n_obs = 301" in res.summary()


def test_other_statistics_read_a_covariance_matrix(hs, cov) -> None:
    om = pm.omega(cov, n_factors=3, n_obs=301)
    assert om.matrix_input == "covariance"
    # a covariance matrix is scaled to correlations: omega from cov(x) is omega from x
    from_data = pm.omega(hs, n_factors=3)
    assert om.omega_total == pytest.approx(from_data.omega_total, abs=1e-10)
    # psych::omega (omegah) reads a covariance matrix that is not a correlation matrix as
    # raw data and factors the (singular) correlations of its 9 columns of 9 values: its
    # omega for cov(x) is not its omega for x (the Validation page says so)
    assert abs(M["omega"]["omega.tot"] - from_data.omega_total) > 1e-3
    # KMO, Bartlett and parallel analysis scale a covariance matrix to correlations too,
    # so they equal the raw-data results. psych differs: KMO and cortest.bartlett read a
    # covariance matrix as raw data (KMO = 0.5 from the singular correlations of its
    # columns; Bartlett's chi-square NA) and fa.parallel gives the covariance matrix's
    # eigenvalues for components (its factor eigenvalues are from the correlations).
    k = pm.kmo(cov)
    assert k.matrix_input == "covariance"
    assert k.msa == pytest.approx(pm.kmo(hs).msa, abs=1e-12)
    assert M["kmo"]["MSA"] == 0.5
    b = pm.bartlett(cov, n_obs=301)
    assert b.chi2 == pytest.approx(pm.bartlett(hs).chi2, rel=1e-10)
    assert b.matrix_input == "covariance" and M["bartlett"]["chisq"] is None
    p = pm.parallel_analysis(cov, n_obs=301, n_iter=3, seed=1)
    assert p.matrix_input == "covariance"
    np.testing.assert_allclose(p.eigenvalues["pc_observed"], np.linalg.eigvalsh(hs.corr())[::-1],
                               atol=TOL_CLOSED)
    np.testing.assert_allclose(M["parallel"]["pc.values"], np.linalg.eigvalsh(cov)[::-1],
                               atol=TOL_CLOSED)
    np.testing.assert_allclose(p.eigenvalues["fa_observed"], M["parallel"]["fa.values"],
                               atol=TOL)


def test_ordinal_alpha_from_a_polychoric_matrix() -> None:
    bfi10 = pd.read_csv(REF / "data" / "bfi.csv").iloc[:, :10]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_data = pm.ordinal_alpha(bfi10.iloc[:, :5])
        rho = pm.polychoric(bfi10.iloc[:, :5]).rho
        from_matrix = pm.ordinal_alpha(rho, n_obs=len(bfi10))
    assert from_matrix.alpha == pytest.approx(from_data.alpha, abs=1e-12)
    pd.testing.assert_frame_equal(from_matrix.item_stats, from_data.item_stats)
    with pytest.raises(ValueError, match="n_obs"):
        pm.ordinal_alpha(rho)
