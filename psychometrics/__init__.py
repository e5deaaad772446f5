"""psychometrics: survey instruments as data.

Load a validated instrument definition, check response data against it, score it, and
analyse its reliability and structure with results that match R's psych and lavaan.

>>> import psychometrics as pm
>>> "gse" in pm.list_instruments()
True

The public names are imported lazily, so ``import psychometrics`` does not pull in scipy,
pandas' optional parts or factor-analyzer until a statistic needs them.
"""

from __future__ import annotations

from psychometrics._lazy import attach

__version__ = "0.1.0"

# public name -> module that defines it. Modules are never named like a public function
# (``reliability``, ``report``, ``alpha`` ...), so importing a module cannot shadow one.
_LAZY: dict[str, str] = {
    # errors
    "PsychometricsError": "psychometrics.errors",
    "DefinitionError": "psychometrics.errors",
    "DataValidationError": "psychometrics.errors",
    "MissingColumnError": "psychometrics.errors",
    "PsychometricsWarning": "psychometrics.errors",
    "NumericalWarning": "psychometrics.errors",
    # core
    "Instrument": "psychometrics.schema",
    "list_instruments": "psychometrics.catalog",
    "load_instrument": "psychometrics.catalog",
    "validate": "psychometrics.validation",
    "ValidationReport": "psychometrics.validation",
    "score": "psychometrics.scoring",
    "item_data": "psychometrics.scoring",
    "read_data": "psychometrics.io",
    # reliability
    "alpha": "psychometrics.coefficients",
    "AlphaResult": "psychometrics.coefficients",
    "omega": "psychometrics.coefficients",
    "OmegaResult": "psychometrics.coefficients",
    "split_half": "psychometrics.coefficients",
    "SplitHalfResult": "psychometrics.coefficients",
    "ordinal_alpha": "psychometrics.coefficients",
    "ordinal_omega": "psychometrics.coefficients",
    "omega_categorical": "psychometrics.coefficients",
    "OmegaCategoricalResult": "psychometrics.coefficients",
    "OrdinalAlphaResult": "psychometrics.coefficients",
    "ConfidenceInterval": "psychometrics.coefficients",
    "alpha_interval": "psychometrics.coefficients",
    "omega_interval": "psychometrics.coefficients",
    "ReliabilityInterval": "psychometrics.coefficients",
    "polychoric": "psychometrics.correlation",
    "PolychoricResult": "psychometrics.correlation",
    "ordinal_sample_stats": "psychometrics.structural.ordinal_stats",
    "sem": "psychometrics.measurement_error",
    "reliable_change": "psychometrics.measurement_error",
    "reliability": "psychometrics.analysis",
    # mergeable sufficient statistics (streamed files, Dask)
    "moments": "psychometrics.sufficient_statistics",
    "Moments": "psychometrics.sufficient_statistics",
    "instrument_moments": "psychometrics.analysis",
    # factor analysis
    "kmo": "psychometrics.factor",
    "bartlett": "psychometrics.factor",
    "parallel_analysis": "psychometrics.factor",
    "efa": "psychometrics.factor",
    "EFAResult": "psychometrics.factor",
    "principal": "psychometrics.factor",
    "PrincipalResult": "psychometrics.factor",
    "cfa": "psychometrics.factor",
    "CFAResult": "psychometrics.factor",
    "lrt": "psychometrics.structural",
    "invariance": "psychometrics.structural.invariance",
    "InvarianceResult": "psychometrics.structural.invariance",
    # programme evaluation
    "effect_size": "psychometrics.evaluation",
    "EffectSize": "psychometrics.evaluation",
    "compare_groups": "psychometrics.evaluation",
    "GroupComparison": "psychometrics.evaluation",
    "change": "psychometrics.evaluation",
    "Change": "psychometrics.evaluation",
    "proportion": "psychometrics.evaluation",
    "Proportion": "psychometrics.evaluation",
    "compare_proportions": "psychometrics.evaluation",
    "ProportionDifference": "psychometrics.evaluation",
    "evaluate": "psychometrics.evaluation",
    "Evaluation": "psychometrics.evaluation",
    "load_study": "psychometrics.evaluation",
    "Study": "psychometrics.evaluation",
    "evaluation_report": "psychometrics.reporting.evaluation",
    # report and exchange formats
    "report": "psychometrics.reporting",
    "Report": "psychometrics.reporting",
    "read_fhir_responses": "psychometrics.exports",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = attach(__name__, globals(), _LAZY)

