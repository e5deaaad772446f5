"""Factor analysis: sampling adequacy, parallel analysis, EFA and CFA.

Every function takes plain data (a DataFrame of items, or a correlation/covariance matrix
with ``n_obs``); :func:`cfa` also accepts an :class:`~psychometrics.schema.Instrument`.
Names load lazily so that importing the package does not import scipy.
"""

from __future__ import annotations

from psychometrics._lazy import attach

_LAZY: dict[str, str] = {
    "kmo": "psychometrics.factor.adequacy",
    "KMOResult": "psychometrics.factor.adequacy",
    "bartlett": "psychometrics.factor.adequacy",
    "BartlettResult": "psychometrics.factor.adequacy",
    "parallel_analysis": "psychometrics.factor.parallel",
    "ParallelAnalysisResult": "psychometrics.factor.parallel",
    "efa": "psychometrics.factor.exploratory",
    "EFAResult": "psychometrics.factor.exploratory",
    "principal": "psychometrics.factor.components",
    "PrincipalResult": "psychometrics.factor.components",
    "cfa": "psychometrics.structural.engine",
    "CFAResult": "psychometrics.structural.result",
    "parse_model": "psychometrics.structural.syntax",
    "ModelSpec": "psychometrics.structural.syntax",
    "ModelSyntaxError": "psychometrics.structural.syntax",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = attach(__name__, globals(), _LAZY)
