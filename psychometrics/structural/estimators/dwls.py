r"""(Diagonally) weighted least squares on the stage-1 statistics of ordered items
(lavaan's ``estimator = "DWLS"``, ``"WLS"``, ``"ULS"`` with ``ordered=``; WLSMV and ULSMV
are these with robust corrections).

One group's criterion, as lavaan's ``lav_model_objective``:

.. math:: F_g(x) = \tfrac12 \frac{N_g - 1}{N_g} (s_g - \sigma_g(x))' W_g (s_g - \sigma_g(x))

with ``s_g`` the thresholds and polychoric correlations
(:attr:`~psychometrics.structural.ordinal_stats.OrdinalGroupStats.wls_obs`), ``sigma_g`` the
model's (:func:`~psychometrics.structural.ordinal_implied.ordinal_implied`) and ``W_g``
``diag(1 / diag(Gamma))`` (DWLS), ``Gamma^-1`` (WLS) or the identity (ULS). The interface
is the engine's (:mod:`psychometrics.structural.estimators`): the gradient
``-c Delta' W e``, the unit information ``c Delta' W Delta`` (``c = (N - 1) / N``), which is
also the Gauss-Newton matrix the optimiser's Newton steps use.

``Delta`` is the chain rule through lavaan's LISREL matrices: the Jacobian of
:func:`~psychometrics.structural.ordinal_implied.ordinal_jacobian` in the elements of
``Lambda``, the factors' total covariance ``(I - B)^-1 Psi (I - B)^-T`` and means
``(I - B)^-1 alpha``, ``Theta``, the thresholds, ``nu`` and the scaling factors, gathered
by the parameter table's free rows (a regression ``B[f, g]`` moves the total moments by
``d(I - B)^-1 = (I - B)^-1 E_fg (I - B)^-1``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from psychometrics.structural.matrices import Model
from psychometrics.structural.ordinal_implied import ordinal_implied, ordinal_jacobian
from psychometrics.structural.ordinal_partable import SCALE, TAU
from psychometrics.structural.partable import ALPHA, BETA, LOAD, NU, PSI, THETA, Row

__all__ = ["WEIGHTS", "DWLSObjective", "DWLSState"]

WEIGHTS = ("dwls", "wls", "uls")


@dataclass
class DWLSState:
    """The criterion, the residuals ``s - sigma`` and the Jacobian at one parameter vector."""

    f: float
    resid: np.ndarray
    delta: np.ndarray


def _vech_index(k: int) -> np.ndarray:
    """Column of element (a, b), a >= b, in R's ``vech`` order (lower triangle by column)."""
    cols, rows = np.triu_indices(k)
    out = np.zeros((k, k), dtype=int)
    out[rows, cols] = np.arange(rows.size)
    out[cols, rows] = np.arange(rows.size)
    return out


