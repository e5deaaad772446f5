"""Fitting a model: the steps from data and syntax to a result, matching lavaan 0.6.14.

:func:`cfa` fits a measurement model ``Sigma = Lambda Psi Lambda' + Theta`` (plus
``mu = nu`` under full-information ML) with lavaan's defaults: normal-theory ML with N in the
sample covariance and the discrepancy, marker-variable identification (or ``std_lv``),
free factor covariances, standard errors from the expected information (complete data) or
the observed information (FIML), lavaan's fit measures, standardized solutions, residual
correlations and modification indices.

The estimator works on sufficient statistics: one pass over the data gives the covariance
matrix (complete data) or one mean and covariance per missing-data pattern (FIML), and the
optimiser never touches the rows again: Fisher scoring (analytic gradient and expected
information) until close, then Newton steps with the exact Hessian, with step halving;
``scipy.optimize`` L-BFGS-B is the fallback. Every parameter moves Sigma by a symmetric
rank-two matrix ``u v' + v u'`` whose vectors are columns of ``[I, Lambda, Lambda Psi]``, so
gradients, informations and Hessians are gathers from small ``B' X B`` matrices.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from psychometrics.errors import MissingColumnError, NumericalWarning
from psychometrics.factor._matrix import cov2cor, small_matrix_blas
from psychometrics.progress import ProgressCallback
from psychometrics.structural.errors import DataError, ModelError
from psychometrics.structural.estimators import (
    FIMLObjective,
    MLObjective,
    MultiGroupObjective,
    Objective,
)
from psychometrics.structural.estimators.least_squares import (
    LEAST_SQUARES,
    LSObjective,
    baseline_fmin,
)
from psychometrics.structural.estimators.least_squares import (
    information as ls_information,
)
from psychometrics.structural.fiml_corrected import fiml_corrected, fiml_robust_measures
from psychometrics.structural.fit import (
    GroupMoments,
    fit_measures,
    least_squares_measures,
    scaled_measures,
)
from psychometrics.structural.inference import (
    GroupPart,
    check_solution,
    constrained_inverse,
    invert_information,
    modification_indices,
    score_tests,
)
from psychometrics.structural.instrument_model import resolve_model
from psychometrics.structural.matrices import Model
from psychometrics.structural.optimize import minimize as _optimize
from psychometrics.structural.optimize import minimize_constrained
from psychometrics.structural.partable import (
    LOAD,
    Row,
    build_table,
    coerce_model,
    exogenous,
    few_indicators_hint,
    fix_exogenous,
    inequalities,
)
from psychometrics.structural.result import CFAResult
from psychometrics.structural.robust import (
    ROBUST,
    Scaling,
    baseline_scaling,
    positive,
    robust_fiml,
    robust_pieces,
    robust_vcov,
    scaling,
)
from psychometrics.structural.samplestats import (
    Sample,
    looks_like_cov,
    rename_columns,
    sample_from_cov,
    sample_from_data,
)
from psychometrics.structural.standardize import standardize, standardize_nox
from psychometrics.structural.start import start_values
from psychometrics.structural.syntax import ModelSpec

__all__ = ["ESTIMATORS", "CFAResult", "cfa", "sem"]

ESTIMATORS = ("ML", "MLM", "MLMV", "MLR", *LEAST_SQUARES)

# The names the tests of the former ``psychometrics.factor.confirmatory`` reach for; that
# module is now this one (see psychometrics/factor/confirmatory.py).
_build_table = build_table
_FIMLObjective = FIMLObjective
_Model = Model
_sample_from_data = sample_from_data
_start_values = start_values


def cfa(
    data: pd.DataFrame,
    model: str | Mapping[str, Sequence[str]] | ModelSpec | Any,
    *,
    estimator: str | None = None,
    missing: str = "listwise",
    std_lv: bool = False,
    group: str | None = None,
    group_equal: str | Sequence[str] = (),
    group_partial: str | Sequence[str] = (),
    meanstructure: bool | None = None,
    columns: Mapping[str, str] | None = None,
    n_obs: int | None = None,
    ordered: bool | Sequence[str] | None = None,
    parameterization: str = "delta",
    id_cat: str | None = None,
    progress: bool | ProgressCallback | None = None,
) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood (lavaan's ``cfa()``).

    Parameters
    ----------
    data : pandas.DataFrame, Moments, Parquet path(s) or Dask DataFrame
        Item responses (rows = respondents), or a covariance matrix (items x items, with
        ``n_obs``). Columns not named in the model are ignored. A
        :class:`~psychometrics.Moments` (``by=group`` for groups, ``patterns=True`` for
        FIML, ``fourth=True`` for MLM/MLMV/MLR; FIML with MLR needs the rows) or a source
        read into moments with the model's items gives the same fit to 1e-8; groups are
        then numbered in order of their first row in the source. With ``ordered`` the
        source itself is needed, not a Moments: Parquet path(s), a pyarrow Table or a Dask
        DataFrame is read twice (the thresholds' and polychorics' tables, then each row's
        case-wise scores for their asymptotic covariance), per batch or per partition,
        with the in-memory result; a Moments or an iterator of batches, which cannot be
        read again, is a DataError.
    model : str, dict, ModelSpec or instrument
        A built-in instrument id (``"gse"``) or instrument YAML path, lavaan syntax (see
        :func:`~psychometrics.factor.parse_model`), a
        ``{factor: [items]}`` dict, a :class:`~psychometrics.structural.syntax.ModelSpec`, or
        any object with a ``cfa_model()`` method returning such a dict (an
        :class:`~psychometrics.schema.Instrument`).
    estimator : {"ML", "MLM", "MLMV", "MLR", "GLS", "ULS"}, optional
        Default ``"ML"`` (``"WLSMV"`` with ``ordered``): normal-theory maximum likelihood.
        The robust variants (lavaan's) keep the ML estimates and correct the standard
        errors and the test for non-normal data:
        ``"MLM"`` robust ("sandwich") standard errors from the expected information and
        the Satorra-Bentler scaled chisq; ``"MLMV"`` the same standard errors and the
        scaled-and-shifted chisq; ``"MLR"`` Huber-White standard errors from the observed
        information and the Yuan-Bentler (Mplus) scaled chisq. They need raw data: MLM
        and MLMV complete rows (listwise); MLR also ``missing="fiml"`` (from the case-wise
        scores of the incomplete rows; the ``*_robust`` indices are then lavaan's
        FIML-corrected ones, :mod:`psychometrics.structural.fiml_corrected`). The fit
        Series gains lavaan's
        ``chisq_scaled``, ``df_scaled``, ``pvalue_scaled``, ``chisq_scaling_factor``, the
        baseline's, ``cfi_scaled``, ``tli_scaled``, ``cfi_robust``, ``tli_robust``,
        ``rmsea_scaled``, ``rmsea_robust`` (with their intervals and close-fit p-values);
        see :mod:`psychometrics.structural.robust`.
        ``"GLS"`` and ``"ULS"`` are lavaan's generalised and unweighted least squares on
        complete data (see :mod:`psychometrics.structural.estimators.least_squares`):
        standard errors from ``Delta' W Delta`` with N - G, ``chisq = 2 N fmin`` (no p-value
        for ULS), no likelihood (``loglik``, AIC, BIC are NaN), the RMSEA with N - G, and
        modification indices and score tests from the same information.
    missing : {"listwise", "fiml"}
        ``"listwise"`` drops rows with a missing item (lavaan's default); ``"fiml"`` (alias
        ``"ml"``) uses the casewise likelihood of every row (lavaan's ``missing="ml"``),
        which adds a mean structure (free intercepts).
    std_lv : bool
        Identify each factor by fixing its variance to 1 (all loadings free) instead of
        fixing its first loading to 1.
    group : str, optional
        The column whose values are the groups of a multi-group model. Groups are labelled
        by their value (in order of first appearance; a categorical column's categories in
        order), every table gets a ``group`` column, and the chisq is the sum of the groups'
        (``group_fit``). Rows without a group value are left out with a warning. A
        multi-group model has a mean structure (free intercepts; factor means 0).
    group_equal : list of str
        lavaan's ``group.equal``: parameters constrained equal across groups, any of
        ``"loadings"``, ``"intercepts"``, ``"means"``, ``"residuals"``,
        ``"residual.covariances"``, ``"lv.variances"``, ``"lv.covariances"``,
        ``"regressions"``. Equal intercepts free the factor means of groups 2+ (lavaan).
        Labels per group are written ``c(a1, a2)*x`` in the model.
    group_partial : list of str
        lavaan's ``group.partial``: parameters exempt from ``group_equal``
        (``["x3 ~ 1", "visual =~ x2"]``).
    meanstructure : bool, optional
        Fit the means too (intercepts ``nu`` free, factor means fixed at 0). Default: True
        with ``group`` or ``missing="fiml"``, else False (lavaan's ``"default"``).
    columns : dict, optional
        Maps the model's item ids to the data's column names (``{"item_1": "Q1"}``).
    n_obs : int, optional
        Number of observations when ``data`` is a covariance matrix. As lavaan does with
        ``sample.cov``, the matrix is taken to have divisor N - 1 and is rescaled by
        (N - 1) / N.
    ordered : True or list of str, optional
        The items are ordered categories (lavaan's ``ordered=``): thresholds and polychoric
        correlations are fitted by least squares, ``estimator`` one of ``"WLSMV"`` (the
        default then), ``"WLSM"``, ``"DWLS"``, ``"ULSMV"``, ``"ULSM"``,
        ``"ULS"``, ``"WLS"``; ``estimates`` gains the thresholds (``op`` ``"|"``) and the scaling
        factors (``"~*~"``). ``group_equal`` may name ``"thresholds"``. An instrument whose
        items are ordinal passes ``ordered=True`` when ``estimator`` is one of these. See
        :mod:`psychometrics.structural.ordinal_cfa`.
    parameterization : {"delta", "theta"}
        With ordered items: lavaan's scaling of the latent responses (``"delta"``: their
        total variances are 1; ``"theta"``: their residual variances are 1).
    id_cat : {None, "Wu.Estabrook.2016"}
        With ordered items and groups: how groups 2+ are identified. None is lavaan's
        default; ``"Wu.Estabrook.2016"`` is semTools' ``measEq.syntax(ID.cat=...)`` (free
        intercepts and latent-response scales under equal thresholds, factor means free
        only with equal intercepts), for invariance testing of ordered items.
    progress : None, True or callable
        For a streamed source (Parquet, Arrow): ``progress(rows, total)`` as the batches are
        read (``True`` draws a bar on stderr); ordered items report both passes. A Dask
        DataFrame reports on its dashboard.

    Returns
    -------
    CFAResult
        ``fit`` (a Series of fit measures), ``estimates``, ``standardized`` loadings,
        ``residual_correlations``, ``modification_indices``, ``converged``,
        ``iterations``, and the moments; ``summary()`` prints a lavaan-like report.

    Raises
    ------
    psychometrics.structural.DataError
        (a ``ValueError``) Items of the model missing from the data (named), non-numeric or
        constant items, collinear items (a sample covariance matrix that is not positive
        definite), no more complete rows than items, an empty group or a group too small
        (named); ordered items from a Moments or an iterator (they cannot be read twice).
    psychometrics.structural.ModelError
        (a ``ValueError``) A model with more free parameters than moments (negative degrees
        of freedom), an unsupported model (second-order factors, covariances between a
        factor and an item, regressions of or on an indicator, terms naming an exogenous
        covariate), a ``c(...)`` of the wrong
        length, an unknown ``group_equal`` name, a constraint or defined parameter naming an
        unknown label, an option that needs raw data.

    Warns
    -----
    NumericalWarning
        Non-convergence; fewer respondents than free parameters (with the numbers); a
        Heywood case (a negative residual variance or a standardized loading above 1, naming
        the item and, with several groups, the group); a factor covariance matrix or an implied
        covariance matrix that is not positive definite; a singular information matrix
        (an under-identified model, naming the parameters and factors involved).

    Notes
    -----
    With S the sample covariance matrix (divisor N) and ``Sigma(theta)`` the implied one,
    the ML discrepancy is ``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p`` and the test
    statistic ``chisq = N F`` (lavaan's ``fmin`` is ``F / 2``). Under FIML the
    log-likelihood is summed over missing-data patterns,
    ``-n_g/2 [p_g log 2 pi + log|Sigma_g| + tr(Sigma_g^-1 (S_g + (m_g - mu_g)(m_g - mu_g)'))]``,
    and ``chisq = 2 (logL_h1 - logL)`` with the unrestricted model ``h1`` fitted by EM.
    Standard errors are ``sqrt(diag(I^-1) / N)`` with ``I`` the expected information at the
    estimates (complete data) or the observed information (FIML: the exact Hessian, which
    lavaan approximates by differencing its analytic gradient). ``AIC = -2 logL + 2 q``,
    ``BIC = -2 logL + q log N`` with q the number of free parameters. RMSEA, CFI, TLI and
    SRMR are defined in :mod:`psychometrics.structural.fit`. Modification indices are
    score tests from the expected information, ``MI = N g^2 / V`` with
    ``V = I_22 - I_21 I_11^-1 I_12`` and ``EPC = -g / V``.

    Equal labels are equality constraints, imposed by estimating one shared parameter;
    lavaan's ``==`` bookkeeping rows are not listed in ``estimates``. Linear inequality
    constraints (``a > 0``, ``b < a``, ``b > a + 0.1``) are met exactly by an active-set
    method (:func:`~psychometrics.structural.optimize.minimize_constrained`); as in lavaan
    the df do not change, and a constraint active at the solution enters the standard
    errors and the modification indices as an equality (the information bordered by its
    gradient), so a parameter it pins has standard error 0. A NumericalWarning names each
    active constraint: on the boundary these standard errors and the chisq's reference
    distribution are not valid (lavaan warns that its vcov is not positive definite).

    References
    ----------
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. *Psychometrika, 34*(2), 183-202.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software, 48*(2), 1-36.
    Sörbom, D. (1989). Model modification. *Psychometrika, 54*(3), 371-384.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.multivariate_normal([0, 0], [[1, .4], [.4, 1]], size=500)
    >>> load = np.kron(np.eye(2), np.ones((1, 3))) * 0.7
    >>> x = f @ load + rng.normal(scale=0.6, size=(500, 6))
    >>> data = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> res = cfa(data, "A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3")
    >>> res.converged, int(res.fit["df"])
    (True, 8)
    >>> res.fit[["chisq", "cfi", "rmsea", "srmr"]].round(3)
    chisq    4.563
    cfi      1.000
    rmsea    0.000
    srmr     0.013
    Name: fit, dtype: float64
    >>> est = res.estimates
    >>> est.loc[est["op"] == "=~", ["lhs", "op", "rhs", "est", "se", "std_all"]].round(3)
      lhs  op rhs    est     se  std_all
    0   A  =~  a1  1.000  0.000    0.689
    1   A  =~  a2  1.041  0.089    0.707
    2   A  =~  a3  1.083  0.092    0.750
    3   B  =~  b1  1.000  0.000    0.771
    4   B  =~  b2  0.966  0.066    0.760
    5   B  =~  b3  0.976  0.066    0.774
    >>> res.modification_indices.sort_values("mi", ascending=False).head(2).round(3)
       lhs  op rhs     mi    epc  sepc_lv  sepc_all  sepc_nox
    14  a2  ~~  b3  1.785  0.030    0.030     0.081     0.081
    9   a1  ~~  b2  1.488  0.028    0.028     0.072     0.072
    """
    model = resolve_model(model)  # a built-in id or a YAML path -> its Instrument
    spec = coerce_model(model)
    ordinal = _ordinal_request(model, ordered, estimator)
    if ordinal is not None:
        return _fit_ordinal(data, spec, ordinal, estimator, parameterization, std_lv, group,
                            group_equal, group_partial, missing, columns, n_obs, id_cat,
                            getattr(model, "item_scale", None), progress)
    if id_cat is not None:
        raise ModelError("id_cat is for ordered items (pass ordered=True)")
    if estimator is None:
        estimator = "ML"
    est_name = estimator.upper() if isinstance(estimator, str) else ""
    if est_name not in ESTIMATORS:
        raise ModelError(f"estimator must be one of {', '.join(map(repr, ESTIMATORS))}, "
                         f"got {estimator!r}")
    miss = str(missing).lower()
    if miss in ("fiml", "ml", "direct"):
        miss = "fiml"
    elif miss in ("listwise", "default"):
        miss = "listwise"
    else:
        raise ModelError(f"missing must be 'listwise' or 'fiml', got {missing!r}")
    if est_name in ("MLM", "MLMV") and miss == "fiml":
        raise ModelError(
            f"estimator={est_name!r} with missing='fiml' is not available: lavaan needs "
            "complete data for it; use estimator='MLR' or missing='listwise'")
    if est_name in LEAST_SQUARES and miss == "fiml":
        raise ModelError(f"estimator={est_name!r} needs complete data: lavaan fits it to the "
                         "sample moments; use missing='listwise' or estimator='ML'")
    if est_name in ROBUST and n_obs is not None:
        raise ModelError(f"estimator={est_name!r} needs raw data (the rows' fourth moments), "
                         "not a covariance matrix")
    from psychometrics.structural import samplestats_moments as from_moments

    if from_moments.moments_input(data):  # read once; groups and samples from the moments
        data = from_moments.read_model_moments(data, spec, group=group, missing=miss,
                                               estimator=est_name, columns=columns,
                                               n_obs=n_obs, progress=progress)
        columns = None
    elif not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, a Moments, Parquet path(s) or a "
                        f"Dask DataFrame, not {type(data).__name__}")
    equal = _names_tuple(group_equal, "group_equal")
    partial = _names_tuple(group_partial, "group_partial")
    if group is None and (equal or partial):
        raise ModelError("group_equal and group_partial need group=<the column of the groups>")
    if columns is not None:
        data = rename_columns(data, columns, covariance=n_obs is not None)
    if meanstructure is None:
        means = miss == "fiml" or group is not None or bool(spec.intercepts)
    else:
        means = bool(meanstructure)
        if (miss == "fiml" or spec.intercepts) and not means:
            raise ModelError("missing='fiml' and intercepts ('x ~ 1') fit a mean structure; "
                             "meanstructure=False is not possible with them")

    collected: list[str] = []

    def warn(message: str) -> None:  # issued at the end, from here, to point at the caller
        if message not in collected:
            collected.append(message)

    labels, frames = _split_groups(data, group, warn, covariance=n_obs is not None)
    rows, ov, lv = build_table(spec, std_lv=bool(std_lv), meanstructure=means,
                               n_groups=len(labels), group_equal=equal, group_partial=partial)
    samples: list[Sample] = []
    for label, frame in zip(labels, frames, strict=True):
        try:
            samples.append(_sample(frame, ov, miss, n_obs, means, warn,
                                   tuple(exogenous(rows, ov))))
        except ValueError as exc:
            if group is None:
                raise
            raise type(exc)(f"group {label!r} (column {group!r}): {exc}") from None

    # fixed.x: the covariates' moments are data, not fitted (lavaan's lav_partable_ndat)
    fix_exogenous(rows, ov, [(smp.cov, smp.mean) for smp in samples])
    nx = len(exogenous(rows, ov))
    npar = 1 + max((r.par for r in rows if r.free), default=-1)
    ineq = inequalities(spec, rows, npar)
    if ineq is not None and est_name in ROBUST:
        raise ModelError(f"inequality constraints ('{ineq.text[0]}') with estimator="
                         f"{est_name!r} are not supported: use estimator='ML', 'GLS' or 'ULS'")
    n_moments = len(labels) * (len(ov) * (len(ov) + 1) // 2 + (len(ov) if means else 0)
                               - nx * (nx + 1) // 2 - (nx if means else 0))
    df = n_moments - npar
    if df < 0:
        raise ModelError(
            f"the model is not identified: {npar} free parameters but only {n_moments} "
            f"sample moments (df = {df}){few_indicators_hint(spec)}")

    for label, smp in zip(labels, samples, strict=True):
        if smp.n < npar:
            where = f"group {label!r} has" if group is not None else "there are"
            whole = f" of the {len(labels)}-group model" if len(labels) > 1 else ""
            warn(f"{where} {smp.n} respondents for {npar} free parameters{whole}: the "
                 "estimates and "
                 "standard errors are unreliable (lavaan's rule of thumb asks for 10 or more "
                 "respondents per parameter)")

    # Everything from here works on p x p matrices: multithreaded BLAS only adds overhead
    # (and is much slower on a busy machine), so it runs single-threaded.
    with small_matrix_blas():
        models = [Model([r for r in rows if r.group == g], ov, lv, npar)
                  for g in range(len(labels))]
        x0 = np.zeros(npar)
        seen = np.zeros(npar, dtype=bool)
        for model_g, sample_g in zip(models, samples, strict=True):
            start_g = start_values(model_g, sample_g)
            new = np.zeros(npar, dtype=bool)
            new[model_g.par] = True
            new &= ~seen
            x0[new] = start_g[new]
            seen |= new
        parts: list[Objective] = [
            LSObjective(m, smp, est_name) if est_name in LEAST_SQUARES  # type: ignore[misc]
            else FIMLObjective(m, smp) if miss == "fiml" else MLObjective(m, smp)
            for m, smp in zip(models, samples, strict=True)]
        N = sum(smp.n for smp in samples)
        objective: Objective | MultiGroupObjective = (
            parts[0] if len(parts) == 1
            else MultiGroupObjective(parts, [smp.n / N for smp in samples]))
        active = None
        if ineq is None:
            x, converged, iterations = _optimize(objective, x0)
        else:
            x, converged, iterations, on = minimize_constrained(objective, x0, ineq.A, ineq.b)
            active = ineq.A[on]
            for text in (t for t, o in zip(ineq.text, on, strict=True) if o):
                warn(f"the inequality constraint '{text}' is active (binding) at the solution: "
                     "its parameters lie on the boundary, where the standard errors (which "
                     "treat the constraint as an equality, as lavaan does) and the chisq "
                     "(on the model's df) are not reliable")
        if not converged:
            warn(f"the optimiser did not converge after {iterations} iterations; the "
                 "estimates are unreliable (check the model and the start values)")
        result = assemble(spec, rows, models, samples, parts, objective, x, labels,
                          converged, iterations, miss, bool(std_lv), df, warn, collected,
                          est_name, active=active)
    for message in collected:
        warnings.warn(message, NumericalWarning, stacklevel=2)
    return result


def _ordinal_request(model: Any, ordered: Any, estimator: Any) -> Any:
    """What ``ordered`` the fit uses: the argument, else True for an instrument whose items
    are ordinal when a least-squares estimator for ordered items is asked for; None for a
    continuous fit."""
    est = estimator.upper() if isinstance(estimator, str) else ""
    if ordered is not None and ordered is not False:
        return ordered
    if est in ESTIMATORS or est in ("", "WLS"):  # continuous: the ordinal module not needed
        return None
    from psychometrics.structural.ordinal_cfa import ORDINAL_ESTIMATORS

    if est in ORDINAL_ESTIMATORS and est not in ("ULS", "WLS"):
        if getattr(model, "ordinal_items", None) is not None or (hasattr(model, "cfa_model") \
                and not isinstance(model, ModelSpec | str | Mapping)):
            return True
        raise ModelError(f"estimator must be one of {', '.join(map(repr, ESTIMATORS))} for "
                         f"continuous items; estimator={estimator!r} is for ordered items: "
                         "pass ordered=True (or the list of ordered items)")
    return None


def _fit_ordinal(data: Any, spec: ModelSpec, ordered: Any, estimator: str,
                 parameterization: str, std_lv: bool, group: str | None, group_equal: Any,
                 group_partial: Any, missing: str, columns: Mapping[str, str] | None,
                 n_obs: int | None, id_cat: str | None = None,
                 item_scale: Callable[[str], Any] | None = None,
                 progress: ProgressCallback | bool | None = None) -> CFAResult:
    """The ordered-items path (:mod:`psychometrics.structural.ordinal_cfa`): a DataFrame,
    or a source that can be read twice (Parquet, a pyarrow Table, a Dask DataFrame)."""
    from collections.abc import Iterator

    from psychometrics.structural.ordinal_sources import rereadable
    from psychometrics.structural.samplestats_moments import is_moments

    if is_moments(data):
        raise DataError(
            "ordered items need two passes over the rows: the thresholds and polychorics "
            "come from the tables a Moments holds, but their asymptotic covariance (Gamma) "
            "needs each row's case-wise scores at those estimates; pass the source the "
            "moments were read from (a DataFrame, Parquet path(s), a pyarrow Table or a Dask "
            "DataFrame), which cfa reads twice")
    from psychometrics.sufficient_statistics import _is_arrow

    if isinstance(data, Iterator) or (_is_arrow(data) and not rereadable(data)):
        raise DataError(
            "ordered items need two passes over the rows (the polychorics, then the "
            "case-wise scores of Gamma), and an iterator of batches can be read only once: "
            "write the batches to Parquet (or collect them in a pyarrow Table) and pass that")
    from psychometrics.structural.ordinal_cfa import fit_ordinal, ordinal_estimator

    if n_obs is not None:
        raise ModelError("ordered items need raw data (the answers), not a correlation matrix")
    streamed = rereadable(data)
    if not streamed and not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, Parquet path(s), a pyarrow Table "
                        f"or a Dask DataFrame, not {type(data).__name__}")
    if columns is not None and not streamed:
        data = rename_columns(data, columns, covariance=False)
        columns = None
    est = ordinal_estimator(estimator)
    categories = None
    if callable(item_scale):  # an instrument declares each item's answer codes
        categories = {item: list(item_scale(item).values) for item in spec.observed}
    collected: list[str] = []

    def warn(message: str) -> None:
        if message not in collected:
            collected.append(message)

    result = fit_ordinal(data, spec, ordered=ordered, estimator=est,
                         parameterization=parameterization, std_lv=bool(std_lv), group=group,
                         group_equal=_names_tuple(group_equal, "group_equal"),
                         group_partial=_names_tuple(group_partial, "group_partial"),
                         missing=missing, warn=warn, collected=collected, id_cat=id_cat,
                         categories=categories, columns=columns, progress=progress)
    for message in collected:
        warnings.warn(message, NumericalWarning, stacklevel=3)
    return result


