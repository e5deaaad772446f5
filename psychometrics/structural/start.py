"""Start values for the optimiser, in lavaan's spirit."""

from __future__ import annotations

import math

import numpy as np

from psychometrics.factor._matrix import cov2cor
from psychometrics.structural.matrices import Model
from psychometrics.structural.partable import LOAD, NU, PSI, THETA
from psychometrics.structural.samplestats import Sample

__all__ = ["start_values"]


def start_values(model: Model, sample: Sample) -> np.ndarray:
    """Start values in lavaan's spirit: residual variances half the observed variances,
    loadings from a one-factor principal component of each factor's items rescaled to the
    identification constraint, factor covariances 0, intercepts the sample means."""
    S = sample.cov
    rows = model.rows
    values = np.full(len(rows), np.nan)
    for k, r in enumerate(rows):
        if not r.free:
            values[k] = r.value
    for f in range(model.m):
        load = [k for k, r in enumerate(rows) if r.kind == LOAD and r.b == f]
        var_row = next(k for k, r in enumerate(rows) if r.kind == PSI and r.a == f and r.b == f)
        items = [rows[k].a for k in load]
        sd = np.sqrt(np.diag(S)[items])
        if len(items) >= 2:
            evals, evecs = np.linalg.eigh(cov2cor(S[np.ix_(items, items)]))
            lam = evecs[:, -1] * math.sqrt(max(evals[-1], 1e-6))
            if lam.sum() < 0:
                lam = -lam
        else:
            lam = np.ones(1)
        raw = lam * sd
        fixed = [j for j, k in enumerate(load) if not rows[k].free and rows[k].value != 0]
        psi_row = rows[var_row]
        if fixed:
            j = fixed[0]
            scale = raw[j] / rows[load[j]].value
            if abs(scale) < 1e-3 * max(np.max(np.abs(raw)), 1e-12):
                scale = float(np.max(np.abs(raw)))
            psi = scale**2
        elif not psi_row.free and psi_row.value > 0:
            scale = math.sqrt(psi_row.value)
            psi = psi_row.value
        else:
            scale, psi = 1.0, 1.0
        for j, k in enumerate(load):
            if rows[k].free:
                values[k] = raw[j] / scale
        if psi_row.free:
            values[var_row] = psi
    for k, r in enumerate(rows):
        if not r.free or not math.isnan(values[k]):
            continue
        if r.kind == THETA:
            values[k] = 0.5 * S[r.a, r.a] if r.a == r.b else 0.0
        elif r.kind == PSI:
            values[k] = 0.0 if r.a != r.b else 0.05
        elif r.kind == NU:
            values[k] = sample.mean[r.a] if sample.mean is not None else 0.0
        else:
            values[k] = 0.0
    for k, r in enumerate(rows):
        if r.free and r.start is not None:
            values[k] = r.start
    x0 = np.zeros(model.q)
    seen = np.zeros(model.q, dtype=bool)
    for k, r in enumerate(rows):
        if r.free and not seen[r.par]:
            x0[r.par] = values[k]
            seen[r.par] = True
    return x0
