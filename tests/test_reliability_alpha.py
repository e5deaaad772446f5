"""psychometrics.alpha against psych::alpha 2.2.9 (fixtures from tests/reference/reliability.R),
its bootstrap, and its edge cases."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, numbers

import psychometrics as pm
from psychometrics.coefficients import _alpha as A
from psychometrics.errors import NumericalWarning

TOL = 1e-9  # closed forms; R's JSON carries 15 significant digits

ALPHA = json.loads((REF / "reliability" / "alpha.json").read_text())


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def datasets(bfi: pd.DataFrame) -> dict[str, pd.DataFrame]:
    hs = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
    lsat6 = pd.read_csv(REF / "data" / "lsat6.csv")
    const = bfi[["A2", "A3", "A4", "A5"]].copy()
    const["const"] = 3
    return {"bfi": bfi, "hs": hs, "lsat6": lsat6, "const": const}


# case name -> (data set, missing); the items and keys come from the fixture
CASES = {
    "bfi_A_keys_pairwise": ("bfi", "pairwise"),
    "bfi_A_keys_listwise": ("bfi", "listwise"),
    "bfi_A_nokeys_listwise": ("bfi", "listwise"),
    "bfi_A_nokeys_pairwise": ("bfi", "pairwise"),
    "bfi_E_keys_pairwise": ("bfi", "pairwise"),
    "bfi25_keys_pairwise": ("bfi", "pairwise"),
    "bfi_A234_pairwise": ("bfi", "pairwise"),
    "bfi_A23_pairwise": ("bfi", "pairwise"),
    "bfi_A_const": ("const", "pairwise"),
    "lsat6": ("lsat6", "pairwise"),
    "hs_x1_x9": ("hs", "pairwise"),
}


def _run(case: str, datasets: dict[str, pd.DataFrame], **kw: object) -> pm.AlphaResult:
    ref = ALPHA[case]
    source, missing = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        return pm.alpha(datasets[source][ref["items"]], keys=ref["keys"], missing=missing, **kw)


@pytest.mark.parametrize("case", sorted(CASES))
def test_alpha_totals_match_psych(case: str, datasets: dict[str, pd.DataFrame]) -> None:
    ref = ALPHA[case]
    res = _run(case, datasets)
    tot = ref["total"]
    assert res.n == ref["nsub"]
    assert res.n_items == ref["nvar"]
    for ours, theirs in [("raw_alpha", "raw_alpha"), ("std_alpha", "std.alpha"),
                         ("g6", "G6(smc)"), ("average_r", "average_r"),
                         ("signal_noise", "S/N"), ("ase", "ase"), ("mean", "mean"),
                         ("sd", "sd"), ("median_r", "median_r")]:
        assert getattr(res, ours) == pytest.approx(tot[theirs], abs=TOL), ours
    # Feldt interval (psych's alpha.ci, n = rows, k = items kept)
    assert res.ci.method == "feldt" and res.ci.level == 0.95
    assert res.ci.lower == pytest.approx(ref["feldt"]["lower"], abs=TOL)
    assert res.ci.upper == pytest.approx(ref["feldt"]["upper"], abs=TOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_alpha_if_deleted_and_item_stats_match_psych(case: str,
                                                     datasets: dict[str, pd.DataFrame]) -> None:
    ref = ALPHA[case]
    res = _run(case, datasets)
    drop = ref["alpha_drop"]
    assert list(res.alpha_if_deleted.index) == drop["rows"]  # reversed items labelled "A1-"
    ours = res.alpha_if_deleted[["raw_alpha", "std_alpha", "g6", "average_r", "signal_noise",
                                 "ase", "var_r", "med_r"]].to_numpy()
    assert drop["cols"] == ["raw_alpha", "std.alpha", "G6(smc)", "average_r", "S/N",
                            "alpha se", "var.r", "med.r"]
    np.testing.assert_allclose(ours, numbers(drop["data"]), rtol=0, atol=TOL, equal_nan=True)

    items = ref["item_stats"]
    assert list(res.item_stats.index) == items["rows"]
    assert items["cols"] == ["n", "raw.r", "std.r", "r.cor", "r.drop", "mean", "sd"]
    np.testing.assert_allclose(res.item_stats.to_numpy(dtype=float), numbers(items["data"]),
                               rtol=0, atol=TOL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_response_frequencies_match_psych(case: str, datasets: dict[str, pd.DataFrame]) -> None:
    ref = ALPHA[case]["response_freq"]
    res = _run(case, datasets)
    if ref is None:
        assert res.response_freq.empty  # psych: more than 10 distinct values
        return
    assert list(res.response_freq.index) == ref["rows"]
    assert list(res.response_freq.columns) == ref["cols"]
    np.testing.assert_allclose(res.response_freq.to_numpy(), numbers(ref["data"]), rtol=0,
                               atol=TOL)


def test_feldt_at_another_level_and_duhachek(datasets: dict[str, pd.DataFrame]) -> None:
    ref = ALPHA["bfi_A_keys_pairwise"]
    res90 = _run("bfi_A_keys_pairwise", datasets, ci=0.90)
    assert (res90.ci.lower, res90.ci.upper) == pytest.approx(
        (ref["feldt90"]["lower"], ref["feldt90"]["upper"]), abs=TOL)
    duh = _run("bfi_A_keys_pairwise", datasets, ci_method="duhachek")
    assert duh.ci.method == "duhachek"
    assert (duh.ci.lower, duh.ci.upper) == pytest.approx(
        (ref["duhachek"]["lower"], ref["duhachek"]["upper"]), abs=TOL)
    # psych's printout rounds z to 1.96: the documented difference is (1.96 - z) * ase
    z = 1.959963984540054
    gap = (1.96 - z) * duh.ase
    assert ref["duhachek_psych196"]["lower"] == pytest.approx(duh.ci.lower - gap, abs=TOL)


def test_missing_data_convention_is_psych_cov2cor_not_pairwise_cor(bfi: pd.DataFrame) -> None:
    """With missing answers psych's correlations are cov2cor(pairwise covariance), which
    differs from cor(use = "pairwise"); pin both so the convention cannot drift."""
    conv = ALPHA["convention"]
    items = bfi[["A1", "A2", "A3", "A4", "A5"]]
    res = pm.alpha(items, keys=["A1"])
    assert res.std_alpha == pytest.approx(conv["psych_std_alpha"], abs=TOL)
    # the naive alternative really is different (by more than any tolerance used here)
    assert abs(conv["naive_std_alpha"] - conv["psych_std_alpha"]) > 1e-5
    assert abs(res.std_alpha - conv["naive_std_alpha"]) > 1e-5
    # and it is what pandas' pairwise corr computes (the R naive matrix)
    keyed = items.assign(A1=7 - items["A1"])
    np.testing.assert_allclose(keyed.corr().to_numpy(), numbers(conv["naive_r"]["data"]), atol=TOL)
    # our internal pairwise correlation (used for psych's sign check) is the naive one
    mom = A._moments(keyed.to_numpy(dtype=float))
    np.testing.assert_allclose(mom.pairwise_correlation(), numbers(conv["naive_r"]["data"]),
                               atol=TOL)
    np.testing.assert_allclose(A.cov2cor(mom.covariance()), numbers(conv["psych_r"]["data"]),
                               atol=TOL)


def test_negative_items_warning_names_them_as_psych(bfi: pd.DataFrame) -> None:
    with pytest.warns(NumericalWarning, match=r"\(A1\).*keys=\['A1'\]"):
        pm.alpha(bfi[["A1", "A2", "A3", "A4", "A5"]])


def test_keys_forms_are_equivalent(bfi: pd.DataFrame) -> None:
    items = bfi[["A1", "A2", "A3", "A4", "A5"]]
    by_name = pm.alpha(items, keys=["A1"])
    by_sign = pm.alpha(items, keys=[-1, 1, 1, 1, 1])
    by_str = pm.alpha(items, keys="A1")
    by_array = pm.alpha(items.to_numpy(), keys=[-1, 1, 1, 1, 1])
    for other in (by_sign, by_str):
        assert other.to_dict() == by_name.to_dict()
    assert by_array.raw_alpha == by_name.raw_alpha
    assert list(by_array.item_stats.index) == ["V1-", "V2", "V3", "V4", "V5"]
    # reversing by hand (7 - x for 1-6 items) gives the same numbers without the label
    manual = pm.alpha(items.assign(A1=7 - items["A1"]))
    assert manual.raw_alpha == pytest.approx(by_name.raw_alpha, abs=1e-12)
    np.testing.assert_allclose(manual.item_stats.to_numpy(float),
                               by_name.item_stats.to_numpy(float), atol=1e-12)


def test_layouts_and_paths_agree(bfi: pd.DataFrame) -> None:
    """Row-major, column-major and the pairwise path (forced by an empty row) agree."""
    items = bfi[["A1", "A2", "A3", "A4", "A5"]].dropna()
    X = items.to_numpy(dtype=float)
    c_order = pm.alpha(np.ascontiguousarray(X), keys=[-1, 1, 1, 1, 1])
    f_order = pm.alpha(np.asfortranarray(X), keys=[-1, 1, 1, 1, 1])
    assert c_order.to_dict() == f_order.to_dict()
    padded = np.vstack([X, np.full((1, 5), np.nan)])
    pairwise = pm.alpha(padded, keys=[-1, 1, 1, 1, 1])
    assert pairwise.n == X.shape[0] + 1  # psych's n counts every row
    for name in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "mean", "sd"):
        assert getattr(pairwise, name) == pytest.approx(getattr(c_order, name), abs=1e-12)
    np.testing.assert_allclose(pairwise.item_stats.drop(columns="n").to_numpy(),
                               c_order.item_stats.drop(columns="n").to_numpy(), atol=1e-12)


@pytest.mark.parametrize("values", [[1.5, 2.5, 3.5], [200, 203, 205], [-1, 0, 1]])
def test_response_frequencies_for_any_coding(values: list[float]) -> None:
    """Half points, codes beyond int8 and negative codes all count correctly."""
    rng = np.random.default_rng(5)
    trait = rng.integers(0, 3, size=300)
    X = np.array(values, dtype=float)[np.clip(trait[:, None] + rng.integers(-1, 2, (300, 4)),
                                              0, 2)]
    X[3, 1] = np.nan
    res = pm.alpha(pd.DataFrame(X, columns=list("abcd")))
    for j, name in enumerate("abcd"):
        col = pd.Series(X[:, j]).dropna()
        expected = col.value_counts(normalize=True).sort_index()
        got = res.response_freq.loc[name].drop("miss")
        got.index = got.index.astype(float)
        pd.testing.assert_series_equal(got[got.index.isin(expected.index)], expected,
                                       check_names=False, atol=1e-15, check_index_type=False)
        assert res.response_freq.loc[name, "miss"] == pytest.approx(
            np.isnan(X[:, j]).mean(), abs=1e-15)


def test_response_frequencies_skip_wide_items_as_psych() -> None:
    """psych leaves out items whose range exceeds 11 (here: all of them)."""
    rng = np.random.default_rng(4)
    X = np.array([0.0, 150.0, 200.0])[rng.integers(0, 3, size=(100, 3))]
    X[:, 1] = X[:, 0]  # identical items: R is singular, S/N without V3 is infinite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        assert pm.alpha(X).response_freq.empty


def test_large_complete_data_fast_path_is_exact() -> None:
    """The blocked one-pass path (with int8 counting) equals a direct computation."""
    rng = np.random.default_rng(2)
    n, k = 40_000, 6
    X = np.clip(np.round(3.5 + rng.normal(size=(n, 1)) + rng.normal(size=(n, k))), 1, 6)
    res = pm.alpha(X, keys=[1, 1, -1, 1, 1, 1])
    Xr = X.copy()
    Xr[:, 2] = 7 - Xr[:, 2]
    C = np.cov(Xr, rowvar=False)
    raw = k / (k - 1) * (1 - np.trace(C) / C.sum())
    assert res.raw_alpha == pytest.approx(raw, abs=1e-12)
    assert res.mean == pytest.approx(Xr.mean(axis=1).mean(), abs=1e-12)
    assert res.sd == pytest.approx(Xr.mean(axis=1).std(ddof=1), abs=1e-12)
    np.testing.assert_allclose(res.item_stats["mean"], Xr.mean(axis=0), atol=1e-12)
    counts = np.stack([(X == v).mean(axis=0) for v in range(1, 7)], axis=1)
    np.testing.assert_allclose(res.response_freq.drop(columns="miss").to_numpy(), counts,
                               atol=1e-15)


@pytest.mark.parametrize(("missing", "collinear"), [(0.0, False), (0.15, False), (0.0, True)])
def test_alpha_if_deleted_closed_form_equals_refits(missing: float, collinear: bool) -> None:
    """Every column of alpha_if_deleted equals alpha refitted without the item (the
    rank-one SMC downdate, or psych's pseudo-inverse when R is near singular)."""
    X = _likert(500, 6, 21, missing)
    if collinear:
        X[:, 5] = X[:, 4]  # R singular: the per-item pseudo-inverse path
    keys = [1, 1, -1, 1, 1, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        full = pm.alpha(X, keys=keys)
        for i, label in enumerate(full.alpha_if_deleted.index):
            keep = [j for j in range(6) if j != i]
            refit = pm.alpha(X[:, keep], keys=[keys[j] for j in keep])
            row = full.alpha_if_deleted.loc[label]
            assert row["raw_alpha"] == pytest.approx(refit.raw_alpha, abs=1e-12)
            assert row["std_alpha"] == pytest.approx(refit.std_alpha, abs=1e-12)
            assert row["g6"] == pytest.approx(refit.g6, abs=1e-10)
            assert row["average_r"] == pytest.approx(refit.average_r, abs=1e-12)
            assert row["med_r"] == pytest.approx(refit.median_r, abs=1e-12)
            assert row["var_r"] == pytest.approx(refit.var_r, abs=1e-12)
            assert row["ase"] == pytest.approx(refit.ase, abs=1e-12)
            if np.isfinite(refit.signal_noise):
                assert row["signal_noise"] == pytest.approx(refit.signal_noise, rel=1e-10)


def test_one_pass_counting_survives_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The byte counters are flushed every 255 blocks; force 300 blocks of 4 rows."""
    monkeypatch.setattr(A, "_BLOCK_CELLS", 12)
    monkeypatch.setattr(A, "_MIN_BLOCK_ROWS", 1)
    X = _likert(1200, 3, 12)
    res = pm.alpha(X)
    counts = np.stack([(X == v).mean(axis=0) for v in range(1, 6)], axis=1)
    np.testing.assert_allclose(res.response_freq.drop(columns="miss").to_numpy(), counts,
                               atol=1e-15)
    C = np.cov(X, rowvar=False)
    assert res.raw_alpha == pytest.approx(1.5 * (1 - np.trace(C) / C.sum()), abs=1e-12)


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------


def _likert(n: int, k: int, seed: int, missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.clip(np.round(3 + rng.normal(size=(n, 1)) + rng.normal(size=(n, k))), 1, 5)
    if missing:
        X[rng.random(X.shape) < missing] = np.nan
    return X


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    X = _likert(300, 5, 1)
    a = pm.alpha(X, ci_method="bootstrap", n_boot=500, seed=42)
    b = pm.alpha(X, ci_method="bootstrap", n_boot=500, seed=42)
    c = pm.alpha(X, ci_method="bootstrap", n_boot=500, seed=43)
    assert a.ci == b.ci
    assert a.ci != c.ci
    assert a.ci.method == "bootstrap" and a.ci.lower < a.raw_alpha < a.ci.upper


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_bootstrap_weights_equal_explicit_resampling(missing: float) -> None:
    """Multinomial weights on the sufficient statistics are the same as resampling rows."""
    X = _likert(60, 4, 3, missing)
    signs = np.array([1.0, -1.0, 1.0, 1.0])
    n_boot = 9
    boots = A._bootstrap_alphas(X, signs, n_boot, np.random.default_rng(7), lambda d, t: None)
    idx = np.random.default_rng(7).integers(0, X.shape[0], size=(n_boot, X.shape[0]))
    explicit = []
    for rows in idx:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalWarning)
            explicit.append(pm.alpha(X[rows], keys=list(signs)).raw_alpha)
    np.testing.assert_allclose(boots, explicit, rtol=0, atol=1e-12)


def test_bootstrap_brackets_feldt_on_a_large_sample() -> None:
    """Sanity check, not parity: on 4000 simulated respondents the percentile interval
    and Feldt's agree within a quarter of Feldt's width at each end."""
    X = _likert(4000, 8, 9)
    feldt = pm.alpha(X)
    calls: list[tuple[int, int]] = []
    boot = pm.alpha(X, ci_method="bootstrap", n_boot=2000, seed=1,
                    progress=lambda d, t: calls.append((d, t)))
    width = feldt.ci.upper - feldt.ci.lower
    tol = 0.25 * width
    assert abs(boot.ci.lower - feldt.ci.lower) < tol
    assert abs(boot.ci.upper - feldt.ci.upper) < tol
    assert boot.ci.lower < boot.raw_alpha < boot.ci.upper
    assert calls[0] == (0, 2000) and calls[-1] == (2000, 2000)


def test_bootstrap_argument_validation() -> None:
    X = _likert(50, 3, 2)
    with pytest.raises(ValueError, match="n_boot"):
        pm.alpha(X, ci_method="bootstrap", n_boot=1)
    with pytest.raises(ValueError, match="ci_method"):
        pm.alpha(X, ci_method="normal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ci is a confidence level"):
        pm.alpha(X, ci=95)


# --------------------------------------------------------------------------------------------
# edge cases: clear errors or warnings naming the item, never a silent NaN
# --------------------------------------------------------------------------------------------


def test_too_few_items_or_respondents() -> None:
    with pytest.raises(ValueError, match="at least 2 items"):
        pm.alpha(np.ones((10, 1)))
    with pytest.raises(ValueError, match="at least 3 respondents"):
        pm.alpha(np.array([[1.0, 2.0], [2.0, 3.0]]))
    X = _likert(20, 3, 4)
    X[:18, 0] = np.nan
    with pytest.raises(ValueError, match=r"3 respondents.*complete rows"):
        pm.alpha(X[:4], missing="listwise")


def test_zero_variance_item_is_named_dropped_and_counted_in_the_score() -> None:
    X = pd.DataFrame(_likert(100, 3, 5), columns=["a", "b", "c"]).assign(flat=2.0)
    with pytest.warns(NumericalWarning, match="'flat' has zero variance"):
        res = pm.alpha(X)
    assert list(res.item_stats.index) == ["a", "b", "c"]
    assert res.n_items == 3
    # psych adds the constant's first-row value to each row's total: mean over 4 items
    assert res.mean == pytest.approx(X.mean(axis=1).mean(), abs=1e-12)


def test_item_without_answers_is_named() -> None:
    X = pd.DataFrame(_likert(100, 3, 6), columns=["a", "b", "c"]).assign(empty=np.nan)
    with pytest.warns(NumericalWarning, match="'empty' has no answers"):
        res = pm.alpha(X)
    assert res.n_items == 3 and math.isfinite(res.raw_alpha)


def test_negative_average_covariance_names_items() -> None:
    rng = np.random.default_rng(8)
    t = rng.normal(size=400)
    X = pd.DataFrame({"a": t + rng.normal(size=400), "b": -t + rng.normal(size=400),
                      "c": -t + rng.normal(size=400), "d": rng.normal(size=400)})
    with pytest.warns(NumericalWarning) as record:
        res = pm.alpha(X)
    messages = " ".join(str(w.message) for w in record)
    assert "average covariance between items is negative" in messages
    assert "'a'" in messages or "a," in messages or "(a" in messages
    assert res.raw_alpha < 0


def test_non_positive_definite_pairwise_matrix_warns() -> None:
    rng = np.random.default_rng(9)
    blocks = []
    for (i, j), sign in {(0, 1): 1, (1, 2): 1, (0, 2): -1}.items():
        z = rng.normal(size=200)
        block = np.full((200, 3), np.nan)
        block[:, i] = z + 0.3 * rng.normal(size=200)
        block[:, j] = sign * z + 0.3 * rng.normal(size=200)
        blocks.append(block)
    X = np.vstack(blocks)
    with pytest.warns(NumericalWarning) as record:
        res = pm.alpha(X, keys=[1, 1, 1])
    messages = [str(w.message) for w in record]
    assert any("not positive definite" in m for m in messages)
    assert any("SMCs of ['V1', 'V2', 'V3'] fell outside [0, 1]" in m for m in messages)
    assert math.isfinite(res.g6)


def test_items_never_answered_together() -> None:
    X = np.full((10, 3), np.nan)
    X[:5, 0] = [1, 2, 3, 4, 5]
    X[5:, 1] = [1, 3, 2, 5, 4]
    X[:, 2] = np.arange(10) % 4
    with pytest.raises(ValueError, match="'V1' and 'V2'"):
        pm.alpha(X, keys=[1, 1, 1])


def test_bad_inputs() -> None:
    X = pd.DataFrame(_likert(30, 3, 1), columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="not in the data"):
        pm.alpha(X, keys=["z"])
    with pytest.raises(ValueError, match="3 items"):
        pm.alpha(X, keys=[1, -1])
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        pm.alpha(X, keys=[1, 0, 1])
    with pytest.raises(ValueError, match="not numeric"):
        pm.alpha(X.assign(c="x"))
    with pytest.raises(ValueError, match="infinite"):
        pm.alpha(X.assign(c=np.where(np.arange(30) == 3, np.inf, X["c"])))
    with pytest.raises(ValueError, match="missing must be"):
        pm.alpha(X, missing="fiml")  # type: ignore[arg-type]


def test_result_object() -> None:
    X = pd.DataFrame(_likert(80, 4, 2), columns=list("wxyz"))
    res = pm.alpha(X.assign(z=6 - X["z"]), keys=["z"])
    d = res.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["ci"]["method"] == "feldt"
    assert "Reliability if an item is dropped" in res.summary()
    assert "<table>" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.raw_alpha = 0.0  # type: ignore[misc]
