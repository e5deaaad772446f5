"""The "Validation against R" page: R's numbers beside the package's, computed at build time.

R's results are the fixtures committed under ``tests/reference/`` (written by the R scripts
there from psych 2.2.9 and lavaan 0.6.14 on public data sets); the package's results are
computed when the page is built, from the same data files. Nothing is copied by hand, so
the page shows the agreement of the code that is being documented. A comparison that fails
to run is shown as such, never dropped.
"""

from __future__ import annotations

import json
import math
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _gen.markdown import table

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "tests" / "reference"
DATA = REF / "data"
HS_ITEMS = [f"x{i}" for i in range(1, 10)]
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL = "\n".join(f"{f} =~ " + " + ".join(f"{f}{i}" for i in range(1, 6)) for f in "ACENO")
HARMAN_N = 145  # datasets::Harman74.cor$n.obs


@dataclass
class Row:
    statistic: str
    r: Any
    py: Any
    diff: float


@dataclass
class Case:
    title: str
    note: str = ""
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    # a difference from R that is explained under "Known differences" (and pinned by a test)
    known_difference: bool = False

    def scalar(self, name: str, r: Any, py: Any) -> None:
        r_, p_ = _num(r), _num(py)
        if math.isnan(r_) and math.isnan(p_):
            diff = 0.0  # both undefined (e.g. psych's NA for one pair): they agree
        else:
            diff = abs(r_ - p_)
        self.rows.append(Row(name, r_, p_, diff))

    def matrix(self, name: str, r: Any, py: Any) -> None:
        a = np.asarray(r, dtype=float)
        b = np.asarray(py, dtype=float)
        if a.shape != b.shape:
            self.rows.append(Row(name, f"shape {a.shape}", f"shape {b.shape}", math.inf))
            return
        both = ~(np.isnan(a) & np.isnan(b))
        d = np.abs(a - b)[both]
        diff = float(np.nanmax(d)) if d.size else 0.0
        if np.isnan(d).any():  # one side undefined where the other is not
            diff = math.inf
        shape = " × ".join(map(str, a.shape))
        self.rows.append(Row(f"{name} ({shape}): largest difference", "table", "table",
                             diff))

    @property
    def worst(self) -> float:
        return max((r.diff for r in self.rows), default=math.nan)


@dataclass
class Area:
    title: str
    r_function: str
    tolerance: float
    tolerance_note: str
    intro: str
    cases: list[Case] = field(default_factory=list)
    seconds: float = 0.0


def _num(x: Any) -> float:
    if x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _frame(rec: dict[str, Any]) -> np.ndarray:
    return np.array([[math.nan if v is None else v for v in row] for row in rec["data"]],
                    dtype=float)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def _factor_data() -> dict[str, pd.DataFrame]:
    """The data of the factor-analysis fixtures: bfi's 25 items, the nine
    Holzinger-Swineford tests, and Harman's correlation matrix of 24 tests."""
    harman = _read("Harman74_cor.csv")
    harman.index = harman.columns
    return {"bfi": _read("bfi.csv").iloc[:, :25],
            "hs": _read("HolzingerSwineford1939.csv")[HS_ITEMS], "harman74": harman}


def _run(area: Area, title: str, note: str, fn: Callable[[Case], None]) -> None:
    case = Case(title, note)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn(case)
        said = sorted({str(w.message).split(";")[0] for w in caught})
        if said:
            case.note += (" — " if case.note else "") + "package warning: " + "; ".join(
                said)
    except Exception as exc:  # shown on the page, never hidden
        case.error = f"{type(exc).__name__}: {exc}"
        case.rows.clear()
        tb = traceback.format_exc(limit=3)
        case.note += f" (failed: {tb.strip().splitlines()[-1]})"
    area.cases.append(case)


# ---------------------------------------------------------------------------------------------
# areas
# ---------------------------------------------------------------------------------------------


