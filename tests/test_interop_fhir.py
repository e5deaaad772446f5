"""FHIR R4: Questionnaire export and QuestionnaireResponse import.

Structure is checked with ``fhir.resources`` (a maintained FHIR model library): its
``R4B`` models, because fhir.resources 8 (the version ``reproschema`` requires) ships R5,
R4B and STU3 but no longer R4 4.0.1. Questionnaire and QuestionnaireResponse did not change
between R4 and R4B. fhir.resources checks element names, cardinality and data types, not
coded values or invariants, so the R4 value sets and invariants that apply are checked
here explicitly (status, item.type, que-0, que-2, que-5, que-9).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics import list_instruments, load_instrument, read_fhir_responses, score, validate
from psychometrics.cli import main
from psychometrics.errors import DataValidationError, PsychometricsWarning
from psychometrics.exports.fhir import ORDINAL_VALUE, to_fhir_questionnaire

fhir_q = pytest.importorskip("fhir.resources.R4B.questionnaire")
fhir_qr = pytest.importorskip("fhir.resources.R4B.questionnaireresponse")
fhir_bundle = pytest.importorskip("fhir.resources.R4B.bundle")

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
BUILTIN = list_instruments()

# R4 value sets (hl7.org/fhir/R4/valueset-publication-status, valueset-item-type).
STATUS = {"draft", "active", "retired", "unknown"}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time",
              "string", "text", "url", "choice", "open-choice", "attachment", "reference",
              "quantity"}


def _check_r4(q: dict) -> None:
    fhir_q.Questionnaire.model_validate(q)
    assert q["status"] in STATUS
    assert re.fullmatch(r"[A-Z]([A-Za-z0-9_]){0,254}", q["name"])  # que-0
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", q["id"])
    link_ids = [i["linkId"] for i in q["item"]]
    assert len(link_ids) == len(set(link_ids))  # que-2
    for item in q["item"]:
        assert item["type"] in ITEM_TYPES
        if "answerOption" in item:
            assert item["type"] in {"choice", "open-choice"}  # que-5
        if item["type"] == "display":
            assert "required" not in item and "answerOption" not in item  # que-6, que-9


@pytest.mark.parametrize("iid", BUILTIN)
def test_questionnaire_is_valid_r4(iid: str) -> None:
    inst = load_instrument(iid)
    q = to_fhir_questionnaire(inst)
    _check_r4(q)
    assert q["version"] == inst.version
    assert {"system": "urn:psychometrics:definition-sha256",
            "value": inst.definition_hash} in q["identifier"]
    assert q["meta"]["tag"][0]["code"] == inst.definition_hash
    assert inst.licence.note.split()[0] in q["copyright"]
    choice = [i for i in q["item"] if i["type"] == "choice"]
    assert [i["linkId"] for i in choice] == inst.item_ids
    for item in choice:
        rs = inst.item_scale(item["linkId"])
        codings = [o["valueCoding"] for o in item["answerOption"]]
        assert [c["code"] for c in codings] == [str(v) for v in rs.values]
        assert [c["display"] for c in codings] == [rs.labels[v] for v in rs.values]
        ordinal = [c["extension"][0] for c in codings]
        assert all(e["url"] == ORDINAL_VALUE for e in ordinal)
        assert [e["valueDecimal"] for e in ordinal] == rs.values


@pytest.mark.parametrize("iid", ["acs", "acs-6", "css"])
def test_restricted_text_is_never_written(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    q = to_fhir_questionnaire(inst)
    texts = [i["text"] for i in q["item"] if i["type"] == "choice"]
    assert all(t.startswith("[Licensed text of item") for t in texts)
    assert "restricted" in q["copyright"]
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(f"instrument: {iid}\nitems:\n  {inst.item_ids[0]}:\n"
                       "    text: THE LICENSED WORDING\n", encoding="utf-8")
    licensed = to_fhir_questionnaire(load_instrument(iid, overlay=overlay))
    texts = [i["text"] for i in licensed["item"] if i["type"] == "choice"]
    assert texts[0] == "THE LICENSED WORDING"
    assert texts[1].startswith("[Licensed text of item")


def test_bundle_of_responses() -> None:
    path = FIXTURES / "fhir_who5_bundle.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    fhir_bundle.Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        fhir_qr.QuestionnaireResponse.model_validate(entry["resource"])
    frame = read_fhir_responses(path, "who5")
    items = load_instrument("who5").item_ids
    expected = pd.DataFrame([[5, 4, 4, 3, 5], [1, 2, 0, 1, 2], [4, 3, np.nan, 2, -99]],
                            columns=items, dtype=float)
    pd.testing.assert_frame_equal(frame[items], expected)
    assert frame["response_id"].tolist() == ["qr-1", "qr-2", "qr-3"]
    assert frame["subject"].tolist() == ["Patient/p1", "Patient/p2", "Patient/p3"]
    assert frame["status"].tolist() == ["completed", "completed", "in-progress"]
    assert frame.attrs["fhir"]["unmapped_link_ids"] == ["comment"]
    scores = score(frame, "who5", id_column="response_id")
    assert scores["who5_raw"].tolist()[:2] == [21.0, 6.0]
    assert np.isnan(scores["who5_raw"].iloc[2])
    report = validate(frame, "who5")
    assert report.ok and report.counts()["rule"].tolist() == ["missing_code"]
    # The same resources as a list, as a JSON string and as fhir.resources objects.
    resources = [e["resource"] for e in bundle["entry"]]
    pd.testing.assert_frame_equal(read_fhir_responses(resources, "who5"), frame)
    pd.testing.assert_frame_equal(read_fhir_responses(json.dumps(bundle), "who5"), frame)
    objects = [fhir_qr.QuestionnaireResponse.model_validate(r) for r in resources]
    pd.testing.assert_frame_equal(read_fhir_responses(objects, "who5")[items],
                                  frame[items])


def test_foreign_codes_use_ordinal_values() -> None:
    path = FIXTURES / "fhir_gse_foreign.json"
    for resource in json.loads(path.read_text(encoding="utf-8")):
        fhir_qr.QuestionnaireResponse.model_validate(resource)
    links = {f"gse_{j}": f"q{j}" for j in range(1, 11)}
    frame = read_fhir_responses(path, "gse", link_ids=links)
    items = load_instrument("gse").item_ids
    assert frame[items].iloc[0].tolist() == [4, 3, 3, 4, 3, 4, 3, 3, 4, 4]
    second = frame[items].iloc[1].tolist()
    assert np.isnan(second[6]) and second[:6] == [2, 1, 2, 2, 1, 2]
    totals = score(frame, "gse")["gse_total"].tolist()
    assert totals[0] == 35.0
    assert totals[1] == pytest.approx(15 / 9 * 10)  # prorated: 9 of 10 answered
    # Without the mapping nothing is found: every item is empty.
    unmapped = read_fhir_responses(path, "gse")
    assert unmapped[items].isna().all().all()
    assert "q1" in unmapped.attrs["fhir"]["unmapped_link_ids"]


def test_questionnaire_round_trip_through_a_response() -> None:
    """A response built from the exported Questionnaire's own answerOptions reads back."""
    q = to_fhir_questionnaire("acs-6")
    chosen = [7, 1, 2, 6, 3, 5]
    items = [i for i in q["item"] if i["type"] == "choice"]
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "questionnaire": f"{q['url']}|{q['version']}",
          "item": [{"linkId": i["linkId"],
                    "answer": [{"valueCoding": i["answerOption"][v - 1]["valueCoding"]}]}
                   for i, v in zip(items, chosen, strict=True)]}
    fhir_qr.QuestionnaireResponse.model_validate(qr)
    frame = read_fhir_responses(qr, "acs-6")
    assert frame.iloc[0, 5:].tolist() == chosen
    assert score(frame, "acs-6")["acs-6_affective"].tolist() == [pytest.approx(
        (7 + 1 + 6 + 2 + 5 + 5) / 6)]  # items 3-5 reversed: 8-2, 8-6, 8-3


