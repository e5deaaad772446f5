"""The structural equation modelling engine (CFA today), one module per concept.

- :mod:`~psychometrics.structural.syntax`: lavaan model syntax -> ``ModelSpec``
- :mod:`~psychometrics.structural.partable`: the parameter table (one row per parameter)
- :mod:`~psychometrics.structural.matrices`: the model matrices and implied moments
- :mod:`~psychometrics.structural.samplestats`: sample moments, missing-data patterns, EM
- :mod:`~psychometrics.structural.estimators`: ML and FIML behind one small interface
- :mod:`~psychometrics.structural.start`, :mod:`~psychometrics.structural.optimize`: start
  values and the optimiser
- :mod:`~psychometrics.structural.inference`: standard errors, modification indices, checks
- :mod:`~psychometrics.structural.standardize`, :mod:`~psychometrics.structural.fit`:
  standardized solutions and fit measures
- :mod:`~psychometrics.structural.compare`: likelihood-ratio tests of nested models
  (:func:`lrt`)
- :mod:`~psychometrics.structural.result`: the result object;
  :mod:`~psychometrics.structural.engine`: the fitting procedure (:func:`cfa`)

The package is not called ``sem`` because ``psychometrics.sem`` is the standard error of
measurement: a subpackage of that name would replace the function on import.
"""

from __future__ import annotations

from psychometrics._lazy import attach

_LAZY: dict[str, str] = {
    "cfa": "psychometrics.structural.engine",
    # psychometrics.sem is the standard error of measurement: the structural model is
    # psychometrics.structural.sem
    "sem": "psychometrics.structural.engine",
    "CFAResult": "psychometrics.structural.result",
    "parse_model": "psychometrics.structural.syntax",
    "ModelSpec": "psychometrics.structural.syntax",
    "ModelSyntaxError": "psychometrics.structural.syntax",
    "ModelTerm": "psychometrics.structural.syntax",
    "lrt": "psychometrics.structural.compare",
    "ModelError": "psychometrics.structural.errors",
    "DataError": "psychometrics.structural.errors",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = attach(__name__, globals(), _LAZY)
