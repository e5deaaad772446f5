"""lavaan's parameter table (``lavaanify``): one row per parameter of the model.

A :class:`Row` is one parameter: ``lhs op rhs`` as lavaan prints it, its kind (a factor
loading, a residual (co)variance of items, a factor (co)variance, an item intercept, a factor
mean), the indices ``a, b`` of the variables it joins, whether it is free, its fixed value,
its label and ``par``, the index of the unique free parameter it is (rows sharing a label
share ``par``: an equality constraint). :func:`build_table` makes the rows in lavaan's order
from a :class:`~psychometrics.structural.syntax.ModelSpec`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psychometrics.structural.syntax import ModelSpec, parse_model

__all__ = ["ALPHA", "LOAD", "NU", "PSI", "THETA", "Row", "build_table", "coerce_model",
           "few_indicators_hint", "param_key"]

# Parameter kinds: a factor loading, a residual (co)variance of items, a factor
# (co)variance, an item intercept, a factor mean.
LOAD, THETA, PSI, NU, ALPHA = range(5)


@dataclass
class Row:
    lhs: str
    op: str
    rhs: str
    kind: int
    a: int
    b: int
    free: bool
    value: float
    label: str
    user: bool
    start: float | None = None
    par: int = -1  # index of the unique free parameter, -1 when fixed


def few_indicators_hint(spec: ModelSpec) -> str:
    """The hint added to an identification problem: factors with fewer than 3 items."""
    few = [f for f, items in spec.factors.items() if len(items) < 3]
    return f"; factors with fewer than 3 indicators: {', '.join(map(repr, few))}" if few else ""


def param_key(kind: int, a: int, b: int) -> tuple[int, int, int]:
    """A parameter's identity: a (co)variance is the same whichever way round it is named."""
    return (kind, a, b) if kind == LOAD else (kind, min(a, b), max(a, b))


def coerce_model(model: Any) -> ModelSpec:
    if isinstance(model, ModelSpec | str | Mapping):
        return parse_model(model)
    cfa_model = getattr(model, "cfa_model", None)
    if callable(cfa_model):
        return parse_model(cfa_model())
    raise TypeError("model must be lavaan syntax, a {factor: [items]} dict, a ModelSpec or "
                    f"an object with a cfa_model() method, not {type(model).__name__}")


def build_table(spec: ModelSpec, *, std_lv: bool,
                 meanstructure: bool) -> tuple[list[Row], list[str], list[str]]:
    """lavaan's parameter table (``lavaanify``) in lavaan's row order."""
    lv = list(spec.latent)
    ov = list(spec.observed)
    lv_set = set(lv)
    for term in spec.terms:
        if term.op == "=~" and term.rhs in lv_set:
            raise ValueError(
                f"factor {term.rhs!r} is an indicator of {term.lhs!r} (line {term.line}): "
                "second-order factors are not supported")
        if term.op == "~~" and (term.lhs in lv_set) != (term.rhs in lv_set):
            raise ValueError(
                f"'{term.lhs} ~~ {term.rhs}' (line {term.line}) relates a factor to an item; "
                "only item-item and factor-factor (co)variances are allowed")
    ov_idx = {name: i for i, name in enumerate(ov)}
    lv_idx = {name: i for i, name in enumerate(lv)}
    first = {f: items[0] for f, items in spec.factors.items()}
    rows: list[Row] = []
    seen: set[tuple[int, int, int]] = set()
    for t in spec.terms:
        label = t.label or ""
        if t.op == "=~":
            kind, a, b = LOAD, ov_idx[t.rhs], lv_idx[t.lhs]
            if t.fixed is not None:
                free, value = False, t.fixed
            elif t.free:
                free, value = True, math.nan
            elif not std_lv and t.rhs == first[t.lhs]:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        else:
            latent = t.lhs in lv_set
            kind = PSI if latent else THETA
            index = lv_idx if latent else ov_idx
            a, b = index[t.lhs], index[t.rhs]
            if t.fixed is not None:
                free, value = False, t.fixed
            elif t.free:
                free, value = True, math.nan
            elif latent and std_lv and a == b:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        seen.add(param_key(kind, a, b))
        rows.append(Row(t.lhs, t.op, t.rhs, kind, a, b, free, value, label, True, t.start))
    for i, name in enumerate(ov):
        if (THETA, i, i) not in seen:
            rows.append(Row(name, "~~", name, THETA, i, i, True, math.nan, "", False))
    for f, name in enumerate(lv):
        if (PSI, f, f) not in seen:
            rows.append(Row(name, "~~", name, PSI, f, f, not std_lv,
                             1.0 if std_lv else math.nan, "", False))
    for f in range(len(lv)):
        for g in range(f + 1, len(lv)):
            if (PSI, f, g) not in seen:
                rows.append(Row(lv[f], "~~", lv[g], PSI, f, g, True, math.nan, "", False))
    if meanstructure:
        for i, name in enumerate(ov):
            rows.append(Row(name, "~1", "", NU, i, i, True, math.nan, "", False))
        for f, name in enumerate(lv):
            rows.append(Row(name, "~1", "", ALPHA, f, f, False, 0.0, "", False))

    # Equal labels are one parameter; a label shared with a fixed row fixes the others too.
    fixed_labels = {r.label: r.value for r in rows if r.label and not r.free}
    par_of_label: dict[str, int] = {}
    q = 0
    for r in rows:
        if r.free and r.label in fixed_labels:
            r.free, r.value = False, fixed_labels[r.label]
        if not r.free:
            continue
        if r.label and r.label in par_of_label:
            r.par = par_of_label[r.label]
        else:
            r.par = q
            if r.label:
                par_of_label[r.label] = q
            q += 1
    return rows, ov, lv
