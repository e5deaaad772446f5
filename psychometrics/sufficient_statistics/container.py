"""The :class:`Moments` container: groups of sufficient statistics, their merging
(``m1 + m2``), selection and the accessors every statistic reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.sufficient_statistics.group import (
    MISSING_GROUP,
    _chan,
    _Options,
    _Stats,
    _vech_index,
)

# --------------------------------------------------------------------------------------------
# the public object
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of item data, per group, that merge exactly (``m1 + m2``).

    Attributes
    ----------
    items
        Item names (column order of every matrix).
    by
        The grouping column(s), or None.
    groups
        Group label -> statistics; the whole sample is their merge (:meth:`total`).

    Per group the object holds: ``n`` rows (including rows without any answer, as psych's
    n.obs), pairwise counts N_ij, pairwise means (mean of item i over the rows answering i
    and j), centred pairwise cross-products and sums of squares, complete-row (listwise)
    count, means and centred cross-products, each item's smallest/largest answer and the
    first row (psych's alpha uses it), response counts when the answers are small integers,
    and optionally patterns, fourth-order moments, bivariate tables, bootstrap replicates.
    """

    items: tuple[str, ...]
    by: tuple[str, ...] | None
    groups: dict[Any, _Stats]
    options: _Options = field(default_factory=_Options)

    # merging ----------------------------------------------------------------------------
    def __add__(self, other: Moments) -> Moments:
        if not isinstance(other, Moments):
            return NotImplemented
        if other.items != self.items or other.by != self.by:
            raise ValueError("only moments of the same items and grouping merge: "
                             f"{self.items}/{self.by} vs {other.items}/{other.by}")
        if other.options != self.options:
            raise ValueError(f"moments collected with different options do not merge: "
                             f"{self.options} vs {other.options}")
        groups = dict(self.groups)
        for label, st in other.groups.items():
            groups[label] = groups[label] + st if label in groups else st
        return Moments(self.items, self.by, _sorted_groups(groups), self.options)

    def __radd__(self, other: Any) -> Moments:
        if other == 0:  # sum(parts) starts from 0
            return self
        return NotImplemented

    # selection ---------------------------------------------------------------------------
    @property
    def labels(self) -> list[Any]:
        """Group labels (sorted, ``(missing)`` last); ``[None]`` without ``by``."""
        return list(self.groups)

    @property
    def labels_seen(self) -> list[Any]:
        """Group labels in order of their first row in the source (batches and
        partitions in order; lavaan numbers groups so)."""
        return sorted(self.groups, key=lambda g: self.groups[g].seen)

    def group(self, label: Any) -> Moments:
        """The moments of one group (a Moments without grouping)."""
        if label not in self.groups:
            raise KeyError(f"no group {label!r}; groups: {self.labels}")
        return Moments(self.items, None, {None: self.groups[label]}, self.options)

    def total(self) -> Moments:
        """All groups merged (the whole sample)."""
        parts = list(self.groups.values())
        st = parts[0]
        for other in parts[1:]:
            st = st + other
        return Moments(self.items, None, {None: st}, self.options)

    def select(self, items: Sequence[str]) -> Moments:
        """The moments of a subset of the items. Patterns are restricted (the patterns
        that agree on the subset merge); fourth-order moments and replicates, which are
        sums over the complete rows, are kept when the subset has the same complete rows
        (else dropped: read the subset with ``pm.moments(data, items, fourth=True)``)."""
        index = {name: j for j, name in enumerate(self.items)}
        unknown = [i for i in items if i not in index]
        if unknown:
            raise KeyError(f"items not in these moments: {unknown}")
        ix = np.array([index[i] for i in items], dtype=int)
        sub = np.ix_(ix, ix)
        groups = {}
        for label, st in self.groups.items():
            new = replace(
                st, first=st.first[ix], count=st.count[sub], mean=st.mean[sub],
                comoment=st.comoment[sub], sqdev=st.sqdev[sub], lo=st.lo[ix], hi=st.hi[ix],
                mean_complete=st.mean_complete[ix],
                comoment_complete=st.comoment_complete[sub],
                counts=None if st.counts is None else st.counts[ix],
                tables=None if st.tables is None else (st.tables[0],
                                                       st.tables[1][sub]),
                patterns=_subset_patterns(st.patterns, ix, len(self.items)),
                fourth=None, boot=None)
            if len(ix) < len(self.items) and st.n_complete != st.n_rows:
                # rows complete on the subset: known from the patterns only
                new = _subset_listwise(st, new, ix)
            if new.n_complete == st.n_complete:  # the same complete rows
                new = replace(new, fourth=_subset_fourth(st.fourth, ix),
                              boot=None if st.boot is None else {
                                  "n": st.boot["n"], "mean": st.boot["mean"][:, ix],
                                  "comoment": st.boot["comoment"][:, ix[:, None], ix]})
            groups[label] = new
        opts = replace(self.options,
                       fourth=all(g.fourth is not None for g in groups.values())
                       and self.options.fourth,
                       n_boot=self.options.n_boot
                       if all(g.boot is not None for g in groups.values()) else 0)
        return Moments(tuple(items), self.by, groups, opts)

    def _one(self) -> _Stats:
        if len(self.groups) != 1:
            raise ValueError(f"these moments have {len(self.groups)} groups; pick one with "
                             f".group(label) or merge them with .total()")
        return next(iter(self.groups.values()))

    # the statistics ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Rows read (including rows without any answer)."""
        return sum(st.n_rows for st in self.groups.values())

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def complete(self) -> bool:
        """True when no cell is missing."""
        return all(st.n_complete == st.n_rows for st in self.groups.values())

    def n_obs(self) -> pd.Series:
        """Answers per item."""
        st = self._one()
        return pd.Series(np.diag(st.count).astype(np.int64), index=list(self.items))

    def pairwise_counts(self) -> pd.DataFrame:
        """Rows answering both items of each pair (psych's ``pairwiseCount``)."""
        st = self._one()
        return self._frame(st.count.astype(np.int64))

    def mean(self, missing: str = "pairwise") -> pd.Series:
        """Item means: over each item's answers (pairwise) or over complete rows."""
        st = self._one()
        m = np.diag(st.mean) if missing == "pairwise" else st.mean_complete
        _check_missing(missing)
        return pd.Series(m.copy(), index=list(self.items))

    def pairwise_means(self) -> pd.DataFrame:
        """Mean of item i (row) over the rows answering items i and j (column)."""
        return self._frame(self._one().mean.copy())

    def cov(self, missing: str = "pairwise", ddof: int = 1) -> pd.DataFrame:
        """Covariance matrix: ``cov(x, use = "pairwise")`` (each pair over its joint rows,
        psych's default) or ``"listwise"`` (complete rows only)."""
        _check_missing(missing)
        st = self._one()
        with np.errstate(invalid="ignore", divide="ignore"):
            if missing == "pairwise":
                c = st.comoment / (st.count - ddof)
                c[st.count <= ddof] = np.nan
            else:
                n = st.n_complete
                c = st.comoment_complete / (n - ddof) if n > ddof else \
                    np.full_like(st.comoment_complete, np.nan)
        return self._frame(c)

    def cor(self, missing: str = "pairwise", method: str = "pairwise") -> pd.DataFrame:
        """Correlations. ``missing="pairwise"``: ``method="pairwise"`` standardises each
        pair on its own rows (``cor(x, use = "pairwise")``, pandas' ``corr``);
        ``method="cov2cor"`` divides the pairwise covariances by each item's sd over all its
        answers (what psych's alpha uses). ``missing="listwise"``: complete rows."""
        _check_missing(missing)
        st = self._one()
        with np.errstate(invalid="ignore", divide="ignore"):
            if missing == "listwise":
                c = st.comoment_complete
                d = np.sqrt(np.diag(c))
                r = c / np.outer(d, d)
            elif method == "pairwise":
                r = st.comoment / np.sqrt(st.sqdev * st.sqdev.T)
            elif method == "cov2cor":
                c = st.comoment / (st.count - 1)
                d = np.sqrt(np.diag(c))
                r = c / np.outer(d, d)
            else:
                raise ValueError(f"method must be 'pairwise' or 'cov2cor', not {method!r}")
        np.fill_diagonal(r, 1.0)
        return self._frame(r)

    def frequencies(self) -> pd.DataFrame:
        """Counts of each answer per item (small-integer answers only)."""
        st = self._one()
        if st.values is None or st.counts is None:
            raise ValueError("response counts are kept only when every answer is a small "
                             "integer (-127..126)")
        return pd.DataFrame(st.counts, index=list(self.items),
                            columns=[_label(v) for v in st.values])

    def patterns(self) -> list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]:
        """Missing-data patterns (for FIML): ``(observed mask, n, means, centred
        cross-products)`` per pattern, with zeros for unobserved items; largest first."""
        st = self._one()
        if st.patterns is None:
            raise ValueError("patterns were not collected: pm.moments(..., patterns=True)")
        k = self.n_items
        out = [(np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool), int(n),
                m, c) for key, (n, m, c) in st.patterns.items()]
        return sorted(out, key=lambda p: -p[1])

    def gamma(self) -> pd.DataFrame:
        """The ADF (Browne 1984) Gamma of the complete rows, lavaan's ``NACOV`` for MLM/MLR:
        Gamma[(ij),(kl)] = m_ijkl - s_ij s_kl with biased (n) moments, vech order of lavaan
        (lower triangle, column by column)."""
        st = self._one()
        f = st.fourth
        if f is None:
            raise ValueError("fourth-order moments were not collected: "
                             "pm.moments(..., fourth=True)")
        n = f["n"]
        vi, vj = _vech_index(self.n_items)
        s = f["c2"][vi, vj] / n
        g = f["c4"] / n - np.outer(s, s)
        names = [f"{self.items[i]}~~{self.items[j]}" for i, j in zip(vi, vj, strict=True)]
        return pd.DataFrame(g, index=names, columns=names)

    def table(self, i: str, j: str) -> pd.DataFrame:
        """Bivariate contingency table of items i (rows) and j (columns) over the rows
        answering both (for polychoric correlations)."""
        st = self._one()
        if st.tables is None:
            raise ValueError("tables were not collected: pm.moments(..., tables=True)")
        a, b = self.items.index(i), self.items.index(j)
        values, tab = st.tables
        labels = [_label(v) for v in values]
        return pd.DataFrame(tab[a, b], index=pd.Index(labels, name=i),
                            columns=pd.Index(labels, name=j))

    def bootstrap(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Poisson-bootstrap replicates of the complete rows: ``(n, means, covariances)``
        with shapes (B,), (B, k), (B, k, k)."""
        st = self._one()
        if st.boot is None:
            raise ValueError("no replicates: pm.moments(..., n_boot=B, seed=...)")
        b = st.boot
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = b["comoment"] / (b["n"] - 1)[:, None, None]
        return b["n"].copy(), b["mean"].copy(), cov

    def _frame(self, a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=list(self.items), columns=list(self.items))

    def __repr__(self) -> str:
        g = "" if self.by is None else f", by={list(self.by)} ({len(self.groups)} groups)"
        return f"Moments(n={self.n:,}, items={len(self.items)}{g})"


def _check_missing(missing: str) -> None:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")


def _label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _subset_listwise(st: _Stats, new: _Stats, ix: np.ndarray) -> _Stats:
    """Listwise moments of an item subset: from the patterns when they were collected,
    otherwise marked unknown (NaN)."""
    if st.patterns is None:
        k = ix.size
        return replace(new, n_complete=-1, mean_complete=np.full(k, np.nan),
                       comoment_complete=np.full((k, k), np.nan))
    k = st.first.size
    n, m, c = 0, np.zeros(ix.size), np.zeros((ix.size, ix.size))
    for key, (n2, m2, c2) in st.patterns.items():
        obs = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool)
        if obs[ix].all():
            n, m, c = _chan(n, m, c, n2, m2[ix], c2[np.ix_(ix, ix)])
    return replace(new, n_complete=n, mean_complete=m, comoment_complete=c)


def _subset_patterns(patterns: dict | None, ix: np.ndarray, k: int) -> dict | None:
    """Patterns on an item subset: each pattern's observed part, merged (Chan) with the
    other patterns that observe the same subset items."""
    if patterns is None:
        return None
    out: dict[bytes, tuple[int, np.ndarray, np.ndarray]] = {}
    sub = np.ix_(ix, ix)
    for key, (n2, m2, c2) in patterns.items():
        obs = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:k].astype(bool)[ix]
        new_key = np.packbits(obs).tobytes()
        m2, c2 = m2[ix], c2[sub]
        out[new_key] = _chan(*out[new_key], n2, m2, c2) if new_key in out else (n2, m2, c2)
    return out


def _subset_fourth(fourth: dict | None, ix: np.ndarray) -> dict | None:
    if fourth is None or (fourth["n"] == 0 and "c2" not in fourth):
        return None if fourth is None else {"n": 0, "mean": fourth["mean"][ix]}
    k = fourth["mean"].size
    vi, vj = _vech_index(k)
    pos = np.full((k, k), -1)
    pos[vi, vj] = np.arange(vi.size)
    si, sj = _vech_index(ix.size)
    pv = pos[ix[si], ix[sj]]  # ix is not sorted in general: i >= j may flip
    pv = np.where(pv >= 0, pv, pos[ix[sj], ix[si]])
    return {"n": fourth["n"], "mean": fourth["mean"][ix], "c2": fourth["c2"][np.ix_(ix, ix)],
            "c3": fourth["c3"][np.ix_(ix, ix, ix)], "c4": fourth["c4"][np.ix_(pv, pv)]}


def _sorted_groups(groups: dict[Any, _Stats]) -> dict[Any, _Stats]:
    if list(groups) == [None]:
        return groups
    present = sorted((g for g in groups if g != MISSING_GROUP), key=str)
    order = present + ([MISSING_GROUP] if MISSING_GROUP in groups else [])
    return {g: groups[g] for g in order}
