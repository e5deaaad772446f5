"""split_half, polychoric and ordinal_alpha against psych 2.2.9 (fixtures from
tests/reference/reliability.R); sem and reliable_change against Jacobson & Truax's formula."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, numbers
from scipy.special import ndtr, owens_t

import psychometrics as pm
from psychometrics import correlation as C
from psychometrics.errors import NumericalWarning, PsychometricsWarning

TOL = 1e-9  # closed forms; R's JSON carries 15 significant digits
# polychoric: the same optimiser (R's Brent fmin, same tolerance) on the same likelihood
# (Genz's bivariate normal, as mnormt), so rho agrees far inside optimize()'s tolerance
TOL_RHO = 1e-8

SPLIT = json.loads((REF / "reliability" / "split_half.json").read_text())
POLY = json.loads((REF / "reliability" / "polychoric.json").read_text())
ORD = json.loads((REF / "reliability" / "ordinal_alpha.json").read_text())


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    bfi = pd.read_csv(REF / "data" / "bfi.csv")
    uneven = bfi[["A1", "A2", "A3", "A4", "A5"]].copy()
    uneven["A1"] = (uneven["A1"] + 1) // 2
    return {
        "bfi": bfi,
        "hs": pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv"),
        "lsat6": pd.read_csv(REF / "data" / "lsat6.csv"),
        "uneven": uneven,
    }


# --------------------------------------------------------------------------------------------
# split_half
# --------------------------------------------------------------------------------------------

SPLIT_SOURCE = {"bfi_A": "bfi", "bfi_C_E12": "bfi", "bfi_A_C": "bfi", "bfi_16": "bfi",
                "bfi_20_brute": "bfi", "hs_x1_x9": "hs", "lsat6": "lsat6"}


def _psych_halves(ab: dict[str, list[str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # psych marks reversed items "-A1"; this package writes "A1-" as in alpha's tables
    fix = lambda v: f"{v[1:]}-" if v.startswith("-") else v  # noqa: E731
    return tuple(fix(v) for v in ab["A"]), tuple(fix(v) for v in ab["B"])


@pytest.mark.parametrize("case", sorted(SPLIT_SOURCE))
def test_split_half_matches_psych(case: str, data: dict[str, pd.DataFrame]) -> None:
    ref = SPLIT[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)  # psych's check.keys reversals
        # the fixtures are psych 2.2.9's (odd k: half the splits); even k is the same in
        # every version
        res = pm.split_half(data[SPLIT_SOURCE[case]][ref["items"]], brute=ref["brute"],
                            psych_version="2.2.9")
    assert res.enumerated
    assert res.n_splits == ref["n_values"]
    for ours, theirs in [("max_split", "maxrb"), ("min_split", "minrb"),
                         ("mean_split", "meanr"), ("alpha", "alpha"), ("lambda2", "lambda2"),
                         ("lambda6", "lambda6"), ("average_r", "av.r"), ("median_r", "med.r")]:
        assert getattr(res, ours) == pytest.approx(ref[theirs], abs=TOL), ours
    lo, med, hi = ref["ci"]
    assert (res.ci.lower, res.median_split, res.ci.upper) == pytest.approx((lo, med, hi), abs=TOL)
    assert res.max_halves == _psych_halves(ref["maxAB"])
    assert res.min_halves == _psych_halves(ref["minAB"])


def test_split_half_odd_k_quirk_is_psych_s(data: dict[str, pd.DataFrame]) -> None:
    """k = 7: psych evaluates 18 splits but divides their sum by choose(7, 3) / 2 = 17.5."""
    ref = SPLIT["bfi_C_E12"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        res = pm.split_half(data["bfi"][ref["items"]], psych_version="2.2.9")
    assert res.n_splits == 18
    assert res.mean_split == pytest.approx(ref["meanr"], abs=TOL)
    assert "psych 2.2.9's half" in res.summary()


def _all_splits_by_brute_force(x: pd.DataFrame) -> np.ndarray:
    """Every split of the items into halves of k // 2 and k - k // 2 items, computed
    directly (Flanagan-Rulon: 4 cov(A, B) / var(A + B) of the half sums' covariance
    matrix), independently of split_half's enumeration and its matrix algebra."""
    import itertools

    k = x.shape[1]
    cov = x.cov().to_numpy()
    r = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    out = []
    seen = set()
    for a in itertools.combinations(range(k), k // 2):
        b = tuple(j for j in range(k) if j not in a)
        key = frozenset([a, b])
        if key in seen:  # even k: {A, B} and {B, A} are the same split
            continue
        seen.add(key)
        cab = r[np.ix_(a, b)].sum()
        out.append(4 * cab / r.sum())
    return np.array(out)


@pytest.mark.parametrize("items", [["A1", "A2", "A3", "A4", "A5"],
                                   ["C1", "C2", "C3", "C4", "C5", "E1", "E2"],
                                   ["A1", "A2", "A3", "A4", "A5", "C1"]])
def test_split_half_all_splits_rule(items: list[str], data: dict[str, pd.DataFrame]) -> None:
    """psych >= 2.3's rule (the default): every split, checked against a brute-force
    enumeration written independently here (psych 2.2.9, the R installed for the
    fixtures, evaluates only half of the odd-k splits)."""
    x = data["bfi"][items].dropna()  # complete cases: pairwise = listwise, as the check
    values = _all_splits_by_brute_force(x)
    res = pm.split_half(x, check_keys=False)
    k = len(items)
    assert res.n_splits == len(values) == (math.comb(k, k // 2) if k % 2
                                           else math.comb(k, k // 2) // 2)
    assert res.mean_split == pytest.approx(values.mean(), abs=1e-12)
    assert res.max_split == pytest.approx(values.max(), abs=1e-12)
    assert res.min_split == pytest.approx(values.min(), abs=1e-12)
    assert res.median_split == pytest.approx(np.median(values), abs=1e-12)
    legacy = pm.split_half(x, check_keys=False, psych_version="2.2.9")
    if k % 2:
        assert legacy.n_splits == math.ceil(math.comb(k, k // 2) / 2) < res.n_splits
    else:
        assert legacy.to_dict() | {"psych_version": "2.3"} == res.to_dict()


def test_split_half_from_a_matrix(data: dict[str, pd.DataFrame]) -> None:
    # complete cases: with missing values psych's raw-data path scales pairwise
    # covariances (cov2cor), which differs from pairwise correlations
    x = data["bfi"][["A1", "A2", "A3", "A4", "A5", "C1"]].dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        from_data = pm.split_half(x)
        from_cov = pm.split_half(x.cov(), n_obs=len(x))
        from_cor = pm.split_half(x.corr())
    assert from_cov.matrix_input == "covariance" and from_cor.matrix_input == "correlation"
    for res in (from_cov, from_cor):
        for name in ("max_split", "min_split", "mean_split", "alpha", "lambda2", "lambda6"):
            assert getattr(res, name) == pytest.approx(getattr(from_data, name), abs=1e-12)
    assert from_cov.n == len(x) and from_cor.n is None
    assert "from a covariance matrix" in from_cov.summary()
    with pytest.raises(ValueError, match="psych_version"):
        pm.split_half(x, psych_version="2.4.x")


def test_split_half_lambda6_is_alpha_g6(data: dict[str, pd.DataFrame]) -> None:
    items = data["bfi"][["A1", "A2", "A3", "A4", "A5"]]
    sh = pm.split_half(items, keys=["A1"])
    a = pm.alpha(items, keys=["A1"])
    assert sh.lambda6 == pytest.approx(a.g6, abs=1e-12)
    assert sh.alpha == pytest.approx(a.std_alpha, abs=1e-12)


def test_split_half_sampling_is_seeded_and_within_the_enumerated_range(
        data: dict[str, pd.DataFrame]) -> None:
    ref = SPLIT["bfi_20_brute"]  # choose(20, 10) / 2 = 92378 > n_sample: psych samples
    items = data["bfi"][ref["items"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        a = pm.split_half(items, n_sample=3000, seed=5)
        b = pm.split_half(items, n_sample=3000, seed=5)
    assert not a.enumerated and a.n_splits == 3000
    assert a.to_dict() == b.to_dict()
    assert ref["minrb"] - 1e-12 <= a.min_split <= a.max_split <= ref["maxrb"] + 1e-12
    # the sample mean estimates the mean over all splits (sd of split values ~0.01)
    assert a.mean_split == pytest.approx(ref["meanr"], abs=0.003)
    assert a.alpha == pytest.approx(ref["alpha"], abs=TOL)  # not sampled


def test_split_half_edge_cases() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(50, 4)), columns=list("abcd"))
    with pytest.raises(ValueError, match="'d' has no variance"):
        pm.split_half(X.assign(d=1.0))
    with pytest.raises(ValueError, match="at least 2 items"):
        pm.split_half(X[["a"]])
    with pytest.raises(ValueError, match="n_sample"):
        pm.split_half(X, n_sample=0)
    calls: list[tuple[int, int]] = []
    res = pm.split_half(X, progress=lambda d, t: calls.append((d, t)), check_keys=False)
    assert calls[-1] == (3, 3) and res.n_splits == 3
    assert "Maximum split half reliability" in res.summary()


# --------------------------------------------------------------------------------------------
# polychoric
# --------------------------------------------------------------------------------------------

POLY_SOURCE = {
    "bfi25": lambda d: d["bfi"].iloc[:, :25],
    "lsat6": lambda d: d["lsat6"],
    "bfi_A_uneven": lambda d: d["uneven"],
    "bfi_A_uneven_small": lambda d: d["uneven"].iloc[:60],
    "bfi_A_uneven_small_nocorrect": lambda d: d["uneven"].iloc[:60],
}


@pytest.mark.parametrize("case", sorted(POLY_SOURCE))
def test_polychoric_matches_psych(case: str, data: dict[str, pd.DataFrame]) -> None:
    ref = POLY[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.polychoric(POLY_SOURCE[case](data), correct=ref["correct"])
    assert list(res.rho.index) == ref["rho"]["rows"]
    np.testing.assert_allclose(res.rho.to_numpy(), numbers(ref["rho"]["data"]), rtol=0,
                               atol=TOL_RHO)
    tau = numbers(ref["tau"]["data"])
    assert list(res.tau.index) == ref["tau"]["rows"]
    finite = np.isfinite(tau)
    np.testing.assert_array_equal(np.isfinite(res.tau.to_numpy()), finite)
    np.testing.assert_allclose(res.tau.to_numpy()[finite], tau[finite], rtol=0, atol=TOL)
    assert res.n == ref["n_obs"]


def test_polychoric_unequal_categories_and_correction_warn(data: dict[str, pd.DataFrame]) -> None:
    with pytest.warns(PsychometricsWarning) as record:
        res = pm.polychoric(data["uneven"].iloc[:60])
    messages = [str(w.message) for w in record]
    assert any("equal number of response alternatives" in m for m in messages)
    assert any("item pairs had empty cells" in m for m in messages)
    assert not res.global_thresholds and res.n_corrected_pairs > 0


def test_bivariate_normal_against_owens_t() -> None:
    """Genz's BVN against the exact Owen's T representation, across all its branches."""
    rng = np.random.default_rng(0)
    h = rng.uniform(-3, 3, 400)
    k = rng.uniform(-3, 3, 400)
    r = np.concatenate([rng.uniform(-0.999, 0.999, 300), [0.95, -0.95, 0.99, -0.99] * 25])
    h[:5], k[:5] = 0.0, np.array([0.0, 1.0, -1.0, 0.5, 0.0])

    def exact(h: float, k: float, r: float) -> float:
        s = math.sqrt(1 - r * r)
        if h == 0 and k == 0:
            return 0.25 + math.asin(r) / (2 * math.pi)
        ah = (k - r * h) / (h * s) if h != 0 else math.copysign(math.inf, k)
        ak = (h - r * k) / (k * s) if k != 0 else math.copysign(math.inf, h)
        beta = 0.5 if (h * k < 0 or (h * k == 0 and h + k < 0)) else 0.0
        return 0.5 * (ndtr(h) + ndtr(k)) - owens_t(h, ah) - owens_t(k, ak) - beta

    got = C._bvn_cdf(h, k, r)
    want = np.array([exact(*x) for x in zip(h, k, r, strict=True)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    # infinite limits
    np.testing.assert_allclose(C._bvn_cdf([np.inf, -np.inf, 1.0, np.inf], [0.3, 2.0, np.inf,
                                                                           np.inf], 0.5),
                               [ndtr(0.3), 0.0, ndtr(1.0), 1.0], atol=0)


def test_brent_fmin_finds_minima_within_r_tolerance() -> None:
    targets = np.array([-0.9, -0.3, 0.0, 0.42, 0.97])
    found = C._brent_fmin(lambda x, act: (x - targets[act]) ** 2 + 1.0, -1.0, 1.0,
                          targets.size)
    np.testing.assert_allclose(found, targets, atol=C._R_OPTIMIZE_TOL)


def test_polychoric_recovers_a_known_correlation() -> None:
    rng = np.random.default_rng(3)
    z = rng.multivariate_normal([0, 0], [[1, 0.55], [0.55, 1]], size=20000)
    items = np.digitize(z, [-0.8, 0.1, 0.9]) + 1
    res = pm.polychoric(items)
    assert res.rho.iloc[0, 1] == pytest.approx(0.55, abs=0.02)
    np.testing.assert_allclose(res.tau.to_numpy(), [[-0.8, 0.1, 0.9]] * 2, atol=0.03)


def test_polychoric_edge_cases() -> None:
    X = pd.DataFrame({"a": [1, 2, 3, 1, 2, 3], "b": [1, 1, 2, 2, 3, 3], "c": [2] * 6})
    with pytest.warns(NumericalWarning, match="'c' has no variance"):
        res = pm.polychoric(X)
    assert list(res.rho.index) == ["a", "b"]
    with pytest.raises(ValueError, match="integer categories"):
        pm.polychoric(X.assign(c=[1.5, 2, 1, 2, 1, 2]))
    with pytest.raises(ValueError, match="max_categories"):
        pm.polychoric(X.assign(a=[1, 5, 9, 2, 3, 4]))
    with pytest.raises(ValueError, match="correct"):
        pm.polychoric(X[["a", "b"]], correct=-1)


# --------------------------------------------------------------------------------------------
# ordinal alpha
# --------------------------------------------------------------------------------------------

ORD_SOURCE = {"bfi_A_keys": "bfi", "bfi_E_keys": "bfi", "lsat6": "lsat6"}


@pytest.mark.parametrize("case", sorted(ORD_SOURCE))
def test_ordinal_alpha_matches_psych(case: str, data: dict[str, pd.DataFrame]) -> None:
    ref = ORD[case]
    res = pm.ordinal_alpha(data[ORD_SOURCE[case]][ref["items"]], keys=ref["keys"])
    tot = ref["total"]
    for ours, theirs in [("alpha", "std.alpha"), ("alpha", "raw_alpha"), ("g6", "G6(smc)"),
                         ("average_r", "average_r"), ("signal_noise", "S/N"),
                         ("median_r", "median_r")]:
        assert getattr(res, ours) == pytest.approx(tot[theirs], abs=TOL_RHO), ours
    drop = ref["alpha_drop"]
    assert list(res.alpha_if_deleted.index) == drop["rows"]
    ours = res.alpha_if_deleted[["alpha", "alpha", "g6", "average_r", "signal_noise", "var_r",
                                 "med_r"]].to_numpy()
    np.testing.assert_allclose(ours, numbers(drop["data"]), rtol=0, atol=TOL_RHO)
    assert ref["item_stats"]["cols"] == ["r", "r.cor", "r.drop"]
    np.testing.assert_allclose(res.item_stats.to_numpy(), numbers(ref["item_stats"]["data"]),
                               rtol=0, atol=TOL_RHO)


def test_ordinal_alpha_warns_about_negative_items(data: dict[str, pd.DataFrame]) -> None:
    with pytest.warns(NumericalWarning, match=r"\(A1\)"):
        pm.ordinal_alpha(data["bfi"][["A1", "A2", "A3", "A4", "A5"]])


# --------------------------------------------------------------------------------------------
# standard error of measurement and reliable change (Jacobson & Truax 1991)
# --------------------------------------------------------------------------------------------


def test_sem_by_hand() -> None:
    assert pm.sem(0.84, 15.0) == pytest.approx(15 * math.sqrt(0.16), abs=1e-15)  # = 6
    assert pm.sem(1.0, 10.0) == 0.0
    assert pm.sem(0.0, 10.0) == 10.0
    np.testing.assert_allclose(pm.sem(np.array([0.75, 0.91]), np.array([4.0, 10.0])),
                               [2.0, 3.0], atol=1e-15)
    for bad in (-0.1, 1.2, float("nan")):
        with pytest.raises(ValueError, match="reliability"):
            pm.sem(bad, 10.0)
    with pytest.raises(ValueError, match="sd"):
        pm.sem(0.8, -1.0)


def test_reliable_change_by_hand() -> None:
    """RC = (x2 - x1) / S_diff, S_diff = sqrt(2 SE^2), SE = s1 sqrt(1 - r_xx)."""
    s1, rxx = 7.5, 0.88
    se = s1 * math.sqrt(1 - rxx)           # 2.598076...
    s_diff = math.sqrt(2 * se**2)          # 3.674235...
    pre = pd.Series([32.0, 30.0, 20.0, 25.0, np.nan, 27.0, np.nan],
                    index=[70, 3, 15, 9, 41, 2, 5])
    post = pd.Series([20.0, 27.0, 28.0, 25.0, 18.0, np.nan, np.nan], index=pre.index)
    out = pm.reliable_change(pre, post, reliability=rxx, sd=s1)
    assert list(out.index) == [70, 3, 15, 9, 41, 2, 5]  # never reordered or dropped
    expected_rc = [(20 - 32) / s_diff, (27 - 30) / s_diff, (28 - 20) / s_diff, 0.0]
    np.testing.assert_allclose(out["rci"].to_numpy()[:4], expected_rc, atol=1e-15)
    assert out["rci"].iloc[0] == pytest.approx(-3.265986, abs=1e-6)
    assert list(out["classification"]) == [
        "deteriorated", "no reliable change", "improved", "no reliable change",
        "missing pre", "missing post", "missing pre and post"]
    assert out["rci"].iloc[4:].isna().all() and out["change"].iloc[4:].isna().all()
    assert out.attrs["sem"] == pytest.approx(se, abs=1e-15)
    assert out.attrs["s_diff"] == pytest.approx(s_diff, abs=1e-15)
    assert out.attrs["critical_value"] == pytest.approx(1.959963984540054, abs=1e-12)
    assert (out["critical_value"] == out.attrs["critical_value"]).all()
    # a symptom scale: falling is improving; and a 90% criterion
    sym = pm.reliable_change(pre, post, reliability=rxx, sd=s1, higher_is_better=False,
                             ci=0.90)
    assert list(sym["classification"][:3]) == ["improved", "no reliable change", "deteriorated"]
    assert sym.attrs["critical_value"] == pytest.approx(1.6448536269514722, abs=1e-12)


def test_reliable_change_inputs() -> None:
    out = pm.reliable_change([10, 12], np.array([15.0, 11.0]), 0.8, 3.0)
    assert list(out.index) == [0, 1]
    with pytest.raises(ValueError, match="different indexes"):
        pm.reliable_change(pd.Series([1.0, 2.0], index=[0, 1]),
                           pd.Series([1.0, 2.0], index=[1, 0]), 0.8, 3.0)
    with pytest.raises(ValueError, match="same length"):
        pm.reliable_change([1.0, 2.0], [1.0], 0.8, 3.0)
    with pytest.raises(ValueError, match="sd must be > 0"):
        pm.reliable_change([1.0], [2.0], 0.8, 0.0)
    with pytest.raises(ValueError, match="reliability 1"):
        pm.reliable_change([1.0], [2.0], 1.0, 3.0)
    with pytest.raises(ValueError, match="reliability"):
        pm.reliable_change([1.0], [2.0], 1.5, 3.0)
