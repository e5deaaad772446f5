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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.structural.errors import ModelError
from psychometrics.structural.syntax import ModelSpec, expression_names, parse_model

_NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")

__all__ = [
    "ALPHA",
    "BETA",
    "GROUP_EQUAL",
    "LOAD",
    "NU",
    "PSI",
    "THETA",
    "Inequalities",
    "Row",
    "build_table",
    "coerce_model",
    "equal_kind",
    "exogenous",
    "few_indicators_hint",
    "fix_exogenous",
    "inequalities",
    "number_parameters",
    "observed_roles",
    "param_key",
    "parse_partial",
    "share_group_labels",
]

# Parameter kinds: a factor loading, a residual (co)variance of items, a factor
# (co)variance (a residual one for an endogenous factor), an item intercept, a factor mean
# (intercept), a regression of one factor on another.
LOAD, THETA, PSI, NU, ALPHA, BETA = range(6)


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
    group: int = 0  # 0-based group (lavaan's block)
    auto: bool = False  # the label is group.equal's ".pK.", not the user's
    # the lhs is an observed variable of a regression, carried as a "dummy" factor (its
    # residual variance and intercept are Psi and alpha entries, lavaan's LISREL form)
    dummy: bool = False
    # lavaan's exo: a (co)variance or mean of the exogenous covariates, fixed at its sample
    # value (fixed.x = TRUE); ``value`` is filled from each group's data by the engine
    exo: bool = False


def few_indicators_hint(spec: ModelSpec) -> str:
    """The hint added to an identification problem: factors with fewer than 3 items."""
    few = [f for f, items in spec.factors.items() if len(items) < 3]
    return f"; factors with fewer than 3 indicators: {', '.join(map(repr, few))}" if few else ""


def param_key(kind: int, a: int, b: int) -> tuple[int, int, int]:
    """A parameter's identity: a (co)variance is the same whichever way round it is named."""
    return (kind, a, b) if kind in (LOAD, BETA) else (kind, min(a, b), max(a, b))


def coerce_model(model: Any) -> ModelSpec:
    if isinstance(model, ModelSpec | str | Mapping):
        return parse_model(model)
    cfa_model = getattr(model, "cfa_model", None)
    if callable(cfa_model):
        return parse_model(cfa_model())
    raise TypeError("model must be lavaan syntax, a {factor: [items]} dict, a ModelSpec or "
                    f"an object with a cfa_model() method, not {type(model).__name__}")


# lavaan's group.equal names, and the parameters each one equates across groups.
GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual.covariances",
               "lv.variances", "lv.covariances", "regressions")


def number_parameters(rows: list[Row], canon: Callable[[str], str]) -> None:
    """``par`` of every row in order: equal labels (after ``canon``, which joins the labels
    of ``==``) are one parameter; a label shared with a fixed row fixes the others too;
    fixed rows get -1."""
    fixed_labels = {canon(r.label): r.value for r in rows if r.label and not r.free}
    par_of_label: dict[str, int] = {}
    q = 0
    for r in rows:
        r.par = -1
        key = canon(r.label) if r.label else ""
        if r.free and key in fixed_labels:
            r.free, r.value = False, fixed_labels[key]
        if not r.free:
            continue
        if key and key in par_of_label:
            r.par = par_of_label[key]
        else:
            r.par = q
            if key:
                par_of_label[key] = q
            q += 1


def share_group_labels(rows: list[Row], group_equal: Any, partial: set[tuple[str, str, str]],
                       kind: Callable[[Row], str]) -> None:
    """lavaan's ``group.equal``: each free row of groups 2+ whose ``kind(row)`` is in
    ``group_equal`` (and not in ``partial``) shares its group-1 row's label, lavaan's
    ``.pK.`` (K the group-1 row's number) where the user gave none."""
    first = {(r.lhs, r.op, r.rhs): (k, r) for k, r in enumerate(rows) if r.group == 0}
    for r in rows:
        if r.group == 0 or not r.free or r.label:
            continue
        key = (r.lhs, r.op, r.rhs)
        alt = (r.rhs, r.op, r.lhs) if r.op == "~~" else key
        if kind(r) not in group_equal or key in partial or alt in partial:
            continue
        k, r0 = first.get(key, first.get(alt, (-1, None)))  # type: ignore[arg-type]
        if r0 is None or not r0.free:
            continue
        if not r0.label:
            r0.label, r0.auto = f".p{k + 1}.", True
        if r0.auto:
            r.label, r.auto = r0.label, True


