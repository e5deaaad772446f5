"""Confirmatory factor analysis by maximum likelihood, matching lavaan 0.6.14.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special

from psychometrics.errors import NumericalWarning
from psychometrics.factor import fit_indices
from psychometrics.factor._matrix import cov2cor, small_matrix_blas
from psychometrics.factor.syntax import ModelSpec, parse_model
from psychometrics.results import ResultMixin, format_number

__all__ = ["CFAResult", "cfa"]

_LOG2PI = math.log(2.0 * math.pi)
# Parameter kinds: a factor loading, a residual (co)variance of items, a factor
# (co)variance, an item intercept, a factor mean.
_LOAD, _THETA, _PSI, _NU, _ALPHA = range(5)
_OPS = {_LOAD: "=~", _THETA: "~~", _PSI: "~~", _NU: "~1", _ALPHA: "~1"}


# =============================================================================================
# Result


@dataclass(frozen=True, repr=False)
class CFAResult(ResultMixin):
    """The result of :func:`cfa`.

    Attributes
    ----------
    fit : pandas.Series
        lavaan's ``fitMeasures`` under snake_case names: ``chisq``, ``df``, ``pvalue``,
        ``baseline_chisq``, ``baseline_df``, ``baseline_pvalue``, ``cfi``, ``tli``,
        ``loglik``, ``unrestricted_loglik``, ``aic``, ``bic``, ``sabic``, ``rmsea``,
        ``rmsea_ci_lower``, ``rmsea_ci_upper``, ``rmsea_pvalue``, ``srmr``, ``npar``, ``n``,
        ``fmin``.
    estimates : pandas.DataFrame
        lavaan's ``parameterEstimates(fit, standardized=TRUE)``, rows in lavaan's order:
        ``lhs, op, rhs, [label,] est, se, z, pvalue, ci_lower, ci_upper, std_lv, std_all``.
    standardized : pandas.DataFrame
        Completely standardized loadings (``std_all``), items x factors (0 where an item
        does not load).
    residual_correlations : pandas.DataFrame
        ``residuals(fit, type="cor")$cov``: ``cor(S) - cor(Sigma_hat)`` (Bollen's).
    residual_means : pandas.Series or None
        ``residuals(fit, type="cor")$mean`` with a mean structure (FIML):
        ``(M - Mu_hat) / sd(S)``; None otherwise.
    modification_indices : pandas.DataFrame
        ``modindices(fit)``: ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all`` in lavaan's order
        (sort by ``mi`` for the largest).
    converged, iterations
        Whether the optimiser converged and how many iterations it took.
    n_obs, n_total
        Observations used and rows given (they differ under listwise deletion).
    implied_cov, implied_mean, sample_cov, sample_mean
        Model-implied and sample moments (under FIML the "sample" moments are the EM
        estimates of the unrestricted model, as in lavaan); means only with a mean
        structure.
    vcov : pandas.DataFrame
        Covariance matrix of the free parameters (one row per unique parameter).
    messages : tuple of str
        The :class:`~psychometrics.errors.NumericalWarning` messages issued by the fit.
    """

    fit: pd.Series
    estimates: pd.DataFrame
    standardized: pd.DataFrame
    residual_correlations: pd.DataFrame
    residual_means: pd.Series | None
    modification_indices: pd.DataFrame
    converged: bool
    iterations: int
    n_obs: int
    n_total: int
    estimator: str
    missing: str
    std_lv: bool
    model: ModelSpec
    implied_cov: pd.DataFrame
    implied_mean: pd.Series | None
    sample_cov: pd.DataFrame
    sample_mean: pd.Series | None
    vcov: pd.DataFrame
    messages: tuple[str, ...] = ()

    _title: ClassVar[str] = "Confirmatory factor analysis"

    def _scalars(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "missing": self.missing,
                "converged": self.converged, "iterations": self.iterations,
                "n_obs": self.n_obs, **{k: v for k, v in self.fit.items()}}

    def _tables(self) -> dict[str, pd.DataFrame]:
        mi = self.modification_indices.sort_values("mi", ascending=False).head(10)
        return {"estimates": self.estimates, "standardized": self.standardized,
                "residual_correlations": self.residual_correlations,
                "modification_indices (top 10)": mi}

    def summary(self, digits: int = 3) -> str:
        """A lavaan-like text summary: fit, then the parameter estimates."""
        return _summary_text(self, digits)


# =============================================================================================
# Public function


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
        ``{factor: [items]}`` dict, a :class:`~psychometrics.factor.syntax.ModelSpec`, or
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
    SRMR are defined in :mod:`psychometrics.factor.fit_indices`. Modification indices are
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
    spec = _coerce_model(model)
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
        data = _rename(data, columns, covariance=n_obs is not None)

    rows, ov, lv = _build_table(spec, std_lv=bool(std_lv), meanstructure=miss == "fiml")
    collected: list[str] = []

    def warn(message: str) -> None:  # issued at the end, from here, to point at the caller
        if message not in collected:
            collected.append(message)

    if n_obs is not None:
        if miss == "fiml":
            raise ValueError("missing='fiml' needs raw data, not a covariance matrix")
        sample = _sample_from_cov(data, ov, n_obs)
    else:
        if _looks_like_cov(data):
            raise ValueError("data look like a covariance matrix (square, rows named as the "
                             "columns); pass n_obs=<number of observations>")
        sample = _sample_from_data(data, ov, miss, warn)

    model_ = _Model(rows, ov, lv)
    npar = model_.q
    n_moments = len(ov) * (len(ov) + 1) // 2 + (len(ov) if miss == "fiml" else 0)
    df = n_moments - npar
    if df < 0:
        raise ValueError(
            f"the model is not identified: {npar} free parameters but only {n_moments} "
            f"sample moments (df = {df}){_few_indicators(spec)}")

    # Everything from here works on p x p matrices: multithreaded BLAS only adds overhead
    # (and is much slower on a busy machine), so it runs single-threaded.
    with small_matrix_blas():
        x0 = _start_values(model_, sample)
        if miss == "fiml":
            objective: _Objective = _FIMLObjective(model_, sample)
        else:
            objective = _CompleteObjective(model_, sample)
        x, converged, iterations = _optimize(objective, x0)
        if not converged:
            warn(f"the optimiser did not converge after {iterations} iterations; the "
                 "estimates are unreliable (check the model and the start values)")
        result = _assemble(spec, model_, rows, sample, objective, x, converged, iterations,
                           miss, bool(std_lv), df, warn, collected)
    for message in collected:
        warnings.warn(message, NumericalWarning, stacklevel=2)
    return result


# =============================================================================================
# Model: the parameter table and the matrices


@dataclass
class _Row:
    lhs: str
    op: str
    rhs: str
    kind: int
    a: int
    b: int
    free: bool
    value: float
    label: str
    user: bool
    start: float | None = None
    par: int = -1  # index of the unique free parameter, -1 when fixed


def _few_indicators(spec: ModelSpec) -> str:
    """The hint added to an identification problem: factors with fewer than 3 items."""
    few = [f for f, items in spec.factors.items() if len(items) < 3]
    return f"; factors with fewer than 3 indicators: {', '.join(map(repr, few))}" if few else ""


def _key(kind: int, a: int, b: int) -> tuple[int, int, int]:
    """A parameter's identity: a (co)variance is the same whichever way round it is named."""
    return (kind, a, b) if kind == _LOAD else (kind, min(a, b), max(a, b))


def _coerce_model(model: Any) -> ModelSpec:
    if isinstance(model, ModelSpec | str | Mapping):
        return parse_model(model)
    cfa_model = getattr(model, "cfa_model", None)
    if callable(cfa_model):
        return parse_model(cfa_model())
    raise TypeError("model must be lavaan syntax, a {factor: [items]} dict, a ModelSpec or "
                    f"an object with a cfa_model() method, not {type(model).__name__}")


def _build_table(spec: ModelSpec, *, std_lv: bool,
                 meanstructure: bool) -> tuple[list[_Row], list[str], list[str]]:
    """lavaan's parameter table (``lavaanify``) in lavaan's row order."""
    lv = list(spec.latent)
    ov = list(spec.observed)
    lv_set = set(lv)
    for term in spec.terms:
        if term.op == "=~" and term.rhs in lv_set:
            raise ValueError(
                f"factor {term.rhs!r} is an indicator of {term.lhs!r} (line {term.line}): "
                "second-order factors are not supported")
        if term.op == "~~" and (term.lhs in lv_set) != (term.rhs in lv_set):
            raise ValueError(
                f"'{term.lhs} ~~ {term.rhs}' (line {term.line}) relates a factor to an item; "
                "only item-item and factor-factor (co)variances are allowed")
    ov_idx = {name: i for i, name in enumerate(ov)}
    lv_idx = {name: i for i, name in enumerate(lv)}
    first = {f: items[0] for f, items in spec.factors.items()}
    rows: list[_Row] = []
    seen: set[tuple[int, int, int]] = set()
    for t in spec.terms:
        label = t.label or ""
        if t.op == "=~":
            kind, a, b = _LOAD, ov_idx[t.rhs], lv_idx[t.lhs]
            if t.fixed is not None:
                free, value = False, t.fixed
            elif t.free:
                free, value = True, math.nan
            elif not std_lv and t.rhs == first[t.lhs]:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        else:
            latent = t.lhs in lv_set
            kind = _PSI if latent else _THETA
            index = lv_idx if latent else ov_idx
            a, b = index[t.lhs], index[t.rhs]
            if t.fixed is not None:
                free, value = False, t.fixed
            elif t.free:
                free, value = True, math.nan
            elif latent and std_lv and a == b:
                free, value = False, 1.0
            else:
                free, value = True, math.nan
        seen.add(_key(kind, a, b))
        rows.append(_Row(t.lhs, t.op, t.rhs, kind, a, b, free, value, label, True, t.start))
    for i, name in enumerate(ov):
        if (_THETA, i, i) not in seen:
            rows.append(_Row(name, "~~", name, _THETA, i, i, True, math.nan, "", False))
    for f, name in enumerate(lv):
        if (_PSI, f, f) not in seen:
            rows.append(_Row(name, "~~", name, _PSI, f, f, not std_lv,
                             1.0 if std_lv else math.nan, "", False))
    for f in range(len(lv)):
        for g in range(f + 1, len(lv)):
            if (_PSI, f, g) not in seen:
                rows.append(_Row(lv[f], "~~", lv[g], _PSI, f, g, True, math.nan, "", False))
    if meanstructure:
        for i, name in enumerate(ov):
            rows.append(_Row(name, "~1", "", _NU, i, i, True, math.nan, "", False))
        for f, name in enumerate(lv):
            rows.append(_Row(name, "~1", "", _ALPHA, f, f, False, 0.0, "", False))

    # Equal labels are one parameter; a label shared with a fixed row fixes the others too.
    fixed_labels = {r.label: r.value for r in rows if r.label and not r.free}
    par_of_label: dict[str, int] = {}
    q = 0
    for r in rows:
        if r.free and r.label in fixed_labels:
            r.free, r.value = False, fixed_labels[r.label]
        if not r.free:
            continue
        if r.label and r.label in par_of_label:
            r.par = par_of_label[r.label]
        else:
            r.par = q
            if r.label:
                par_of_label[r.label] = q
            q += 1
    return rows, ov, lv


class _Model:
    """Maps the vector of unique free parameters to Lambda, Psi, Theta and nu."""

    def __init__(self, rows: list[_Row], ov: list[str], lv: list[str]):
        self.rows = rows
        self.ov, self.lv = ov, lv
        self.p, self.m = len(ov), len(lv)
        free = [r for r in rows if r.free]
        self.q = 1 + max((r.par for r in free), default=-1)
        self.kind = np.array([r.kind for r in free], dtype=int)
        self.a = np.array([r.a for r in free], dtype=int)
        self.b = np.array([r.b for r in free], dtype=int)
        self.par = np.array([r.par for r in free], dtype=int)
        self.K = np.zeros((len(free), self.q))
        self.K[np.arange(len(free)), self.par] = 1.0
        self.L0 = np.zeros((self.p, self.m))
        self.P0 = np.zeros((self.m, self.m))
        self.T0 = np.zeros((self.p, self.p))
        self.nu0 = np.zeros(self.p)
        for r in rows:
            if not r.free:
                self._put(self.L0, self.P0, self.T0, self.nu0, r.kind, r.a, r.b, r.value)
        self.meanstructure = any(r.kind == _NU for r in rows)
        self.names = [""] * self.q
        for r in free:
            if not self.names[r.par]:
                self.names[r.par] = r.label or f"{r.lhs}{r.op}{r.rhs}"

    @staticmethod
    def _put(L: np.ndarray, P: np.ndarray, T: np.ndarray, nu: np.ndarray,
             kind: int | np.ndarray, a: Any, b: Any, value: Any) -> None:
        if kind == _LOAD:
            L[a, b] = value
        elif kind == _THETA:
            T[a, b] = value
            T[b, a] = value
        elif kind == _PSI:
            P[a, b] = value
            P[b, a] = value
        elif kind == _NU:
            nu[a] = value

    def matrices(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        L, P, T, nu = self.L0.copy(), self.P0.copy(), self.T0.copy(), self.nu0.copy()
        xr = x[self.par]
        k, a, b = self.kind, self.a, self.b
        sel = k == _LOAD
        L[a[sel], b[sel]] = xr[sel]
        sel = k == _THETA
        T[a[sel], b[sel]] = xr[sel]
        T[b[sel], a[sel]] = xr[sel]
        sel = k == _PSI
        P[a[sel], b[sel]] = xr[sel]
        P[b[sel], a[sel]] = xr[sel]
        sel = k == _NU
        nu[a[sel]] = xr[sel]
        return L, P, T, nu

    def implied(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        L, P, T, nu = self.matrices(x)
        return L @ P @ L.T + T, nu

    def row_basis(self, kind: np.ndarray, a: np.ndarray, b: np.ndarray) -> _Rows:
        """How each parameter moves the moments, on the basis ``B = [I_p, Lambda,
        Lambda Psi]`` (see :func:`_basis`).

        ``dSigma/dtheta_r = u_r v_r' + v_r u_r'`` with ``u_r = su_r B[:, bu_r]`` and
        ``v_r = sv_r B[:, bv_r]``, and ``dmu/dtheta_r = sj_r B[:, bj_r]``: a loading
        (i, f) has ``u = e_i, v = (Lambda Psi)_f``; a residual (co)variance (i, j)
        ``u = e_i, v = e_j`` (halved when i = j); a factor (co)variance (f, g)
        ``u = Lambda_f, v = Lambda_g`` (halved when f = g); an intercept ``j = e_i``.
        So gradients, informations and Hessians are gathers from ``B' X B`` matrices
        (nb x nb, nb = p + 2m) instead of products of p^2 x r Jacobians.
        """
        p, m = self.p, self.m
        r = len(kind)
        bu = np.zeros(r, dtype=int)
        bv = np.zeros(r, dtype=int)
        bj = np.zeros(r, dtype=int)
        su = np.zeros(r)
        sv = np.zeros(r)
        sj = np.zeros(r)
        half = np.where(a == b, 0.5, 1.0)
        sel = kind == _LOAD
        bu[sel], bv[sel], su[sel], sv[sel] = a[sel], p + m + b[sel], 1.0, 1.0
        sel = kind == _THETA
        bu[sel], bv[sel], su[sel], sv[sel] = a[sel], b[sel], 1.0, half[sel]
        sel = kind == _PSI
        bu[sel], bv[sel], su[sel], sv[sel] = p + a[sel], p + b[sel], 1.0, half[sel]
        sel = kind == _NU
        bj[sel], sj[sel] = a[sel], 1.0
        sel = kind == _ALPHA
        bj[sel], sj[sel] = p + a[sel], 1.0
        return _Rows(bu, bv, bj, su * sv, sj)

    def basis(self, x: np.ndarray) -> np.ndarray:
        L, P, _, _ = self.matrices(x)
        return _basis(L, P)


@dataclass
class _Rows:
    """Basis indices of ``u``, ``v`` and ``j`` for a set of parameter rows, with the scale
    ``c = su sv`` of ``dSigma`` and the scale ``sj`` of ``dmu`` (see ``_Model.row_basis``)."""

    bu: np.ndarray
    bv: np.ndarray
    bj: np.ndarray
    c: np.ndarray
    sj: np.ndarray

    def __len__(self) -> int:
        return len(self.c)


def _basis(L: np.ndarray, P: np.ndarray) -> np.ndarray:
    return np.hstack([np.eye(L.shape[0]), L, L @ P])


# =============================================================================================
# Sample statistics


@dataclass
class _Sample:
    ov: list[str]
    n: int
    n_total: int
    cov: np.ndarray  # divisor N (EM estimate of the unrestricted model under FIML)
    mean: np.ndarray | None
    # FIML: the missing-data patterns, stacked by number of observed items
    patterns: list[_Group] | None = None
    h1_loglik: float = math.nan
    h1_iterations: int = 0


def _rename(data: pd.DataFrame, columns: Mapping[str, str], *, covariance: bool) -> pd.DataFrame:
    if not isinstance(columns, Mapping):
        raise TypeError("columns must map item ids to data column names (a dict)")
    absent = [col for col in columns.values() if col not in data.columns]
    if absent:
        raise ValueError(f"columns maps items to data columns that do not exist: "
                         f"{', '.join(map(repr, absent))}")
    mapping = {col: item for item, col in columns.items()}
    out = data.rename(columns=mapping)
    if covariance:
        out = out.rename(index=mapping)
    return out


def _looks_like_cov(data: pd.DataFrame) -> bool:
    return (data.shape[0] == data.shape[1] and data.shape[0] > 1
            and list(map(str, data.index)) == list(map(str, data.columns)))


def _check_items(data: pd.DataFrame, ov: list[str]) -> None:
    absent = [v for v in ov if v not in data.columns]
    if absent:
        raise ValueError(f"items of the model not found in the data: "
                         f"{', '.join(map(repr, absent))}")
    bad = [v for v in ov if not (pd.api.types.is_numeric_dtype(data[v])
                                 or pd.api.types.is_bool_dtype(data[v]))]
    if bad:
        raise ValueError(f"items are not numeric: {', '.join(map(repr, bad))}")


def _check_variances(var: np.ndarray, ov: list[str], prefix: str = "") -> None:
    """Items whose variance is 0 (relative to the largest) are an error."""
    const = [ov[i] for i in np.flatnonzero(~(var > 1e-12 * max(1.0, float(np.max(var)))))]
    if const:
        raise ValueError(f"{prefix}items have zero variance: {', '.join(map(repr, const))}")


def _check_cov(S: np.ndarray, ov: list[str], what: str) -> None:
    _check_variances(np.diag(S), ov, f"{what}: ")
    evals, evecs = np.linalg.eigh(cov2cor(S))
    if evals[0] <= 1e-12 * evals[-1]:
        involved = np.flatnonzero(np.abs(evecs[:, 0]) > 0.2)
        names = ", ".join(repr(ov[i]) for i in involved)
        raise ValueError(
            f"{what} is not positive definite (smallest eigenvalue {evals[0]:.3g}); the "
            f"items {names} are linearly dependent, or there are fewer complete rows than "
            "items")


def _sample_from_cov(data: pd.DataFrame, ov: list[str], n_obs: int) -> _Sample:
    if not _looks_like_cov(data):
        raise ValueError("with n_obs, data must be a covariance matrix: square, with the "
                         "rows named as the columns")
    _check_items(data, ov)
    n = int(n_obs)
    if n != n_obs or n < 2:
        raise ValueError(f"n_obs must be an integer >= 2, got {n_obs!r}")
    S = data.loc[ov, ov].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(S).any():
        bad = [ov[i] for i in np.flatnonzero(np.isnan(S).any(axis=0))]
        raise ValueError("the covariance matrix has missing values for "
                         f"{', '.join(map(repr, bad))}")
    if not np.allclose(S, S.T, rtol=1e-8, atol=1e-10):
        raise ValueError("the covariance matrix is not symmetric")
    S = (S + S.T) / 2.0 * (n - 1) / n  # lavaan: sample.cov.rescale = TRUE
    _check_cov(S, ov, "the covariance matrix")
    return _Sample(ov, n, n, S, None)


def _sample_from_data(data: pd.DataFrame, ov: list[str], missing: str,
                      warn: Callable[[str], None]) -> _Sample:
    _check_items(data, ov)
    X = data[ov].to_numpy(dtype=float, na_value=np.nan)
    n_total = X.shape[0]
    observed = ~np.isnan(X)
    if missing == "listwise":
        complete = observed.all(axis=1)
        if not complete.all():
            X = X[complete]
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"only {n} complete rows for the items of the model; "
                             "use missing='fiml'")
        mean = X.mean(axis=0)
        Xc = X - mean
        S = Xc.T @ Xc / n
        _check_cov(S, ov, "the sample covariance matrix")
        return _Sample(ov, n, n_total, S, mean)

    empty = ~observed.any(axis=1)
    if empty.any():
        warn(f"{int(empty.sum())} rows have no observed item and are ignored (rows "
             f"{', '.join(map(str, np.flatnonzero(empty)[:10]))}"
             f"{', ...' if empty.sum() > 10 else ''})")
        X, observed = X[~empty], observed[~empty]
    n = X.shape[0]
    counts = observed.sum(axis=0)
    few = [ov[i] for i in np.flatnonzero(counts < 2)]
    if few:
        raise ValueError(f"items with fewer than two observed values: "
                         f"{', '.join(map(repr, few))}")
    patterns = _pattern_groups(X, observed)
    mean0 = np.nanmean(X, axis=0)
    var0 = np.nanvar(X, axis=0)
    _check_variances(var0, ov)
    mu, sigma, loglik, iters, ok = _em_saturated(patterns, mean0, var0, n)
    if not ok:
        warn(f"the EM algorithm for the unrestricted model did not converge in {iters} "
             "iterations; chisq and the fit indices are approximate")
    try:
        _check_cov(sigma, ov, "the EM estimate of the unrestricted covariance matrix")
    except ValueError as exc:
        # The structured model may still be estimable; only h1 (chisq) is in doubt.
        warn(f"{exc}; chisq and the fit indices that compare with the unrestricted model "
             "are unreliable")
    return _Sample(ov, n, n_total, sigma, mu, patterns, loglik, iters)


class _Group:
    """Missing-data patterns with the same number k of observed items, stacked so that
    every per-pattern matrix operation is one batched numpy call.

    ``obs`` (g x k) and ``mis`` (g x p-k) index the items, ``n`` counts the rows, ``m``
    (g x k) and ``S`` (g x k x k, divisor n) are the pattern means and covariances.
    """

    def __init__(self, obs: np.ndarray, mis: np.ndarray, n: np.ndarray, m: np.ndarray,
                 S: np.ndarray):
        self.obs, self.mis, self.n, self.m, self.S = obs, mis, n, m, S
        self.complete = mis.shape[1] == 0
        self.k = obs.shape[1]
        self.oo = (obs[:, :, None], obs[:, None, :])
        self.mo = (mis[:, :, None], obs[:, None, :])
        self.om = (obs[:, :, None], mis[:, None, :])
        self.mm = (mis[:, :, None], mis[:, None, :])
        self.sx = n[:, None] * m
        self.sxx = n[:, None, None] * (S + m[:, :, None] * m[:, None, :])

    @property
    def count(self) -> int:
        return int(self.n.size)


def _pattern_groups(X: np.ndarray, observed: np.ndarray) -> list[_Group]:
    """Group rows by missing-data pattern (one sort, one pass per pattern), then stack
    the patterns by their number of observed items."""
    packed = np.packbits(observed, axis=1)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(first) + 1))
    p = X.shape[1]
    by_k: dict[int, list[tuple[np.ndarray, np.ndarray, int, np.ndarray, np.ndarray]]] = {}
    for g in range(len(first)):
        idx = order[bounds[g]:bounds[g + 1]]
        obs = np.flatnonzero(observed[first[g]])
        mis = np.flatnonzero(~observed[first[g]])
        Xg = X[np.ix_(idx, obs)]
        n = Xg.shape[0]
        m = Xg.mean(axis=0)
        Xc = Xg - m
        by_k.setdefault(len(obs), []).append((obs, mis, n, m, Xc.T @ Xc / n))
    groups = []
    for k in sorted(by_k, reverse=True):
        pats = by_k[k]
        groups.append(_Group(
            np.array([t[0] for t in pats], dtype=int).reshape(len(pats), k),
            np.array([t[1] for t in pats], dtype=int).reshape(len(pats), p - k),
            np.array([t[2] for t in pats], dtype=float),
            np.array([t[3] for t in pats]).reshape(len(pats), k),
            np.array([t[4] for t in pats]).reshape(len(pats), k, k)))
    return groups


