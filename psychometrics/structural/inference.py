"""Standard errors, modification indices and the checks of a solution."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.structural.estimators import Objective
from psychometrics.structural.matrices import Model, RowBasis, jacobian, moment_index
from psychometrics.structural.partable import (
    BETA,
    LOAD,
    PSI,
    THETA,
    Row,
    few_indicators_hint,
    param_key,
)
from psychometrics.structural.robust import nt_weight, x_moments
from psychometrics.structural.standardize import standardize, standardize_nox
from psychometrics.structural.syntax import ModelSpec

__all__ = ["GroupPart", "check_solution", "constrained_inverse", "invert_information",
           "modification_indices", "score_tests"]


def constrained_inverse(info: np.ndarray, H: np.ndarray) -> np.ndarray:
    """The inverse of the information under the equality constraints ``H dx = 0``:
    ``Z (Z' I Z)^-1 Z'`` with Z a basis of the null space of H, the parameter block of the
    inverse of the bordered matrix ``[[I, H'], [H, 0]]`` that lavaan inverts
    (lav_model_information_augment_invert; there with the active inequality constraints)."""
    from scipy import linalg

    Z = linalg.null_space(H)
    inv = Z @ np.linalg.inv(Z.T @ info @ Z) @ Z.T
    return (inv + inv.T) / 2.0


def invert_information(info: np.ndarray, N: int, names: list[str], spec: ModelSpec,
                       warn: Callable[[str], None],
                       constraints: np.ndarray | None = None) -> np.ndarray | None:
    """``I^-1 / N``, or None with a warning naming the parameters of a singular direction;
    with ``constraints`` (rows H of active constraints ``H dx = 0``) the constrained
    inverse (:func:`constrained_inverse`)."""
    if constraints is not None and len(constraints):
        from scipy import linalg

        Z = linalg.null_space(constraints)
        reduced = Z.T @ info @ Z
        if np.linalg.eigvalsh((reduced + reduced.T) / 2.0)[0] <= 1e-10 * max(
                float(np.abs(reduced).max()), 1.0):
            warn("the information matrix is singular under the active inequality "
                 "constraints: standard errors are not available")
            return None
        return constrained_inverse(info, constraints) / N
    d = np.sqrt(np.abs(np.diag(info)))
    d[d == 0] = 1.0
    scaled = info / np.outer(d, d)
    evals, evecs = np.linalg.eigh((scaled + scaled.T) / 2.0)
    if evals[0] < 1e-10 * max(evals[-1], 1.0):
        vec = evecs[:, 0]
        involved = [names[i] for i in np.flatnonzero(np.abs(vec) > 0.1)]
        warn("the information matrix is singular or not positive definite (smallest eigenvalue "
             f"{evals[0]:.3g}): the model is not identified; parameters involved: "
             f"{', '.join(involved)}{few_indicators_hint(spec)}. Standard errors are not "
             "available.")
        return None
    inv = np.linalg.inv(info) / N
    return (inv + inv.T) / 2.0


@dataclass
class GroupPart:
    """One group of a fitted model, as the modification indices and checks need it."""

    label: str
    weight: float  # N_g / N
    objective: Objective
    state: Any
    model: Model
    rows: list[Row]
    P: np.ndarray
    T: np.ndarray
    sigma: np.ndarray
    # complete data (one pattern): the sample covariance matrix; None under FIML
    sample_cov: np.ndarray | None = None


def modification_indices(parts: list[GroupPart], x: np.ndarray, expected: np.ndarray,
                         N: int, with_group: bool,
                         inverse: np.ndarray | None = None) -> pd.DataFrame:
    """lavaan's ``modindices()``: univariate score tests with the expected information.

    Candidates are the fixed parameters of the model (in table order, every group's) and
    then, group by group, every loading and item residual covariance not in the model
    (lavaan's ``lav_partable_full`` order: lavaan appends them to the table). Rows whose
    conditional information is ~0 (a marker loading, a fixed factor variance under
    ``std_lv``) are dropped, as lavaan does. With
    several groups the score and information of a candidate are its group's, weighted by
    ``N_g / N``, against the information of all groups' parameters.
    """
    columns = ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
    if with_group:
        columns.insert(3, "group")
    # ``inverse``: the information's inverse under active inequality constraints (lavaan's
    # modindices uses the augmented inverse there)
    inv11: np.ndarray | None = inverse
    if inv11 is None:
        try:
            inv11 = np.linalg.inv(expected)
        except np.linalg.LinAlgError:
            inv11 = None
    frames = []
    for added in (False, True):
        for part in parts:
            frame = _group_candidates(part, x, inv11, N, added)
            if frame is not None:
                if with_group:
                    frame.insert(3, "group", part.label)
                frames.append(frame)
    if not frames:
        return pd.DataFrame({c: [] for c in columns})
    out = pd.concat(frames, ignore_index=True)
    return out[out["mi"].notna()].reset_index(drop=True)


def _group_candidates(part: GroupPart, x: np.ndarray, inv11: np.ndarray | None,
                      N: int, added: bool) -> pd.DataFrame | None:
    """The score tests of one group's fixed rows (``added`` False) or of the parameters
    not in its table (``added`` True), lavaan's ``lav_partable_full``: loadings of every
    factor on every item that is not in a regression, residual covariances of the
    indicators, factor covariances, and regressions among all the variables of the
    regressions."""
    model, rows = part.model, part.rows
    ov, lv = model.ov, model.lv
    cand: list[tuple[str, str, str, int, int, int, float, bool]] = []
    if not added:
        cand = [(r.lhs, r.op, r.rhs, r.kind, r.a, r.b, r.value, r.exo)
                for r in rows if not r.free]
    else:
        present = {param_key(r.kind, r.a, r.b) for r in rows}
        factors = [f for f in range(model.m) if not model.dummy[f]]
        regressions = [r for r in rows if r.op == "~"]
        eqs = list(dict.fromkeys([r.lhs for r in regressions] + [r.rhs for r in regressions]))
        indicators = {r.rhs for r in rows if r.op == "=~"}
        in_eqs = set(eqs)
        for f in factors:
            for i in range(model.p):
                if ov[i] not in in_eqs and (LOAD, i, f) not in present:
                    cand.append((lv[f], "=~", ov[i], LOAD, i, f, 0.0, False))
        for j in range(model.p):
            for i in range(j, model.p):
                if (ov[i] in indicators and ov[j] in indicators
                        and (THETA, j, i) not in present):
                    cand.append((ov[j], "~~", ov[i], THETA, j, i, 0.0, False))
        for k, g in enumerate(factors):
            for f in factors[k:]:
                if (PSI, g, f) not in present:
                    cand.append((lv[g], "~~", lv[f], PSI, g, f, 0.0, False))
        lv_index = {name: f for f, name in enumerate(lv)}
        for lhs in eqs:
            for rhs in eqs:
                a, b = lv_index[lhs], lv_index[rhs]
                if lhs != rhs and (BETA, a, b) not in present:
                    cand.append((lhs, "~", rhs, BETA, a, b, 0.0, False))
    if not cand:
        return None
    kind = np.array([c[3] for c in cand])
    a = np.array([c[4] for c in cand])
    b = np.array([c[5] for c in cand])
    objective, w = part.objective, part.state
    B = model.basis(x)
    r1 = model.rows_at(x)
    # the factors' total means IB alpha (as Model.rows_at): a regression candidate moves
    # the mean of its outcome by its predictor's mean
    r2 = model.row_basis(kind, a, b, model.inverse_beta(x) @ model.alpha(x)
                         if model.latent_means else None)
    if model.exo.any() and part.sample_cov is not None:
        # fixed.x: lavaan's information leaves out the covariates' moments (zero rows and
        # columns of the h1 information), which the candidates may move
        i12, i22 = _fixed_x_info(model, x, r2, part.sigma)
        i12, i22 = part.weight * i12, part.weight * i22
    else:
        i12 = part.weight * (model.K.T @ objective.row_info(w, B, r1, r2))
        i22 = part.weight * objective.row_info_diag(w, B, r2)
    score = part.weight * objective.row_gradient(w, B, r2)
    if inv11 is None:
        cond = np.full(len(cand), np.nan)
    else:
        cond = i22 - np.sum(i12 * (inv11 @ i12), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(cond < part.weight * np.finfo(float).eps ** (1.0 / 3.0), np.nan, cond)
        mi = N * score**2 / cond
        epc = -score / cond
    value = np.array([c[6] for c in cand])
    exo = np.array([c[7] for c in cand], dtype=bool)
    # lavaan standardises |EPC| (a variance candidate keeps its estimate, a covariate's
    # does not) and restores signs; a variance whose EPC is ~0 has sepc 0.
    variance = ((kind == THETA) | (kind == PSI)) & (a == b)
    base = np.where(variance & ~exo, value, np.abs(epc))
    small = variance & (np.abs(base) < np.sqrt(np.finfo(float).eps))
    _, psi, _, _ = model.matrices(x)
    kw = {"psi": psi, "dummy": model.dummy}
    s_lv, s_all = standardize(kind, a, b, base, part.P, part.T, part.sigma, **kw)
    s_nox = standardize_nox(kind, a, b, base, part.P, part.T, part.sigma, exo=model.exo, **kw)
    sign = np.sign(epc)
    return pd.DataFrame({
        "lhs": [c[0] for c in cand], "op": [c[1] for c in cand], "rhs": [c[2] for c in cand],
        "mi": mi, "epc": epc, "sepc_lv": np.where(small, 0.0, sign * s_lv),
        "sepc_all": np.where(small, 0.0, sign * s_all),
        "sepc_nox": np.where(small, 0.0, sign * s_nox),
    })


def _fixed_x_info(model: Model, x: np.ndarray, rc: RowBasis,
                  sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The expected information between the free parameters and the candidates, and the
    candidates' own, in moment space ``Delta' A Delta`` (A the normal-theory weight at the
    implied moments) with the candidates' derivatives of the covariates' moments left out
    (the free parameters do not move them)."""
    ms = model.meanstructure
    Bm = model.basis(x)
    i, j = moment_index(model.p)
    Bu, Bv = Bm[:, rc.bu], Bm[:, rc.bv]
    d_c = rc.c * (Bu[i] * Bv[j] + Bv[i] * Bu[j])
    if ms:
        d_c = np.vstack([rc.sj * Bm[:, rc.bj], d_c])
    x_idx = tuple(k for k, name in enumerate(model.ov)
                  if name in {model.lv[f] for f in np.flatnonzero(model.exo)})
    d_c[x_moments(model.p, x_idx, ms)] = 0.0
    A = nt_weight(sigma, ms)
    Ad = A @ d_c
    return jacobian(model, x, ms).T @ Ad, np.sum(d_c * Ad, axis=0)


def check_solution(model: Model, rows: list[Row], est: np.ndarray, std_all: np.ndarray,
                   P: np.ndarray, sigma: np.ndarray, warn: Callable[[str], None],
                   group: str | None = None) -> None:
    """Heywood cases and non-positive-definite matrices, as NumericalWarnings naming the
    item, factor and (with several groups) the group."""
    ov, lv = model.ov, model.lv
    where = f" in group {group!r}" if group is not None else ""
    for k, r in enumerate(rows):
        if r.kind == THETA and r.a == r.b and est[k] < 0:
            warn(f"Heywood case: the residual variance of item {ov[r.a]!r}{where} is negative "
                 f"({est[k]:.4g})")
        if r.kind == PSI and r.a == r.b and est[k] < 0 and model.dummy[r.a]:
            warn(f"Heywood case: the residual variance of {lv[r.a]!r}{where} is negative "
                 f"({est[k]:.4g})")
        elif r.kind == PSI and r.a == r.b and est[k] < 0:
            warn(f"the variance of factor {lv[r.a]!r}{where} is negative ({est[k]:.4g})")
    for k, r in enumerate(rows):
        if r.kind == LOAD and np.isfinite(std_all[k]) and abs(std_all[k]) > 1.0:
            warn(f"Heywood case: the standardized loading of item {ov[r.a]!r} on factor "
                 f"{lv[r.b]!r}{where} is {std_all[k]:.4g} (above 1 in absolute value)")
    if model.m > 1:
        evals, evecs = np.linalg.eigh(P)
        if evals[0] <= 0:
            involved = [lv[i] for i in np.flatnonzero(np.abs(evecs[:, 0]) > 0.2)]
            warn(f"the covariance matrix of the factors{where} is not positive definite "
                 "(smallest "
                 f"eigenvalue {evals[0]:.3g}); factors involved: "
                 f"{', '.join(map(repr, involved))}")
    evals = np.linalg.eigvalsh(sigma)
    if evals[0] <= 0:
        warn(f"the model-implied covariance matrix{where} is not positive definite (smallest "
             f"eigenvalue {evals[0]:.3g})")


def score_tests(parts: list[GroupPart], rows: list[Row], x: np.ndarray,
                N: int) -> tuple[pd.DataFrame, pd.Series] | None:
    """lavaan's ``lavTestScore``: score (Lagrange multiplier) tests of releasing the
    equality constraints, with the expected information.

    Every free row gets a parameter of its own; the constraints are ``row_0 == row_k`` for
    each further row of a shared parameter (lavaan's ``.pK. == .pL.``, K and L the rows'
    1-based places in the table). With ``s`` the gradient of the log-likelihood per
    observation and ``I`` the information in that parametrization at the constrained
    estimates, the total test is ``N s' I^-1 s`` on as many df as constraints, and
    releasing constraint r alone ``N s' P_r s`` with ``P_r`` the information block of the
    (pseudo-)inverse of ``[[I, R'], [R, 0]]``, R the other constraints (Satorra, 1989;
    Bentler, 1990).
    """
    index = {id(r): k for k, r in enumerate(rows)}
    free_rows: list[Row] = []
    blocks = []
    score_parts = []
    for part in parts:
        model = part.model
        B = model.basis(x)
        rb = model.rows_at(x)
        info, _ = part.objective.row_info_hessian(part.state, B, rb, False)
        blocks.append(part.weight * info)
        score_parts.append(-part.weight * part.objective.row_gradient(part.state, B, rb))
        free_rows += [r for r in part.rows if r.free]
    n = len(free_rows)
    I_u = np.zeros((n, n))
    at = 0
    for blk in blocks:
        I_u[at:at + len(blk), at:at + len(blk)] = blk
        at += len(blk)
    s = np.concatenate(score_parts)
    first: dict[int, int] = {}
    cons: list[tuple[int, int]] = []
    for j, r in enumerate(free_rows):
        if r.par in first:
            cons.append((first[r.par], j))
        else:
            first[r.par] = j
    if not cons:
        return None
    R = np.zeros((len(cons), n))
    for c, (a, b) in enumerate(cons):
        R[c, a], R[c, b] = 1.0, -1.0
    J = np.linalg.pinv(I_u)
    total = float(N * s @ J @ s)
    stats = []
    # I can be singular in this parametrization (free factor means with every intercept
    # free), so P_r is the block of the (pseudo-)inverse of the augmented matrix, as lavaan.
    # With the full augmented matrix invertible, dropping constraint r is a rank-one
    # downdate of its inverse M: P_r = M_nn - M_n,r M_r,n / M_r,r (one inversion in all).
    k = len(cons)
    Z = np.block([[I_u, R.T], [R, np.zeros((k, k))]])
    M = None
    if np.linalg.cond(Z) < 1e12:
        M = np.linalg.inv(Z)
    pivots = np.diag(M)[n:] if M is not None else np.zeros(k)
    if M is not None and np.all(np.abs(pivots) > 1e-10 * np.max(np.abs(M))):
        base = float(s @ M[:n, :n] @ s)
        cross = s @ M[:n, n:]
        stats = list(N * (base - cross**2 / pivots))
    else:
        for c in range(k):
            R1 = np.delete(R, c, axis=0)
            Z1 = np.block([[I_u, R1.T], [R1, np.zeros((k - 1, k - 1))]])
            P = np.linalg.pinv(Z1)[:n, :n]
            stats.append(float(N * s @ P @ s))
    from scipy import special

    label = [f".p{index[id(free_rows[a])] + 1}." for a, _ in cons]
    other = [f".p{index[id(free_rows[b])] + 1}." for _, b in cons]
    table = pd.DataFrame({"lhs": label, "op": "==", "rhs": other, "X2": stats, "df": 1,
                          "pvalue": special.chdtrc(1, stats)})
    summary = pd.Series({"X2": total, "df": float(len(cons)),
                         "pvalue": float(special.chdtrc(len(cons), total))}, name="score_test")
    return table, summary