def equal_kind(row: Row) -> str:
    """The ``group.equal`` name that covers a row."""
    if row.kind == LOAD:
        return "loadings"
    if row.kind == NU or (row.kind == ALPHA and row.dummy):
        return "intercepts"
    if row.kind == ALPHA:
        return "means"
    if row.kind == BETA:
        return "regressions"
    if row.kind == THETA or (row.kind == PSI and row.dummy):
        return "residuals" if row.a == row.b else "residual.covariances"
    return "lv.variances" if row.a == row.b else "lv.covariances"


def parse_partial(spec: str) -> tuple[str, str, str]:
    """``"x3 ~ 1"`` -> ``("x3", "~1", "")``; ``"visual =~ x2"`` -> ``("visual", "=~", "x2")``."""
    text = "".join(str(spec).split())
    for op in ("=~", "~~", "~"):
        lhs, found, rhs = text.partition(op)
        if found:
            if op == "~" and rhs == "1":
                return lhs, "~1", ""
            if op != "~" and lhs and rhs:
                return lhs, op, rhs
            break
    raise ModelError(f"group_partial: cannot read {spec!r}; expected a parameter such as "
                     "'f =~ x2', 'x3 ~ 1' or 'x1 ~~ x2'")


def build_table(spec: ModelSpec, *, std_lv: bool, meanstructure: bool, n_groups: int = 1,
                group_equal: tuple[str, ...] = (), group_partial: tuple[str, ...] = (),
                ) -> tuple[list[Row], list[str], list[str]]:
    """lavaan's parameter table (``lavaanify``) in lavaan's row order: every row of group 1,
    then every row of group 2, ...

    ``group_equal`` equates the parameters of those kinds across groups (lavaan labels them
    ``.pK.``, K the row of group 1) except those in ``group_partial``. As lavaan does, equal
    intercepts free the factor means of groups 2+ (unless the means are equal too), and
    equal loadings with ``std_lv`` free the factor variances of groups 2+.
    """
    factors = list(spec.latent)
    ov, ov_y, ov_x = observed_roles(spec)
    # observed variables of regressions become dummy factors (lavaan's LISREL form:
    # Lambda 1, Theta 0), after the real factors
    lv = factors + [v for v in ov if v in ov_y or v in ov_x]
    lv_set = set(factors)
    dummies = set(ov_y) | set(ov_x)
    indicators = {t.rhs for t in spec.terms if t.op == "=~"}
    for term in spec.terms:
        if term.op == "=~" and term.rhs in lv_set:
            raise ModelError(
                f"factor {term.rhs!r} is an indicator of {term.lhs!r} (line {term.line}): "
                "second-order factors are not supported")
        if term.op == "~~" and not (
                (term.lhs in lv_set or term.lhs in dummies)
                == (term.rhs in lv_set or term.rhs in dummies)):
            raise ModelError(
                f"'{term.lhs} ~~ {term.rhs}' (line {term.line}) relates a factor to an item "
                "(observed variables of regressions count as factors here); only item-item "
                "and factor-factor (co)variances are allowed")
        if term.op == "~":
            for name in (term.lhs, term.rhs):
                if name in indicators:
                    raise ModelError(
                        f"'{term}' (line {term.line}): the observed variable {name!r} "
                        "indicates a factor and is in a regression; regressions of or on an "
                        "indicator (direct effects) are not supported yet")
        if term.op in ("~~", "~1") and (term.lhs in ov_x or term.rhs in ov_x):
            name = term.lhs if term.lhs in ov_x else term.rhs
            raise ModelError(
                f"'{term}' (line {term.line}) names the exogenous covariate {name!r}, whose "
                "variances, covariances and mean are fixed at their sample values "
                "(lavaan's fixed.x = TRUE); remove the term")
        if term.per_group and len(term.per_group) != n_groups:
            raise ModelError(
                f"'{term}' (line {term.line}) gives {len(term.per_group)} values in c(...) "
                f"but the data have {n_groups} group{'s' if n_groups != 1 else ''}")
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise ModelError(f"group_equal: unknown {', '.join(map(repr, unknown))}; expected "
                         f"some of {', '.join(map(repr, GROUP_EQUAL))}")
    partial = {parse_partial(x) for x in group_partial}
    known = lv_set | set(ov)
    for lhs, op, rhs in partial:
        if lhs not in known or (rhs and rhs not in known):
            raise ModelError(f"group_partial: '{f'{lhs} {op} {rhs}'.strip()}' names a "
                             "variable that is not in the model")
    rows: list[Row] = []
    for g in range(n_groups):
        rows += _group_rows(spec, ov, lv, g, ov_y=ov_y, ov_x=ov_x, n_factors=len(factors),
                            std_lv=std_lv, meanstructure=meanstructure,
                            equal_intercepts=g > 0 and "intercepts" in group_equal
                            and "means" not in group_equal,
                            free_lv_var=g > 0 and std_lv and "loadings" in group_equal)

    # Equal across groups: the rows of groups 2+ share the label of their group-1 row.
    if n_groups > 1 and group_equal:
        share_group_labels(rows, group_equal, partial, equal_kind)

    # 'a == b' joins two labels into one parameter; 'a == 0.5' fixes a label.
    canon = _constraints(spec, rows)

    number_parameters(rows, canon)
    defined: set[str] = set()
    labels = {r.label for r in rows if r.label}
    for t in spec.defined:
        unknown = [n for n in expression_names(t.rhs) if n not in labels and n not in defined]
        if unknown:
            raise ModelError(
                f"'{t.lhs} := {t.rhs}' (line {t.line}) names {', '.join(map(repr, unknown))}, "
                f"not a label of the model{_labels_hint(labels)}")
        if t.lhs in labels or t.lhs in defined:
            raise ModelError(f"'{t.lhs} := {t.rhs}' (line {t.line}): {t.lhs!r} is already a "
                             "label or a defined parameter")
        defined.add(t.lhs)
    return rows, ov, lv


