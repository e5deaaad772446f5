"""Split-half reliabilities and Guttman's lambda 2 and 6 as ``psych::splitHalf`` (psych 2.2.9)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from psychometrics.coefficients._alpha import (
    ConfidenceInterval,
    _alpha_total,
    _first_component_loadings,
    _item_matrix,
    _keyed_names,
    _moments,
    _parse_keys,
)
from psychometrics.errors import NumericalWarning
from psychometrics.factor._matrix import cov2cor, matrix_kind, smc, warn_few_respondents
from psychometrics.progress import ProgressCallback, resolve_progress
from psychometrics.results import ResultMixin, format_number

__all__ = ["SplitHalfResult", "split_half"]

_BLOCK = 1 << 15  # splits evaluated per matrix product


@dataclass(frozen=True)
class SplitHalfResult(ResultMixin):
    """Split-half reliabilities; see :func:`split_half`."""

    max_split: float
    mean_split: float
    min_split: float
    median_split: float
    alpha: float
    lambda2: float
    lambda6: float
    average_r: float
    median_r: float
    n_items: int
    n: int | None
    n_splits: int
    enumerated: bool
    ci: ConfidenceInterval
    max_halves: tuple[tuple[str, ...], tuple[str, ...]]
    min_halves: tuple[tuple[str, ...], tuple[str, ...]]
    psych_version: str = "2.3"
    matrix_input: str | None = None

    _title = "Split-half reliabilities"

    def summary(self, digits: int = 3) -> str:
        f = lambda v: format_number(v, digits)  # noqa: E731
        how = "all" if self.enumerated else "a random sample of"
        return "\n".join([
            self._title, "=" * len(self._title),
            f"Maximum split half reliability (lambda 4) = {f(self.max_split)}",
            f"Guttman lambda 6                          = {f(self.lambda6)}",
            f"Average split half reliability            = {f(self.mean_split)}",
            f"Guttman lambda 3 (alpha)                  = {f(self.alpha)}",
            f"Guttman lambda 2                          = {f(self.lambda2)}",
            f"Minimum split half reliability (beta)     = {f(self.min_split)}",
            f"Average interitem r = {f(self.average_r)} with median = {f(self.median_r)}",
            f"{self.ci.level:.0%} of split halves between {f(self.ci.lower)} and "
            f"{f(self.ci.upper)} (median {f(self.median_split)})",
            f"{self.n_items} items, "
            + ("n unknown" if self.n is None else f"{self.n} respondents")
            + (f" (from a {self.matrix_input} matrix)" if self.matrix_input else "")
            + f"; {how} {self.n_splits} splits"
            + (" (psych 2.2.9's half of the odd-k splits)"
               if self.psych_version == "2.2.9" and self.n_items % 2 else ""),
            f"Best split:  {' '.join(self.max_halves[0])}  |  {' '.join(self.max_halves[1])}",
            f"Worst split: {' '.join(self.min_halves[0])}  |  {' '.join(self.min_halves[1])}",
        ])


def _enumerated(k: int, half: int, count: int) -> Iterator[np.ndarray]:
    """The first ``count`` half-sets in R's lexicographic combination order, in blocks."""
    combos = itertools.combinations(range(k), half)
    left = count
    while left > 0:
        block = list(itertools.islice(combos, min(_BLOCK, left)))
        if not block:
            return
        left -= len(block)
        yield np.array(block, dtype=np.intp)


