"""Correlation-matrix helpers shared by the factor-analysis modules (EFA, omega, CFA).

Everything here follows R's conventions so that results match psych exactly:
``cor(x, use="pairwise")`` for pairwise-complete correlations, ``psych::smc`` (squared
multiple correlations through a pseudo-inverse, clipped to [0, 1]), ``psych::cor.smooth``
(eigenvalue smoothing of a non-positive-definite matrix) and ``psych::Pinv``.

The API is kept stable because other modules import it read-only:

- :func:`pairwise_correlation` / :func:`listwise_correlation` (raw data -> R, counts),
  :func:`pairwise_covariance` (R's ``cov(use="pairwise")``)
- :func:`matrix_kind`: is the input a correlation or covariance matrix rather than
  respondents? (the one rule every statistic on moments uses)
- :func:`prepare_correlation` (DataFrame or matrix + ``n_obs`` -> :class:`CorrelationInput`)
- :func:`smc`, :func:`pinv`, :func:`cor_smooth`, :func:`cov2cor`,
  :func:`is_correlation_matrix`, :func:`is_symmetric_matrix`, :func:`min_eigenvalue`
- :func:`small_matrix_blas`: a context limiting BLAS to one thread for small-matrix work
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from psychometrics._pass import single_threaded_blas
from psychometrics.errors import DataValidationError, NumericalWarning

__all__ = [
    "CorrelationInput",
    "cor_smooth",
    "cov2cor",
    "is_correlation_matrix",
    "is_symmetric_matrix",
    "listwise_correlation",
    "matrix_kind",
    "min_eigenvalue",
    "pairwise_correlation",
    "pairwise_covariance",
    "pinv",
    "prepare_correlation",
    "small_matrix_blas",
    "smc",
    "warn_few_respondents",
]

_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class CorrelationInput:
    """A correlation matrix with what is known about where it came from.

    Attributes
    ----------
    r : ndarray (p, p)
        The correlation matrix.
    names : list of str
        Item names, in the order of ``r``.
    n_obs : int or None
        Number of observations: rows of the data (all rows for pairwise deletion, as psych
        uses) or the ``n_obs`` given with a matrix.
    np_obs : ndarray (p, p) or None
        Pairwise counts of complete observations (raw data only; psych's ``np.obs``).
    data : ndarray (n, p) or None
        The raw data (NaN for missing) the matrix was computed from, after listwise deletion
        when that was asked for; ``None`` for matrix input.
    row_index : pandas Index or None
        Labels of the rows of ``data`` (the DataFrame's index, or positions).
    kind : {None, "correlation", "covariance"}
        What was given: raw data (``None``) or a matrix (:func:`matrix_kind`).
    covariance : ndarray (p, p) or None
        The covariance matrix: the one given, or the pairwise covariances of the data
        when asked for (``covar=True``); ``None`` otherwise.
    moments : Moments or None
        The :class:`~psychometrics.Moments` (of the kept items) the matrix was computed
        from, when the data were given as moments or a streamed source (then ``data`` is
        None: the rows were never in memory, but results are those of the data).
    """

    r: np.ndarray
    names: list[str]
    n_obs: int | None
    np_obs: np.ndarray | None
    data: np.ndarray | None
    row_index: pd.Index | None = None
    kind: str | None = None
    covariance: np.ndarray | None = None
    moments: Any = None

    @property
    def is_raw(self) -> bool:
        return self.data is not None

    @property
    def from_data(self) -> bool:
        """Computed from respondents' answers (in memory or as moments), not a matrix."""
        return self.data is not None or self.moments is not None

    @property
    def n_items(self) -> int:
        return int(self.r.shape[0])

    def frame(self) -> pd.DataFrame:
        """The correlation matrix as a labelled DataFrame."""
        return pd.DataFrame(self.r, index=self.names, columns=self.names)


@contextlib.contextmanager
def small_matrix_blas() -> Iterator[None]:
    """Run BLAS/LAPACK single-threaded inside the block.

    Factor analysis does hundreds of eigendecompositions of p x p matrices (p ~ 10-100).
    Multithreaded OpenBLAS spends more time waking and synchronising threads than
    computing on matrices that small, and on a busy machine it can be 10x slower. Uses
    threadpoolctl (installed with scikit-learn, which factor-analyzer requires) when
    present; otherwise does nothing.
    """
    with single_threaded_blas():
        yield


# --------------------------------------------------------------------------------------------
# matrix predicates and small transforms
# --------------------------------------------------------------------------------------------


def is_symmetric_matrix(x: np.ndarray, tol: float = 100 * _EPS) -> bool:
    """R's ``isSymmetric`` (relative tolerance ~ 100 eps) for a square numeric matrix."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        return False
    if np.isnan(x).any():
        return bool(np.array_equal(np.isnan(x), np.isnan(x.T))) and np.allclose(
            np.nan_to_num(x), np.nan_to_num(x.T), rtol=0, atol=tol * max(1.0, np.nanmax(abs(x)))
        )
    scale = max(1.0, float(np.max(np.abs(x)))) if x.size else 1.0
    return bool(np.max(np.abs(x - x.T), initial=0.0) <= tol * scale)


def is_correlation_matrix(x: np.ndarray) -> bool:
    """psych's ``isCorrelation``: square, symmetric, unit diagonal, entries in [-1, 1]."""
    x = np.asarray(x, dtype=float)
    if not is_symmetric_matrix(x) or np.isnan(x).any():
        return False
    if not np.allclose(np.prod(np.diag(x)), 1.0, rtol=1.5e-8, atol=0):
        return False
    return bool(x.min() >= -1 and x.max() <= 1)


def cov2cor(x: np.ndarray) -> np.ndarray:
    """R's ``cov2cor``: scale a covariance matrix to a correlation matrix (diagonal set to 1)."""
    x = np.asarray(x, dtype=float)
    d = 1.0 / np.sqrt(np.diag(x))
    r = x * d[:, None] * d[None, :]
    np.fill_diagonal(r, 1.0)
    return r


def pinv(x: np.ndarray, tol: float = float(np.sqrt(_EPS))) -> np.ndarray:
    """psych's ``Pinv``: Moore-Penrose inverse dropping singular values <= tol * d[0]."""
    u, d, vt = np.linalg.svd(np.asarray(x, dtype=float))
    keep = d > max(tol * d[0], 0.0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def min_eigenvalue(r: np.ndarray) -> float:
    """Smallest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(np.asarray(r, dtype=float))[0])


def cor_smooth(
    r: np.ndarray, eig_tol: float = 1e-12, *, threshold: float = _EPS
) -> tuple[np.ndarray, bool]:
    """psych's ``cor.smooth``: make a correlation matrix positive definite.

    When the smallest eigenvalue is below ``threshold`` (psych: machine epsilon),
    eigenvalues under ``eig_tol`` are set to ``100 * eig_tol``, rescaled to sum to ``p``,
    and the matrix is rebuilt and scaled back to unit diagonal. Returns
    ``(matrix, smoothed)``; the input is returned unchanged when it is positive definite.
    """
    r = np.asarray(r, dtype=float)
    values, vectors = np.linalg.eigh(r)
    if values.min() >= threshold:
        return r, False
    values = np.where(values < eig_tol, 100 * eig_tol, values)
    values = values * r.shape[0] / values.sum()
    smoothed = cov2cor((vectors * values) @ vectors.T)
    return smoothed, True


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations as ``psych::smc``: ``1 - 1/diag(Pinv(R))``, clipped.

    The pseudo-inverse makes it defined for singular matrices; values above 1 are set to 1
    and below 0 to 0, as psych does.
    """
    r = cov2cor(np.asarray(r, dtype=float))
    out = 1.0 - 1.0 / np.diag(pinv(r))
    out = np.where(out > 1, 1.0, out)
    return np.where(out < 0, 0.0, out)


# --------------------------------------------------------------------------------------------
# correlations from data
# --------------------------------------------------------------------------------------------


def pairwise_correlation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations on pairwise-complete observations, as R's ``cor(use="pairwise")``.

    Each pair uses the rows where both items are observed, with that subset's means and
    standard deviations. Returns ``(r, counts)`` where ``counts[i, j]`` is the number of
    pairwise-complete rows. Entries without at least two complete pairs, or with zero
    variance in the subset, are NaN.

    The work is a few matrix products (no loop over rows or pairs): with ``M`` the
    observed-mask and ``X0`` the data with missing set to 0,
    ``n = M'M``, ``Sx = X0'M``, ``Sxx = (X0^2)'M``, ``Sxy = X0'X0``.
    """
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    if mask.all():
        return _complete_correlation(x)
    # Shifting each column by its mean does not change any pairwise correlation and avoids
    # cancellation in the sums-of-products formulas.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(x, axis=0)
    centre = np.where(np.isnan(centre), 0.0, centre)
    x0 = np.where(mask, x - centre, 0.0)
    m = mask.astype(float)
    n = m.T @ m
    sx = x0.T @ m  # sx[i, j]: sum of x_i over rows where i and j are observed
    sxx = (x0 * x0).T @ m
    sxy = x0.T @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / n
        var_i = sxx - sx * sx / n
        var_j = var_i.T
        r = cov / np.sqrt(var_i * var_j)
    bad = (n < 2) | ~(var_i > 0) | ~(var_j > 0)
    r[bad] = np.nan
    diag = np.diag(var_i) > 0
    r[np.diag_indices_from(r)] = np.where(diag & (np.diag(n) >= 2), 1.0, np.nan)
    r = np.clip(r, -1.0, 1.0)
    return r, n.astype(int)


def _complete_correlation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """No missing values: one cross-product of the centred data."""
    n = x.shape[0]
    xc = x - x.mean(axis=0)
    c = xc.T @ xc
    d = np.diag(c).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        s = 1.0 / np.sqrt(d)
        r = c * s[:, None] * s[None, :]
    bad = ~(d > 0) | (n < 2)
    r[bad, :] = np.nan
    r[:, bad] = np.nan
    np.fill_diagonal(r, np.where(bad, np.nan, 1.0))
    r = np.clip(r, -1.0, 1.0)
    return r, np.full((x.shape[1], x.shape[1]), n, dtype=int)


def pairwise_covariance(x: np.ndarray) -> np.ndarray:
    """R's ``cov(x, use="pairwise")``: each pair's covariance over the rows where both are
    observed, with that subset's means and ``n - 1``; NaN with fewer than two pairs."""
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(x, axis=0)
    centre = np.where(np.isnan(centre), 0.0, centre)
    x0 = np.where(mask, x - centre, 0.0)
    m = mask.astype(float)
    n = m.T @ m
    sx = x0.T @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (x0.T @ x0 - sx * sx.T / n) / (n - 1)
    cov[n < 2] = np.nan
    return cov


def matrix_kind(data: Any, n_obs: int | None = None) -> str | None:
    """Is ``data`` a correlation or covariance matrix rather than respondents x items?

    Returns ``"correlation"``, ``"covariance"`` or ``None`` (raw data). A numeric input is
    a matrix when it is square, symmetric (R's ``isSymmetric``), complete and has a
    positive diagonal, and

    - it is a DataFrame whose row labels are its column labels, or
    - ``n_obs`` is given, or it is a correlation matrix (psych's ``isCorrelation``), or
    - it is an unlabelled array (psych reads every square symmetric matrix as one).

    A square symmetric DataFrame whose rows are labelled differently from its columns
    (respondents 0, 1, 2 ...) is data unless ``n_obs`` is given or it is a correlation
    matrix. This is the one rule the statistics that work on moments share (efa, omega,
    kmo, bartlett, parallel analysis, split halves; alpha may use it too).
    """
    if isinstance(data, pd.DataFrame):
        if data.shape[0] != data.shape[1] or data.shape[0] == 0:
            return None
        if not all(pd.api.types.is_numeric_dtype(data[c]) for c in data.columns):
            return None
        values = data.to_numpy(dtype=float, na_value=np.nan)
        labelled = [str(i) for i in data.index] == [str(c) for c in data.columns]
    else:
        try:
            values = np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            return None
        if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] == 0:
            return None
        labelled = True  # psych: any square symmetric matrix
    if np.isnan(values).any() or not is_symmetric_matrix(values):
        return None
    if np.any(np.diag(values) <= 0):
        return None
    corr = is_correlation_matrix(values)
    if not (labelled or n_obs is not None or corr):
        return None
    return "correlation" if corr else "covariance"


def listwise_correlation(x: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Correlations on complete cases. Returns ``(r, n_complete, complete_rows_mask)``."""
    x = np.asarray(x, dtype=float)
    keep = ~np.isnan(x).any(axis=1)
    r, _ = pairwise_correlation(x[keep])
    return r, int(keep.sum()), keep


def _numeric_frame(data: pd.DataFrame) -> pd.DataFrame:
    bad = [str(c) for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise DataValidationError(
            f"items must be numeric; non-numeric column(s): {', '.join(bad)}"
        )
    return data


def prepare_correlation(
    data: Any,
    *,
    n_obs: int | None = None,
    missing: str = "pairwise",
    min_items: int = 2,
    what: str = "this analysis",
    covar: bool = False,
) -> CorrelationInput:
    """Turn the user's input into a correlation matrix with its sample size.

    Parameters
    ----------
    data : DataFrame or array-like
        Either items (rows are respondents, NaN for missing) or a square correlation or
        covariance matrix, recognised by :func:`matrix_kind`; a covariance matrix is
        scaled to a correlation matrix (and kept as ``covariance``).
    n_obs : int, optional
        Sample size for a matrix. Ignored (with a warning) for raw data.
    missing : {"pairwise", "listwise"}
        Pairwise: ``cor(x, use="pairwise")`` with ``n_obs`` the number of rows, as psych.
        Listwise: incomplete rows are dropped first.
    min_items : int
        Fewest items the caller can work with.
    what : str
        Name of the analysis, for error messages.
    covar : bool
        Also compute the pairwise covariance matrix of raw data (``covariance``).

    Items with zero variance (or fewer than two observations) are dropped with a
    :class:`~psychometrics.errors.NumericalWarning` naming them.
    """
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    if n_obs is not None:
        if isinstance(n_obs, bool) or not isinstance(n_obs, int | np.integer) or n_obs < 2:
            raise ValueError(f"n_obs must be an integer >= 2, not {n_obs!r}")
        n_obs = int(n_obs)

    from psychometrics.sufficient_statistics import as_moments

    source = as_moments(data)
    if source is not None:
        return _from_moments(source, n_obs=n_obs, missing=missing, min_items=min_items,
                             what=what, covar=covar)

    if isinstance(data, pd.DataFrame):
        frame = _numeric_frame(data)
        names = [str(c) for c in frame.columns]
        values = frame.to_numpy(dtype=float, na_value=np.nan)
        row_index = frame.index
    else:
        values = np.asarray(data, dtype=float)
        if values.ndim != 2:
            raise ValueError(f"{what} needs a 2-D table of items or a square matrix")
        names = [f"V{i + 1}" for i in range(values.shape[1])]
        row_index = pd.RangeIndex(values.shape[0])

    kind = matrix_kind(data, n_obs)
    square = values.shape[0] == values.shape[1] and values.shape[0] > 0
    if kind is None and square and n_obs is not None and is_symmetric_matrix(values):
        # meant as a matrix (n_obs given) but not a valid one: say why
        if np.isnan(values).any():
            raise DataValidationError(f"the matrix given to {what} contains missing values")
        raise DataValidationError(f"the matrix given to {what} has a non-positive diagonal")
    if kind is not None:
        r = cov2cor(values)
        if values.shape[0] < min_items:
            raise DataValidationError(f"{what} needs at least {min_items} items")
        return CorrelationInput(r=r, names=names, n_obs=n_obs, np_obs=None, data=None,
                                kind=kind, covariance=values.copy())

    if n_obs is not None:
        warnings.warn(
            "n_obs is ignored for raw data: the number of rows is used",
            NumericalWarning,
            stacklevel=3,
        )
    if missing == "listwise":
        complete = ~np.isnan(values).any(axis=1)
        values = values[complete]
        row_index = row_index[complete]
    if values.shape[0] < 3:
        raise DataValidationError(f"{what} needs at least 3 rows of data, got {values.shape[0]}")
    r, counts = pairwise_correlation(values)
    # zero variance or fewer than two responses leave a NaN diagonal; other items' pairwise
    # correlations do not depend on these columns, so dropping them is enough
    degenerate = np.isnan(np.diag(r))
    if degenerate.any():
        dropped = [n for n, d in zip(names, degenerate, strict=True) if d]
        warnings.warn(
            f"item(s) with zero variance or fewer than two responses were dropped: "
            f"{', '.join(dropped)}",
            NumericalWarning,
            stacklevel=3,
        )
        keep = ~degenerate
        names = [n for n, k in zip(names, keep, strict=True) if k]
        values = values[:, keep]
        r = r[np.ix_(keep, keep)]
        counts = counts[np.ix_(keep, keep)]
    x = values
    if x.shape[1] < min_items:
        raise DataValidationError(f"{what} needs at least {min_items} items with variance")
    if np.isnan(r).any():
        i, j = np.argwhere(np.isnan(r))[0]
        raise DataValidationError(
            f"items {names[i]!r} and {names[j]!r} have too few jointly observed responses "
            f"({counts[i, j]}) for a correlation"
        )
    return CorrelationInput(r=r, names=names, n_obs=int(x.shape[0]), np_obs=counts, data=x,
                            row_index=row_index,
                            covariance=pairwise_covariance(x) if covar else None)


def _from_moments(m: Any, *, n_obs: int | None, missing: str, min_items: int, what: str,
                  covar: bool) -> CorrelationInput:
    """:func:`prepare_correlation` of a :class:`~psychometrics.Moments` (one group): the
    same correlations, counts, checks and warnings as for the rows it was read from.

    Pairwise, ``r_ij = C_ij / sqrt(SS_i|ij SS_j|ij)`` from the centred cross-products and
    sums of squares of the rows answering both items (``cor(x, use="pairwise")``); listwise,
    the complete rows' centred cross-products.
    """
    if len(m.groups) != 1:
        raise ValueError(f"{what}: these moments have {len(m.groups)} groups ({m.labels}); "
                         f"pass m.group(label) or m.total()")
    if n_obs is not None:
        warnings.warn("n_obs is ignored for raw data: the number of rows is used",
                      NumericalWarning, stacklevel=4)
    st = next(iter(m.groups.values()))
    names = [str(i) for i in m.items]
    k = len(names)
    with np.errstate(invalid="ignore", divide="ignore"):
        if missing == "listwise":
            if st.n_complete < 0:
                raise DataValidationError(
                    f"{what}: the listwise moments of this item subset are unknown; select "
                    "the items when reading (pm.moments(data, items)) or collect patterns")
            n = int(st.n_complete)
            counts = np.full((k, k), n, dtype=int)
            ss = np.diag(st.comoment_complete).copy()
            r = st.comoment_complete / np.sqrt(np.outer(ss, ss))
            var_i = np.broadcast_to(ss[:, None], (k, k))
            cov = st.comoment_complete / (n - 1) if n > 1 else np.full((k, k), np.nan)
        else:
            n = int(st.n_rows)
            counts = st.count.astype(int)
            var_i = st.sqdev
            r = st.comoment / np.sqrt(st.sqdev * st.sqdev.T)
            cov = st.comoment / (st.count - 1)
            cov[st.count < 2] = np.nan
    if n < 3:
        raise DataValidationError(f"{what} needs at least 3 rows of data, got {n}")
    r = np.array(r, dtype=float)
    bad = (counts < 2) | ~(var_i > 0) | ~(var_i.T > 0)
    r[bad] = np.nan
    diag = np.diag(var_i) > 0
    r[np.diag_indices_from(r)] = np.where(diag & (np.diag(counts) >= 2), 1.0, np.nan)
    r = np.clip(r, -1.0, 1.0)
    degenerate = np.isnan(np.diag(r))
    keep = ~degenerate
    if degenerate.any():
        dropped = [nm for nm, d in zip(names, degenerate, strict=True) if d]
        warnings.warn(
            f"item(s) with zero variance or fewer than two responses were dropped: "
            f"{', '.join(dropped)}",
            NumericalWarning,
            stacklevel=4,
        )
        names = [nm for nm, kp in zip(names, keep, strict=True) if kp]
        sub = np.ix_(keep, keep)
        r, counts, cov = r[sub], counts[sub], cov[sub]
    if len(names) < min_items:
        raise DataValidationError(f"{what} needs at least {min_items} items with variance")
    if np.isnan(r).any():
        i, j = np.argwhere(np.isnan(r))[0]
        raise DataValidationError(
            f"items {names[i]!r} and {names[j]!r} have too few jointly observed responses "
            f"({counts[i, j]}) for a correlation"
        )
    return CorrelationInput(r=r, names=names, n_obs=n, np_obs=counts, data=None,
                            covariance=np.array(cov, dtype=float) if covar else None,
                            moments=m if len(names) == len(m.items) else m.select(names))


def warn_few_respondents(n_obs: int | None, n_items: int, what: str, *,
                         stacklevel: int = 3) -> None:
    """Warn (:class:`~psychometrics.errors.NumericalWarning`) when ``n_obs`` respondents
    cannot support ``n_items`` items: with ``n <= p`` the correlation matrix of the data
    has rank at most ``n - 1`` and is singular, so inverses, SMCs and likelihoods are not
    defined and the numbers are at best a smoothed approximation."""
    if n_obs is None or n_obs > n_items:
        return
    warnings.warn(
        f"{what}: {n_obs} respondents for {n_items} items; a correlation matrix from fewer "
        f"respondents than items is singular (rank at most {n_obs - 1}), so the results "
        f"rest on a smoothed or pseudo-inverted matrix and are not trustworthy: collect at "
        f"least {n_items + 1} respondents (far more for a stable solution)",
        NumericalWarning,
        stacklevel=stacklevel,
    )