def observed_roles(spec: ModelSpec) -> tuple[list[str], list[str], list[str]]:
    """lavaan's ``ov``, ``ov.y`` and ``ov.x`` (``lav_partable_vnames``): the observed
    variables in lavaan's order (indicators as they first appear, then the observed outcomes
    of regressions, then their observed predictors, then variables named only in ``~~`` or
    ``~ 1``); the observed outcomes that are not indicators; and the exogenous covariates,
    observed predictors that are neither indicators nor outcomes (fixed at their sample
    moments: lavaan's ``fixed.x = TRUE``)."""
    latent = set(spec.latent)
    names: dict[str, None] = {}
    for t in spec.terms:
        if t.op == "=~" and t.rhs not in latent:
            names.setdefault(t.rhs)
    indicators = set(names)
    eqs_y = list(dict.fromkeys(t.lhs for t in spec.terms if t.op == "~"))
    eqs_x = list(dict.fromkeys(t.rhs for t in spec.terms if t.op == "~"))
    ov_y = [v for v in eqs_y if v not in latent and v not in indicators]
    ov_x = [v for v in eqs_x if v not in latent and v not in indicators and v not in ov_y]
    for v in ov_y + ov_x:
        names.setdefault(v)
    for ops in (("~~",), ("~1",)):
        for t in spec.terms:
            if t.op in ops:
                for name in (t.lhs, t.rhs):
                    if name and name not in latent:
                        names.setdefault(name)
    return list(names), ov_y, ov_x


def fix_exogenous(rows: list[Row], ov: list[str], moments: list[tuple[np.ndarray,
                  np.ndarray | None]]) -> None:
    """Set the exogenous covariates' rows (``exo``) to each group's sample moments
    (``moments[g]`` is its covariance matrix, divisor N, and mean): lavaan's
    ``fixed.x = TRUE`` takes them as known, not as parameters."""
    index = {name: i for i, name in enumerate(ov)}
    for r in rows:
        if not r.exo:
            continue
        cov, mean = moments[r.group]
        if r.kind == ALPHA:
            r.value = float(mean[index[r.lhs]]) if mean is not None else 0.0
        else:
            r.value = float(cov[index[r.lhs], index[r.rhs]])


def exogenous(rows: list[Row], ov: list[str]) -> list[int]:
    """The places in ``ov`` of the exogenous covariates (fixed.x)."""
    names = {r.lhs for r in rows if r.exo}
    return [i for i, name in enumerate(ov) if name in names]


def _labels_hint(labels: set[str]) -> str:
    shown = sorted(x for x in labels if not x.startswith("."))
    return f" (labels: {', '.join(shown)})" if shown else " (the model has no labels)"