def sem(
    data: pd.DataFrame,
    model: str | Mapping[str, Sequence[str]] | ModelSpec | Any,
    **options: Any,
) -> CFAResult:
    """A structural equation model (lavaan's ``sem()``): factors regressed on factors.

    lavaan's ``sem()`` and ``cfa()`` share their defaults (free intercepts, marker loadings,
    free covariances among the exogenous factors and among the factors that are only
    outcomes, free residual variances), so this is :func:`cfa` under the name the model
    calls for; every option of :func:`cfa` applies (``group``, ``group_equal``,
    ``estimator``, ``missing``, ``std_lv``, ``meanstructure`` ...).

    Regressions are written ``y ~ x1 + x2`` (labels and fixed values as for loadings,
    ``c(b1, b2)*x`` per group), intercepts ``x ~ 1`` (``x ~ 0*1`` fixes one; either adds
    a mean structure). Outcomes and predictors are factors or observed variables that do
    not indicate a factor. Observed predictors that are not outcomes are exogenous
    covariates, treated as lavaan does by default (``fixed.x = TRUE``, ``conditional.x =
    FALSE``): their variances, covariances and means are fixed at their sample values (rows
    of ``estimates`` with a standard error of 0), left out of the degrees of freedom, of
    ``loglik`` and of the baseline model's parameters; under FIML rows with a missing
    covariate are left out (with a warning). The result's ``r2`` holds the R-squared of
    every endogenous variable, and ``estimates`` the standardized regressions
    (``std_all``; ``std_nox`` leaves the covariates in their units).

    Notes
    -----
    With ``eta = B eta + zeta``, ``Sigma = Lambda (I - B)^-1 Psi (I - B)^-T Lambda' +
    Theta`` and ``mu = nu + Lambda (I - B)^-1 alpha``; an observed variable of a
    regression is a factor with one loading of 1 and no residual variance (lavaan's LISREL
    representation). The observed information of a model
    with regressions (FIML, MLR) is the central difference of the analytic gradient, as
    lavaan computes it.

    References
    ----------
    Bollen, K. A. (1989). *Structural equations with latent variables*. Wiley.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(7)
    >>> f1 = rng.normal(size=500)
    >>> f2 = 0.6 * f1 + rng.normal(scale=0.8, size=500)
    >>> items = np.column_stack([f + rng.normal(scale=0.6, size=500) for f in (f1,) * 3
    ...                          + (f2,) * 3])
    >>> data = pd.DataFrame(items, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> res = sem(data, "A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3\\nB ~ A")
    >>> est = res.estimates
    >>> est.loc[est["op"] == "~", ["lhs", "op", "rhs", "est", "se", "std_all"]].round(3)
      lhs op rhs    est     se  std_all
    6   B  ~   A  0.658  0.056    0.595
    >>> round(float(res.r2["B"]), 3)
    0.354
    """
    return cfa(data, model, **options)


