"""Factor rotations exactly as psych::fa calls them (GPArotation 2022.10 and stats).

- ``varimax``: ``stats::varimax(L)`` — Kaiser-normalised, SVD iterations, ``eps = 1e-5``.
- ``promax``: ``psych::kaiser(L, rotate="Promax")`` — rows normalised to unit length, then
  ``psych::Promax`` (varimax, target ``L * |L|^(m-1)`` with ``m = 4``, least-squares
  transformation rescaled so the factors have unit variance), then rows scaled back.
- ``oblimin`` (``gam = 0``, i.e. quartimin), ``quartimin`` and ``geomin`` (GPArotation's
  ``geominQ``, ``delta = 0.01``): the gradient projection algorithm for oblique rotation
  (``GPFoblq``; Bernaards & Jennrich, 2005) without normalisation, ``eps = 1e-5``,
  ``maxit = 1000``, started at the identity.

These are written here rather than taken from factor-analyzer's ``Rotator`` (whose
algorithms agree, see the tests) because importing it pulls in scikit-learn (~0.7 s) and
it does not report non-convergence.

References
----------
Bernaards, C. A. & Jennrich, R. I. (2005). Gradient projection algorithms and software for
arbitrary rotation criteria in factor analysis. Educational and Psychological Measurement,
65, 676-696.
Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
Psychometrika, 23, 187-200.
Hendrickson, A. E. & White, P. O. (1964). Promax: a quick method for rotation to oblique
simple structure. British Journal of Statistical Psychology, 17, 65-70.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from psychometrics.errors import NumericalWarning

__all__ = ["ROTATIONS", "Rotation", "gpa_oblique", "promax", "rotate", "varimax"]

ROTATIONS = ("varimax", "promax", "oblimin", "quartimin", "geomin")


@dataclass(frozen=True)
class Rotation:
    """A rotated solution.

    ``loadings`` are the pattern loadings; ``phi`` the factor correlations (``None`` for an
    orthogonal rotation); ``rotmat`` the transformation (psych's ``rot.mat``); ``n_iter`` and
    ``converged`` describe the iterations.
    """

    loadings: np.ndarray
    phi: np.ndarray | None
    rotmat: np.ndarray
    n_iter: int
    converged: bool
    method: str


# ---- criteria: (L) -> (f, Gq), as GPArotation's vgQ.* -------------------------------------


def _vgq_quartimin(lam: np.ndarray) -> tuple[float, np.ndarray]:
    """``vgQ.oblimin`` with GPArotation's default ``gam = 0`` (quartimin), as psych calls it."""
    l2 = lam * lam
    x = l2 @ (1.0 - np.eye(lam.shape[1]))
    return float(np.sum(l2 * x) / 4.0), lam * x


def _vgq_geomin(delta: float = 0.01) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        k = lam.shape[1]
        l2 = lam * lam + delta
        pro = np.exp(np.sum(np.log(l2), axis=1) / k)
        return float(np.sum(pro)), (2.0 / k) * (lam / l2) * pro[:, None]

    return vgq


# ---- GPA algorithms ------------------------------------------------------------------------


def gpa_oblique(
    a: np.ndarray,
    vgq: Callable[[np.ndarray], tuple[float, np.ndarray]],
    *,
    eps: float = 1e-5,
    maxit: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """GPArotation's ``GPFoblq`` (no normalisation, started at the identity). Returns
    ``(L, T, n_iter, converged)`` where ``L = A (T')^-1`` and ``Phi = T'T``."""
    t = np.eye(a.shape[1])
    al = 1.0
    t_inv = np.linalg.inv(t)
    lam = a @ t_inv.T
    f, gq = vgq(lam)
    g = -(lam.T @ gq @ t_inv).T
    s = np.inf
    it = 0
    for it in range(maxit + 1):  # noqa: B007 - the final count is reported
        gp = g - t * np.sum(t * g, axis=0)  # = G - T diag(1'(T*G))
        s = float(np.sqrt(np.sum(gp * gp)))
        if s < eps:
            break
        al *= 2.0
        for _ in range(11):
            x = t - al * gp
            tt = x / np.sqrt(np.sum(x * x, axis=0))
            tt_inv = np.linalg.inv(tt)
            lam = a @ tt_inv.T
            ft, gqt = vgq(lam)
            if f - ft > 0.5 * s * s * al:
                break
            al /= 2.0
        t = tt
        f = ft
        g = -(lam.T @ gqt @ tt_inv).T
    return lam, t, it, bool(s < eps)


def varimax(
    x: np.ndarray, *, normalize: bool = True, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """``stats::varimax``: returns ``(loadings, rotmat, n_iter, converged)``."""
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    if k < 2:
        return x.copy(), np.eye(k), 0, True
    sc = np.sqrt(np.sum(x * x, axis=1)) if normalize else np.ones(x.shape[0])
    xs = x / sc[:, None]
    p = xs.shape[0]
    tt = np.eye(k)
    d = 0.0
    converged = False
    i = 0
    for i in range(1, 1001):  # noqa: B007
        z = xs @ tt
        b = xs.T @ (z**3 - z * (np.sum(z * z, axis=0) / p))
        u, sv, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast = d
        d = float(np.sum(sv))
        if d < dpast * (1 + eps):
            converged = True
            break
    z = (xs @ tt) * sc[:, None]
    return z, tt, i, converged


def promax(x: np.ndarray, *, m: float = 4.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """``psych::kaiser(x, rotate="Promax")``: returns ``(loadings, rotmat, Phi, converged)``."""
    x = np.asarray(x, dtype=float)
    h = np.sqrt(np.sum(x * x, axis=1))
    w = x / h[:, None]
    vx, vrot, _, converged = varimax(w)
    q = vx * np.abs(vx) ** (m - 1)
    u = np.linalg.lstsq(vx, q, rcond=None)[0]
    utu = u.T @ u
    try:
        d = np.diag(np.linalg.inv(utu))
    except np.linalg.LinAlgError:
        # psych: "Factors are exactly uncorrelated and the model produces a singular matrix"
        warnings.warn(
            "promax: the target gives a singular matrix; an approximation is used",
            NumericalWarning,
            stacklevel=3,
        )
        ev, evec = np.linalg.eigh(utu)
        ev = np.where(ev < np.finfo(float).eps, 100 * np.finfo(float).eps, ev)
        uu = (evec * ev) @ evec.T
        np.fill_diagonal(uu, 1.0)
        d = np.diag(np.linalg.inv(uu))
    u = u * np.sqrt(d)
    z = vx @ u
    rotmat = vrot @ u
    ui = np.linalg.inv(rotmat)
    phi = ui @ ui.T
    return z * h[:, None], rotmat, phi, converged


def rotate(loadings: np.ndarray, method: str, *, warn: bool = True) -> Rotation:
    """Rotate ``loadings`` with one of :data:`ROTATIONS` as ``psych::fa`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from psychometrics.factor.rotation import rotate
    >>> a = np.array([[.7, .3], [.6, .35], [.65, .25], [.3, -.6], [.35, -.5], [.25, -.55]])
    >>> rot = rotate(a, "varimax")
    >>> rot.phi is None, rot.converged
    (True, True)
    >>> np.allclose(rot.loadings @ rot.loadings.T, a @ a.T)
    True
    """
    a = np.asarray(loadings, dtype=float)
    if method not in ROTATIONS:
        raise ValueError(f"rotation must be one of {', '.join(ROTATIONS)} or None; "
                         f"got {method!r}")
    if a.shape[1] < 2:
        return Rotation(a.copy(), None, np.eye(a.shape[1]), 0, True, method)
    if method == "varimax":
        lam, rotmat, n_iter, converged = varimax(a)
        result = Rotation(lam, None, rotmat, n_iter, converged, method)
    elif method == "promax":
        lam, rotmat, phi, converged = promax(a)
        result = Rotation(lam, phi, rotmat, 0, converged, method)
    else:
        vgq = _vgq_geomin(0.01) if method == "geomin" else _vgq_quartimin
        lam, t, n_iter, converged = gpa_oblique(a, vgq)
        # psych: rot.mat <- t(solve(ob$Th))
        result = Rotation(lam, t.T @ t, np.linalg.inv(t).T, n_iter, converged, method)
    if warn and not result.converged:
        warnings.warn(
            f"{method} rotation did not converge; the rotated loadings may be inaccurate",
            NumericalWarning,
            stacklevel=3,
        )
    return result
