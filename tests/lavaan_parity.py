"""Comparing a fitted model with lavaan 0.6.14's fixtures: one place for the tolerances and
the fit, estimate and modification-index comparisons that the CFA/SEM parity tests share.

The fixtures are CSV files written by tests/reference/cfa.R and sem.R (``<case>_fit.csv``,
``<case>_estimates.csv``, ``<case>_mi.csv``), fitted on the CSV files in tests/reference/data/.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

# Tolerances. lavaan stops nlminb at rel.tol 1e-10, so its estimates sit ~1e-5 from the
# optimum that this port reaches (g' H^-1 g < 1e-12); observed differences are <= 3e-5 for
# estimates and <= 5e-7 for fit measures.
TOL_FIT = 1e-5  # chisq, df, CFI, TLI, RMSEA (+ CI, p), SRMR, logLik, AIC, BIC
TOL_EST = 1e-4  # est, se, ci, std_lv, std_all, residual correlations
RTOL_Z = 1e-4  # z values reach 95: compare relative
# Score tests are sensitive to where the optimiser stopped when the conditional information
# is small (visual =~ x9 with x7 ~~ x8 free has V = 0.003): compare relative to max(1, |x|).
RTOL_MI = 1e-3

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")

# our fit Series name -> lavaan's fitMeasures name
FIT_NAMES = {
    "npar": "npar", "n": "ntotal", "chisq": "chisq", "df": "df", "pvalue": "pvalue",
    "baseline_chisq": "baseline.chisq", "baseline_df": "baseline.df",
    "baseline_pvalue": "baseline.pvalue", "cfi": "cfi", "tli": "tli", "loglik": "logl",
    "unrestricted_loglik": "unrestricted.logl", "aic": "aic", "bic": "bic", "sabic": "bic2",
    "rmsea": "rmsea", "rmsea_ci_lower": "rmsea.ci.lower", "rmsea_ci_upper": "rmsea.ci.upper",
    "rmsea_pvalue": "rmsea.pvalue", "srmr": "srmr", "fmin": "fmin",
}
# our estimates column -> lavaan's parameterEstimates/standardizedSolution column
ESTIMATE_COLUMNS = {"est": "est", "se": "se", "ci_lower": "ci.lower", "ci_upper": "ci.upper",
                    "std_lv": "std.lv", "std_all": "std.all", "std_nox": "std.nox"}
MI_COLUMNS = {"mi": "mi", "epc": "epc", "sepc_lv": "sepc.lv", "sepc_all": "sepc.all"}


def fit_without_warnings(fit: Callable[..., Any], data: Any, model: str, **kw: Any) -> Any:
    """Fit a reference model; none of the reference fits may warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fit(data, model, **kw)


def assert_fit_matches(res: Any, path: Path, names: dict[str, str] = FIT_NAMES) -> None:
    """Every fit measure in ``names`` within TOL_FIT of lavaan's ``fitMeasures``."""
    ref = pd.read_csv(path).set_index("measure")["value"]
    assert res.converged
    for ours, theirs in names.items():
        assert res.fit[ours] == pytest.approx(ref[theirs], abs=TOL_FIT), ours


def assert_estimates_match(res: Any, path: Path, columns: Sequence[str] = (
        "est", "se", "ci_lower", "ci_upper", "std_lv", "std_all")) -> None:
    """The same rows as lavaan's parameter table, in its order, with the same labels (and
    groups), and every column in ``columns`` within TOL_EST; z relative, p within TOL_FIT."""
    ref = pd.read_csv(path, keep_default_na=False, na_values=["NA"])
    est = res.estimates
    assert list(est["lhs"]) == list(ref["lhs"])
    assert list(est["op"]) == list(ref["op"])
    assert list(est["rhs"].fillna("")) == list(ref["rhs"].astype(str).replace("nan", ""))
    if "group" in ref:
        assert list(est["group"]) == list(ref["group"].astype(str))
    else:
        assert "group" not in est
    if "label" in ref:
        assert list(est["label"]) == list(ref["label"])  # user labels and lavaan's .pK.
    for ours in columns:
        theirs = ESTIMATE_COLUMNS[ours]
        np.testing.assert_allclose(est[ours], ref[theirs], atol=TOL_EST, err_msg=ours)
    np.testing.assert_allclose(est["z"], ref["z"], rtol=RTOL_Z, err_msg="z")
    if "pvalue" in ref:
        np.testing.assert_allclose(est["pvalue"], ref["pvalue"], atol=TOL_FIT,
                                   err_msg="pvalue")


def assert_modindices_match(mi: pd.DataFrame, path: Path) -> None:
    """lavaan's ``modindices()`` rows in its order; values relative to max(1, |x|)."""
    ref = pd.read_csv(path)
    key = ["lhs", "op", "rhs"] + (["group"] if "group" in ref else [])
    ref["rhs"] = ref["rhs"].fillna("")
    if "group" in ref:
        ref["group"] = ref["group"].astype(str)
    assert list(map(tuple, mi[key].to_numpy())) == list(map(tuple, ref[key].to_numpy()))
    for ours, theirs in MI_COLUMNS.items():
        a, b = mi[ours].to_numpy(), ref[theirs].to_numpy()
        # A covariance with an item whose residual variance is fixed at 0 has no sepc_all.
        assert np.array_equal(np.isnan(a), np.isnan(b)), ours
        ok = ~np.isnan(b)
        diff = np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))
        assert diff.max() < RTOL_MI, ours
