"""The engine's internal pieces that other estimators build on (psychometrics.structural)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from reference_data import REF

from psychometrics.structural.matrices import Model, jacobian, moment_index
from psychometrics.structural.partable import build_table
from psychometrics.structural.samplestats import sample_from_data
from psychometrics.structural.start import start_values
from psychometrics.structural.syntax import parse_model

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _model(meanstructure: bool) -> tuple[Model, np.ndarray]:
    data = pd.read_csv(REF / "data" / "HolzingerSwineford1939.csv")
    rows, ov, lv = build_table(parse_model(HS_MODEL + "\nx1 ~~ x4"), std_lv=False,
                               meanstructure=meanstructure)
    model = Model(rows, ov, lv)
    sample = sample_from_data(data, ov, "fiml" if meanstructure else "listwise", print)
    return model, start_values(model, sample) + 0.05


def test_moment_index_is_lavaan_vech() -> None:
    i, j = moment_index(3)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [
        (0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)]


def test_jacobian_matches_finite_differences() -> None:
    for meanstructure in (False, True):
        model, x = _model(meanstructure)
        i, j = moment_index(model.p)

        def moments(x: np.ndarray, model: Model = model, meanstructure: bool = meanstructure,
                    i: np.ndarray = i, j: np.ndarray = j) -> np.ndarray:
            sigma, mu = model.implied(x)
            return np.concatenate([mu, sigma[i, j]]) if meanstructure else sigma[i, j]

        h = 1e-6
        numeric = np.column_stack([
            (moments(x + h * e) - moments(x - h * e)) / (2 * h) for e in np.eye(model.q)])
        np.testing.assert_allclose(jacobian(model, x, meanstructure), numeric, atol=1e-7)