def alpha_area() -> Area:
    import psychometrics as pm

    area = Area("Cronbach's alpha", "psych::alpha", 1e-9, "closed form",
                "Every total statistic, the Feldt and Duhachek intervals, and the tables of "
                "alpha if an item is dropped and of item statistics.")
    ref = json.loads((REF / "reliability" / "alpha.json").read_text())
    bfi = _read("bfi.csv")
    sources = {"bfi": bfi, "lsat6": _read("lsat6.csv"),
               "hs": _read("HolzingerSwineford1939.csv")}
    totals = [("raw_alpha", "raw_alpha"), ("std.alpha", "std_alpha"), ("G6(smc)", "g6"),
              ("average_r", "average_r"), ("S/N", "signal_noise"), ("ase", "ase"),
              ("mean", "mean"), ("sd", "sd"), ("median_r", "median_r")]
    for name, rec in ref.items():
        if name == "convention":
            continue

        def compute(case: Case, name: str = name, rec: dict[str, Any] = rec) -> None:
            src = sources[name.split("_")[0].removesuffix("25")]
            if name == "bfi_A_const":
                x = bfi[["A2", "A3", "A4", "A5"]].assign(const=3)
            else:
                x = src[rec["items"]]
            if "listwise" in name:
                x = x.dropna()
            keys = rec["keys"]
            keys = [keys] if isinstance(keys, str) else keys
            res = pm.alpha(x, keys=keys)
            for r_name, py_name in totals:
                case.scalar(r_name, rec["total"][r_name], getattr(res, py_name))
            case.scalar("Feldt 95% lower", rec["feldt"]["lower"], res.ci.lower)
            case.scalar("Feldt 95% upper", rec["feldt"]["upper"], res.ci.upper)
            duh = pm.alpha(x, keys=keys, ci_method="duhachek").ci
            case.scalar("Duhachek 95% lower", rec["duhachek"]["lower"], duh.lower)
            case.scalar("Duhachek 95% upper", rec["duhachek"]["upper"], duh.upper)
            case.matrix("alpha if an item is dropped", _frame(rec["alpha_drop"]),
                        res.alpha_if_deleted.to_numpy(dtype=float))
            case.matrix("item statistics", _frame(rec["item_stats"]),
                        res.item_stats.to_numpy(dtype=float))

        _run(area, name, rec.get("note", ""), compute)
    return area


def omega_area() -> Area:
    import psychometrics as pm

    area = Area("McDonald's omega", "psych::omega", 1e-6, "iterative (minres, oblimin)",
                "Omega total and hierarchical, its asymptotic limit, alpha, G6, ECV and the "
                "Schmid-Leiman loadings.")
    ref = json.loads((REF / "omega" / "omega.json").read_text())
    data = _factor_data()
    for rec in ref:
        if rec["data"] not in ("hs", "bfi", "harman74"):
            continue  # ordinal omega needs polychoric input; it is in the test suite

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            rotation = rec["rotate"]
            kw = {"n_obs": HARMAN_N} if rec["data"] == "harman74" else {}
            res = pm.omega(data[rec["data"]], n_factors=rec["nfactors"], rotation=rotation, **kw)
            case.scalar("omega total", rec["omega.tot"], res.omega_total)
            if rec["nfactors"] > 1:
                case.scalar("omega hierarchical", rec["omega_h"], res.omega_hierarchical)
                case.scalar("omega limit", rec["omega.lim"], res.omega_limit)
                case.scalar("ECV", rec["ECV"], res.ecv)
            case.scalar("alpha (standardized)", rec["alpha"], res.alpha)
            case.scalar("G6", rec["G6"], res.g6)
            if rec["nfactors"] > 1:
                sl = _frame(rec["sl"])
                case.matrix("Schmid-Leiman loadings", sl,
                            res.loadings.to_numpy(dtype=float)[:, : sl.shape[1]])

        label = f"{rec['data']}, {rec['nfactors']} factor(s), {rec['rotate']}"
        _run(area, label, "", compute)
    return area


