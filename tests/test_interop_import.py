"""Importers (FHIR Questionnaire, ReproSchema activity) and the round trips of every shipped
instrument through every format and back to YAML.

A round trip is exact when the YAML written from the import loads as a definition with the
same SHA-256 as the original (``definition_hash``: the canonical JSON of the whole
definition). Foreign files are built in the published layouts: a Questionnaire as LHC's
form builder and LOINC publish them (LOINC item codes, LOINC answer codes in a contained
ValueSet whose weights sit in a contained CodeSystem, ``itemWeight`` and ``ordinalValue``
on options, a group, a display intro, a calculated total) and an activity folder as the
ReproNim ReproSchema library lays them out (``<name>_schema``, ``items/``, a shared
``valueConstraints`` document, a plain ``jsExpression`` total).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from psychometrics import list_instruments, load_instrument, read_fhir_responses, score
from psychometrics.cli import main
from psychometrics.errors import DefinitionError
from psychometrics.exports import (
    from_fhir,
    from_redcap,
    from_reproschema,
    instrument_to_yaml,
    to_fhir_questionnaire,
    write_redcap,
    write_reproschema,
)

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
BUILTIN = list_instruments()


def _through_yaml(result, tmp_path: Path):
    path = tmp_path / "back.yaml"
    path.write_text(instrument_to_yaml(result.instrument), encoding="utf-8")
    return load_instrument(path)


@pytest.mark.parametrize("iid", BUILTIN)
def test_yaml_redcap_yaml_is_exact(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    for record_id in ("record_id", None):
        buffer = io.StringIO()
        write_redcap(inst, buffer, record_id=record_id)
        result = from_redcap(io.StringIO(buffer.getvalue()))
        assert result.exact and result.content_losses == []
        assert _through_yaml(result, tmp_path).definition_hash == inst.definition_hash


@pytest.mark.parametrize("version", ["R4", "R5"])
@pytest.mark.parametrize("iid", BUILTIN)
def test_yaml_fhir_yaml_is_exact(iid: str, version: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    path = tmp_path / "q.json"
    path.write_text(json.dumps(to_fhir_questionnaire(inst, fhir_version=version)),
                    encoding="utf-8")
    result = from_fhir(path)
    assert result.exact and result.losses == [] and result.notes == []
    assert _through_yaml(result, tmp_path).definition_hash == inst.definition_hash


@pytest.mark.parametrize("iid", BUILTIN)
def test_yaml_reproschema_yaml_is_exact(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    write_reproschema(inst, tmp_path / "rs")
    result = from_reproschema(tmp_path / "rs" / "activities" / iid)
    assert result.exact and result.losses == [] and result.notes == []
    assert _through_yaml(result, tmp_path).definition_hash == inst.definition_hash
    # The activity document itself works as well as its folder.
    again = from_reproschema(tmp_path / "rs" / "activities" / iid / f"{iid}_schema")
    assert again.instrument == inst


def _strip_ours(obj):
    """The Questionnaire without our urn:psychometrics extensions: what another tool sees."""
    if isinstance(obj, dict):
        out = {k: _strip_ours(v) for k, v in obj.items()}
        if "extension" in out:
            out["extension"] = [e for e in out["extension"]
                                if not e["url"].startswith("urn:psychometrics:")]
        return out
    if isinstance(obj, list):
        return [_strip_ours(x) for x in obj]
    return obj


@pytest.mark.parametrize("iid", BUILTIN)
def test_fhir_structure_alone_gives_items_codes_and_reverse_keys(iid: str) -> None:
    """Without our extensions the items, labels, codes and reverse keys still come back,
    from the option weights; everything else is a listed loss."""
    inst = load_instrument(iid)
    result = from_fhir(_strip_ours(to_fhir_questionnaire(inst)))
    got = result.instrument
    assert got.item_ids == inst.item_ids
    assert [i.reverse for i in got.items] == [i.reverse for i in inst.items]
    assert list(got.response_scales.values()) == list(inst.response_scales.values())
    assert [i.text for i in got.items] == [i.text for i in inst.items]
    assert got.text_is_restricted == inst.text_is_restricted
    where = {(loss.where, loss.what) for loss in result.losses}
    assert ("scales", "scoring") in where and ("instrument", "citations") in where
    assert not result.exact


def test_lhc_questionnaire_imports_every_item() -> None:
    result = from_fhir(FIXTURES / "fhir_lhc_mood.json")
    inst = result.instrument
    assert inst.id == "mood-check" and inst.version == "2.1"
    assert inst.item_ids == ["q44250_9", "q44255_8", "cheerful"]
    assert [i.reverse for i in inst.items] == [False, False, True]  # falling weights
    assert inst.item_scale("q44250_9").labels == {0: "Not at all", 1: "Several days",
                                                  2: "More than half the days",
                                                  3: "Nearly every day"}
    assert inst.items[0].codes[0].code == "44250-9"  # LOINC codes kept
    assert inst.items[0].codes[0].system == "http://loinc.org"
    assert inst.codes[0].code == "99999-9"
    assert inst.instructions.startswith("Over the last 2 weeks")
    assert "linkId '/44250-9' -> item q44250_9" in inst.notes  # the original is kept
    where = {(loss.where, loss.what) for loss in result.losses}
    for expected in [("/panel", "group"), ("/comment", "string item"),
                     ("/total", "calculated item"), ("scales", "scoring"),
                     ("answer options", "codes of http://loinc.org"),
                     ("instrument", "citations")]:
        assert expected in where, expected
    # The fallback total sums the scores (reversed where reverse-keyed) and the LOINC codes
    # go back out to FHIR.
    back = to_fhir_questionnaire(inst)
    assert back["item"][1]["code"][0]["code"] == "44250-9"
    assert back["code"][0]["code"] == "99999-9"


def test_lhc_responses_score_with_the_imported_instrument() -> None:
    q = json.loads((FIXTURES / "fhir_lhc_mood.json").read_text(encoding="utf-8"))
    inst = from_fhir(q).instrument
    links = {"q44250_9": "/44250-9", "q44255_8": "/44255-8", "cheerful": "/cheerful"}
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "/panel", "item": [
            {"linkId": "/44250-9", "answer": [{"valueCoding": {
                "system": "http://example.org/cs/frequency", "code": "LA6570-1"}}]},
            {"linkId": "/44255-8", "answer": [{"valueCoding": {
                "system": "http://loinc.org", "code": "LA6569-3"}}]},
            {"linkId": "/cheerful", "answer": [{"valueCoding": {
                "system": "http://loinc.org", "code": "LA6568-5"}}]}]}]}
    frame = read_fhir_responses(qr, inst, link_ids=links, questionnaire=q)
    # "Not at all" cheerful has weight 3; the instrument's reversed code 0 scores 3 again.
    assert frame[inst.item_ids].iloc[0].tolist() == [2.0, 1.0, 0.0]
    assert score(frame, inst)["mood-check_total"].tolist() == [2 + 1 + 3]


def _repronim_activity(root: Path) -> Path:
    """An activity folder laid out as the ReproNim library's."""
    folder = root / "activities" / "Mood"
    (folder / "items").mkdir(parents=True)
    ctx = "https://raw.githubusercontent.com/ReproNim/reproschema/1.0.0/contexts/reproschema"
    freq = {"@context": ctx, "category": "reproschema:ResponseOption", "id": "valueConstraints",
            "valueType": "xsd:integer", "choices": [
                {"name": {"en": "Not at all"}, "value": 0},
                {"name": {"en": "Several days"}, "value": 1},
                {"name": {"en": "Nearly every day"}, "value": 2}]}
    (folder / "valueConstraints").write_text(json.dumps(freq), encoding="utf-8")
    items = {
        "mood_1": {"question": {"en": "Little interest in doing things", "es": "Poco interés"},
                   "ui": {"inputType": "radio"}, "responseOptions": "../valueConstraints"},
        "mood_2": {"question": {"en": "Feeling cheerful"}, "ui": {"inputType": "radio"},
                   "responseOptions": {"valueType": "xsd:integer", "choices": [
                       {"name": {"en": "Not at all"}, "value": 2},
                       {"name": {"en": "Several days"}, "value": 1},
                       {"name": {"en": "Nearly every day"}, "value": 0}]}},
        "mood_notes": {"question": {"en": "Anything else?"}, "ui": {"inputType": "text"},
                       "responseOptions": {"valueType": "xsd:string"}},
    }
    for name, doc in items.items():
        doc = {"@context": ctx, "category": "reproschema:Field", "id": name,
               "prefLabel": {"en": name}, **doc}
        (folder / "items" / name).write_text(json.dumps(doc), encoding="utf-8")
    activity = {
        "@context": ctx, "category": "reproschema:Activity", "id": "Mood_schema",
        "prefLabel": {"en": "Mood questionnaire"}, "schemaVersion": "1.0.0",
        "version": "0.0.1", "description": {"en": "Two mood questions."},
        "preamble": {"en": "How often in the last two weeks ..."},
        "citation": {"en": "Example, A. (2024). A mood screener."},
        "ui": {"order": [f"items/{n}" for n in items] + ["items/missing_one"],
               "addProperties": [{"isAbout": f"items/{n}", "variableName": n, "isVis": True}
                                 for n in items]},
        "compute": [{"variableName": "mood_total", "jsExpression": "mood_1 + mood_2"}],
    }
    (folder / "Mood_schema").write_text(json.dumps(activity), encoding="utf-8")
    return folder