class DWLSObjective:
    """One group's (D)WLS / ULS criterion on ordered items; see the module docstring."""

    exact_hessian = True  # Gauss-Newton: the information is the Newton matrix

    def __init__(self, model: Model, rows: list[Row], stats: Any, weight: str = "dwls",
                 parameterization: str = "delta"):
        if weight not in WEIGHTS:
            raise ValueError(f"weight must be one of {WEIGHTS}, got {weight!r}")
        self.model = model
        self.q = model.q
        self.stats = stats
        self.parameterization = parameterization
        self.weight_name = weight
        n = stats.nobs
        self.n = n
        self.c = (n - 1) / n
        self.s = np.asarray(stats.wls_obs, dtype=float)
        if weight == "dwls":
            self.W = np.asarray(stats.wls_v, dtype=float)
        elif weight == "uls":
            self.W = np.ones(self.s.size)
        else:
            self.W = np.linalg.inv(stats.gamma)
        # what the optimiser's rescue of a bad start reads (sample.cov)
        self.sample = SimpleNamespace(cov=stats.correlation, n=n, mean=None)
        self.th_item = np.asarray(stats.threshold_item, dtype=np.intp)
        offset = np.concatenate([[0], np.cumsum(np.bincount(self.th_item,
                                                            minlength=model.p))[:-1]])
        self.tau0 = np.zeros(self.th_item.size)
        self.scale0 = np.ones(model.p)
        tau_pos, tau_par, sc_item, sc_par = [], [], [], []
        for r in rows:
            if r.kind == TAU:
                pos = int(offset[r.a] + r.b)
                if r.free:
                    tau_pos.append(pos)
                    tau_par.append(r.par)
                else:
                    self.tau0[pos] = r.value
            elif r.kind == SCALE:
                if r.free:
                    sc_item.append(r.a)
                    sc_par.append(r.par)
                else:
                    self.scale0[r.a] = r.value
        self.tau_pos = np.array(tau_pos, dtype=np.intp)
        self.tau_par = np.array(tau_par, dtype=np.intp)
        self.sc_item = np.array(sc_item, dtype=np.intp)
        self.sc_par = np.array(sc_par, dtype=np.intp)
        self._vp = _vech_index(model.m)
        self._vt = _vech_index(model.p)

    # -- the model's statistics --------------------------------------------------------

    def thresholds(self, x: np.ndarray) -> np.ndarray:
        tau = self.tau0.copy()
        tau[self.tau_pos] = x[self.tau_par]
        return tau

    def scales(self, x: np.ndarray) -> np.ndarray:
        d = self.scale0.copy()
        d[self.sc_item] = x[self.sc_par]
        return d

    def lisrel(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The matrices the implied statistics take: ``Lambda``, the factors' total
        covariance ``IB Psi IB'`` and total means ``IB alpha`` (``IB = (I - B)^-1``),
        ``Theta``, ``nu``, the thresholds and the scaling factors."""
        model = self.model
        L, P, T, nu = model.matrices(x)
        IB = model.inverse_beta(x)
        return {"lambda": L, "psi": IB @ P @ IB.T, "theta": T, "nu": nu,
                "alpha": IB @ model.alpha(x), "tau": self.thresholds(x),
                "delta": self.scales(x), "IB": IB}

    def implied(self, x: np.ndarray):
        m = self.lisrel(x)
        return ordinal_implied(m["lambda"], m["psi"], m["tau"], self.th_item,
                               theta=m["theta"], delta=m["delta"], nu=m["nu"],
                               alpha=m["alpha"], parameterization=self.parameterization)

    def _resid(self, x: np.ndarray) -> np.ndarray:
        return self.s - self.implied(x).wls_est

    def _quad(self, r: np.ndarray) -> float:
        Wr = self.W * r if self.W.ndim == 1 else self.W @ r
        f = 0.5 * self.c * float(r @ Wr)
        return f if math.isfinite(f) else math.inf

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """``Delta = d sigma / dx`` (statistics x unique free parameters)."""
        model = self.model
        m = self.lisrel(x)
        J = ordinal_jacobian(m["lambda"], m["psi"], m["tau"], self.th_item, theta=m["theta"],
                             delta=m["delta"], nu=m["nu"], alpha=m["alpha"],
                             parameterization=self.parameterization)
        p = model.p
        IB, Ps, As = m["IB"], m["psi"], m["alpha"]
        kind, a, b = model.kind, model.a, model.b
        s = self.s.size
        C = np.zeros((s, kind.size))
        # J["lambda"] column a + b p: d / d Lambda[a, b]
        sel = np.flatnonzero(kind == LOAD)
        C[:, sel] = J["lambda"][:, a[sel] + b[sel] * p]
        sel = np.flatnonzero(kind == PSI)
        if model.has_beta:
            for r in sel:
                f, g = a[r], b[r]
                dP = np.outer(IB[:, f], IB[:, g])
                if f != g:
                    dP = dP + dP.T
                C[:, r] = J["psi"] @ self._lower(dP)
        else:
            C[:, sel] = J["psi"][:, self._vp[a[sel], b[sel]]]
        sel = np.flatnonzero(kind == THETA)
        C[:, sel] = J["theta"][:, self._vt[a[sel], b[sel]]]
        sel = np.flatnonzero(kind == NU)
        C[:, sel] = J["nu"][:, a[sel]]
        sel = np.flatnonzero(kind == ALPHA)
        C[:, sel] = J["alpha"] @ IB[:, a[sel]]
        for r in np.flatnonzero(kind == BETA):
            f, g = a[r], b[r]
            M = np.outer(IB[:, f], Ps[g, :])  # d IB = IB E_fg IB
            C[:, r] = J["psi"] @ self._lower(M + M.T) + J["alpha"] @ (IB[:, f] * As[g])
        D = C @ model.K
        if self.tau_par.size:
            np.add.at(D.T, self.tau_par, J["tau"][:, self.tau_pos].T)
        if self.sc_par.size:
            np.add.at(D.T, self.sc_par, J["delta"][:, self.sc_item].T)
        return D

    @staticmethod
    def _lower(M: np.ndarray) -> np.ndarray:
        cols, rows = np.triu_indices(M.shape[0])
        return M[rows, cols]

    # -- the estimator interface -----------------------------------------------------------

    def value(self, x: np.ndarray) -> float:
        try:
            return self._quad(self._resid(x))
        except (FloatingPointError, np.linalg.LinAlgError, ValueError):
            return math.inf

    def state(self, x: np.ndarray) -> DWLSState | None:
        try:
            r = self._resid(x)
        except (np.linalg.LinAlgError, ValueError):
            return None
        f = self._quad(r)
        if not math.isfinite(f):
            return None
        return DWLSState(f, r, self.jacobian(x))

    def _wd(self, D: np.ndarray) -> np.ndarray:
        return self.W[:, None] * D if self.W.ndim == 1 else self.W @ D

    def gradient(self, x: np.ndarray, st: DWLSState | None = None) -> np.ndarray:
        st = self.state(x) if st is None else st
        assert st is not None
        return -self.c * (self._wd(st.delta).T @ st.resid)

    def derivatives(self, x: np.ndarray, st: DWLSState, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        WD = self._wd(st.delta)
        g = -self.c * (WD.T @ st.resid)
        info = self.c * (st.delta.T @ WD)
        return g, info, (info if newton else None)

    def evaluate(self, x: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(x)
        if st is None:
            return None
        return (st.f, *self.derivatives(x, st, newton))