def adequacy_area() -> Area:
    import psychometrics as pm

    area = Area("Sampling adequacy", "psych::KMO, psych::cortest.bartlett", 1e-8,
                "closed form", "Overall and per-item MSA; Bartlett's chi-square, df and p.")
    ref = json.loads((REF / "efa" / "adequacy.json").read_text())
    data = _factor_data()
    for name, rec in ref.items():

        def compute(case: Case, name: str = name, rec: dict[str, Any] = rec) -> None:
            x = data[name]
            k = pm.kmo(x)
            case.scalar("KMO overall MSA", rec["MSA"], k.msa)
            case.matrix("MSA per item", list(rec["MSAi"].values()),
                        k.msa_items.to_numpy(dtype=float))
            b = pm.bartlett(x, n_obs=rec["n"]) if name == "harman74" else pm.bartlett(x)
            case.scalar("Bartlett chi-square", rec["chisq"], b.chi2)
            case.scalar("Bartlett df", rec["df"], b.dof)
            case.scalar("Bartlett p", rec["p"], b.p_value)

        _run(area, name, "", compute)
    return area


def efa_area() -> Area:
    import psychometrics as pm

    area = Area("Exploratory factor analysis", "psych::fa (with GPArotation)", 1e-6,
                "loadings after psych's ordering and signs; fit statistics",
                "Loadings, communalities and the fit statistics for three extraction "
                "methods and five rotations.")
    ref = json.loads((REF / "efa" / "fa.json").read_text())
    data = _factor_data()
    for rec in ref:
        if "scores_method" in rec:
            continue  # the same solutions again, for factor scores (in the test suite)

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            name = rec["data"]
            rot = None if rec["rotate"] == "none" else rec["rotate"]
            kw = ({"n_obs": HARMAN_N} if name == "harman74" else
                  {"missing": "listwise"} if name == "bfi_listwise" else {})
            res = pm.efa(data[name.removesuffix("_listwise")], rec["nfactors"],
                         method=rec["fm"], rotation=rot, **kw)
            cols_r = rec["loadings"]["cols"]
            cols_r = [cols_r] if isinstance(cols_r, str) else cols_r
            r_load = pd.DataFrame(_frame(rec["loadings"]), columns=cols_r)
            cols = [c for c in r_load.columns if c in res.loadings.columns]
            py = (res.loadings[cols] if len(cols) == r_load.shape[1] else res.loadings)
            case.matrix("loadings", r_load.to_numpy(), py.to_numpy(dtype=float))
            case.matrix("communalities", rec["communality"],
                        res.communalities.to_numpy(dtype=float))
            case.scalar("objective", rec["objective"], res.objective)
            case.scalar("chi-square (likelihood)", rec["STATISTIC"], res.chi2)
            case.scalar("df", rec["dof"], res.dof)
            rmsea = rec["RMSEA"] or [None, None, None]
            case.scalar("RMSEA", rmsea[0], res.rmsea)
            case.scalar("TLI", rec["TLI"], res.tli)
            case.scalar("BIC", rec["BIC"], res.bic)
            case.scalar("RMSR", rec["rms"], res.rmsr)

        label = f"{rec['data']}, {rec['nfactors']} factor(s), {rec['fm']}, {rec['rotate']}"
        _run(area, label, "", compute)
    return area


def parallel_area() -> Area:
    import psychometrics as pm

    area = Area("Parallel analysis", "psych::fa.parallel", 1e-6,
                "observed eigenvalues (the simulated ones are random: compared in "
                "distribution in the test suite)",
                "The observed eigenvalues of components and of factors, which decide "
                "retention together with the simulated ones.")
    ref = json.loads((REF / "efa" / "parallel.json").read_text())
    data = _factor_data()
    for name, rec in ref.items():

        def compute(case: Case, name: str = name, rec: dict[str, Any] = rec) -> None:
            kw = {"n_obs": HARMAN_N} if name == "harman74" else {}
            res = pm.parallel_analysis(data[name], n_iter=20, seed=1, **kw)
            case.matrix("component eigenvalues", rec["pc.values"],
                        res.eigenvalues["pc_observed"].to_numpy())
            case.matrix("factor eigenvalues", rec["fa.values"],
                        res.eigenvalues["fa_observed"].to_numpy())

        _run(area, name, "", compute)
    return area


_FIT_NAMES = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik", "bic2": "sabic",
              "ntotal": "n"}
_FIT_SHOWN = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "logl", "aic", "bic", "baseline.chisq"]


