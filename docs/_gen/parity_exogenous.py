"""The area of the "Validation against R" page for regressions on observed covariates
(lavaan's ``fixed.x = TRUE``) and for the robust fit indices under FIML. Imported by
:mod:`_gen.parity`, which renders it like its own areas. Fixtures:
tests/reference/sem_exogenous.R (and sem.R for the FIML robust indices)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from _gen.parity import HS_MODEL, REF, Area, Case, _read, _run

MIMIC = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
         "visual ~ ageyr + female\ntextual ~ ageyr + female")
PATH = "y5 ~ y1 + x1\ny1 ~ x1 + x2"
_FIT = ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "baseline.chisq",
        "baseline.df"]
_ROBUST = ["chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust",
           "rmsea.robust"]
_NAMES = {"logl": "loglik"}


def _hs() -> pd.DataFrame:
    hs = _read("HolzingerSwineford1939.csv")
    return hs.assign(female=(hs["sex"] == 2).astype(float))


def _hs_mcar() -> pd.DataFrame:
    hs = _hs().set_index("id")
    data = _read("HolzingerSwineford1939_mcar.csv")
    return data.assign(ageyr=hs.loc[data["id"], "ageyr"].to_numpy(),
                       female=hs.loc[data["id"], "female"].to_numpy())


def _compare(case: Case, res: Any, folder: str, name: str, measures: list[str]) -> None:
    r_fit = pd.read_csv(REF / folder / f"{name}_fit.csv").set_index("measure")["value"]
    for measure in measures:
        ours = _NAMES.get(measure, measure.replace(".", "_"))
        if measure in r_fit.index:
            case.scalar(measure, r_fit[measure], res.fit[ours])
    r_est = pd.read_csv(REF / folder / f"{name}_estimates.csv", keep_default_na=False,
                        na_values=["NA"])
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in r_est else [])
    ours = res.estimates.copy()
    for frame in (r_est, ours):
        frame[keys] = frame[keys].fillna("").astype(str)
    both = r_est.merge(ours, on=keys, suffixes=("_r", "_py"))
    if len(both) != len(r_est):
        raise ValueError(f"{len(r_est)} parameters in lavaan, {len(both)} matched")
    for col_r, col_py, label in [("est_r", "est_py", "estimates (covariates fixed)"),
                                 ("se_r", "se_py", "standard errors"),
                                 ("std.all", "std_all", "std.all"),
                                 ("std.nox", "std_nox", "std.nox")]:
        case.matrix(label, both[col_r].to_numpy(dtype=float),
                    both[col_py].to_numpy(dtype=float))


def exogenous_area() -> Area:
    import psychometrics as pm
    from psychometrics.structural import sem

    area = Area("Observed covariates (fixed.x) and FIML robust indices",
                "lavaan::sem (fixed.x = TRUE), fitMeasures", 1e-4,
                "estimates and standard errors; fit measures 1e-5",
                "Regressions on observed exogenous covariates with lavaan's defaults: the "
                "covariates' variances, covariances (and means) fixed at their sample "
                "values, not counted in df, kept by the baseline model. A MIMIC model on "
                "Holzinger-Swineford (age and sex as covariates), an observed path model on "
                "PoliticalDemocracy, by school, robust and FIML; and lavaan's "
                "FIML-corrected cfi.robust, tli.robust and rmsea.robust for MLR.")
    hs, pol, hsm = _hs(), _read("PoliticalDemocracy.csv"), _hs_mcar()
    school = {"group": "school"}
    cases: dict[str, tuple[str, Callable[[], Any], list[str]]] = {
        "mimic": ("MIMIC: visual, textual ~ age + female", lambda: sem(hs, MIMIC), _FIT),
        "mimic_means": ("MIMIC with a mean structure",
                        lambda: sem(hs, MIMIC, meanstructure=True), _FIT),
        "path": ("PoliticalDemocracy path model y5 ~ y1 + x1; y1 ~ x1 + x2",
                 lambda: sem(pol, PATH), _FIT),
        "mimic_groups_equal": ("MIMIC by school, equal loadings and regressions",
                               lambda: sem(hs, MIMIC, **school,
                                              group_equal=["loadings", "regressions"]), _FIT),
        "mimic_mlr": ("MIMIC, MLR", lambda: sem(hs, MIMIC, estimator="MLR"),
                      _FIT + _ROBUST),
        "mimic_mlm": ("MIMIC, MLM", lambda: sem(hs, MIMIC, estimator="MLM"),
                      _FIT + _ROBUST),
        "mimic_fiml_mlr": ("MIMIC, FIML (missing indicators), MLR",
                           lambda: sem(hsm, MIMIC, missing="fiml", estimator="MLR"),
                           _FIT + _ROBUST),
    }
    for name, (note, fit, measures) in cases.items():
        def compute(case: Case, name: str = name, fit: Callable[[], Any] = fit,
                    measures: list[str] = measures) -> None:
            _compare(case, fit(), "sem_exogenous", name, measures)

        _run(area, name, note, compute)

    hs_mcar = _read("HolzingerSwineford1939_mcar.csv")

    def fiml_robust(case: Case) -> None:
        res = pm.cfa(hs_mcar, HS_MODEL, missing="fiml", estimator="MLR")
        _compare(case, res, "sem", "hs_fiml_mlr",
                 [*_ROBUST, "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"])

    _run(area, "hs_fiml_mlr", "Holzinger-Swineford CFA, FIML, MLR: robust indices",
         fiml_robust)

    return area


AREAS = [exogenous_area]
