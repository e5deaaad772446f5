"""Translations in the instrument YAML: checked by the schema, written where each format has
a place (ReproSchema language maps, the FHIR translation extension, one REDCap form per
language), read back exactly, and never a way around the licence of restricted text."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from psychometrics import load_instrument
from psychometrics.exports import (
    from_fhir,
    from_redcap,
    from_reproschema,
    instrument_to_yaml,
    to_fhir_questionnaire,
    to_redcap,
    to_reproschema,
    write_redcap,
    write_reproschema,
)
from psychometrics.exports.fhir import TRANSLATION
from psychometrics.schema import Instrument

GSE_DE = {
    "name": "Allgemeine Selbstwirksamkeit",
    "instructions": "Bitte geben Sie an, wie sehr jede Aussage auf Sie zutrifft.",
    "items": {"gse_1": "Wenn sich Widerstände auftun, finde ich Mittel und Wege, mich "
                       "durchzusetzen.",
              "gse_2": "Die Lösung schwieriger Probleme gelingt mir immer, wenn ich mich "
                       "darum bemühe."},
    "labels": {"true4": {1: "stimmt nicht", 2: "stimmt kaum", 3: "stimmt eher",
                         4: "stimmt genau"}},
}


def _translated(iid: str, translations: dict) -> Instrument:
    data = load_instrument(iid).model_dump(mode="python", by_alias=True,
                                           exclude={"schema_"})
    return Instrument.model_validate({**data, "translations": translations})


@pytest.fixture
def gse() -> Instrument:
    return _translated("gse", {"de": GSE_DE, "pt-BR": {"items": {"gse_3": "É fácil para mim "
                                                                 "persistir em meus objetivos."}}})


def test_schema_checks_translations() -> None:
    with pytest.raises(ValueError) as err:
        _translated("gse", {"english": {}, "en": {}, "de": {
            "items": {"gse_99": "x"}, "labels": {"nope": {1: "a"}, "true4": {9: "neun"}}}})
    text = str(err.value)
    for expected in ["'english' is not a BCP 47 language tag",
                     "'en' is the instrument's own language",
                     "translations.de.items.gse_99: unknown item 'gse_99'",
                     "unknown response scale 'nope'", "label(s) for 9"]:
        assert expected in text, expected


def test_yaml_keeps_translations(gse: Instrument, tmp_path: Path) -> None:
    path = tmp_path / "gse.yaml"
    path.write_text(instrument_to_yaml(gse), encoding="utf-8")
    back = load_instrument(path)
    assert back == gse and back.definition_hash == gse.definition_hash
    assert back.definition_hash != load_instrument("gse").definition_hash


def test_reproschema_language_maps(gse: Instrument, tmp_path: Path) -> None:
    docs = to_reproschema(gse)
    item = docs["activities/gse/items/gse_1"]
    assert item["question"]["de"] == GSE_DE["items"]["gse_1"]
    assert item["responseOptions"]["choices"][0]["name"] == {"en": "Not at all true",
                                                             "de": "stimmt nicht"}
    assert docs["activities/gse/items/gse_3"]["question"]["pt-BR"].startswith("É fácil")
    activity = docs["activities/gse/gse_schema"]
    assert activity["preamble"]["de"] == GSE_DE["instructions"]
    assert activity["prefLabel"]["de"] == GSE_DE["name"]
    write_reproschema(gse, tmp_path)
    result = from_reproschema(tmp_path / "activities" / "gse")
    assert result.exact and result.instrument == gse


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_fhir_translation_extension(gse: Instrument, version: str) -> None:
    q = to_fhir_questionnaire(gse, fhir_version=version)
    model = pytest.importorskip("fhir.resources.R4B.questionnaire" if version == "R4"
                                else "fhir.resources.questionnaire")
    model.Questionnaire.model_validate(q)
    item = next(i for i in q["item"] if i["linkId"] == "gse_1")
    ext = item["_text"]["extension"][0]
    assert ext["url"] == TRANSLATION
    assert ext["extension"] == [{"url": "lang", "valueCode": "de"},
                                {"url": "content", "valueString": GSE_DE["items"]["gse_1"]}]
    display = item["answerOption"][3]["valueCoding"]["_display"]["extension"][0]
    assert display["extension"][1]["valueString"] == "stimmt genau"
    assert q["_title"]["extension"][0]["extension"][1]["valueString"] == GSE_DE["name"]
    result = from_fhir(json.loads(json.dumps(q)))
    assert result.exact and result.instrument == gse


def test_redcap_one_form_per_language(gse: Instrument) -> None:
    table = to_redcap(gse)
    forms = table["Form Name"].unique().tolist()
    assert forms == ["gse", "gse_de", "gse_pt_br"]
    de = table[table["Form Name"] == "gse_de"]
    labels = dict(zip(de["Variable / Field Name"], de["Field Label"], strict=True))
    assert labels["gse_1_de"] == GSE_DE["items"]["gse_1"]
    assert labels["gse_3_de"] == load_instrument("gse").items[2].text  # untranslated
    assert labels["gse_instructions_de"] == GSE_DE["instructions"]
    choices = de.set_index("Variable / Field Name").loc["gse_1_de", table.columns[5]]
    assert choices.startswith("1, stimmt nicht | 2, stimmt kaum")
    calc = de[de["Field Type"] == "calc"]
    assert calc["Variable / Field Name"].tolist() == ["gse_total_de"]
    assert "[gse_10_de]" in calc[table.columns[5]].iloc[0]
    buffer = io.StringIO()
    write_redcap(gse, buffer)
    result = from_redcap(io.StringIO(buffer.getvalue()))
    assert result.exact and result.instrument == gse
    assert not any(loss.where.startswith("form gse_") for loss in result.losses)


def test_restricted_text_is_never_exported_in_any_language(tmp_path: Path) -> None:
    secret = "GEHEIMER LIZENZIERTER TEXT"
    acs = _translated("acs", {"de": {"items": {"acs_1": secret},
                                     "labels": {"agree7": {7: "stimme voll zu"}}}})
    outputs = [json.dumps(to_fhir_questionnaire(acs, fhir_version=v), ensure_ascii=False)
               for v in ("R4", "R5")]
    outputs.append(json.dumps(to_reproschema(acs), ensure_ascii=False))
    outputs.append(to_redcap(acs).to_csv(index=False))
    for text in outputs:
        assert secret not in text
        assert "stimme voll zu" in text  # labels are not restricted
