"""Instrument-aware analyses: pick an instrument's items and keys, call the statistics.

The statistics themselves (:func:`psychometrics.alpha`, :func:`psychometrics.omega`, ...)
take plain data and are tested against R on plain data; the functions here only select the
items of each scale, apply the instrument's reverse keys and put the published values
beside the sample's, so the researcher sees at a glance whether the sample behaves like
the norm.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from psychometrics.catalog import as_instrument
from psychometrics.errors import MissingColumnError, NumericalWarning
from psychometrics.schema import Instrument
from psychometrics.scoring import item_data
from psychometrics.validation import Columns

MISSING_GROUP = "(missing)"

RELIABILITY_COLUMNS = [
    "instrument", "scale", "n", "items", "alpha", "alpha_lower", "alpha_upper", "ci_method",
    "std_alpha", "omega_total", "g6", "average_r", "published_alpha", "published_source",
]


def group_masks(data: pd.DataFrame, group: str) -> list[tuple[str, np.ndarray]]:
    """``(label, row mask)`` for each value of ``data[group]``, sorted, then ``(missing)``
    for rows without a value, so that every respondent is in exactly one group."""
    if group not in data.columns:
        raise MissingColumnError(f"group column '{group}' is not in the data (columns: "
                                 f"{', '.join(map(str, data.columns[:20]))}"
                                 f"{' ...' if len(data.columns) > 20 else ''})")
    labels = data[group].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
    present = sorted({str(g) for g in labels if g != MISSING_GROUP})
    order = present + ([MISSING_GROUP] if (labels == MISSING_GROUP).any() else [])
    return [(g, labels == g) for g in order]


def reliability(
    data: pd.DataFrame,
    instrument: Instrument | str,
    *,
    columns: Columns = None,
    scales: list[str] | None = None,
    group: str | None = None,
    min_group_size: int = 3,
    ci: float = 0.95,
    ci_method: Literal["feldt", "duhachek", "bootstrap"] = "feldt",
    n_boot: int = 2000,
    seed: int | None = None,
    missing: Literal["pairwise", "listwise"] = "pairwise",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Reliability of every scale of an instrument, beside its published values.

    For each scale: the items are taken from ``data`` (through ``columns``), missing-value
    codes and unusable cells become missing, reverse-keyed items are recoded as
    min + max - x, and :func:`psychometrics.alpha` and a one-factor
    :func:`psychometrics.omega` are computed on them.

    Parameters
    ----------
    data
        Response data, one row per respondent.
    instrument
        An Instrument or a built-in id.
    columns
        Item id -> column name (dict or format string such as ``"GSE_{n}"``).
    scales
        Scales to include (default: every scale with at least two items; scales that
        share an item set, such as WHO-5's raw and percentage scores, are computed once).
    group
        A column of ``data``: one row per scale and group (sorted; ``(missing)`` for rows
        without a group), after the row for the whole sample.
    min_group_size
        Groups in which fewer respondents answered keep their row, with a note and no
        statistics (alpha needs at least 3).
    ci, ci_method, n_boot, seed, progress
        Confidence interval of alpha: see :func:`psychometrics.alpha`.
    missing
        ``"pairwise"`` (psych's default) or ``"listwise"``.

    Returns
    -------
    DataFrame
        One row per scale (and group): ``n`` (rows with at least one answer), ``items``,
        ``alpha`` with ``alpha_lower``/``alpha_upper``, ``std_alpha``, ``omega_total``,
        ``g6``, ``average_r``, the published alpha (a value, or ``low-high``) with its
        source, and ``note`` (numerical warnings, or why a row has no statistics).

    Examples
    --------
    >>> import psychometrics as pm
    >>> from psychometrics.datasets import load_mentorship
    >>> table = pm.reliability(load_mentorship(), "gse")
    >>> table[["scale", "items", "alpha", "published_alpha"]]
      scale  items  alpha published_alpha
    0 total     10  0.87...       0.76-0.90
    """
    from psychometrics.coefficients import alpha as alpha_fn
    from psychometrics.coefficients import omega as omega_fn

    inst = as_instrument(instrument)
    chosen = _scales(inst, scales)
    subsets: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(data), dtype=bool))]
    if group is not None:
        subsets += group_masks(data, group)
    items = item_data(data, inst, columns=columns, reverse=True, on_invalid="nan")

    rows = []
    for name in chosen:
        cols = inst.scales[name].items
        published, source = _published(inst, name)
        for label, mask in subsets:
            block = items.loc[mask, cols]
            block = block[block.notna().any(axis=1).to_numpy()]
            row: dict[str, object] = {
                "instrument": inst.id, "scale": name, "n": len(block), "items": len(cols),
                "published_alpha": published, "published_source": source, "note": "",
            }
            if group is not None:
                row["group"] = "all" if label is None else label
            rows.append(row)
            if label is not None and len(block) < max(min_group_size, 1):
                row["note"] = (f"not computed: {len(block)} respondent(s) answered, fewer "
                               f"than {min_group_size}")
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    a = alpha_fn(block, missing=missing, ci=ci, ci_method=ci_method,
                                 n_boot=n_boot, seed=seed, progress=progress)
                    o = omega_fn(block, n_factors=1, missing=missing) if len(cols) >= 3 \
                        else None
            except ValueError as exc:
                row["note"] = str(exc)
                continue
            row.update(alpha=a.raw_alpha, alpha_lower=a.ci.lower, alpha_upper=a.ci.upper,
                       ci_method=a.ci.method, std_alpha=a.std_alpha,
                       omega_total=np.nan if o is None else o.omega_total, g6=a.g6,
                       average_r=a.average_r)
            notes = sorted({str(w.message) for w in caught
                            if issubclass(w.category, NumericalWarning)})
            row["note"] = "; ".join(notes)
            where = f"{inst.id} {name}" + ("" if label is None else f" ({group}={label})")
            for note in notes:
                warnings.warn(f"{where}: {note}", NumericalWarning, stacklevel=2)
    order = RELIABILITY_COLUMNS[:2] + (["group"] if group is not None else []) + \
        RELIABILITY_COLUMNS[2:] + ["note"]
    table = pd.DataFrame(rows).reindex(columns=order)
    table.attrs["psychometrics"] = {"instruments": [inst.provenance()]}
    return table


def _scales(inst: Instrument, scales: list[str] | None) -> list[str]:
    if scales is not None:
        unknown = [s for s in scales if s not in inst.scales]
        if unknown:
            raise KeyError(f"unknown scale(s) {', '.join(unknown)} of '{inst.id}' "
                           f"(scales: {', '.join(inst.scales)})")
        return list(scales)
    return [name for name in inst.distinct_scales() if len(inst.scales[name].items) >= 2]


def _published(inst: Instrument, scale: str) -> tuple[str | float, str]:
    for rel in inst.published_for(scale):
        if rel.statistic == "alpha":
            if rel.value is not None:
                return float(rel.value), rel.source
            return rel.value_text(), rel.source
    return np.nan, ""
