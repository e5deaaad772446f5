"""McDonald's omega (total, hierarchical, asymptotic) from a Schmid-Leiman solution,
as ``psych::omega`` (psych 2.2.9, functions ``omega``, ``omegah`` and ``schmid``)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import (
    CorrelationInput,
    prepare_correlation,
    small_matrix_blas,
    smc,
    warn_few_respondents,
)
from psychometrics.factor.exploratory import _check_factors, _solve
from psychometrics.factor.extraction import extract
from psychometrics.factor.rotation import check_rotation, rotate
from psychometrics.results import ResultMixin

__all__ = ["OmegaResult", "omega", "ordinal_omega"]

# the oblique rotations psych::schmid knows (targetQ and TargetQ need a target: use efa)
_ROTATIONS = ("oblimin", "promax", "Promax", "geominQ", "bentlerQ", "simplimax",
              "biquartimin", "cluster")
# psych::schmid accepts these extractions
_METHODS = ("minres", "pa", "ml", "wls", "gls")


@dataclass(frozen=True)
class OmegaResult(ResultMixin):
    """Result of :func:`omega`.

    Attributes
    ----------
    omega_total : float
        ``(V - sum u2) / V`` with ``V`` the sum of all elements of the (sign-keyed)
        correlation matrix and ``u2`` the uniquenesses.
    omega_hierarchical : float
        ``(sum g)^2 / V`` with ``g`` the general-factor loadings; NaN for one factor.
    omega_limit : float
        Asymptotic omega hierarchical ``(sum g)^2 / (V - sum u2)`` (psych's ``omega.lim``);
        NaN for one factor.
    ecv : float
        Explained common variance of the general factor,
        ``sum g^2 / (sum g^2 + sum F*^2)``; NaN for one factor.
    alpha : float
        Standardised alpha of the keyed correlation matrix.
    g6 : float
        Guttman's lambda 6 of the keyed correlation matrix (``psych``'s ``G6``).
    loadings : DataFrame
        Schmid-Leiman solution: ``g``, ``F1*`` ... ``Fk*``, ``h2``, ``u2``, ``p2``
        (``p2 = g^2 / h2``), items keyed as in ``keys``.
    groups : DataFrame or None
        psych's ``omega.group``: for the whole test (row ``g``) and for the items that load
        most on each group factor (rows ``F1*``...), omega ``total``, ``general`` and
        ``group``. ``None`` for one factor.
    oblique_loadings, phi : DataFrame or None
        The oblique first-order solution and its factor correlations.
    g_loadings : Series or None
        Loadings of the first-order factors on the general factor.
    keys : Series
        +1, or -1 for items reversed because they load negatively on ``g`` (psych's
        ``flip = TRUE``).
    n_factors : int
        Number of group factors.
    n_obs : int or None
        Sample size.
    rotation : str
        Oblique rotation of the first-order factors.
    matrix_input : {None, "correlation", "covariance"}
        Raw data (``None``) or the kind of matrix given.
    """

    omega_total: float
    omega_hierarchical: float
    omega_limit: float
    ecv: float
    alpha: float
    g6: float
    loadings: pd.DataFrame
    groups: pd.DataFrame | None
    oblique_loadings: pd.DataFrame | None
    phi: pd.DataFrame | None
    g_loadings: pd.Series | None
    keys: pd.Series
    n_factors: int
    n_obs: int | None
    rotation: str
    matrix_input: str | None = None
    _notes: tuple[str, ...] = field(default=(), repr=False)

    _title: ClassVar[str] = "Omega"

    def summary(self, digits: int = 2, cut: float = 0.2) -> str:
        """psych-like printout; Schmid-Leiman loadings with ``|l| < cut`` are blank."""
        def num(v: float) -> str:
            return "NA" if v is None or math.isnan(v) else f"{v:.{digits}f}"

        lines = [self._title, "=" * len(self._title),
                 f"Alpha:                 {num(self.alpha)}",
                 f"G.6:                   {num(self.g6)}",
                 f"Omega hierarchical:    {num(self.omega_hierarchical)}",
                 f"Omega H asymptotic:    {num(self.omega_limit)}",
                 f"Omega total:           {num(self.omega_total)}", ""]
        width = digits + 3
        load_cols = [c for c in self.loadings.columns if c not in ("h2", "u2", "p2")]
        shown = self.loadings[load_cols].map(
            lambda v: " " * width if round(abs(v), digits) < cut else f"{v:{width}.{digits}f}")
        for col in ("h2", "u2", "p2"):
            shown[col] = self.loadings[col].map(lambda v: f"{v:.{digits}f}")
        shown.index = [f"{i}-" if k < 0 else str(i) for i, k in self.keys.items()]
        lines.append(f"Schmid-Leiman loadings (|loading| < {cut:g} blank; '-' marks items "
                     f"reversed to load positively on g)")
        lines.append(shown.to_string())
        if self.n_factors > 1:
            ev = (self.loadings[load_cols] ** 2).sum()
            lines += ["", "With eigenvalues of:", ev.round(digits).to_string(), "",
                      f"Explained common variance of the general factor = {num(self.ecv)}"]
        if self.groups is not None:
            g = self.groups.T
            g.index = ["Omega total", "Omega general", "Omega group"]
            lines += ["", "Omega for the total score (g) and the subscales:",
                      g.round(digits).to_string()]
        for note in self._notes:
            lines += ["", f"Note: {note}"]
        return "\n".join(lines)


def _schmid(
    r: np.ndarray, k: int, method: str, rotation: str, items: list[str]
) -> dict[str, Any]:
    """psych's ``schmid``: varimax fa, oblique rotation, second-order g, SL transform."""
    sol = _solve(r, k, method, "varimax", items)
    orth = sol.loadings
    if k == 1:
        fload, phi, gload = orth, None, np.ones(1)
    else:
        rot = rotate(orth, rotation, warn=False)
        if not rot.converged:
            warnings.warn(f"{rotation} rotation did not converge in omega",
                          NumericalWarning, stacklevel=4)
        fload, phi = rot.loadings, rot.phi
        if k > 2:
            gload = extract(phi, 1, method, names=[f"F{j + 1}" for j in range(k)],
                            ).loadings[:, 0]
        else:
            # psych's option = "equal": both group factors load equally on g
            gload = np.array([math.sqrt(abs(phi[0, 1])),
                              math.copysign(math.sqrt(abs(phi[0, 1])), phi[0, 1])])
    g = fload @ gload
    h2 = np.sum(orth * orth, axis=1)
    u2 = np.diag(r) - h2
    uniq2 = np.diag(r)[:, None] - (np.diag(r)[:, None] - fload**2) - (fload * gload) ** 2
    uniq2 = np.where(uniq2 < 0, 0.0, uniq2)
    sm = np.sign(fload) * np.sqrt(uniq2)
    return {"g": g, "sm": sm, "h2": h2, "u2": u2, "p2": g**2 / h2, "fload": fload,
            "phi": phi, "gload": gload}


