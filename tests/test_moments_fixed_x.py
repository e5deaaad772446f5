"""lavaan's fixed.x Gamma (MLM/MLMV with exogenous covariates) from fourth-order moments
equals the one from the rows (structural.robust.gamma_fixed_x, checked against lavaan 0.6.14
in tests/test_structural_exogenous.py), on random data merged from random parts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import psychometrics as pm
from psychometrics.structural.robust import gamma_fixed_x
from psychometrics.structural.samplestats_moments import gamma_fixed_x_from_fourth


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 200), p=st.integers(2, 6),
       n_x=st.integers(1, 3), parts=st.integers(1, 4), meanstructure=st.booleans(),
       offset=st.sampled_from([0.0, 50.0]))
def test_fixed_x_gamma_from_moments(seed: int, n: int, p: int, n_x: int, parts: int,
                                    meanstructure: bool, offset: float) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + offset
    X[:, 0] = np.round(X[:, 0])  # a coarse covariate, as a dummy or an age in years
    x_idx = tuple(sorted(rng.choice(p, size=min(n_x, p - 1), replace=False).tolist()))
    cuts = np.sort(rng.choice(np.arange(1, n), size=parts - 1, replace=False))
    names = [f"v{j}" for j in range(p)]
    m = sum(pm.moments(pd.DataFrame(part, columns=names), fourth=True)
            for part in np.split(X, cuts))
    want = gamma_fixed_x(X, x_idx, meanstructure)
    got = gamma_fixed_x_from_fourth(m.groups[None].fourth, x_idx, meanstructure)
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9 * scale)
