"""lavaan's parameter table of a model on ordered items (``lavaanify`` with ``ordered=``).

Built from the continuous table (:func:`~psychometrics.structural.partable.build_table`
with a mean structure) by the rules of lavaan 0.6.14's ``lav_partable_flat``:

* threshold rows ``item | t1``, ``item | t2``, ... (kind :data:`TAU`, free) after the
  user's rows, one per threshold of the item (its number of categories minus one);
* scaling-factor rows ``item ~*~ item`` (kind :data:`SCALE`) after the (co)variances,
  fixed at 1;
* the items' intercepts fixed at 0, their residual variances fixed at 1 (in the delta
  parameterization that row's estimate is then reported as ``1/delta^2 - communality``);
* several groups with ``"thresholds"`` in ``group_equal``: the scaling factors (delta) or
  the residual variances (theta) of groups 2+ are freed, and so are the factor means of
  groups 2+ (also with ``"intercepts"``, unless ``"means"`` is equal too).

Labels ``.pK.`` of ``group_equal`` are lavaan's, K the row of group 1 in this table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from psychometrics.structural.errors import ModelError
from psychometrics.structural.partable import (
    ALPHA,
    GROUP_EQUAL,
    NU,
    PSI,
    THETA,
    Row,
    _constraints,
    build_table,
    equal_kind,
    number_parameters,
    parse_partial,
    share_group_labels,
)
from psychometrics.structural.syntax import ModelSpec

__all__ = ["ORDINAL_GROUP_EQUAL", "SCALE", "TAU", "ordinal_table"]

# Parameter kinds beyond partable's six: a threshold (a = item, b = its 0-based number) and
# a scaling factor (a = b = item).
TAU, SCALE = 6, 7

ORDINAL_GROUP_EQUAL = ("thresholds", *GROUP_EQUAL)


def _equal_kind(row: Row) -> str:
    if row.kind == TAU:
        return "thresholds"
    if row.kind == SCALE:
        return "scaling"
    return equal_kind(row)


def ordinal_table(spec: ModelSpec, n_thresholds: Sequence[int], *, std_lv: bool,
                  n_groups: int = 1, group_equal: tuple[str, ...] = (),
                  group_partial: tuple[str, ...] = (), parameterization: str = "delta",
                  wu_estabrook: bool = False) -> tuple[list[Row], list[str], list[str]]:
    """The rows of an ordinal model in lavaan's order, with ``par`` numbered.

    ``n_thresholds`` gives each observed item's number of thresholds, in the order of
    ``spec.observed``. ``wu_estabrook`` identifies groups 2+ as Wu & Estabrook (2016) do
    (semTools' ``measEq.syntax(ID.cat = "Wu.Estabrook.2016")``) instead of lavaan's
    default: with equal thresholds the items' intercepts are free (unless ``"intercepts"``
    are equal too) and so are the scaling factors (delta) or the residual variances
    (theta) of the items with more than one threshold; the factor means are free only
    with equal intercepts.
    """
    unknown = [g for g in group_equal if g not in ORDINAL_GROUP_EQUAL]
    if unknown:
        raise ModelError(f"group_equal: unknown {', '.join(map(repr, unknown))}; expected "
                         f"some of {', '.join(map(repr, ORDINAL_GROUP_EQUAL))}")
    if parameterization not in ("delta", "theta"):
        raise ModelError(f"parameterization must be 'delta' or 'theta', got "
                         f"{parameterization!r}")
    # The continuous table without equalities (set below, on the final row order).
    base, ov, lv = build_table(spec, std_lv=std_lv, meanstructure=True, n_groups=n_groups,
                               group_equal=(), group_partial=())
    if len(n_thresholds) != len(ov):
        raise ModelError("one number of thresholds per item is needed")
    equal_th = "thresholds" in group_equal
    equal_int = "intercepts" in group_equal
    if wu_estabrook:
        free_means = equal_int and "means" not in group_equal
    else:
        free_means = (equal_th or equal_int) and "means" not in group_equal
    rows: list[Row] = []
    for g in range(n_groups):
        grows = [r for r in base if r.group == g]
        user = [r for r in grows if r.user]
        auto = [r for r in grows if not r.user]
        taus = [Row(item, "|", f"t{k + 1}", TAU, i, k, True, math.nan, "", False, group=g)
                for i, item in enumerate(ov) for k in range(int(n_thresholds[i]))]
        # which items' latent-response scales are free in this group (delta: the scaling
        # factor, theta: the residual variance)
        scaled = [g > 0 and equal_th and (not wu_estabrook or n_thresholds[i] > 1)
                  for i in range(len(ov))]
        free_nu = g > 0 and equal_th and wu_estabrook and not equal_int
        scales = [Row(item, "~*~", item, SCALE, i, i, free,
                      math.nan if free else 1.0, "", False, group=g)
                  for i, item in enumerate(ov)
                  for free in [scaled[i] and parameterization == "delta"]]
        for r in auto:
            r.label, r.auto = "", False
            if r.kind == THETA and r.a == r.b:
                free = scaled[r.a] and parameterization == "theta"
                r.free, r.value = free, math.nan if free else 1.0
            elif r.kind == NU:
                r.free, r.value = free_nu, math.nan if free_nu else 0.0
            elif r.kind == ALPHA:
                free = g > 0 and free_means
                r.free, r.value = free, math.nan if free else 0.0
            elif r.kind == PSI and std_lv and r.a == r.b and g > 0 and \
                    "loadings" in group_equal and "lv.variances" not in group_equal:
                r.free, r.value = True, math.nan  # lavaan: std.lv with equal loadings
        means = [r for r in auto if r.kind in (NU, ALPHA)]
        rest = [r for r in auto if r.kind not in (NU, ALPHA)]
        rows += user + taus + rest + scales + means
    _equalities(rows, n_groups, group_equal, group_partial)
    _number(spec, rows)
    return rows, ov, lv


def _equalities(rows: list[Row], n_groups: int, group_equal: tuple[str, ...],
                group_partial: tuple[str, ...]) -> None:
    """``group_equal``: the free rows of groups 2+ share the label of their group-1 row."""
    if n_groups < 2 or not group_equal:
        return
    partial = set()
    names = {r.lhs for r in rows} | {r.rhs for r in rows}
    for text in group_partial:
        compact = "".join(str(text).split())
        lhs, bar, rhs = compact.partition("|")
        key = (lhs, "|", rhs) if bar else parse_partial(text)
        if key[0] not in names or (key[2] and key[2] not in names):
            raise ModelError(f"group_partial: {text!r} names a variable or threshold that is "
                             "not in the model")
        partial.add(key)
    share_group_labels(rows, group_equal, partial, _equal_kind)


def _number(spec: ModelSpec, rows: list[Row]) -> None:
    """``par`` of every free row: equal labels (and ``==``) share one parameter."""
    number_parameters(rows, _constraints(spec, rows))
