"""Former home of the fit indices; see :mod:`psychometrics.structural.fit`."""

from __future__ import annotations

from psychometrics.structural.fit import cfi, rmsea, rmsea_ci, rmsea_pvalue, srmr, tli

__all__ = ["cfi", "rmsea", "rmsea_ci", "rmsea_pvalue", "srmr", "tli"]
