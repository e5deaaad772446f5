"""Sample statistics of a CFA/SEM from :class:`~psychometrics.Moments` instead of rows.

The estimators read only per-group sample statistics
(:class:`~psychometrics.structural.samplestats.Sample`): under listwise deletion the
complete rows' mean and covariance (divisor N), under FIML the count, mean and covariance
of each missing-data pattern, and for MLM/MLMV/MLR the ADF Gamma of the complete rows. A
Moments holds all three (``patterns=True``, ``fourth=True``), so a model fitted to
moments, to Parquet files or to a Dask DataFrame (read into moments here, with the model's
items and ``by=group``) is the model fitted to the rows, to the optimiser's tolerance.

Gamma from the central sums of orders 2-4 of the complete rows (about their mean, as
collected by :func:`psychometrics.moments`): with ``y = x - xbar`` and ``z = (x, vech
(x - mu)(x - mu)')``,

.. math::

    \\Gamma = \\frac1N \\sum_r (z_r - c)(z_r - c)'

is ``[[S2, S3], [S3', S4 - s s']] / N`` about the sample moments and, about the model's
``(mu, Sigma)``, the same sums shifted to ``d = xbar - mu`` (Pébay 2008).
With fixed covariates (fixed.x, MLM/MLMV) lavaan's Gamma is that of ``z`` minus its
regression fit on the covariates, a linear map of the same ``z``
(:func:`gamma_fixed_x_from_fourth`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from psychometrics.structural.errors import DataError, ModelError
from psychometrics.structural.matrices import moment_index
from psychometrics.structural.samplestats import (
    PatternStack,
    Sample,
    check_cov,
    check_variances,
    saturated_model,
)

__all__ = ["gamma_fixed_x_from_fourth", "gamma_from_fourth", "is_moments", "moment_groups",
           "moments_input", "read_model_moments", "sample_from_moments"]

MISSING_GROUP = "(missing)"


def moments_input(data: Any) -> bool:
    """True for a Moments or a source that is read into moments (not a DataFrame)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame | np.ndarray):
        return False
    from psychometrics.sufficient_statistics import Moments, _is_arrow, _is_dask

    if isinstance(data, Moments) or _is_dask(data) or _is_arrow(data):
        return True
    from pathlib import Path

    return isinstance(data, str | Path) or (isinstance(data, list | tuple) and bool(data) and all(
        isinstance(p, str | Path) for p in data))


def is_moments(data: Any) -> bool:
    from psychometrics.sufficient_statistics import Moments

    return isinstance(data, Moments)


def read_model_moments(data: Any, spec: Any, *, group: str | None, missing: str,
                       estimator: str, columns: Mapping[str, str] | None,
                       n_obs: int | None, progress: Any = None) -> Any:
    """The moments of the model's items (named as the model names them), per group: a
    Moments is checked and restricted to them, any other source is read with them
    (``progress`` as :func:`psychometrics.moments`)."""
    from psychometrics.structural.partable import build_table
    from psychometrics.sufficient_statistics import Moments, moments

    robust = estimator in ("MLM", "MLMV", "MLR")  # GLS/ULS read the covariance only
    if n_obs is not None:
        raise ModelError("n_obs is for a covariance matrix; moments know their counts")
    if robust and missing == "fiml":
        raise ModelError(f"estimator={estimator!r} with missing='fiml' needs the rows (the "
                         "case-wise scores of the incomplete rows); from moments use "
                         "missing='listwise' or estimator='ML'")
    _, ov, _ = build_table(spec, std_lv=False, meanstructure=False, n_groups=1)
    want = [columns.get(v, v) for v in ov] if columns else list(ov)
    if isinstance(data, Moments):
        m = data
        if group is not None and m.by != (group,):
            raise ModelError(f"group={group!r} needs moments read with by={group!r} (these "
                             f"have by={None if m.by is None else list(m.by)})")
        if group is None and m.by is not None:
            m = m.total()
        absent = [c for c in want if c not in m.items]
        if absent:
            raise DataError(f"items of the model not found in the moments: "
                            f"{', '.join(map(repr, absent))}")
        m = m.select(want)
    else:
        m = moments(data, want, by=group, patterns=missing == "fiml", fourth=robust,
                    progress=progress)
    if robust and any(st.fourth is None for st in m.groups.values()):
        raise DataError("the robust estimators need fourth-order moments: "
                        "pm.moments(..., fourth=True)")
    return replace(m, items=tuple(ov)) if columns else m


