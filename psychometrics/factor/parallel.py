"""Horn's parallel analysis, as ``psych::fa.parallel``.

Observed eigenvalues are compared with those of random data of the same size: principal
components use the eigenvalues of ``R``; factors use psych's default, the eigenvalues of
``R`` with the communalities of a one-factor solution on the diagonal
(``fa(R, 1, fm=fm)$values``). A factor or component is retained while its observed
eigenvalue exceeds the chosen quantile of the simulated (or, with ``sim=False``, the
resampled) ones.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from psychometrics.errors import DataValidationError
from psychometrics.factor._matrix import (
    CorrelationInput,
    pairwise_correlation,
    prepare_correlation,
    small_matrix_blas,
    warn_few_respondents,
)
from psychometrics.factor.extraction import METHODS, extract
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin

__all__ = ["ParallelAnalysisResult", "parallel_analysis"]

_KINDS = ("fa", "pc", "both")
_CORS = ("cor", "poly")
_BATCH_ELEMENTS = 2_000_000  # random numbers drawn per batch (16 MB of float64)


@dataclass(frozen=True)
class ParallelAnalysisResult(ResultMixin):
    """Result of :func:`parallel_analysis`.

    Attributes
    ----------
    n_factors : int or None
        Suggested number of factors (``None`` when ``kind="pc"``).
    n_components : int or None
        Suggested number of components (``None`` when ``kind="fa"``).
    eigenvalues : DataFrame
        One row per eigenvalue (``number`` 1..p). Columns ``pc_observed``,
        ``pc_simulated_mean``, ``pc_simulated_quantile`` (and ``pc_resampled_*`` when
        resampling), and the same for ``fa_*``, depending on ``kind``.
    kind : str
        ``"fa"``, ``"pc"`` or ``"both"``.
    n_iter : int
        Number of simulated data sets.
    quantile : float
        Quantile of the simulated eigenvalues used by the retention rule.
    n_obs : int
        Rows of each simulated data set.
    seed : int or None
        Seed of the random generator.
    method, sim, cor
        psych's ``fm``, ``sim`` and ``cor`` as used.
    matrix_input : {None, "correlation", "covariance"}
        Raw data (``None``) or the kind of matrix given.
    """

    n_factors: int | None
    n_components: int | None
    eigenvalues: pd.DataFrame
    kind: str
    n_iter: int
    quantile: float
    n_obs: int
    seed: int | None
    method: str = "minres"
    sim: bool = True
    cor: str = "cor"
    matrix_input: str | None = None

    _title: ClassVar[str] = "Parallel analysis"

    def summary(self, digits: int = 3) -> str:
        parts = []
        if self.n_factors is not None:
            parts.append(f"the number of factors = {self.n_factors}")
        if self.n_components is not None:
            parts.append(f"the number of components = {self.n_components}")
        what = (f"{self.n_iter} simulated normal data sets" if self.sim
                else f"{self.n_iter} resampled data sets")
        cor = "polychoric" if self.cor == "poly" else "Pearson"
        lines = [self._title, "=" * len(self._title),
                 "Parallel analysis suggests that " + " and ".join(parts),
                 f"({what} of {self.n_obs} rows; {cor} correlations, factor eigenvalues "
                 f"from {self.method}; observed eigenvalues compared with the "
                 f"{self.quantile:g} quantile)", "",
                 self.eigenvalues.round(digits).to_string()]
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Scree plot of the observed eigenvalues with the simulated quantile lines.

        Requires matplotlib. Returns the matplotlib ``Axes``.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x = self.eigenvalues.index.to_numpy()
        tab = self.eigenvalues
        q = f"{self.quantile:g} quantile"
        if self.kind in ("pc", "both"):
            ax.plot(x, tab["pc_observed"], "x-", color="tab:blue", label="PC observed")
            if "pc_simulated_quantile" in tab:
                ax.plot(x, tab["pc_simulated_quantile"], ":", color="tab:red",
                        label=f"PC simulated ({q})")
            if "pc_resampled_quantile" in tab:
                ax.plot(x, tab["pc_resampled_quantile"], "--", color="tab:red",
                        label=f"PC resampled ({q})")
        if self.kind in ("fa", "both"):
            ax.plot(x, tab["fa_observed"], "^-", color="tab:blue", label="FA observed",
                    markerfacecolor="none")
            if "fa_simulated_quantile" in tab:
                ax.plot(x, tab["fa_simulated_quantile"], ":", color="tab:orange",
                        label=f"FA simulated ({q})")
            if "fa_resampled_quantile" in tab:
                ax.plot(x, tab["fa_resampled_quantile"], "--", color="tab:orange",
                        label=f"FA resampled ({q})")
        if self.kind != "pc":
            ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xlabel("Factor/component number")
        ax.set_ylabel("Eigenvalue")
        ax.set_title("Parallel analysis scree plot")
        ax.legend()
        return ax


def _fa_values(r: np.ndarray, method: str = "minres", smc_start: bool = True) -> np.ndarray:
    """psych: ``fa(r, nfactors = 1, fm = fm, rotate = "none")$values``; the random data's
    use ``SMC = FALSE`` (only principal axes and alpha factoring start differently)."""
    return extract(r, 1, method, warn=False, smc_start=smc_start).values


def _eigenvalues(corr: np.ndarray, pc_out: np.ndarray, fa_out: np.ndarray | None,
                 method: str = "minres") -> None:
    """Write the component eigenvalues (descending) of a stack of correlation matrices
    ``(count, p, p)`` into ``pc_out`` and, when given, their factor eigenvalues into
    ``fa_out``."""
    pc_out[:] = np.linalg.eigvalsh(corr)[:, ::-1]
    if fa_out is not None:
        with small_matrix_blas():
            for row, r in zip(fa_out, corr, strict=True):
                row[:] = _fa_values(r, method, smc_start=False)


def _tabulate(table: dict[str, np.ndarray], kind: str, observed: np.ndarray,
              simulated: np.ndarray | None, resampled: np.ndarray | None,
              quantile: float) -> int:
    """Add one kind's columns (observed, simulated mean and quantile, resampled) to
    ``table``; return how many observed eigenvalues exceed the simulated quantile (the
    resampled one without simulations, as psych's ``sim = FALSE``)."""
    table[f"{kind}_observed"] = observed
    threshold = None
    if simulated is not None:
        threshold = np.quantile(simulated, quantile, axis=0)
        table[f"{kind}_simulated_mean"] = simulated.mean(axis=0)
        table[f"{kind}_simulated_quantile"] = threshold
    if resampled is not None:
        table[f"{kind}_resampled_mean"] = resampled.mean(axis=0)
        table[f"{kind}_resampled_quantile"] = np.quantile(resampled, quantile, axis=0)
        if threshold is None:
            threshold = table[f"{kind}_resampled_quantile"]
    assert threshold is not None
    return _retained(observed, threshold)


def _retained(observed: np.ndarray, threshold: np.ndarray) -> int:
    """psych's rule ``which(!(observed > threshold))[1] - 1``: the leading run of
    eigenvalues above the threshold (all of them when none falls below)."""
    below = np.flatnonzero(~(observed > threshold))
    return int(below[0]) if below.size else int(observed.size)


def _simulated_correlations(rng: np.random.Generator, count: int, n: int,
                            p: int) -> np.ndarray:
    """``count`` correlation matrices of ``n x p`` standard normal data, as one array."""
    x = rng.standard_normal((count, n, p))
    x -= x.mean(axis=1, keepdims=True)
    c = np.matmul(x.transpose(0, 2, 1), x)
    d = 1.0 / np.sqrt(np.einsum("bii->bi", c))
    return c * d[:, :, None] * d[:, None, :]


def _polychoric_matrix(sample: np.ndarray) -> np.ndarray | None:
    """Polychoric correlations of a resampled data set, or None when an item came out
    constant (psych redraws when a correlation is NA)."""
    from psychometrics.correlation import polychoric

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rho = polychoric(pd.DataFrame(sample)).rho
        except Exception:  # a degenerate resample is redrawn, as psych
            return None
    rho = np.asarray(rho, dtype=float)
    return rho if rho.shape == (sample.shape[1],) * 2 and not np.isnan(rho).any() else None


def _resampled_correlation(rng: np.random.Generator, data: np.ndarray,
                           cor: str = "cor") -> np.ndarray:
    """psych's bootstrap: each column resampled independently, pairwise (or polychoric)
    correlations; redrawn while any correlation is undefined."""
    n, p = data.shape
    for _ in range(100):
        idx = rng.integers(0, n, size=(n, p))
        sample = np.take_along_axis(data, idx, axis=0)
        if cor == "poly":
            rho = _polychoric_matrix(sample)
            if rho is not None:
                return rho
            continue
        r, _ = pairwise_correlation(sample)
        if not np.isnan(r).any():
            return r
    raise DataValidationError("resampling kept producing undefined correlations; "
                              "too many missing values for resampled parallel analysis")


def parallel_analysis(
    data: pd.DataFrame | np.ndarray,
    *,
    n_iter: int = 100,
    quantile: float = 0.95,
    kind: str = "both",
    seed: int | None = None,
    progress: bool | ProgressCallback | None = None,
    n_obs: int | None = None,
    missing: str = "pairwise",
    resample: bool = False,
    method: str = "minres",
    sim: bool = True,
    cor: str = "cor",
) -> ParallelAnalysisResult:
    """Horn's parallel analysis with psych's eigenvalues and retention rule.

    Observed eigenvalues: for components, of the correlation matrix ``R``; for factors,
    of ``R`` with the communalities of a one-factor solution (``method``, psych's ``fm``)
    on its diagonal (``psych::fa.parallel``'s default, ``SMC = FALSE``). Each of
    ``n_iter`` data sets of standard normal variables with the same numbers of rows and
    items gives the same two sets of eigenvalues. The suggested number of factors
    (components) is the number of leading observed eigenvalues greater than the
    ``quantile`` of the simulated ones (psych: ``which(!(observed > simulated))[1] - 1``);
    with ``sim=False``, of the resampled ones.

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items, or a correlation matrix with ``n_obs``, or moments of one group (or a
        source read into them; ``cor="poly"`` needs ``tables=True``, resampling needs
        the rows).
    n_iter : int
        Number of simulated data sets (psych's default is 20; more gives a steadier
        threshold).
    quantile : float
        Quantile of the simulated eigenvalues (psych's ``quant``, 0.95).
    kind : {"both", "fa", "pc"}
        Factors, components or both (psych's ``fa``).
    seed : int, optional
        Seed for :func:`numpy.random.default_rng`.
    progress : None, True or callable
        Progress reporting ``progress(done, total)``; ``True`` draws a bar on stderr.
    n_obs : int, optional
        Number of observations when ``data`` is a matrix.
    missing : {"pairwise", "listwise"}
        How raw data with missing values are correlated.
    resample : bool
        Also bootstrap the data (each item resampled independently, as psych) and report
        the resampled eigenvalues. They are shown, not used by the rule, as in psych.
    method : str
        Extraction of the one-factor solution whose communalities give the factor
        eigenvalues (psych's ``fm``; any method of :func:`psychometrics.efa` but
        ``minchi``).
    sim : bool
        Simulate normal data (psych's ``sim = TRUE``). ``sim=False`` only resamples the
        data (raw data needed) and the rule uses the resampled quantiles, as psych.
    cor : {"cor", "poly"}
        Pearson (pairwise) or polychoric correlations of the observed and the resampled
        data (psych's ``cor``). The simulated normal data are always correlated by
        Pearson, as psych does.

    Returns
    -------
    ParallelAnalysisResult

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30, 179-185.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(2)
    >>> f = rng.standard_normal((400, 2))
    >>> lam = np.kron(np.eye(2), np.full((4, 1), .7))
    >>> x = pd.DataFrame(f @ lam.T + rng.standard_normal((400, 8)) * .7)
    >>> res = pm.parallel_analysis(x, n_iter=50, seed=1)
    >>> res.n_factors, res.n_components
    (2, 2)
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}; got {kind!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive integer, not {n_iter!r}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1, not {quantile!r}")
    if method not in METHODS or method == "minchi":
        raise ValueError(f"method must be one of {', '.join(m for m in METHODS if m != 'minchi')}"
                         f"; got {method!r}")
    if cor not in _CORS:
        raise ValueError(f"cor must be 'cor' (Pearson) or 'poly' (polychoric); got {cor!r}")
    if not sim:
        resample = True
    ci = _observed(data, n_obs, missing, cor)
    if ci.n_obs is None:
        raise ValueError("parallel_analysis needs n_obs, the sample size, with a matrix")
    if resample and ci.data is None:
        raise ValueError("resampling (resample=True or sim=False) needs raw data, not a "
                         + ("Moments (they keep no rows): use resample=False"
                            if ci.moments is not None else "correlation matrix"))
    warn_few_respondents(ci.n_obs, ci.n_items, "parallel analysis")
    n, p = ci.n_obs, ci.n_items
    want_fa = kind in ("fa", "both")
    want_pc = kind in ("pc", "both")
    rng = np.random.default_rng(seed)
    report = resolve_progress(progress, "parallel analysis")

    sim_pc = np.empty((n_iter, p)) if sim else None
    sim_fa = np.empty((n_iter, p)) if want_fa and sim else None
    res_pc = np.empty((n_iter, p)) if resample else None
    res_fa = np.empty((n_iter, p)) if resample and want_fa else None
    batch = max(1, min(n_iter, _BATCH_ELEMENTS // (n * p)))
    done = 0
    report(0, n_iter)
    while done < n_iter:
        count = min(batch, n_iter - done)
        rows = slice(done, done + count)
        if sim_pc is not None:
            _eigenvalues(_simulated_correlations(rng, count, n, p), sim_pc[rows],
                         None if sim_fa is None else sim_fa[rows], method)
        if res_pc is not None:
            assert ci.data is not None
            boot = np.stack([_resampled_correlation(rng, ci.data, cor) for _ in range(count)])
            _eigenvalues(boot, res_pc[rows], None if res_fa is None else res_fa[rows],
                         method)
        done += count
        report(done, n_iter)

    table: dict[str, np.ndarray] = {}
    n_factors = n_components = None
    if want_pc:
        observed = np.linalg.eigvalsh(ci.r)[::-1]
        n_components = _tabulate(table, "pc", observed, sim_pc, res_pc, quantile)
    if want_fa:
        with small_matrix_blas():
            observed = _fa_values(ci.r, method)
        n_factors = _tabulate(table, "fa", observed, sim_fa, res_fa, quantile)
    eigen = pd.DataFrame(table, index=pd.RangeIndex(1, p + 1, name="number"))
    if not math.isfinite(float(eigen.to_numpy().sum())):
        raise DataValidationError("parallel analysis produced undefined eigenvalues")
    return ParallelAnalysisResult(
        n_factors=n_factors,
        n_components=n_components,
        eigenvalues=eigen,
        kind=kind,
        n_iter=int(n_iter),
        quantile=float(quantile),
        n_obs=int(n),
        seed=seed,
        method=method,
        sim=bool(sim),
        cor=cor,
        matrix_input=ci.kind,
    )


def _observed(data: Any, n_obs: int | None, missing: str, cor: str) -> CorrelationInput:
    """The observed correlations: Pearson as the other analyses, or polychoric."""
    ci = prepare_correlation(data, n_obs=n_obs, missing=missing, min_items=3,
                             what="parallel analysis")
    if cor == "cor" or not ci.from_data:
        return ci
    from psychometrics.correlation import polychoric

    source = ci.moments if ci.data is None else pd.DataFrame(ci.data, columns=ci.names)
    rho = polychoric(source).rho
    if list(rho.columns) != ci.names:
        raise DataValidationError("polychoric correlations could not be found for every "
                                  "item; parallel analysis needs them all")
    return CorrelationInput(r=rho.to_numpy(dtype=float), names=ci.names, n_obs=ci.n_obs,
                            np_obs=ci.np_obs, data=ci.data, row_index=ci.row_index,
                            kind=ci.kind, moments=ci.moments)
