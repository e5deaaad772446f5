"""pm.cfa / pm.sem with ordered items (psychometrics.structural.ordinal_cfa) against lavaan
0.6.14: the whole fit, from the raw answers, through the engine.

Fixtures: tests/reference/ordinal_cfa.R -> ordinal_cfa/fits.json (parameterEstimates with
standardized values, fitMeasures, r2), data from tests/reference/ordinal.R (bfi's A and C
items, complete rows; all 25 bfi items; HolzingerSwineford1939 cut into 2 to 7 categories
with one category unused, two schools).

Tolerances (issue 10): estimates (thresholds included), standard errors and standardized
values 1e-4 absolute; test statistics 1e-4 relative (the baseline chi-square is about
16,500), fit indices 1e-4 absolute. Observed: about 1e-6 on one-group fits; up to 5e-5 on
the two-group fits with equal thresholds and loadings, whose criterion is flat in some
directions (lavaan's nlminb stops earlier than our Gauss-Newton; our fmin is not above
lavaan's).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import PsychometricsWarning
from psychometrics.structural import sem
from psychometrics.structural.errors import ModelError

FITS = json.loads((REF / "ordinal_cfa" / "fits.json").read_text())
DATA = REF / "data"
TOL = 1e-4

M_AC = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
M_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
M_25 = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv")


HS_GROUPS = {"group": "school"}
CASES = {
    "bfi_ac_wlsmv": ("bfi_ac_complete", M_AC, {}),
    "bfi_ac_wlsmv_stdlv": ("bfi_ac_complete", M_AC, {"std_lv": True}),
    "bfi_ac_dwls": ("bfi_ac_complete", M_AC, {"estimator": "DWLS"}),
    "bfi_ac_ulsmv": ("bfi_ac_complete", M_AC, {"estimator": "ULSMV"}),
    "bfi_ac_uls": ("bfi_ac_complete", M_AC, {"estimator": "ULS"}),
    "bfi_ac_wls": ("bfi_ac_complete", M_AC, {"estimator": "WLS"}),
    "bfi_ac_theta": ("bfi_ac_complete", M_AC, {"parameterization": "theta"}),
    "hs_wlsmv": ("hs_ordinal", M_HS, {}),
    "hs_theta": ("hs_ordinal", M_HS, {"parameterization": "theta"}),
    "hs_sem": ("hs_ordinal", M_HS + "\nspeed ~ visual + textual", {}),
    "hs_groups": ("hs_ordinal", M_HS, HS_GROUPS),
    "hs_groups_th_load": ("hs_ordinal", M_HS,
                          {**HS_GROUPS, "group_equal": ["thresholds", "loadings"]}),
    "hs_groups_th_load_int": ("hs_ordinal", M_HS, {
        **HS_GROUPS, "group_equal": ["thresholds", "loadings", "intercepts"]}),
    "hs_groups_theta_th_load": ("hs_ordinal", M_HS, {
        **HS_GROUPS, "group_equal": ["thresholds", "loadings"], "parameterization": "theta"}),
    "hs_groups_partial": ("hs_ordinal", M_HS, {
        **HS_GROUPS, "group_equal": ["thresholds", "loadings"],
        "group_partial": ["x3|t2", "visual=~x2"]}),
    "bfi25_wlsmv": ("bfi25_complete", M_25, {}),
}

# lavaan's fitMeasures names -> ours, compared when lavaan reports them
STATISTICS = ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled")
INDICES = ("df", "df.scaled", "pvalue", "pvalue.scaled", "chisq.scaling.factor",
           "baseline.df", "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled",
           "tli.scaled", "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower",
           "rmsea.ci.upper", "rmsea.pvalue", "rmsea.scaled", "rmsea.ci.lower.scaled",
           "rmsea.ci.upper.scaled", "rmsea.robust", "rmsea.ci.lower.robust",
           "rmsea.ci.upper.robust", "srmr", "npar", "fmin")


def _fit(case: str) -> pm.CFAResult:
    data, model, options = CASES[case]
    frame = _data(data)
    if "group" not in options and "school" in frame:
        frame = frame.drop(columns="school")
    options = {"estimator": "WLSMV", **options}
    # pm.sem is the standard error of measurement; the SEM is psychometrics.structural.sem
    fit_fn = sem if "~ visual" in model else pm.cfa
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)  # the unused category of x7
        return fit_fn(frame, model, ordered=True, **options)


@pytest.fixture(scope="module")
def results() -> dict[str, pm.CFAResult]:
    return {case: _fit(case) for case in CASES}


@pytest.mark.parametrize("case", sorted(CASES))
def test_estimates_match_lavaan(case: str, results: dict) -> None:
    res = results[case]
    ref = pd.DataFrame(FITS[case]["estimates"])
    est = res.estimates
    assert res.converged
    assert list(est["lhs"]) == list(ref["lhs"])
    assert list(est["op"]) == list(ref["op"])
    assert list(est["rhs"]) == list(ref["rhs"])
    if "group" in est:
        labels = FITS[case]["group_labels"]
        assert list(est["group"]) == [labels[g - 1] for g in ref["group"]]
    for ours, theirs in (("est", "est"), ("se", "se"), ("std_lv", "std.lv"),
                         ("std_all", "std.all")):
        np.testing.assert_allclose(est[ours].to_numpy(float),
                                   pd.to_numeric(ref[theirs]).to_numpy(float),
                                   rtol=0, atol=TOL, err_msg=f"{case}: {ours}")
    assert (est["op"] == "|").sum() > 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_measures_match_lavaan(case: str, results: dict) -> None:
    fit = results[case].fit
    ref = FITS[case]["fit"]
    compared = 0
    for name in STATISTICS + INDICES:
        if name not in ref or ref[name] is None:
            continue
        ours = float(fit[name.replace(".", "_")])
        if name in STATISTICS:
            np.testing.assert_allclose(ours, ref[name], rtol=TOL, err_msg=f"{case}: {name}")
        else:
            np.testing.assert_allclose(ours, ref[name], rtol=0, atol=TOL,
                                       err_msg=f"{case}: {name}")
        compared += 1
    assert compared >= 12


@pytest.mark.parametrize("case", ["hs_sem", "bfi_ac_theta", "hs_groups_th_load"])
def test_r_squared_matches_lavaan(case: str, results: dict) -> None:
    res = results[case]
    r2 = FITS[case]["r2"]  # a list for one group, {label: values} for several
    for g, ref in enumerate(r2.values() if isinstance(r2, dict) else r2):
        ours = res.r2.loc[res.groups[g]] if res.groups else res.r2
        assert list(ours.index) == list(ref)
        np.testing.assert_allclose(ours.to_numpy(), list(ref.values()), atol=TOL)


def test_shift_parameter_is_lavaans() -> None:
    """chisq_scaled = chisq / scaling_factor + shift (lavaan's fit@test shift.parameter,
    from ordinal/robust.json)."""
    robust = json.loads((REF / "ordinal" / "robust.json").read_text())
    res = _fit("bfi_ac_wlsmv")
    shift = robust["bfi_ac_wlsmv"]["tests"]["scaled.shifted"]["shift.parameter"]
    np.testing.assert_allclose(res.fit["chisq_shift_parameters"], shift, rtol=TOL)
    np.testing.assert_allclose(res.fit["chisq"] / res.fit["chisq_scaling_factor"]
                               + res.fit["chisq_shift_parameters"], res.fit["chisq_scaled"],
                               rtol=1e-10)


def test_summary_names_the_estimator_and_shows_thresholds(results: dict) -> None:
    text = results["hs_groups_th_load"].summary()
    assert "WLSMV" in text and "Thresholds:" in text and "x9|t6" in text
    assert "Scaled" in text and "Group 2 [Grant-White]" in text
    assert "Scales y*:" in text


def test_list_of_ordered_items_and_errors() -> None:
    frame = _data("bfi_ac_complete")
    items = list(frame.columns)
    a = pm.cfa(frame, M_AC, ordered=items)
    b = pm.cfa(frame, M_AC, ordered=True, estimator="WLSMV")
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"])
    with pytest.raises(ModelError, match="not declared ordered"):
        pm.cfa(frame, M_AC, ordered=items[:5])
    with pytest.raises(ModelError, match="ordered=True"):
        pm.cfa(frame, M_AC, estimator="WLSMV")
    with pytest.raises(ModelError, match="not available for ordered"):
        pm.cfa(frame, M_AC, ordered=True, estimator="MLR")
    with pytest.raises(ModelError, match="parameterization"):
        pm.cfa(frame, M_AC, ordered=True, parameterization="gamma")
    with pytest.raises(ModelError, match="group_partial"):
        pm.cfa(_data("hs_ordinal"), M_HS, ordered=True, group="school",
               group_equal=["thresholds"], group_partial=["x3|t9"])
    with pytest.raises(ModelError, match="group_equal"):
        pm.cfa(_data("hs_ordinal"), M_HS, ordered=True, group="school",
               group_equal=["threshold"])


WU = {"configural": [], "thresholds": ["thresholds"], "loadings": ["thresholds", "loadings"]}


@pytest.mark.parametrize("level", sorted(WU))
def test_wu_estabrook_identification_matches_semtools_syntax(level: str) -> None:
    """id_cat='Wu.Estabrook.2016' against lavaan fitting semTools' measEq.syntax(ID.cat =
    "Wu.Estabrook.2016", ID.fac = "std.lv") for the same level (its rows are the user's,
    in another order: matched by lhs, op, rhs and group)."""
    case = f"hs_wu_{level}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(_data("hs_ordinal"), M_HS, ordered=True, group="school",
                     group_equal=WU[level], std_lv=True, id_cat="Wu.Estabrook.2016")
    ref = pd.DataFrame(FITS[case]["estimates"])
    labels = FITS[case]["group_labels"]
    ref["group"] = [labels[g - 1] for g in ref["group"]]
    both = res.estimates.merge(ref, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"))
    assert len(both) == len(ref) == len(res.estimates)
    np.testing.assert_allclose(both["est"], both["est_r"], atol=TOL)
    np.testing.assert_allclose(both["se"], both["se_r"], atol=TOL)
    np.testing.assert_allclose(both["std_all"], both["std.all"], atol=TOL)
    fit = FITS[case]["fit"]
    assert res.fit["df"] == fit["df"] and res.fit["npar"] == fit["npar"]
    for name in ("chisq", "chisq.scaled"):
        np.testing.assert_allclose(res.fit[name.replace(".", "_")], fit[name], rtol=TOL)
    # lavaan 0.6.14 gives NA for the robust (catML) indices once thresholds are equal
    for name in ("cfi.scaled", "rmsea.scaled", "srmr", "cfi.robust", "rmsea.robust"):
        if fit[name] is None:
            assert np.isnan(res.fit[name.replace(".", "_")])
            continue
        np.testing.assert_allclose(res.fit[name.replace(".", "_")], fit[name], atol=TOL)


def test_id_cat_needs_ordered_items() -> None:
    with pytest.raises(ModelError, match="id_cat"):
        pm.cfa(_data("hs_ordinal"), M_HS, id_cat="Wu.Estabrook.2016")
    with pytest.raises(ModelError, match="id_cat must be"):
        pm.cfa(_data("hs_ordinal"), M_HS, ordered=True, id_cat="other")


@pytest.mark.parametrize("key, group", [("bfi_pairwise_wlsmv", None),
                                        ("bfi_pairwise_groups_wlsmv", "gender")])
def test_pairwise_missing_matches_lavaan(key: str, group: str | None) -> None:
    """missing='pairwise' (600 bfi rows with their missing answers; one group and by
    gender), against lavaan's SEs, tests and robust CFI in ordinal/robust.json."""
    ref = json.loads((REF / "ordinal" / "robust.json").read_text())[key]
    frame = _data("bfi_ac_first600_missing")
    if group is None:
        frame = frame.drop(columns="gender")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(frame, M_AC, ordered=True, missing="pairwise", group=group)
    se = res.estimates["se"].to_numpy()
    np.testing.assert_allclose(se[se > 0], ref["se"], atol=TOL)
    np.testing.assert_allclose(res.fit["chisq"], ref["tests"]["standard"]["stat"], rtol=TOL)
    np.testing.assert_allclose(res.fit["chisq_scaled"], ref["tests"]["scaled.shifted"]["stat"],
                               rtol=TOL)
    for name in ("cfi", "cfi.scaled", "cfi.robust", "rmsea.robust", "srmr"):
        np.testing.assert_allclose(res.fit[name.replace(".", "_")], ref["fit_measures"][name],
                                   atol=TOL, err_msg=name)


@pytest.mark.parametrize("estimator", ["ML", "MLR", "GLS"])
def test_a_continuous_estimator_with_ordered_items_is_refused(estimator: str) -> None:
    # lavaan refuses estimator="ML" with ordered items; only the default means WLSMV
    with pytest.raises(ModelError, match=f"estimator='{estimator}' is not available for ordered"):
        pm.cfa(_data("hs_ordinal"), M_HS, ordered=True, estimator=estimator)
    assert pm.cfa(_data("hs_ordinal"), M_HS, ordered=True).estimator == "WLSMV"
