"""Factor rotations with psych's names and GPArotation's algorithms (GPArotation 2022.10).

Every rotation psych 2.2.9's ``fa`` knows, plus GPArotation's oblimax and partially
specified target (``pstT``/``pstQ``), which psych does not dispatch:

- ``varimax``: ``stats::varimax(L)`` — Kaiser-normalised, SVD iterations, ``eps = 1e-5``.
- ``Varimax``: GPArotation's gradient-projection varimax, *not* normalised by default.
- ``promax``: ``psych::kaiser(L, rotate="Promax")`` — rows normalised to unit length, then
  ``psych::Promax``, then rows scaled back.
- ``Promax``: ``psych::Promax`` without the row normalisation (``stats::varimax``, target
  ``L * |L|^(m-1)`` with ``m = 4``, least-squares transformation rescaled so the factors
  have unit variance).
- ``cluster``: ``stats::varimax`` then ``psych::target.rot`` towards the 0/±1 cluster
  pattern of each item's largest loading (``factor2cluster``).
- gradient projection (Bernaards & Jennrich, 2005), ``GPForth`` (orthogonal) or
  ``GPFoblq`` (oblique), ``eps = 1e-5``, ``maxit = 1000``, started at the identity:
  orthogonal ``quartimax``, ``equamax`` (psych: Crawford-Ferguson with
  ``kappa = k / (2p)``), ``bentlerT``, ``geominT``, ``bifactor`` (psych: Jennrich &
  Bentler's bi-quartimin criterion, orthogonal), ``targetT``, ``pstT``; oblique
  ``oblimin`` (``gamma``, default 0), ``quartimin``, ``geominQ`` (``delta = 0.01``),
  ``bentlerQ``, ``oblimax``, ``simplimax`` (``k = p``), ``biquartimin`` (psych's oblique
  bifactor), ``targetQ``, ``pstQ``.

Names are case sensitive as in R: psych reads ``"Promax"`` and ``"promax"`` (and
``"Varimax"``/``"varimax"``) as different rotations; any other spelling is refused with the
names to use (:func:`check_rotation`).

Random starts (``random_starts``) rerun a gradient-projection rotation from random
orthonormal matrices (GPArotation's ``Random.Start``: the Q of the QR decomposition of a
standard normal matrix) besides the identity, keep the lowest criterion, and report how
many starts reached it (within ``1e-5``), as GPArotation's ``randomStarts`` does since
2023.

References
----------
Bernaards, C. A. & Jennrich, R. I. (2005). Gradient projection algorithms and software for
arbitrary rotation criteria in factor analysis. Educational and Psychological Measurement,
65, 676-696.
Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
Psychometrika, 23, 187-200.
Hendrickson, A. E. & White, P. O. (1964). Promax: a quick method for rotation to oblique
simple structure. British Journal of Statistical Psychology, 17, 65-70.
Jennrich, R. I. & Bentler, P. M. (2011). Exploratory bi-factor analysis. Psychometrika,
76, 537-549.
Browne, M. W. (2001). An overview of analytic rotation in exploratory factor analysis.
Multivariate Behavioral Research, 36, 111-150.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from psychometrics.errors import NumericalWarning

__all__ = [
    "OBLIQUE",
    "ORTHOGONAL",
    "ROTATIONS",
    "Rotation",
    "check_rotation",
    "gpa_oblique",
    "gpa_orthogonal",
    "promax",
    "rotate",
    "varimax",
]

ORTHOGONAL = ("varimax", "Varimax", "quartimax", "equamax", "bentlerT", "geominT",
              "bifactor", "targetT", "pstT")
OBLIQUE = ("promax", "Promax", "oblimin", "quartimin", "geominQ", "bentlerQ", "oblimax",
           "simplimax", "biquartimin", "targetQ", "pstQ", "cluster")
ROTATIONS = ORTHOGONAL + OBLIQUE
_GPA = {"Varimax", "quartimax", "equamax", "bentlerT", "geominT", "bifactor", "targetT",
        "pstT", "oblimin", "quartimin", "geominQ", "bentlerQ", "oblimax", "simplimax",
        "biquartimin", "targetQ", "pstQ"}
# names psych or GPArotation spell differently from ours, or that psych reads as "none"
_HINTS = {
    "geomin": "'geominQ' (oblique; GPArotation's geominQ) or 'geominT' (orthogonal)",
    "target": "'targetT' (orthogonal) or 'targetQ' (oblique), with target=",
    "TargetT": "'targetT' with target= (psych's TargetT passes the target to GPArotation "
               "in a way that loses it)",
    "TargetQ": "'targetQ' with target= (psych's TargetQ passes the target to GPArotation "
               "in a way that loses it)",
    "pst": "'pstT' (orthogonal) or 'pstQ' (oblique), with target= and weights=",
    "bifactorT": "'bifactor' (psych's name for the orthogonal bi-quartimin)",
    "bifactorQ": "'biquartimin' (psych's name for the oblique bi-quartimin)",
}


def check_rotation(name: Any) -> str | None:
    """Validate a rotation name exactly as psych spells it; ``None``/``"none"`` is no rotation.

    A different capitalisation is never mapped silently: psych's ``"Promax"`` and
    ``"promax"`` (and ``"Varimax"``/``"varimax"``) are different rotations, so
    ``"PROMAX"`` is an error that lists the two.
    """
    if name is None or name == "none":
        return None
    if not isinstance(name, str):
        raise TypeError(f"rotation must be a string or None, not {type(name).__name__}")
    if name in ROTATIONS:
        return name
    if name in _HINTS:
        raise ValueError(f"rotation {name!r} is not one of psych's names; use {_HINTS[name]}")
    same = [r for r in (*ROTATIONS, "none") if r.lower() == name.lower()]
    if same:
        meaning = {
            "varimax": "'varimax' (stats::varimax, Kaiser-normalised) or 'Varimax' "
                       "(GPArotation, not normalised)",
            "promax": "'promax' (Kaiser-normalised, psych's default) or 'Promax' "
                      "(psych's Promax, no normalisation)",
        }.get(name.lower(), " or ".join(repr(s) for s in same))
        raise ValueError(f"rotation names are case sensitive as in psych: {name!r} is not "
                         f"one; use {meaning}")
    raise ValueError(f"rotation must be one of {', '.join(ROTATIONS)} or None; got {name!r}")


@dataclass(frozen=True)
class Rotation:
    """A rotated solution.

    ``loadings`` are the pattern loadings; ``phi`` the factor correlations (``None`` for an
    orthogonal rotation); ``rotmat`` the transformation (psych's ``rot.mat``); ``n_iter`` and
    ``converged`` describe the iterations; ``criterion`` is the rotation criterion at the
    solution (GPArotation's ``f``; NaN for varimax, promax and cluster); ``n_starts`` the
    starts tried and ``n_best`` how many reached the lowest criterion.
    """

    loadings: np.ndarray
    phi: np.ndarray | None
    rotmat: np.ndarray
    n_iter: int
    converged: bool
    method: str
    criterion: float = float("nan")
    n_starts: int = 1
    n_best: int = 1
    start_criteria: tuple[float, ...] = ()


_Vgq = Callable[[np.ndarray], tuple[float, np.ndarray]]


# ---- criteria: (L) -> (f, Gq), as GPArotation's vgQ.* -------------------------------------


def _vgq_oblimin(gam: float = 0.0) -> _Vgq:
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        l2 = lam * lam
        x = l2 @ (1.0 - np.eye(lam.shape[1]))
        if gam != 0:
            x = x - (gam / lam.shape[0]) * x.sum(axis=0)  # (I - gam/p 11') X
        return float(np.sum(l2 * x) / 4.0), lam * x

    return vgq


_vgq_quartimin = _vgq_oblimin(0.0)


def _vgq_geomin(delta: float = 0.01) -> _Vgq:
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        k = lam.shape[1]
        l2 = lam * lam + delta
        pro = np.exp(np.sum(np.log(l2), axis=1) / k)
        return float(np.sum(pro)), (2.0 / k) * (lam / l2) * pro[:, None]

    return vgq


def _vgq_quartimax(lam: np.ndarray) -> tuple[float, np.ndarray]:
    return float(-np.sum(lam**4) / 4.0), -(lam**3)


def _vgq_varimax(lam: np.ndarray) -> tuple[float, np.ndarray]:
    ql = lam * lam
    ql = ql - ql.mean(axis=0)
    return float(-np.sum(ql * ql) / 4.0), -lam * ql


def _vgq_cf(kappa: float) -> _Vgq:
    """Crawford-Ferguson family (GPArotation's ``vgQ.cf``)."""
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        l2 = lam * lam
        l2n = l2.sum(axis=1, keepdims=True) - l2  # L2 (11' - I) over columns
        ml2 = l2.sum(axis=0, keepdims=True) - l2  # (11' - I) L2 over rows
        f = (1 - kappa) * np.sum(l2 * l2n) / 4 + kappa * np.sum(l2 * ml2) / 4
        return float(f), (1 - kappa) * lam * l2n + kappa * lam * ml2

    return vgq


def _vgq_bentler(lam: np.ndarray) -> tuple[float, np.ndarray]:
    l2 = lam * lam
    m = l2.T @ l2
    d = np.diag(m)
    _, logdet = np.linalg.slogdet(m)
    gq = -lam * (l2 @ (np.linalg.inv(m) - np.diag(1.0 / d)))
    return float(-(logdet - np.sum(np.log(d))) / 4.0), gq


def _vgq_oblimax(lam: np.ndarray) -> tuple[float, np.ndarray]:
    s4, s2 = float(np.sum(lam**4)), float(np.sum(lam**2))
    return -(np.log(s4) - 2 * np.log(s2)), -(4 * lam**3 / s4 - 4 * lam / s2)


def _vgq_simplimax(k: int) -> _Vgq:
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        l2 = lam * lam
        cut = np.sort(l2, axis=None)[k - 1]
        imat = (l2 <= cut).astype(float)
        return float(np.sum(imat * l2)), 2 * imat * lam

    return vgq


def _vgq_bimin(lam: np.ndarray) -> tuple[float, np.ndarray]:
    """psych's ``vgQ.bimin`` (= GPArotation's ``vgQ.bifactor``): quartimin on the group
    factors (all columns but the first)."""
    sub = lam[:, 1:]
    l2 = sub * sub
    l2n = l2.sum(axis=1, keepdims=True) - l2
    gq = np.zeros_like(lam)
    gq[:, 1:] = 4 * sub * l2n
    return float(np.sum(l2 * l2n)), gq


def _vgq_target(target: np.ndarray) -> _Vgq:
    """``vgQ.target``: NA (NaN) cells of the target are not fitted."""
    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        d = lam - target
        d = np.where(np.isnan(d), 0.0, d)
        return float(np.sum(d * d)), 2 * d

    return vgq


def _vgq_pst(weights: np.ndarray, target: np.ndarray) -> _Vgq:
    bt = weights * target

    def vgq(lam: np.ndarray) -> tuple[float, np.ndarray]:
        d = weights * lam - bt
        return float(np.sum(d * d)), 2 * d

    return vgq


# ---- GPA algorithms ------------------------------------------------------------------------


def gpa_oblique(
    a: np.ndarray,
    vgq: _Vgq,
    *,
    tmat: np.ndarray | None = None,
    eps: float = 1e-5,
    maxit: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """GPArotation's ``GPFoblq`` (no normalisation; the caller normalises). Returns
    ``(L, T, n_iter, converged, f)`` where ``L = A (T')^-1`` and ``Phi = T'T``."""
    t = np.eye(a.shape[1]) if tmat is None else np.array(tmat, dtype=float)
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
    return lam, t, it, bool(s < eps), float(f)


def gpa_orthogonal(
    a: np.ndarray,
    vgq: _Vgq,
    *,
    tmat: np.ndarray | None = None,
    eps: float = 1e-5,
    maxit: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """GPArotation's ``GPForth``. Returns ``(L, T, n_iter, converged, f)``, ``L = A T``."""
    t = np.eye(a.shape[1]) if tmat is None else np.array(tmat, dtype=float)
    al = 1.0
    lam = a @ t
    f, gq = vgq(lam)
    g = a.T @ gq
    s = np.inf
    it = 0
    for it in range(maxit + 1):  # noqa: B007
        m = t.T @ g
        gp = g - t @ ((m + m.T) / 2)
        s = float(np.sqrt(np.sum(gp * gp)))
        if s < eps:
            break
        al *= 2.0
        for _ in range(11):
            u, _, vt = np.linalg.svd(t - al * gp)
            tt = u @ vt
            lam = a @ tt
            ft, gqt = vgq(lam)
            if ft < f - 0.5 * s * s * al:
                break
            al /= 2.0
        t = tt
        f = ft
        g = a.T @ gqt
    return lam, t, it, bool(s < eps), float(f)


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


def _target_transform(vx: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """psych's least-squares step towards the target ``q`` (Promax, target.rot): returns
    ``(U, Phi)`` with ``U`` rescaled so the factors have unit variance."""
    u = np.linalg.lstsq(vx, q, rcond=None)[0]
    utu = u.T @ u
    try:
        d = np.diag(np.linalg.inv(utu))
    except np.linalg.LinAlgError:
        # psych: "Factors are exactly uncorrelated and the model produces a singular matrix"
        warnings.warn(
            "promax: the target gives a singular matrix; an approximation is used",
            NumericalWarning,
            stacklevel=4,
        )
        ev, evec = np.linalg.eigh(utu)
        ev = np.where(ev < np.finfo(float).eps, 100 * np.finfo(float).eps, ev)
        uu = (evec * ev) @ evec.T
        np.fill_diagonal(uu, 1.0)
        d = np.diag(np.linalg.inv(uu))
    return u * np.sqrt(d), d


def _promax_unnormalised(
    x: np.ndarray, m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """``psych::Promax``: ``(loadings, rotmat, Phi, converged)``."""
    vx, vrot, _, converged = varimax(x)
    u, _ = _target_transform(vx, vx * np.abs(vx) ** (m - 1))
    z = vx @ u
    rotmat = vrot @ u
    ui = np.linalg.inv(rotmat)
    return z, rotmat, ui @ ui.T, converged


def promax(
    x: np.ndarray, *, m: float = 4.0, normalize: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """``psych::kaiser(x, rotate="Promax")`` (``normalize=True``, psych's ``promax``) or
    ``psych::Promax`` (``normalize=False``). Returns ``(loadings, rotmat, Phi, converged)``."""
    x = np.asarray(x, dtype=float)
    if not normalize:
        return _promax_unnormalised(x, m)
    h = np.sqrt(np.sum(x * x, axis=1))
    z, rotmat, phi, converged = _promax_unnormalised(x / h[:, None], m)
    return z * h[:, None], rotmat, phi, converged


def _cluster(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """psych's ``cluster`` rotation: ``target.rot(varimax(L))`` towards ``factor2cluster``."""
    vx, _, _, converged = varimax(x)
    col = np.argmax(np.abs(vx), axis=1)
    keys = np.zeros_like(vx)
    rows = np.arange(vx.shape[0])
    keys[rows, col] = np.sign(vx[rows, col])
    empty = np.flatnonzero(~np.abs(keys).any(axis=0))
    if empty.size:
        raise ValueError(f"cluster rotation: factor(s) {', '.join(str(j + 1) for j in empty)} "
                         "have no item with its largest loading there, so the cluster "
                         "target has fewer factors than the solution; use another rotation")
    u, _ = _target_transform(vx, keys)
    ui = np.linalg.inv(u)
    # psych's target.rot returns rotmat = U (relative to the varimax solution)
    return vx @ u, u, ui @ ui.T, converged


def _criterion(method: str, p: int, k: int, *, gamma: float, delta: float,
               kappa: float | None, simplimax_k: int | None,
               target: np.ndarray | None, weights: np.ndarray | None) -> _Vgq:
    if method == "oblimin":
        return _vgq_oblimin(gamma)
    if method == "quartimin":
        return _vgq_quartimin
    if method in ("geominQ", "geominT"):
        return _vgq_geomin(delta)
    if method == "quartimax":
        return _vgq_quartimax
    if method == "Varimax":
        return _vgq_varimax
    if method == "equamax":
        return _vgq_cf(k / (2 * p) if kappa is None else kappa)
    if method in ("bentlerT", "bentlerQ"):
        return _vgq_bentler
    if method == "oblimax":
        return _vgq_oblimax
    if method == "simplimax":
        kk = p if simplimax_k is None else int(simplimax_k)
        if not 1 <= kk <= p * k:
            raise ValueError(f"simplimax_k must be between 1 and {p * k}, got {kk}")
        return _vgq_simplimax(kk)
    if method in ("bifactor", "biquartimin"):
        return _vgq_bimin
    if method in ("targetT", "targetQ", "pstT", "pstQ"):
        if target is None:
            raise ValueError(f"rotation {method!r} needs target=, a {p} x {k} matrix"
                             + (" (NaN for cells left free)" if method[0] == "t" else ""))
        tg = np.asarray(target, dtype=float)
        if tg.shape != (p, k):
            raise ValueError(f"target must be {p} x {k} (items x factors), got "
                             f"{tg.shape[0]} x {tg.shape[1] if tg.ndim > 1 else 1}")
        if method.startswith("pst"):
            if weights is None:
                raise ValueError(f"rotation {method!r} needs weights=, a {p} x {k} matrix "
                                 "of 1 (specified) and 0 (free)")
            w = np.asarray(weights, dtype=float)
            if w.shape != (p, k):
                raise ValueError(f"weights must be {p} x {k} (items x factors)")
            return _vgq_pst(w, np.nan_to_num(tg))
        return _vgq_target(tg)
    raise AssertionError(method)  # pragma: no cover


def random_start(k: int, rng: np.random.Generator) -> np.ndarray:
    """GPArotation's ``Random.Start``: ``qr.Q(qr(matrix(rnorm(k * k), k)))``."""
    q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    return q


def rotate(
    loadings: np.ndarray,
    method: str,
    *,
    warn: bool = True,
    normalize: bool | None = None,
    gamma: float = 0.0,
    delta: float = 0.01,
    kappa: float | None = None,
    simplimax_k: int | None = None,
    target: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    promax_m: float = 4.0,
    random_starts: int = 0,
    starts: Sequence[np.ndarray] | None = None,
    seed: int | np.random.Generator | None = None,
    eps: float = 1e-5,
    maxit: int = 1000,
) -> Rotation:
    """Rotate ``loadings`` with one of :data:`ROTATIONS` as ``psych::fa`` and GPArotation do.

    Parameters
    ----------
    loadings : ndarray (p, k)
        Unrotated loadings.
    method : str
        A name from :data:`ROTATIONS`, spelled as in psych.
    normalize : bool, optional
        Kaiser normalisation (rows scaled to unit length before rotating, scaled back
        after). Default: the rotation's own default (``stats::varimax`` normalises; the
        gradient-projection rotations do not, as GPArotation).
    gamma : float
        oblimin's ``gam`` (0 quartimin, 0.5 biquartimin, 1 covarimin).
    delta : float
        geomin's ``delta``.
    kappa : float, optional
        equamax's Crawford-Ferguson ``kappa`` (default psych's ``k / (2p)``).
    simplimax_k : int, optional
        Number of loadings simplimax pushes towards 0 (default ``p``).
    target, weights : ndarray (p, k), optional
        Target matrix for ``targetT``/``targetQ`` (NaN = free) and ``pstT``/``pstQ`` with
        its 0/1 weights (1 = specified).
    promax_m : float
        Power of the promax target.
    random_starts : int
        Random orthonormal starts tried besides the identity (gradient-projection
        rotations only).
    starts : sequence of ndarray, optional
        Explicit starting matrices (replaces the identity and the random starts).
    seed : int or Generator, optional
        Seed for the random starts.
    eps, maxit : float, int
        GPArotation's convergence tolerance and iteration limit.

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
    >>> rotate(a, "geominQ", random_starts=5, seed=1).n_starts
    6
    """
    a = np.asarray(loadings, dtype=float)
    name = check_rotation(method)
    if name is None:
        raise ValueError("rotate needs a rotation name; None means no rotation")
    if isinstance(random_starts, bool) or not isinstance(random_starts, int | np.integer) \
            or random_starts < 0:
        raise ValueError(f"random_starts must be a non-negative integer, not {random_starts!r}")
    if (random_starts or starts is not None) and name not in _GPA:
        raise ValueError(f"random starts apply to gradient-projection rotations; {name!r} "
                         "has none")
    if a.shape[1] < 2:
        return Rotation(a.copy(), None, np.eye(a.shape[1]), 0, True, name)
    p, k = a.shape
    if name in ("varimax", "promax", "Promax", "cluster"):
        if name == "varimax":
            lam, rotmat, n_iter, converged = varimax(a, normalize=normalize is not False)
            result = Rotation(lam, None, rotmat, n_iter, converged, name)
        elif name == "cluster":
            if normalize is not None:
                raise ValueError("normalize does not apply to the cluster rotation")
            lam, rotmat, phi, converged = _cluster(a)
            result = Rotation(lam, phi, rotmat, 0, converged, name)
        else:
            if normalize is not None:
                raise ValueError("normalize does not apply to promax: 'promax' is the "
                                 "Kaiser-normalised one, 'Promax' the unnormalised one")
            lam, rotmat, phi, converged = promax(a, m=promax_m, normalize=name == "promax")
            result = Rotation(lam, phi, rotmat, 0, converged, name)
    else:
        vgq = _criterion(name, p, k, gamma=gamma, delta=delta, kappa=kappa,
                         simplimax_k=simplimax_k, target=target, weights=weights)
        w = np.sqrt(np.sum(a * a, axis=1)) if normalize else np.ones(p)
        an = a / w[:, None]
        if starts is not None:
            tmats = [np.asarray(s, dtype=float) for s in starts]
            if not tmats or any(s.shape != (k, k) for s in tmats):
                raise ValueError(f"starts must be a non-empty list of {k} x {k} matrices")
        else:
            rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
            # psych's equamax always starts at the identity; GPArotation's others use Tmat
            tmats = [np.eye(k)] + [random_start(k, rng) for _ in range(random_starts)]
        oblique = name in OBLIQUE
        algo = gpa_oblique if oblique else gpa_orthogonal
        fits = [algo(an, vgq, tmat=t0, eps=eps, maxit=maxit) for t0 in tmats]
        crit = np.array([f[4] for f in fits])
        ok = np.array([f[3] for f in fits])
        pool = np.flatnonzero(ok) if ok.any() else np.arange(len(fits))
        best = int(pool[np.argmin(crit[pool])])
        n_best = int(np.sum(np.abs(crit[pool] - crit[best]) < eps))
        lam, t, n_iter, converged, f = fits[best]
        lam = lam * w[:, None]
        if oblique:
            # psych: rot.mat <- t(solve(ob$Th))
            result = Rotation(lam, t.T @ t, np.linalg.inv(t).T, n_iter, converged, name,
                              f, len(fits), n_best, tuple(float(c) for c in crit))
        else:
            result = Rotation(lam, None, t, n_iter, converged, name, f, len(fits), n_best,
                              tuple(float(c) for c in crit))
    if warn and not result.converged:
        warnings.warn(
            f"{name} rotation did not converge; the rotated loadings may be inaccurate",
            NumericalWarning,
            stacklevel=3,
        )
    return result
