"""The DWLS optimiser (psychometrics.structural.ordinal_fit) reaches lavaan 0.6.14's WLSMV
estimates from perturbed starts, on our own stage-1 statistics.

The two-group fit with group.equal (implied.json 'hs_groups_equal') is checked on its
chi-square only: see test_two_group_equal_fit_reaches_lavaans_chisq.

Fixtures: tests/reference/ordinal.R -> ordinal/implied.json (lavaan's 'est' and 'free') and
ordinal/robust.json (con.jac); data under tests/reference/data/. Tolerance 1e-4 on the
estimates, issue 10's stated tolerance (observed: ~1e-7 on bfi, 1.4e-5 on the theta fit,
where lavaan's nlminb stops earlier than our Gauss-Newton).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

from psychometrics.errors import PsychometricsWarning
from psychometrics.structural.ordinal_fit import dwls_fit
from psychometrics.structural.ordinal_stats import ordinal_sample_stats

IMPLIED = json.loads((REF / "ordinal" / "implied.json").read_text())
ROBUST = json.loads((REF / "ordinal" / "robust.json").read_text())
CASES = {  # implied.json case -> (robust.json fit, data, group, parameterization)
    "bfi_ac": ("bfi_ac_wlsmv", "bfi_ac_complete", None, "delta"),
    "hs_theta": ("hs_wlsmv", "hs_ordinal", None, "theta"),
}
BLOCKS = ("lambda", "psi", "theta", "tau", "nu", "alpha", "delta")
TOL = 1e-4


def _shape(name: str, p: int, m: int) -> tuple[int, ...]:
    return {"lambda": (p, m), "psi": (m, m), "theta": (p, p)}.get(name, (-1,))


@pytest.mark.parametrize("case", sorted(CASES))
def test_dwls_optimum_is_lavaans(case: str) -> None:
    fit, data, group, param = CASES[case]
    frame = pd.read_csv(REF / "data" / f"{data}.csv")
    if group is None and "school" in frame:
        frame = frame.drop(columns="school")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        stats = ordinal_sample_stats(frame, group=group)
    npar = IMPLIED["npar"][case]
    x_ref = np.full(npar, np.nan)
    groups = []
    for rec in IMPLIED[case]:
        lam = np.asarray(rec["est"]["lambda"], dtype=float)
        p, m = lam.shape
        mats = {b: np.asarray(rec["est"][b], dtype=float).reshape(_shape(b, p, m))
                for b in BLOCKS if b in rec["est"]}
        free = {b: np.asarray(rec["free"][b], dtype=float).reshape(_shape(b, p, m))
                for b in BLOCKS if b in rec["free"]}
        for b, f in free.items():
            mask = f > 0
            x_ref[f[mask].astype(int) - 1] = mats[b][mask]
        groups.append({"matrices": mats, "free": free,
                       "th_item": np.asarray(rec["th_item"]) - 1})
    assert not np.isnan(x_ref).any()
    con = np.array(ROBUST[fit]["con_jac"], dtype=float) if ROBUST[fit]["con_jac"] else None
    rng = np.random.default_rng(1)
    x0 = x_ref + rng.normal(0, 0.05, npar)
    if con is not None:  # start inside the constraints, as lavaan does
        from scipy.linalg import null_space
        K = null_space(con)
        x0 = K @ np.linalg.lstsq(K, x0, rcond=None)[0]
    res = dwls_fit(groups, [g.wls_v for g in stats.groups], [g.wls_obs for g in stats.groups],
                   stats.nobs, x0, constraints=con, parameterization=param)
    assert res.converged
    np.testing.assert_allclose(res.x, x_ref, rtol=0, atol=TOL)


def test_bad_weight_is_named() -> None:
    with pytest.raises(ValueError, match="weight must be"):
        dwls_fit([], [], [], [], np.zeros(1), weight="gls")


def test_two_group_equal_fit_reaches_lavaans_chisq() -> None:
    """Two groups, group.equal thresholds+loadings: the criterion is flat along some
    directions and lavaan's nlminb stops ~2.5e-4 short in the estimates (our fmin is lower
    by ~5e-10), so the estimates are not compared; the DWLS chi-square is, to 1e-4."""
    from psychometrics.structural.ordinal_implied import ordinal_implied

    frame = pd.read_csv(REF / "data" / "hs_ordinal.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        stats = ordinal_sample_stats(frame, group="school")
    npar = IMPLIED["npar"]["hs_groups_equal"]
    x_ref, groups = np.full(npar, np.nan), []
    for rec in IMPLIED["hs_groups_equal"]:
        p, m = np.asarray(rec["est"]["lambda"]).shape
        mats = {b: np.asarray(rec["est"][b], dtype=float).reshape(_shape(b, p, m))
                for b in BLOCKS}
        free = {b: np.asarray(rec["free"][b], dtype=float).reshape(_shape(b, p, m))
                for b in BLOCKS}
        for b, f in free.items():
            x_ref[f[f > 0].astype(int) - 1] = mats[b][f > 0]
        groups.append({"matrices": mats, "free": free,
                       "th_item": np.asarray(rec["th_item"]) - 1})
    robust = ROBUST["hs_groups_equal_wlsmv"]
    con = np.array(robust["con_jac"], dtype=float)
    args = ([g.wls_v for g in stats.groups], [g.wls_obs for g in stats.groups], stats.nobs)
    res = dwls_fit(groups, *args, x_ref, constraints=con)
    at_ref = dwls_fit(groups, *args, x_ref, constraints=con, max_nfev=1)
    assert res.converged and res.fmin <= at_ref.fmin + 1e-12
    chisq = 0.0
    for mats, g, rec in zip(res.matrices, stats.groups, groups, strict=True):
        imp = ordinal_implied(mats["lambda"], mats["psi"], mats["tau"], rec["th_item"],
                              theta=mats["theta"], delta=mats["delta"], nu=mats["nu"],
                              alpha=mats["alpha"])
        e = g.wls_obs - imp.wls_est
        chisq += (g.nobs - 1) * float(e @ (g.wls_v * e))
    assert chisq == pytest.approx(robust["tests"]["standard"]["stat"], rel=1e-4)
