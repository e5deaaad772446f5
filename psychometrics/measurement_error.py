"""Standard error of measurement and the Jacobson-Truax reliable change index."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["reliable_change", "sem"]


def _check_reliability(reliability: Any) -> np.ndarray:
    r = np.asarray(reliability, dtype=float)
    if np.isnan(r).any():
        raise ValueError("reliability is missing (NaN)")
    if ((r < 0) | (r > 1)).any():
        raise ValueError(f"reliability must lie in [0, 1], got {reliability!r}")
    return r


def _check_sd(sd: Any) -> np.ndarray:
    s = np.asarray(sd, dtype=float)
    if np.isnan(s).any() or (s < 0).any() or np.isinf(s).any():
        raise ValueError(f"sd must be a finite number >= 0, got {sd!r}")
    return s


def sem(reliability: float | np.ndarray, sd: float | np.ndarray) -> float | np.ndarray:
    r"""Standard error of measurement, :math:`SEM = s \sqrt{1 - r_{xx}}`.

    Parameters
    ----------
    reliability
        Reliability of the score (e.g. alpha or test-retest r), in [0, 1]; scalar or array.
    sd
        Standard deviation of the observed scores (>= 0); scalar or array (broadcast).

    Returns
    -------
    float or numpy.ndarray
        A float for scalar input, otherwise an array of the broadcast shape.

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical theories of mental test scores*.
    Addison-Wesley.

    Examples
    --------
    >>> from psychometrics import sem
    >>> sem(0.91, 10.0)
    3.0
    >>> sem([0.75, 0.84], 8.0)
    array([4. , 3.2])
    """
    r = _check_reliability(reliability)
    s = _check_sd(sd)
    out = s * np.sqrt(1.0 - r)
    return float(out) if out.ndim == 0 else out


def reliable_change(
    pre: Any,
    post: Any,
    reliability: float,
    sd: float,
    *,
    ci: float = 0.95,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    r"""Jacobson & Truax (1991) reliable change index for each person.

    .. math::

        SE = s_1\sqrt{1 - r_{xx}},\qquad S_{diff} = \sqrt{2\,SE^2} = \sqrt 2\, SE,\qquad
        RC = \frac{x_2 - x_1}{S_{diff}}

    A change is reliable when :math:`|RC|` exceeds the two-sided normal critical value
    (1.96 for ``ci=0.95``).

    Parameters
    ----------
    pre, post
        Scores before and after (Series, arrays or lists of the same length). When both are
        Series they must share the same index; the result keeps the input's index and
        order, one row per person.
    reliability
        Reliability of the measure (Jacobson & Truax use the test-retest reliability).
    sd
        Standard deviation of the pre-treatment (or normative) scores, :math:`s_1`.
    ci
        Confidence level defining the critical value.
    higher_is_better
        Whether a rise is an improvement (``False`` for symptom scales, where a fall is).

    Returns
    -------
    pandas.DataFrame
        Columns ``pre``, ``post``, ``change`` (post - pre), ``rci``, ``classification``
        ("improved", "deteriorated", "no reliable change", or "missing pre" / "missing post"
        / "missing pre and post" with NaN change and rci) and ``critical_value``. The
        constants are also in ``.attrs``: ``sem``, ``s_diff``, ``critical_value``, ``ci``.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to
    defining meaningful change in psychotherapy research. *Journal of Consulting and
    Clinical Psychology*, 59, 12-19.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import reliable_change
    >>> pre = pd.Series([30.0, 25.0, 28.0, None], index=["ann", "bob", "cy", "dee"])
    >>> post = pd.Series([18.0, 24.0, 36.0, 20.0], index=pre.index)
    >>> out = reliable_change(pre, post, reliability=0.88, sd=7.5, higher_is_better=False)
    >>> out[["change", "classification"]]
         change        classification
    ann   -12.0              improved
    bob    -1.0    no reliable change
    cy      8.0          deteriorated
    dee     NaN           missing pre
    >>> round(out.attrs["s_diff"], 3)
    3.674
    """
    from scipy.special import ndtri

    if not 0 < ci < 1:
        raise ValueError(f"ci is a confidence level in (0, 1), got {ci!r}")
    r = _check_reliability(reliability)
    s = _check_sd(sd)
    if r.ndim or s.ndim:
        raise ValueError("reliability and sd are single numbers for the whole sample")
    if float(s) == 0:
        raise ValueError("sd must be > 0 for the reliable change index")
    if float(r) == 1:
        raise ValueError("reliability 1 gives a zero standard error of the difference, so "
                         "every change would be reliable; use the measure's real reliability")

    index = None
    for x in (pre, post):
        if isinstance(x, pd.Series | pd.Index):
            if index is None:
                index = x.index if isinstance(x, pd.Series) else pd.RangeIndex(len(x))
            elif isinstance(x, pd.Series) and not x.index.equals(index):
                raise ValueError("pre and post have different indexes; align them first "
                                 "(rows are never reordered or dropped here)")
    x1 = pd.to_numeric(pd.Series(np.asarray(pre, dtype=object)), errors="raise").to_numpy(float)
    x2 = pd.to_numeric(pd.Series(np.asarray(post, dtype=object)), errors="raise").to_numpy(float)
    if x1.ndim != 1 or x2.ndim != 1 or x1.shape != x2.shape:
        raise ValueError(f"pre and post must be 1-D of the same length, got {x1.shape} and "
                         f"{x2.shape}")
    if index is None:
        index = pd.RangeIndex(x1.size)

    se = float(sem(r, s))
    s_diff = math.sqrt(2.0 * se * se)
    z = float(ndtri(1 - (1 - ci) / 2))
    change = x2 - x1
    rci = change / s_diff
    up = "improved" if higher_is_better else "deteriorated"
    down = "deteriorated" if higher_is_better else "improved"
    label = np.where(rci > z, up, np.where(rci < -z, down, "no reliable change")).astype(object)
    miss1, miss2 = np.isnan(x1), np.isnan(x2)
    label[miss1 & ~miss2] = "missing pre"
    label[miss2 & ~miss1] = "missing post"
    label[miss1 & miss2] = "missing pre and post"
    out = pd.DataFrame({"pre": x1, "post": x2, "change": change, "rci": rci,
                        "classification": label, "critical_value": z}, index=index)
    out.attrs.update({"sem": se, "s_diff": s_diff, "critical_value": z, "ci": ci,
                      "reliability": float(r), "sd": float(s)})
    return out