def _sampled(k: int, half: int, n: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``n`` random half-sets (psych: ``sample(n, n2)`` per split)."""
    left = n
    while left > 0:
        b = min(_BLOCK, left)
        left -= b
        yield np.argsort(rng.random((b, k)), axis=1)[:, :half]


def split_half(
    data: pd.DataFrame | np.ndarray,
    *,
    keys: Sequence[int] | Sequence[str] | str | None = None,
    check_keys: bool = True,
    n_sample: int = 10000,
    brute: bool = False,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = None,
    progress: bool | ProgressCallback | None = None,
    n_obs: int | None = None,
    psych_version: str = "2.3",
) -> SplitHalfResult:
    r"""Split-half reliabilities over many splits, lambda 2 and lambda 6 (psych::splitHalf).

    For a split of the items into halves A and B (``k // 2`` items in A), the split-half
    reliability is Guttman's lambda 4 for that split (Flanagan-Rulon),

    .. math:: r_{AB} = \frac{4\, \mathbf a' R\, \mathbf b}{\mathbf 1' R \mathbf 1},

    on the correlation matrix R = cov2cor(pairwise covariance). Also reported:
    :math:`\alpha = \frac{k}{k-1}\frac{\sum_{i\ne j} r_{ij}}{\mathbf 1'R\mathbf 1}`,
    :math:`\lambda_2 = (\sum_{i\ne j} r_{ij} + \sqrt{\tfrac{k}{k-1}\sum_{i\ne j} r_{ij}^2})
    / \mathbf 1'R\mathbf 1` and :math:`\lambda_6 = (\sum_{i\ne j} r_{ij} + \sum_j
    \mathrm{smc}_j) / \mathbf 1'R\mathbf 1` (= alpha's G6(smc); psych's deprecated
    ``guttman()`` computes lambda 6 differently).

    Parameters
    ----------
    data
        Respondents x items; missing values as NaN (pairwise covariances, as psych); a
        :class:`~psychometrics.Moments` of one group or a source read into moments
        (Parquet, Arrow batches, Dask) gives the same result to 1e-10. Or a
        correlation or covariance matrix (a square symmetric DataFrame with the items on
        both axes, see :func:`psychometrics.factor._matrix.matrix_kind`), as
        ``psych::splitHalf(r)``.
    keys
        Items to reverse (names, or one +1/-1 per item). Without keys and with
        ``check_keys=True`` (psych's default), items loading negatively on the first
        principal component are reversed, with a warning naming them.
    n_sample
        psych enumerates the splits when there are at most ``n_sample`` of them, otherwise
        draws ``n_sample`` random splits (seeded by ``seed``; R's random numbers cannot be
        reproduced, so sampled results match psych only in distribution).
    brute
        Enumerate all splits whatever their number.
    ci
        Level of the central interval of the split values (psych's ``ci = 0.05``).
    progress
        ``progress(done, total)`` callback for long enumerations.
    n_obs
        Number of respondents behind a matrix (reported only).
    psych_version
        ``"2.3"`` (default; psych 2.3 and later): every split is evaluated, for odd ``k``
        all ``choose(k, k // 2)`` of them. ``"2.2.9"``: psych 2.2.9's enumeration, which for
        odd ``k`` evaluates only the first half of that list (see Notes), to reproduce
        results published with it.

    Returns
    -------
    SplitHalfResult
        ``max_split`` (psych's maxrb, lambda 4), ``mean_split``, ``min_split`` (beta),
        ``median_split`` and ``ci`` (quantiles of the split values, R type 7), ``alpha``,
        ``lambda2``, ``lambda6``, ``average_r``, ``median_r``, ``n_splits`` evaluated,
        ``enumerated``, and the halves giving the maximum and minimum (reversed items
        marked ``name-``).

    Notes
    -----
    For even k the distinct splits are the first ``choose(k, k / 2) / 2`` half-sets in
    lexicographic order (those containing the first item); every version of psych
    evaluates those. For odd k every one of the ``choose(k, k %/% 2)`` half-sets is a
    different split (the halves differ in size); psych 2.3 and later evaluate them all
    (psych's NEWS calls it a fix), and so does this function by default. psych 2.2.9
    evaluated only the first ``choose(k, k %/% 2) / 2`` of them (k = 5: 5 of the 10
    splits), and when that count is not whole (k = 7: 17.5) R's loop evaluates one split
    more while the mean divides by the fractional count; ``psych_version="2.2.9"``
    reproduces that exactly. The number of splits compared with ``n_sample`` is the
    version's count.

    References
    ----------
    Guttman, L. (1945). A basis for analyzing test-retest reliability. *Psychometrika*, 10,
    255-282.
    Revelle, W. (2022). psych, version 2.2.9: ``splitHalf``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> rng = np.random.default_rng(3)
    >>> trait = rng.normal(size=400)
    >>> items = pd.DataFrame({f"q{j}": trait + rng.normal(size=400) for j in range(6)})
    >>> res = pm.split_half(items)
    >>> res.n_splits, res.enumerated
    (10, True)
    >>> res.min_split <= res.mean_split <= res.max_split
    True
    >>> round(res.lambda6, 2) >= round(res.alpha, 2) - 0.05
    True
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci is a level in (0, 1), got {ci!r}")
    if not isinstance(n_sample, int | np.integer) or n_sample < 1:
        raise ValueError(f"n_sample must be a positive integer, got {n_sample!r}")
    if psych_version not in ("2.3", "2.2.9"):
        raise ValueError(f"psych_version must be '2.3' (all splits) or '2.2.9', got "
                         f"{psych_version!r}")
    from psychometrics.sufficient_statistics import as_moments

    source = as_moments(data)
    kind = None if source is not None else matrix_kind(data, n_obs)
    if source is not None:
        # the pairwise covariances of the rows the moments were read from
        if len(source.groups) != 1:
            raise ValueError(f"these moments have {len(source.groups)} groups "
                             f"({source.labels}); pass m.group(label) or m.total()")
        names = [str(i) for i in source.items]
        n_rows, k = source.n, len(names)
        if k < 2:
            raise ValueError(f"split_half needs at least 2 items, got {k}")
        if n_rows < 3:
            raise ValueError(f"split_half needs at least 3 respondents, got {n_rows}")
        C = source.cov().to_numpy()
    elif kind is not None:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
        names = ([str(c) for c in frame.columns] if isinstance(data, pd.DataFrame)
                 else [f"V{i + 1}" for i in range(frame.shape[1])])
        C = frame.to_numpy(dtype=float)
        k = C.shape[0]
        n_rows: int | None = None if n_obs is None else int(n_obs)
        if k < 2:
            raise ValueError(f"split_half needs at least 2 items, got {k}")
    else:
        X, names = _item_matrix(data)
        n_rows, k = X.shape
        if k < 2:
            raise ValueError(f"split_half needs at least 2 items, got {k}")
        if n_rows < 3:
            raise ValueError(f"split_half needs at least 3 respondents, got {n_rows}")
        mom = _moments(X, frequencies=False)
        C = mom.covariance()
    warn_few_respondents(n_rows, k, "split_half")
    flat = np.flatnonzero(~(np.diag(C) > 0))
    if flat.size:
        raise ValueError(f"item {names[flat[0]]!r} has no variance (or fewer than 2 answers); "
                         "drop it before computing split halves")
    if np.isnan(C).any():
        i, j = np.argwhere(np.isnan(C))[0]
        raise ValueError(f"items {names[i]!r} and {names[j]!r} were answered together by "
                         "fewer than 2 respondents")
    R = cov2cor(C)

    if keys is not None:
        signs = _parse_keys(keys, names)
    elif check_keys:
        signs = np.where(_first_component_loadings(R) < 0, -1.0, 1.0)
        flipped = [names[j] for j in np.flatnonzero(signs < 0)]
        if flipped:
            warnings.warn(f"Items {flipped} were negatively correlated with the total scale "
                          "and were reversed (psych's check.keys)", NumericalWarning,
                          stacklevel=2)
    else:
        signs = np.ones(k)
    R = R * np.outer(signs, signs)
    labels = _keyed_names(names, signs)

    tot = _alpha_total(R, R, smc(R))  # std alpha, G6 (= lambda 6), average and median r
    sum_r = R.sum()
    off = R - np.diag(np.diag(R))
    lambda2 = (sum_r - k + math.sqrt((off * off).sum() * k / (k - 1))) / sum_r

    half = k // 2
    if psych_version == "2.2.9" or k % 2 == 0:
        count = math.comb(k, half) / 2  # psych: round(choose(n, m)) / 2, may end in .5
    else:
        count = float(math.comb(k, half))  # odd k: every half-set is a distinct split
    enumerated = brute or count <= n_sample
    if enumerated:
        total = math.ceil(count)  # R's while (i < count + 1) runs one more for a .5 count
        blocks = _enumerated(k, half, total)
        divisor = count
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        total = n_sample
        blocks = _sampled(k, half, n_sample, rng)
        divisor = float(n_sample)

    report = resolve_progress(progress, "split halves")
    values = np.empty(total)
    best = (-np.inf, None)
    worst = (np.inf, None)
    done = 0
    row_sums = R.sum(axis=1)
    for idx in blocks:
        b = idx.shape[0]
        A = np.zeros((b, k))
        np.put_along_axis(A, idx, 1.0, axis=1)
        # a'R b = a'R 1 - a'R a
        ar = A @ R
        rab = 4 * ((A @ row_sums) - (ar * A).sum(axis=1)) / sum_r
        values[done : done + b] = rab
        i_max, i_min = int(np.argmax(rab)), int(np.argmin(rab))
        if rab[i_max] > best[0]:  # strict, as psych: the first maximum is kept
            best = (float(rab[i_max]), A[i_max].copy())
        if rab[i_min] < worst[0]:
            worst = (float(rab[i_min]), A[i_min].copy())
        done += b
        report(done, total)
    values = values[:done]

    def halves(a: np.ndarray | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        assert a is not None
        return (tuple(lab for lab, x in zip(labels, a, strict=True) if x == 1),
                tuple(lab for lab, x in zip(labels, a, strict=True) if x == 0))

    q_lo, q_med, q_hi = np.quantile(values, [(1 - ci) / 2, 0.5, 1 - (1 - ci) / 2])
    return SplitHalfResult(
        max_split=best[0], mean_split=float(values.sum() / divisor), min_split=worst[0],
        median_split=float(q_med), alpha=float(tot["std"]), lambda2=float(lambda2),
        lambda6=float(tot["g6"]), average_r=float(tot["av_r"]), median_r=float(tot["med_r"]),
        n_items=k, n=n_rows, n_splits=done, enumerated=enumerated,
        ci=ConfidenceInterval(float(q_lo), float(q_hi), ci, "split quantiles"),
        max_halves=halves(best[1]), min_halves=halves(worst[1]),
        psych_version=psych_version, matrix_input=kind,
    )
