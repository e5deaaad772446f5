"""alpha on degenerate pairwise data: a clear warning, never numpy's LinAlgError."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm


def test_undefined_pairwise_correlation_skips_only_the_key_check() -> None:
    # 4 respondents, 17 items, 30% missing (found by hypothesis): some pairs are answered
    # together by rows where one item has a single value, so psych's first-component key
    # check has no correlation matrix to work on; alpha itself is defined
    rng = np.random.default_rng(1)
    X = rng.integers(1, 6, (4, 17)).astype(float)
    X[rng.random(X.shape) < 0.3] = np.nan
    data = pd.DataFrame(X, columns=[f"q{j + 1}" for j in range(17)])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = pm.alpha(data)
    messages = [str(w.message) for w in seen]
    assert any(m.startswith("the check for items to reverse was skipped: the correlation of")
               for m in messages), messages
    assert np.isfinite(res.raw_alpha)
    # with keys given there is no check to skip, and the same alpha
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keyed = pm.alpha(data, keys=[1] * 17)
    assert keyed.raw_alpha == pytest.approx(res.raw_alpha, abs=1e-12)