def _names_tuple(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"{what} must be a string or a list of strings")
    return tuple(value)


def _group_label(value: Any) -> str:
    """A group's label: its value as text (a whole float as an integer, as R prints it)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _split_groups(data: pd.DataFrame, group: str | None, warn: Callable[[str], None], *,
                  covariance: bool) -> tuple[list[str], list[pd.DataFrame]]:
    """The groups' rows, labelled by the group's value in order of first appearance (the
    categories' order for a categorical column), as lavaan labels them."""
    from psychometrics.structural import samplestats_moments as from_moments

    if from_moments.is_moments(data):  # each group's moments instead of its rows
        return from_moments.moment_groups(data, group, warn)
    if group is None:
        return [""], [data]
    if covariance:
        raise ModelError("group= needs raw data, not a covariance matrix")
    if group not in data.columns:
        raise MissingColumnError(f"group column {group!r} is not in the data")
    col = data[group]
    absent = col.isna().to_numpy()
    if absent.any():
        where = np.flatnonzero(absent)
        warn(f"{int(absent.sum())} rows have no value in the group column {group!r} and are "
             f"left out (data rows {', '.join(str(i + 2) for i in where[:10])}"
             f"{', ...' if absent.sum() > 10 else ''}, counting the header as row 1)")
    if isinstance(col.dtype, pd.CategoricalDtype):
        values = list(col.cat.categories)
    else:
        values = list(pd.unique(col[~absent]))
    labels = [_group_label(v) for v in values]
    if len(set(labels)) != len(labels):
        raise DataError(f"group column {group!r}: two values print as the same label")
    frames = []
    for value, label in zip(values, labels, strict=True):
        frame = data[(col == value).to_numpy()]
        if frame.empty:
            raise DataError(f"group {label!r} (column {group!r}) has no rows")
        frames.append(frame)
    if len(frames) < 2:
        warn(f"the group column {group!r} has one value ({labels[0]!r}): a one-group model")
    return labels, frames


def _sample(frame: pd.DataFrame, ov: list[str], miss: str, n_obs: int | None, means: bool,
            warn: Callable[[str], None], exo: tuple[int, ...] = ()) -> Sample:
    if n_obs is not None:
        if miss == "fiml":
            raise ModelError("missing='fiml' needs raw data, not a covariance matrix")
        if means:
            raise ModelError("a mean structure needs raw data (the means), not a covariance "
                             "matrix")
        return sample_from_cov(frame, ov, n_obs)
    from psychometrics.structural import samplestats_moments as from_moments

    if from_moments.is_moments(frame):  # (n_obs was refused when the moments were read)
        return from_moments.sample_from_moments(frame, ov, miss, warn)
    if looks_like_cov(frame):
        raise ModelError("data look like a covariance matrix (square, rows named as the "
                         "columns); pass n_obs=<number of observations>")
    return sample_from_data(frame, ov, miss, warn, exo)


def _param_names(rows: list[Row], npar: int) -> list[str]:
    """One name per free parameter: its label, else ``lhs op rhs`` of its first row (with
    lavaan's ``.g2`` suffix for a parameter of group 2 only)."""
    names = [""] * npar
    for r in rows:
        if r.free and not names[r.par]:
            if r.label and not r.auto:
                names[r.par] = r.label
            else:
                names[r.par] = f"{r.lhs}{r.op}{r.rhs}" + (f".g{r.group + 1}" if r.group else "")
    return names


def assemble(spec: ModelSpec, rows: list[Row], models: list[Model], samples: list[Sample],
             parts: list[Objective], objective: Objective | MultiGroupObjective,
             x: np.ndarray, labels: list[str], converged: bool, iterations: int,
             missing: str, std_lv: bool, df: int, warn: Callable[[str], None],
             collected: list[str], estimator: str = "ML",
             active: np.ndarray | None = None) -> CFAResult:
    """The result at the estimates: standard errors, fit, tables per group."""
    multi = len(labels) > 1
    model0 = models[0]
    ov = model0.ov
    N = sum(smp.n for smp in samples)
    st = objective.state(x)
    if st is None:
        raise ModelError("the model-implied covariance matrix is not positive definite at "
                         "the solution; the model cannot be fitted to these data")
    states = st.states if isinstance(objective, MultiGroupObjective) else [st]

    # -- information and standard errors -----------------------------------------------
    # lavaan: information = "observed" (the Hessian) under FIML and for MLR, else "expected"
    _, expected, hessian = objective.derivatives(x, st, missing == "fiml" or estimator == "MLR")
    info = expected if hessian is None else hessian
    names = _param_names(rows, model0.q)
    n_se = N
    if estimator in LEAST_SQUARES:
        # lavaan's information for GLS/ULS (no (N - 1) / N) and N - G in the vcov
        expected = info = ls_information(parts, np.array([smp.n / N for smp in samples]), x)
        n_se = N - len(samples)
    vcov = invert_information(info, n_se, names, spec, warn, active)
    robust = None
    fiml_tests = None
    if estimator in ROBUST and vcov is not None and missing == "fiml":
        H_inv = vcov * N
        vcov, fiml_tests = robust_fiml(models, samples, x, H_inv, N)
    elif estimator in ROBUST and vcov is not None:
        robust = robust_pieces(models, samples, x, estimator)
        E_inv = np.linalg.inv(expected)
        H_inv = vcov * N if hessian is not None else None
        vcov = robust_vcov(ROBUST[estimator][0], robust, E_inv, H_inv, N)
    se = (np.sqrt(np.clip(np.diag(vcov), 0.0, None)) if vcov is not None
          else np.full(model0.q, np.nan))

    # -- per group: moments, standardized values, checks ------------------------------------
    est = np.array([x[r.par] if r.free else r.value for r in rows])
    std_lv_vals = np.full(len(rows), np.nan)
    std_all_vals = np.full(len(rows), np.nan)
    std_nox_vals = np.full(len(rows), np.nan)
    moments: list[GroupMoments] = []
    mi_parts: list[GroupPart] = []
    per_group: list[dict[str, Any]] = []
    for g, (model, sample, part, state) in enumerate(zip(models, samples, parts, states,
                                                         strict=True)):
        idx = np.array([k for k, r in enumerate(rows) if r.group == g])
        grows = [rows[k] for k in idx]
        _, P, T, _ = model.matrices(x)
        sigma, mu = model.implied(x)
        kinds = np.array([r.kind for r in grows])
        a = np.array([r.a for r in grows])
        b = np.array([r.b for r in grows])
        phi, _ = model.eta_moments(x)
        s_lv, s_all = standardize(kinds, a, b, est[idx], phi, T, sigma, psi=P,
                                  dummy=model.dummy)
        std_lv_vals[idx], std_all_vals[idx] = s_lv, s_all
        std_nox_vals[idx] = standardize_nox(kinds, a, b, est[idx], phi, T, sigma, psi=P,
                                            dummy=model.dummy, exo=model.exo)
        # lavaan keeps the unbiased covariance matrix (divisor N - 1) for GLS/ULS: their SRMR
        moments.append(GroupMoments(
            replace(sample, cov=sample.cov * sample.n / (sample.n - 1))
            if estimator in LEAST_SQUARES else sample,
            part.value(x), sigma, mu, model.meanstructure, tuple(exogenous(grows, ov))))
        mi_parts.append(GroupPart(labels[g], sample.n / N, part, state, model, grows, phi, T,
                                  sigma, sample.cov if sample.patterns is None else None))
        check_solution(model, grows, est[idx], s_all, P, sigma, warn,
                       labels[g] if multi else None)
        per_group.append({"sigma": sigma, "mu": mu, "rows": grows, "idx": idx, "std": s_all,
                          "r2": _r_squared(spec, model, T, P, phi, sigma)})

    # -- fit measures ----------------------------------------------------------------------
    fit, chisq_g = fit_measures(moments, model0.q, df)
    if estimator in LEAST_SQUARES:
        base = 2.0 * sum(smp.n * baseline_fmin(part)  # type: ignore[arg-type]
                         for smp, part in zip(samples, parts, strict=True))
        fit = least_squares_measures(fit, base, len(labels), estimator)
    if robust is not None or fiml_tests is not None:
        if fiml_tests is not None:
            trace, trace_b = fiml_tests
            sc = Scaling(positive(trace / df) if df > 0 else math.nan, df, 0.0, trace)
            base_df = float(fit["baseline_df"])
            sb = Scaling(positive(trace_b / base_df), base_df, 0.0, trace_b)
        else:
            test = ROBUST[estimator][1]
            sc = scaling(test, robust, E_inv, H_inv, df)
            sb = baseline_scaling(test, robust, [smp.cov for smp in samples],
                                  model0.meanstructure, float(fit["baseline_df"]))
        measures = scaled_measures(fit, sc, sb, len(labels))
        if fiml_tests is not None:
            # lavaan 0.6.14's robust indices under FIML: its FIML-corrected statistics
            measures.update(fiml_robust_measures(
                fiml_corrected(models, samples, x, df, float(fit["baseline_df"])),
                df, float(fit["baseline_df"]), N, len(labels)))
        fit = pd.concat([fit, pd.Series(measures, dtype=float)]).rename("fit")

    # -- the parameter table ---------------------------------------------------------------
    se_rows = np.array([se[r.par] if r.free else 0.0 for r in rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_rows > 0, est / se_rows, np.nan)
    pvalue = 2.0 * special.ndtr(-np.abs(z))
    crit = float(special.ndtri(0.975))
    table: dict[str, Any] = {
        "lhs": [r.lhs for r in rows], "op": [r.op for r in rows],
        "rhs": [r.rhs for r in rows],
    }
    if multi:
        table["group"] = [labels[r.group] for r in rows]
    if any(r.label for r in rows):
        table["label"] = [r.label for r in rows]
    table.update({"est": est, "se": se_rows, "z": z, "pvalue": pvalue,
                  "ci_lower": est - crit * se_rows, "ci_upper": est + crit * se_rows,
                  "std_lv": std_lv_vals, "std_all": std_all_vals, "std_nox": std_nox_vals})
    estimates = pd.DataFrame(table)
    if spec.defined:
        estimates = pd.concat([estimates, _defined_rows(spec, rows, x, vcov, std_lv_vals,
                                                        std_all_vals, multi, std_nox_vals)],
                              ignore_index=True)

    def stack(frames: list[Any], name: str) -> Any:
        """One group: the frame itself; several: stacked with the group as outer index."""
        if not multi:
            return frames[0]
        return pd.concat(dict(zip(labels, frames, strict=True)), names=["group", name])

    std_frames = []
    rescor_frames = []
    resmean = []
    implied_cov, implied_mean, sample_cov, sample_mean = [], [], [], []
    for g, info_g in enumerate(per_group):
        standardized = pd.DataFrame(0.0, index=pd.Index(ov, name="item"),
                                    columns=pd.Index(list(spec.latent), name="factor"))
        for k, r in zip(info_g["idx"], info_g["rows"], strict=True):
            if r.kind == LOAD:
                standardized.iat[r.a, r.b] = std_all_vals[k]
        std_frames.append(standardized)
        sample = samples[g]
        sigma, mu = info_g["sigma"], info_g["mu"]
        s_sd = np.sqrt(np.diag(sample.cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            rescor = cov2cor(sample.cov) - cov2cor(sigma)
        rescor_frames.append(pd.DataFrame(rescor, index=ov, columns=ov))
        if model0.meanstructure and sample.mean is not None:
            resmean.append(pd.Series((sample.mean - mu) / s_sd, index=ov, name="residual_mean"))
        implied_cov.append(pd.DataFrame(sigma, index=ov, columns=ov))
        # lavInspect(fit, "sampstat"): divisor N for ML (lavaan's likelihood = "normal"),
        # the unbiased matrix (N - 1) that the GLS/ULS criterion is written in for those
        s_cov = sample.cov * sample.n / (sample.n - 1) if estimator in LEAST_SQUARES \
            else sample.cov
        sample_cov.append(pd.DataFrame(s_cov, index=ov, columns=ov))
        if model0.meanstructure:
            implied_mean.append(pd.Series(mu, index=ov))
            if sample.mean is not None:
                sample_mean.append(pd.Series(sample.mean, index=ov))

    # -- modification indices --------------------------------------------------------------
    mi = modification_indices(mi_parts, x, expected, N, multi,
                              None if active is None or not len(active)
                              else constrained_inverse(expected, active))
    # lavaan's lavTestScore refuses inequality constraints ("does not handle (yet)")
    released = score_tests(mi_parts, rows, x, N) if active is None else None
    r2 = stack([info_g["r2"] for info_g in per_group], "variable")

    vcov_df = pd.DataFrame(vcov if vcov is not None else np.full((model0.q, model0.q), np.nan),
                           index=names, columns=names)
    group_fit = None
    if multi:
        group_fit = pd.DataFrame({"group": labels, "n": [smp.n for smp in samples],
                                  "chisq": chisq_g}).set_index("group")
    return CFAResult(
        fit=fit, estimates=estimates, standardized=stack(std_frames, "item"),
        residual_correlations=stack(rescor_frames, "item"),
        residual_means=stack(resmean, "item") if resmean else None,
        modification_indices=mi,
        converged=converged, iterations=iterations, n_obs=N,
        n_total=sum(smp.n_total for smp in samples),
        estimator=estimator, missing=missing, std_lv=std_lv, model=spec,
        implied_cov=stack(implied_cov, "item"),
        implied_mean=stack(implied_mean, "item") if implied_mean else None,
        sample_cov=stack(sample_cov, "item"),
        sample_mean=stack(sample_mean, "item") if sample_mean else None,
        vcov=vcov_df, messages=tuple(collected),
        groups=tuple(labels) if multi else (), group_fit=group_fit, r2=r2,
        score_tests=released[0] if released else None,
        score_test=released[1] if released else None,
    )


def _defined_rows(spec: ModelSpec, rows: list[Row], x: np.ndarray, vcov: np.ndarray | None,
                  std_lv: np.ndarray, std_all: np.ndarray, multi: bool,
                  std_nox: np.ndarray | None = None) -> pd.DataFrame:
    """lavaan's ``:=`` rows: each expression of labels at the estimates, with the
    delta-method standard error ``sqrt(g' V g)`` (g its gradient in the free parameters, by
    central differences) and the expression at the standardized values."""
    first = {}
    for k, r in enumerate(rows):
        if r.label and r.label not in first:
            first[r.label] = k

    def values(xv: np.ndarray, column: np.ndarray | None = None) -> dict[str, float]:
        if column is not None:
            return {lab: float(column[k]) for lab, k in first.items()}
        return {lab: float(xv[rows[k].par]) if rows[k].free else rows[k].value
                for lab, k in first.items()}

    def evaluate(env: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        scope = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}
        for t in spec.defined:
            with np.errstate(all="ignore"):
                out[t.lhs] = float(eval(
                    compile(t.rhs.replace("^", "**"), "<model>", "eval"),
                    {"__builtins__": {}, **scope}, {**env, **out}))
        return out

    est = evaluate(values(x))
    grads = np.zeros((len(spec.defined), len(x)))
    for j in range(len(x)):
        h = 1e-6 * max(1.0, abs(float(x[j])))
        e = np.zeros(len(x))
        e[j] = h
        up, down = evaluate(values(x + e)), evaluate(values(x - e))
        grads[:, j] = [(up[t.lhs] - down[t.lhs]) / (2.0 * h) for t in spec.defined]
    with np.errstate(invalid="ignore"):
        se = (np.sqrt(np.clip(np.einsum("dj,jk,dk->d", grads, vcov, grads), 0.0, None))
              if vcov is not None else np.full(len(spec.defined), np.nan))
    e_lv, e_all = evaluate(values(x, std_lv)), evaluate(values(x, std_all))
    e_nox = evaluate(values(x, std_nox)) if std_nox is not None else e_all
    names = [t.lhs for t in spec.defined]
    value = np.array([est[n] for n in names])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, value / se, np.nan)
    crit = float(special.ndtri(0.975))
    out: dict[str, Any] = {"lhs": names, "op": [":="] * len(names),
                           "rhs": [t.rhs for t in spec.defined]}
    if multi:
        out["group"] = [""] * len(names)
    out.update({"label": names, "est": value, "se": se, "z": z,
                "pvalue": 2.0 * special.ndtr(-np.abs(z)), "ci_lower": value - crit * se,
                "ci_upper": value + crit * se, "std_lv": [e_lv[n] for n in names],
                "std_all": [e_all[n] for n in names], "std_nox": [e_nox[n] for n in names]})
    return pd.DataFrame(out)


def _r_squared(spec: ModelSpec, model: Model, T: np.ndarray, P: np.ndarray, phi: np.ndarray,
               sigma: np.ndarray) -> pd.Series:
    """lavaan's ``inspect(fit, "r2")``: ``1 - residual variance / total variance`` of every
    item that indicates a factor and of every factor that is regressed on others."""
    indicators = {t.rhs for t in spec.terms if t.op == "=~"}
    outcomes = {t.lhs for t in spec.regressions}
    names, values = [], []
    lv_index = {name: f for f, name in enumerate(model.lv)}
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, item in enumerate(model.ov):
            if item in indicators:
                names.append(item)
                values.append(1.0 - T[i, i] / sigma[i, i])
            elif item in outcomes:  # an observed outcome, carried as a dummy factor
                f = lv_index[item]
                names.append(item)
                values.append(1.0 - P[f, f] / phi[f, f])
        for f, factor in enumerate(model.lv):
            if factor in outcomes and not model.dummy[f]:
                names.append(factor)
                values.append(1.0 - P[f, f] / phi[f, f])
    return pd.Series(values, index=pd.Index(names, name="variable"), name="r2", dtype=float)