def _omega_from_input(ci: CorrelationInput, k: int, method: str, rotation: str,
                      notes: list[str]) -> OmegaResult:
    items = ci.names
    m = ci.r.copy()
    sl = _schmid(m, k, method, rotation, items)
    g, sm = sl["g"], sl["sm"]
    key = np.sign(g)
    key[key == 0] = 1.0
    if np.sum(key) < len(items):
        m = m * key[:, None] * key[None, :]
        g = g * key
        sm = sm * key[:, None]
    p = len(items)
    vt = float(m.sum())
    vitem = float(np.trace(m))
    gsq = float(np.sum(g)) ** 2
    uniq = float(np.sum(sl["u2"]))
    om_tot = (vt - uniq) / vt
    alpha = ((vt - vitem) / vt) * (p / (p - 1))
    g6 = (vt + float(np.sum(smc(m))) - vitem) / vt
    fstar = [f"F{j + 1}*" for j in range(k)]
    table = pd.DataFrame(np.column_stack([g, sm]), index=items, columns=["g", *fstar])
    table["h2"] = sl["h2"]
    table["u2"] = sl["u2"]
    table["p2"] = sl["p2"]
    if k == 1:
        om_h = om_lim = ecv = float("nan")
        groups = None
        notes.append("omega hierarchical, its asymptotic value and ECV are not meaningful "
                     "with one factor (psych warns the same); only omega total is reported")
    else:
        om_h = gsq / vt
        om_lim = gsq / (vt - uniq)
        ev = np.sum(np.column_stack([g, sm]) ** 2, axis=0)
        ecv = float(ev[0] / ev.sum())
        groups = _omega_groups(m, g, sm, om_tot)
        groups.index = ["g", *fstar]
    fnames = [f"F{j + 1}" for j in range(k)]
    return OmegaResult(
        omega_total=float(om_tot),
        omega_hierarchical=float(om_h),
        omega_limit=float(om_lim),
        ecv=ecv,
        alpha=float(alpha),
        g6=float(g6),
        loadings=table,
        groups=groups,
        oblique_loadings=None if k == 1 else pd.DataFrame(sl["fload"], index=items,
                                                         columns=fnames),
        phi=None if sl["phi"] is None else pd.DataFrame(sl["phi"], index=fnames,
                                                       columns=fnames),
        g_loadings=None if k == 1 else pd.Series(sl["gload"], index=fnames, name="g"),
        keys=pd.Series(key.astype(int), index=items, name="key"),
        n_factors=k,
        n_obs=ci.n_obs,
        rotation=rotation,
        matrix_input=ci.kind,
        _notes=tuple(notes),
    )