def _constraints(spec: ModelSpec, rows: list[Row]) -> Any:
    """Apply the ``==`` constraints: fix labels to numbers, and return the map from a label
    to the label it is joined with (equal labels share one parameter)."""
    labels = {r.label for r in rows if r.label}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for t in spec.constraints:
        number = _NUMBER_RE.match(t.rhs) is not None
        for name in [t.lhs] + ([] if number else [t.rhs]):
            if name not in labels:
                raise ModelError(
                    f"constraint '{t.lhs} == {t.rhs}' (line {t.line}) names {name!r}, not a "
                    f"label of the model{_labels_hint(labels)}")
        if number:
            for r in rows:
                if r.label == t.lhs:
                    r.free, r.value = False, float(t.rhs)
        else:
            a, b = find(t.lhs), find(t.rhs)
            if a != b:
                parent[b] = a
    return find


def _group_rows(spec: ModelSpec, ov: list[str], lv: list[str], g: int, *, ov_y: list[str],
                ov_x: list[str], n_factors: int, std_lv: bool, meanstructure: bool,
                equal_intercepts: bool, free_lv_var: bool) -> list[Row]:
    """One group's rows (lavaan's order within a block, ``lav_partable_flat``)."""
    factors = lv[:n_factors]
    fset = set(factors)
    ov_idx = {name: i for i, name in enumerate(ov)}
    lv_idx = {name: i for i, name in enumerate(lv)}
    dummy = set(lv[n_factors:])
    xset = set(ov_x)
    first = {f: items[0] for f, items in spec.factors.items()}
    rows: list[Row] = []
    seen: set[tuple[int, int, int]] = set()
    outcomes = {t.lhs for t in spec.terms if t.op == "~"}
    predictors = {t.rhs for t in spec.terms if t.op == "~"}
    for t in spec.terms:
        if t.op in (":=", "==", "<", ">"):  # not parameters: see build_table and the engine
            continue
        t_fixed, t_free, t_label = t.for_group(g)
        label = t_label or ""
        is_dummy = t.lhs in dummy
        if t.op in ("~", "~1"):
            if t.op == "~":
                kind, a, b = BETA, lv_idx[t.lhs], lv_idx[t.rhs]
            elif t.lhs in fset or is_dummy:
                kind, a, b = ALPHA, lv_idx[t.lhs], lv_idx[t.lhs]
            else:
                kind, a, b = NU, ov_idx[t.lhs], ov_idx[t.lhs]
            free = t_fixed is None
            value = math.nan if free else t_fixed
            seen.add(param_key(kind, a, b))
            rows.append(Row(t.lhs, t.op, t.rhs, kind, a, b, free, value, label, True, t.start,
                            group=g, dummy=is_dummy))
            continue
        if t.op == "=~":
            kind, a, b = LOAD, ov_idx[t.rhs], lv_idx[t.lhs]
            if t_fixed is not None:
                free, value = False, t_fixed
            elif t_free:
                free, value = True, math.nan
            elif not std_lv and t.rhs == first[t.lhs]:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        else:
            latent = t.lhs in fset or is_dummy
            kind = PSI if latent else THETA
            index = lv_idx if latent else ov_idx
            a, b = index[t.lhs], index[t.rhs]
            if t_fixed is not None:
                free, value = False, t_fixed
            elif t_free:
                free, value = True, math.nan
            elif t.lhs in fset and std_lv and a == b and not free_lv_var:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        seen.add(param_key(kind, a, b))
        rows.append(Row(t.lhs, t.op, t.rhs, kind, a, b, free, value, label, True, t.start,
                        group=g, dummy=is_dummy))
    for i, name in enumerate(ov):
        if name in xset:
            continue
        if name in dummy:
            d = lv_idx[name]
            if (PSI, d, d) not in seen:
                rows.append(Row(name, "~~", name, PSI, d, d, True, math.nan, "", False,
                                group=g, dummy=True))
        elif (THETA, i, i) not in seen:
            rows.append(Row(name, "~~", name, THETA, i, i, True, math.nan, "", False, group=g))
    lv_var_free = not std_lv or free_lv_var
    for f, name in enumerate(factors):
        if (PSI, f, f) not in seen:
            rows.append(Row(name, "~~", name, PSI, f, f, lv_var_free,
                            math.nan if lv_var_free else 1.0, "", False, group=g))
    # lavaan's auto.cov.lv.x and auto.cov.y: covariances among the exogenous factors and
    # among the factors and observed variables that are only outcomes
    lv_y = [f for f in factors if f in outcomes and f not in predictors]
    pure_y = [v for v in ov_y if v not in predictors]
    for family in ([f for f in factors if f not in outcomes], lv_y + pure_y):
        for k, first_lv in enumerate(family):
            for second_lv in family[k + 1:]:
                f, h = lv_idx[first_lv], lv_idx[second_lv]
                if (PSI, min(f, h), max(f, h)) not in seen:
                    rows.append(Row(lv[f], "~~", lv[h], PSI, f, h, True, math.nan, "", False,
                                    group=g, dummy=first_lv in dummy))
    # fixed.x: the covariates' (co)variances (lower triangle, column by column), fixed
    for j, xj in enumerate(ov_x):
        for xi in ov_x[j:]:
            rows.append(Row(xj, "~~", xi, PSI, lv_idx[xj], lv_idx[xi], False, math.nan, "",
                            False, group=g, dummy=True, exo=True))
    if meanstructure:
        for i, name in enumerate(ov):
            if name in dummy:
                d = lv_idx[name]
                if (ALPHA, d, d) not in seen:
                    exo = name in xset
                    rows.append(Row(name, "~1", "", ALPHA, d, d, not exo, math.nan, "", False,
                                    group=g, dummy=True, exo=exo))
            elif (NU, i, i) not in seen:
                rows.append(Row(name, "~1", "", NU, i, i, True, math.nan, "", False,
                                group=g))
        for f, name in enumerate(factors):
            if (ALPHA, f, f) not in seen:
                rows.append(Row(name, "~1", "", ALPHA, f, f, equal_intercepts,
                                math.nan if equal_intercepts else 0.0, "", False, group=g))
    return rows


