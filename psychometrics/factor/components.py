"""Principal components with psych's conventions (``psych::principal``, psych 2.2.9)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import prepare_correlation, small_matrix_blas
from psychometrics.factor.rotation import OBLIQUE, check_rotation, rotate
from psychometrics.results import ResultMixin, format_number

__all__ = ["PrincipalResult", "principal"]

_EPS = float(np.finfo(float).eps)
# psych::principal names components RC after these rotations (even the oblique ones among
# them) and TC after GPArotation's oblique ones
_RC = {"varimax", "Varimax", "quartimax", "bentlerT", "geominT", "targetT", "bifactor",
       "equamax", "Promax", "promax", "cluster", "biquartimin", "pstT"}


@dataclass(frozen=True)
class PrincipalResult(ResultMixin):
    """Result of :func:`principal`.

    Attributes
    ----------
    loadings : DataFrame
        Component loadings (items x components), psych's names (``PC``, ``RC`` after an
        orthogonal or psych-internal rotation, ``TC`` after a GPArotation oblique one).
    structure : DataFrame
        ``loadings @ phi``.
    phi : DataFrame or None
        Component correlations after an oblique rotation.
    communalities, uniquenesses, complexity : Series
        ``h2`` (sum of squared loadings), ``u2 = diag(R) - h2``, Hoffman's complexity.
    variance : DataFrame
        psych's ``Vaccounted``.
    eigenvalues : Series
        Eigenvalues of ``R`` (psych's ``values``).
    residuals : DataFrame
        ``R - L Phi L'``.
    rmsr, fit, fit_off, chi2_empirical, chi2_empirical_p, dof : float
        psych's ``rms``, ``fit``, ``fit.off``, ``chi``, ``EPVAL`` and ``dof``.
    scores, score_weights : DataFrame or None
        Component scores ``scale(X) R^-1 S`` (raw data) and their weights.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    phi: pd.DataFrame | None
    communalities: pd.Series
    uniquenesses: pd.Series
    complexity: pd.Series
    variance: pd.DataFrame
    eigenvalues: pd.Series
    residuals: pd.DataFrame
    scores: pd.DataFrame | None
    score_weights: pd.DataFrame | None
    rotation: str | None
    n_components: int
    n_obs: int | None
    rmsr: float
    fit: float
    fit_off: float
    chi2_empirical: float
    chi2_empirical_p: float
    dof: float
    matrix_input: str | None = None
    _notes: tuple[str, ...] = field(default=(), repr=False)

    _title: ClassVar[str] = "Principal components"

    def summary(self, digits: int = 2, cut: float = 0.3) -> str:
        rot = self.rotation or "no"
        n = "n unknown" if self.n_obs is None else f"n = {self.n_obs}"
        head = (f"{self._title}: {self.n_components} component"
                f"{'s' if self.n_components > 1 else ''}, {rot} rotation ({n})")
        width = digits + 3
        shown = self.loadings.map(lambda v: " " * width if abs(v) < cut
                                  else f"{v:{width}.{digits}f}")
        shown["h2"] = self.communalities.map(lambda v: f"{v:.{digits}f}")
        shown["u2"] = self.uniquenesses.map(lambda v: f"{v:.{digits}f}")
        lines = [head, "=" * len(head), "", shown.to_string(), "",
                 self.variance.round(digits).to_string()]
        if self.phi is not None:
            lines += ["", "Component correlations", self.phi.round(digits).to_string()]
        lines += ["", f"RMSR = {format_number(self.rmsr, 3)}; fit of the off-diagonal "
                      f"values = {format_number(self.fit_off, 3)}"]
        for note in self._notes:
            lines += ["", f"Note: {note}"]
        return "\n".join(lines)


def principal(
    data: pd.DataFrame | np.ndarray,
    n_components: int = 1,
    *,
    rotation: str | None = "varimax",
    missing: str = "pairwise",
    n_obs: int | None = None,
    scores: bool = True,
    **rotation_args: Any,
) -> PrincipalResult:
    """Principal components analysis as ``psych::principal``.

    The loadings are the first ``k`` eigenvectors of the correlation matrix ``R`` scaled by
    the square roots of their eigenvalues, ``L = V_k D_k^1/2``, each column signed to sum
    positive, then rotated (default varimax), ordered by ``diag(L'L)`` and signed again, as
    psych. Scores are ``scale(X) R^-1 L Phi`` (psych's ``oblique.scores = TRUE``). Fit
    (``rms``, ``fit.off``, empirical chi-square) is psych's ``factor.stats`` on the
    residual ``R - L Phi L'``.

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items, or a correlation/covariance matrix (with ``n_obs`` if known), or moments
        of one group (or a source read into them): the same components to 1e-10 (the
        score weights, not per-respondent scores).
    n_components : int
        Number of components (``1 <= k <= p``).
    rotation : str or None
        A rotation of :func:`psychometrics.efa`, spelled as psych. As in
        ``psych::principal``, ``"promax"`` here is ``stats::promax``: *without* the Kaiser
        row normalisation that :func:`efa`'s ``"promax"`` (``psych::kaiser``) applies, so
        it equals ``"Promax"``.
    missing : {"pairwise", "listwise"}
        How raw data with missing values are correlated.
    n_obs : int, optional
        Sample size of a matrix (for the empirical chi-square).
    scores : bool
        Compute component scores (raw data only).
    **rotation_args
        ``normalize``, ``gamma``, ``target``, ``weights``, ``random_starts``, ``seed`` of
        :func:`psychometrics.factor.rotation.rotate`.

    Returns
    -------
    PrincipalResult

    References
    ----------
    Revelle, W. (2022). psych (2.2.9), function ``principal``.
    Jolliffe, I. T. (2002). Principal Component Analysis (2nd ed.). Springer.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> r = pd.DataFrame([[1, .6, .5], [.6, 1, .4], [.5, .4, 1]], index=list("abc"),
    ...                  columns=list("abc"))
    >>> res = pm.principal(r, 1)
    >>> res.loadings.round(3)
         PC1
    a  0.868
    b  0.821
    c  0.759
    """
    from psychometrics.factor.exploratory import _fit_statistics

    ci = prepare_correlation(data, n_obs=n_obs, missing=missing, min_items=2,
                             what="principal")
    p = ci.n_items
    if isinstance(n_components, bool) or not isinstance(n_components, int | np.integer):
        raise TypeError(f"n_components must be an integer, not {type(n_components).__name__}")
    k = int(n_components)
    if not 1 <= k <= p:
        raise ValueError(f"n_components must be between 1 and {p} for {p} items; got {k}")
    name = check_rotation(rotation)
    if name == "promax":
        name_used = "Promax"  # psych::principal calls stats::promax: no normalisation
    else:
        name_used = name
    r = ci.r
    with small_matrix_blas():
        values, vectors = np.linalg.eigh(r)
        values, vectors = values[::-1], vectors[:, ::-1]
        clipped = np.where(values < _EPS, _EPS, values)
        load = vectors[:, :k] * np.sqrt(clipped[:k])
        h2 = np.sum(load * load, axis=1)
        signs = np.sign(load.sum(axis=0))
        signs[signs == 0] = 1.0
        load = load * signs
        phi = None
        prefix = "PC"
        if name_used is not None and k > 1:
            rot = rotate(load, name_used, **rotation_args)
            load, phi = rot.loadings, rot.phi
            prefix = "RC" if name in _RC or name not in OBLIQUE else "TC"
        cols = [f"{prefix}{j + 1}" for j in range(k)]
        if k > 1:
            order = np.argsort(-np.sum(load * load, axis=0), kind="stable")
            load = load[:, order]
            cols = [cols[j] for j in order]
            if phi is not None:
                phi = phi[np.ix_(order, order)]
        signs = np.sign(load.sum(axis=0))
        signs[signs == 0] = 1.0
        load = load * signs
        if phi is not None:
            phi = phi * signs[:, None] * signs[None, :]
        st = _fit_statistics(r, load, phi, ci.n_obs, None)
    items = ci.names
    vx = np.sum(load * load, axis=0) if phi is None else np.diag(phi @ load.T @ load)
    vtotal = float(np.trace(r))
    rows = {"SS loadings": vx, "Proportion Var": vx / vtotal}
    if k > 1:
        rows["Cumulative Var"] = np.cumsum(vx / vtotal)
        rows["Proportion Explained"] = vx / vx.sum()
        rows["Cumulative Proportion"] = np.cumsum(vx / vx.sum())
    structure = load if phi is None else load @ phi
    score_df = weights_df = None
    notes: list[str] = []
    if scores and ci.from_data:
        try:
            w = np.linalg.solve(r, structure)
        except np.linalg.LinAlgError:
            warnings.warn("the correlation matrix is singular: scores are found from the "
                          "structure loadings, as psych", NumericalWarning, stacklevel=2)
            w = structure.copy()
        from psychometrics.factor.exploratory import _standardise

        weights_df = pd.DataFrame(w, index=items, columns=cols)
        if ci.data is not None:  # moments keep no rows to score: the weights score them
            score_df = pd.DataFrame(_standardise(ci.data) @ w, index=ci.row_index,
                                    columns=cols)
    if name == "promax":
        notes.append("psych::principal's promax is stats::promax, without the Kaiser "
                     "normalisation of fa's promax (it equals Promax)")
    return PrincipalResult(
        loadings=pd.DataFrame(load, index=items, columns=cols),
        structure=pd.DataFrame(structure, index=items, columns=cols),
        phi=None if phi is None else pd.DataFrame(phi, index=cols, columns=cols),
        communalities=pd.Series(h2, index=items, name="h2"),
        uniquenesses=pd.Series(np.diag(r) - h2, index=items, name="u2"),
        complexity=pd.Series(st["complexity"], index=items, name="com"),
        variance=pd.DataFrame(rows, index=cols).T,
        eigenvalues=pd.Series(values, index=pd.RangeIndex(1, p + 1, name="number"),
                              name="eigenvalue"),
        residuals=pd.DataFrame(st["residual"], index=items, columns=items),
        scores=score_df,
        score_weights=weights_df,
        rotation=name if k > 1 else None,
        n_components=k,
        n_obs=ci.n_obs,
        rmsr=float(st["rmsr"]),
        fit=float(st["fit"]),
        fit_off=float(st["fit_off"]),
        chi2_empirical=float(st["chi2_empirical"]),
        chi2_empirical_p=float(st["chi2_empirical_p"]) if not math.isnan(
            st["chi2_empirical_p"]) else float("nan"),
        dof=float(st["dof"]),
        matrix_input=ci.kind,
        _notes=tuple(notes),
    )
