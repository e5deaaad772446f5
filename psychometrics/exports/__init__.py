"""Exchange formats: REDCap data dictionaries, HL7 FHIR Questionnaires (R4, R5), ReproSchema.

Each format is exported and imported (``to_*`` / ``from_*``); every import lists what it
could not map. Every export is generated from the declarative instrument definition, records
where it came from (instrument id, definition version and its SHA-256 ``definition_hash``) and never
writes restricted item text: a placeholder says where the licensed wording goes, unless an
overlay supplied it.

The submodules are imported on first use of one of their names, so importing this package
costs nothing.
"""

from __future__ import annotations

from psychometrics._lazy import attach

_LAZY: dict[str, str] = {
    # REDCap
    "to_redcap": "psychometrics.exports.redcap",
    "write_redcap": "psychometrics.exports.redcap",
    "from_redcap": "psychometrics.exports.redcap_import",
    "read_redcap_records": "psychometrics.exports.redcap_records",
    "redcap_field_names": "psychometrics.exports.redcap",
    "RedcapImport": "psychometrics.exports.redcap_import",
    "Loss": "psychometrics.exports._common",
    # FHIR
    "to_fhir_questionnaire": "psychometrics.exports.fhir",
    "read_fhir_responses": "psychometrics.exports.fhir",
    "from_fhir": "psychometrics.exports.fhir_import",
    "InstrumentImport": "psychometrics.exports._importing",
    # ReproSchema
    "to_reproschema": "psychometrics.exports.reproschema",
    "write_reproschema": "psychometrics.exports.reproschema",
    "from_reproschema": "psychometrics.exports.reproschema_import",
    # YAML
    "instrument_to_yaml": "psychometrics.exports._common",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = attach(__name__, globals(), _LAZY)