@dataclass
class Inequalities:
    """lavaan's inequality constraints as ``A x + b >= 0`` over the unique free parameters
    x (``a > e`` is ``a - e >= 0``, ``a < e`` is ``e - a >= 0``), with the statements
    they came from (``text``, for messages)."""

    A: np.ndarray
    b: np.ndarray
    text: list[str]

    def values(self, x: np.ndarray) -> np.ndarray:
        return self.A @ x + self.b


def inequalities(spec: ModelSpec, rows: list[Row], npar: int) -> Inequalities | None:
    """The model's ``<`` and ``>`` constraints as a linear system (None without any).

    Names are labels (their parameter, or the value of a fixed label) or defined parameters
    (``:=``, evaluated). The system is read off by evaluating each side at ``x = 0`` and at
    the unit vectors; a constraint that is not linear in the parameters is refused
    (lavaan accepts it; here the active-set fit needs linear constraints).
    """
    terms = spec.inequalities
    if not terms:
        return None
    first: dict[str, Row] = {}
    for r in rows:
        if r.label and r.label not in first:
            first[r.label] = r
    scope = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}

    def evaluate(x: np.ndarray) -> np.ndarray:
        env: dict[str, float] = {lab: float(x[r.par]) if r.free else r.value
                                 for lab, r in first.items()}
        for t in spec.defined:
            env[t.lhs] = float(eval(compile(t.rhs.replace("^", "**"), "<model>", "eval"),
                                    {"__builtins__": {}, **scope}, dict(env)))
        out = []
        for t in terms:
            rhs = float(eval(compile(t.rhs.replace("^", "**"), "<model>", "eval"),
                             {"__builtins__": {}, **scope}, dict(env)))
            out.append(env[t.lhs] - rhs if t.op == ">" else rhs - env[t.lhs])
        return np.array(out)

    with np.errstate(all="ignore"):
        b = evaluate(np.zeros(npar))
        A = np.column_stack([evaluate(np.eye(npar)[j]) - b for j in range(npar)]) \
            if npar else np.zeros((len(terms), 0))
        probe = np.linspace(0.3, 1.7, npar)
        mismatch = np.abs(evaluate(probe) - (A @ probe + b))
    text = [f"{t.lhs} {t.op} {t.rhs}" for t in terms]
    for k, t in enumerate(terms):
        if not (np.isfinite(b[k]) and np.all(np.isfinite(A[k])) and mismatch[k] < 1e-9):
            raise ModelError(f"inequality constraint '{text[k]}' (line {t.line}) is not linear "
                             "in the parameters: only linear inequality constraints are "
                             "supported")
        if not np.any(A[k]):
            raise ModelError(f"inequality constraint '{text[k]}' (line {t.line}) names only "
                             "fixed parameters")
    return Inequalities(A, b, text)
