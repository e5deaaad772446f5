"""Stage 1 of ordinal SEM (psychometrics.structural.ordinal_stats) against lavaan 0.6.14.

Fixtures: tests/reference/ordinal.R -> tests/reference/ordinal/stage1.json (lavInspect of
cfa(..., ordered = TRUE, estimator = "WLSMV") or lavCor(..., estimator = "WLSMV")).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names

from psychometrics.errors import DataValidationError, NumericalWarning, PsychometricsWarning
from psychometrics.structural.ordinal_stats import _loglik, ordinal_sample_stats, vech_pairs

STAGE1 = json.loads((REF / "ordinal" / "stage1.json").read_text())
DATA = REF / "data"

# Tolerances: thresholds are closed-form (R and numpy round differently only in the last
# bits); correlations are optimiser results (lavaan's nlminb stops at rel.tol 1e-10 of the
# objective, about 1e-8 in rho); Gamma and the weight inherit that.
TOL_TH = 1e-12
TOL_RHO = 1e-6
TOL_GAMMA = 1e-6


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


def _stats(frame: pd.DataFrame, **kw: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return ordinal_sample_stats(frame, **kw)


CASES = {
    "bfi_ac": lambda: _stats(_read("bfi_ac_complete")),
    "hs": lambda: _stats(_read("hs_ordinal").drop(columns="school")),
    "hs_groups": lambda: _stats(_read("hs_ordinal"), group="school"),
    "bfi_sparse": lambda: _stats(_read("bfi_ac_first150")),
    # lavaan's missing = "pairwise": 600 bfi rows with their missing answers, one and two groups
    "bfi_pairwise": lambda: _stats(_read("bfi_ac_first600_missing").drop(columns="gender"),
                                   missing="pairwise"),
    "bfi_pairwise_groups": lambda: _stats(_read("bfi_ac_first600_missing"), group="gender",
                                          missing="pairwise"),
}


def _check_group(g, ref: dict) -> None:
    assert g.nobs == ref["nobs"]
    assert g.threshold_names == tuple(names(ref["th_names"]))
    np.testing.assert_allclose(g.thresholds, ref["th"], rtol=0, atol=TOL_TH)
    np.testing.assert_allclose(g.correlation, matrix(ref["cov"]), rtol=0, atol=TOL_RHO)
    np.testing.assert_allclose(g.wls_v, ref["wls_v"], rtol=TOL_GAMMA, atol=0)
    np.testing.assert_allclose(np.diag(g.gamma), ref["gamma_diag"], rtol=0, atol=TOL_GAMMA)
    if "gamma" in ref:
        np.testing.assert_allclose(g.gamma, np.array(ref["gamma"]), rtol=0, atol=TOL_GAMMA)
    else:
        rows = np.array(ref["gamma_rows"]) - 1
        np.testing.assert_allclose(g.gamma[rows], np.array(ref["gamma_row_block"]), rtol=0,
                                   atol=TOL_GAMMA)
    assert [list(p) for p in g.zero_cell_pairs] == (ref["zero_cell_pairs"] or [])


@pytest.mark.parametrize("case", sorted(CASES))
def test_stage1_matches_lavaan(case: str) -> None:
    res = CASES[case]()
    refs = STAGE1[case]
    assert len(res.groups) == len(refs)
    for g, ref in zip(res.groups, refs, strict=True):
        _check_group(g, ref)


def test_stage1_bfi25_matches_lavaan() -> None:
    """25 items, 2,436 complete rows: thresholds, correlations, Gamma rows and diagonal."""
    res = _stats(_read("bfi25_complete"))
    _check_group(res[0], STAGE1["bfi25"][0])


def test_groups_in_lavaans_order() -> None:
    res = CASES["hs_groups"]()
    assert res.group_labels == tuple(names(STAGE1["group_labels"]))
    assert CASES["bfi_pairwise_groups"]().group_labels == tuple(
        names(STAGE1["bfi_pairwise_group_labels"]))
    assert [g.group for g in res.groups] == list(res.group_labels)
    assert res.ntotal == sum(res.nobs) == 301


def test_wls_obs_order_is_lavaans() -> None:
    g = CASES["hs"]()[0]
    first, second = vech_pairs(len(g.items))
    assert (first < second).all()
    assert g.wls_names[len(g.thresholds)] == "x1~~x2"
    assert g.wls_names[len(g.thresholds) + 1] == "x1~~x3"
    np.testing.assert_array_equal(g.wls_obs[len(g.thresholds):],
                                  g.correlation[second, first])
    assert g.wls_obs.size == g.gamma.shape[0] == len(g.wls_names)


def test_unequal_and_unused_categories() -> None:
    frame = _read("hs_ordinal").drop(columns="school")
    with pytest.warns(PsychometricsWarning, match=r"item 'x7': category 2 never chosen"):
        res = ordinal_sample_stats(frame)
    g = res[0]
    nth = {item: sum(n.startswith(f"{item}|") for n in g.threshold_names) for item in g.items}
    assert nth == {"x1": 1, "x2": 2, "x3": 3, "x4": 4, "x5": 5, "x6": 2, "x7": 2, "x8": 5,
                   "x9": 6}
    assert g.categories[6] == (1.0, 3.0, 4.0)


def test_declared_categories_report_unused_values() -> None:
    frame = _read("bfi_ac_first150")[["A1", "A2", "C1"]]
    with pytest.warns(PsychometricsWarning, match=r"item 'A1': category 7 never chosen"):
        ordinal_sample_stats(frame, categories={"A1": range(1, 8)})
    with pytest.raises(DataValidationError, match=r"'A2' has answers \[6.0\] outside"):
        ordinal_sample_stats(frame, categories={"A2": range(1, 6)})


def test_zero_cells_warn_naming_the_pairs() -> None:
    with pytest.warns(NumericalWarning, match=r"9 bivariate table\(s\) have empty cells: "
                                              r"x3 x x9, x4 x x5"):
        ordinal_sample_stats(_read("hs_ordinal").drop(columns="school"))


def test_binary_tables_with_an_empty_cell() -> None:
    """2 x 2 tables with one empty cell: 0.5 added keeping the margins (lavaan's zero.add).

    For b1 x b2 lavaan's rho (0.908) is the maximum of the corrected table, as ours. For
    b3 x b4 lavaan's nlminb stops at its bound 0.999, on the plateau that the clamped cell
    probability (sqrt(eps)) makes near 1; the maximum is at 0.960, with a log-likelihood
    5 units higher. There (and in Gamma's row for that pair) we report the maximum.
    """
    ref = STAGE1["binary"][0]
    with pytest.warns(NumericalWarning, match=r"b1 x b2, b3 x b4 got 0.5 added"):
        g = ordinal_sample_stats(_read("hs_binary_zero_cells"))[0]
    R_ref = matrix(ref["cov"])
    np.testing.assert_allclose(g.thresholds, ref["th"], atol=TOL_TH)
    keep = ~np.isin(np.arange(4)[:, None] * 4 + np.arange(4), [2 * 4 + 3, 3 * 4 + 2])
    np.testing.assert_allclose(g.correlation[keep], R_ref[keep], atol=TOL_RHO)
    assert R_ref[2, 3] == pytest.approx(0.999)
    table = pd.crosstab(*(_read("hs_binary_zero_cells")[c] for c in ("b3", "b4"))).to_numpy()
    corrected = table + 0.5 * np.array([[-1.0, 1.0], [1.0, -1.0]])  # empty cell is [1, 0]
    c1, c2 = np.array([[g.thresholds[2]]]), np.array([[g.thresholds[3]]])
    ll = [float(_loglik(np.array([r]), c1, c2, corrected[None])[0])
          for r in (g.correlation[2, 3], 0.999, g.correlation[2, 3] - 1e-4,
                    g.correlation[2, 3] + 1e-4)]
    assert ll[0] > ll[1] + 5 and ll[0] >= max(ll[2:])
    inside = [i for i, n in enumerate(g.wls_names) if n != "b3~~b4"]
    np.testing.assert_allclose(g.gamma[np.ix_(inside, inside)],
                               np.array(ref["gamma"])[np.ix_(inside, inside)], atol=TOL_GAMMA)
    assert [list(p) for p in g.zero_cell_pairs] == ref["zero_cell_pairs"]


def test_two_empty_cells_give_a_correlation_of_one() -> None:
    a = np.array([1] * 30 + [2] * 20)
    frame = pd.DataFrame({"a": a, "b": a, "c": np.tile([1, 2], 25)})
    with pytest.warns(NumericalWarning, match=r"two empty cells in the 2 x 2 table of 'a' x "
                                              r"'b'.*\+1"):
        g = ordinal_sample_stats(frame, gamma=False)[0]
    assert g.correlation[0, 1] == 1.0
    assert g.gamma is None


def test_empty_category_in_a_group_is_an_error() -> None:
    frame = _read("hs_ordinal")
    frame.loc[(frame["school"] == "Pasteur") & (frame["x1"] == 1), "x1"] = 2
    frame.loc[frame.index[-1], "x1"] = 1  # keep the category in the other group
    with pytest.raises(DataValidationError, match=r"categories of item 'x1' are empty in "
                                                  r"group 'Pasteur'"):
        ordinal_sample_stats(frame, group="school")


def test_missing_answers_are_left_out_listwise_with_a_warning() -> None:
    frame = _read("bfi_ac_first150").astype(float)
    frame.iloc[[3, 7], 2] = np.nan
    with pytest.warns(PsychometricsWarning, match=r"2 of 150 rows .*: index 3, 7$"):
        res = ordinal_sample_stats(frame, gamma=False)
    assert res[0].nobs == 148
    subset = frame.iloc[2:]  # rows are named by their index labels, not positions
    with pytest.warns(PsychometricsWarning, match=r"2 of 148 rows .*: index 3, 7$"):
        ordinal_sample_stats(subset, gamma=False)
    with pytest.raises(ValueError, match="missing must be 'listwise'"):
        ordinal_sample_stats(frame, missing="fiml")


def test_pairwise_keeps_every_answer() -> None:
    frame = _read("bfi_ac_first600_missing").drop(columns="gender").astype(float)
    frame.iloc[5] = np.nan  # a row without any answer is left out, as lavaan
    with pytest.warns(PsychometricsWarning, match=r"1 of 600 rows have no answer at all"):
        g = ordinal_sample_stats(frame, missing="pairwise", gamma=False)[0]
    assert g.nobs == 599
    assert g.frequencies[0] == tuple(frame["A1"].value_counts().sort_index().astype(int))


def test_bad_input_is_named() -> None:
    frame = _read("bfi_ac_first150")
    with pytest.raises(ValueError, match="'A1' is not numeric"):
        ordinal_sample_stats(frame.assign(A1=frame["A1"].astype(str)))
    with pytest.raises(DataValidationError, match="'A1' has a single answer"):
        ordinal_sample_stats(frame.assign(A1=3))
    with pytest.raises(KeyError, match="not in the data"):
        ordinal_sample_stats(frame, group="school")


def test_summary_and_tables() -> None:
    g = CASES["hs"]()[0]
    text = g.summary()
    assert "Thresholds:" in text and "x9" in text and "Pairs with empty cells" in text
    tab = g.threshold_table()
    assert list(tab.columns) == ["item", "threshold", "value"]
    assert tab.shape[0] == len(g.thresholds)
