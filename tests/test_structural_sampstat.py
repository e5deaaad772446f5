"""CFAResult.sample_cov / sample_mean against lavaan 0.6.14's lavInspect(fit, "sampstat").

Fixture: tests/reference/sem_sampstat.R -> sem/sampstat.json (HolzingerSwineford1939, the
three-factor model). lavaan keeps divisor N for ML (likelihood = "normal", its default) and
the unbiased matrix (divisor N_g - 1 per group) for GLS and ULS, whose criterion it writes in
that matrix; it refuses likelihood= for GLS/ULS. Tolerance 1e-12 (the same arithmetic on
the same data, only the divisor decides).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF, matrix

import psychometrics as pm
from psychometrics.errors import PsychometricsWarning

SAMPSTAT = json.loads((REF / "sem" / "sampstat.json").read_text())
HS = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
OV = [f"x{j}" for j in range(1, 10)]
TOL = 1e-12

CASES = {
    "ml": {"estimator": "ML"},
    "gls": {"estimator": "GLS"},
    "uls": {"estimator": "ULS"},
    "gls_means": {"estimator": "GLS", "meanstructure": True},
    "uls_groups": {"estimator": "ULS", "group": "school"},
}


def _check(res: pm.CFAResult, ref: dict) -> None:
    groups = ref["groups"]
    labels = [None] if len(groups) == 1 else ref["group_label"]
    for label, want in zip(labels, groups, strict=True):
        got = res.sample_cov if label is None else res.sample_cov.loc[label]
        assert list(got.columns) == OV
        np.testing.assert_allclose(got.loc[OV, OV].to_numpy(), matrix(want["cov"]),
                                   rtol=TOL, atol=TOL)
        if want["mean"] is not None:
            mean = res.sample_mean if label is None else res.sample_mean.loc[label]
            np.testing.assert_allclose(mean.loc[OV].to_numpy(), want["mean"], rtol=TOL)
    np.testing.assert_allclose(res.fit["chisq"], ref["chisq"], rtol=1e-8)


@pytest.mark.parametrize("case", list(CASES))
def test_sample_cov_is_lavaans_sampstat(case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(HS, MODEL, **CASES[case])
    _check(res, SAMPSTAT[case])


@pytest.mark.parametrize("estimator", ["ML", "GLS"])
def test_a_covariance_matrix_input(estimator: str) -> None:
    """From a covariance matrix (divisor N - 1, lavaan's sample.cov): GLS returns it as
    given, ML rescaled by (N - 1) / N, as lavaan."""
    S = pd.DataFrame(matrix(SAMPSTAT["input_cov"]), index=OV, columns=OV)
    res = pm.cfa(S, MODEL, n_obs=len(HS), estimator=estimator)
    _check(res, SAMPSTAT[f"{estimator.lower()}_matrix"])
    if estimator == "GLS":
        np.testing.assert_allclose(res.sample_cov.to_numpy(), S.to_numpy(), rtol=TOL)


def test_the_divisors_lavaan_uses() -> None:
    """The fixture itself: N for ML (and N - 1 for its likelihood = "wishart", which
    psychometrics does not offer), N - 1 for GLS/ULS, for which likelihood= is refused."""
    unbiased = HS[OV].cov().to_numpy()
    n = len(HS)
    for case, divisor in (("ml", n), ("ml_wishart", n - 1), ("gls", n - 1), ("uls", n - 1)):
        np.testing.assert_allclose(matrix(SAMPSTAT[case]["groups"][0]["cov"]),
                                   unbiased * (n - 1) / divisor, rtol=1e-12, err_msg=case)
    assert "only relevant if estimator = ML" in SAMPSTAT["likelihood_refused"]
