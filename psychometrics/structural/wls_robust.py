r"""Robust standard errors and test statistics of the (D)WLS family, as lavaan 0.6.14, and
the U-Gamma algebra they share with the robust ML estimators.

Pure functions of the quantities an estimator has once it has converged; no optimiser,
no model. :mod:`psychometrics.structural.robust` (MLM, MLMV, MLR) calls
:func:`sandwich_meat` and :func:`ugamma_traces` with the normal-theory weight in place of
``W``: one implementation of the sandwich and of the traces of ``U Gamma`` for both.
Per group g (``ngroups`` >= 1), with :math:`f_g = N_g / N`:

``delta[g]`` (s_g, npar)
    :math:`\Delta_g = \partial \sigma_g(\theta) / \partial \theta'`, the Jacobian of the
    model's ``wls_obs`` (thresholds, correlations, ...) in the free parameters (lavaan's
    ``lavInspect(fit, "delta")``).
``weight[g]``
    the estimator's weight :math:`W_g`: a vector for a diagonal weight (DWLS: ``1 /
    diag(Gamma_g)``, ULS: ones), a matrix for a full one (WLS: ``inv(Gamma_g)``). lavaan's
    ``WLS.V`` / ``WLS.VD``.
``gamma[g]`` (s_g, s_g)
    :math:`\Gamma_g`, N_g times the asymptotic covariance of the sample statistics
    (:attr:`psychometrics.structural.ordinal_stats.OrdinalGroupStats.gamma`).
``nobs``
    :math:`N_g`.
``constraints`` (optional, (c, npar))
    the Jacobian of equality constraints (lavaan's ``con.jac``; ``group_equal`` labels):
    the information is then inverted augmented, as ``lav_model_information_augment_invert``.

What an engine calls, after fitting ``theta`` by minimising
:math:`F = \sum_g f_g\, \frac12 \frac{N_g - 1}{N_g} (s_g - \sigma_g)' W_g (s_g - \sigma_g)`:

1. ``info_inv = information_inverse(delta, weight, nobs, constraints)`` (expected
   information :math:`E = \sum_g f_g \Delta_g' W_g \Delta_g`);
2. ``vcov = robust_vcov(delta, weight, gamma, nobs, info_inv)`` (``se="robust.sem"``);
3. ``traces = ugamma_traces(delta, weight, gamma, nobs, info_inv)``;
4. with the unscaled statistic :math:`T = \sum_g (N_g - 1)(s_g - \sigma_g)' W_g
   (s_g - \sigma_g)` (lavaan's: 2 N F with the (N_g - 1) / N_g in F_g) and its ``df``:
   ``scaled_shifted_test(T, df, traces, nobs)`` (WLSMV, ULSMV),
   ``mean_var_adjusted_test(T, df, traces)`` (``test="mean.var.adjusted"``) or
   ``satorra_bentler_test(T, df, traces)`` (WLSM, ULSM, and MLM for ML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

from psychometrics.results import ResultMixin

__all__ = [
    "RobustTest",
    "UGammaTraces",
    "expected_information",
    "information_inverse",
    "mean_var_adjusted_test",
    "robust_vcov",
    "sandwich_meat",
    "satorra2000_difference",
    "satorra_bentler_test",
    "scaled_shifted_test",
    "ugamma_traces",
]

# lavaan: MASS::ginv(..., tol = .Machine$double.eps^(3/4)) for the augmented information
_GINV_TOL = np.finfo(float).eps ** 0.75


@dataclass(frozen=True)
class UGammaTraces(ResultMixin):
    r""":math:`\mathrm{tr}(U\Gamma)` and :math:`\mathrm{tr}((U\Gamma)^2)`; see
    :func:`ugamma_traces`."""

    trace: float
    trace2: float

    _title = "Traces of U Gamma"


@dataclass(frozen=True)
class RobustTest(ResultMixin):
    """A corrected test statistic (lavaan's ``fit@test[[2]]``).

    ``stat`` and ``df`` are the corrected statistic and its degrees of freedom,
    ``stat_group`` its per-group parts, ``scaling_factor`` and ``shift_parameter`` the
    correction (``stat = standard / scaling_factor + shift``), ``standard`` and
    ``standard_df`` the uncorrected statistic.
    """

    test: str
    stat: float
    df: float
    pvalue: float
    scaling_factor: float
    shift_parameter: float | tuple[float, ...]
    standard: float
    standard_df: float
    stat_group: tuple[float, ...]
    trace_ugamma: float
    trace_ugamma2: float | None

    _title = "Robust test statistic"


def _as_list(x: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(x, np.ndarray):
        return [x]
    return [np.asarray(v, dtype=float) for v in x]


def _weights(nobs: int | Sequence[int]) -> np.ndarray:
    n = np.atleast_1d(np.asarray(nobs, dtype=float))
    return n / n.sum()


def _weight_matrix(w: np.ndarray) -> np.ndarray:
    return np.diag(w) if w.ndim == 1 else w


def _check(delta: list[np.ndarray], weight: list[np.ndarray], nobs: np.ndarray,
           gamma: list[np.ndarray] | None = None) -> None:
    if not (len(delta) == len(weight) == nobs.size) or (gamma is not None
                                                        and len(gamma) != nobs.size):
        raise ValueError(f"one delta, weight{', gamma' if gamma is not None else ''} and nobs "
                         f"per group: got {len(delta)}, {len(weight)}"
                         + (f", {len(gamma)}" if gamma is not None else "")
                         + f" and {nobs.size}")
    npar = {d.shape[1] for d in delta}
    if len(npar) != 1:
        raise ValueError(f"every group's delta needs the same parameter columns, got {npar}")
    for g, (d, w) in enumerate(zip(delta, weight, strict=True)):
        if w.shape[0] != d.shape[0] or (gamma is not None and gamma[g].shape != (d.shape[0],) * 2):
            raise ValueError(f"group {g + 1}: delta has {d.shape[0]} rows, the weight "
                             f"{w.shape[0]}" + (f", gamma {gamma[g].shape}" if gamma else ""))


def expected_information(delta: np.ndarray | Sequence[np.ndarray],
                         weight: np.ndarray | Sequence[np.ndarray],
                         nobs: int | Sequence[int]) -> np.ndarray:
    r"""Expected information of a (D)WLS fit: :math:`E = \sum_g f_g \Delta_g' W_g \Delta_g`.

    lavaan's ``lav_model_information_expected`` (unit information, i.e. not times N).

    Examples
    --------
    >>> import numpy as np
    >>> expected_information([np.eye(2)], [np.array([2.0, 3.0])], [100])
    array([[2., 0.],
           [0., 3.]])
    """
    D, W = _as_list(delta), _as_list(weight)
    f = _weights(nobs)
    _check(D, W, f)
    return sum(fg * (d.T @ (w[:, None] * d) if w.ndim == 1 else d.T @ w @ d)
               for fg, d, w in zip(f, D, W, strict=True))


def information_inverse(delta: np.ndarray | Sequence[np.ndarray],
                        weight: np.ndarray | Sequence[np.ndarray],
                        nobs: int | Sequence[int],
                        constraints: np.ndarray | None = None) -> np.ndarray:
    r"""Inverse of the expected information, augmented by equality constraints.

    Without constraints :math:`E^{-1}`. With a constraint Jacobian H (c x npar) the top-left
    npar x npar block of the generalised inverse of
    :math:`\begin{pmatrix} E + H'H & H' \\ H & 0 \end{pmatrix}`, as lavaan's
    ``lav_model_information_augment_invert`` (``MASS::ginv``, tolerance eps^(3/4)).
    """
    E = expected_information(delta, weight, nobs)
    if constraints is None or np.asarray(constraints).size == 0:
        return np.linalg.inv(E)
    H = np.atleast_2d(np.asarray(constraints, dtype=float))
    if H.shape[1] != E.shape[0]:
        raise ValueError(f"constraints need {E.shape[0]} columns (one per parameter), got "
                         f"{H.shape[1]}")
    c = H.shape[0]
    aug = np.block([[E + H.T @ H, H.T], [H, np.zeros((c, c))]])
    return _ginv(aug)[: E.shape[0], : E.shape[0]]


def _ginv(x: np.ndarray) -> np.ndarray:
    """MASS::ginv: singular values below tol times the largest are dropped."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    keep = s > _GINV_TOL * s[0]
    return (vt[keep].T / s[keep]) @ u[:, keep].T


def sandwich_meat(delta: np.ndarray | Sequence[np.ndarray],
                  weight: np.ndarray | Sequence[np.ndarray],
                  gamma: np.ndarray | Sequence[np.ndarray],
                  nobs: int | Sequence[float]) -> np.ndarray:
    r"""The sandwich's meat :math:`\sum_g f_g\, \Delta_g' W_g \Gamma_g W_g \Delta_g` (for ML
    ``W`` is the normal-theory weight and ``Gamma`` the sample's, or the case-wise scores'
    for MLR).

    Examples
    --------
    >>> sandwich_meat([np.eye(2)], [np.array([2.0, 1.0])], [np.eye(2)], [10])
    array([[4., 0.],
           [0., 1.]])
    """
    D, W, G = _as_list(delta), _as_list(weight), _as_list(gamma)
    f = _weights(nobs)
    _check(D, W, f, G)
    meat = np.zeros((D[0].shape[1],) * 2)
    for fg, d, w, gm in zip(f, D, W, G, strict=True):
        wd = w[:, None] * d if w.ndim == 1 else w @ d
        meat += fg * (wd.T @ gm @ wd)
    return meat


def robust_vcov(delta: np.ndarray | Sequence[np.ndarray],
                weight: np.ndarray | Sequence[np.ndarray],
                gamma: np.ndarray | Sequence[np.ndarray],
                nobs: int | Sequence[int],
                info_inverse: np.ndarray | None = None,
                constraints: np.ndarray | None = None) -> np.ndarray:
    r"""Sandwich covariance matrix of the estimates (lavaan's ``se = "robust.sem"``).

    .. math:: \mathrm{Var}(\hat\theta) = \frac{1}{N - G} E^{-1} \Bigl(\sum_g f_g\,
       \Delta_g' W_g \Gamma_g W_g \Delta_g\Bigr) E^{-1}

    (``lav_model_nvcov_robust_sem``; ``lav_model_vcov`` divides by N minus the number of
    groups G for every estimator but the likelihood-based ones). Standard errors are the
    square roots of its diagonal.
    ``info_inverse`` defaults to :func:`information_inverse` (with ``constraints``).
    """
    D, W, G = _as_list(delta), _as_list(weight), _as_list(gamma)
    f = _weights(nobs)
    _check(D, W, f, G)
    if info_inverse is None:
        info_inverse = information_inverse(D, W, nobs, constraints)
    meat = sandwich_meat(D, W, G, nobs)
    return info_inverse @ meat @ info_inverse / (float(np.sum(nobs)) - f.size)


def ugamma_traces(delta: np.ndarray | Sequence[np.ndarray],
                  weight: np.ndarray | Sequence[np.ndarray],
                  gamma: np.ndarray | Sequence[np.ndarray],
                  nobs: int | Sequence[int],
                  info_inverse: np.ndarray | None = None,
                  constraints: np.ndarray | None = None) -> UGammaTraces:
    r"""Traces of :math:`U\Gamma` and :math:`(U\Gamma)^2` over all groups.

    .. math:: U = V - V \Delta E^{-1} \Delta' V, \quad V = \oplus_g f_g W_g, \quad
       \Gamma = \oplus_g \Gamma_g / f_g, \quad \Delta = (\Delta_1', \ldots)'

    lavaan's ``lav_test_satorra_bentler_trace_original`` (the default, not
    ``ug2.old.approach``). Computed group block by group block, never forming the
    stacked U.
    """
    D, W, G = _as_list(delta), _as_list(weight), _as_list(gamma)
    f = _weights(nobs)
    _check(D, W, f, G)
    if info_inverse is None:
        info_inverse = information_inverse(D, W, nobs, constraints)
    # U Gamma's block (g, h) = f_g W_g [I delta_gh - Delta_g E^-1 Delta_h' f_h W_h] G_h / f_h
    VD = [fg * (w[:, None] * d if w.ndim == 1 else w @ d) for fg, d, w in zip(f, D, W,
                                                                              strict=True)]
    VG = [(w[:, None] * gm if w.ndim == 1 else w @ gm) for w, gm in zip(W, G, strict=True)]
    GVD = [gm @ vd / fg for gm, vd, fg in zip(G, VD, f, strict=True)]  # Gamma_h/f_h V_h D_h
    trace = 0.0
    blocks: list[list[np.ndarray]] = []
    for g in range(f.size):
        row = []
        for h in range(f.size):
            ug = -VD[g] @ info_inverse @ GVD[h].T
            if g == h:
                ug = ug + VG[g]
                trace += float(np.trace(ug))
            row.append(ug)
        blocks.append(row)
    trace2 = float(sum(np.sum(blocks[g][h] * blocks[h][g].T)
                       for g in range(f.size) for h in range(f.size)))
    return UGammaTraces(trace=trace, trace2=trace2)


def _group_stats(standard: float, stat_group: Sequence[float] | None) -> np.ndarray:
    return np.array([standard] if stat_group is None else stat_group, dtype=float)


def satorra_bentler_test(standard: float, df: float, traces: UGammaTraces,
                         stat_group: Sequence[float] | None = None) -> RobustTest:
    r"""Mean-adjusted (Satorra-Bentler) statistic: :math:`T / c`, :math:`c =
    \mathrm{tr}(U\Gamma) / df` (lavaan's ``test = "satorra.bentler"``: WLSM, ULSM, MLM)."""
    c = traces.trace / df
    if c < 0:
        c = float("nan")
    sg = _group_stats(standard, stat_group) / c
    stat = float(sg.sum())
    return RobustTest("satorra.bentler", stat, float(df), _pvalue(stat, df), c, 0.0,
                      float(standard), float(df), tuple(sg), traces.trace, None)


def mean_var_adjusted_test(standard: float, df: float, traces: UGammaTraces,
                           stat_group: Sequence[float] | None = None) -> RobustTest:
    r"""Mean- and variance-adjusted statistic (Satterthwaite): degrees of freedom
    :math:`d = \mathrm{tr}(U\Gamma)^2 / \mathrm{tr}((U\Gamma)^2)`, statistic
    :math:`T / c` with :math:`c = \mathrm{tr}(U\Gamma) / d` (lavaan's
    ``test = "mean.var.adjusted"``, WLSMVS; real-valued d, not Mplus' rounding)."""
    d = traces.trace ** 2 / traces.trace2
    c = traces.trace / d
    if c < 0:
        c = float("nan")
    sg = _group_stats(standard, stat_group) / c
    stat = float(standard / c)
    return RobustTest("mean.var.adjusted", stat, float(d), _pvalue(stat, d), c, 0.0,
                      float(standard), float(df), tuple(sg), traces.trace, traces.trace2)


def scaled_shifted_test(standard: float, df: float, traces: UGammaTraces,
                        nobs: int | Sequence[int] | None = None,
                        stat_group: Sequence[float] | None = None) -> RobustTest:
    r"""Scaled-and-shifted statistic (Asparouhov & Muthén 2010), lavaan's WLSMV test.

    .. math:: a = \sqrt{df / \mathrm{tr}((U\Gamma)^2)}, \quad
       b = df - a\, \mathrm{tr}(U\Gamma), \quad T^* = a T + b

    with ``df`` unchanged; ``scaling_factor`` is 1/a, ``shift_parameter`` b. The
    per-group parts are :math:`a T_g + f_g b` (``nobs`` gives :math:`f_g`).

    Examples
    --------
    >>> t = scaled_shifted_test(100.0, 20, UGammaTraces(trace=15.0, trace2=12.0))
    >>> round(t.stat, 4), round(t.scaling_factor, 4), round(t.shift_parameter, 4)
    (129.7345, 0.7746, 0.6351)
    """
    a = np.sqrt(df / traces.trace2)
    c = 1.0 / a
    if c < 0:
        c = float("nan")
    shift = float(df - a * traces.trace)
    stat = float(standard * a + shift)
    f = _weights(1 if nobs is None else nobs)
    sg = _group_stats(standard, stat_group)
    if sg.size != f.size:
        raise ValueError(f"stat_group has {sg.size} groups, nobs {f.size}")
    return RobustTest("scaled.shifted", stat, float(df), _pvalue(stat, df), float(c), shift,
                      float(standard), float(df), tuple(sg * a + f * shift), traces.trace,
                      traces.trace2)


def _pvalue(stat: float, df: float) -> float:
    return float(chdtrc(df, stat)) if df > 0 and np.isfinite(stat) else float("nan")


def _orthogonal_complement(H: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the complement of H's column space (lavaan's
    ``lav_matrix_orthogonal_complement``, through the QR of H)."""
    u, s, _ = np.linalg.svd(H, full_matrices=True)
    rank = int(np.sum(s > max(H.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
    return u[:, rank:]


def satorra2000_difference(delta1: Sequence[np.ndarray], delta0: Sequence[np.ndarray],
                           weight: Sequence[np.ndarray], gamma: Sequence[np.ndarray],
                           nobs: Sequence[int], stat1: float, df1: float, stat0: float,
                           df0: float, scaled_shifted: bool = True) -> RobustTest:
    r"""The scaled difference test of nested (D)WLS models (Satorra 2000), lavaan's
    ``lavTestLRT`` for WLSMV (``method = "satorra.2000"``, ``A.method = "delta"``).

    With :math:`\Delta_1` (the less restricted model, ``delta1`` per group) and
    :math:`\Delta_0` (the restricted one) stacked over groups, the restrictions are
    :math:`A = \mathrm{complement}(\Delta_1^+ \Delta_0)'`, and with
    :math:`P^{-1} = E_1^{-1}` (the information of model 1),
    :math:`M = P^{-1} A' (A P^{-1} A')^+ A P^{-1}`:

    .. math:: \mathrm{tr}(U\Gamma) = \sum_g f_g\, \mathrm{tr}(W_g \Gamma_g W_g \Delta_{1g}
       M \Delta_{1g}'), \quad \mathrm{tr}((U\Gamma)^2)\ \text{with}\
       U = W \Delta_1 M \Delta_1' W,\ \Gamma = \oplus_g f_g \Gamma_g,

    then, with :math:`m = df_0 - df_1`, scaled and shifted:
    :math:`a = \sqrt{m / \mathrm{tr}((U\Gamma)^2)}`, :math:`T_d = (T_0 - T_1) a + m -
    a\,\mathrm{tr}(U\Gamma)` on m degrees of freedom; else :math:`T_d = (T_0 - T_1) / c_d`,
    :math:`c_d = \mathrm{tr}(U\Gamma) / m`.
    """
    f = _weights(nobs)
    D1, D0 = _as_list(delta1), _as_list(delta0)
    W, G = _as_list(weight), _as_list(gamma)
    m = float(df0 - df1)
    diff = float(stat0 - stat1)
    if m == 0:
        return RobustTest("satorra.2000", diff, 0.0, float("nan"), float("nan"), 0.0,
                          diff, 0.0, (), float("nan"), None)
    P_inv = information_inverse(D1, W, nobs)
    H = _ginv(np.vstack(D1)) @ np.vstack(D0)
    A = _orthogonal_complement(H).T
    APA = A @ P_inv @ A.T
    empty = (np.abs(APA.sum(axis=0)) < np.sqrt(np.finfo(float).eps)) & \
        (np.abs(APA.sum(axis=1)) < np.sqrt(np.finfo(float).eps))
    A = A[~empty]
    M = P_inv @ A.T @ _ginv(A @ P_inv @ A.T) @ A @ P_inv
    WD = [(w[:, None] * d if w.ndim == 1 else w @ d) for w, d in zip(W, D1, strict=True)]
    # U Gamma's block (g, h) = W_g D_g M D_h' W_h f_h Gamma_h
    left = [wd @ M for wd in WD]
    right = [fg * (gm @ wd) for fg, gm, wd in zip(f, G, WD, strict=True)]  # (G_h W_h D_h)
    trace = float(sum(np.sum(lt * rt) for lt, rt in zip(left, right, strict=True)))
    # tr((U Gamma)^2) = tr(M S M S) with S = sum_h D_h' W_h f_h Gamma_h W_h D_h
    S = sum(wd.T @ rt for wd, rt in zip(WD, right, strict=True))
    MS = M @ S
    trace2 = float(np.sum(MS * MS.T))
    if scaled_shifted:
        a = float(np.sqrt(m / trace2))
        b = m - a * trace
        stat = diff * a + b
        return RobustTest("satorra.2000", stat, m, _pvalue(stat, m), 1.0 / a, b, diff, m,
                          (stat,), trace, trace2)
    cd = trace / m
    stat = diff / cd
    return RobustTest("satorra.2000", stat, m, _pvalue(stat, m), cd, 0.0, diff, m, (stat,),
                      trace, trace2)