def lavaan_case(case: Case, res: Any, folder: str, name: str, measures: list[str]) -> None:
    """Compare a fitted model with lavaan's fixtures ``<folder>/<name>_fit.csv`` and
    ``_estimates.csv``: the fit measures shown, then every parameter matched by
    ``lhs op rhs`` (and group) for estimates, standard errors and std.all."""
    r_fit = pd.read_csv(REF / folder / f"{name}_fit.csv").set_index("measure")["value"]
    for measure in measures:
        ours = _FIT_NAMES.get(measure, measure.replace(".", "_"))
        if measure in r_fit.index and ours in res.fit.index:
            case.scalar(measure, r_fit[measure], res.fit[ours])
    r_est = pd.read_csv(REF / folder / f"{name}_estimates.csv")
    keys = ["lhs", "op", "rhs"] + (["group"] if "group" in r_est else [])
    ours = res.estimates.copy()
    for frame in (r_est, ours):  # intercepts (x1 ~1) have an empty rhs
        frame[keys] = frame[keys].fillna("").astype(str)
    both = r_est.merge(ours, on=keys, suffixes=("_r", "_py"))
    if len(both) != len(r_est):
        raise ValueError(f"{len(r_est)} parameters in lavaan, {len(both)} matched")
    for col_r, col_py, label in [("est_r", "est_py", "estimates"),
                                 ("se_r", "se_py", "standard errors"),
                                 ("std.all", "std_all", "standardized (std.all)")]:
        case.matrix(label, both[col_r].to_numpy(dtype=float),
                    both[col_py].to_numpy(dtype=float))


def cfa_area() -> Area:
    import psychometrics as pm

    area = Area("Confirmatory factor analysis", "lavaan::cfa", 1e-4,
                "estimates and standard errors; the fit measures are held to 1e-5",
                "The fit measures and every parameter estimate (estimate, standard error, "
                "completely standardized value), matched by parameter.")
    hs = _read("HolzingerSwineford1939.csv")
    hsm = _read("HolzingerSwineford1939_mcar.csv")
    bfi = _read("bfi.csv")
    cases: dict[str, tuple[str, Callable[[], Any]]] = {
        "hs": ("Holzinger-Swineford, 3 factors",
               lambda: pm.cfa(hs, HS_MODEL)),
        "hs_stdlv": ("the same with std.lv = TRUE",
                     lambda: pm.cfa(hs, HS_MODEL, std_lv=True)),
        "hs_rescov": ("with a residual covariance x7 ~~ x8",
                      lambda: pm.cfa(hs, "x7 ~~ x8\n" + HS_MODEL)),
        "hs_labels": ("equality constraint and a fixed factor covariance",
                      lambda: pm.cfa(hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + b*x5 + "
                                         "b*x6\nspeed =~ x7 + x8 + x9\nvisual ~~ 0*speed")),
        "hs_cov": ("from the covariance matrix and n",
                   lambda: pm.cfa(hs[HS_ITEMS].cov(), HS_MODEL, n_obs=len(hs))),
        "hs_fiml": ("FIML, 12% of answers missing at random",
                    lambda: pm.cfa(hsm, HS_MODEL, missing="fiml")),
        "hs_fiml_complete": ("FIML on complete data (mean structure)",
                             lambda: pm.cfa(hs, HS_MODEL, missing="fiml")),
        "bfi_fiml": ("bfi, 5 factors, FIML with missing answers",
                     lambda: pm.cfa(bfi, BFI_MODEL, missing="fiml")),
        "bfi_listwise": ("bfi, 5 factors, listwise",
                         lambda: pm.cfa(bfi, BFI_MODEL)),
    }
    for name, (note, fit) in cases.items():
        if not (REF / "cfa" / f"{name}_fit.csv").is_file():
            continue

        def compute(case: Case, name: str = name, fit: Callable[[], Any] = fit) -> None:
            lavaan_case(case, fit(), "cfa", name, _FIT_SHOWN)

        _run(area, name, note, compute)
    return area


_SCALED_SHOWN = ["chisq.scaled", "chisq.scaling.factor", "pvalue.scaled", "cfi.robust",
                 "tli.robust", "rmsea.robust"]


