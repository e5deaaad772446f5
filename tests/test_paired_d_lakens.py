"""d_z, d_rm and d_av of paired scores against Lakens (2013), computed in base R.

Fixture: tests/reference/paired_d_lakens.R -> evaluation/paired_lakens.json (sleep, immer
and MASS's anorexia weights, whose SDs before and after differ most). R's effectsize 0.8.3
has no repeated_measures_d(), so its later versions' formulas are checked in
test_evaluation_parity.py and Lakens' own equations here. d_z (eq. 6) and d_rm (eq. 9)
agree. d_av differs by convention: psychometrics, like effectsize >= 0.8.5
(repeated_measures_d(method = "av")) and Cumming (2013), divides by the root mean square of
the two SDs, Lakens (2013, eq. 10) by their arithmetic mean; the fixture holds both and the
test checks ours against the first and that the second differs where the SDs do.
Tolerance 1e-12 (closed forms on the same numbers).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm

LAKENS = json.loads((REF / "evaluation" / "paired_lakens.json").read_text())
CASES = [k for k in LAKENS if k != "note"]
TOL = 1e-12


def _pre_post(ref: dict) -> tuple[pd.Series, pd.Series]:
    data = pd.read_csv(REF / "data" / f"{ref['data']}.csv")
    return data[ref["pre"]], data[ref["post"]]


@pytest.mark.parametrize("case", CASES)
def test_d_z_and_d_rm_are_lakens(case: str) -> None:
    ref = LAKENS[case]
    pre, post = _pre_post(ref)
    change = pm.change(pre, post)
    assert change.n == ref["n"]
    for kind in ("d_z", "d_rm"):
        es = pm.effect_size(post, pre, kind=kind, paired=True)
        assert es.estimate == pytest.approx(ref[kind], abs=TOL), kind
        assert getattr(change, kind) == pytest.approx(ref[kind], abs=TOL), kind


@pytest.mark.parametrize("case", CASES)
def test_d_av_is_effectsizes_root_mean_square_not_lakens_mean_sd(case: str) -> None:
    ref = LAKENS[case]
    pre, post = _pre_post(ref)
    es = pm.effect_size(post, pre, kind="d_av", paired=True)
    assert es.estimate == pytest.approx(ref["d_av_rms"], abs=TOL)
    assert pm.change(pre, post).d_av == pytest.approx(ref["d_av_rms"], abs=TOL)
    # Lakens' (SD1 + SD2) / 2 is smaller than sqrt((SD1^2 + SD2^2) / 2) unless SD1 = SD2:
    # his d_av is the larger in size, by a factor that depends only on the SDs
    factor = np.sqrt((ref["sd_pre"] ** 2 + ref["sd_post"] ** 2) / 2) / (
        (ref["sd_pre"] + ref["sd_post"]) / 2)
    assert ref["d_av_lakens"] == pytest.approx(ref["d_av_rms"] * factor, abs=TOL)
    assert abs(ref["d_av_lakens"]) > abs(ref["d_av_rms"]) + 1e-4
