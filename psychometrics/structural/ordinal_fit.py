"""Stage 2 of an ordinal CFA: the (D)WLS optimiser over lavaan-style free-index matrices.

The engine's parameter table is not wired to the ordinal estimators yet (issue 10, step 1
is unfinished); this module holds the part that does not depend on it: given, per group,
the model matrices (fixed values in place) and lavaan's ``free`` index matrices
(``lavInspect(fit, "free")``: 0 = fixed, k = free parameter k, 1-based), it minimises

.. math:: F(x) = \\sum_g \\frac{N_g}{N}\\, \\tfrac12\\, e_g' W_g e_g,
          \\quad e_g = s_g - \\sigma_g(x)

by Gauss-Newton (``scipy.optimize.least_squares`` on :math:`W^{1/2} e` with the analytic
Jacobian of :func:`~psychometrics.structural.ordinal_implied.ordinal_jacobian`), with linear
equality constraints :math:`C x = 0` (lavaan's ``con.jac`` for ``group.equal``) removed by a
null-space reparameterisation. ``W`` is the diagonal DWLS weight (``wls_v``) or, for
``weight="uls"``, the identity. The minimiser is lavaan's: the criterion and the weight are
the same (lavaan's ``fmin`` for DWLS); tests/test_ordinal_fit.py checks one-group fits
(delta and theta parameterizations). With several groups and equality constraints the
criterion is flat along some directions: lavaan's nlminb stops up to 2.5e-4 away in the
estimates with an fmin 5e-10 above ours; the chi-square agrees to 1e-4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.structural.ordinal_implied import ordinal_implied, ordinal_jacobian

BLOCKS = ("lambda", "psi", "theta", "tau", "nu", "alpha", "delta")


@dataclass(frozen=True)
class DWLSFit:
    """Result of :func:`dwls_fit`: the free parameters, their per-group matrices, fmin."""

    x: np.ndarray
    matrices: list[dict[str, np.ndarray]]
    fmin: float
    converged: bool
    iterations: int


def _index_of(block: str, free: np.ndarray, p: int, m: int) -> np.ndarray:
    """Free indices in the column order of ordinal_jacobian's block."""
    f = np.asarray(free, dtype=float)
    if block == "lambda":
        return f.reshape(p, m).ravel(order="F")
    if block in ("psi", "theta"):
        k = m if block == "psi" else p
        f = f.reshape(k, k)
        cols, rows = np.triu_indices(k)
        return f[rows, cols]
    return np.ravel(f)


def _set(mats: dict[str, np.ndarray], block: str, free: np.ndarray, x: np.ndarray) -> None:
    f = np.asarray(free, dtype=float).reshape(mats[block].shape)
    mask = f > 0
    mats[block][mask] = x[f[mask].astype(int) - 1]


def dwls_fit(groups: Sequence[dict[str, Any]], weights: Sequence[np.ndarray],
             observed: Sequence[np.ndarray], nobs: Sequence[int], x0: np.ndarray, *,
             constraints: np.ndarray | None = None, parameterization: str = "delta",
             weight: str = "dwls", max_nfev: int = 200) -> DWLSFit:
    """Minimise the DWLS (or ULS) criterion of an ordinal factor model.

    Parameters
    ----------
    groups
        Per group: ``{"matrices": {block: array}, "free": {block: index array},
        "th_item": 0-based item of each threshold}``; blocks as in
        :func:`~psychometrics.structural.ordinal_implied.ordinal_jacobian`.
    weights, observed, nobs
        Per group: the diagonal weight (``OrdinalSampleStats.groups[g].wls_v``), the sample
        statistics ``wls_obs`` and ``N_g``.
    x0
        Starting values of the free parameters (lavaan's order).
    constraints
        ``C`` with ``C x = 0`` at the solution (lavaan's ``con.jac``), or ``None``.

    Returns
    -------
    DWLSFit
    """
    from scipy.linalg import null_space
    from scipy.optimize import least_squares

    if weight not in ("dwls", "uls"):
        raise ValueError(f"weight must be 'dwls' or 'uls', got {weight!r}")
    x0 = np.asarray(x0, dtype=float)
    q = x0.size
    ntot = float(sum(nobs))
    K = np.eye(q) if constraints is None or not np.size(constraints) else \
        null_space(np.atleast_2d(np.asarray(constraints, dtype=float)))
    z0 = np.linalg.lstsq(K, x0, rcond=None)[0]
    sq = [np.sqrt(n / ntot * (np.asarray(w, dtype=float) if weight == "dwls"
                              else np.ones_like(np.asarray(w, dtype=float))))
          for w, n in zip(weights, nobs, strict=True)]

    def mats_at(x: np.ndarray) -> list[dict[str, np.ndarray]]:
        out = []
        for g in groups:
            mats = {b: np.array(v, dtype=float) for b, v in g["matrices"].items()}
            for b in BLOCKS:
                if b in g["free"] and b in mats:
                    _set(mats, b, g["free"][b], x)
            out.append(mats)
        return out

    def call(fn: Any, mats: dict[str, np.ndarray], g: dict[str, Any]) -> Any:
        kw = {b: v for b, v in mats.items() if b not in ("lambda", "psi", "tau")}
        return fn(mats["lambda"], mats["psi"], mats["tau"], g["th_item"], **kw,
                  parameterization=parameterization)

    def resid(z: np.ndarray) -> np.ndarray:
        x = K @ z
        r = [s * (obs - call(ordinal_implied, m, g).wls_est)
             for s, obs, m, g in zip(sq, observed, mats_at(x), groups, strict=True)]
        return np.concatenate(r)

    def jac(z: np.ndarray) -> np.ndarray:
        x = K @ z
        rows = []
        for s, m, g in zip(sq, mats_at(x), groups, strict=True):
            J = call(ordinal_jacobian, m, g)
            p, k = m["lambda"].shape
            D = np.zeros((next(iter(J.values())).shape[0], q))
            for b, block in J.items():
                if b not in g["free"]:
                    continue
                for col, idx in enumerate(_index_of(b, g["free"][b], p, k)):
                    if idx > 0:
                        D[:, int(idx) - 1] += block[:, col]
            rows.append(-s[:, None] * D)
        return np.vstack(rows) @ K

    sol = least_squares(resid, z0, jac=jac, method="lm", xtol=1e-12, ftol=1e-14,
                        gtol=1e-12, max_nfev=max_nfev)
    x = K @ sol.x
    return DWLSFit(x=x, matrices=mats_at(x), fmin=float(0.5 * sol.fun @ sol.fun),
                   converged=bool(sol.success), iterations=int(sol.nfev))
