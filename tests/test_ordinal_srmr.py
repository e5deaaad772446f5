"""Ordinal SRMR (pm.cfa(..., ordered=True).fit["srmr"]) against lavaan 0.6.14's
fitMeasures(fit, "srmr") on data beyond test_ordinal_cfa.py's fixtures.

Fixture: tests/reference/ordinal_srmr.R -> ordinal_cfa/srmr.json: psych's bfi neuroticism
and extraversion items (6 categories, listwise) by WLSMV, ULSMV and WLSMV by gender, and the
HolzingerSwineford1939 items cut at their tertiles (data/hs_tertiles.csv) by WLSMV, one
group and by school with equal loadings and thresholds. For ordered items lavaan's "srmr" is
Bentler's SRMR of the polychoric correlations without the thresholds
(``srmr_bentler_nomean``), the N-weighted mean over groups. Tolerance 1e-6 absolute on SRMR
(the estimates agree with lavaan to about 1e-7 here), 1e-6 relative on the scaled chi-square
and CFI, which say the fits are the same.
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

SRMR = json.loads((REF / "ordinal_cfa" / "srmr.json").read_text())
NE = [f"N{j}" for j in range(1, 6)] + [f"E{j}" for j in range(1, 6)]
M_NE = "neuro =~ N1 + N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5"
M_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_NE = pd.read_csv(REF / "data" / "bfi.csv")[[*NE, "gender"]].dropna()
HS3 = pd.read_csv(REF / "data" / "hs_tertiles.csv")

CASES = {
    "bfi_ne": (BFI_NE[NE], M_NE, {}),
    "bfi_ne_ulsmv": (BFI_NE[NE], M_NE, {"estimator": "ULSMV"}),
    "bfi_ne_gender": (BFI_NE, M_NE, {"group": "gender"}),
    "hs3": (HS3.drop(columns="school"), M_HS, {}),
    "hs3_school": (HS3, M_HS, {"group": "school", "group_equal": ["loadings", "thresholds"]}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_srmr_matches_lavaan(case: str) -> None:
    data, model, options = CASES[case]
    ref = SRMR[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(data, model, ordered=True, **options)
    assert res.fit["npar"] == ref["npar"]
    np.testing.assert_allclose(res.fit["chisq_scaled"], ref["chisq.scaled"], rtol=1e-6)
    np.testing.assert_allclose(res.fit["cfi_scaled"], ref["cfi.scaled"], rtol=1e-6)
    np.testing.assert_allclose(res.fit["srmr"], ref["srmr"], atol=1e-6)


def test_lavaans_srmr_for_ordered_items_leaves_out_the_thresholds() -> None:
    """What the fixture's "srmr" is: srmr_bentler_nomean, not srmr_bentler (which adds the
    thresholds' residuals)."""
    for case, ref in SRMR.items():
        assert ref["srmr"] == ref["srmr_bentler_nomean"] != ref["srmr_bentler"], case
