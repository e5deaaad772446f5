"""Omega for categorical indicators (pm.omega_categorical) against semTools 0.5.6.

Fixtures: tests/reference/ordinal.R -> ordinal/omega_categorical.json: compRelSEM(fit,
obs.var = TRUE) and (obs.var = FALSE) of WLSMV fits, with the fits' own loadings, factor
covariances, thresholds, delta scales and sample / implied correlations as inputs. The HS
items have 2 to 7 categories (one with an unused category); the two-group model has
group.equal = c("thresholds", "loadings"), so the second group's scales are not 1.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names

import psychometrics as pm
from psychometrics.errors import NumericalWarning

OMEGA = json.loads((REF / "ordinal" / "omega_categorical.json").read_text())
TOL = 1e-10  # same inputs, same formula: only the bivariate normal integrals differ


def _frame(m: dict) -> pd.DataFrame:
    return pd.DataFrame(matrix(m), index=names(m["rows"]), columns=names(m["cols"]))


def _blocks():
    for case in ("bfi_ac_keyed", "hs", "hs_groups_equal"):
        rec = OMEGA[case]
        for g, block in enumerate(rec["blocks"]):
            def pick(d: dict, g: int = g) -> dict[str, float]:
                return {k: (v[g] if isinstance(v, list) else v) for k, v in d.items()
                        if k != "group"}
            yield pytest.param(block, pick(rec["omega_obs_var"]), pick(rec["omega_fitted"]),
                               id=f"{case}-{g + 1}")


@pytest.mark.parametrize(("block", "obs_var", "fitted"), list(_blocks()))
def test_matches_semtools(block: dict, obs_var: dict, fitted: dict) -> None:
    args = dict(factor_cov=_frame(block["psi"]), scales=np.array(block["scales"]))
    lam, tau = _frame(block["lambda"]), block["thresholds"]
    sample = pm.omega_categorical(lam, tau, correlation=_frame(block["sample_cor"]), **args)
    assert sample.denominator == "sample"
    for name, value in obs_var.items():
        assert sample.omega[name] == pytest.approx(value, abs=TOL)
    implied = pm.omega_categorical(lam, tau, **args)  # implied correlation from the model
    given = pm.omega_categorical(lam, tau, correlation=_frame(block["implied_cor"]), **args)
    assert implied.denominator == "model-implied"
    for name, value in fitted.items():
        assert implied.omega[name] == pytest.approx(value, abs=TOL)
        assert given.omega[name] == pytest.approx(value, abs=TOL)
    assert ((sample.omega > 0) & (sample.omega < 1)).all()
    assert ((implied.omega > 0) & (implied.omega < 1)).all()


def test_unequal_categories_and_lavaan_threshold_names() -> None:
    block = OMEGA["hs"]["blocks"][0]
    tau = block["thresholds"]
    counts = sorted({np.atleast_1d(v).size for v in tau.values()})
    assert counts == [1, 2, 3, 4, 5, 6]
    flat = pd.Series({f"{item}|t{k + 1}": t for item, ts in tau.items()
                      for k, t in enumerate(np.atleast_1d(ts))})
    a = pm.omega_categorical(_frame(block["lambda"]), flat, factor_cov=_frame(block["psi"]),
                             correlation=_frame(block["sample_cor"]))
    assert a.omega["visual"] == pytest.approx(OMEGA["hs"]["omega_obs_var"]["visual"], abs=TOL)
    assert a.items["speed"] == ("x7", "x8", "x9")
    assert "visual" in a.summary()


def test_total_of_one_factor_is_its_omega() -> None:
    lam = np.array([[0.7], [0.6], [0.8], [0.5]])
    tau = [[-1.0, 0.0, 1.0], [-0.5, 0.5], [-1.2, -0.3, 0.4, 1.1], [0.2]]
    res = pm.omega_categorical(lam, tau, total=True)
    assert res.omega["total"] == pytest.approx(res.omega["F1"], abs=1e-14)
    assert res.items["F1"] == ("V1", "V2", "V3", "V4")


def test_cancelling_loadings_warn() -> None:
    lam = np.array([[0.7], [-0.7], [0.5], [-0.5]])
    with pytest.warns(NumericalWarning, match="outside \\(0, 1\\).*recode reversed items"):
        pm.omega_categorical(lam, [[0.0]] * 4)


def test_bad_input_is_named() -> None:
    lam = pd.DataFrame({"f": [0.6, 0.7, 0.5]}, index=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"no thresholds for item\(s\) \['c'\]"):
        pm.omega_categorical(lam, {"a": [0.0], "b": [0.0]})
    with pytest.raises(ValueError, match="'b': thresholds must be finite and increasing"):
        pm.omega_categorical(lam, {"a": [0.0], "b": [1.0, 0.5], "c": [0.0]})
    with pytest.raises(ValueError, match="no factor has two or more items"):
        pm.omega_categorical(lam.iloc[:1], {"a": [0.0]})


def test_ordinal_alpha_with_unequal_categories_matches_psych() -> None:
    """pm.ordinal_alpha on items with 2 to 7 categories (one unused) agrees with psych's
    alpha(polychoric(x)$rho), which switches its global thresholds off for such items."""
    ref = json.loads((REF / "ordinal" / "ordinal_alpha_unequal.json").read_text())
    items = pd.read_csv(REF / "data" / "hs_ordinal.csv").drop(columns="school")
    with pytest.warns(pm.PsychometricsWarning, match="equal number of response alternatives"):
        res = pm.ordinal_alpha(items)
    np.testing.assert_allclose(res.rho.to_numpy(), matrix(ref["rho"]), atol=1e-8)
    assert res.alpha == pytest.approx(ref["total"]["std.alpha"], abs=1e-9)
    assert res.g6 == pytest.approx(ref["total"]["G6(smc)"], abs=1e-9)
    assert res.average_r == pytest.approx(ref["total"]["average_r"], abs=1e-9)
    assert 0 < res.alpha < 1