def sem_area() -> Area:
    import psychometrics as pm
    from psychometrics.structural import sem

    area = Area("Multi-group, robust and structural models", "lavaan::cfa / sem / lavTestLRT",
                1e-4, "estimates and standard errors; fit measures 1e-5, scaled chi-squares "
                "relative 1e-7 and scaled differences relative 1e-6",
                "Fit measures (with the scaled and robust ones of MLM/MLR), every parameter "
                "estimate matched by parameter and group, and the likelihood-ratio tests of "
                "an invariance ladder. Fixtures from tests/reference/sem.R.")
    hs = _read("HolzingerSwineford1939.csv")
    bfi = _read("bfi.csv")
    pol = _read("PoliticalDemocracy.csv")
    pd_model = ("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\n"
                "dem65 =~ y5 + a*y6 + b*y7 + c*y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\n"
                "y1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8")
    school = {"group": "school"}
    cases: dict[str, tuple[str, Callable[[], Any]]] = {
        "hs_configural": ("Holzinger-Swineford by school: configural",
                          lambda: pm.cfa(hs, HS_MODEL, **school)),
        "hs_metric": ("by school: equal loadings",
                      lambda: pm.cfa(hs, HS_MODEL, **school, group_equal=["loadings"])),
        "hs_scalar": ("by school: equal loadings and intercepts",
                      lambda: pm.cfa(hs, HS_MODEL, **school,
                                     group_equal=["loadings", "intercepts"])),
        "hs_strict": ("by school: + equal residual variances",
                      lambda: pm.cfa(hs, HS_MODEL, **school,
                                     group_equal=["loadings", "intercepts", "residuals"])),
        "hs_partial": ("by school: partial invariance (x3 ~ 1, visual =~ x2 free)",
                       lambda: pm.cfa(hs, HS_MODEL, **school,
                                      group_equal=["loadings", "intercepts"],
                                      group_partial=["x3 ~ 1", "visual =~ x2"])),
        "bfi_scalar": ("bfi by gender: equal loadings and intercepts",
                       lambda: pm.cfa(bfi, BFI_MODEL, group="gender",
                                      group_equal=["loadings", "intercepts"])),
        "bfi_mlr_scalar": ("bfi by gender, equal loadings and intercepts, MLR",
                           lambda: pm.cfa(bfi, BFI_MODEL, group="gender", estimator="MLR",
                                          group_equal=["loadings", "intercepts"])),
        "hs_mlm": ("Holzinger-Swineford, MLM (Satorra-Bentler)",
                   lambda: pm.cfa(hs, HS_MODEL, estimator="MLM")),
        "hs_mlr_scalar": ("by school, equal loadings and intercepts, MLR",
                          lambda: pm.cfa(hs, HS_MODEL, **school, estimator="MLR",
                                         group_equal=["loadings", "intercepts"])),
        "pd": ("PoliticalDemocracy (Bollen), lavaan::sem",
               lambda: sem(pol, pd_model)),
    }
    for name, (note, fit) in cases.items():
        if not (REF / "sem" / f"{name}_fit.csv").is_file():
            continue

        def compute(case: Case, name: str = name, fit: Callable[[], Any] = fit) -> None:
            lavaan_case(case, fit(), "sem", name, _FIT_SHOWN + _SCALED_SHOWN)

        _run(area, name, note, compute)

    ladders = {
        "hs_ladder": ("lavTestLRT: configural, metric, scalar, strict (ML)", [
            {}, {"group_equal": ["loadings"]}, {"group_equal": ["loadings", "intercepts"]},
            {"group_equal": ["loadings", "intercepts", "residuals"]}], "ML"),
        "hs_mlr_ladder": ("lavTestLRT: configural, metric, scalar (MLR, Satorra-Bentler 2001)",
                          [{}, {"group_equal": ["loadings"]},
                           {"group_equal": ["loadings", "intercepts"]}], "MLR"),
    }
    for name, (note, steps, estimator) in ladders.items():
        if not (REF / "sem" / f"lrt_{name}.csv").is_file():
            continue

        def compare(case: Case, name: str = name, steps: list[dict[str, Any]] = steps,
                    estimator: str = estimator) -> None:
            ref = pd.read_csv(REF / "sem" / f"lrt_{name}.csv")
            table = pm.lrt(*[pm.cfa(hs, HS_MODEL, **school, estimator=estimator, **kw)
                             for kw in steps])
            for r_col, col in [("Chisq", "chisq"), ("Chisq diff", "chisq_diff"),
                               ("Df diff", "df_diff"), ("Pr(>Chisq)", "pvalue")]:
                case.matrix(col, ref[r_col].to_numpy(dtype=float)[1:],
                            table[col].to_numpy(dtype=float)[1:])

        _run(area, "lrt_" + name, note, compare)
    return area


