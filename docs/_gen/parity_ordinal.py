"""Areas of the "Validation against R" page for ordered items: lavaan's stage 1 (thresholds,
polychorics, Gamma), the ordinal CFA estimators and omega for categorical items. Imported
by :mod:`_gen.parity`, which renders them like its own areas."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from _gen.parity import REF, Area, Case, _frame, _read, _run


def ordinal_area() -> Area:
    from psychometrics.structural.ordinal_stats import ordinal_sample_stats

    area = Area("Ordinal stage 1 (thresholds, polychorics, Gamma)",
                "lavaan::lavInspect(cfa(..., ordered = TRUE, estimator = 'WLSMV'))", 1e-6,
                "iterative (ML per pair)",
                "`ordinal_sample_stats` against lavaan's `sampstat`, `gamma` and `wls.v`; HS "
                "items cut into 2 to 7 categories, two groups, and 150 bfi rows with empty "
                "cells. (A binary pair where lavaan's optimiser stops at its bound 0.999 on a "
                "likelihood plateau is left out here; the tests document it.)")
    ref = json.loads((REF / "ordinal" / "stage1.json").read_text())
    hs = _read("hs_ordinal.csv")
    cases = {"bfi_ac": (_read("bfi_ac_complete.csv"), None),
             "hs": (hs.drop(columns="school"), None), "hs_groups": (hs, "school"),
             "bfi_sparse": (_read("bfi_ac_first150.csv"), None),
             "bfi25": (_read("bfi25_complete.csv"), None)}
    for name, (frame, group) in cases.items():
        def compute(case: Case, frame: pd.DataFrame = frame, group: str | None = group,
                    recs: list[dict[str, Any]] = ref[name]) -> None:
            stats = ordinal_sample_stats(frame, group=group)
            for g, rec in zip(stats.groups, recs, strict=True):
                tag = f" ({g.group})" if g.group else ""
                case.matrix(f"thresholds{tag}", rec["th"], g.thresholds)
                case.matrix(f"polychorics{tag}", _frame(rec["cov"]), g.correlation)
                if "gamma" in rec:
                    case.matrix(f"Gamma{tag}", rec["gamma"], g.gamma)
                else:
                    rows = np.asarray(rec["gamma_rows"]) - 1
                    case.matrix(f"Gamma, {rows.size} rows{tag}", rec["gamma_row_block"],
                                g.gamma[rows])
                case.matrix(f"DWLS weight{tag}", rec["wls_v"], g.wls_v)

        _run(area, name, f"{sum(r['nobs'] for r in ref[name])} rows", compute)
    return area


def ordinal_cfa_area() -> Area:
    import psychometrics as pm
    from psychometrics.structural import sem

    area = Area("Ordinal CFA and SEM (WLSMV, DWLS, ULSMV, ULS, WLS)",
                "lavaan::cfa(..., ordered = TRUE); parameterEstimates, fitMeasures", 1e-4,
                "iterative (optimiser)",
                "`pm.cfa(..., ordered=True)` from the raw answers: estimates (thresholds "
                "included), standard errors, standardized values and the fit measures "
                "(chisq, the scaled test, baseline, CFI, TLI, RMSEA: standard, scaled and "
                "robust; SRMR). bfi's A and C items, the 25 bfi items, HS cut into 2 to 7 "
                "categories (one unused) by school with equal thresholds and loadings, the "
                "Wu & Estabrook (2016) identification, delta and theta parameterizations, "
                "and the demo data's WHO-5 and ACS as instruments. Test statistics are "
                "compared relative to their size.")
    ref = json.loads((REF / "ordinal_cfa" / "fits.json").read_text())
    demo = json.loads((REF / "ordinal_cfa" / "demo.json").read_text())
    m_ac = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
    m_hs = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    m_25 = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")
    bfi, bfi25, hs = (_read("bfi_ac_complete.csv"), _read("bfi25_complete.csv"),
                      _read("hs_ordinal.csv"))
    groups = {"group": "school"}
    wu = {**groups, "std_lv": True, "id_cat": "Wu.Estabrook.2016"}
    cases: dict[str, tuple[Any, Any, dict[str, Any], dict[str, Any]]] = {
        "bfi_ac_wlsmv": (bfi, m_ac, {}, ref),
        "bfi_ac_wlsmv_stdlv": (bfi, m_ac, {"std_lv": True}, ref),
        "bfi_ac_dwls": (bfi, m_ac, {"estimator": "DWLS"}, ref),
        "bfi_ac_ulsmv": (bfi, m_ac, {"estimator": "ULSMV"}, ref),
        "bfi_ac_uls": (bfi, m_ac, {"estimator": "ULS"}, ref),
        "bfi_ac_wls": (bfi, m_ac, {"estimator": "WLS"}, ref),
        "bfi_ac_theta": (bfi, m_ac, {"parameterization": "theta"}, ref),
        "hs_wlsmv": (hs.drop(columns="school"), m_hs, {}, ref),
        "hs_theta": (hs.drop(columns="school"), m_hs, {"parameterization": "theta"}, ref),
        "hs_sem": (hs.drop(columns="school"), m_hs + "\nspeed ~ visual + textual", {}, ref),
        "hs_groups": (hs, m_hs, groups, ref),
        "hs_groups_th_load": (hs, m_hs, {**groups,
                                         "group_equal": ["thresholds", "loadings"]}, ref),
        "hs_groups_theta_th_load": (hs, m_hs, {**groups, "parameterization": "theta",
                                               "group_equal": ["thresholds", "loadings"]},
                                    ref),
        "hs_wu_thresholds": (hs, m_hs, {**wu, "group_equal": ["thresholds"]}, ref),
        "hs_wu_loadings": (hs, m_hs, {**wu, "group_equal": ["thresholds", "loadings"]}, ref),
        "bfi25_wlsmv": (bfi25, m_25, {}, ref),
        "who5": (_read("mentorship_who5_acs.csv"), pm.load_instrument("who5"),
                 {"estimator": "WLSMV"}, demo),
        "acs": (_read("mentorship_who5_acs.csv"), pm.load_instrument("acs"),
                {"estimator": "WLSMV"}, demo),
    }
    measures = ("chisq", "chisq.scaled", "baseline.chisq", "cfi", "tli", "cfi.scaled",
                "tli.scaled", "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled",
                "rmsea.robust", "srmr")
    for name, (frame, model, options, store) in cases.items():
        def compute(case: Case, frame: Any = frame, model: Any = model,
                    options: dict[str, Any] = options, rec: dict[str, Any] = store[name]
                    ) -> None:
            fit_fn = sem if isinstance(model, str) and "~ visual" in model else pm.cfa
            extra = {} if not isinstance(model, str) else {"ordered": True}
            res = fit_fn(frame, model, **extra, **{"estimator": "WLSMV", **options})
            est = pd.DataFrame(rec["estimates"])
            if "group" in est:
                labels = rec["group_labels"]
                est["group"] = [labels[g - 1] for g in est["group"]]
                ours = res.estimates.merge(est, on=["lhs", "op", "rhs", "group"],
                                           suffixes=("", "_r"))
            else:
                ours = res.estimates.assign(est_r=est["est"].to_numpy(),
                                            se_r=est["se"].to_numpy(),
                                            **{"std.all": est["std.all"].to_numpy()})
            case.matrix("estimates", ours["est_r"], ours["est"])
            case.matrix("standard errors", ours["se_r"], ours["se"])
            case.matrix("std.all", ours["std.all"], ours["std_all"])
            for m in measures:
                r = rec["fit"].get(m)
                key = m.replace(".", "_")
                if key not in res.fit.index:
                    continue
                py = res.fit[key]
                if m.startswith(("chisq", "baseline")) and r is not None:
                    scale = max(1.0, abs(float(r)))  # relative for the statistics
                    r, py = float(r) / scale, float(py) / scale
                    m = f"{m} (relative)"
                case.scalar(m, r, py)

        _run(area, name, "", compute)
    return area


def omega_categorical_area() -> Area:
    import psychometrics as pm

    area = Area("Omega for categorical indicators", "semTools::compRelSEM(fit, obs.var)",
                1e-10, "closed form", "From the WLSMV fit's loadings, factor covariances, "
                "thresholds and scales; obs.var = TRUE (polychoric denominator) and FALSE "
                "(model-implied).")
    ref = json.loads((REF / "ordinal" / "omega_categorical.json").read_text())

    def frame(m: dict[str, Any]) -> pd.DataFrame:
        rows = [m["rows"]] if isinstance(m["rows"], str) else m["rows"]
        cols = [m["cols"]] if isinstance(m["cols"], str) else m["cols"]
        return pd.DataFrame(_frame(m), index=rows, columns=cols)

    for name in ("bfi_ac_keyed", "hs", "hs_groups_equal"):
        rec = ref[name]

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            for g, block in enumerate(rec["blocks"]):
                args = dict(factor_cov=frame(block["psi"]), scales=np.array(block["scales"]))
                lam = frame(block["lambda"])
                obs = pm.omega_categorical(lam, block["thresholds"],
                                           correlation=frame(block["sample_cor"]), **args)
                fit = pm.omega_categorical(lam, block["thresholds"], **args)
                for key, res in (("omega_obs_var", obs), ("omega_fitted", fit)):
                    for factor, value in rec[key].items():
                        if factor == "group":
                            continue
                        r = value[g] if isinstance(value, list) else value
                        tag = f" group {g + 1}" if len(rec["blocks"]) > 1 else ""
                        case.scalar(f"{factor}{tag}, {key.split('_', 1)[1]}", r,
                                    res.omega[factor])

        _run(area, name, "", compute)
    return area


AREAS: list[Callable[[], Area]] = [ordinal_area, ordinal_cfa_area, omega_categorical_area]
