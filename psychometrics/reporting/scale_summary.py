"""The report's summary: one row per scale and a sentence a paper can use as it stands.

The sections fill a :class:`ScaleSummary` per scale as they compute (reliability, items,
CFA); the summary section, rendered first but built last, turns them into the table and
the APA-style sentences. Omega's interval is a percentile bootstrap over respondents of
the public :func:`psychometrics.omega` (no closed form is in the package yet).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OMEGA_BOOT = 200  # resamples for omega's interval: a report's budget, said beside it


@dataclass
class ScaleSummary:
    """What the sections found about one scale (the whole sample)."""

    scale: str
    name: str
    items: int
    n: int | None = None
    alpha: float = math.nan
    alpha_lower: float = math.nan
    alpha_upper: float = math.nan
    ci_text: str = ""  # e.g. "95% CI, Feldt"
    published: str = ""  # e.g. "alpha 0.76–0.90 (Schwarzer & Jerusalem, 1995)"
    published_bounds: tuple[float, float] | None = None
    omega: float = math.nan
    omega_lower: float = math.nan
    omega_upper: float = math.nan
    flags: list[str] = field(default_factory=list)
    label: str = ""  # how a sentence names it ("the General Self-Efficacy Scale")


def omega_interval(items: pd.DataFrame, *, ci: float = 0.95, n_boot: int = OMEGA_BOOT,
                   seed: int | None = 1) -> tuple[float, float]:
    """Percentile bootstrap interval of one-factor omega total (respondents resampled)."""
    from psychometrics import omega

    rng = np.random.default_rng(seed)
    n = len(items)
    if n < 10 or items.shape[1] < 3:
        return math.nan, math.nan
    values = np.empty(n_boot)
    with warnings.catch_warnings():
        # a resample's numerical warnings (e.g. an item constant in it) are not the data's
        warnings.simplefilter("ignore")
        for b in range(n_boot):
            sample = items.iloc[rng.integers(0, n, n)].reset_index(drop=True)
            try:
                values[b] = omega(sample, n_factors=1).omega_total
            except Exception:
                values[b] = np.nan
    values = values[np.isfinite(values)]
    if len(values) < n_boot / 2:
        return math.nan, math.nan
    tail = (1 - ci) / 2
    lo, hi = np.quantile(values, [tail, 1 - tail])
    return float(lo), float(hi)


def _two(v: float) -> str:
    """APA: two decimals, no leading zero for a coefficient bounded by 1."""
    if not math.isfinite(v):
        return "–"
    return f"{v:.2f}".replace("0.", ".", 1) if abs(v) < 1 else f"{v:.2f}"


def interval_text(est: float, lo: float, hi: float) -> str:
    if not math.isfinite(est):
        return "–"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return _two(est)
    return f"{_two(est)} [{_two(lo)}, {_two(hi)}]"


def apa_sentence(s: ScaleSummary, *, level: str, omega_method: str) -> str:
    """One scale's reliability as a results section words it."""
    if not math.isfinite(s.alpha):
        return (f"Reliability of {s.label or 'the ' + s.name} could not be computed in this "
                "sample.")
    parts = [f"Internal consistency of {s.label or 'the ' + s.name} ({s.items} items) in this "
             f"sample "
             f"(n = {s.n}) was Cronbach's α = {_two(s.alpha)}"]
    if math.isfinite(s.alpha_lower):
        parts.append(f", {level} CI [{_two(s.alpha_lower)}, {_two(s.alpha_upper)}]")
    if math.isfinite(s.omega):
        parts.append(f", and McDonald's ω total = {_two(s.omega)}")
        if math.isfinite(s.omega_lower):
            parts.append(f", {level} CI [{_two(s.omega_lower)}, {_two(s.omega_upper)}] "
                         f"({omega_method})")
    text = "".join(parts) + "."
    if s.published:
        text += f" The published value is {s.published}."
    return text


def cfa_sentence(model_text: str, fit_line: str) -> str:
    return f"A confirmatory factor analysis of {model_text} gave {fit_line}."
