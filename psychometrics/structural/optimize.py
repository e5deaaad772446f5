"""The optimiser: Fisher scoring, then Newton steps, with step halving; L-BFGS-B as fallback.

It sees an estimator only through the interface of
:class:`~psychometrics.structural.estimators.Objective`: ``value``, ``state``,
``gradient``, ``derivatives`` and ``evaluate``.

Linear inequality constraints ``A x + b >= 0`` (lavaan's ``a > 0``, ``a < b``) are met by
an active-set method (:func:`minimize_constrained`): the constraints in the working set are
equalities, imposed exactly by optimising over their null space, and the set changes until
no constraint is violated and every active one has a non-negative Lagrange multiplier
(the Karush-Kuhn-Tucker conditions). lavaan's augmented Lagrangian (``nlminb.constr``)
reaches the same optimum, to its tolerance of 1e-6 on the constraints.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import linalg, optimize

from psychometrics.structural.errors import ModelError
from psychometrics.structural.estimators import Objective
from psychometrics.structural.partable import PSI, THETA

__all__ = ["minimize", "minimize_constrained"]


def _step(matrix: np.ndarray, g: np.ndarray) -> np.ndarray | None:
    """``-matrix^-1 g`` through a Cholesky factor; None if the matrix is not positive
    definite (or too ill-conditioned to trust)."""
    try:
        c = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return None
    diag = np.diag(c)
    if diag.min() <= 1e-7 * diag.max():
        return None
    return -linalg.cho_solve((c, True), g, check_finite=False)


def _regularised_step(info: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Scoring step through eigenvalues floored at 1e-8 of the largest: a Levenberg-like
    step where the information is (nearly) singular, e.g. at zero factor covariances."""
    evals, evecs = np.linalg.eigh((info + info.T) / 2.0)
    floor = 1e-8 * max(float(evals[-1]), 1e-12)
    return -evecs @ ((evecs.T @ g) / np.maximum(evals, floor))


def minimize(objective: Objective, x0: np.ndarray, tol: float = 1e-12,
              max_iter: int = 500) -> tuple[np.ndarray, bool, int]:
    """Fisher scoring, then Newton steps, with step halving; L-BFGS-B (scipy) as a fallback.

    Scoring (the expected information) is robust far from the optimum; once the scaled
    gradient is small the exact Hessian (when positive definite) gives quadratic
    convergence. Converged when ``g' H^-1 g < tol``.
    """
    x = x0.copy()
    use_newton = False
    exact = getattr(objective, "exact_hessian", True)
    scoring = getattr(objective, "prefer_scoring", False)
    previous = math.inf
    # Scoring stops with an error in x of about sqrt(decrement), Newton (quadratic) well
    # below it: scoring goes on to a 1000 times smaller decrement, where a full step is
    # taken when f changes only at rounding level (about 1e-15 of f)
    stop = tol * 1e-3 if scoring else tol
    slack = 64 * np.finfo(float).eps if scoring else 0.0
    state = objective.evaluate(x, use_newton)
    if state is None:
        x = _rescue_start(objective, x)
        state = objective.evaluate(x, use_newton)
        if state is None:
            return _fallback(objective, x0, 0)
    f, g, info, H = state
    for iteration in range(1, max_iter + 1):
        step = _step(H, g) if H is not None else None
        if step is None:
            step = _step(info, g)
        if step is None:
            step = _regularised_step(info, g)
        decrement = float(-g @ step)
        if not np.all(np.isfinite(step)) or decrement < 0:
            step = _regularised_step(info, g)
            decrement = float(-g @ step)
        if decrement < stop:
            return x, True, iteration - 1
        alpha = 1.0
        while True:
            x_new = x + alpha * step
            f_new = objective.value(x_new)
            if math.isfinite(f_new) and (f_new <= f - 1e-4 * alpha * decrement
                                         or (decrement < 1e-10 and f_new <= f + slack * abs(f))):
                break
            alpha *= 0.5
            if alpha < 1e-10:
                break
        if alpha < 1e-10:
            if decrement < 1e-9:  # no decrease left at rounding level
                return x, True, iteration - 1
            return _fallback(objective, x, iteration)
        # Newton needs the Hessian, exact except with regressions (then differences of
        # the gradient, 2q evaluations): there scoring goes on to convergence
        # Objectives whose Hessian costs many scoring steps (FIML) take Newton steps only
        # once scoring stalls: the decrement fell by less than a factor of 4 in one step
        stalled = not scoring or decrement > 0.25 * previous
        use_newton = use_newton or (decrement < 1e-3 and exact and stalled)
        previous = decrement
        state = objective.evaluate(x_new, use_newton)
        if state is None:
            return _fallback(objective, x, iteration)
        x = x_new
        f, g, info, H = state
    return _fallback(objective, x, max_iter)


