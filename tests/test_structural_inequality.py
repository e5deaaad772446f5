"""Inequality constraints in the model syntax (``a > 0``, ``b < a``, ``b > a + 0.1``) against
lavaan 0.6.14 (which fits them with nlminb.constr, an augmented Lagrangian).

Fixtures: tests/reference/sem_lsq.R (lsq_hs_ineq_*, lsq_hs_uls_ineq_var). Tolerances: fit
1e-5, estimates and standard errors 1e-4, modification indices 1e-3 relative to max(1, |x|).
lavaan stops its outer loop when the constraints hold to 1e-10 (the script's setting); its
chisq is above ours by ~1e-7 (ours is the exact constrained optimum).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import RTOL_MI, TOL_EST, TOL_FIT
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import NumericalWarning
from psychometrics.structural import ModelError
from psychometrics.structural.syntax import ModelSyntaxError, parse_model

OUT = REF / "sem"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
HS_LAB = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
CASES = {
    "hs_ineq_slack": (HS_LAB + "\na > 0\nb > a + 0.1", {}),
    "hs_ineq_bind": (HS_LAB + "\na > 0.8", {}),
    "hs_ineq_order": (HS_LAB + "\nb < a", {}),
    "hs_uls_ineq_var": (HS_MODEL + "\nx5 ~~ v*x5\nv < 0.3", {"estimator": "ULS"}),
    # a Heywood case on public data (x8's residual variance -0.15 without the bound)
    "hs_ineq_heywood": ("visual =~ x1 + x2 + x3 + x9\ntextual =~ x4 + x5 + x6\n"
                        "speed =~ x7 + x8 + x9\nx7 ~~ x8\nx8 ~~ v*x8\nv > 0", {}),
    "hs_gls_ineq_groups": (HS_MODEL.replace("x1 + x2", "x1 + c(a1, a2)*x2") + "\na1 > a2",
                           {"estimator": "GLS", "group": "school"}),
}
FIT = {"chisq": "chisq", "df": "df", "npar": "npar", "cfi": "cfi", "tli": "tli",
       "rmsea": "rmsea", "srmr": "srmr"}


def _hs() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")


def _fit(name: str) -> tuple[pm.CFAResult, list[str]]:
    model, kw = CASES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = pm.cfa(_hs(), model, **kw)
    return res, [str(w.message) for w in caught if issubclass(w.category, NumericalWarning)]


@pytest.mark.parametrize("name", list(CASES))
def test_inequality_fits_match_lavaan(name: str) -> None:
    res, _ = _fit(name)
    assert res.converged
    fit = pd.read_csv(OUT / f"lsq_{name}_fit.csv").set_index("measure")["value"]
    for ours, theirs in FIT.items():
        assert res.fit[ours] == pytest.approx(fit[theirs], abs=TOL_FIT), ours
    ref = pd.read_csv(OUT / f"lsq_{name}_estimates.csv", keep_default_na=False,
                      na_values=["NA"])
    est = res.estimates
    assert list(est["lhs"]) == list(ref["lhs"]) and list(est["rhs"]) == list(ref["rhs"])
    np.testing.assert_allclose(est["est"], ref["est"], atol=TOL_EST, err_msg="est")
    for ours, theirs in [("std_lv", "std.lv"), ("std_all", "std.all")]:
        a, b = est[ours].to_numpy(), ref[theirs].to_numpy()
        # a residual covariance beside a residual variance held at 0 (the Heywood case) has
        # no correlation: NaN here, lavaan divides by its -8e-11 and prints -5e4
        undefined = np.isnan(a) & (np.abs(b) > 1e3)
        np.testing.assert_allclose(a[~undefined], b[~undefined], atol=TOL_EST, err_msg=ours)
    # A parameter an active constraint pins has a zero variance in lavaan's vcov, printed as
    # se 0 or NA (the root of -1e-32): here exactly 0.
    se, ref_se = est["se"].to_numpy(), ref["se"].to_numpy()
    pinned = np.isnan(ref_se) | (ref_se == 0.0)
    assert np.all(se[pinned] == 0.0)
    np.testing.assert_allclose(se[~pinned], ref_se[~pinned], atol=TOL_EST)


# Not hs_ineq_heywood: without the bound its information is nearly singular (v's standard
# error 3.2), and lavaan's modification indices there come out of a generalised inverse
# (MASS::ginv at tolerance eps^(3/4)): they list the three marker loadings, whose conditional
# information is zero in exact arithmetic (rescaling a factor leaves Sigma and v as they are),
# and differ from ours by up to 3 on the others. Its fit, estimates and SEs are compared above.
@pytest.mark.parametrize("name", [n for n in CASES if n != "hs_ineq_heywood"])
def test_modification_indices_under_inequalities_match_lavaan(name: str) -> None:
    """lavaan's modindices() invert the information bordered by the active constraints."""
    mi = _fit(name)[0].modification_indices
    ref = pd.read_csv(OUT / f"lsq_{name}_mi.csv")
    key = ["lhs", "op", "rhs"] + (["group"] if "group" in ref else [])
    assert list(map(tuple, mi[key].to_numpy())) == list(map(tuple, ref[key].to_numpy()))
    for ours, theirs in [("mi", "mi"), ("epc", "epc"), ("sepc_all", "sepc.all")]:
        a, b = mi[ours].to_numpy(), ref[theirs].to_numpy()
        diff = np.abs(a - b) / np.maximum(1.0, np.abs(b))
        assert diff.max() < RTOL_MI, ours


