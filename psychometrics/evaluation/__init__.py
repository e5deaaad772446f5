"""Programme evaluation: effect sizes, group comparisons, change from baseline, proportions.

The statistics take plain data (arrays, Series, a DataFrame of scores) and are tested
against R (stats, effectsize) on public data; the study definition and :func:`evaluate`
put them together for a whole evaluation.
"""

from __future__ import annotations

from psychometrics._lazy import attach

_LAZY: dict[str, str] = {
    "effect_size": "psychometrics.evaluation.effects",
    "EffectSize": "psychometrics.evaluation.effects",
    "compare_groups": "psychometrics.evaluation.comparisons",
    "GroupComparison": "psychometrics.evaluation.comparisons",
    "change": "psychometrics.evaluation.paired",
    "Change": "psychometrics.evaluation.paired",
    "proportion": "psychometrics.evaluation.proportions",
    "Proportion": "psychometrics.evaluation.proportions",
    "compare_proportions": "psychometrics.evaluation.proportions",
    "ProportionDifference": "psychometrics.evaluation.proportions",
    "evaluate": "psychometrics.evaluation.pipeline",
    "Evaluation": "psychometrics.evaluation.pipeline",
    "load_study": "psychometrics.evaluation.study",
    "Study": "psychometrics.evaluation.study",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = attach(__name__, globals(), _LAZY)