def test_repronim_activity_imports_every_item(tmp_path: Path) -> None:
    folder = _repronim_activity(tmp_path)
    result = from_reproschema(folder)
    inst = result.instrument
    assert inst.id == "mood" and inst.version == "0.0.1" and inst.name == "Mood questionnaire"
    assert inst.item_ids == ["mood_1", "mood_2"]
    assert [i.reverse for i in inst.items] == [False, True]  # falling choice values
    assert inst.item_scale("mood_1") == inst.item_scale("mood_2")
    assert inst.instructions == "How often in the last two weeks ..."
    assert inst.citations[0].text.startswith("Example, A.")
    where = {(loss.where, loss.what) for loss in result.losses}
    for expected in [("mood_notes", "text item"), ("items/missing_one", "item"),
                     ("mood_total", "compute"), ("scales", "scoring")]:
        assert expected in where, expected
    import pandas as pd

    # Scored like the library's expression for complete responses: mood_1 + mood_2.
    data = pd.DataFrame({"mood_1": [2, 0], "mood_2": [2, 1]})  # codes; mood_2 reversed
    assert score(data, inst)["mood_total"].tolist() == [2 + 0, 0 + 1]


def test_import_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not a FHIR Questionnaire"):
        from_fhir({"resourceType": "Patient"})
    with pytest.raises(DefinitionError, match="instrument id 'Bad' is not valid"):
        from_fhir(FIXTURES / "fhir_lhc_mood.json", instrument_id="Bad")
    with pytest.raises(DefinitionError, match="no question with coded answers"):
        from_fhir({"resourceType": "Questionnaire", "status": "active",
                   "item": [{"linkId": "a", "type": "string", "text": "Name"}]})
    with pytest.raises(DefinitionError, match="holds no ReproSchema activity"):
        from_reproschema(tmp_path)
    with pytest.raises(FileNotFoundError):
        from_reproschema(tmp_path / "nowhere")


def test_cli_imports_fhir_and_reproschema(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mood.yaml"
    assert main(["import", "fhir", str(FIXTURES / "fhir_lhc_mood.json"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "/comment: string item" in err and "3 items" in err
    assert load_instrument(out).item_ids == ["q44250_9", "q44255_8", "cheerful"]
    assert "#   - /total: calculated item" in out.read_text(encoding="utf-8")

    assert main(["export", "who5", "--to", "reproschema", "-o", str(tmp_path / "rs")]) == 0
    capsys.readouterr()
    assert main(["import", "reproschema", str(tmp_path / "rs" / "activities" / "who5")]) == 0
    captured = capsys.readouterr()
    assert "exact round trip" in captured.err and "id: who5" in captured.out

    assert main(["import", "fhir", str(FIXTURES / "fhir_lhc_mood.json"), "--form", "x"]) == 2
    assert "--form applies to redcap imports only" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["import", "fhir", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "is not JSON" in err and "Traceback" not in err