def test_a_slack_constraint_gives_the_unconstrained_fit() -> None:
    res, messages = _fit("hs_ineq_slack")
    free = pm.cfa(_hs(), HS_LAB)
    np.testing.assert_allclose(res.estimates["est"], free.estimates["est"], atol=1e-10)
    np.testing.assert_allclose(res.estimates["se"], free.estimates["se"], atol=1e-10)
    assert res.fit["chisq"] == pytest.approx(free.fit["chisq"], rel=1e-12)
    assert not any("inequality" in m for m in messages)


def test_a_binding_constraint_is_met_exactly_and_warned() -> None:
    res, messages = _fit("hs_ineq_bind")
    est = res.estimates.set_index("label")
    assert est.loc["a", "est"] == pytest.approx(0.8, abs=1e-12)
    assert est.loc["a", "se"] == 0.0
    assert any("'a > 0.8' is active" in m for m in messages)
    order, _ = _fit("hs_ineq_order")
    e = order.estimates.set_index("label")
    assert e.loc["a", "est"] == pytest.approx(e.loc["b", "est"], abs=1e-12)
    assert e.loc["a", "se"] == pytest.approx(e.loc["b", "se"], rel=1e-10)


def test_a_negative_residual_variance_held_at_zero() -> None:
    """The Heywood case lavaan users meet: ``v > 0`` on a residual variance the fit pushes
    below zero keeps it at the boundary (the chisq can only rise)."""
    rng = np.random.default_rng(14)
    f = rng.normal(size=(400, 1))
    x = np.hstack([0.99 * f + 0.05 * rng.normal(size=(400, 1)),
                   0.5 * f + rng.normal(size=(400, 2))])
    data = pd.DataFrame(x, columns=["y1", "y2", "y3"])
    data["y4"] = 0.4 * f[:, 0] + rng.normal(size=400)
    model = "f =~ y1 + y2 + y3 + y4"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = pm.cfa(data, model + "\ny1 ~~ v*y1")
        held = pm.cfa(data, model + "\ny1 ~~ v*y1\nv > 0")
    v_free = free.estimates.set_index("label").loc["v", "est"]
    v_held = held.estimates.set_index("label").loc["v", "est"]
    assert v_free < -0.1  # a Heywood case without the constraint
    assert v_held == pytest.approx(0.0, abs=1e-12)
    assert held.fit["chisq"] > free.fit["chisq"]
    assert held.estimates.set_index("label").loc["v", "se"] == 0.0


@pytest.mark.parametrize(("model", "line", "token"), [
    (HS_LAB + "\nc > 0", 4, "'c'"),
    (HS_LAB + "\nb > a + zz", 4, "'zz'"),
    (HS_MODEL + "\nvisual > 0", 4, "'visual'"),
])
def test_unknown_labels_are_located_errors_before_fitting(model: str, line: int,
                                                          token: str) -> None:
    with pytest.raises(ModelSyntaxError) as info:
        pm.cfa(_hs(), model)
    message = str(info.value)
    assert message.startswith(f"<model>:{line}:1"), message
    assert token in message and "not a label" in message


def test_nonlinear_and_robust_are_refused() -> None:
    with pytest.raises(ModelError, match="not linear"):
        pm.cfa(_hs(), HS_LAB + "\na > b^2")
    with pytest.raises(ModelError, match="not supported"):
        pm.cfa(_hs(), HS_LAB + "\na > 0", estimator="MLR")


def test_the_model_text_round_trips() -> None:
    spec = parse_model(HS_LAB + "\na > 0\nb > a + 0.1")
    assert [str(t.rhs) for t in spec.inequalities] == ["0", "a + 0.1"]
    assert parse_model(spec.to_syntax()) == spec


def test_no_score_tests_with_inequality_constraints() -> None:
    """lavaan 0.6.14's lavTestScore stops with 'does not handle inequality constraints
    (yet)': the fit has no score tests then, even with equality constraints besides."""
    model = HS_LAB + "\nx2 ~~ v*x2\nx3 ~~ v*x3\na > 0.8"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pm.cfa(_hs(), model)
        plain = pm.cfa(_hs(), HS_LAB + "\nx2 ~~ v*x2\nx3 ~~ v*x3")
    assert plain.score_tests is not None
    assert res.score_tests is None and res.score_test is None


def test_inequality_across_groups() -> None:
    """Labels per group (``c(a1, a2)``) in a constraint: the loading of group 1 held at or
    above group 2's, which the free fit reverses."""
    hs = _hs()
    model = HS_MODEL.replace("x1 + x2", "x1 + c(a1, a2)*x2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = pm.cfa(hs, model, group="school")
        est = free.estimates.set_index("label")
        low, high = sorted(["a1", "a2"], key=lambda k: est.loc[k, "est"])
        held = pm.cfa(hs, model + f"\n{low} > {high}", group="school")
    e = held.estimates.set_index("label")
    assert e.loc["a1", "est"] == pytest.approx(e.loc["a2", "est"], abs=1e-10)
    assert held.fit["chisq"] > free.fit["chisq"]
    assert held.fit["df"] == free.fit["df"]  # lavaan: inequalities do not change the df


def test_contradicting_constraints_are_a_model_error() -> None:
    with pytest.raises(ModelError, match="contradict"):
        pm.cfa(_hs(), HS_LAB + "\na > 1\na < 0.5")
