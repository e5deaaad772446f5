"""EFA, KMO, Bartlett and parallel analysis against psych 2.2.9 (fixtures from
tests/reference/efa.R, committed) and their warnings."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names

import psychometrics as pm
from psychometrics.errors import DataValidationError, NumericalWarning
from psychometrics.factor._matrix import (
    cor_smooth,
    is_correlation_matrix,
    pairwise_correlation,
    prepare_correlation,
    smc,
)
from psychometrics.factor.extraction import extract
from psychometrics.factor.rotation import rotate

TOL_CLOSED = 1e-8  # closed forms (KMO, Bartlett, eigenvalues of R): R agrees to ~1e-12
# Iterative (L-BFGS-B extraction with R's optim settings, GPA rotation with GPArotation's
# stopping rule): we follow R's iterations and agree to ~1e-9; 1e-6 leaves room for
# BLAS/LAPACK differences between machines. The brief asks for 1e-3.
TOL_ITER = 1e-6
# psych's RMSEA interval comes from uniroot(tol = 1.2e-4 on the non-centrality).
TOL_RMSEA_CI = 1e-5


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


@pytest.fixture(scope="module")
def datasets() -> dict[str, tuple[pd.DataFrame, dict]]:
    bfi = _csv("bfi").iloc[:, :25]
    hs = _csv("HolzingerSwineford1939")[[f"x{i}" for i in range(1, 10)]]
    h74 = _csv("Harman74_cor")
    return {
        "bfi": (bfi, {}),
        "hs": (hs, {}),
        "harman74": (h74, {"n_obs": 145}),
        "bfi_listwise": (bfi, {"missing": "listwise"}),
    }


FA_REF = json.loads((REF / "efa" / "fa.json").read_text())
ROT = {"none": None}


def _id(rec: dict) -> str:
    extra = "-bartlett" if rec.get("scores_method") == "bartlett" else ""
    return f"{rec['data']}-{rec['nfactors']}f-{rec['fm']}-{rec['rotate']}{extra}"


# --------------------------------------------------------------------------------------------
# efa parity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rec", FA_REF, ids=[_id(r) for r in FA_REF])
def test_efa_matches_psych(rec: dict, datasets) -> None:
    data, kw = datasets[rec["data"]]
    scores = None
    if "scores" in rec:
        scores = rec.get("scores_method", "regression")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)
        res = pm.efa(data, rec["nfactors"], method=rec["fm"],
                     rotation=ROT.get(rec["rotate"], rec["rotate"]), scores=scores, **kw)

    # psych's order and names (MR1 MR3 MR2 ...), signs, pattern and structure
    assert list(res.loadings.columns) == names(rec["loadings"]["cols"])
    assert list(res.loadings.index) == names(rec["loadings"]["rows"])
    np.testing.assert_allclose(res.loadings.to_numpy(), matrix(rec["loadings"]), atol=TOL_ITER)
    np.testing.assert_allclose(res.structure.to_numpy(), matrix(rec["Structure"]),
                               atol=TOL_ITER)
    if rec["Phi"] is None:
        assert res.phi is None
    else:
        np.testing.assert_allclose(res.phi.to_numpy(), matrix(rec["Phi"]), atol=TOL_ITER)
    np.testing.assert_allclose(res.communalities, rec["communality"], atol=TOL_ITER)
    np.testing.assert_allclose(res.uniquenesses, rec["uniquenesses"], atol=TOL_ITER)
    np.testing.assert_allclose(res.complexity, rec["complexity"], atol=TOL_ITER)
    np.testing.assert_allclose(res.variance.to_numpy(), matrix(rec["Vaccounted"]), atol=TOL_ITER)
    assert list(res.variance.index) == names(rec["Vaccounted"]["rows"])
    np.testing.assert_allclose(res.eigenvalues["R"], rec["e.values"], atol=TOL_CLOSED)
    np.testing.assert_allclose(res.eigenvalues["reduced"], rec["values"], atol=TOL_ITER)

    # fit as psych's factor.stats
    assert res.dof == rec["dof"]
    assert res.n_obs == rec["n.obs"]
    pairs = {"objective": "objective", "chi2": "STATISTIC", "chi2_p": "PVAL",
             "chi2_empirical": "chi", "chi2_empirical_p": "EPVAL", "rmsr": "rms",
             "rmsr_corrected": "crms", "tli": "TLI", "bic": "BIC", "sabic": "SABIC",
             "null_chi2": "null.chisq", "null_dof": "null.dof", "fit": "fit",
             "fit_off": "fit.off"}
    for ours, theirs in pairs.items():
        expected = rec[theirs]
        got = getattr(res, ours)
        # chi-squares scale with n (up to ~1e4 for bfi): compare relatively
        assert got == pytest.approx(expected, rel=TOL_ITER, abs=TOL_ITER), ours
    assert res.rmsea == pytest.approx(rec["RMSEA"][0], abs=TOL_ITER)
    assert res.rmsea_lower == pytest.approx(rec["RMSEA"][1], abs=TOL_RMSEA_CI)
    assert res.rmsea_upper == pytest.approx(rec["RMSEA"][2], abs=TOL_RMSEA_CI)

    if scores is not None:
        np.testing.assert_allclose(res.score_weights.to_numpy(), matrix(rec["weights"]),
                                   atol=TOL_ITER)
        ref_scores = np.asarray(rec["scores"], dtype=float).reshape(-1, rec["nfactors"])
        got = res.scores.to_numpy()[: len(ref_scores)]
        # psych: rows with a missing item have NA scores
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref_scores))
        np.testing.assert_allclose(got, ref_scores, atol=TOL_ITER)


def test_efa_factor_names_keep_unrotated_order(datasets) -> None:
    hs, _ = datasets["hs"]
    res = pm.efa(hs, 3)
    assert list(res.loadings.columns) == ["MR1", "MR3", "MR2"]
    assert (res.loadings.sum() > 0).all()
    ss = res.variance.loc["SS loadings"].to_numpy()
    assert np.all(np.diff(ss) <= 0)


def test_efa_matrix_input_without_n_obs_gives_nan_fit(datasets) -> None:
    hs, _ = datasets["hs"]
    r = hs.corr()
    res = pm.efa(r, 3)
    assert res.n_obs is None
    assert np.isnan(res.chi2) and np.isnan(res.rmsea)
    assert res.objective == pytest.approx(pm.efa(hs, 3).objective, rel=1e-10)
    assert "give n_obs" in res.summary()


def test_efa_summary_and_to_dict(datasets) -> None:
    hs, _ = datasets["hs"]
    res = pm.efa(hs, 3, scores="regression")
    text = res.summary()
    assert "MR1" in text and "h2" in text and "RMSEA" in text and "Factor correlations" in text
    # small loadings are blank
    row = next(line for line in text.splitlines() if line.startswith("x4 "))
    assert row.count(".") == 4  # one loading + h2, u2, com
    d = res.to_dict()
    json.dumps(d)
    assert d["loadings"]["columns"] == ["MR1", "MR3", "MR2"]
    assert "<table>" in res._repr_html_()
    assert res.scores.shape == (301, 3)


def test_efa_argument_checks(datasets) -> None:
    hs, _ = datasets["hs"]
    with pytest.raises(ValueError, match="n_factors"):
        pm.efa(hs, 10)
    with pytest.raises(TypeError):
        pm.efa(hs, 2.0)
    with pytest.raises(ValueError, match="method"):
        pm.efa(hs, 2, method="least squares")
    with pytest.raises(ValueError, match="rotation"):
        pm.efa(hs, 2, rotation="Bifactor")
    with pytest.raises(ValueError, match="scores"):
        pm.efa(hs, 2, scores="best")
    with pytest.raises(ValueError, match="missing"):
        pm.efa(hs, 2, missing="mean")
    with pytest.raises(DataValidationError, match="numeric"):
        pm.efa(hs.assign(x1=list("ab") * 150 + ["a"]), 2)
    assert pm.efa(hs, 2, rotation="none").rotation is None


def test_rotations_agree_with_factor_analyzer(datasets) -> None:
    """Our GPA/varimax/promax against factor-analyzer's Rotator (same algorithms)."""
    rotator = pytest.importorskip("factor_analyzer.rotator")
    bfi, _ = datasets["bfi"]
    load = extract(prepare_correlation(bfi).r, 5).loadings
    for ours, theirs in [("varimax", "varimax"), ("promax", "promax"),
                         ("oblimin", "oblimin"), ("quartimin", "quartimin"),
                         ("geominQ", "geomin_obl")]:
        a = rotate(load, ours)
        rot = rotator.Rotator(method=theirs, max_iter=1000)
        b = rot.fit_transform(load)
        np.testing.assert_allclose(a.loadings, b, atol=1e-10)
        if a.phi is not None:
            np.testing.assert_allclose(a.phi, rot.phi_, atol=1e-10)


