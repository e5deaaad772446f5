"""Effect sizes, group comparisons, change and proportions against R.

Fixtures: tests/reference/evaluation.R (stats, effectsize 0.8.3) on public data sets
(mtcars, PlantGrowth, ToothGrowth, sleep, MASS::immer, psych::bfi). Tolerances: 1e-6 for
statistics and p-values, 1e-4 for confidence limits (effectsize finds the noncentral-t
limits with optim; ours are the exact roots).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF
from scipy.stats import nchypergeom_fisher

import psychometrics as pm

STAT, CI = 1e-6, 1e-4
FIX = REF / "evaluation"


def _load(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text())


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


TWO = _load("two_groups")
PAIRED = _load("paired")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        yield


@pytest.mark.parametrize("case", sorted(TWO))
def test_effect_sizes_match_effectsize(case: str) -> None:
    ref = TWO[case]
    df = _data(ref["data"])
    x = df.loc[df[ref["by"]] == ref["group_1"], ref["score"]]
    y = df.loc[df[ref["by"]] == ref["group_2"], ref["score"]]
    for kind in ("cohen_d", "hedges_g", "glass_delta", "rank_biserial", "cliffs_delta"):
        es = pm.effect_size(x, y, kind=kind, ci=ref["ci"])
        want = ref[kind]
        assert es.estimate == pytest.approx(want["estimate"], abs=STAT), kind
        assert es.ci_lower == pytest.approx(want["lower"], abs=CI), kind
        assert es.ci_upper == pytest.approx(want["upper"], abs=CI), kind
        assert es.n == len(x.dropna()) + len(y.dropna()) and es.kind == kind
        assert es.ci_method


@pytest.mark.parametrize("case", sorted(TWO))
def test_compare_groups_matches_t_test_and_wilcox_test(case: str) -> None:
    ref = TWO[case]
    df = _data(ref["data"])
    res = pm.compare_groups(df, ref["score"], ref["by"], ci=ref["ci"])
    row = res.table.set_index(["group_1", "group_2"]).loc[(ref["group_1"], ref["group_2"])]
    for col in ("n_1", "n_2", "mean_1", "mean_2", "sd_1", "sd_2", "welch_t", "welch_df",
                "welch_p", "student_t", "student_df", "student_p", "mann_whitney_u",
                "mann_whitney_p"):
        assert row[col] == pytest.approx(ref[col], rel=STAT, abs=1e-12), col
    for kind in ("cohen_d", "hedges_g", "rank_biserial"):
        assert row[kind] == pytest.approx(ref[kind]["estimate"], abs=STAT), kind
        assert row[f"{kind}_lower"] == pytest.approx(ref[kind]["lower"], abs=CI), kind
        assert row[f"{kind}_upper"] == pytest.approx(ref[kind]["upper"], abs=CI), kind


def test_the_exact_and_the_normal_mann_whitney_paths_are_both_covered() -> None:
    # PlantGrowth ctrl/trt2 has no ties (exact p); the others have ties (normal p).
    plant = _data("PlantGrowth")
    assert not plant.loc[plant.group != "trt1", "weight"].duplicated().any()
    assert _data("bfi_agreeableness")["agree"].duplicated().any()


@pytest.mark.parametrize("case", ["plant", "bfi_education"])
def test_omnibus_matches_oneway_test_and_kruskal_test(case: str) -> None:
    ref = _load("omnibus")[case]
    df = _data(ref["data"])
    if case == "bfi_education":
        df = df.dropna(subset=["agree"]).copy()
        df["education"] = df["education"].map(lambda e: np.nan if pd.isna(e)
                                              else f"edu{int(e)}")
    res = pm.compare_groups(df, ref["score"], ref["by"])
    row = res.omnibus.iloc[0]
    for col in ("welch_f", "welch_df1", "welch_df2", "welch_p", "kruskal_h", "kruskal_df",
                "kruskal_p"):
        assert row[col] == pytest.approx(ref[col], rel=STAT), col
    if case == "bfi_education":
        assert res.notes and "without a value of 'education'" in res.notes[0]


@pytest.mark.parametrize("case", ["mtcars", "tooth"])
def test_crossed_factors_cells_and_interaction_match_lm(case: str) -> None:
    ref = _load("crossed")[case]
    fa, fb = ref["by"]
    res = pm.compare_groups(_data(ref["data"]), ref["score"], [fa, fb])
    cells = res.groups.set_index([fa, fb])
    for cell in ref["cells"]:
        got = cells.loc[(cell["a"], cell["b"])]
        assert got["n"] == cell["n"]
        assert got["mean"] == pytest.approx(cell["mean"], abs=STAT)
        assert got["sd"] == pytest.approx(cell["sd"], abs=STAT)
    inter = res.interaction.set_index([f"{fa}_1", f"{fa}_2", f"{fb}_1", f"{fb}_2"])
    assert len(inter) == len(ref["interaction"])
    for want in ref["interaction"]:
        got = inter.loc[(want["a_1"], want["a_2"], want["b_1"], want["b_2"])]
        assert got["interaction"] == pytest.approx(want["estimate"], abs=STAT)
        assert got["se"] == pytest.approx(want["se"], abs=STAT)
        assert got["t"] == pytest.approx(want["t"], abs=STAT)
        assert got["df"] == want["df"]
        assert got["pvalue"] == pytest.approx(want["p"], abs=STAT)
        assert got["interaction_lower"] == pytest.approx(want["lower"], abs=CI)
        assert got["interaction_upper"] == pytest.approx(want["upper"], abs=CI)
    # the simple effects: B's levels compared within each level of A
    assert set(res.table[fa]) == {c["a"] for c in ref["cells"]}


def _pre_post(ref: dict) -> tuple[pd.Series, pd.Series]:
    df = _data(ref["data"])
    if "rows" in ref:
        df = df.iloc[: ref["rows"]]
    return df[ref["pre"]], df[ref["post"]]


@pytest.mark.parametrize("case", sorted(PAIRED))
def test_change_matches_paired_t_test_wilcox_test_and_effectsize(case: str) -> None:
    ref = PAIRED[case]
    pre, post = _pre_post(ref)
    res = pm.change(pre, post, ci=ref["ci"])
    assert res.n == ref["n"]
    for col in ("mean_diff", "t", "df", "pvalue", "wilcoxon_v", "wilcoxon_p"):
        assert getattr(res, col) == pytest.approx(ref[col], rel=STAT), col
    for col in ("mean_diff_lower", "mean_diff_upper"):
        assert getattr(res, col) == pytest.approx(ref[col], abs=CI), col
    for kind in ("d_z", "d_av", "d_rm"):
        assert getattr(res, kind) == pytest.approx(ref[kind]["estimate"], abs=STAT), kind
        assert getattr(res, f"{kind}_lower") == pytest.approx(ref[kind]["lower"], abs=CI)
        assert getattr(res, f"{kind}_upper") == pytest.approx(ref[kind]["upper"], abs=CI)


@pytest.mark.parametrize("case", sorted(PAIRED))
def test_paired_effect_sizes_match_effectsize(case: str) -> None:
    ref = PAIRED[case]
    pre, post = _pre_post(ref)
    for kind, want in (("d_z", ref["d_z"]), ("rank_biserial", ref["rank_biserial"])):
        es = pm.effect_size(post, pre, kind=kind, paired=True, ci=ref["ci"])
        assert es.estimate == pytest.approx(want["estimate"], abs=STAT), kind
        assert es.ci_lower == pytest.approx(want["lower"], abs=CI), kind
        assert es.ci_upper == pytest.approx(want["upper"], abs=CI), kind
    # paired cohen_d is d_z, as in effectsize
    assert pm.effect_size(post, pre, kind="cohen_d", paired=True).estimate == \
        pytest.approx(ref["d_z"]["estimate"], abs=STAT)


def test_proportions_match_prop_test_and_binom_test() -> None:
    for ref in _load("proportions")["one"]:
        p = pm.proportion(ref["k"], ref["n"])
        assert p.estimate == pytest.approx(ref["estimate"], abs=STAT)
        for col in ("wilson_lower", "wilson_upper", "clopper_pearson_lower",
                    "clopper_pearson_upper"):
            assert getattr(p, col) == pytest.approx(ref[col], abs=CI), (ref["k"], col)


def test_two_proportions_match_fisher_test_and_newcombe() -> None:
    for ref in _load("proportions")["two"]:
        res = pm.compare_proportions(ref["k_1"], ref["n_1"], ref["k_2"], ref["n_2"])
        assert res.difference == pytest.approx(ref["difference"], abs=STAT)
        assert res.fisher_p == pytest.approx(ref["fisher_p"], rel=STAT)
        assert res.newcombe_lower == pytest.approx(ref["newcombe_lower"], abs=CI)
        assert res.newcombe_upper == pytest.approx(ref["newcombe_upper"], abs=CI)
        assert res.odds_ratio_lower == pytest.approx(ref["odds_ratio_lower"], abs=CI)
        if ref["odds_ratio"] is None:  # R's Inf (written as null): a zero cell
            assert res.odds_ratio == np.inf and res.odds_ratio_upper == np.inf
            continue
        # R finds the conditional MLE and the upper limit with uniroot at its default
        # tolerance (~1e-4 on the scale of OR or 1/OR: 7e-6 relative for OR 0.457, ~0.6%
        # for the upper limit 914); ours are the exact roots. Check the defining equations
        # (E[X | OR] = x; P(X <= x | OR_upper) = alpha/2) tightly and R's values loosely.
        total, m, k = ref["n_1"] + ref["n_2"], ref["n_1"], ref["k_1"] + ref["k_2"]
        assert nchypergeom_fisher(total, m, k, res.odds_ratio).mean() == \
            pytest.approx(ref["k_1"], abs=1e-8)
        assert res.odds_ratio == pytest.approx(ref["odds_ratio"], rel=1e-4)
        dist = nchypergeom_fisher(total, m, k, res.odds_ratio_upper)
        assert dist.cdf(ref["k_1"]) == pytest.approx(0.025, abs=1e-8)
        assert res.odds_ratio_upper == pytest.approx(ref["odds_ratio_upper"], rel=1e-2)


@pytest.mark.parametrize("case", sorted(PAIRED))
def test_paired_hedges_g_matches_effectsize(case: str) -> None:
    ref = PAIRED[case]
    pre, post = _pre_post(ref)
    es = pm.effect_size(post, pre, kind="hedges_g", paired=True, ci=ref["ci"])
    assert es.estimate == pytest.approx(ref["g_z"]["estimate"], abs=STAT)
    assert es.ci_lower == pytest.approx(ref["g_z"]["lower"], abs=CI)
    assert es.ci_upper == pytest.approx(ref["g_z"]["upper"], abs=CI)


def test_one_sample_effect_sizes_match_effectsize() -> None:
    ref = _load("one_sample")
    df = _data(ref["data"])
    x = df["drug2"] - df["drug1"]
    for kind in ("cohen_d", "hedges_g", "rank_biserial"):
        es = pm.effect_size(x, kind=kind)
        assert es.estimate == pytest.approx(ref[kind]["estimate"], abs=STAT), kind
        assert es.ci_lower == pytest.approx(ref[kind]["lower"], abs=CI), kind
        assert es.ci_upper == pytest.approx(ref[kind]["upper"], abs=CI), kind