def test_wrong_inputs() -> None:
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "questionnaire": "urn:psychometrics:instrument:gse|1.0.0", "item": []}
    with pytest.raises(DataValidationError, match="answers questionnaire"):
        read_fhir_responses(qr, "who5")
    with pytest.raises(DataValidationError, match="not a QuestionnaireResponse"):
        read_fhir_responses({"resourceType": "Patient"}, "who5")
    two = {"resourceType": "QuestionnaireResponse", "status": "completed",
           "item": [{"linkId": "who5_1", "answer": [{"valueInteger": 1},
                                                    {"valueInteger": 2}]}]}
    with pytest.warns(PsychometricsWarning, match="2 answers"):
        frame = read_fhir_responses(two, "who5")
    assert frame["who5_1"].tolist() == ["1.0 | 2.0"]
    assert validate(frame, "who5").errors["rule"].tolist() == ["non_numeric"]
    with pytest.raises(ValueError, match="unknown item"):
        read_fhir_responses(two, "who5", link_ids={"nope": "x"})


def test_cli_export_fhir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gse.json"
    assert main(["export", "gse", "--to", "fhir", "-o", str(out)]) == 0
    q = json.loads(out.read_text(encoding="utf-8"))
    _check_r4(q)
    assert q == to_fhir_questionnaire("gse")
    assert main(["export", "who5", "--to", "fhir"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "who5"
