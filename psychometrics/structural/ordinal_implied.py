r"""Model-implied thresholds and polychoric correlations of a CFA on ordered items, and
their Jacobian, as lavaan 0.6.14 (``computeSigmaHat.LISREL``, ``computeTH.LISREL``,
``setResidualElements.LISREL``, ``setDeltaElements.LISREL``, ``computeDelta``).

With loadings :math:`\Lambda` (p x m), factor covariance :math:`\Psi`, residual
covariance :math:`\Theta`, thresholds :math:`\tau`, intercepts :math:`\nu` (p), factor
means :math:`\alpha` (m) and scale factors :math:`\delta` (p), lavaan's latent-response
model is

.. math:: V = \Lambda\Psi\Lambda' + \Theta, \qquad \Sigma^* = D V D, \qquad
   \tau^*_{jc} = \delta_j\,(\tau_{jc} - \nu_j - \lambda_j'\alpha), \qquad D = diag(\delta).

``parameterization="delta"`` (lavaan's default): :math:`\delta` is a parameter (fixed at 1
unless freed, e.g. in later groups of an invariance model) and the residual variances are
not: :math:`\Theta_{jj} = 1/\delta_j^2 - (\Lambda\Psi\Lambda')_{jj}`, so
:math:`diag(\Sigma^*) = 1`. ``parameterization="theta"``: :math:`\Theta_{jj}` is a
parameter and :math:`\delta_j = V_{jj}^{-1/2}`.

Contract (what an engine uses)
------------------------------
:func:`ordinal_implied` returns the model's ``wls_obs`` counterpart (thresholds, then the
correlations below the diagonal column by column, as
:attr:`psychometrics.structural.ordinal_stats.OrdinalGroupStats.wls_obs`), plus the full
:math:`\Theta` and :math:`\delta` the parameterization implies.

:func:`ordinal_jacobian` returns its derivatives with respect to every element of each
matrix, one dict entry per matrix, each (s x n_elements): ``"lambda"`` (column-major
``vec``, element (a, b) at ``a + b p``), ``"psi"`` and ``"theta"`` (their lower triangles
column by column, as R's ``lav_matrix_vech``; a symmetric off-diagonal element moves both
entries), ``"tau"`` (q), ``"nu"`` (p), ``"alpha"`` (m) and ``"delta"`` (p, zero in the
theta parameterization). The engine's :math:`\Delta_g` is these columns picked (and
summed, for parameters shared by several elements) by its parameter table; it goes with
the group's ``wls_v`` and ``gamma`` into :mod:`psychometrics.structural.wls_robust`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from psychometrics.structural.ordinal_stats import vech_pairs

__all__ = ["OrdinalImplied", "ordinal_implied", "ordinal_jacobian"]

_PARAMETERIZATIONS = ("delta", "theta")


@dataclass(frozen=True)
class OrdinalImplied:
    """Model-implied statistics of one group; see :func:`ordinal_implied`."""

    thresholds: np.ndarray
    correlation: np.ndarray
    theta: np.ndarray
    delta: np.ndarray

    @property
    def wls_est(self) -> np.ndarray:
        """Thresholds then the off-diagonal correlations (lavaan's ``wls.est``)."""
        first, second = vech_pairs(self.correlation.shape[0])
        return np.concatenate([self.thresholds, self.correlation[second, first]])


def _prepare(lambda_: np.ndarray, psi: np.ndarray, tau: np.ndarray, th_item: np.ndarray,
             theta: np.ndarray | None, delta: np.ndarray | None, nu: np.ndarray | None,
             alpha: np.ndarray | None, parameterization: str):
    if parameterization not in _PARAMETERIZATIONS:
        raise ValueError(f"parameterization must be 'delta' or 'theta', got "
                         f"{parameterization!r}")
    L = np.atleast_2d(np.asarray(lambda_, dtype=float))
    p, m = L.shape
    P = np.atleast_2d(np.asarray(psi, dtype=float))
    if P.shape != (m, m):
        raise ValueError(f"psi must be {m} x {m} (one row per factor), got {P.shape}")
    t = np.asarray(tau, dtype=float).ravel()
    it = np.asarray(th_item, dtype=np.intp).ravel()
    if it.shape != t.shape or (it.size and (it.min() < 0 or it.max() >= p)):
        raise ValueError("th_item needs one item index (0-based, < number of items) per "
                         "threshold")
    T = np.zeros((p, p)) if theta is None else np.atleast_2d(np.asarray(theta, dtype=float))
    if T.shape != (p, p):
        raise ValueError(f"theta must be {p} x {p}, got {T.shape}")
    d = np.ones(p) if delta is None else np.asarray(delta, dtype=float).ravel()
    n = np.zeros(p) if nu is None else np.asarray(nu, dtype=float).ravel()
    a = np.zeros(m) if alpha is None else np.asarray(alpha, dtype=float).ravel()
    if d.shape != (p,) or n.shape != (p,) or a.shape != (m,):
        raise ValueError("delta and nu need one value per item, alpha one per factor")
    return L, P, t, it, T, d, n, a


def ordinal_implied(lambda_: np.ndarray, psi: np.ndarray, tau: np.ndarray,
                    th_item: np.ndarray, *, theta: np.ndarray | None = None,
                    delta: np.ndarray | None = None, nu: np.ndarray | None = None,
                    alpha: np.ndarray | None = None,
                    parameterization: str = "delta") -> OrdinalImplied:
    r"""Implied thresholds and latent-response correlations of one group.

    Parameters
    ----------
    lambda_, psi
        Loadings (items x factors) and factor covariance matrix.
    tau, th_item
        The thresholds, item by item, and the item (0-based) of each.
    theta
        Residual covariances; in the delta parameterization only its off-diagonal is used
        (the diagonal follows from ``delta``), in the theta parameterization all of it.
    delta
        Scale factors (delta parameterization; default 1).
    nu, alpha
        Item intercepts and factor means (default 0).
    parameterization
        ``"delta"`` or ``"theta"``.

    Returns
    -------
    OrdinalImplied
        ``thresholds``, ``correlation`` (unit diagonal), the implied full ``theta`` and
        ``delta``; ``wls_est`` in lavaan's order.

    Examples
    --------
    >>> import numpy as np
    >>> imp = ordinal_implied(np.array([[0.8], [0.6], [0.7]]), np.eye(1),
    ...                       np.array([-1.0, 0.5, 0.0]), np.array([0, 1, 2]))
    >>> imp.wls_est.round(2)
    array([-1.  ,  0.5 ,  0.  ,  0.48,  0.56,  0.42])
    >>> imp.theta.diagonal().round(2)
    array([0.36, 0.64, 0.51])
    """
    L, P, t, it, T, d, n, a = _prepare(lambda_, psi, tau, th_item, theta, delta, nu, alpha,
                                       parameterization)
    C = L @ P @ L.T
    T = T.copy()
    if parameterization == "delta":
        np.fill_diagonal(T, 1.0 / (d * d) - np.diag(C))
    V = C + T
    if parameterization == "theta":
        d = 1.0 / np.sqrt(np.diag(V))
    S = d[:, None] * V * d[None, :]
    th = d[it] * (t - n[it] - (L @ a)[it])
    return OrdinalImplied(thresholds=th, correlation=S, theta=T, delta=d)


def _sym_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower triangle including the diagonal, column by column (R's vech order)."""
    cols, rows = np.triu_indices(k)
    return rows, cols


def ordinal_jacobian(lambda_: np.ndarray, psi: np.ndarray, tau: np.ndarray,
                     th_item: np.ndarray, *, theta: np.ndarray | None = None,
                     delta: np.ndarray | None = None, nu: np.ndarray | None = None,
                     alpha: np.ndarray | None = None,
                     parameterization: str = "delta") -> dict[str, np.ndarray]:
    r"""Derivatives of :func:`ordinal_implied`'s ``wls_est`` w.r.t. every matrix element.

    Same arguments as :func:`ordinal_implied`; the module docstring gives the column order
    of each block. Analytic: with :math:`V = \Lambda\Psi\Lambda' + \Theta`,
    :math:`\partial\Sigma^*_{jk} = \delta_j\delta_k\,\partial V_{jk} + V_{jk}
    (\delta_k\,\partial\delta_j + \delta_j\,\partial\delta_k)`, where in the theta
    parameterization :math:`\partial\delta_j = -\tfrac12 \delta_j^3\, \partial V_{jj}`.
    """
    L, P, t, it, T_in, d_in, n, a = _prepare(lambda_, psi, tau, th_item, theta, delta, nu,
                                             alpha, parameterization)
    imp = ordinal_implied(L, P, t, it, theta=T_in, delta=d_in, nu=n, alpha=a,
                          parameterization=parameterization)
    p, m = L.shape
    q = t.size
    d = imp.delta
    V = L @ P @ L.T + imp.theta
    first, second = vech_pairs(p)  # correlation (second, first)
    mean_part = t - n[it] - (L @ a)[it]

    # dV for each block: (p, p, n_elements)
    LP = L @ P
    a_idx, b_idx = np.divmod(np.arange(p * m), p)[::-1]  # element (a, b) at a + b p
    dV_lam = np.zeros((p, p, p * m))
    cols = np.arange(p * m)
    dV_lam[a_idx, :, cols] += LP[:, b_idx].T
    dV_lam[:, a_idx, cols] += LP[:, b_idx]
    r_psi, c_psi = _sym_pairs(m)
    dV_psi = np.einsum("jn,kn->jkn", L[:, r_psi], L[:, c_psi])
    off = r_psi != c_psi
    dV_psi[:, :, off] += np.einsum("jn,kn->jkn", L[:, c_psi[off]], L[:, r_psi[off]])
    r_th, c_th = _sym_pairs(p)
    dV_theta = np.zeros((p, p, r_th.size))
    dV_theta[r_th, c_th, np.arange(r_th.size)] = 1.0
    dV_theta[c_th, r_th, np.arange(r_th.size)] = 1.0
    if parameterization == "delta":
        # the residual variances are not parameters: only Theta's off-diagonal moves V
        dV_theta[:, :, r_th == c_th] = 0.0

    def corr_block(dV: np.ndarray, dd: np.ndarray) -> np.ndarray:
        """Rows of the correlations: (n_pairs, n_elements); dd is (p, n_elements)."""
        j, k = second, first
        return (d[j, None] * d[k, None] * dV[j, k]
                + V[j, k][:, None] * (d[k, None] * dd[j] + d[j, None] * dd[k]))

    def dd_of(dV: np.ndarray) -> np.ndarray:
        if parameterization == "theta":
            return -0.5 * (d ** 3)[:, None] * dV[np.arange(p), np.arange(p)]
        return np.zeros((p, dV.shape[2]))

    def th_block(dd: np.ndarray, dmean: np.ndarray) -> np.ndarray:
        return dd[it] * mean_part[:, None] + d[it, None] * dmean

    out: dict[str, np.ndarray] = {}
    # lambda: also in the thresholds through Lambda alpha
    dmean_lam = np.zeros((q, p * m))
    dmean_lam[:, cols] = -(it[:, None] == a_idx[None, :]).astype(float) * a[b_idx][None, :]
    dd = dd_of(dV_lam)
    out["lambda"] = np.vstack([th_block(dd, dmean_lam), corr_block(dV_lam, dd)])
    dd = dd_of(dV_psi)
    out["psi"] = np.vstack([th_block(dd, np.zeros((q, r_psi.size))), corr_block(dV_psi, dd)])
    dd = dd_of(dV_theta)
    out["theta"] = np.vstack([th_block(dd, np.zeros((q, r_th.size))),
                              corr_block(dV_theta, dd)])
    zero_p = np.zeros((p, p, p))
    out["tau"] = np.vstack([np.diag(d[it]), np.zeros((first.size, q))])
    dmean_nu = -(it[:, None] == np.arange(p)[None, :]).astype(float)
    out["nu"] = np.vstack([d[it, None] * dmean_nu, np.zeros((first.size, p))])
    out["alpha"] = np.vstack([-d[it, None] * L[it], np.zeros((first.size, m))])
    if parameterization == "delta":
        dd = np.eye(p)
        out["delta"] = np.vstack([th_block(dd, np.zeros((q, p))), corr_block(zero_p, dd)])
    else:
        out["delta"] = np.zeros((q + first.size, p))
    return out
