"""GLS and ULS (psychometrics.structural.estimators.least_squares) against lavaan 0.6.14.

Fixtures: tests/reference/sem_ls.R. Tolerances: estimates and standard errors 1e-4, fmin
and chisq 1e-5 (relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from psychometrics.structural.estimators.least_squares import (
    LSObjective,
    baseline_fmin,
    normal_weight,
)
from psychometrics.structural.estimators.multigroup import MultiGroupObjective
from psychometrics.structural.fit import cfi, rmsea, tli
from psychometrics.structural.matrices import Model, moment_index
from psychometrics.structural.optimize import minimize
from psychometrics.structural.partable import build_table, coerce_model
from psychometrics.structural.samplestats import sample_from_data
from psychometrics.structural.start import start_values
from tests.reference_data import REF as REFERENCE_DIR

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _fit(case: str, weight: str, means: bool):
    hs = pd.read_csv(REFERENCE_DIR / "data" / "HolzingerSwineford1939.csv")
    spec = coerce_model(HS_MODEL)
    rows, ov, lv = build_table(spec, std_lv=False, meanstructure=means, n_groups=1,
                               group_equal=(), group_partial=())
    npar = 1 + max(r.par for r in rows if r.free)
    model = Model(rows, ov, lv, npar)
    sample = sample_from_data(hs, ov, "listwise", lambda message: None)
    objective = LSObjective(model, sample, weight)
    x, converged, _ = minimize(objective, start_values(model, sample))
    assert converged
    st = objective.state(x)
    assert st is not None
    _, info, _ = objective.derivatives(x, st, False)
    se = np.sqrt(np.diag(np.linalg.inv(info)) / sample.n)
    est = np.array([x[r.par] if r.free else r.value for r in rows])
    se_rows = np.array([se[r.par] if r.free else 0.0 for r in rows])
    return rows, est, se_rows, objective.value(x), sample.n, baseline_fmin(objective)


@pytest.mark.parametrize("weight", ["GLS", "ULS"])
@pytest.mark.parametrize("means", [False, True])
def test_least_squares_matches_lavaan(weight: str, means: bool) -> None:
    case = f"hs_{weight.lower()}" + ("_means" if means else "")
    rows, est, se, fmin, n, base_fmin = _fit(case, weight, means)
    ref = pd.read_csv(REFERENCE_DIR / "sem" / f"{case}_estimates.csv")
    fit = pd.read_csv(REFERENCE_DIR / "sem" / f"{case}_fit.csv").set_index("measure")["value"]
    ref = ref.fillna({"rhs": ""}).set_index(["lhs", "op", "rhs"])
    keys = [(r.lhs, r.op, r.rhs) for r in rows]
    np.testing.assert_allclose(est, ref.loc[keys, "est"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(se, ref.loc[keys, "se"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(fmin, fit["fmin"], rtol=1e-5)
    np.testing.assert_allclose(2 * n * fmin, fit["chisq"], rtol=1e-5)
    np.testing.assert_allclose(2 * n * base_fmin, fit["baseline.chisq"], rtol=1e-5)
    # lavaan's indices are the ML formulas on the least-squares statistics, the RMSEA with
    # N - 1 (lav_fit_rmsea: N only for the normal likelihood)
    chisq, base, df, base_df = 2 * n * fmin, 2 * n * base_fmin, fit["df"], fit["baseline.df"]
    np.testing.assert_allclose(cfi(chisq, df, base, base_df), fit["cfi"], atol=1e-5)
    np.testing.assert_allclose(tli(chisq, df, base, base_df), fit["tli"], atol=1e-5)
    np.testing.assert_allclose(rmsea(chisq, df, n - 1), fit["rmsea"], atol=1e-5)


def test_normal_weight_is_the_duplication_form() -> None:
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    S = A @ A.T + 4 * np.eye(4)
    V = np.linalg.inv(S)
    i, j = moment_index(4)
    D = np.zeros((16, len(i)))
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        D[a * 4 + b, k] = D[b * 4 + a, k] = 1.0
    np.testing.assert_allclose(normal_weight(S, False), 0.5 * D.T @ np.kron(V, V) @ D,
                               atol=1e-12)


@pytest.mark.parametrize("weight", ["GLS", "ULS"])
def test_least_squares_two_groups_match_lavaan(weight: str) -> None:
    """Two groups (HS by school): lavaan's fmin is the sum of the groups' weighted by
    N_g / N, as :class:`MultiGroupObjective` sums them."""
    hs = pd.read_csv(REFERENCE_DIR / "data" / "HolzingerSwineford1939.csv")
    spec = coerce_model(HS_MODEL)
    rows, ov, lv = build_table(spec, std_lv=False, meanstructure=True, n_groups=2,
                               group_equal=(), group_partial=())
    npar = 1 + max(r.par for r in rows if r.free)
    labels = list(pd.unique(hs["school"]))
    models = [Model([r for r in rows if r.group == g], ov, lv, npar) for g in range(2)]
    samples = [sample_from_data(hs[hs["school"] == lab], ov, "listwise", lambda m: None)
               for lab in labels]
    N = sum(s.n for s in samples)
    parts = [LSObjective(m, s, weight) for m, s in zip(models, samples, strict=True)]
    objective = MultiGroupObjective(parts, [s.n / N for s in samples])
    x0 = np.zeros(npar)
    for m, s in zip(models, samples, strict=True):
        x0[m.par] = start_values(m, s)[m.par]
    x, converged, _ = minimize(objective, x0)
    assert converged
    st = objective.state(x)
    assert st is not None
    _, info, _ = objective.derivatives(x, st, False)
    se = np.sqrt(np.diag(np.linalg.inv(info)) / N)
    case = f"hs_{weight.lower()}_configural"
    ref = pd.read_csv(REFERENCE_DIR / "sem" / f"{case}_estimates.csv")
    fit = pd.read_csv(REFERENCE_DIR / "sem" / f"{case}_fit.csv").set_index("measure")["value"]
    ref = ref.fillna({"rhs": ""}).set_index(["lhs", "op", "rhs", "group"])
    keys = [(r.lhs, r.op, r.rhs, labels[r.group]) for r in rows]
    est = np.array([x[r.par] if r.free else r.value for r in rows])
    se_rows = np.array([se[r.par] if r.free else 0.0 for r in rows])
    np.testing.assert_allclose(est, ref.loc[keys, "est"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(se_rows, ref.loc[keys, "se"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(2 * N * objective.value(x), fit["chisq"], rtol=1e-5)
    base = 2 * sum(s.n * baseline_fmin(p) for s, p in zip(samples, parts, strict=True))
    np.testing.assert_allclose(base, fit["baseline.chisq"], rtol=1e-5)
