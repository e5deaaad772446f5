"""The report's summary: one row per scale and a sentence a paper can use as it stands.

The sections fill a :class:`ScaleSummary` per scale as they compute (reliability, items,
CFA); the summary section, rendered first but built last, turns them into the table and
the APA-style sentences. Omega's interval is the public
:func:`psychometrics.omega_interval` (bootstrap over respondents, seeded by the report's
seed), its method said beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
    omega_ci_text: str = ""  # e.g. "BCa bootstrap, 200 resamples"
    flags: list[str] = field(default_factory=list)
    label: str = ""  # how a sentence names it ("the General Self-Efficacy Scale")


def omega_method(n_obs: int, n_boot: int = OMEGA_BOOT) -> str:
    """The interval :func:`psychometrics.omega_interval` is asked for in the report.

    BCa (Kelley & Pornprasertmanit, 2016, recommend it) estimates its acceleration by
    regressing the resampled values on the resampling frequencies, which needs more
    resamples than respondents; with more respondents than the report's resamples the
    percentile interval is used instead, and the report says which.
    """
    return "bca" if n_boot > n_obs + 1 else "percentile"


def omega_method_text(method: str, n_boot: int = OMEGA_BOOT) -> str:
    return {"bca": "BCa bootstrap", "percentile": "percentile bootstrap"}[method] \
        + f", {n_boot} resamples"


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


def apa_sentence(s: ScaleSummary, *, level: str) -> str:
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
                         f"({s.omega_ci_text})")
    text = "".join(parts) + "."
    if s.published:
        text += f" The published value is {s.published}."
    return text


def cfa_sentence(model_text: str, fit_line: str) -> str:
    return f"A confirmatory factor analysis of {model_text} gave {fit_line}."
