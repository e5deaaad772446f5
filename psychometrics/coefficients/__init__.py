"""Reliability coefficients: Cronbach's alpha, McDonald's omega, split-half and Guttman's
lambdas, ordinal alpha and omega, omega for categorical indicators.

Each takes a DataFrame of items (or a covariance/correlation matrix where noted); the
instrument-aware table is :func:`psychometrics.reliability`. The statistics live in private
modules so that no module name shadows the function of the same name.
"""

from __future__ import annotations

from psychometrics._lazy import attach

_LAZY: dict[str, str] = {
    "alpha": "psychometrics.coefficients._alpha",
    "AlphaResult": "psychometrics.coefficients._alpha",
    "split_half": "psychometrics.coefficients._split_half",
    "SplitHalfResult": "psychometrics.coefficients._split_half",
    "ordinal_alpha": "psychometrics.coefficients._ordinal",
    "OrdinalAlphaResult": "psychometrics.coefficients._ordinal",
    "ConfidenceInterval": "psychometrics.coefficients._alpha",
    "omega": "psychometrics.coefficients._omega",
    "OmegaResult": "psychometrics.coefficients._omega",
    "ordinal_omega": "psychometrics.coefficients._omega",
    "omega_categorical": "psychometrics.coefficients._omega_categorical",
    "OmegaCategoricalResult": "psychometrics.coefficients._omega_categorical",
    "alpha_interval": "psychometrics.coefficients._intervals",
    "omega_interval": "psychometrics.coefficients._intervals",
    "ReliabilityInterval": "psychometrics.coefficients._intervals",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = attach(__name__, globals(), _LAZY)
