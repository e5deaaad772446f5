"""Estimators: how a fitting criterion plugs into the engine.

An estimator is an object built from a :class:`~psychometrics.structural.matrices.Model`
(the map from the free-parameter vector ``x`` to the model matrices) and a
:class:`~psychometrics.structural.samplestats.Sample` (the sample statistics), that the
optimiser (:func:`~psychometrics.structural.optimize.minimize`) and the inference
(:mod:`~psychometrics.structural.inference`) see only through this interface:

``value(x) -> float``
    lavaan's ``fmin`` at ``x``: for ML ``F_ML / 2``, for FIML ``-logL / N``, for the
    least-squares family ``0.5 (s - sigma(x))' W (s - sigma(x))``; ``math.inf`` where the
    model is not evaluable (Sigma not positive definite), so the optimiser halves its step.
``state(x) -> State | None``
    Everything the derivatives need at ``x`` (computed once per iteration); ``None`` when
    ``x`` is not evaluable. ``state(x).f == value(x)``.
``gradient(x, st=None) -> ndarray (q,)``
    ``d fmin / dx``.
``derivatives(x, st, newton) -> (g, info, H)``
    The gradient, the *unit* expected information (per observation: standard errors are
    ``sqrt(diag(info^-1) / N)``) and, when ``newton`` is true, the exact Hessian of fmin
    (lavaan's observed information; ``None`` otherwise). ``info`` must be positive
    (semi-)definite: it is the Fisher-scoring metric.
``evaluate(x, newton) -> (f, g, info, H) | None``
    ``state`` and ``derivatives`` in one call (what the optimiser calls each iteration).
``free_rows``, ``row_gradient``, ``row_info``, ``row_info_diag``
    The same quantities for any set of parameter rows (``RowBasis``), fixed ones included:
    the modification indices are score tests over candidate rows.

Several groups: :class:`MultiGroupObjective` sums the groups' estimators with weights
``N_g / N`` (each group's ``Model`` maps into the one parameter vector), so an estimator is
written for one group only.

Sample statistics an estimator receives (``Sample``): ``n`` (N), ``cov`` (the covariance
matrix with divisor N; under FIML the EM estimate of the unrestricted model), ``mean``,
``patterns`` (FIML: missing-data patterns stacked by size, each with counts, means and
covariances) and ``h1_loglik``. ``chisq = 2 N fmin`` for complete data (``2 (logL_h1 -
logL)`` under FIML).

How the derivatives are written. Every free parameter moves Sigma by a symmetric rank-two
matrix ``c (u v' + v u')`` and mu by ``sj j``, whose vectors are columns of the basis
``B = [I_p, Lambda, Lambda Psi]`` (:meth:`~psychometrics.structural.matrices.Model.row_basis`).
:class:`~psychometrics.structural.estimators.base.Objective` turns this into gradients and
informations for any estimator whose criterion is a normal log-likelihood (its ``State``
holds ``W = Sigma^-1`` and ``G = W T W`` per pattern). An estimator of the least-squares
family (GLS, ULS, DWLS, WLS: ``F = 0.5 (s - sigma)' W (s - sigma)`` over the stacked
moments ``s = (mean, vech S)``) needs instead the Jacobian ``Delta = d sigma / dx``, given by
:meth:`~psychometrics.structural.matrices.Model.jacobian` (rows in the order of
:func:`~psychometrics.structural.matrices.moment_index`): then ``g = -Delta' W (s - sigma)``,
``info = Delta' W Delta`` and ``H = info`` (Gauss-Newton), and ``state`` may hold ``Delta``
and the residual.

Robust corrections (MLM, MLR, WLSMV) are built in the inference from three pieces each
estimator can give: ``Delta``, the weight ``W`` (for ML the normal-theory weight
``0.5 D' (Sigma^-1 (x) Sigma^-1) D``, for DWLS the diagonal of the inverse of Gamma) and
``Gamma``, the asymptotic covariance of the sample moments (the "meat", one pass over the
data in the sample statistics). The sandwich is ``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / N`` and
the Satorra-Bentler scaling uses ``U = W - W D (D'WD)^-1 D' W`` and ``tr(U Gamma)``. Under
FIML (MLR) the meat is the sum of the outer products of the case-wise scores.
"""

from __future__ import annotations

from psychometrics.structural.estimators.base import Objective, State
from psychometrics.structural.estimators.fiml import FIMLObjective
from psychometrics.structural.estimators.ml import MLObjective
from psychometrics.structural.estimators.multigroup import GroupsState, MultiGroupObjective

__all__ = ["FIMLObjective", "GroupsState", "MLObjective", "MultiGroupObjective", "Objective",
           "State"]
