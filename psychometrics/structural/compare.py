"""Comparing nested models: lavaan's ``lavTestLRT`` (the chi-square difference test)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from psychometrics.errors import NumericalWarning
from psychometrics.structural.fit import rmsea
from psychometrics.structural.result import CFAResult

__all__ = ["lrt"]


def lrt(*fits: CFAResult, names: Sequence[str] | None = None) -> pd.DataFrame:
    """Likelihood-ratio (chi-square difference) tests of nested models (``lavTestLRT``).

    Parameters
    ----------
    *fits : CFAResult
        Two or more models fitted to the same data (e.g. the configural, metric and scalar
        models of an invariance ladder). They are ordered by their degrees of freedom, as
        lavaan orders them; each is tested against the one before it.
    names : list of str, optional
        The models' names in the order given (default ``model1``, ``model2``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per model (index: its name): ``df``, ``aic``, ``bic``, ``chisq``,
        ``chisq_diff``, ``rmsea`` (of the difference), ``df_diff`` and ``pvalue``; the
        first row has no difference (NaN).

    Raises
    ------
    ValueError
        Fewer than two models, models fitted to different numbers of observations or
        groups, or some with and some without a mean structure.

    Warns
    -----
    NumericalWarning
        A more restricted model fits better than a less restricted one (the models are not
        nested, or the less restricted one missed the optimum); a negative scaling factor
        of a scaled difference (naming the two models).

    Notes
    -----
    ``chisq_diff = chisq_1 - chisq_0`` on ``df_diff = df_1 - df_0`` degrees of freedom;
    ``rmsea = sqrt(max(chisq_diff / (N df_diff) - 1 / N, 0)) sqrt(G)`` with G groups
    (lavaan 0.6.14). With a robust estimator (MLM, MLR) the difference is scaled as
    Satorra & Bentler (2001): ``chisq_diff = (T_1 - T_0) / c_d`` with
    ``c_d = (df_1 c_1 - df_0 c_0) / (df_1 - df_0)`` from the models' scaling factors; the
    ``chisq`` column stays the unscaled statistic and ``rmsea`` is NaN, as in lavaan. A
    negative ``c_d`` gives NaN and a warning.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. *Psychometrika, 66*(4), 507-514.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software, 48*(2), 1-36.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from psychometrics import cfa
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(400, 1))
    >>> x = f @ np.full((1, 4), 0.7) + rng.normal(scale=0.7, size=(400, 4))
    >>> data = pd.DataFrame(x, columns=list("abcd")).assign(g=np.repeat(["u", "v"], 200))
    >>> m0 = cfa(data, "f =~ a + b + c + d", group="g")
    >>> m1 = cfa(data, "f =~ a + b + c + d", group="g", group_equal=["loadings"])
    >>> table = lrt(m0, m1, names=["configural", "metric"])
    >>> table[["df", "chisq", "chisq_diff", "df_diff"]].round(3)
                 df  chisq  chisq_diff  df_diff
    model
    configural  4.0  5.966         NaN      NaN
    metric      7.0  6.916        0.95      3.0
    """
    if len(fits) < 2:
        raise ValueError("lrt needs at least two fitted models")
    for k, fit in enumerate(fits):
        if not isinstance(fit, CFAResult):
            raise TypeError(f"model {k + 1} is a {type(fit).__name__}, not a fitted model "
                            "(CFAResult)")
    if names is None:
        labels = [f"model{k + 1}" for k in range(len(fits))]
    else:
        labels = [str(n) for n in names]
        if len(labels) != len(fits):
            raise ValueError(f"names gives {len(labels)} names for {len(fits)} models")
    n = {int(f.fit["n"]) for f in fits}
    if len(n) > 1:
        raise ValueError(f"the models are fitted to different numbers of observations "
                         f"({', '.join(map(str, sorted(n)))}); they cannot be compared")
    if len({f.groups for f in fits}) > 1:
        raise ValueError("the models are fitted to different groups; they cannot be compared")
    if len({f.implied_mean is None for f in fits}) > 1:
        raise ValueError("some models (but not all) have a mean structure")
    order = sorted(range(len(fits)), key=lambda k: float(fits[k].fit["df"]))  # stable
    ordered = [fits[k] for k in order]
    N = n.pop()
    G = max(1, len(ordered[0].groups))
    df = np.array([f.fit["df"] for f in ordered], dtype=float)
    chisq = np.array([f.fit["chisq"] for f in ordered], dtype=float)
    d_chisq = np.concatenate([[math.nan], np.diff(chisq)])
    d_df = np.concatenate([[math.nan], np.diff(df)])
    if np.any(d_chisq[1:] < -np.finfo(float).eps ** (1.0 / 3.0)):
        warnings.warn(
            "some restricted models fit better than less restricted models; either these "
            "models are not nested, or the less restricted model failed to reach a global "
            f"optimum (smallest difference {np.nanmin(d_chisq[1:]):.6g})",
            NumericalWarning, stacklevel=2)
    if any(getattr(f, "wls", None) is not None for f in ordered):  # ordered items
        from psychometrics.structural.ordinal_cfa import ordinal_lrt

        return ordinal_lrt(ordered, [labels[k] for k in order])
    scaled = ["chisq_scaling_factor" in f.fit.index for f in ordered]
    if any(scaled) and not all(s or f.fit["df"] == 0 for s, f in zip(scaled, ordered,
                                                                       strict=True)):
        raise ValueError("some models (but not all) have scaled test statistics (a robust "
                         "estimator); fit them with the same estimator")
    if any(scaled):
        if any(f.estimator == "MLMV" for f in ordered):
            raise ValueError("the scaled difference test of scaled-and-shifted statistics "
                             "(MLMV; lavaan's Satorra 2000) is not implemented; use MLM or MLR")
        # Satorra & Bentler (2001): the difference's scaling factor from the two models'
        c = np.array([f.fit["chisq_scaling_factor"] if f.fit["df"] > 0 else 1.0
                      for f in ordered], dtype=float)
        for k in range(1, len(ordered)):
            m = d_df[k]
            if m == 0:
                continue
            cd = (df[k] * c[k] - df[k - 1] * c[k - 1]) / m
            if not cd >= 0:
                warnings.warn(
                    f"the scaling factor of the difference between {labels[order[k - 1]]!r} "
                    f"and {labels[order[k]]!r} is negative ({cd:.4g}); its scaled difference "
                    "is not available (NaN)", NumericalWarning, stacklevel=2)
                cd = math.nan
            d_chisq[k] = d_chisq[k] / cd
        rmsea_diff = np.full(len(ordered), math.nan)
    else:
        rmsea_diff = np.array([math.nan] + [
            rmsea(float(c), float(d), N, groups=G)
            for c, d in zip(d_chisq[1:], d_df[1:], strict=True)])
    with np.errstate(invalid="ignore"):
        pvalue = special.chdtrc(d_df, d_chisq)
    return pd.DataFrame({
        "df": df, "aic": [f.fit["aic"] for f in ordered], "bic": [f.fit["bic"] for f in ordered],
        "chisq": chisq, "chisq_diff": d_chisq, "rmsea": rmsea_diff, "df_diff": d_df,
        "pvalue": pvalue,
    }, index=pd.Index([labels[k] for k in order], name="model"))
