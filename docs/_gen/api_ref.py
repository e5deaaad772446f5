"""The Python API reference: one mkdocstrings entry per public name.

The list of names is the package's own lazy map (``psychometrics._LAZY`` and the
sub-packages' maps), so a new public function appears here without editing the docs; the
text is each object's numpydoc docstring, rendered by mkdocstrings.
"""

from __future__ import annotations

import importlib
from typing import Any

AREAS: list[tuple[str, str, list[str]]] = [
    ("Instruments, validation and scoring",
     "Load a definition, check data against it, score it.",
     ["list_instruments", "load_instrument", "Instrument", "validate", "ValidationReport",
      "score", "item_data", "read_data"]),
    ("Reliability",
     "Coefficients on a DataFrame of items; `reliability` runs them per scale of an "
     "instrument.",
     ["reliability", "alpha", "AlphaResult", "ConfidenceInterval", "omega", "OmegaResult",
      "split_half", "SplitHalfResult", "polychoric", "PolychoricResult", "ordinal_alpha",
      "OrdinalAlphaResult", "ordinal_omega", "omega_categorical", "OmegaCategoricalResult",
      "alpha_interval", "omega_interval", "ReliabilityInterval", "sem", "reliable_change"]),
    ("Factor analysis",
     "Sampling adequacy, parallel analysis, exploratory factor analysis, principal "
     "components and confirmatory factor analysis.",
     ["kmo", "bartlett", "parallel_analysis", "efa", "EFAResult", "principal",
      "PrincipalResult", "cfa", "CFAResult", "lrt", "invariance", "InvarianceResult",
      "factor.KMOResult", "factor.BartlettResult", "factor.ParallelAnalysisResult",
      "factor.parse_model", "factor.ModelSpec", "factor.ModelSyntaxError", "structural.sem",
      "structural.ModelError", "structural.DataError", "ordinal_sample_stats"]),
    ("Programme evaluation",
     "A whole evaluation from a study YAML; effect sizes, group comparisons, change from "
     "baseline and proportions on plain data.",
     ["evaluate", "Evaluation", "evaluation_report", "load_study", "Study", "effect_size",
      "EffectSize", "compare_groups", "GroupComparison", "change", "Change",
      "proportion", "Proportion", "compare_proportions", "ProportionDifference"]),
    ("Sufficient statistics",
     "Mergeable moments from any source (DataFrames, Arrow batches, Parquet, Dask), the "
     "input of every moment-based statistic.",
     ["moments", "Moments", "instrument_moments"]),
    ("Report", "The self-contained HTML report, and notebook HTML for results.",
     ["report", "Report", "reporting.Section", "reporting.notebook.result_html"]),
    ("Exchange formats",
     "REDCap, FHIR and ReproSchema, generated from the definition.",
     ["read_fhir_responses", "exports.to_redcap", "exports.write_redcap",
      "exports.from_redcap", "exports.read_redcap_records", "exports.to_fhir_questionnaire",
      "exports.to_reproschema", "exports.write_reproschema", "exports.instrument_to_yaml",
      "exports.from_fhir", "exports.from_reproschema"]),
    ("Bundled data", "The synthetic example, and a real data set for CFA.",
     ["datasets.load_mentorship", "datasets.load_holzinger_swineford"]),
    ("Errors and warnings", "Everything the package raises or warns on purpose.",
     ["PsychometricsError", "DefinitionError", "DataValidationError", "MissingColumnError",
      "PsychometricsWarning",
      "NumericalWarning"]),
]


def public_names() -> list[str]:
    """Every name of the top-level public API (``psychometrics.<name>``)."""
    import psychometrics

    return sorted(psychometrics._LAZY)


def resolve(dotted: str) -> tuple[Any, str]:
    """The object for ``name`` or ``subpackage.name`` and the path of its definition."""
    module, _, name = ("psychometrics." + dotted).rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    return obj, f"{obj.__module__}.{obj.__qualname__}"


def listed_names() -> list[str]:
    return [n for _, _, names in AREAS for n in names]


def page() -> tuple[str, list[str]]:
    """The API page and the names that could not be imported (shown as such on the page)."""
    listed = set(listed_names())
    missing_from_areas = [n for n in public_names() if n not in listed]
    areas = AREAS + ([("Other", "", missing_from_areas)] if missing_from_areas else [])
    md = ["# Python API", "",
          "Everything is available from the top-level package (`import psychometrics as pm`; "
          "names load lazily, so the import is quick). Functions take plain data (a "
          "DataFrame of items, or a correlation matrix with `n_obs`); results are frozen "
          "objects with the numbers as attributes, `.summary()`, `.to_dict()` and an HTML "
          "view in notebooks. Every example on this page runs in the test suite "
          "(`pytest --doctest-modules`).", ""]
    unavailable = []
    for title, intro, names in areas:
        md += [f"## {title}", "", intro, ""]
        for name in names:
            public = f"psychometrics.{name}"
            try:
                _, path = resolve(name)
            except (ImportError, AttributeError) as exc:
                unavailable.append(name)
                md += [f"[](){{#{public}}}", f"### `{public}`", "",
                       f'!!! warning "Not available in this build"\n    {exc}', ""]
                continue
            # an autorefs anchor: docstrings link to it as [`name`][psychometrics.name]
            md += [f"[](){{#{public}}}", f"### `{public}`", "", f"::: {path}", ""]
    return "\n".join(md) + "\n", unavailable