def moment_groups(m: Any, group: str | None, warn: Callable[[str], None]
                  ) -> tuple[list[str], list[Any]]:
    """Group labels and each group's moments, as ``_split_groups`` gives rows: in order of
    first appearance, rows without a group left out with a warning."""
    if group is None:
        return [""], [m]
    labels = [g for g in m.labels_seen if g != MISSING_GROUP]
    if MISSING_GROUP in m.labels:
        n_missing = m.groups[MISSING_GROUP].n_rows
        warn(f"{n_missing} rows have no value in the group column {group!r} and are left out")
    if not labels:
        raise DataError(f"the group column {group!r} has no values")
    if len(labels) < 2:
        warn(f"the group column {group!r} has one value ({labels[0]!r}): a one-group model")
    return [_label(str(g)) for g in labels], [m.group(g) for g in labels]


def _label(text: str) -> str:
    """A group label as the engine prints it: a whole float as an integer (as R)."""
    if text.endswith(".0"):
        try:
            return str(int(float(text)))
        except ValueError:
            return text
    return text


def sample_from_moments(m: Any, ov: list[str], missing: str,
                        warn: Callable[[str], None]) -> Sample:
    """One group's :class:`~psychometrics.structural.samplestats.Sample` from its moments
    (the fourth-order moments ride along for the robust estimators)."""
    st = next(iter(m.groups.values()))
    p = len(ov)
    if missing == "listwise":
        n = int(st.n_complete)
        if n < 0:
            raise DataError("the listwise moments of the model's items are unknown: read "
                            "them with pm.moments(data, items) or collect patterns=True")
        if n <= p:
            raise DataError(
                f"{n} complete rows for the {p} items of the model: the sample covariance "
                "matrix is singular (a CFA needs more respondents than items"
                + ("; missing='fiml' uses the incomplete rows too)" if n < st.n_rows else ")"))
        S = st.comoment_complete / n
        S = (S + S.T) / 2.0
        check_cov(S, ov, "the sample covariance matrix")
        return Sample(ov, n, int(st.n_rows), S, st.mean_complete.copy(), fourth=st.fourth)

    if st.patterns is None:
        raise DataError("missing='fiml' from moments needs the missing-data patterns: "
                        "pm.moments(..., patterns=True)")
    pats = [pt for pt in m.patterns() if pt[0].any()]
    n_empty = st.n_rows - sum(pt[1] for pt in pats)
    if n_empty:
        warn(f"{n_empty} rows have no observed item and are ignored")
    n = st.n_rows - n_empty
    if n <= p:
        raise DataError(f"{n} rows with an answer for the {p} items of the model: a CFA "
                        "needs more respondents than items")
    counts = np.diag(st.count)
    few = [ov[i] for i in np.flatnonzero(counts < 2)]
    if few:
        raise DataError(f"items with fewer than two observed values: "
                        f"{', '.join(map(repr, few))}")
    stacks = _pattern_stacks(pats, p)
    mean0 = np.diag(st.mean).copy()
    var0 = np.diag(st.sqdev) / counts
    check_variances(var0, ov)
    mu, sigma, loglik, iters = saturated_model(stacks, mean0, var0, n, ov, warn)
    return Sample(ov, n, int(st.n_rows), sigma, mu, stacks, loglik, iters)


def _pattern_stacks(pats: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]], p: int
                    ) -> list[PatternStack]:
    """The patterns stacked by their number of observed items (as
    :func:`~psychometrics.structural.samplestats.pattern_stacks` stacks the rows'
    patterns), most observed first."""
    by_k: dict[int, list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]] = {}
    for pt in pats:
        by_k.setdefault(int(pt[0].sum()), []).append(pt)
    out = []
    for k in sorted(by_k, reverse=True):
        group = sorted(by_k[k], key=lambda pt: np.packbits(pt[0]).tobytes())
        obs = np.array([np.flatnonzero(pt[0]) for pt in group]).reshape(len(group), k)
        mis = np.array([np.flatnonzero(~pt[0]) for pt in group]).reshape(len(group), p - k)
        n = np.array([float(pt[1]) for pt in group])
        mean = np.array([pt[2][o] for pt, o in zip(group, obs, strict=True)]).reshape(-1, k)
        S = np.array([pt[3][np.ix_(o, o)] / pt[1] for pt, o in zip(group, obs, strict=True)]
                     ).reshape(-1, k, k)
        out.append(PatternStack(obs, mis, n, mean, (S + np.swapaxes(S, 1, 2)) / 2))
    return out