def _omega_groups(m: np.ndarray, g: np.ndarray, sm: np.ndarray, om_tot: float) -> pd.DataFrame:
    """psych's ``omega.group``: each item belongs to the group factor it loads most on."""
    k = sm.shape[1]
    sub = np.argmax(np.abs(sm), axis=1)
    total = np.full(k + 1, np.nan)
    general = np.full(k + 1, np.nan)
    group = np.full(k + 1, np.nan)
    grs = 0.0
    for j in range(k):
        idx = np.flatnonzero(sub == j)
        if idx.size == 0:
            continue
        vgr = float(m[np.ix_(idx, idx)].sum())
        gr = float(sm[idx, j].sum())
        gg = float(g[idx].sum())
        grs += gr * gr
        group[j + 1] = gr * gr / vgr
        general[j + 1] = gg * gg / vgr
        total[j + 1] = (gr * gr + gg * gg) / vgr
    vt = float(m.sum())
    general[0] = float(g.sum()) ** 2 / vt
    group[0] = grs / vt
    total[0] = om_tot
    return pd.DataFrame({"total": total, "general": general, "group": group})


def omega(
    data: pd.DataFrame | np.ndarray,
    *,
    n_factors: int = 3,
    rotation: str = "oblimin",
    missing: str = "pairwise",
    n_obs: int | None = None,
    method: str = "minres",
) -> OmegaResult:
    """McDonald's omega total and hierarchical from a Schmid-Leiman solution, as
    ``psych::omega``.

    The correlation matrix (``cor(x, use="pairwise")``) is factored by minres into
    ``n_factors`` factors, rotated by varimax then obliquely (GPArotation's ``oblimin`` by
    default), and the factor correlations are themselves factored into one general factor
    ``g`` (with two group factors both load ``sqrt(phi_12)`` on ``g``, psych's
    ``option="equal"``). The Schmid-Leiman transformation gives each item a loading on
    ``g`` and on its residualised group factor. Items loading negatively on ``g`` are
    reversed (psych's ``flip = TRUE``). With ``V`` the sum of the keyed correlation
    matrix and ``u2`` the uniquenesses::

        omega_total        = (V - sum u2) / V
        omega_hierarchical = (sum g)^2 / V
        omega_limit        = (sum g)^2 / (V - sum u2)

    Parameters
    ----------
    data : DataFrame, array, Moments, Parquet path(s) or Dask DataFrame
        Items, or a correlation matrix (with ``n_obs`` if known), or moments of one group
        (or a source read into them): the same result to 1e-8.
    n_factors : int
        Number of group factors (psych's default is 3). With 1 only omega total is
        meaningful; with 2 the general factor is identified only by psych's equality
        constraint.
    rotation : {"oblimin", "promax", "Promax", "geominQ", "bentlerQ", "simplimax", \
"biquartimin", "cluster"}
        Oblique rotation of the group factors (psych's ``rotate``, spelled as psych; see
        :func:`psychometrics.efa` for what each does). ``promax`` is Kaiser-normalised,
        ``Promax`` is not.
    missing : {"pairwise", "listwise"}
        How raw data with missing values are correlated.
    n_obs : int, optional
        Sample size of a matrix (informational; omega does not depend on it).
    method : {"minres", "pa", "ml", "wls", "gls"}
        Factor extraction (psych's ``fm``; those ``psych::schmid`` accepts).

    Returns
    -------
    OmegaResult

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    Zinbarg, R. E., Revelle, W., Yovel, I. & Li, W. (2005). Cronbach's alpha, Revelle's
    beta, and McDonald's omega_h. Psychometrika, 70, 123-133.
    Schmid, J. & Leiman, J. M. (1957). The development of hierarchical factor solutions.
    Psychometrika, 22, 53-61.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(3)
    >>> n = 1000
    >>> g = rng.standard_normal((n, 1))
    >>> s = rng.standard_normal((n, 3))
    >>> x = pd.DataFrame(0.6 * g + 0.5 * np.repeat(s, 3, axis=1)
    ...                  + 0.6 * rng.standard_normal((n, 9)),
    ...                  columns=[f"i{j}" for j in range(1, 10)])
    >>> res = pm.omega(x, n_factors=3)
    >>> round(res.omega_total, 2), round(res.omega_hierarchical, 2)
    (0.92, 0.74)
    """
    name = check_rotation(rotation)
    if name not in _ROTATIONS:
        raise ValueError(f"omega's rotation must be one of psych::schmid's oblique rotations "
                         f"{', '.join(_ROTATIONS)}; got {rotation!r}")
    if method not in _METHODS:
        raise ValueError(f"omega's method must be one of {', '.join(_METHODS)} (those "
                         f"psych::schmid accepts); got {method!r}")
    ci = prepare_correlation(data, n_obs=n_obs, missing=missing, min_items=3, what="omega")
    k = _check_factors(n_factors, method, ci.n_items, most=ci.n_items - 1)
    warn_few_respondents(ci.n_obs, ci.n_items, "omega")
    notes: list[str] = []
    if k == 2:
        notes.append("with two group factors the general factor is not identified; as in "
                     "psych (option='equal') both group factors load equally on g")
    with small_matrix_blas():
        return _omega_from_input(ci, k, method, rotation, notes)


def ordinal_omega(data: pd.DataFrame, **kwargs: Any) -> OmegaResult:
    """Omega on polychoric correlations (psych's ``omega(x, poly = TRUE)``).

    The polychoric correlation matrix of the items (:func:`psychometrics.polychoric`) is
    passed to :func:`omega` with ``n_obs`` the number of rows; keyword arguments are those
    of :func:`omega` (``n_factors``, ``rotation``, ``method``).

    Parameters
    ----------
    data : DataFrame
        Ordinal items (integer categories; NaN for missing).
    **kwargs
        Passed to :func:`omega`.

    Returns
    -------
    OmegaResult

    References
    ----------
    Gadermann, A. M., Guhn, M. & Zumbo, B. D. (2012). Estimating ordinal reliability for
    Likert-type and ordinal item response data. PARE, 17(3).
    """
    from psychometrics.correlation import polychoric

    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(np.asarray(data))
    for bad in ("n_obs", "missing"):
        if bad in kwargs:
            raise TypeError(f"ordinal_omega takes no {bad!r}: it uses the data's rows")
    # polychoric names rho by the items it kept (a constant item is dropped with a warning).
    return omega(polychoric(data).rho, n_obs=len(data), **kwargs)
