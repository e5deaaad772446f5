"""Area of the "Validation against R" page for the least-squares estimators (GLS, ULS) and
inequality constraints of :func:`psychometrics.cfa` / ``sem``, against lavaan 0.6.14
(fixtures from tests/reference/sem_lsq.R). Imported by :mod:`_gen.parity`, which renders it
like its own areas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from _gen.parity import BFI_MODEL, HS_MODEL, REF, Area, Case, _read, _run

_SHOWN = ["chisq", "df", "pvalue", "baseline.chisq", "cfi", "tli", "rmsea", "rmsea.ci.lower",
          "rmsea.ci.upper", "srmr"]
PD_MODEL = ("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\n"
            "dem65 =~ y5 + a*y6 + b*y7 + c*y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\n"
            "y1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8")
HS_LAB = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def least_squares_area() -> Area:
    import psychometrics as pm
    from psychometrics.structural import sem

    area = Area("Least squares (GLS, ULS) and inequality constraints", "lavaan::cfa / sem",
                1e-4, "estimates, standard errors and standardized values; fit measures 1e-5",
                "estimator = \"GLS\" and \"ULS\" (fit measures as lavaan's fitMeasures gives "
                "them: no likelihood, no p-value for ULS, the RMSEA with N - G), and "
                "inequality constraints (a > 0, b < a, v < 0.3), slack or binding. A "
                "parameter an active constraint pins has standard error 0 here; lavaan "
                "prints 0 or NA (its variance is +-1e-32) and is left out of the "
                "comparison, as is the correlation of a residual covariance beside a "
                "residual variance held at 0 (undefined; lavaan prints -5e4). Fixtures from "
                "tests/reference/sem_lsq.R.")
    hs = _read("HolzingerSwineford1939.csv")
    bfi = _read("bfi.csv")
    pol = _read("PoliticalDemocracy.csv")
    cases: dict[str, tuple[str, Callable[[], Any]]] = {}
    for est in ("GLS", "ULS"):
        e = est.lower()
        cases.update({
            f"hs_{e}": (f"Holzinger-Swineford, {est}",
                        lambda est=est: pm.cfa(hs, HS_MODEL, estimator=est)),
            f"hs_{e}_metric": (f"by school, equal loadings, {est}",
                               lambda est=est: pm.cfa(hs, HS_MODEL, estimator=est,
                                                      group="school",
                                                      group_equal=["loadings"])),
            f"bfi_{e}_metric": (f"bfi by gender, equal loadings, {est}",
                                lambda est=est: pm.cfa(bfi, BFI_MODEL, estimator=est,
                                                       group="gender",
                                                       group_equal=["loadings"])),
            f"pd_{e}": (f"PoliticalDemocracy, lavaan::sem, {est}",
                        lambda est=est: sem(pol, PD_MODEL, estimator=est)),
        })
    cases.update({
        "hs_ineq_slack": ("a > 0, b > a + 0.1 (slack: the unconstrained fit)",
                          lambda: pm.cfa(hs, HS_LAB + "\na > 0\nb > a + 0.1")),
        "hs_ineq_bind": ("a > 0.8 (binding)", lambda: pm.cfa(hs, HS_LAB + "\na > 0.8")),
        "hs_ineq_order": ("b < a (binding)", lambda: pm.cfa(hs, HS_LAB + "\nb < a")),
        "hs_uls_ineq_var": ("ULS, residual variance v < 0.3 (binding)",
                            lambda: pm.cfa(hs, HS_MODEL + "\nx5 ~~ v*x5\nv < 0.3",
                                           estimator="ULS")),
        "hs_ineq_heywood": ("Heywood case (x8's residual variance) held by v > 0",
                            lambda: pm.cfa(hs, "visual =~ x1 + x2 + x3 + x9\n"
                                           "textual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
                                           "x7 ~~ x8\nx8 ~~ v*x8\nv > 0")),
        "hs_gls_ineq_groups": ("GLS by school, a1 > a2 on c(a1, a2)*x2 (binding)",
                               lambda: pm.cfa(hs, HS_MODEL.replace("x1 + x2",
                                                                   "x1 + c(a1, a2)*x2")
                                              + "\na1 > a2", estimator="GLS",
                                              group="school")),
    })
    for name, (note, fit) in cases.items():
        if not (REF / "sem" / f"lsq_{name}_fit.csv").is_file():
            continue

        def compute(case: Case, name: str = name, fit: Callable[[], Any] = fit) -> None:
            res = fit()
            r_fit = pd.read_csv(REF / "sem" / f"lsq_{name}_fit.csv").set_index("measure")
            for measure in _SHOWN:
                case.scalar(measure, r_fit.loc[measure, "value"],
                            res.fit[measure.replace(".", "_")])
            r_est = pd.read_csv(REF / "sem" / f"lsq_{name}_estimates.csv")
            keys = ["lhs", "op", "rhs"] + (["group"] if "group" in r_est else [])
            ours = res.estimates.copy()
            for frame in (r_est, ours):
                frame[keys] = frame[keys].fillna("").astype(str)
            both = r_est.merge(ours, on=keys, suffixes=("_r", "_py"))
            if len(both) != len(r_est):
                raise ValueError(f"{len(r_est)} parameters in lavaan, {len(both)} matched")
            pinned = both["se_r"].isna() & (both["se_py"] == 0)
            both.loc[pinned, "se_r"] = 0.0
            # a correlation over a residual variance held at 0 is undefined (NaN here;
            # lavaan divides by its -8e-11)
            undefined = both["std_all"].isna() & (both["std.all"].abs() > 1e3)
            both.loc[undefined, "std.all"] = float("nan")
            for col_r, col_py, label in [("est_r", "est_py", "estimates"),
                                         ("se_r", "se_py", "standard errors"),
                                         ("std.all", "std_all", "standardized (std.all)")]:
                case.matrix(label, both[col_r].to_numpy(dtype=float),
                            both[col_py].to_numpy(dtype=float))

        _run(area, f"lsq_{name}", note, compute)
    return area


AREAS = [least_squares_area]
