"""The evaluation's measurement-invariance section: :func:`psychometrics.invariance` for
each instrument, across the study's groups (within each wave) and across its waves.

The study's ``invariance:`` block (:class:`~psychometrics.evaluation.study.Invariance`)
says across which group columns and whether across waves, the steps, the estimator and the
decision rule. Every ladder goes into four tables of the evaluation, one row per step,
verdict, group and released parameter, so that every number of the report's section is a
cell of ``Evaluation.tables``:

``invariance``
    One row per instrument, design and step: ``chisq, df, pvalue, cfi, tli, rmsea, srmr``
    (scaled / robust with a robust estimator), ``chisq_diff, df_diff, pvalue_diff,
    delta_cfi, delta_rmsea, delta_srmr`` against the step before, ``decision``, ``rule``
    and ``released``, as :attr:`InvarianceResult.table <psychometrics.structural.invariance.
    InvarianceResult>`.
``invariance_verdicts``
    One row per instrument and design: whether a model could be fitted (``estimable``),
    the highest step that holds and the verdict in words (for a group too small, why no
    model was fitted).
``invariance_groups``
    The respondents per group (or wave), the free parameters per group and estimability.
``invariance_releases``
    The parameters released for partial invariance, with the score test that chose each.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pandas as pd

from psychometrics.errors import NumericalWarning

__all__ = ["build_invariance", "highest_step"]

_KEYS = ["instrument", "kind", "across", "wave"]
_FEW = re.compile(r"group '(.+?)' has \d+ respondents for \d+ free parameters")


def _designs(ctx: Any) -> list[tuple[str, str, str]]:
    """``(kind, column, wave)``: each group column in each chosen wave, then the waves."""
    from psychometrics.evaluation.pipeline import ALL

    spec = ctx.study.invariance
    out = [("groups", g, w) for g in spec.groups for w in (spec.waves or ctx.waves)]
    if spec.across_waves and ctx.wave_col is not None and len(ctx.waves) >= 2:
        out.append(("waves", ctx.wave_col, ALL))
    return out


def highest_step(table: pd.DataFrame, steps: list[str]) -> tuple[str, str | None]:
    """The highest step that holds (``"scalar (partial)"`` when parameters were released
    on the way) and the first step that fails (None when every step holds)."""
    top, released = "", False
    for step in steps:
        rows = table[table.index.isin([step, f"{step} (partial)"])]
        if rows.empty:
            break
        if rows["decision"].iloc[-1] not in ("baseline", "invariant"):
            return top, step
        released = released or bool((rows["released"].fillna("") != "").any())
        top = step + (" (partial)" if released else "")
    return top, None


def build_invariance(ctx: Any) -> None:
    """Fill the invariance tables of ``ctx`` (a :class:`pipeline._Context`)."""
    from psychometrics.evaluation.pipeline import _Skip, _wave_text
    from psychometrics.structural.invariance import invariance

    study = ctx.study
    spec = study.invariance
    if spec is None:
        raise _Skip("not requested (add an invariance block to the study: groups: [...] "
                    "and/or across_waves: true)")
    chosen = [(si, inst) for si, inst in zip(study.instruments, ctx.loaded.instruments,
                                             strict=True)
              if spec.instruments is None or si.id in spec.instruments]
    designs = _designs(ctx)
    one_wave = spec.across_waves and (ctx.wave_col is None or len(ctx.waves) < 2)
    if not designs:
        raise _Skip("invariance across waves needs two waves or more")
    if one_wave:  # as change: a study cut to one wave keeps its definition
        ctx.caveat("invariance", "across waves", "the study has one wave: invariance "
                                                 "across waves needs two or more")
    ladders, verdicts, groups, releases = [], [], [], []
    for si, inst in chosen:
        for kind, column, wave in designs:
            keys = {"instrument": inst.id, "kind": kind, "across": column, "wave": wave}
            if kind == "groups":
                where = (f"{inst.id}, across {study.group_label(column)}, "
                         f"{_wave_text(ctx, wave)}")
                sub = ctx.data[ctx.wave_mask(wave)]
                options: dict[str, Any] = {"group": column}
            else:
                where = f"{inst.id}, across waves"
                sub = ctx.data
                options = {"wave": column, "id": study.id, "waves": list(ctx.waves)}
            res, estimator, messages, error = _fit(invariance, sub, inst, si.columns, spec,
                                                   options)
            for m in messages:
                ctx.caveat("invariance", where, m)
            if res is None:
                text = f"not fitted: {error}"
                ctx.caveat("invariance", where, text)
                verdicts.append({**keys, "estimator": estimator, "rule": spec.rule,
                                 "estimable": False, "highest_step": "", "failed_step": "",
                                 "verdict": text})
                continue
            top, failed = highest_step(res.table, list(spec.steps)) if res.estimable \
                else ("", None)
            verdicts.append({**keys, "estimator": res.estimator, "rule": res.rule,
                             "estimable": res.estimable, "highest_step": top,
                             "failed_step": failed or "", "verdict": res.verdict})
            if not res.estimable:
                ctx.caveat("invariance", where, res.verdict)
            elif failed in ("metric", "scalar"):
                what = "groups" if kind == "groups" else "waves"
                ctx.caveat("invariance", where,
                           f"{failed} invariance does not hold: differences in "
                           f"{inst.id} scores between {what} may reflect how the instrument "
                           "works there, not only the people; read those comparisons with "
                           "care")
            table = res.table.reset_index()
            if not table.empty:
                ladders.append(table.assign(**keys, estimator=res.estimator))
            g = res.groups.reset_index()
            groups.append(g.rename(columns={g.columns[0]: "group"}).assign(**keys))
            if not res.releases.empty:
                releases.append(res.releases.assign(**keys))
    ctx.tables["invariance"] = _front(ladders, [*_KEYS, "estimator"])
    ctx.tables["invariance_verdicts"] = pd.DataFrame(
        verdicts, columns=[*_KEYS, "estimator", "rule", "estimable", "highest_step",
                           "failed_step", "verdict"])
    ctx.tables["invariance_groups"] = _front(groups, _KEYS)
    ctx.tables["invariance_releases"] = _front(releases, _KEYS) if releases else \
        pd.DataFrame(columns=[*_KEYS, "step", "parameter", "X2", "pvalue", "decision"])


def _fit(invariance: Any, data: pd.DataFrame, inst: Any, columns: Any, spec: Any,
         options: dict[str, Any]) -> tuple[Any, str, list[str], str]:
    """One ladder; its numerical warnings as messages. Across waves a robust estimator
    needs complete pairs: with unmatched respondents the ladder is refitted by ML (FIML)
    and a message says so. Returns (result or None, estimator, messages, error)."""
    from psychometrics.structural.errors import ModelError

    messages: list[str] = []
    estimator = spec.estimator
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            try:
                res = invariance(data, inst, columns=columns, steps=tuple(spec.steps),
                                 estimator=estimator, rule=spec.rule, alpha=spec.alpha,
                                 partial=spec.partial, **options)
            except ModelError as exc:
                # only the refusal of a robust estimator with unmatched respondents
                if "wave" not in options or "every respondent in every wave" not in str(exc):
                    raise
                messages.append(f"{exc}; fitted by ML with full-information ML instead")
                estimator = "ML"
                res = invariance(data, inst, columns=columns, steps=tuple(spec.steps),
                                 estimator="ML", rule=spec.rule, alpha=spec.alpha,
                                 partial=spec.partial, **options)
        except ValueError as exc:  # ModelError, DataError: the model cannot be fitted here
            return None, estimator, messages, str(exc)
    verdict = res.verdict
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if not issubclass(w.category, NumericalWarning) or text == verdict or \
                text in messages:
            continue
        # the engine says "group 'g' has n respondents for q free parameters" once per
        # step (q grows with the releases): once per group is enough
        few = _FEW.match(text)
        if few:
            if few.group(1) in seen:
                continue
            seen.add(few.group(1))
        messages.append(text)
    return res, estimator, messages, ""


def _front(parts: list[pd.DataFrame], front: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=front)
    frame = pd.concat(parts, ignore_index=True)
    return frame[front + [c for c in frame.columns if c not in front]]
