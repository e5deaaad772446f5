"""Ordinal alpha: Cronbach's alpha on polychoric correlations (Zumbo, Gadermann & Zeisser 2007)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.coefficients._alpha import (
    _advise_reversal,
    _alpha_if_deleted,
    _alpha_total,
    _item_matrix,
    _item_total_r,
    _keyed_names,
    _parse_keys,
)
from psychometrics.correlation import polychoric
from psychometrics.factor._matrix import matrix_kind
from psychometrics.factor._matrix import smc as psych_smc
from psychometrics.results import ResultMixin, format_number

__all__ = ["OrdinalAlphaResult", "ordinal_alpha"]


@dataclass(frozen=True)
class _GivenMatrix:
    """A polychoric matrix passed in, standing in for :class:`PolychoricResult`."""

    rho: pd.DataFrame
    n: int


@dataclass(frozen=True)
class OrdinalAlphaResult(ResultMixin):
    """Alpha of the polychoric correlation matrix; see :func:`ordinal_alpha`."""

    alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    signal_noise: float
    n: int
    n_items: int
    alpha_if_deleted: pd.DataFrame
    item_stats: pd.DataFrame
    rho: pd.DataFrame

    _title = "Ordinal alpha (alpha on polychoric correlations)"

    def summary(self, digits: int = 3) -> str:
        f = lambda v: format_number(v, digits)  # noqa: E731
        return "\n".join([
            self._title, "=" * len(self._title),
            f"ordinal alpha {f(self.alpha)}  G6(smc) {f(self.g6)}  average_r "
            f"{f(self.average_r)}  S/N {f(self.signal_noise)}  median_r {f(self.median_r)}",
            f"{self.n_items} items, n = {self.n} respondents (rows)",
            "", "Reliability if an item is dropped:",
            self.alpha_if_deleted.round(digits).to_string(),
            "", "Item statistics:", self.item_stats.round(digits).to_string(),
        ])


def ordinal_alpha(
    data: pd.DataFrame | np.ndarray,
    *,
    keys: Sequence[int] | Sequence[str] | str | None = None,
    n_obs: int | None = None,
    **polychoric_options: Any,
) -> OrdinalAlphaResult:
    r"""Ordinal alpha: the standardised alpha of the polychoric correlation matrix.

    .. math:: \alpha_{ord} = \frac{k}{k-1}\Bigl(1 - \frac{k}{\mathbf 1' \rho\, \mathbf 1}\Bigr)

    with :math:`\rho` the polychoric correlations (:func:`psychometrics.polychoric`). This
    is psych's ``alpha(polychoric(x)$rho)``: its total, alpha-if-deleted and item statistics
    from a correlation matrix (so raw and standardised alpha coincide, and there is no
    standard error, mean or sd).

    Parameters
    ----------
    data
        Respondents x items with integer categories (missing as NaN), or a polychoric
        correlation matrix already computed (recognised by
        :func:`psychometrics.factor._matrix.matrix_kind`), with ``n_obs``.
    keys
        Items to reverse (names or one +1/-1 per item): their polychoric correlations change
        sign, as ``psych::alpha(rho, keys = ...)``; labelled ``name-``.
    **polychoric_options
        Passed to :func:`psychometrics.polychoric` (``correct``, ``smooth``,
        ``global_thresholds``, ``max_categories``).
    n_obs
        Number of respondents behind a polychoric matrix given as ``data``.

    Returns
    -------
    OrdinalAlphaResult
        ``alpha``, ``g6``, ``average_r``, ``median_r``, ``var_r``, ``signal_noise``, ``n``
        (rows), ``n_items``; tables ``alpha_if_deleted`` (alpha, g6, average_r,
        signal_noise, var_r, med_r) and ``item_stats`` (r: item-total correlation, r_cor,
        r_drop), and the keyed ``rho``.

    References
    ----------
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients
    alpha and theta for Likert rating scales. *Journal of Modern Applied Statistical
    Methods*, 6, 21-29.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(11)
    >>> z = rng.normal(size=(2000, 1)) + rng.normal(size=(2000, 4))
    >>> items = pd.DataFrame(np.digitize(z, [-1.5, -0.5, 0.5, 1.5]) + 1,
    ...                      columns=["i1", "i2", "i3", "i4"])
    >>> res = pm.ordinal_alpha(items)
    >>> res.alpha > pm.alpha(items).std_alpha
    True
    """
    if matrix_kind(data, n_obs) == "correlation":
        rho = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
        rho = pd.DataFrame(rho.to_numpy(dtype=float), index=[str(c) for c in rho.columns],
                           columns=[str(c) for c in rho.columns])
        if n_obs is None:
            raise ValueError("ordinal_alpha on a polychoric matrix needs n_obs, the number "
                             "of respondents behind it")
        poly = _GivenMatrix(rho, int(n_obs))
        names = list(rho.columns)
    else:
        _, names = _item_matrix(data)
        poly = polychoric(data, **polychoric_options)
    names_kept = list(poly.rho.index)
    if keys is not None:
        signs_all = _parse_keys(keys, names)
        signs = np.array([signs_all[names.index(n)] for n in names_kept])
    else:
        signs = np.ones(len(names_kept))
        _advise_reversal(poly.rho.to_numpy(), names_kept, "ordinal_alpha", stacklevel=2)
    R = poly.rho.to_numpy() * np.outer(signs, signs)
    k = R.shape[0]
    smc = psych_smc(R)
    tot = _alpha_total(R, R, smc)
    drop = _alpha_if_deleted(R, R, poly.n)
    labels = _keyed_names(names_kept, signs)
    r, r_cor, r_drop = _item_total_r(R, R, smc)
    item_stats = pd.DataFrame({"r": r, "r_cor": r_cor, "r_drop": r_drop}, index=labels)
    alpha_drop = pd.DataFrame({
        "alpha": drop["std_alpha"], "g6": drop["g6"], "average_r": drop["average_r"],
        "signal_noise": drop["signal_noise"], "var_r": drop["var_r"], "med_r": drop["med_r"],
    }, index=labels)
    return OrdinalAlphaResult(
        alpha=float(tot["std"]), g6=float(tot["g6"]), average_r=float(tot["av_r"]),
        median_r=float(tot["med_r"]), var_r=float(tot["var_r"]), signal_noise=float(tot["sn"]),
        n=poly.n, n_items=k, alpha_if_deleted=alpha_drop, item_stats=item_stats,
        rho=pd.DataFrame(R, index=labels, columns=labels),
    )