def gamma_from_fourth(f: dict[str, Any], mu: np.ndarray | None, sigma: np.ndarray | None,
                      meanstructure: bool) -> np.ndarray:
    """:func:`~psychometrics.structural.robust.gamma` from the central sums of orders 2-4
    of the complete rows: the sample Gamma (``sigma`` None) or Gamma about the model's
    ``(mu, Sigma)``."""
    from psychometrics.sufficient_statistics import _shift_fourth

    n = float(f["n"])
    k = f["mean"].size
    i, j = moment_index(k)
    if sigma is None:
        s2, s3, s4 = f["c2"], f["c3"], f["c4"]
        zbar = s2[i, j] / n
        G4 = s4 / n - np.outer(zbar, zbar)
        if not meanstructure:
            return G4
        G3 = s3[:, i, j] / n
        return np.block([[s2 / n, G3], [G3.T, G4]])
    assert mu is not None
    d = f["mean"] - mu
    sh = _shift_fourth(f, n, d)
    s2, s3, s4 = sh["c2"], sh["c3"], sh["c4"]
    sv, s2v = sigma[i, j], s2[i, j]
    G4 = (s4 - np.outer(s2v, sv) - np.outer(sv, s2v) + n * np.outer(sv, sv)) / n
    if not meanstructure:
        return G4
    G3 = (s3[:, i, j] - n * np.outer(d, sv)) / n
    return np.block([[s2 / n, G3], [G3.T, G4]])


def gamma_fixed_x_from_fourth(f: dict[str, Any], x_idx: tuple[int, ...],
                              meanstructure: bool) -> np.ndarray:
    r""":func:`~psychometrics.structural.robust.gamma_fixed_x` (lavaan's sample Gamma with
    ``fixed.x = TRUE``, for MLM/MLMV) from the central sums of orders 2-4 of the complete
    rows.

    lavaan replaces each row's non-covariates by their least-squares fit on the covariates,
    :math:`\hat y = A y` about the means (:math:`A` the identity on the covariates and the
    regression slopes :math:`S_{yx} S_{xx}^{-1}` from the covariates to the others, zero
    elsewhere), and takes the covariance of :math:`z = ((I - A) y, \mathrm{vech}(y y') -
    \mathrm{vech}(A y y' A'))`. That is linear in :math:`w = (y, \mathrm{vech}(y y'))`:
    :math:`z = T w`, so :math:`\Gamma = T\, \mathrm{Cov}(w)\, T'` with
    :math:`\mathrm{Cov}(w)` the sample Gamma of :func:`gamma_from_fourth`.
    """
    n = float(f["n"])
    p = f["mean"].size
    x = list(x_idx)
    y = [k for k in range(p) if k not in x_idx]
    S = f["c2"] / n
    A = np.zeros((p, p))
    A[x, x] = 1.0
    if y:
        A[np.ix_(y, x)] = np.linalg.solve(S[np.ix_(x, x)], S[np.ix_(x, y)]).T
    i, j = moment_index(p)
    # vech(A y y' A')_(ij) = sum_kl A_ik A_jl y_k y_l, each vech entry (k, l), k != l, twice
    L = np.eye(i.size) - (A[i][:, i] * A[j][:, j]
                          + A[i][:, j] * A[j][:, i] * (i != j)[None, :])
    G = gamma_from_fourth(f, None, None, meanstructure)
    if not meanstructure:
        return L @ G @ L.T
    T = np.zeros((p + i.size, p + i.size))
    T[:p, :p] = np.eye(p) - A
    T[p:, p:] = L
    return T @ G @ T.T
