"""Standard errors, modification indices and the checks of a solution."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.structural.estimators import Objective
from psychometrics.structural.matrices import Model
from psychometrics.structural.partable import LOAD, PSI, THETA, Row, few_indicators_hint, param_key
from psychometrics.structural.standardize import standardize
from psychometrics.structural.syntax import ModelSpec

__all__ = ["check_solution", "invert_information", "modification_indices"]


def invert_information(info: np.ndarray, N: int, model: Model, spec: ModelSpec,
                        warn: Callable[[str], None]) -> np.ndarray | None:
    d = np.sqrt(np.abs(np.diag(info)))
    d[d == 0] = 1.0
    scaled = info / np.outer(d, d)
    evals, evecs = np.linalg.eigh((scaled + scaled.T) / 2.0)
    if evals[0] < 1e-10 * max(evals[-1], 1.0):
        vec = evecs[:, 0]
        involved = [model.names[i] for i in np.flatnonzero(np.abs(vec) > 0.1)]
        warn("the information matrix is singular or not positive definite (smallest eigenvalue "
             f"{evals[0]:.3g}): the model is not identified; parameters involved: "
             f"{', '.join(involved)}{few_indicators_hint(spec)}. Standard errors are not "
             "available.")
        return None
    inv = np.linalg.inv(info) / N
    return (inv + inv.T) / 2.0


def modification_indices(objective: Objective, model: Model, rows: list[Row],
                          x: np.ndarray, w: Any, expected: np.ndarray, N: int,
                          P: np.ndarray, T: np.ndarray, sigma: np.ndarray) -> pd.DataFrame:
    """lavaan's ``modindices()``: univariate score tests with the expected information.

    Candidates are the fixed parameters of the model (in table order) and then every
    loading and item residual covariance not in the model (lavaan's ``lav_partable_full``
    order). Rows whose conditional information is ~0 (a marker loading, a fixed factor
    variance under ``std_lv``) are dropped, as lavaan does.
    """
    ov, lv = model.ov, model.lv
    cand: list[tuple[str, str, str, int, int, int, float]] = []
    present: set[tuple[int, int, int]] = set()
    for r in rows:
        present.add(param_key(r.kind, r.a, r.b))
        if not r.free:
            cand.append((r.lhs, r.op, r.rhs, r.kind, r.a, r.b, r.value))
    for f in range(model.m):
        for i in range(model.p):
            if (LOAD, i, f) not in present:
                cand.append((lv[f], "=~", ov[i], LOAD, i, f, 0.0))
    for j in range(model.p):
        for i in range(j, model.p):
            if (THETA, j, i) not in present:
                cand.append((ov[j], "~~", ov[i], THETA, j, i, 0.0))
    for g in range(model.m):
        for f in range(g, model.m):
            if (PSI, g, f) not in present:
                cand.append((lv[g], "~~", lv[f], PSI, g, f, 0.0))
    columns = ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]
    if not cand:
        return pd.DataFrame({c: [] for c in columns})
    kind = np.array([c[3] for c in cand])
    a = np.array([c[4] for c in cand])
    b = np.array([c[5] for c in cand])
    B = model.basis(x)
    r1 = objective.free_rows
    r2 = model.row_basis(kind, a, b)
    i12 = model.K.T @ objective.row_info(w, B, r1, r2)
    i22 = objective.row_info_diag(w, B, r2)
    score = objective.row_gradient(w, B, r2)
    try:
        inv11 = np.linalg.inv(expected)
        cond = i22 - np.sum(i12 * (inv11 @ i12), axis=0)
    except np.linalg.LinAlgError:
        cond = np.full(len(cand), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(cond < np.finfo(float).eps ** (1.0 / 3.0), np.nan, cond)
        mi = N * score**2 / cond
        epc = -score / cond
    value = np.array([c[6] for c in cand])
    # lavaan standardises |EPC| (a variance candidate keeps its estimate) and restores signs.
    base = np.where((kind == THETA) & (a == b), value, np.abs(epc))
    s_lv, s_all = standardize(kind, a, b, base, P, T, sigma)
    sign = np.sign(epc)
    out = pd.DataFrame({
        "lhs": [c[0] for c in cand], "op": [c[1] for c in cand], "rhs": [c[2] for c in cand],
        "mi": mi, "epc": epc, "sepc_lv": sign * s_lv, "sepc_all": sign * s_all,
    })
    return out[out["mi"].notna()].reset_index(drop=True)


def check_solution(model: Model, rows: list[Row], est: np.ndarray, std_all: np.ndarray,
                    P: np.ndarray, sigma: np.ndarray, warn: Callable[[str], None]) -> None:
    ov, lv = model.ov, model.lv
    for k, r in enumerate(rows):
        if r.kind == THETA and r.a == r.b and est[k] < 0:
            warn(f"Heywood case: the residual variance of item {ov[r.a]!r} is negative "
                 f"({est[k]:.4g})")
        if r.kind == PSI and r.a == r.b and est[k] < 0:
            warn(f"the variance of factor {lv[r.a]!r} is negative ({est[k]:.4g})")
    for k, r in enumerate(rows):
        if r.kind == LOAD and np.isfinite(std_all[k]) and abs(std_all[k]) > 1.0:
            warn(f"Heywood case: the standardized loading of item {ov[r.a]!r} on factor "
                 f"{lv[r.b]!r} is {std_all[k]:.4g} (above 1 in absolute value)")
    if model.m > 1:
        evals, evecs = np.linalg.eigh(P)
        if evals[0] <= 0:
            involved = [lv[i] for i in np.flatnonzero(np.abs(evecs[:, 0]) > 0.2)]
            warn("the covariance matrix of the factors is not positive definite (smallest "
                 f"eigenvalue {evals[0]:.3g}); factors involved: "
                 f"{', '.join(map(repr, involved))}")
    evals = np.linalg.eigvalsh(sigma)
    if evals[0] <= 0:
        warn(f"the model-implied covariance matrix is not positive definite (smallest "
             f"eigenvalue {evals[0]:.3g})")
