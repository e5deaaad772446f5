"""Measurement invariance: the configural - metric - scalar - strict ladder across groups
or waves, its decisions, partial invariance from score tests, and the small-group verdict.

Across groups every step is a multi-group :func:`~psychometrics.structural.engine.cfa` with
lavaan's ``group.equal`` (loadings; + intercepts; + residuals). Across waves the
longitudinal model is built here: the stacked data (one row per respondent and wave) are
matched by id into one wide row per respondent, every factor gets one copy per wave
(``F_t1``, ``F_t2``), the residuals of the same item are correlated across waves, and the
steps equate parameters across waves through shared labels; respondents present in some
waves only are kept (full-information ML). Each step is compared with the one before by
the (scaled) chi-square difference test of :func:`~psychometrics.structural.compare.lrt`
and by the change in CFI, RMSEA and SRMR.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from psychometrics.errors import DataValidationError, MissingColumnError, NumericalWarning
from psychometrics.results import ResultMixin, format_number
from psychometrics.structural.compare import lrt
from psychometrics.structural.engine import ESTIMATORS, cfa
from psychometrics.structural.errors import ModelError
from psychometrics.structural.instrument_model import resolve_model
from psychometrics.structural.partable import build_table, coerce_model
from psychometrics.structural.result import CFAResult
from psychometrics.structural.syntax import ModelSpec

__all__ = ["RULES", "STEPS", "InvarianceResult", "invariance"]

STEPS = ("configural", "metric", "scalar", "strict")
# What each step adds to the one before (lavaan's group.equal names).
_EQUAL = {"metric": ("loadings",), "scalar": ("intercepts",), "strict": ("residuals",)}

# A rule: (name, reference, the largest drop in CFI and rise in RMSEA / SRMR per step that
# still counts as invariant, and whether RMSEA/SRMR supplement CFI (Chen) or not).
RULES: dict[str, dict[str, Any]] = {
    "cheung_rensvold": {
        "text": "Cheung & Rensvold (2002): invariant when CFI drops by at most 0.010",
        "cfi": 0.010},
    "chen": {
        "text": "Chen (2007): not invariant when CFI drops by more than 0.010 and RMSEA "
                "rises by more than 0.015 or SRMR by more than {srmr:.3f}",
        "cfi": 0.010, "rmsea": 0.015,
        "srmr": {"metric": 0.030, "scalar": 0.010, "strict": 0.010}},
    "chisq": {"text": "chi-square difference test: invariant when p >= {alpha:g}"},
}

_TABLE = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff",
          "pvalue_diff", "delta_cfi", "delta_rmsea", "delta_srmr", "decision", "rule",
          "released"]


@dataclass(frozen=True)
class InvarianceResult(ResultMixin):
    """The invariance ladder: fits, comparisons, decisions and suggested releases.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by step (``configural``, ``metric``, ... and ``<step> (partial)`` where
        constraints were released): ``chisq, df, pvalue, cfi, tli, rmsea, srmr`` of the
        model, ``chisq_diff, df_diff, pvalue_diff`` against the step before (scaled for a
        robust estimator, as :func:`~psychometrics.structural.compare.lrt`),
        ``delta_cfi, delta_rmsea, delta_srmr`` (this step minus the one before),
        ``decision`` (``baseline``, ``invariant``, ``not invariant``), ``rule`` (the rule
        applied, in words) and ``released`` (the parameters freed, ``;``-separated).
    fits : dict
        Step -> :class:`~psychometrics.structural.result.CFAResult` (including the partial
        models).
    score_tests : pandas.DataFrame
        For each failed step: the univariate score tests (lavaan's ``lavTestScore``) of the
        constraints that step added: ``step, parameter, group`` (or wave) ``, lhs, rhs, X2,
        df, pvalue`` (``lhs == rhs`` in lavaan's ``.pK.`` names of the step's fit).
    releases : pandas.DataFrame
        The parameters released, in order: ``step, parameter, X2, pvalue`` (the score test
        that chose it) and the decision after releasing it.
    verdict : str
        The conclusion in one sentence; for groups too small, why no model was fitted.
    groups : pandas.DataFrame
        Per group (or wave): ``n`` respondents, ``parameters`` (free parameters of the
        configural model per group) and ``estimable``.
    kind, by, estimator, rule
        ``"groups"`` or ``"waves"``, the grouping column, the estimator, the rule's name.
    model : str
        The lavaan syntax of the configural model (the longitudinal one across waves).
    """

    table: pd.DataFrame
    fits: dict[str, CFAResult]
    score_tests: pd.DataFrame
    releases: pd.DataFrame
    verdict: str
    groups: pd.DataFrame
    kind: str
    by: str
    estimator: str
    rule: str
    model: str
    messages: tuple[str, ...] = ()
    estimable: bool = True
    _steps: tuple[str, ...] = field(default=(), repr=False)

    _title: ClassVar[str] = "Measurement invariance"

    def _scalars(self) -> dict[str, Any]:
        return {"kind": self.kind, "by": self.by, "estimator": self.estimator,
                "rule": self.rule, "estimable": self.estimable, "verdict": self.verdict}

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"table": self.table, "groups": self.groups, "score_tests": self.score_tests,
                "releases": self.releases}

    def summary(self, digits: int = 3) -> str:
        """The ladder as text: one line per step, then the verdict and any releases."""
        what = "groups" if self.kind == "groups" else "waves"
        out = [f"Measurement invariance across {what} of {self.by!r} ({self.estimator})", ""]
        sizes = ", ".join(f"{g} n={int(r['n'])}" for g, r in self.groups.iterrows())
        out += [f"  {what}: {sizes}", ""]
        if not self.table.empty:
            cols = ["chisq", "df", "pvalue", "cfi", "rmsea", "srmr", "chisq_diff", "df_diff",
                    "pvalue_diff", "delta_cfi", "delta_rmsea"]
            head = f"  {'step':<22}" + "".join(f"{c:>12}" for c in cols) + "  decision"
            out.append(head)
            for step, row in self.table.iterrows():
                vals = "".join(
                    f"{format_number(float(row[c]), 0 if c.startswith('df') else digits):>12}"
                    for c in cols)
                out.append(f"  {step:<22}{vals}  {row['decision']}")
            out += ["", f"  rule: {self.table['rule'].dropna().iloc[-1]}"]
        if not self.releases.empty:
            out.append("  released (largest score test first): " + "; ".join(
                f"{r['step']}: {r['parameter']} (X2 = {r['X2']:.{digits}f})"
                for _, r in self.releases.iterrows()))
        out += ["", f"  {self.verdict}"]
        return "\n".join(out)


def invariance(
    data: pd.DataFrame,
    instrument_or_model: Any,
    *,
    group: str | None = None,
    wave: str | None = None,
    id: str | None = None,
    steps: Sequence[str] = STEPS,
    estimator: str | None = None,
    ordered: Sequence[str] | bool | None = None,
    rule: str = "cheung_rensvold",
    alpha: float = 0.05,
    partial: bool = True,
    max_releases: int = 10,
    columns: Mapping[str, str] | str | None = None,
    waves: Sequence[Any] | None = None,
) -> InvarianceResult:
    """Measurement invariance across groups or waves: the ladder of nested CFA models.

    Fits the configural model (the same structure everywhere, parameters free), then the
    metric (equal loadings), scalar (+ equal intercepts) and strict (+ equal residual
    variances) models, compares each with the one before and decides by ``rule``. When a
    step fails and ``partial`` is true, the univariate score tests (lavaan's
    ``lavTestScore``) of the constraints it added say which parameter to release: the one
    with the largest statistic is freed (``group_partial``), the step is refitted, and so on
    until it holds, no constraint is significant at ``alpha``, or ``max_releases`` are
    freed. Later steps keep the releases (partial invariance).

    Parameters
    ----------
    data : pandas.DataFrame
        Item responses, one row per respondent (groups) or per respondent and wave (waves),
        with the ``group`` or ``wave`` and ``id`` columns.
    instrument_or_model : Instrument, str, dict or ModelSpec
        An instrument or a built-in instrument id such as ``"gse"`` (its published
        structure, items keyed: reversed items recoded, missing codes and invalid answers
        missing, read through ``columns``) or a measurement model (lavaan syntax,
        ``{factor: [items]}``).
    group : str, optional
        The column of the groups (multi-group CFA).
    wave, id : str, optional
        The wave column and the respondent id column (longitudinal invariance). Rows are
        matched by ``id``; respondents missing in a wave are kept (FIML).
    steps : sequence of str
        The steps, in order, from ``configural``, ``metric``, ``scalar``, ``strict``.
    estimator : {None, "ML", "MLM", "MLR"} or an estimator for ordered items, optional
        As :func:`~psychometrics.structural.engine.cfa`: None (default) is ``"ML"`` for
        continuous items and ``"WLSMV"`` with ``ordered``; a continuous estimator (``"ML"``
        included) with ``ordered`` is an error, as in ``cfa`` (and lavaan). With a robust
        estimator the table holds the scaled chisq, its p-value, the robust CFI, TLI and
        RMSEA (lavaan's ``cfi.robust`` ...) and the Satorra-Bentler (2001) scaled
        differences.
    ordered : list of str or bool, optional
        Ordinal items: every step is fitted by ``estimator`` (``"WLSMV"`` unless one of
        lavaan's least-squares estimators for ordered items is named), the scalar step
        equates the thresholds (lavaan's ``group.equal = c("loadings", "thresholds")``),
        differences are Satorra's (2000) scaled-and-shifted ones (lavaan's
        ``lavTestLRT``); across groups only, steps up to ``scalar`` (residual variances are
        not parameters in the delta parameterization); no partial releases (no score
        tests for least-squares fits yet).
    rule : {"cheung_rensvold", "chen", "chisq"}
        ``cheung_rensvold`` (default): a step holds when CFI drops by at most .010;
        ``chen``: it fails when CFI drops by more than .010 and RMSEA rises by more than
        .015 or SRMR by more than .030 (metric) / .010 (scalar, strict); ``chisq``: it
        holds when the (scaled) chi-square difference has p >= ``alpha``.
    alpha : float
        Significance level of the score tests (and of the ``chisq`` rule).
    partial : bool
        Look for partial invariance when a step fails.
    max_releases : int
        At most this many parameters released per step.
    columns : dict or str, optional
        Item id -> column name, or a format string (``"Q{n}"``), for an instrument.
    waves : sequence, optional
        The waves' order (default: the categories of a categorical column, else the order
        of first appearance).

    Returns
    -------
    InvarianceResult
        ``table`` (one row per step), ``fits``, ``score_tests``, ``releases``,
        ``groups`` (sizes and estimability), ``verdict`` and ``summary()``.

    Raises
    ------
    ModelError
        An unknown step, rule or estimator, a continuous estimator with ``ordered``, the
        strict step or ``wave`` with ``ordered``, neither or both of ``group`` and
        ``wave``, ``wave`` without ``id``.
    MissingColumnError, DataValidationError
        A named column is absent; a respondent appears twice in one wave.

    Warns
    -----
    NumericalWarning
        From the fits (non-convergence, Heywood cases), and for groups too small to fit.

    Notes
    -----
    **Small groups.** A group (or wave) is estimable when it has at least as many
    respondents as the configural model has free parameters per group,
    ``n_g >= q_g`` with ``q_g = `` loadings (less one marker per factor) + intercepts +
    residual variances + factor variances and covariances. Groups below that are left out
    with a verdict saying so (the remaining groups, if two or more, are compared); with
    fewer than two estimable groups no model is fitted and the verdict says to compare
    reliability and scores with that caveat. Across waves the rule applies to the
    respondents present in each wave.

    **Differences.** ``delta_cfi = CFI_step - CFI_before`` (negative: worse),
    ``delta_rmsea`` and ``delta_srmr`` likewise; ``chisq_diff`` as ``lavTestLRT``.

    **Longitudinal model.** Item ``x`` of wave k is the column ``x_t<k>``, factor ``F``
    of wave k is ``F_t<k>``; markers (first loadings) are 1 in every wave, the residuals
    ``x_t<j> ~~ x_t<k>`` are free, factor means are 0 until the scalar step, where the
    first wave's stay 0 and the others are free (as lavaan frees the means of groups 2+).

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
    measurement invariance. *Structural Equation Modeling, 9*(2), 233-255.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. *Structural Equation Modeling, 14*(3), 464-504.
    Byrne, B. M., Shavelson, R. J., & Muthén, B. (1989). Testing for the equivalence of
    factor covariance and mean structures: The issue of partial measurement invariance.
    *Psychological Bulletin, 105*(3), 456-466.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(600, 1))
    >>> x = f @ np.full((1, 4), 0.8) + rng.normal(scale=0.6, size=(600, 4))
    >>> data = pd.DataFrame(x, columns=list("abcd")).assign(g=np.repeat(["u", "v"], 300))
    >>> res = pm.invariance(data, "f =~ a + b + c + d", group="g")
    >>> res.table[["df", "chisq_diff", "decision"]].round(3)
                  df  chisq_diff   decision
    step
    configural   4.0         NaN   baseline
    metric       7.0       3.464  invariant
    scalar      10.0       0.920  invariant
    strict      14.0       2.156  invariant
    """
    steps = tuple(steps)
    for s in steps:
        if s not in STEPS:
            raise ModelError(f"unknown step {s!r}: steps are {', '.join(STEPS)}")
    if not steps or steps[0] != "configural" or list(steps) != sorted(steps, key=STEPS.index):
        raise ModelError("steps must start with 'configural' and follow the order "
                         f"{', '.join(STEPS)}")
    if rule not in RULES:
        raise ModelError(f"rule must be one of {', '.join(map(repr, RULES))}, got {rule!r}")
    cfa_options: dict[str, Any] = {}
    if ordered:  # ordered items: WLSMV fits, thresholds at the scalar step
        est, steps, cfa_options = _ordinal_options(ordered, estimator, steps, wave)
    else:
        est = "ML" if estimator is None else str(estimator).upper()
        if est not in ESTIMATORS or est == "MLMV":
            raise ModelError(f"estimator must be None (ML), 'ML', 'MLM' or 'MLR' for "
                             f"continuous items, got {estimator!r}")
    if (group is None) == (wave is None):
        raise ModelError("give either group= (invariance across groups) or wave= with id= "
                         "(invariance across waves)")
    if wave is not None and id is None:
        raise ModelError("wave= needs id=, the column that identifies a respondent across "
                         "waves")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    by = group if group is not None else wave
    assert by is not None
    for col in (by, id):
        if col is not None and col not in data.columns:
            raise MissingColumnError(f"column {col!r} is not in the data")
    spec, items = _items(data, resolve_model(instrument_or_model), columns)
    keep = [c for c in (by, id) if c is not None]
    frame = items.assign(**{c: data[c].to_numpy() for c in keep})
    q = _free_per_group(spec)
    if group is not None:
        ladder: _Ladder = _GroupLadder(frame, spec, group, est, cfa_options)
    else:
        assert id is not None
        ladder = _WaveLadder(frame, spec, wave, id, est, waves)
    sizes = ladder.sizes()
    table_g = pd.DataFrame({"n": sizes, "parameters": q})
    table_g["estimable"] = table_g["n"] >= q
    table_g.index.name = "group" if group is not None else "wave"
    small = table_g[~table_g["estimable"]]
    what = "group" if group is not None else "wave"
    notes = [f"{by} = {g} has {int(r['n'])} respondents for {q} free parameters per {what}"
             for g, r in small.iterrows()]
    if len(table_g) - len(small) < 2 or (wave is not None and len(small)):
        verdict = ("; ".join(notes) + (": multi-group CFA not estimable; compare "
                   "reliability and scores with that caveat" if group is not None else
                   ": longitudinal CFA not estimable; compare reliability and scores with "
                   "that caveat"))
        if len(table_g) < 2:
            verdict = f"{by} has {len(table_g)} {what}(s): nothing to compare"
        warnings.warn(verdict, NumericalWarning, stacklevel=2)
        return InvarianceResult(pd.DataFrame(columns=_TABLE).rename_axis("step"), {},
                                _empty_scores(), _empty_releases(), verdict, table_g,
                                "groups" if group is not None else "waves", by, est, rule,
                                ladder.syntax((), ()), (verdict,), False, steps)
    if len(small):
        ladder = _GroupLadder(frame[~frame[by].astype(str).isin(small.index)], spec, by, est,
                              cfa_options)
        warnings.warn("; ".join(notes) + ": left out of the multi-group CFA",
                      NumericalWarning, stacklevel=2)
    collected: list[str] = list(n + ": left out of the multi-group CFA" for n in notes)
    fits: dict[str, CFAResult] = {}
    rows: list[dict[str, Any]] = []
    score_rows: list[pd.DataFrame] = []
    release_rows: list[dict[str, Any]] = []
    released: list[str] = []
    previous: CFAResult | None = None
    failed: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in steps:
            fit = ladder.fit(step, tuple(released))
            fits[step] = fit
            decision, row = _compare(previous, fit, step, rule, alpha)
            rows.append({"step": step, **row, "released": "; ".join(released)})
            if decision == "not invariant" and partial:
                tests = ladder.step_scores(fit, step, released)
                if not tests.empty:
                    score_rows.append(tests.assign(step=step))
                part_fit = fit
                n_rel = 0
                while decision == "not invariant" and n_rel < max_releases:
                    cand = ladder.step_scores(part_fit, step, released)
                    if cand.empty:
                        break
                    best = cand.groupby("parameter", sort=False)["X2"].max()
                    top = str(best.idxmax())
                    x2 = float(best.max())
                    pv = float(cand.loc[cand["parameter"] == top, "pvalue"].min())
                    if not pv < alpha:
                        break
                    released.append(top)
                    n_rel += 1
                    part_fit = ladder.fit(step, tuple(released))
                    decision, prow = _compare(previous, part_fit, step, rule, alpha)
                    release_rows.append({"step": step, "parameter": top, "X2": x2,
                                         "pvalue": pv, "decision": decision})
                if n_rel:
                    name = f"{step} (partial)"
                    fits[name] = part_fit
                    rows.append({"step": name, **prow, "released": "; ".join(released)})
                    fit = part_fit
            if decision == "not invariant":
                failed.append(step)
            previous = fit
    for w in caught:
        if issubclass(w.category, NumericalWarning) and str(w.message) not in collected:
            collected.append(str(w.message))
        elif not issubclass(w.category, NumericalWarning):
            warnings.warn(w.message, w.category, stacklevel=2)
    for message in collected:
        warnings.warn(message, NumericalWarning, stacklevel=2)
    table = pd.DataFrame(rows).set_index("step")[_TABLE]
    verdict = _verdict(table, steps, failed, released, by, what, notes)
    scores = (pd.concat(score_rows, ignore_index=True)[list(_empty_scores().columns)]
              if score_rows else _empty_scores())
    releases = pd.DataFrame(release_rows, columns=list(_empty_releases().columns))
    return InvarianceResult(table, fits, scores, releases, verdict, table_g,
                            "groups" if group is not None else "waves", by, est, rule,
                            ladder.syntax(("configural",), ()), tuple(collected), True, steps)


# -- the pieces ---------------------------------------------------------------------------


def _items(data: pd.DataFrame, model: Any, columns: Mapping[str, str] | str | None
           ) -> tuple[ModelSpec, pd.DataFrame]:
    """The model and the item columns named as the model names them."""
    from psychometrics.schema import Instrument

    if isinstance(model, Instrument):
        from psychometrics.scoring import item_data

        spec = coerce_model(model)
        items = item_data(data, model, columns=columns, reverse=True, on_invalid="nan")
        return spec, items[list(spec.observed)]
    spec = coerce_model(model)
    frame = data
    if columns is not None:
        if isinstance(columns, str):
            raise ModelError("columns= as a format string needs an instrument")
        frame = data.rename(columns={v: k for k, v in columns.items()})
    missing = [v for v in spec.observed if v not in frame.columns]
    if missing:
        raise MissingColumnError(f"items of the model are not in the data: "
                                 f"{', '.join(map(repr, missing))}")
    return spec, frame[list(spec.observed)]


def _ordinal_options(ordered: Any, estimator: str | None, steps: Sequence[str],
                     wave: str | None) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """How :func:`invariance` fits ordered items: the estimator (``"WLSMV"`` for the
    default None; a continuous one is refused by
    :func:`~psychometrics.structural.ordinal_cfa.ordinal_estimator`), the steps (up to
    ``scalar``; the default ladder is cut there), and the options of each
    :func:`~psychometrics.structural.cfa` call (``ordered``, and which ``group_equal``
    names each step adds: ``metric`` the loadings, ``scalar`` the thresholds).

    Examples
    --------
    >>> est, steps, options = _ordinal_options(True, None, STEPS, None)
    >>> est, steps, options["step_equal"]["scalar"]
    ('WLSMV', ('configural', 'metric', 'scalar'), ('thresholds', 'intercepts'))
    """
    # imported here: a continuous ladder does not load the ordinal module
    from psychometrics.structural.ordinal_cfa import ordinal_estimator

    if wave is not None:
        raise ModelError("invariance across waves with ordered items is not available yet "
                         "(only across groups: group=)")
    est = ordinal_estimator(estimator)
    steps = tuple(steps)
    if steps == STEPS:
        steps = steps[:3]
    if "strict" in steps:
        raise ModelError("the strict step is not available for ordered items: in the delta "
                         "parameterization the items' residual variances are not parameters; "
                         "use steps up to 'scalar'")
    step_equal = {"metric": ("loadings",), "scalar": ("thresholds", "intercepts"),
                  "strict": ("residuals",)}
    return est, steps, {"ordered": ordered, "step_equal": step_equal}


def _free_per_group(spec: ModelSpec) -> int:
    """Free parameters of the configural model in one group (with its mean structure)."""
    rows, _, _ = build_table(spec, std_lv=False, meanstructure=True)
    return len({r.par for r in rows if r.free})


def _fit_columns(fit: CFAResult) -> dict[str, float]:
    f = fit.fit
    if "chisq_scaled" in f.index:
        # ordered items: the scaled indices (lavaan 0.6.14 has no robust ones once
        # thresholds are equal across groups)
        kind = "scaled" if getattr(fit, "wls", None) is not None else "robust"
        return {"chisq": f["chisq_scaled"], "df": f["df"], "pvalue": f["pvalue_scaled"],
                "cfi": f[f"cfi_{kind}"], "tli": f[f"tli_{kind}"], "rmsea": f[f"rmsea_{kind}"],
                "srmr": f["srmr"]}
    return {k: float(f[k]) for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")}


def _compare(before: CFAResult | None, fit: CFAResult, step: str, rule: str,
             alpha: float) -> tuple[str, dict[str, Any]]:
    now = _fit_columns(fit)
    nan = math.nan
    if before is None:
        return "baseline", {**now, "chisq_diff": nan, "df_diff": nan, "pvalue_diff": nan,
                            "delta_cfi": nan, "delta_rmsea": nan, "delta_srmr": nan,
                            "decision": "baseline", "rule": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        test = lrt(before, fit, names=["before", "after"])
    last = test.iloc[-1]
    prev = _fit_columns(before)
    d = {k: float(now[k] - prev[k]) for k in ("cfi", "rmsea", "srmr")}
    spec = RULES[rule]
    if rule == "cheung_rensvold":
        ok = d["cfi"] >= -spec["cfi"] - 1e-12
        text = spec["text"]
    elif rule == "chen":
        srmr = spec["srmr"][step]
        ok = not (d["cfi"] < -spec["cfi"] and (d["rmsea"] > spec["rmsea"] or d["srmr"] > srmr))
        text = spec["text"].format(srmr=srmr)
    else:
        p = float(last["pvalue"])
        ok = not p < alpha
        text = spec["text"].format(alpha=alpha)
    decision = "invariant" if ok else "not invariant"
    return decision, {**now, "chisq_diff": float(last["chisq_diff"]),
                      "df_diff": float(last["df_diff"]), "pvalue_diff": float(last["pvalue"]),
                      "delta_cfi": d["cfi"], "delta_rmsea": d["rmsea"], "delta_srmr": d["srmr"],
                      "decision": decision, "rule": text}


def _verdict(table: pd.DataFrame, steps: tuple[str, ...], failed: list[str],
             released: list[str], by: str, what: str, notes: list[str]) -> str:
    held = [s for s in steps if s not in failed]
    top = ""
    for s in steps:
        if s in failed:
            break
        top = s
    parts = []
    if notes:
        parts.append("; ".join(notes) + ": left out")
    if not failed:
        level = top + (" (partial: " + "; ".join(released) + " released)" if released else "")
        parts.append(f"{level} invariance across {by} holds")
    else:
        parts.append(f"invariance across {by} holds up to the {top} step"
                     + (f" (partial: {'; '.join(released)} released)" if released else "")
                     + f"; {failed[0]} invariance does not hold")
    del held, table, what
    return "; ".join(parts)


def _empty_scores() -> pd.DataFrame:
    return pd.DataFrame(columns=["step", "parameter", "group", "lhs", "rhs", "X2", "df",
                                 "pvalue"])


def _empty_releases() -> pd.DataFrame:
    return pd.DataFrame(columns=["step", "parameter", "X2", "pvalue", "decision"])


def _param(lhs: str, op: str, rhs: str) -> str:
    return f"{lhs} ~ 1" if op == "~1" else f"{lhs} {op} {rhs}"


_OPS = {"metric": "=~", "scalar": "~1", "strict": "~~"}


class _Ladder:
    def sizes(self) -> pd.Series:
        raise NotImplementedError

    def fit(self, step: str, released: tuple[str, ...]) -> CFAResult:
        raise NotImplementedError

    def syntax(self, steps: tuple[str, ...], released: tuple[str, ...]) -> str:
        raise NotImplementedError

    def step_scores(self, fit: CFAResult, step: str, released: list[str]) -> pd.DataFrame:
        """The score tests of the constraints ``step`` added (not yet released)."""
        tests = fit.score_tests
        if tests is None or tests.empty:
            return _empty_scores().drop(columns="step")
        est = fit.estimates
        a = [int(s[2:-1]) - 1 for s in tests["lhs"]]
        b = [int(s[2:-1]) - 1 for s in tests["rhs"]]
        ra, rb = est.iloc[a], est.iloc[b]
        out = pd.DataFrame({
            "parameter": [self.name_of(r.lhs, r.op, r.rhs) for r in ra.itertuples()],
            "group": self.where_of(rb), "lhs": tests["lhs"].to_numpy(),
            "rhs": tests["rhs"].to_numpy(), "X2": tests["X2"].to_numpy(),
            "df": tests["df"].to_numpy(), "pvalue": tests["pvalue"].to_numpy()})
        op = _OPS[step]
        keep = ra["op"].to_numpy() == op
        if op == "~~":
            keep &= (ra["lhs"] == ra["rhs"]).to_numpy()
        keep &= ~out["parameter"].isin(released).to_numpy()
        return out[keep].reset_index(drop=True)

    def name_of(self, lhs: str, op: str, rhs: str) -> str:
        return _param(lhs, op, rhs)

    def where_of(self, rows: pd.DataFrame) -> list[str]:
        return list(rows["group"])


class _GroupLadder(_Ladder):
    def __init__(self, frame: pd.DataFrame, spec: ModelSpec, group: str, est: str,
                 options: dict[str, Any] | None = None) -> None:
        self.frame, self.spec, self.group, self.est = frame, spec, group, est
        self.options = dict(options or {})  # ordered items: cfa's ordered=, step mapping
        self.step_equal = self.options.pop("step_equal", _EQUAL)
        # lavaan's default across groups: listwise deletion
        self.missing = "listwise"

    def sizes(self) -> pd.Series:
        from psychometrics.structural.engine import _group_label

        col = self.frame[self.group]
        values = (list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype)
                  else list(pd.unique(col.dropna())))
        items = self.frame[list(self.spec.observed)]
        complete = items.notna().all(axis=1) if self.missing == "listwise" else \
            items.notna().any(axis=1)
        return pd.Series({_group_label(v): int(((col == v) & complete).sum()) for v in values},
                         dtype=int)

    def fit(self, step: str, released: tuple[str, ...]) -> CFAResult:
        equal = [e for s in STEPS[1:STEPS.index(step) + 1] for e in self.step_equal[s]]
        return cfa(self.frame, self.spec, group=self.group, group_equal=equal,
                   group_partial=list(released), estimator=self.est, missing=self.missing,
                   **self.options)

    def syntax(self, steps: tuple[str, ...], released: tuple[str, ...]) -> str:
        return "\n".join(str(t) for t in self.spec.terms)


class _WaveLadder(_Ladder):
    """The longitudinal model: one copy of every factor and item per wave."""

    def __init__(self, frame: pd.DataFrame, spec: ModelSpec, wave: str, id_col: str,
                 est: str, order: Sequence[Any] | None) -> None:
        self.spec, self.est = spec, est
        col = frame[wave]
        if col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise DataValidationError(f"data row {row + 2} (counting the header as row 1) "
                                      f"has no value in the wave column {wave!r}")
        if frame[id_col].isna().any():
            row = int(np.flatnonzero(frame[id_col].isna().to_numpy())[0])
            raise DataValidationError(f"data row {row + 2} (counting the header as row 1) "
                                      f"has no respondent id (column {id_col!r})")
        if order is not None:
            values = list(order)
            unknown = sorted(set(col.astype(str)) - {str(v) for v in values})
            if unknown:
                raise DataValidationError(f"wave column {wave!r} has values not in waves=: "
                                          f"{', '.join(unknown)}")
        elif isinstance(col.dtype, pd.CategoricalDtype):
            values = list(col.cat.categories)
        else:
            values = list(pd.unique(col))
        dup = frame.duplicated([id_col, wave], keep=False).to_numpy()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise DataValidationError(
                f"respondent {frame[id_col].iloc[row]!r} appears more than once in wave "
                f"{col.iloc[row]!r} (data row {row + 2}, counting the header as row 1)")
        self.labels = [str(v) for v in values]
        items = list(spec.observed)
        ids = pd.unique(frame[id_col])
        parts = []
        for k, v in enumerate(values, start=1):
            sub = frame[(col.astype(str) == str(v)).to_numpy()].set_index(id_col)[items]
            parts.append(sub.reindex(ids).rename(columns=lambda c, k=k: f"{c}_t{k}"))
        wide = pd.concat(parts, axis=1)
        self.present = pd.Series({lab: int(p.notna().any(axis=1).sum())
                                  for lab, p in zip(self.labels, parts, strict=True)})
        # a respondent with no item answered in any wave carries nothing
        self.wide = wide[wide.notna().any(axis=1).to_numpy()]
        self.missing = "fiml" if self.wide.isna().to_numpy().any() else "listwise"
        if self.missing == "fiml" and est != "ML":
            raise ModelError(
                f"estimator={est!r} across waves needs every respondent in every wave "
                f"({len(self.wide)} respondents, {int(self.wide.isna().any(axis=1).sum())} "
                "with a missing wave or item): use estimator='ML' (FIML)")

    def sizes(self) -> pd.Series:
        return self.present.astype(int)

    def syntax(self, steps: tuple[str, ...], released: tuple[str, ...]) -> str:
        step = steps[-1] if steps else "configural"
        level = STEPS.index(step)
        rel = set(released)
        T = len(self.labels)
        lines: list[str] = []
        factors = self.spec.factors
        for f, its in factors.items():
            for k in range(1, T + 1):
                terms = []
                for j, x in enumerate(its):
                    if j == 0:
                        terms.append(f"1*{x}_t{k}")
                    elif level >= 1 and _param(f, "=~", x) not in rel:
                        terms.append(f"L_{f}_{x}*{x}_t{k}")
                    else:
                        terms.append(f"{x}_t{k}")
                lines.append(f"{f}_t{k} =~ " + " + ".join(terms))
        for x in self.spec.observed:
            for k in range(1, T + 1):
                if level >= 2 and _param(x, "~1", "") not in rel:
                    lines.append(f"{x}_t{k} ~ I_{x}*1")
                else:
                    lines.append(f"{x}_t{k} ~ 1")
            for k in range(1, T + 1):
                if level >= 3 and _param(x, "~~", x) not in rel:
                    lines.append(f"{x}_t{k} ~~ E_{x}*{x}_t{k}")
            for j in range(1, T + 1):
                for k in range(j + 1, T + 1):
                    lines.append(f"{x}_t{j} ~~ {x}_t{k}")
        for f in factors:
            for k in range(1, T + 1):
                free = level >= 2 and k > 1
                lines.append(f"{f}_t{k} ~ {'' if free else '0*'}1")
        # covariances among every factor of every wave are free (lavaan's default for cfa)
        extra = [t for t in self.spec.terms if t.op != "=~"]
        if extra:
            raise ModelError("invariance across waves supports measurement models "
                             "(factors and their items) only; the model has "
                             f"{', '.join(str(t) for t in extra)}")
        return "\n".join(lines)

    def fit(self, step: str, released: tuple[str, ...]) -> CFAResult:
        return cfa(self.wide, self.syntax((step,), released), estimator=self.est,
                   missing=self.missing, meanstructure=True)

    def name_of(self, lhs: str, op: str, rhs: str) -> str:
        strip = re.compile(r"_t\d+$")
        return _param(strip.sub("", lhs), op, strip.sub("", rhs))

    def where_of(self, rows: pd.DataFrame) -> list[str]:
        out = []
        for lhs in rows["lhs"]:
            m = re.search(r"_t(\d+)$", str(lhs))
            out.append(self.labels[int(m.group(1)) - 1] if m else "")
        return out