def _rescue_start(objective: Objective, x: np.ndarray) -> np.ndarray:
    x = x.copy()
    for part in getattr(objective, "parts", [objective]):  # every group of a multi-group fit
        for r in part.model.rows:
            if r.free and r.kind == THETA and r.a == r.b:
                x[r.par] = max(x[r.par], part.sample.cov[r.a, r.a])
            elif r.free and r.kind in (PSI, THETA) and r.a != r.b:
                x[r.par] = 0.0
    return x


def _fallback(objective: Objective, x0: np.ndarray,
              iterations: int) -> tuple[np.ndarray, bool, int]:
    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        st = objective.state(x)
        if st is None:
            return 1e10, np.zeros_like(x)
        return st.f, objective.gradient(x, st)

    res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                            options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
    x = res.x
    st = objective.state(x)
    converged = False
    if st is not None:
        g, info, _ = objective.derivatives(x, st, False)
        step = np.linalg.lstsq(info, g, rcond=None)[0]
        converged = float(g @ step) < 1e-8
    return x, converged, iterations + int(res.nit)


class _Reduced:
    """An objective over ``y`` with ``x = x_p + Z y``: the parameters that keep the working
    set of constraints equal to zero (Z a basis of their null space)."""

    def __init__(self, objective: Objective, x_p: np.ndarray, Z: np.ndarray):
        self.objective, self.x_p, self.Z = objective, x_p, Z
        self.exact_hessian = getattr(objective, "exact_hessian", True)
        self.prefer_scoring = getattr(objective, "prefer_scoring", False)
        self.parts: list[Any] = []  # nothing for _rescue_start to move in y

    def full(self, y: np.ndarray) -> np.ndarray:
        return self.x_p + self.Z @ y

    def value(self, y: np.ndarray) -> float:
        return self.objective.value(self.full(y))

    def state(self, y: np.ndarray) -> Any:
        return self.objective.state(self.full(y))

    def gradient(self, y: np.ndarray, st: Any = None) -> np.ndarray:
        return self.Z.T @ self.objective.gradient(self.full(y), st)

    def derivatives(self, y: np.ndarray, st: Any, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        g, info, H = self.objective.derivatives(self.full(y), st, newton)
        Z = self.Z
        return Z.T @ g, Z.T @ info @ Z, None if H is None else Z.T @ H @ Z

    def evaluate(self, y: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(y)
        if st is None:
            return None
        return (st.f, *self.derivatives(y, st, newton))


# lavaan (nlminb.constr) counts an inequality constraint as active when its value is at most
# this at the solution: those enter the standard errors as equalities.
ACTIVE_SLACK = 1e-5


def minimize_constrained(objective: Objective, x0: np.ndarray, A: np.ndarray, b: np.ndarray,
                         tol: float = 1e-12) -> tuple[np.ndarray, bool, int, np.ndarray]:
    """Minimise subject to ``A x + b >= 0`` by an active-set method.

    Starts from the unconstrained optimum; adds the most violated constraint to the working
    set, or drops the active constraint with the most negative Lagrange multiplier
    (``g = A_W' lambda``, g the gradient of fmin), re-optimising over the working set's null
    space each time, until the KKT conditions hold. Returns the estimates, convergence, the
    number of iterations and the mask of the constraints active at the solution (value at
    most :data:`ACTIVE_SLACK`, lavaan's rule).
    """
    x, converged, iterations = minimize(objective, x0, tol)
    work: list[int] = []
    done = False
    for _ in range(4 * len(b) + 10):
        c = A @ x + b
        outside = [k for k in range(len(b)) if k not in work and c[k] < -1e-9]
        if outside:
            work.append(min(outside, key=lambda k: c[k]))
        elif work:
            g = objective.gradient(x)
            lam = np.linalg.lstsq(A[work].T, g, rcond=None)[0]
            if lam.min() >= -1e-8 * max(1.0, float(np.abs(lam).max())):
                done = True
                break
            work.pop(int(np.argmin(lam)))
        else:
            done = True
            break
        if work:
            A_w, b_w = A[work], b[work]
            x_p = np.linalg.lstsq(A_w, -b_w, rcond=None)[0]
            if np.abs(A_w @ x_p + b_w).max() > 1e-9 * max(1.0, float(np.abs(b_w).max())):
                raise ModelError("the inequality constraints contradict each other: no "
                                 "parameter values meet them all at once")
            Z = linalg.null_space(A_w)
            reduced = _Reduced(objective, x_p, Z)
            y, converged, it = minimize(reduced, Z.T @ (x - x_p), tol)  # type: ignore[arg-type]
            x = reduced.full(y)
        else:
            x, converged, it = minimize(objective, x, tol)
        iterations += it
    return x, converged and done, iterations, (A @ x + b) <= ACTIVE_SLACK
