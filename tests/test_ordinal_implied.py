"""Implied thresholds/correlations and their Jacobian (psychometrics.structural.ordinal_implied)
against lavaan 0.6.14's wls.est and Delta, from lavaan's own estimates.

Fixtures: tests/reference/ordinal.R -> ordinal/implied.json (lavInspect 'est', 'free',
'wls.est', 'delta'): a one-group delta-parameterization fit (bfi A/C), a two-group fit with
equal thresholds and loadings (free scale factors and factor means in group 2), and a
theta-parameterization fit (HS items with 2 to 7 categories).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

from psychometrics.errors import PsychometricsWarning
from psychometrics.structural.ordinal_implied import ordinal_implied, ordinal_jacobian
from psychometrics.structural.ordinal_stats import ordinal_sample_stats
from psychometrics.structural.wls_robust import robust_vcov, scaled_shifted_test, ugamma_traces

IMPLIED = json.loads((REF / "ordinal" / "implied.json").read_text())
TOL = 1e-10  # the same arithmetic as lavaan on lavaan's own estimates
PARAM = {"bfi_ac": "delta", "hs_groups_equal": "delta", "hs_theta": "theta"}


def _mat(x, rows: int) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(rows, -1)


def _group(rec: dict):
    est, free = rec["est"], rec["free"]
    lam = np.asarray(est["lambda"], dtype=float)
    p, m = lam.shape
    args = dict(
        lambda_=lam, psi=_mat(est["psi"], m), tau=np.ravel(est["tau"]),
        th_item=np.asarray(rec["th_item"]) - 1, theta=_mat(est["theta"], p),
        delta=np.ravel(est["delta"]), nu=np.ravel(est["nu"]), alpha=np.ravel(est["alpha"]))
    return args, free, p, m


def _delta_from_jacobian(jac: dict, free: dict, p: int, m: int, npar: int) -> np.ndarray:
    """lavaan's Delta: the Jacobian's columns picked by the free-parameter indices."""
    out = np.zeros((next(iter(jac.values())).shape[0], npar))

    def add(block: str, indices: np.ndarray) -> None:
        for col, k in enumerate(indices):
            if k > 0:
                out[:, int(k) - 1] += jac[block][:, col]

    add("lambda", np.asarray(free["lambda"], dtype=float).reshape(p, m).ravel(order="F"))
    for block, k in (("psi", m), ("theta", p)):
        f = np.asarray(free[block], dtype=float).reshape(k, k)
        cols, rows = np.triu_indices(k)
        add(block, f[rows, cols])
    for block in ("tau", "nu", "alpha", "delta"):
        add(block, np.ravel(free[block]))
    return out


@pytest.mark.parametrize("case", sorted(PARAM))
def test_implied_statistics_match_lavaan(case: str) -> None:
    for rec in IMPLIED[case]:
        args, _, p, _ = _group(rec)
        imp = ordinal_implied(**args, parameterization=PARAM[case])
        np.testing.assert_allclose(imp.wls_est, rec["wls_est"], rtol=0, atol=TOL)
        np.testing.assert_allclose(np.diag(imp.correlation), np.ones(p), atol=1e-12)


@pytest.mark.parametrize("case", sorted(PARAM))
def test_jacobian_matches_lavaans_delta(case: str) -> None:
    npar = IMPLIED["npar"][case]
    for rec in IMPLIED[case]:
        args, free, p, m = _group(rec)
        jac = ordinal_jacobian(**args, parameterization=PARAM[case])
        D = _delta_from_jacobian(jac, free, p, m, npar)
        ref = np.asarray(rec["delta"], dtype=float)
        np.testing.assert_allclose(D, ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("parameterization", ["delta", "theta"])
def test_jacobian_against_finite_differences(parameterization: str) -> None:
    rng = np.random.default_rng(4)
    p = 5
    lam = np.array([[0.7, 0], [0.6, 0.2], [0.5, 0], [0, 0.8], [0, 0.6]])
    psi = np.array([[1.1, 0.3], [0.3, 0.9]])
    theta = np.diag(rng.uniform(0.4, 0.8, p))
    theta[3, 1] = theta[1, 3] = 0.1
    tau = np.array([-1.0, 0.2, -0.4, 0.6, 1.1, 0.0, -0.3, 0.5])
    it = np.array([0, 0, 1, 1, 1, 2, 3, 4])
    base = dict(lambda_=lam, psi=psi, tau=tau, th_item=it, theta=theta,
                delta=rng.uniform(0.8, 1.2, p), nu=rng.normal(0, 0.2, p),
                alpha=np.array([0.3, -0.2]), parameterization=parameterization)
    jac = ordinal_jacobian(**base)
    h = 1e-6

    def moved(name: str, index: tuple[int, ...], sym: bool = False) -> np.ndarray:
        out = []
        for s in (h, -h):
            args = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in base.items()}
            args[name][index] += s
            if sym and index[0] != index[1]:
                args[name][index[::-1]] += s
            out.append(ordinal_implied(**args).wls_est)
        return (out[0] - out[1]) / (2 * h)

    np.testing.assert_allclose(jac["lambda"][:, 1 + 1 * p], moved("lambda_", (1, 1)), atol=1e-8)
    np.testing.assert_allclose(jac["lambda"][:, 0], moved("lambda_", (0, 0)), atol=1e-8)
    np.testing.assert_allclose(jac["psi"][:, 1], moved("psi", (1, 0), sym=True), atol=1e-8)
    # theta (3, 1): lower-triangle column-major index
    cols, rows = np.triu_indices(p)
    k = int(np.flatnonzero((rows == 3) & (cols == 1))[0])
    np.testing.assert_allclose(jac["theta"][:, k], moved("theta", (3, 1), sym=True), atol=1e-8)
    kd = int(np.flatnonzero((rows == 2) & (cols == 2))[0])
    np.testing.assert_allclose(jac["theta"][:, kd], moved("theta", (2, 2)), atol=1e-8)
    np.testing.assert_allclose(jac["tau"][:, 3], moved("tau", (3,)), atol=1e-8)
    np.testing.assert_allclose(jac["nu"][:, 1], moved("nu", (1,)), atol=1e-8)
    np.testing.assert_allclose(jac["alpha"][:, 1], moved("alpha", (1,)), atol=1e-8)
    if parameterization == "delta":
        np.testing.assert_allclose(jac["delta"][:, 2], moved("delta", (2,)), atol=1e-8)


def test_bad_input_is_named() -> None:
    lam = np.array([[0.7], [0.6]])
    with pytest.raises(ValueError, match="parameterization must be"):
        ordinal_implied(lam, np.eye(1), [0.0, 0.0], [0, 1], parameterization="gamma")
    with pytest.raises(ValueError, match="psi must be 1 x 1"):
        ordinal_implied(lam, np.eye(2), [0.0, 0.0], [0, 1])
    with pytest.raises(ValueError, match="th_item needs one item index"):
        ordinal_implied(lam, np.eye(1), [0.0, 0.0], [0, 2])


# --- everything but the optimiser: lavaan's estimates, the rest ours ------------------------

END_TO_END = {  # implied.json case -> robust.json fit, stage-1 data
    "bfi_ac": ("bfi_ac_wlsmv", "bfi_ac_complete", None),
    "hs_groups_equal": ("hs_groups_equal_wlsmv", "hs_ordinal", "school"),
    "hs_theta": ("hs_wlsmv", "hs_ordinal", None),  # theta and delta: the same fit
}


@pytest.mark.parametrize("case", sorted(END_TO_END))
def test_dwls_statistic_robust_test_and_ses_from_lavaans_estimates(case: str) -> None:
    """Our stage 1, implied statistics, Jacobian and robust algebra at lavaan's estimates
    give lavaan's DWLS chi-square (T = sum_g (N_g - 1) e'We), its scaled-shifted test and
    its robust SEs (to 1e-6: our stage 1 agrees with lavaan's to ~1e-8)."""
    fit, data, group = END_TO_END[case]
    robust = json.loads((REF / "ordinal" / "robust.json").read_text())[fit]
    frame = pd.read_csv(REF / "data" / f"{data}.csv")
    if group is None and "school" in frame:
        frame = frame.drop(columns="school")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        stats = ordinal_sample_stats(frame, group=group)
    npar = IMPLIED["npar"][case]
    deltas, stat_group = [], []
    for rec, g in zip(IMPLIED[case], stats.groups, strict=True):
        args, free, p, m = _group(rec)
        imp = ordinal_implied(**args, parameterization=PARAM[case])
        e = g.wls_obs - imp.wls_est
        stat_group.append((g.nobs - 1) * float(e @ (g.wls_v * e)))
        jac = ordinal_jacobian(**args, parameterization=PARAM[case])
        deltas.append(_delta_from_jacobian(jac, free, p, m, npar))
    std = robust["tests"]["standard"]
    np.testing.assert_allclose(stat_group, np.atleast_1d(std["stat.group"]), rtol=1e-6)
    weights = [g.wls_v for g in stats.groups]
    gammas = [g.gamma for g in stats.groups]
    con = np.array(robust["con_jac"], dtype=float) if robust["con_jac"] else None
    tr = ugamma_traces(deltas, weights, gammas, stats.nobs, constraints=con)
    t = scaled_shifted_test(sum(stat_group), std["df"], tr, stats.nobs, stat_group)
    assert t.stat == pytest.approx(robust["tests"]["scaled.shifted"]["stat"], rel=1e-6)
    vc = robust_vcov(deltas, weights, gammas, stats.nobs, constraints=con)
    if case != "hs_theta":  # the theta fit's parameters are not the delta fit's
        np.testing.assert_allclose(np.sqrt(np.diag(vc)), np.sqrt(np.diag(robust["vcov"])),
                                   rtol=1e-6)
