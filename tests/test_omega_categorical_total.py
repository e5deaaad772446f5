"""pm.omega_categorical(..., total=True): the omega of all items of a multi-factor model of
ordered items, against semTools 0.5.6.

semTools' compRelSEM(fit, return.total = TRUE) fails for ordered indicators in 0.5.6 (it
hands omegaCat the sum of the common covariance matrix where omegaCat needs the matrix), so
the fixture tests/reference/omega_categorical_total.R -> ordinal/omega_categorical_total.json
computes the total with semTools' own omegaCat and compRelSEM's inputs, the matrix
Lambda Psi Lambda' over all items (checking in R that the same call reproduces
compRelSEM's per-factor omegas). The fits are those of test_omega_categorical.py
(ordinal/omega_categorical.json holds their loadings, factor covariances, thresholds, delta
scales and sample / implied correlations). Tolerance 1e-10: same inputs, same formula.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix, names

import psychometrics as pm

INPUTS = json.loads((REF / "ordinal" / "omega_categorical.json").read_text())
TOTAL = json.loads((REF / "ordinal" / "omega_categorical_total.json").read_text())
TOL = 1e-10


def _frame(m: dict) -> pd.DataFrame:
    return pd.DataFrame(matrix(m), index=names(m["rows"]), columns=names(m["cols"]))


CASES = [pytest.param(case, g, id=f"{case}-{g + 1}")
         for case in ("bfi_ac_keyed", "hs", "hs_groups_equal")
         for g in range(len(TOTAL[case]["blocks"]))]


@pytest.mark.parametrize(("case", "g"), CASES)
def test_total_matches_semtools_omegacat(case: str, g: int) -> None:
    block, want = INPUTS[case]["blocks"][g], TOTAL[case]["blocks"][g]
    lam, tau = _frame(block["lambda"]), block["thresholds"]
    args = dict(factor_cov=_frame(block["psi"]), scales=np.array(block["scales"]), total=True)
    sample = pm.omega_categorical(lam, tau, correlation=_frame(block["sample_cor"]), **args)
    implied = pm.omega_categorical(lam, tau, **args)
    assert sample.omega["total"] == pytest.approx(want["total_obs_var"], abs=TOL)
    assert implied.omega["total"] == pytest.approx(want["total_fitted"], abs=TOL)
    assert list(sample.omega.index) == [*lam.columns, "total"]


def test_the_fixture_says_why_compRelSEM_is_not_called() -> None:
    assert "compRelSEM(return.total = TRUE) fails" in TOTAL["note"]