# --------------------------------------------------------------------------------------------
# warnings
# --------------------------------------------------------------------------------------------


# A positive definite matrix whose one-factor solution needs a communality of
# .85 * .85 / .6 = 1.2 for item a.
HEYWOOD = pd.DataFrame(
    [[1.0, 0.85, 0.85, 0.3], [0.85, 1.0, 0.6, 0.3], [0.85, 0.6, 1.0, 0.3],
     [0.3, 0.3, 0.3, 1.0]],
    index=list("abcd"), columns=list("abcd"),
)


@pytest.mark.parametrize("method", ["minres", "ml", "pa"])
def test_heywood_case_warns_naming_the_item(method: str) -> None:
    with pytest.warns(NumericalWarning, match=r"Heywood case.*\ba\b"):
        pm.efa(HEYWOOD, 1, method=method, n_obs=200)


@pytest.mark.parametrize("method", ["minres", "ml", "pa"])
def test_non_convergence_warns(method: str, datasets) -> None:
    bfi, _ = datasets["bfi"]
    with pytest.warns(NumericalWarning, match="did not converge"):
        res = pm.efa(bfi, 5, method=method, max_iter=1)
    assert not res.converged


def test_singular_matrix_warns(datasets) -> None:
    hs, _ = datasets["hs"]
    dup = hs.assign(x10=hs["x1"])  # an exact copy: R is singular
    with pytest.warns(NumericalWarning, match="not positive definite"):
        res = pm.efa(dup, 3)
    assert np.isfinite(res.chi2)
    with pytest.warns(NumericalWarning, match="singular"):
        pm.kmo(dup)
    with pytest.warns(NumericalWarning, match="singular"):
        b = pm.bartlett(dup)
    assert b.chi2 == np.inf and b.p_value == 0.0


