"""The "Measurement invariance" area of the "Validation against R" page: pm.invariance
against lavaan 0.6.14 and semTools 0.5.6, from the fixtures of tests/reference/invariance.R
and tests/reference/invariance_rules.R. Imported by :mod:`_gen.parity`, which renders it
like its own areas."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from _gen.parity import BFI_MODEL, HS_MODEL, REF, Area, Case, _read, _run

OUT = REF / "invariance"
_LADDER = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff",
           "pvalue_diff"]
_RULES = ["chisq_diff", "df_diff", "pvalue_diff", "delta_cfi", "delta_rmsea", "delta_srmr"]


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from psychometrics.errors import NumericalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        return fn(*args, **kwargs)


def _waves(hs: pd.DataFrame) -> pd.DataFrame:
    """The two-wave set of invariance.R: Pasteur as t1, Grant-White as t2, paired by
    position (11 respondents in t1 only)."""
    a = hs[hs["school"] == "Pasteur"].reset_index(drop=True)
    b = hs[hs["school"] == "Grant-White"].reset_index(drop=True)
    return pd.concat([a.assign(pid=a.index, t="t1"), b.assign(pid=b.index, t="t2")])


def invariance_area() -> Area:
    import psychometrics as pm

    area = Area("Measurement invariance",
                "lavaan::cfa(group.equal) / lavTestLRT / lavTestScore, semTools::compareFit",
                1e-3, "relative 1e-5 for fit measures, chi-squares and their differences "
                "(1e-3 absolute on chi-squares near 100), absolute 1e-5 for the changes in "
                "CFI, RMSEA and SRMR, 1e-4 relative for score tests; decisions and counts "
                "exactly",
                "The configural, metric, scalar and strict ladder across groups and across "
                "waves (the longitudinal model written independently in R), each step's fit "
                "and its (scaled) chi-square difference, the changes in CFI, RMSEA and SRMR "
                "as semTools::compareFit computes them, each rule's decisions from the "
                "published cut-offs (computed in R), the score tests that choose the "
                "parameters to release, and the respondents and free parameters per group "
                "behind the small-group verdict.")
    hs = _read("HolzingerSwineford1939.csv")
    school = {"group": "school", "partial": False}
    ladders: dict[str, tuple[str, Any]] = {
        "hs_school_ml": ("Holzinger-Swineford by school, ML",
                         lambda: pm.invariance(hs, HS_MODEL, **school)),
        "hs_school_mlr": ("by school, MLR (scaled tests, robust CFI/TLI/RMSEA)",
                          lambda: pm.invariance(hs, HS_MODEL, **school, estimator="MLR")),
        "bfi_gender_ml": ("bfi by gender, five factors, listwise",
                          lambda: _quiet(pm.invariance, _read("bfi.csv"), BFI_MODEL,
                                         group="gender", partial=False)),
        "hs_waves_ml": ("across two waves (x1-x3), matched by id, FIML for the unmatched",
                        lambda: _quiet(pm.invariance, _waves(hs), "visual =~ x1 + x2 + x3",
                                       wave="t", id="pid", partial=False)),
    }
    for name, (note, fit) in ladders.items():
        def ladder(case: Case, name: str = name, fit: Any = fit) -> None:
            ref = pd.read_csv(OUT / f"{name}.csv").set_index("step")
            got = fit().table.loc[list(ref.index)]
            for col in _LADDER:
                case.matrix(col, ref[col].to_numpy(dtype=float)[ref[col].notna()],
                            got[col].to_numpy(dtype=float)[ref[col].notna()])

        _run(area, name, note, ladder)

    for est in ("ML", "MLR"):
        def rules(case: Case, est: str = est) -> None:
            ref = pd.read_csv(OUT / f"hs_school_rules_{est.lower()}.csv").set_index("step")
            for rule in ("cheung_rensvold", "chen", "chisq"):
                got = pm.invariance(hs, HS_MODEL, estimator=est, rule=rule,
                                    **school).table.loc[list(ref.index)]
                if rule == "cheung_rensvold":
                    for col in _RULES:
                        case.matrix(col, ref[col].to_numpy(dtype=float),
                                    got[col].to_numpy(dtype=float))
                case.matrix(f"decisions, {rule} (1 = invariant)",
                            (ref[rule] == "invariant").to_numpy(dtype=float),
                            (got["decision"] == "invariant").to_numpy(dtype=float))

        _run(area, f"hs_school_rules_{est.lower()}",
             f"semTools::compareFit differences and each rule's decisions, {est}", rules)

    def score(case: Case) -> None:
        res = pm.invariance(hs, HS_MODEL, group="school", steps=("configural", "metric",
                                                                 "scalar"))
        ref = pd.read_csv(OUT / "hs_school_scalar_score.csv")
        ref = ref[ref["lhs"].isin(res.score_tests["lhs"])]
        got = res.score_tests.set_index("lhs").loc[ref["lhs"]]
        case.matrix("lavTestScore X2 of the intercept constraints", ref["X2"].to_numpy(),
                    got["X2"].to_numpy(dtype=float))
        part = pd.read_csv(OUT / "hs_school_scalar_partial.csv").set_index("measure")
        fit = res.fits["scalar (partial)"].fit
        for measure, value in part["value"].items():
            case.scalar(f"partial scalar (x3 ~ 1, x7 ~ 1 released): {measure}", value,
                        fit[measure])

    _run(area, "hs_school_scalar_score", "score tests and the partial scalar model", score)

    def counts(case: Case) -> None:
        ref = pd.read_csv(OUT / "hs_small_group_counts.csv")
        small = pd.concat([hs[hs["school"] == "Pasteur"],
                           hs[hs["school"] == "Grant-White"].head(18)])
        models = {"three_factor": HS_MODEL, "one_factor": "visual =~ x1 + x2 + x3",
                  "six_items": "f =~ x1 + x2 + x3 + x4 + x5 + x6"}
        for name, model in models.items():
            r = ref[ref["model"] == name].set_index("group")
            res = _quiet(pm.invariance, small, model, group="school", partial=False)
            g = res.groups.loc[list(r.index)]
            for group in r.index:
                case.scalar(f"{name}, {group}: respondents", r.loc[group, "n"],
                            g.loc[group, "n"])
                case.scalar(f"{name}, {group}: free parameters per group",
                            r.loc[group, "parameters"], g.loc[group, "parameters"])

    _run(area, "hs_small_group_counts",
         "Grant-White cut to 18 pupils: lavaan's nobs and npar per group", counts)
    return area


AREAS = [invariance_area]
