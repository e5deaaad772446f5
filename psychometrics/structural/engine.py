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

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor, small_matrix_blas
from psychometrics.structural.estimators import FIMLObjective, MLObjective, Objective
from psychometrics.structural.fit import fit_measures
from psychometrics.structural.inference import (
    check_solution,
    invert_information,
    modification_indices,
)
from psychometrics.structural.matrices import Model
from psychometrics.structural.optimize import minimize as _optimize
from psychometrics.structural.partable import (
    LOAD,
    Row,
    build_table,
    coerce_model,
    few_indicators_hint,
)
from psychometrics.structural.result import CFAResult
from psychometrics.structural.samplestats import (
    Sample,
    looks_like_cov,
    rename_columns,
    sample_from_cov,
    sample_from_data,
)
from psychometrics.structural.standardize import standardize
from psychometrics.structural.start import start_values
from psychometrics.structural.syntax import ModelSpec

__all__ = ["CFAResult", "cfa"]

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
    estimator: str = "ML",
    missing: str = "listwise",
    std_lv: bool = False,
    columns: Mapping[str, str] | None = None,
    n_obs: int | None = None,
) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood (lavaan's ``cfa()``).

    Parameters
    ----------
    data : pandas.DataFrame
        Item responses (rows = respondents), or a covariance matrix (items x items, with
        ``n_obs``). Columns not named in the model are ignored.
    model : str, dict, ModelSpec or instrument
        lavaan syntax (see :func:`~psychometrics.factor.parse_model`), a
        ``{factor: [items]}`` dict, a :class:`~psychometrics.structural.syntax.ModelSpec`, or
        any object with a ``cfa_model()`` method returning such a dict (an
        :class:`~psychometrics.schema.Instrument`).
    estimator : {"ML"}
        Normal-theory maximum likelihood (lavaan's ``likelihood="normal"``).
    missing : {"listwise", "fiml"}
        ``"listwise"`` drops rows with a missing item (lavaan's default); ``"fiml"`` (alias
        ``"ml"``) uses the casewise likelihood of every row (lavaan's ``missing="ml"``),
        which adds a mean structure (free intercepts).
    std_lv : bool
        Identify each factor by fixing its variance to 1 (all loadings free) instead of
        fixing its first loading to 1.
    columns : dict, optional
        Maps the model's item ids to the data's column names (``{"item_1": "Q1"}``).
    n_obs : int, optional
        Number of observations when ``data`` is a covariance matrix. As lavaan does with
        ``sample.cov``, the matrix is taken to have divisor N - 1 and is rescaled by
        (N - 1) / N.

    Returns
    -------
    CFAResult
        ``fit`` (a Series of fit measures), ``estimates``, ``standardized`` loadings,
        ``residual_correlations``, ``modification_indices``, ``converged``,
        ``iterations``, and the moments; ``summary()`` prints a lavaan-like report.

    Raises
    ------
    ValueError
        Items of the model missing from the data (named), non-numeric or constant items,
        a sample covariance matrix that is not positive definite, a model with more free
        parameters than moments (negative degrees of freedom), an unsupported model
        (second-order factors, covariances between a factor and an item).

    Warns
    -----
    NumericalWarning
        Non-convergence; a Heywood case (a negative residual variance or a standardized
        loading above 1, naming the item); a factor covariance matrix or an implied
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
    lavaan's ``==`` bookkeeping rows are not listed in ``estimates``.

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
       lhs  op rhs     mi    epc  sepc_lv  sepc_all
    14  a2  ~~  b3  1.785  0.030    0.030     0.081
    9   a1  ~~  b2  1.488  0.028    0.028     0.072
    """
    spec = coerce_model(model)
    if not isinstance(estimator, str) or estimator.upper() != "ML":
        raise ValueError(f"estimator must be 'ML' (normal-theory maximum likelihood), "
                         f"got {estimator!r}")
    miss = str(missing).lower()
    if miss in ("fiml", "ml", "direct"):
        miss = "fiml"
    elif miss in ("listwise", "default"):
        miss = "listwise"
    else:
        raise ValueError(f"missing must be 'listwise' or 'fiml', got {missing!r}")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if columns is not None:
        data = rename_columns(data, columns, covariance=n_obs is not None)

    rows, ov, lv = build_table(spec, std_lv=bool(std_lv), meanstructure=miss == "fiml")
    collected: list[str] = []

    def warn(message: str) -> None:  # issued at the end, from here, to point at the caller
        if message not in collected:
            collected.append(message)

    if n_obs is not None:
        if miss == "fiml":
            raise ValueError("missing='fiml' needs raw data, not a covariance matrix")
        sample = sample_from_cov(data, ov, n_obs)
    else:
        if looks_like_cov(data):
            raise ValueError("data look like a covariance matrix (square, rows named as the "
                             "columns); pass n_obs=<number of observations>")
        sample = sample_from_data(data, ov, miss, warn)

    model_ = Model(rows, ov, lv)
    npar = model_.q
    n_moments = len(ov) * (len(ov) + 1) // 2 + (len(ov) if miss == "fiml" else 0)
    df = n_moments - npar
    if df < 0:
        raise ValueError(
            f"the model is not identified: {npar} free parameters but only {n_moments} "
            f"sample moments (df = {df}){few_indicators_hint(spec)}")

    # Everything from here works on p x p matrices: multithreaded BLAS only adds overhead
    # (and is much slower on a busy machine), so it runs single-threaded.
    with small_matrix_blas():
        x0 = start_values(model_, sample)
        if miss == "fiml":
            objective: Objective = FIMLObjective(model_, sample)
        else:
            objective = MLObjective(model_, sample)
        x, converged, iterations = _optimize(objective, x0)
        if not converged:
            warn(f"the optimiser did not converge after {iterations} iterations; the "
                 "estimates are unreliable (check the model and the start values)")
        result = assemble(spec, model_, rows, sample, objective, x, converged, iterations,
                           miss, bool(std_lv), df, warn, collected)
    for message in collected:
        warnings.warn(message, NumericalWarning, stacklevel=2)
    return result


def assemble(spec: ModelSpec, model: Model, rows: list[Row], sample: Sample,
              objective: Objective, x: np.ndarray, converged: bool, iterations: int,
              missing: str, std_lv: bool, df: int, warn: Callable[[str], None],
              collected: list[str]) -> CFAResult:
    ov, lv = model.ov, model.lv
    N = sample.n
    L, P, T, nu = model.matrices(x)
    sigma = L @ P @ L.T + T
    w = objective.state(x)
    if w is None:
        raise ValueError("the model-implied covariance matrix is not positive definite at "
                         "the solution; the model cannot be fitted to these data")

    # -- information and standard errors -----------------------------------------------
    # lavaan: information = "observed" (the Hessian) under FIML, "expected" otherwise
    _, expected, hessian = objective.derivatives(x, w, missing == "fiml")
    info = expected if hessian is None else hessian
    vcov = invert_information(info, N, model, spec, warn)
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None)) if vcov is not None else np.full(model.q,
                                                                                     np.nan)

    # -- fit measures ----------------------------------------------------------------------
    fit = fit_measures(model, sample, w.f, df, sigma, nu)

    # -- the parameter table ---------------------------------------------------------------
    est = np.array([x[r.par] if r.free else r.value for r in rows])
    kinds = np.array([r.kind for r in rows])
    a = np.array([r.a for r in rows])
    b = np.array([r.b for r in rows])
    std_lv_vals, std_all_vals = standardize(kinds, a, b, est, P, T, sigma)
    se_rows = np.array([se[r.par] if r.free else 0.0 for r in rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_rows > 0, est / se_rows, np.nan)
    pvalue = 2.0 * special.ndtr(-np.abs(z))
    crit = float(special.ndtri(0.975))
    table: dict[str, Any] = {
        "lhs": [r.lhs for r in rows], "op": [r.op for r in rows],
        "rhs": [r.rhs for r in rows],
    }
    if any(r.label for r in rows):
        table["label"] = [r.label for r in rows]
    table.update({"est": est, "se": se_rows, "z": z, "pvalue": pvalue,
                  "ci_lower": est - crit * se_rows, "ci_upper": est + crit * se_rows,
                  "std_lv": std_lv_vals, "std_all": std_all_vals})
    estimates = pd.DataFrame(table)

    standardized = pd.DataFrame(0.0, index=pd.Index(ov, name="item"),
                                columns=pd.Index(lv, name="factor"))
    for k, r in enumerate(rows):
        if r.kind == LOAD:
            standardized.iat[r.a, r.b] = std_all_vals[k]

    # -- residual correlations (Bollen) ----------------------------------------------------
    s_sd = np.sqrt(np.diag(sample.cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        rescor = cov2cor(sample.cov) - cov2cor(sigma)
    residual_correlations = pd.DataFrame(rescor, index=ov, columns=ov)
    residual_means = None
    if model.meanstructure and sample.mean is not None:
        residual_means = pd.Series((sample.mean - nu) / s_sd, index=ov, name="residual_mean")

    # -- modification indices --------------------------------------------------------------
    mi = modification_indices(objective, model, rows, x, w, expected, N, P, T, sigma)

    # -- trouble ---------------------------------------------------------------------------
    check_solution(model, rows, est, std_all_vals, P, sigma, warn)

    names = model.names
    implied_mean = pd.Series(nu, index=ov) if model.meanstructure else None
    sample_mean = (pd.Series(sample.mean, index=ov)
                   if model.meanstructure and sample.mean is not None else None)
    vcov_df = pd.DataFrame(vcov if vcov is not None else np.full((model.q, model.q), np.nan),
                           index=names, columns=names)
    return CFAResult(
        fit=fit, estimates=estimates, standardized=standardized,
        residual_correlations=residual_correlations, residual_means=residual_means,
        modification_indices=mi,
        converged=converged, iterations=iterations, n_obs=N, n_total=sample.n_total,
        estimator="ML", missing=missing, std_lv=std_lv, model=spec,
        implied_cov=pd.DataFrame(sigma, index=ov, columns=ov), implied_mean=implied_mean,
        sample_cov=pd.DataFrame(sample.cov, index=ov, columns=ov), sample_mean=sample_mean,
        vcov=vcov_df, messages=tuple(collected),
    )