def test_zero_variance_item_is_dropped_with_warning(datasets) -> None:
    hs, _ = datasets["hs"]
    with pytest.warns(NumericalWarning, match="zero variance.*const"):
        res = pm.efa(hs.assign(const=1.0), 3)
    assert "const" not in res.loadings.index


def test_n_obs_with_raw_data_warns(datasets) -> None:
    hs, _ = datasets["hs"]
    with pytest.warns(NumericalWarning, match="n_obs is ignored"):
        res = pm.efa(hs, 3, n_obs=50)
    assert res.n_obs == 301


# --------------------------------------------------------------------------------------------
# KMO and Bartlett
# --------------------------------------------------------------------------------------------


ADEQ = json.loads((REF / "efa" / "adequacy.json").read_text())


@pytest.mark.parametrize("name", ["bfi", "hs", "harman74"])
def test_kmo_and_bartlett_match_psych(name: str, datasets) -> None:
    data, kw = datasets[name]
    ref = ADEQ[name]
    k = pm.kmo(data)
    assert k.msa == pytest.approx(ref["MSA"], abs=TOL_CLOSED)
    assert list(k.msa_items.index) == list(ref["MSAi"])
    np.testing.assert_allclose(k.msa_items, list(ref["MSAi"].values()), atol=TOL_CLOSED)
    b = pm.bartlett(data, **kw)
    assert b.chi2 == pytest.approx(ref["chisq"], rel=TOL_CLOSED)
    assert b.dof == ref["df"]
    assert b.p_value == pytest.approx(ref["p"], abs=TOL_CLOSED)
    assert b.n_obs == ref["n"]
    assert "MSA" in k.summary() and "chi-square" in b.summary()


def test_kmo_bartlett_agree_with_factor_analyzer(datasets) -> None:
    fa = pytest.importorskip("factor_analyzer.factor_analyzer")
    hs, _ = datasets["hs"]
    msa_items, msa = fa.calculate_kmo(hs)
    chi, _ = fa.calculate_bartlett_sphericity(hs)
    assert pm.kmo(hs).msa == pytest.approx(msa, abs=1e-12)
    np.testing.assert_allclose(pm.kmo(hs).msa_items, msa_items, atol=1e-12)
    assert pm.bartlett(hs).chi2 == pytest.approx(chi, rel=1e-12)


def test_bartlett_needs_n_for_a_matrix(datasets) -> None:
    hs, _ = datasets["hs"]
    with pytest.raises(ValueError, match="n_obs"):
        pm.bartlett(hs.corr())


# --------------------------------------------------------------------------------------------
# parallel analysis
# --------------------------------------------------------------------------------------------


PAR = json.loads((REF / "efa" / "parallel.json").read_text())


@pytest.mark.parametrize("name", ["bfi", "hs", "harman74"])
def test_parallel_observed_eigenvalues_exact(name: str, datasets) -> None:
    data, kw = datasets[name]
    ref = PAR[name]
    res = pm.parallel_analysis(data, n_iter=2, seed=0, **kw)
    np.testing.assert_allclose(res.eigenvalues["pc_observed"], ref["pc.values"],
                               atol=TOL_CLOSED)
    # minres one-factor solution: iterative, R's optim path is followed
    np.testing.assert_allclose(res.eigenvalues["fa_observed"], ref["fa.values"], atol=1e-6)