def _scatter_add(target: np.ndarray, index: Any, values: np.ndarray) -> None:
    """``_scatter_add(target, index, values)`` through ``np.bincount`` (many times faster);
    ``index`` is an index array (1-D target) or a pair of broadcastable arrays (2-D)."""
    if isinstance(index, tuple):
        rows, cols = np.broadcast_arrays(*index)
        flat = rows * target.shape[1] + cols
    else:
        flat = index
    flat, values = np.broadcast_arrays(flat, values)
    target += np.bincount(flat.ravel(), weights=values.ravel(),
                          minlength=target.size).reshape(target.shape)


def _groups_loglik(groups: list[_Group], mu: np.ndarray, sigma: np.ndarray) -> float:
    total = 0.0
    for grp in groups:
        c = np.linalg.cholesky(sigma[grp.oo])
        Ci = np.linalg.inv(c)
        d = np.einsum("gij,gj->gi", Ci, grp.m - mu[grp.obs])
        logdet = 2.0 * np.sum(np.log(np.diagonal(c, axis1=1, axis2=2)), axis=1)
        tr = np.einsum("gij,gij->g", Ci, Ci @ grp.S) + np.sum(d * d, axis=1)
        total += float(np.sum(-0.5 * grp.n * (grp.k * _LOG2PI + logdet + tr)))
    return total