def polychoric_area() -> Area:
    import psychometrics as pm

    area = Area("Polychoric correlations", "psych::polychoric", 1e-8, "iterative (ML per pair)",
                "Correlations and thresholds.")
    ref = json.loads((REF / "reliability" / "polychoric.json").read_text())
    data = {"bfi25": _read("bfi.csv"), "lsat6": _read("lsat6.csv")}
    for name in ("bfi25", "lsat6"):
        if name not in ref:
            continue
        rec = ref[name]

        def compute(case: Case, rec: dict[str, Any] = rec, name: str = name) -> None:
            res = pm.polychoric(data[name][rec["items"]], correct=rec["correct"])
            case.matrix("correlations", _frame(rec["rho"]), res.rho.to_numpy(dtype=float))
            tau = _frame(rec["tau"])
            ours = res.tau.to_numpy(dtype=float)[:, : tau.shape[1]]
            case.matrix("thresholds", tau, ours)

        _run(area, name, rec.get("note", ""), compute)
    return area


def evaluation_area() -> Area:
    import psychometrics as pm

    area = Area("Effect sizes, group comparisons and change",
                "t.test, wilcox.test, oneway.test, kruskal.test, lm, effectsize", 1e-4,
                "1e-6 for tests and estimates, 1e-4 for interval limits",
                "Welch and Student t, Mann-Whitney and signed-rank tests (`correct=TRUE`), "
                "Welch's ANOVA, Kruskal-Wallis, the interaction of two crossed factors, "
                "and effectsize 0.8.3's Cohen's d, Hedges' g, Glass's delta, rank-biserial "
                "and Cliff's delta with their intervals (d_av and d_rm: the formulas of "
                "later effectsize versions, written out in the R script).")
    ref_dir = REF / "evaluation"
    two = json.loads((ref_dir / "two_groups.json").read_text())
    for name, rec in two.items():

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            df = _read(f"{rec['data']}.csv")
            res = pm.compare_groups(df, rec["score"], rec["by"], ci=rec["ci"])
            row = res.table.set_index(["group_1", "group_2"]).loc[
                (rec["group_1"], rec["group_2"])]
            for col in ("welch_t", "welch_df", "welch_p", "student_t", "student_p",
                        "mann_whitney_u", "mann_whitney_p"):
                case.scalar(col, rec[col], row[col])
            x = df.loc[df[rec["by"]] == rec["group_1"], rec["score"]]
            y = df.loc[df[rec["by"]] == rec["group_2"], rec["score"]]
            for kind in ("cohen_d", "hedges_g", "glass_delta", "rank_biserial",
                         "cliffs_delta"):
                es = pm.effect_size(x, y, kind=kind, ci=rec["ci"])
                case.scalar(kind, rec[kind]["estimate"], es.estimate)
                case.scalar(f"{kind} lower", rec[kind]["lower"], es.ci_lower)
                case.scalar(f"{kind} upper", rec[kind]["upper"], es.ci_upper)

        _run(area, f"two groups: {name}", f"{rec['score']} by {rec['by']}", compute)
    for name, rec in json.loads((ref_dir / "omnibus.json").read_text()).items():

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            df = _read(f"{rec['data']}.csv").dropna(subset=[rec["score"]])
            if rec["by"] == "education":
                df["education"] = df["education"].map(
                    lambda e: np.nan if pd.isna(e) else f"edu{int(e)}")
            row = pm.compare_groups(df, rec["score"], rec["by"]).omnibus.iloc[0]
            for col in ("welch_f", "welch_df2", "welch_p", "kruskal_h", "kruskal_p"):
                case.scalar(col, rec[col], row[col])

        _run(area, f"more groups: {name}", f"{rec['score']} by {rec['by']}", compute)
    for name, rec in json.loads((ref_dir / "crossed.json").read_text()).items():

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            fa, fb = rec["by"]
            res = pm.compare_groups(_read(f"{rec['data']}.csv"), rec["score"], [fa, fb])
            inter = res.interaction.set_index([f"{fa}_1", f"{fa}_2", f"{fb}_1", f"{fb}_2"])
            for want in rec["interaction"]:
                got = inter.loc[(want["a_1"], want["a_2"], want["b_1"], want["b_2"])]
                label = f"{want['a_2']}-{want['a_1']} x {want['b_2']}-{want['b_1']}"
                case.scalar(f"interaction {label}", want["estimate"], got["interaction"])
                case.scalar(f"lower {label}", want["lower"], got["interaction_lower"])
                case.scalar(f"p {label}", want["p"], got["pvalue"])

        _run(area, f"crossed: {name}", f"{rec['score']} by {' x '.join(rec['by'])}", compute)
    for name, rec in json.loads((ref_dir / "paired.json").read_text()).items():

        def compute(case: Case, rec: dict[str, Any] = rec) -> None:
            df = _read(f"{rec['data']}.csv")
            if "rows" in rec:
                df = df.iloc[: rec["rows"]]
            res = pm.change(df[rec["pre"]], df[rec["post"]], ci=rec["ci"])
            for col in ("mean_diff", "mean_diff_lower", "t", "pvalue", "wilcoxon_v",
                        "wilcoxon_p"):
                case.scalar(col, rec[col], getattr(res, col))
            for kind in ("d_z", "d_av", "d_rm"):
                case.scalar(kind, rec[kind]["estimate"], getattr(res, kind))
                case.scalar(f"{kind} lower", rec[kind]["lower"], getattr(res, f"{kind}_lower"))
                case.scalar(f"{kind} upper", rec[kind]["upper"], getattr(res, f"{kind}_upper"))

        _run(area, f"paired: {name}", f"{rec['pre']} to {rec['post']}", compute)
    props = json.loads((ref_dir / "proportions.json").read_text())

    def compute_props(case: Case) -> None:
        for rec in props["one"]:
            p = pm.proportion(rec["k"], rec["n"])
            for col in ("wilson_lower", "wilson_upper", "clopper_pearson_lower",
                        "clopper_pearson_upper"):
                case.scalar(f"{rec['k']}/{rec['n']} {col}", rec[col], getattr(p, col))
        for rec in props["two"]:
            d = pm.compare_proportions(rec["k_1"], rec["n_1"], rec["k_2"], rec["n_2"])
            what = f"{rec['k_1']}/{rec['n_1']} vs {rec['k_2']}/{rec['n_2']}"
            case.scalar(f"{what} Newcombe lower", rec["newcombe_lower"], d.newcombe_lower)
            case.scalar(f"{what} Newcombe upper", rec["newcombe_upper"], d.newcombe_upper)
            case.scalar(f"{what} Fisher p", rec["fisher_p"], d.fisher_p)

    _run(area, "proportions", "prop.test (Wilson), binom.test, fisher.test", compute_props)
    return area