@pytest.mark.parametrize("name", ["hs", "harman74"])
def test_parallel_simulated_eigenvalues_in_distribution(name: str, datasets) -> None:
    """Simulated eigenvalues are random: their means must agree with psych's within
    5 standard errors of the difference of two means (R's SDs over its replicates)."""
    data, kw = datasets[name]
    ref = PAR[name]
    n_iter = 300
    res = pm.parallel_analysis(data, n_iter=n_iter, seed=12345, **kw)
    p = len(ref["pc.values"])
    sd = np.asarray(ref["sim.sd"], dtype=float)
    se = sd * np.sqrt(1 / n_iter + 1 / ref["n.iter"])
    pc_diff = np.abs(res.eigenvalues["pc_simulated_mean"].to_numpy() - ref["pc.sim"])
    fa_diff = np.abs(res.eigenvalues["fa_simulated_mean"].to_numpy() - ref["fa.sim"])
    assert np.all(pc_diff < 5 * se[:p])
    assert np.all(fa_diff < 5 * se[p:])
    assert res.n_factors == ref["nfact"]
    assert res.n_components == ref["ncomp"]


def test_parallel_is_seeded_and_reports_progress(datasets) -> None:
    hs, _ = datasets["hs"]
    calls: list[tuple[int, int]] = []
    a = pm.parallel_analysis(hs, n_iter=30, seed=7, progress=lambda d, t: calls.append((d, t)))
    b = pm.parallel_analysis(hs, n_iter=30, seed=7)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    assert calls[0] == (0, 30) and calls[-1] == (30, 30)
    c = pm.parallel_analysis(hs, n_iter=30, seed=8)
    assert not a.eigenvalues.equals(c.eigenvalues)


def test_parallel_kinds_resample_summary_plot(datasets) -> None:
    hs, _ = datasets["hs"]
    pc = pm.parallel_analysis(hs, n_iter=10, seed=1, kind="pc")
    assert pc.n_factors is None and pc.n_components == 3
    assert not any(c.startswith("fa_") for c in pc.eigenvalues.columns)
    fa = pm.parallel_analysis(hs, n_iter=10, seed=1, kind="fa", resample=True)
    assert fa.n_components is None and fa.n_factors == 3
    assert "fa_resampled_mean" in fa.eigenvalues.columns
    assert "number of factors = 3" in fa.summary()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = pm.parallel_analysis(hs, n_iter=10, seed=1).plot()
    assert len(ax.get_lines()) >= 4
    with pytest.raises(ValueError, match="kind"):
        pm.parallel_analysis(hs, kind="both!")
    with pytest.raises(ValueError, match="n_obs"):
        pm.parallel_analysis(hs.corr())


# --------------------------------------------------------------------------------------------
# matrix helpers
# --------------------------------------------------------------------------------------------


def test_pairwise_correlation_matches_pandas_pairwise() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 5)) * [1, 10, 100, 1e3, 1e4] + 1e6
    x[rng.random(x.shape) < 0.2] = np.nan
    r, n = pairwise_correlation(x)
    np.testing.assert_allclose(r, pd.DataFrame(x).corr().to_numpy(), atol=1e-12)
    assert n[0, 1] == np.sum(~np.isnan(x[:, 0]) & ~np.isnan(x[:, 1]))


def test_smc_and_smoothing() -> None:
    r = HEYWOOD.to_numpy()
    s = smc(r)
    assert np.all((s >= 0) & (s <= 1))
    sm, smoothed = cor_smooth(r)
    assert smoothed == (np.linalg.eigvalsh(r)[0] < np.finfo(float).eps)
    assert is_correlation_matrix(sm)


def test_listwise_scores_keep_row_labels(datasets) -> None:
    bfi, _ = datasets["bfi"]
    res = pm.efa(bfi, 5, missing="listwise", scores="bartlett")
    complete = bfi.dropna().index
    assert res.n_obs == len(complete)
    assert res.scores.index.equals(complete)
    assert not res.scores.isna().any().any()
    pairwise = pm.efa(bfi, 5, scores="regression")
    assert pairwise.scores.index.equals(bfi.index)
    assert pairwise.scores.isna().any(axis=1).sum() == bfi.isna().any(axis=1).sum()


def test_ml_on_a_singular_matrix_is_smoothed_with_warning(datasets) -> None:
    hs, _ = datasets["hs"]
    dup = hs.assign(x10=hs["x1"])
    with pytest.warns(NumericalWarning) as record:
        res = pm.efa(dup, 3, method="ml")
    messages = " | ".join(str(w.message) for w in record)
    assert "maximum likelihood needs a positive definite" in messages
    assert "singular or not positive definite" in messages
    assert "Heywood case" in messages and "x10" in messages  # x1 and its copy
    assert np.isfinite(res.loadings.to_numpy()).all()


def test_too_many_factors_for_a_fit_test_is_noted(datasets) -> None:
    hs, _ = datasets["hs"]
    with pytest.warns(NumericalWarning, match="not identified"):
        res = pm.efa(hs, 6, rotation="varimax")
    assert res.dof < 0 and np.isnan(res.rmsea) and np.isnan(res.chi2_p)
    assert "degrees of freedom" in res.summary()