def _em_step(groups: list[_Group], mu: np.ndarray, sigma: np.ndarray,
             n_total: int) -> tuple[np.ndarray, np.ndarray]:
    p = len(mu)
    T1 = np.zeros(p)
    T2 = np.zeros((p, p))
    for grp in groups:
        _scatter_add(T1, grp.obs, grp.sx)
        _scatter_add(T2, grp.oo, grp.sxx)
        if grp.complete:
            continue
        n = grp.n
        s_mo = sigma[grp.mo]
        s_om = np.swapaxes(s_mo, 1, 2)
        B = np.swapaxes(np.linalg.solve(sigma[grp.oo], s_om), 1, 2)
        C = sigma[grp.mm] - B @ s_om
        a = mu[grp.mis] - np.einsum("gij,gj->gi", B, mu[grp.obs])
        Bsx = np.einsum("gij,gj->gi", B, grp.sx)
        _scatter_add(T1, grp.mis, n[:, None] * a + Bsx)
        cross = B @ grp.sxx + a[:, :, None] * grp.sx[:, None, :]
        _scatter_add(T2, grp.mo, cross)
        _scatter_add(T2, grp.om, np.swapaxes(cross, 1, 2))
        Bsa = Bsx[:, :, None] * a[:, None, :]
        mm = (n[:, None, None] * (C + a[:, :, None] * a[:, None, :])
              + B @ grp.sxx @ np.swapaxes(B, 1, 2) + Bsa + np.swapaxes(Bsa, 1, 2))
        _scatter_add(T2, grp.mm, mm)
    new_mu = T1 / n_total
    new_sigma = T2 / n_total - np.outer(new_mu, new_mu)
    return new_mu, (new_sigma + new_sigma.T) / 2.0