AREAS: list[Callable[[], Area]] = [alpha_area, omega_area, polychoric_area, adequacy_area,
                                   parallel_area, efa_area, cfa_area, sem_area, evaluation_area]


def _all_areas() -> list[Callable[[], Area]]:
    from _gen import parity_efa, parity_exogenous, parity_invariance, parity_lsq, parity_ordinal

    return [*AREAS, *parity_ordinal.AREAS, *parity_efa.AREAS, *parity_exogenous.AREAS,
            *parity_lsq.AREAS, *parity_invariance.AREAS]


def compute_areas() -> Iterator[Area]:
    for make in _all_areas():
        start = time.perf_counter()
        try:
            area = make()
        except Exception as exc:
            area = Area(make.__name__.removesuffix("_area"), "", math.nan, "", "")
            area.cases.append(Case("(all)", error=f"{type(exc).__name__}: {exc}"))
        area.seconds = time.perf_counter() - start
        yield area


# ---------------------------------------------------------------------------------------------
# page
# ---------------------------------------------------------------------------------------------


def _show(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    return f"{v:.6f}" if abs(v) < 1e5 else f"{v:.2f}"


def _diff(d: float) -> str:
    if math.isinf(d):
        return "mismatch"
    if math.isnan(d):
        return "–"
    return "0" if d == 0 else f"{d:.1e}"


def page() -> str:
    from psychometrics import __version__

    areas = list(compute_areas())
    n_cases = sum(len(a.cases) for a in areas)
    n_rows = sum(len(c.rows) for a in areas for c in a.cases)
    failed = [(a, c) for a in areas for c in a.cases if c.error]
    outside = [(a, c) for a in areas for c in a.cases
               if not c.error and not math.isnan(a.tolerance) and c.worst > a.tolerance
               and not c.known_difference]
    md = [
        "# Validation against R",
        "",
        "Each statistic of the package is tested against R's reference implementation: "
        "**psych 2.2.9** and **lavaan 0.6.14** (with GPArotation), R's stats and "
        "**effectsize 0.8.3**, on public data sets shipped with them (`psych::bfi` with "
        "its missing values, `psych::lsat6`, `lavaan::HolzingerSwineford1939`, "
        "`datasets::Harman74.cor`, `mtcars`, `PlantGrowth`, `ToothGrowth`, `sleep`, "
        "`MASS::immer`). The R scripts and "
        "their outputs are in `tests/reference/` of the source repository; the test suite "
        "compares every value with the tolerance stated below.",
        "",
        f"This page is **generated when the documentation is built**: R's numbers come "
        f"from those committed files, the package's numbers (psychometrics {__version__}) "
        f"are computed from the same data at build time. Nothing here is typed by hand.",
        "",
        f"**{n_cases} cases, {n_rows} comparisons.** "
        + (f"{len(outside)} case(s) differ by more than the tolerance. " if outside else
           "Every comparison is within its tolerance. ")
        + (f"{len(failed)} case(s) could not be computed (shown below). " if failed else ""),
        "",
        "Tables (loadings, item statistics, estimates) are summarised by their largest "
        "absolute difference over all cells. *NA* means the value is undefined in both "
        "(for example psych's `var.r` with three items).",
        "",
        table(["statistic", "R function", "cases", "largest difference", "tolerance",
               "within"],
              [(a.title, f"`{a.r_function}`" if a.r_function else "", len(a.cases),
                _diff(max((c.worst for c in a.cases if not c.error), default=math.nan)),
                f"{a.tolerance:g} ({a.tolerance_note})" if not math.isnan(a.tolerance)
                else "", _within(a)) for a in areas],
              ["l", "l", "r", "r", "l", "l"]),
    ]
    for a in areas:
        md += [f"## {a.title}", "", f"R: `{a.r_function}`. {a.intro} Tolerance in the test "
               f"suite: {a.tolerance:g} ({a.tolerance_note}).", ""]
        md.append(table(["case", "comparisons", "largest difference", "within tolerance"],
                        [(c.title, len(c.rows), _diff(c.worst) if not c.error else "error",
                          ("error: " + c.error) if c.error else
                          ("yes" if c.worst <= a.tolerance else
                           "no: a known difference (below)" if c.known_difference
                           else "**no**"))
                         for c in a.cases], ["l", "r", "r", "l"]))
        for c in a.cases:
            if c.error or not c.rows:
                continue
            body = table(["statistic", "R", "psychometrics", "|difference|"],
                         [(r.statistic, _show(r.r), _show(r.py), _diff(r.diff))
                          for r in c.rows], ["l", "r", "r", "r"])
            note = f" ({c.note})".replace('"', "'") if c.note else ""
            md += [f'??? note "{c.title}{note}"', "",
                   "    " + body.rstrip().replace("\n", "\n    "), ""]
    from _gen import parity_efa

    md.append(parity_efa.KNOWN_DIFFERENCES)
    return "\n".join(md) + "\n"


def _within(a: Area) -> str:
    if any(c.error for c in a.cases):
        return "errors"
    if math.isnan(a.tolerance):
        return ""
    bad = sum(c.worst > a.tolerance and not c.known_difference for c in a.cases)
    return "all" if bad == 0 else f"{len(a.cases) - bad} of {len(a.cases)}"