def _em_saturated(groups: list[_Group], mean0: np.ndarray, var0: np.ndarray,
                  n_total: int, tol: float = 1e-10, max_iter: int = 5000,
                  ) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """ML estimates of an unrestricted mean and covariance from incomplete data: EM
    (as lavaan's h1) accelerated by SQUAREM (Varadhan & Roland, 2008), which falls back
    to the plain EM step whenever the extrapolation does not increase the likelihood.

    lavaan stops its EM at a tolerance of 1e-5; this one goes to 1e-10, which changes
    chisq by far less than its reported digits.
    """
    p = len(mean0)
    if all(grp.complete for grp in groups):
        mu, sigma = _em_step(groups, mean0, np.diag(var0), n_total)
        return mu, sigma, _groups_loglik(groups, mu, sigma), 1, True

    def pack(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return np.concatenate([mu, sigma.ravel()])

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sigma = theta[p:].reshape(p, p)
        return theta[:p], (sigma + sigma.T) / 2.0

    def em(theta: np.ndarray) -> np.ndarray:
        return pack(*_em_step(groups, *unpack(theta), n_total))

    def loglik(theta: np.ndarray) -> float:
        try:
            return _groups_loglik(groups, *unpack(theta))
        except np.linalg.LinAlgError:
            return -math.inf

    theta = pack(mean0, np.diag(var0))
    ll = loglik(theta)
    evaluations = 0
    converged = False
    while evaluations < max_iter:
        t1 = em(theta)
        t2 = em(t1)
        evaluations += 2
        if np.max(np.abs(t2 - t1)) < tol:
            theta, converged = t2, True
            break
        r = t1 - theta
        v = t2 - t1 - r
        nv = float(np.sqrt(v @ v))
        alpha = min(-float(np.sqrt(r @ r)) / nv, -1.0) if nv > 0 else -1.0
        try:
            candidate = em(theta - 2.0 * alpha * r + alpha**2 * v)
            evaluations += 1
            ll_c = loglik(candidate)
        except np.linalg.LinAlgError:
            ll_c = -math.inf
        if not ll_c >= ll - 1e-12 * abs(ll):
            candidate, ll_c = t2, loglik(t2)
        step = float(np.max(np.abs(candidate - theta)))
        theta, ll = candidate, ll_c
        if step < tol:
            converged = True
            break
    mu, sigma = unpack(theta)
    return mu, sigma, loglik(theta), evaluations, converged


# =============================================================================================
# Start values


def _start_values(model: _Model, sample: _Sample) -> np.ndarray:
    """Start values in lavaan's spirit: residual variances half the observed variances,
    loadings from a one-factor principal component of each factor's items rescaled to the
    identification constraint, factor covariances 0, intercepts the sample means."""
    S = sample.cov
    rows = model.rows
    values = np.full(len(rows), np.nan)
    for k, r in enumerate(rows):
        if not r.free:
            values[k] = r.value
    for f in range(model.m):
        load = [k for k, r in enumerate(rows) if r.kind == _LOAD and r.b == f]
        var_row = next(k for k, r in enumerate(rows) if r.kind == _PSI and r.a == f and r.b == f)
        items = [rows[k].a for k in load]
        sd = np.sqrt(np.diag(S)[items])
        if len(items) >= 2:
            evals, evecs = np.linalg.eigh(cov2cor(S[np.ix_(items, items)]))
            lam = evecs[:, -1] * math.sqrt(max(evals[-1], 1e-6))
            if lam.sum() < 0:
                lam = -lam
        else:
            lam = np.ones(1)
        raw = lam * sd
        fixed = [j for j, k in enumerate(load) if not rows[k].free and rows[k].value != 0]
        psi_row = rows[var_row]
        if fixed:
            j = fixed[0]
            scale = raw[j] / rows[load[j]].value
            if abs(scale) < 1e-3 * max(np.max(np.abs(raw)), 1e-12):
                scale = float(np.max(np.abs(raw)))
            psi = scale**2
        elif not psi_row.free and psi_row.value > 0:
            scale = math.sqrt(psi_row.value)
            psi = psi_row.value
        else:
            scale, psi = 1.0, 1.0
        for j, k in enumerate(load):
            if rows[k].free:
                values[k] = raw[j] / scale
        if psi_row.free:
            values[var_row] = psi
    for k, r in enumerate(rows):
        if not r.free or not math.isnan(values[k]):
            continue
        if r.kind == _THETA:
            values[k] = 0.5 * S[r.a, r.a] if r.a == r.b else 0.0
        elif r.kind == _PSI:
            values[k] = 0.0 if r.a != r.b else 0.05
        elif r.kind == _NU:
            values[k] = sample.mean[r.a] if sample.mean is not None else 0.0
        else:
            values[k] = 0.0
    for k, r in enumerate(rows):
        if r.free and r.start is not None:
            values[k] = r.start
    x0 = np.zeros(model.q)
    seen = np.zeros(model.q, dtype=bool)
    for k, r in enumerate(rows):
        if r.free and not seen[r.par]:
            x0[r.par] = values[k]
            seen[r.par] = True
    return x0


# =============================================================================================
# Objectives: lavaan's fmin (F_ML / 2, or -logL / N under FIML), its analytic gradient,
# expected information and exact Hessian


def _t(X: np.ndarray) -> np.ndarray:
    return np.swapaxes(X, -1, -2)


# Gathered (patterns x rows x rows) blocks are processed in chunks of at most this many
# elements, so that thousands of missing-data patterns do not need gigabytes.
_CHUNK = 2_000_000


@dataclass
class _State:
    """What the gradient, the information and the Hessian need at one parameter vector."""

    f: float
    M: np.ndarray  # d fmin / d Sigma (summed and embedded over patterns under FIML)
    g_mean: np.ndarray  # d fmin / d mu
    # Per stack of patterns: observed indices (None: all items), weights n_g / N,
    # W = Sigma_g^-1, G = W T_g W with T_g = S_g + d_g d_g', and W d_g (None without means).
    blocks: list[tuple[np.ndarray | None, Any, np.ndarray, np.ndarray, np.ndarray | None]]


def _projections(
    st: _State, B: np.ndarray, per_pattern: int, hessian: bool
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Yield ``(w, B'WB, B'GB, B'Wd)`` for chunks of patterns (stacked on axis 0)."""
    for obs, w, W, G, Wd in st.blocks:
        if obs is None:
            W, G = W[None], G[None]
            w = np.atleast_1d(np.asarray(w, dtype=float))
            Bo = B[None]
            Wd = None if Wd is None else Wd[None]
        else:
            Bo = B[obs]
        step = max(1, _CHUNK // max(per_pattern, 1))
        for lo in range(0, len(w), step):
            sl = slice(lo, lo + step)
            Bc = Bo[sl]
            Bct = _t(Bc)
            QW = Bct @ (W[sl] @ Bc)
            QG = Bct @ (G[sl] @ Bc) if hessian else None
            qd = (None if (Wd is None or not hessian)
                  else np.einsum("gkb,gk->gb", Bc, Wd[sl]))
            yield w[sl], QW, QG, qd


class _Objective:
    """lavaan's fmin and its derivatives in terms of the rows' basis (``_Model.row_basis``).

    Sums over missing-data patterns of products of two ``B'XB`` entries are formed as
    ``Z_r[x, y] = sum_g w_g Q_g[a_r, x] Q'_g[b_r, y]`` (one matrix product per row r, over
    patterns), from which every information or Hessian entry is a gather.
    """

    def __init__(self, model: _Model, sample: _Sample):
        self.model, self.sample = model, sample
        self.free_rows = model.row_basis(model.kind, model.a, model.b)

    def value(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def state(self, x: np.ndarray) -> _State | None:
        raise NotImplementedError

    # -- rows -----------------------------------------------------------------------------
    @staticmethod
    def row_gradient(st: _State, B: np.ndarray, r: _Rows) -> np.ndarray:
        """``d fmin / d theta_r = u_r' M v_r + g_mean' j_r``."""
        MB = B.T @ st.M @ B
        return r.c * MB[r.bu, r.bv] + r.sj * (B.T @ st.g_mean)[r.bj]

    @staticmethod
    def _sums(st: _State, B: np.ndarray, r: _Rows, hessian: bool,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None,
                         np.ndarray | None]:
        """``Z`` (W with W), the weighted sum of ``B'WB`` and, for the Hessian, ``Y``,
        ``Y2`` (W with G) and the mean-mixing sums ``E = E1 + E2`` (nb x R)."""
        R = len(r)
        nb = B.shape[1]
        Z = np.zeros((R, nb, nb))
        Qsum = np.zeros((nb, nb))
        Y = np.zeros((R, nb, nb)) if hessian else None
        Y2 = np.zeros((R, nb, nb)) if hessian else None
        E = np.zeros((nb, R)) if hessian else None
        for w, QW, QG, qd in _projections(st, B, R * nb, hessian):
            wQv = QW[:, r.bv, :] * w[:, None, None]  # (g, R, nb)
            wQu = QW[:, r.bu, :] * w[:, None, None]
            # Z_r[x, y] = sum_g w_g QW[bv_r, x] QW[bu_r, y]
            Z += np.matmul(wQv.transpose(1, 2, 0), QW[:, r.bu, :].transpose(1, 0, 2))
            Qsum += np.tensordot(w, QW, axes=1)
            if hessian:
                assert Y is not None and Y2 is not None and E is not None and QG is not None
                Y += np.matmul(wQv.transpose(1, 2, 0), QG[:, r.bu, :].transpose(1, 0, 2))
                Y2 += np.matmul(wQu.transpose(1, 2, 0), QG[:, r.bv, :].transpose(1, 0, 2))
                if qd is not None:
                    E += np.einsum("gxr,gr->xr", QW[:, :, r.bu], qd[:, r.bv] * w[:, None])
                    E += np.einsum("gxr,gr->xr", QW[:, :, r.bv], qd[:, r.bu] * w[:, None])
        return Z, Qsum, Y, Y2, E

    @staticmethod
    def _single(st: _State, B: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``(B'WB, B'GB)`` when there is one pattern without means (complete data): then
        direct gathers beat the per-row sums."""
        if len(st.blocks) != 1 or st.blocks[0][0] is not None or st.blocks[0][4] is not None:
            return None
        _, _, W, G, _ = st.blocks[0]
        return B.T @ W @ B, B.T @ G @ B

    @classmethod
    def row_info(cls, st: _State, B: np.ndarray, r1: _Rows, r2: _Rows) -> np.ndarray:
        """Unit expected information ``sum_g w_g [0.5 tr(W D_r W D_s) + j_r' W j_s]``; with
        ``D = u v' + v u'`` the trace is ``(v_r'W u_s)(u_r'W v_s) + (v_r'W v_s)(u_r'W u_s)``."""
        single = cls._single(st, B)
        if single is not None:
            Q = single[0]
            sig = (Q[np.ix_(r1.bv, r2.bu)] * Q[np.ix_(r1.bu, r2.bv)]
                   + Q[np.ix_(r1.bv, r2.bv)] * Q[np.ix_(r1.bu, r2.bu)])
            return np.outer(r1.c, r2.c) * sig
        Z, Qsum, _, _, _ = cls._sums(st, B, r1, False)
        sig = Z[:, r2.bu, r2.bv] + Z[:, r2.bv, r2.bu]
        return (np.outer(r1.c, r2.c) * sig
                + np.outer(r1.sj, r2.sj) * Qsum[np.ix_(r1.bj, r2.bj)])

    @staticmethod
    def row_info_diag(st: _State, B: np.ndarray, r: _Rows) -> np.ndarray:
        out = np.zeros(len(r))
        for w, QW, _, _ in _projections(st, B, len(r), False):
            vu = QW[:, r.bv, r.bu]
            out += r.c**2 * (w @ (vu * vu + QW[:, r.bv, r.bv] * QW[:, r.bu, r.bu]))
            if r.sj.any():
                out += r.sj**2 * (w @ QW[:, r.bj, r.bj])
        return out

    @classmethod
    def row_info_hessian(cls, st: _State, B: np.ndarray, r: _Rows,
                         hessian: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Expected information and (optionally) the exact Hessian of fmin for one row set,
        without the second derivatives of Sigma itself (see :func:`_second_order`).

        Per pattern the Hessian of ``0.5 (log|Sigma| + tr(Sigma^-1 T))`` is
        ``-0.5 tr(W D_s W D_r) + tr(W D_s G D_r)`` with ``G = W T W``, plus the mean
        terms ``j_s' W D_r W d`` (twice) and ``j_r' W j_s`` when ``T = S + d d'``.
        """
        cc = np.outer(r.c, r.c)
        single = cls._single(st, B)
        if single is not None:
            QW, QG = single
            wvu = QW[np.ix_(r.bv, r.bu)]
            wvv = QW[np.ix_(r.bv, r.bv)]
            wuu = QW[np.ix_(r.bu, r.bu)]
            sig = wvu * wvu.T + wvv * wuu
            if not hessian:
                return cc * sig, None
            guv = QG[np.ix_(r.bu, r.bv)]
            term = (wvu * guv + wvu.T * guv.T + wuu * QG[np.ix_(r.bv, r.bv)]
                    + wvv * QG[np.ix_(r.bu, r.bu)])
            return cc * sig, cc * (term - sig)
        Z, Qsum, Y, Y2, E = cls._sums(st, B, r, hessian)
        info_sig = Z[:, r.bu, r.bv] + Z[:, r.bv, r.bu]
        jj = np.outer(r.sj, r.sj) * Qsum[np.ix_(r.bj, r.bj)]
        info = cc * info_sig + jj
        if not hessian:
            return info, None
        assert Y is not None and Y2 is not None and E is not None
        hess_sig = (Y[:, r.bu, r.bv] + Y[:, r.bv, r.bu]
                    + Y2[:, r.bv, r.bu] + Y2[:, r.bu, r.bv])
        mix = r.sj[:, None] * E[r.bj, :] * r.c[None, :]  # mix[s, r]
        H = cc * (hess_sig - info_sig) + mix + mix.T + jj
        return info, H

    # -- free parameters --------------------------------------------------------------------
    def gradient(self, x: np.ndarray, st: _State | None = None) -> np.ndarray:
        st = self.state(x) if st is None else st
        assert st is not None
        return self.model.K.T @ self.row_gradient(st, self.model.basis(x), self.free_rows)

    def derivatives(self, x: np.ndarray, st: _State, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Gradient, expected information and (with ``newton``) the exact Hessian of fmin
        (per observation; the Hessian is lavaan's observed information)."""
        m = self.model
        L, P, _, _ = m.matrices(x)
        B = _basis(L, P)
        r = self.free_rows
        K = m.K
        g = K.T @ self.row_gradient(st, B, r)
        info, H = self.row_info_hessian(st, B, r, newton)
        info = K.T @ info @ K
        if H is not None:
            H = K.T @ (H + _second_order(m, L, P, st.M)) @ K
            H = (H + H.T) / 2.0
        return g, info, H

    def evaluate(self, x: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(x)
        if st is None:
            return None
        return (st.f, *self.derivatives(x, st, newton))


def _second_order(model: _Model, L: np.ndarray, P: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``0.5 tr(M d2Sigma / dtheta_r dtheta_s)``: Sigma is bilinear in the loadings and
    the factor (co)variances, so only loading-loading and loading-psi pairs contribute."""
    kind, a, b = model.kind, model.a, model.b
    R = len(kind)
    out = np.zeros((R, R))
    lo = np.flatnonzero(kind == _LOAD)
    ps = np.flatnonzero(kind == _PSI)
    if lo.size == 0:
        return out
    li, lf = a[lo], b[lo]
    out[np.ix_(lo, lo)] = P[np.ix_(lf, lf)] * M[np.ix_(li, li)]
    if ps.size:
        pg, ph = a[ps], b[ps]
        ML = M @ L
        block = ((lf[:, None] == pg[None, :]) * ML[np.ix_(li, ph)]
                 + ((lf[:, None] == ph[None, :]) & (pg != ph)[None, :]) * ML[np.ix_(li, pg)])
        out[np.ix_(lo, ps)] = block
        out[np.ix_(ps, lo)] = block.T
    return out


class _CompleteObjective(_Objective):
    """F_ML / 2 = 0.5 (log|Sigma| + tr(S Sigma^-1) - log|S| - p), lavaan's fmin."""

    def __init__(self, model: _Model, sample: _Sample):
        super().__init__(model, sample)
        self.S = sample.cov
        self.logdet_s = float(np.linalg.slogdet(self.S)[1])
        self.eye = np.eye(model.p)
        self.zero_mean = np.zeros(model.p)

    def value(self, x: np.ndarray) -> float:
        sigma, _ = self.model.implied(x)
        try:
            c = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return math.inf
        logdet = 2.0 * np.sum(np.log(np.diag(c)))
        Ci = np.linalg.inv(c)  # scipy's solve_triangular costs ms per call on small matrices
        tr = float(np.sum(Ci * (Ci @ self.S)))
        return 0.5 * (logdet + tr - self.logdet_s - self.model.p)

    def state(self, x: np.ndarray) -> _State | None:
        sigma, _ = self.model.implied(x)
        try:
            c = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        Ci = np.linalg.inv(c)
        W = Ci.T @ Ci
        WS = W @ self.S
        logdet = 2.0 * np.sum(np.log(np.diag(c)))
        f = 0.5 * (logdet + np.trace(WS) - self.logdet_s - self.model.p)
        G = WS @ W
        G = (G + G.T) / 2.0
        return _State(f, W - G, self.zero_mean, [(None, 1.0, W, G, None)])


class _FIMLObjective(_Objective):
    """-logL / N, the casewise normal log-likelihood summed over missing-data patterns."""

    def __init__(self, model: _Model, sample: _Sample):
        super().__init__(model, sample)
        assert sample.patterns is not None
        self.groups = sample.patterns
        self.N = sample.n

    def value(self, x: np.ndarray) -> float:
        sigma, mu = self.model.implied(x)
        try:
            return -_groups_loglik(self.groups, mu, sigma) / self.N
        except np.linalg.LinAlgError:
            return math.inf

    def state(self, x: np.ndarray) -> _State | None:
        sigma, mu = self.model.implied(x)
        p = self.model.p
        M = np.zeros((p, p))
        gm = np.zeros(p)
        loglik = 0.0
        blocks = []
        for grp in self.groups:
            try:
                c = np.linalg.cholesky(sigma[grp.oo])
            except np.linalg.LinAlgError:
                return None
            Ci = np.linalg.inv(c)
            W = _t(Ci) @ Ci
            d = grp.m - mu[grp.obs]
            Wd = np.einsum("gij,gj->gi", W, d)
            WS = W @ grp.S
            G = WS @ W + Wd[:, :, None] * Wd[:, None, :]
            G = (G + _t(G)) / 2.0
            logdet = 2.0 * np.sum(np.log(np.diagonal(c, axis1=1, axis2=2)), axis=1)
            tr = np.trace(WS, axis1=1, axis2=2) + np.sum(d * Wd, axis=1)
            loglik += float(np.sum(-0.5 * grp.n * (grp.k * _LOG2PI + logdet + tr)))
            w = grp.n / self.N
            _scatter_add(M, grp.oo, w[:, None, None] * (W - G))
            _scatter_add(gm, grp.obs, -w[:, None] * Wd)
            blocks.append((grp.obs, w, W, G, Wd))
        return _State(-loglik / self.N, M, gm, blocks)


# =============================================================================================
# Optimiser


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


def _optimize(objective: _Objective, x0: np.ndarray, tol: float = 1e-12,
              max_iter: int = 500) -> tuple[np.ndarray, bool, int]:
    """Fisher scoring, then Newton steps, with step halving; L-BFGS-B (scipy) as a fallback.

    Scoring (the expected information) is robust far from the optimum; once the scaled
    gradient is small the exact Hessian (when positive definite) gives quadratic
    convergence. Converged when ``g' H^-1 g < tol``.
    """
    x = x0.copy()
    use_newton = False
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
        if decrement < tol:
            return x, True, iteration - 1
        alpha = 1.0
        while True:
            x_new = x + alpha * step
            f_new = objective.value(x_new)
            if math.isfinite(f_new) and f_new <= f - 1e-4 * alpha * decrement:
                break
            alpha *= 0.5
            if alpha < 1e-10:
                break
        if alpha < 1e-10:
            if decrement < 1e-9:  # no decrease left at rounding level
                return x, True, iteration - 1
            return _fallback(objective, x, iteration)
        use_newton = use_newton or decrement < 1e-3
        state = objective.evaluate(x_new, use_newton)
        if state is None:
            return _fallback(objective, x, iteration)
        x = x_new
        f, g, info, H = state
    return _fallback(objective, x, max_iter)


def _rescue_start(objective: _Objective, x: np.ndarray) -> np.ndarray:
    model = objective.model
    x = x.copy()
    for r in model.rows:
        if r.free and r.kind == _THETA and r.a == r.b:
            x[r.par] = max(x[r.par], objective.sample.cov[r.a, r.a])
        elif r.free and r.kind in (_PSI, _THETA) and r.a != r.b:
            x[r.par] = 0.0
    return x


def _fallback(objective: _Objective, x0: np.ndarray,
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


# =============================================================================================
# After the fit


def _assemble(spec: ModelSpec, model: _Model, rows: list[_Row], sample: _Sample,
              objective: _Objective, x: np.ndarray, converged: bool, iterations: int,
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
    vcov = _invert_information(info, N, model, spec, warn)
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None)) if vcov is not None else np.full(model.q,
                                                                                     np.nan)

    # -- fit measures ----------------------------------------------------------------------
    fit = _fit_measures(model, sample, w.f, df, sigma, nu)

    # -- the parameter table ---------------------------------------------------------------
    est = np.array([x[r.par] if r.free else r.value for r in rows])
    kinds = np.array([r.kind for r in rows])
    a = np.array([r.a for r in rows])
    b = np.array([r.b for r in rows])
    std_lv_vals, std_all_vals = _standardize(kinds, a, b, est, P, T, sigma)
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
        if r.kind == _LOAD:
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
    mi = _modification_indices(objective, model, rows, x, w, expected, N, P, T, sigma)

    # -- trouble ---------------------------------------------------------------------------
    _check_solution(model, rows, est, std_all_vals, P, sigma, warn)

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


def _invert_information(info: np.ndarray, N: int, model: _Model, spec: ModelSpec,
                        warn: Callable[[str], None]) -> np.ndarray | None:
    d = np.sqrt(np.abs(np.diag(info)))
    d[d == 0] = 1.0
    scaled = info / np.outer(d, d)
    evals, evecs = np.linalg.eigh((scaled + scaled.T) / 2.0)
    if evals[0] < 1e-10 * max(evals[-1], 1.0):
        vec = evecs[:, 0]
        involved = [model.names[i] for i in np.flatnonzero(np.abs(vec) > 0.1)]
        warn("the information matrix is singular or not positive definite (smallest eigenvalue "
             f"{evals[0]:.3g}): the model is not identified; parameters involved: "
             f"{', '.join(involved)}{_few_indicators(spec)}. Standard errors are not "
             "available.")
        return None
    inv = np.linalg.inv(info) / N
    return (inv + inv.T) / 2.0


def _standardize(kind: np.ndarray, a: np.ndarray, b: np.ndarray, est: np.ndarray,
                 P: np.ndarray, T: np.ndarray,
                 sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's ``lav_standardize_lv`` and ``lav_standardize_all`` (``cov.std = TRUE``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sd_lv = np.sqrt(np.diag(P))
        sd_ov = np.sqrt(np.diag(sigma))
        th = np.diag(T)
        out_lv = np.full(len(est), np.nan)
        out_all = np.full(len(est), np.nan)
        for k in range(len(est)):
            e, i, j = est[k], a[k], b[k]
            if kind[k] == _LOAD:
                out_lv[k] = e * sd_lv[j]
                out_all[k] = e * sd_lv[j] / sd_ov[i]
            elif kind[k] == _THETA:
                out_lv[k] = e
                out_all[k] = e / sigma[i, i] if i == j else e / math.sqrt(th[i] * th[j]) \
                    if th[i] * th[j] > 0 else np.nan
            elif kind[k] == _PSI:
                out_lv[k] = out_all[k] = e / (sd_lv[i] * sd_lv[j])
            elif kind[k] == _NU:
                out_lv[k] = e
                out_all[k] = e / sd_ov[i]
            else:
                out_lv[k] = out_all[k] = e / sd_lv[i]
    return out_lv, out_all


def _fit_measures(model: _Model, sample: _Sample, fmin: float, df: int, sigma: np.ndarray,
                  nu: np.ndarray) -> pd.Series:
    N, p, q = sample.n, model.p, model.q
    S = sample.cov
    if sample.patterns is None:
        logdet_s = float(np.linalg.slogdet(S)[1])
        h1 = -0.5 * N * (p * _LOG2PI + logdet_s + p)
        chisq = 2.0 * N * fmin
        loglik = h1 - 0.5 * chisq
        base_chisq = N * (float(np.sum(np.log(np.diag(S)))) - logdet_s)
        srmr = fit_indices.srmr(S, sigma)
    else:
        h1 = sample.h1_loglik
        loglik = -N * fmin
        chisq = 2.0 * (h1 - loglik)
        base = _independence_loglik(sample)
        base_chisq = 2.0 * (h1 - base)
        srmr = fit_indices.srmr(S, sigma, sample.mean, nu)
    base_df = p * (p - 1) / 2
    chisq = max(chisq, 0.0) if abs(chisq) < 1e-8 else chisq
    ci = fit_indices.rmsea_ci(chisq, df, N)
    values = {
        # lavaan reports fmin = chisq / (2N) under FIML too
        "npar": q, "n": N, "fmin": chisq / (2.0 * N),
        "chisq": chisq, "df": df,
        "pvalue": float(special.chdtrc(df, chisq)) if df > 0 else math.nan,
        "baseline_chisq": base_chisq, "baseline_df": base_df,
        "baseline_pvalue": float(special.chdtrc(base_df, base_chisq)),
        "cfi": fit_indices.cfi(chisq, df, base_chisq, base_df),
        "tli": fit_indices.tli(chisq, df, base_chisq, base_df),
        "loglik": loglik, "unrestricted_loglik": h1,
        "aic": -2.0 * loglik + 2.0 * q,
        "bic": -2.0 * loglik + q * math.log(N),
        "sabic": -2.0 * loglik + q * math.log((N + 2.0) / 24.0),
        "rmsea": fit_indices.rmsea(chisq, df, N),
        "rmsea_ci_lower": ci[0], "rmsea_ci_upper": ci[1],
        "rmsea_pvalue": fit_indices.rmsea_pvalue(chisq, df, N),
        "srmr": srmr,
    }
    return pd.Series(values, dtype=float, name="fit")


def _independence_loglik(sample: _Sample) -> float:
    """The baseline model under FIML: free means and variances, zero covariances; its ML
    estimates are each item's mean and variance over the rows where it is observed."""
    assert sample.patterns is not None
    p = len(sample.ov)
    s1 = np.zeros(p)
    s2 = np.zeros(p)
    cnt = np.zeros(p)
    for grp in sample.patterns:
        _scatter_add(s1, grp.obs, grp.sx)
        _scatter_add(s2, grp.obs, grp.n[:, None] * (np.diagonal(grp.S, axis1=1, axis2=2)
                                                   + grp.m**2))
        _scatter_add(cnt, grp.obs, np.broadcast_to(grp.n[:, None], grp.obs.shape))
    mean = s1 / cnt
    var = s2 / cnt - mean**2
    return float(np.sum(-0.5 * cnt * (_LOG2PI + np.log(var) + 1.0)))


def _modification_indices(objective: _Objective, model: _Model, rows: list[_Row],
                          x: np.ndarray, w: Any, expected: np.ndarray, N: int,
                          P: np.ndarray, T: np.ndarray, sigma: np.ndarray) -> pd.DataFrame:
    """lavaan's ``modindices()``: univariate score tests with the expected information.

    Candidates are the fixed parameters of the model (in table order) and then every
    loading and item residual covariance not in the model (lavaan's ``lav_partable_full``
    order). Rows whose conditional information is ~0 (a marker loading, a fixed factor
    variance under ``std_lv``) are dropped, as lavaan does.
    """
    ov, lv = model.ov, model.lv
    cand: list[tuple[str, str, str, int, int, int, float]] = []
    present: set[tuple[int, int, int]] = set()
    for r in rows:
        present.add(_key(r.kind, r.a, r.b))
        if not r.free:
            cand.append((r.lhs, r.op, r.rhs, r.kind, r.a, r.b, r.value))
    for f in range(model.m):
        for i in range(model.p):
            if (_LOAD, i, f) not in present:
                cand.append((lv[f], "=~", ov[i], _LOAD, i, f, 0.0))
    for j in range(model.p):
        for i in range(j, model.p):
            if (_THETA, j, i) not in present:
                cand.append((ov[j], "~~", ov[i], _THETA, j, i, 0.0))
    for g in range(model.m):
        for f in range(g, model.m):
            if (_PSI, g, f) not in present:
                cand.append((lv[g], "~~", lv[f], _PSI, g, f, 0.0))
    columns = ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]
    if not cand:
        return pd.DataFrame({c: [] for c in columns})
    kind = np.array([c[3] for c in cand])
    a = np.array([c[4] for c in cand])
    b = np.array([c[5] for c in cand])
    B = model.basis(x)
    r1 = objective.free_rows
    r2 = model.row_basis(kind, a, b)
    i12 = model.K.T @ objective.row_info(w, B, r1, r2)
    i22 = objective.row_info_diag(w, B, r2)
    score = objective.row_gradient(w, B, r2)
    try:
        inv11 = np.linalg.inv(expected)
        cond = i22 - np.sum(i12 * (inv11 @ i12), axis=0)
    except np.linalg.LinAlgError:
        cond = np.full(len(cand), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(cond < np.finfo(float).eps ** (1.0 / 3.0), np.nan, cond)
        mi = N * score**2 / cond
        epc = -score / cond
    value = np.array([c[6] for c in cand])
    # lavaan standardises |EPC| (a variance candidate keeps its estimate) and restores signs.
    base = np.where((kind == _THETA) & (a == b), value, np.abs(epc))
    s_lv, s_all = _standardize(kind, a, b, base, P, T, sigma)
    sign = np.sign(epc)
    out = pd.DataFrame({
        "lhs": [c[0] for c in cand], "op": [c[1] for c in cand], "rhs": [c[2] for c in cand],
        "mi": mi, "epc": epc, "sepc_lv": sign * s_lv, "sepc_all": sign * s_all,
    })
    return out[out["mi"].notna()].reset_index(drop=True)


def _check_solution(model: _Model, rows: list[_Row], est: np.ndarray, std_all: np.ndarray,
                    P: np.ndarray, sigma: np.ndarray, warn: Callable[[str], None]) -> None:
    ov, lv = model.ov, model.lv
    for k, r in enumerate(rows):
        if r.kind == _THETA and r.a == r.b and est[k] < 0:
            warn(f"Heywood case: the residual variance of item {ov[r.a]!r} is negative "
                 f"({est[k]:.4g})")
        if r.kind == _PSI and r.a == r.b and est[k] < 0:
            warn(f"the variance of factor {lv[r.a]!r} is negative ({est[k]:.4g})")
    for k, r in enumerate(rows):
        if r.kind == _LOAD and np.isfinite(std_all[k]) and abs(std_all[k]) > 1.0:
            warn(f"Heywood case: the standardized loading of item {ov[r.a]!r} on factor "
                 f"{lv[r.b]!r} is {std_all[k]:.4g} (above 1 in absolute value)")
    if model.m > 1:
        evals, evecs = np.linalg.eigh(P)
        if evals[0] <= 0:
            involved = [lv[i] for i in np.flatnonzero(np.abs(evecs[:, 0]) > 0.2)]
            warn("the covariance matrix of the factors is not positive definite (smallest "
                 f"eigenvalue {evals[0]:.3g}); factors involved: "
                 f"{', '.join(map(repr, involved))}")
    evals = np.linalg.eigvalsh(sigma)
    if evals[0] <= 0:
        warn(f"the model-implied covariance matrix is not positive definite (smallest "
             f"eigenvalue {evals[0]:.3g})")


# =============================================================================================
# Summary


def _summary_text(res: CFAResult, digits: int) -> str:
    fit = res.fit

    def num(v: Any, d: int = digits) -> str:
        return format_number(float(v), d)

    def line(label: str, value: str) -> str:
        return f"  {label:<44}{value:>12}"

    status = ("converged normally" if res.converged else "did NOT converge")
    out = [f"Confirmatory factor analysis ({res.estimator}) {status} after "
           f"{res.iterations} iterations", ""]
    out.append(line("Estimator", res.estimator))
    out.append(line("Number of model parameters", str(int(fit["npar"]))))
    out.append(line("Number of observations", str(res.n_obs)))
    if res.n_total != res.n_obs:
        out.append(line("Number of rows given", str(res.n_total)))
    out.append(line("Missing data", res.missing))
    out += ["", "Model Test User Model:",
            line("Test statistic", num(fit["chisq"])),
            line("Degrees of freedom", str(int(fit["df"]))),
            line("P-value (Chi-square)", num(fit["pvalue"])),
            "", "Model Test Baseline Model:",
            line("Test statistic", num(fit["baseline_chisq"])),
            line("Degrees of freedom", str(int(fit["baseline_df"]))),
            line("P-value", num(fit["baseline_pvalue"])),
            "", "User Model versus Baseline Model:",
            line("Comparative Fit Index (CFI)", num(fit["cfi"])),
            line("Tucker-Lewis Index (TLI)", num(fit["tli"])),
            "", "Loglikelihood and Information Criteria:",
            line("Loglikelihood user model (H0)", num(fit["loglik"])),
            line("Loglikelihood unrestricted model (H1)", num(fit["unrestricted_loglik"])),
            line("Akaike (AIC)", num(fit["aic"])),
            line("Bayesian (BIC)", num(fit["bic"])),
            line("Sample-size adjusted Bayesian (SABIC)", num(fit["sabic"])),
            "", "Root Mean Square Error of Approximation:",
            line("RMSEA", num(fit["rmsea"])),
            line("90 Percent confidence interval - lower", num(fit["rmsea_ci_lower"])),
            line("90 Percent confidence interval - upper", num(fit["rmsea_ci_upper"])),
            line("P-value H_0: RMSEA <= 0.050", num(fit["rmsea_pvalue"])),
            "", "Standardized Root Mean Square Residual:",
            line("SRMR", num(fit["srmr"])), "",
            "Parameter Estimates:",
            line("Standard errors", "Standard"),
            line("Information", "Observed" if res.missing == "fiml" else "Expected"),
            ""]
    est = res.estimates
    header = (f"{'':<20}{'Estimate':>9}{'Std.Err':>9}{'z-value':>9}{'P(>|z|)':>9}"
              f"{'Std.lv':>9}{'Std.all':>9}")
    latent = set(res.model.latent)

    def row_text(name: str, r: pd.Series) -> str:
        def cell(v: float) -> str:
            return f"{num(v):>9}" if np.isfinite(v) else " " * 9
        se = r["se"] if r["se"] > 0 else math.nan
        return (f"    {name:<16}{cell(r['est'])}{cell(se)}{cell(r['z'])}{cell(r['pvalue'])}"
                f"{cell(r['std_lv'])}{cell(r['std_all'])}")

    sections = [
        ("Latent Variables:", est["op"] == "=~", True),
        ("Covariances:", (est["op"] == "~~") & (est["lhs"] != est["rhs"]), True),
        ("Intercepts:", est["op"] == "~1", False),
        ("Variances:", (est["op"] == "~~") & (est["lhs"] == est["rhs"]), False),
    ]
    for title, mask, grouped in sections:
        part = est[mask]
        if part.empty:
            continue
        out += [title, header]
        last = None
        for _, r in part.iterrows():
            if grouped:
                if r["lhs"] != last:
                    prefix = "." if r["op"] == "~~" and r["lhs"] not in latent else ""
                    out.append(f"  {prefix}{r['lhs']} {r['op']}")
                    last = r["lhs"]
                name = ("." if r["op"] == "~~" and r["rhs"] not in latent else "") + r["rhs"]
            else:
                name = ("." if r["lhs"] not in latent else "") + r["lhs"]
            out.append(row_text(name, r))
        out.append("")
    if res.messages:
        out += ["Warnings:"] + [f"  - {m}" for m in res.messages]
    return "\n".join(out).rstrip() + "\n"
