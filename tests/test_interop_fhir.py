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
from psychometrics.exports.fhir import (
    CALCULATED,
    HIDDEN,
    ITEM_WEIGHT,
    ORDINAL_VALUE,
    fhirpath_score,
    score_link_ids,
    to_fhir_questionnaire,
)

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
    all_needed = {i for sc in inst.scales.values() if sc.required_answers() == len(sc.items)
                  for i in sc.items}
    assert {i["linkId"] for i in choice if i.get("required")} == all_needed
    for item in choice:
        rs = inst.item_scale(item["linkId"])
        codings = [o["valueCoding"] for o in item["answerOption"]]
        assert [c["code"] for c in codings] == [str(v) for v in rs.values]
        assert [c["display"] for c in codings] == [rs.labels[v] for v in rs.values]
        scored = [rs.min + rs.max - v for v in rs.values] if inst.item_map[
            item["linkId"]].reverse else rs.values
        for option, weight in zip(item["answerOption"], scored, strict=True):
            # On answerOption (where LHC-Forms and the R5 extension put it), not the coding.
            assert option["extension"] == [{"url": ITEM_WEIGHT, "valueDecimal": weight},
                                           {"url": ORDINAL_VALUE, "valueDecimal": weight}]
            assert "extension" not in option["valueCoding"]
    scores = [i for i in q["item"] if i["type"] == "decimal"]
    assert [i["text"] for i in scores] == [sc.name for sc in inst.scales.values()]
    for item in scores:
        assert item["readOnly"] is True
        assert {"url": HIDDEN, "valueBoolean": True} in item["extension"]
        calc = next(e for e in item["extension"] if e["url"] == CALCULATED)
        assert calc["valueExpression"]["language"] == "text/fhirpath"


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


@pytest.mark.filterwarnings("ignore:1 linkId")  # checked once below
def test_bundle_of_responses() -> None:
    path = FIXTURES / "fhir_who5_bundle.json"
    bundle = json.loads(path.read_text(encoding="utf-8"))
    fhir_bundle.Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        fhir_qr.QuestionnaireResponse.model_validate(entry["resource"])
    with pytest.warns(PsychometricsWarning, match="1 linkId.* match no item of who5 and were "
                      "not read: comment$"):
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
    with pytest.warns(PsychometricsWarning, match=r"items gse_1 \.\.\. gse_10 \(10\) have no "
                      "answers"):
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


# -- scores computed by FHIR engines -------------------------------------------------------


def _random_answers(inst, n: int, seed: int) -> pd.DataFrame:
    """Codes with blanks and missing-data codes, so every missing-item rule is exercised."""
    rng = np.random.default_rng(seed)
    cols = {}
    for iid in inst.item_ids:
        values = inst.item_scale(iid).values
        col = rng.choice(values, size=n).astype(float)
        col[rng.random(n) < 0.15] = np.nan
        col[rng.random(n) < 0.05] = -99
        cols[iid] = col
    return pd.DataFrame(cols)


def _response(q: dict, row: pd.Series) -> dict:
    """A QuestionnaireResponse answering with the Questionnaire's own option codings."""
    items = []
    for item in q["item"]:
        if "answerOption" not in item or np.isnan(row[item["linkId"]]):
            continue
        code = str(int(row[item["linkId"]]))
        coding = next((o["valueCoding"] for o in item["answerOption"]
                       if o["valueCoding"]["code"] == code),
                      {"system": "urn:missing", "code": code})  # -99: not an option
        items.append({"linkId": item["linkId"], "answer": [{"valueCoding": coding}]})
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": q["url"], "item": items}


@pytest.mark.parametrize("version", ["R4", "R5"])
@pytest.mark.parametrize("iid", BUILTIN)
def test_calculated_expressions_score_like_pm_score(iid: str, version: str) -> None:
    """fhirpathpy (an independent FHIRPath engine) evaluates every score item's
    calculatedExpression; the result equals psychometrics.score, blanks and all."""
    fhirpathpy = pytest.importorskip("fhirpathpy")
    from fhirpathpy.models import models

    inst = load_instrument(iid)
    q = to_fhir_questionnaire(inst, fhir_version=version)
    data = _random_answers(inst, 40, seed=13)
    expected = score(data, inst)
    links = score_link_ids(inst)
    exprs = {name: next(e["valueExpression"]["expression"]
                        for i in q["item"] if i["linkId"] == links[name]
                        for e in i["extension"] if e["url"] == CALCULATED)
             for name in inst.scales}
    assert exprs == {name: fhirpath_score(inst, name) for name in inst.scales}
    compiled = {name: fhirpathpy.compile(expr, model=models[version.lower()])
                for name, expr in exprs.items()}
    for r, row in data.iterrows():
        qr = _response(q, row)
        for name, fn in compiled.items():
            got = fn(qr, {"resource": qr})
            want = expected[f"{inst.id}_{name}"].iloc[r]
            if np.isnan(want):
                assert got == [], (r, name)
            else:
                assert len(got) == 1 and float(got[0]) == pytest.approx(want, abs=TOL), (r, name)


TOL = 1e-9  # a handful of decimal additions and one division


@pytest.mark.parametrize("iid", BUILTIN)
def test_sum_of_weights_is_the_score(iid: str) -> None:
    """An engine that only adds up the answer weights (itemWeight) gets the raw score of a
    complete response: reverse-keyed items carry reversed weights."""
    inst = load_instrument(iid)
    q = to_fhir_questionnaire(inst)
    data = _random_answers(inst, 30, seed=5).fillna(1).replace(-99, 1)
    options = {i["linkId"]: {o["valueCoding"]["code"]: o["extension"][0]["valueDecimal"]
                             for o in i["answerOption"]} for i in q["item"] if "answerOption" in i}
    scores = score(data, inst)
    for name, sc in inst.scales.items():
        weights = sum(data[i].astype(int).astype(str).map(options[i]) for i in sc.items)
        raw = weights / len(sc.items) if sc.method == "mean" else weights
        if sc.transform is not None:
            raw = sc.transform.apply(raw)
        np.testing.assert_allclose(raw, scores[f"{inst.id}_{name}"], atol=TOL)


@pytest.mark.parametrize("iid", BUILTIN)
def test_questionnaire_is_valid_r5(iid: str) -> None:
    r5 = pytest.importorskip("fhir.resources.questionnaire")
    q = to_fhir_questionnaire(iid, fhir_version="R5")
    r5.Questionnaire.model_validate(q)
    coded = [i for i in q["item"] if "answerOption" in i]
    assert {i["type"] for i in coded} == {"coding"}
    assert {i["answerConstraint"] for i in coded} == {"optionsOnly"}
    for item in coded:  # R5 has itemWeight only; ordinalValue is the R4 extension
        assert all([e["url"] for e in o["extension"]] == [ITEM_WEIGHT]
                   for o in item["answerOption"])
    with pytest.raises(ValueError, match="fhir_version"):
        to_fhir_questionnaire(iid, fhir_version="R3")


def _lhc_style_questionnaire() -> dict:
    """A Questionnaire in the form LHC's form builder and LOINC publish: LOINC item codes,
    LOINC answer codes (LA...) in a contained ValueSet whose weights are in a contained
    CodeSystem, one item with answerOptions weighted on the option, one reverse-worded item
    with falling weights."""
    answers = [("LA6568-5", "Not at all", 0), ("LA6569-3", "Several days", 1),
               ("LA6570-1", "More than half the days", 2), ("LA6571-9", "Nearly every day", 3)]
    return {
        "resourceType": "Questionnaire", "status": "active", "url": "http://example.org/q/mood",
        "title": "Mood check", "code": [{"system": "http://loinc.org", "code": "99999-9",
                                         "display": "Mood check panel"}],
        "contained": [
            {"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/cs/freq",
             "status": "active", "content": "complete",
             "property": [{"code": "itemWeight", "type": "decimal"}],
             "concept": [{"code": c, "display": d,
                          "property": [{"code": "itemWeight", "valueDecimal": w}]}
                         for c, d, w in answers]},
            {"resourceType": "ValueSet", "id": "freq", "status": "active",
             "compose": {"include": [{"system": "http://example.org/cs/freq"}]}},
        ],
        "item": [
            {"linkId": "/44250-9", "code": [{"system": "http://loinc.org", "code": "44250-9"}],
             "text": "Little interest or pleasure in doing things", "type": "choice",
             "answerValueSet": "#freq"},
            {"linkId": "/44255-8", "code": [{"system": "http://loinc.org", "code": "44255-8"}],
             "text": "Feeling down, depressed, or hopeless", "type": "choice",
             "answerOption": [{"valueCoding": {"system": "http://loinc.org", "code": c,
                                               "display": d},
                               "extension": [{"url": ITEM_WEIGHT, "valueDecimal": w}]}
                              for c, d, w in answers]},
            {"linkId": "/cheerful", "text": "Feeling cheerful", "type": "choice",
             "answerOption": [{"valueCoding": {"system": "http://loinc.org", "code": c,
                                               "display": d},
                               "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 3 - w}]}
                              for c, d, w in answers]},
        ],
    }


def test_responses_by_code_only_resolve_through_the_questionnaire(write_yaml) -> None:
    q = _lhc_style_questionnaire()
    fhir_q.Questionnaire.model_validate(q)
    inst = load_instrument("who5")
    links = {"who5_1": "/44250-9", "who5_2": "/44255-8"}
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "item": [{"linkId": "/44250-9", "answer": [{"valueCoding": {
              "system": "http://example.org/cs/freq", "code": "LA6570-1"}}]},
                   {"linkId": "/44255-8", "answer": [{"valueCoding": {"code": "LA6571-9"}}]}]}
    fhir_qr.QuestionnaireResponse.model_validate(qr)
    frame = read_fhir_responses(qr, inst, link_ids=links, questionnaire=q)
    assert frame[["who5_1", "who5_2"]].iloc[0].tolist() == [2.0, 3.0]  # the weights
    # Without the Questionnaire a LOINC answer code is not a response code: kept as text.
    bare = read_fhir_responses(qr, inst, link_ids=links)
    assert bare["who5_1"].tolist() == ["LA6570-1"]
    # Our own Questionnaire: the reversed weight of a reverse-keyed item turns back into its
    # code, so a response that carries only codes or only weights reads the same.
    acs = to_fhir_questionnaire("acs")
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "item": [{"linkId": "acs_4", "answer": [{"valueCoding": {"code": "2"}}]}]}
    assert read_fhir_responses(qr, "acs", questionnaire=acs)["acs_4"].tolist() == [2.0]


def test_cli_export_fhir_r5(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "acs", "--to", "fhir", "--fhir-version", "R5"]) == 0
    q = json.loads(capsys.readouterr().out)
    assert q == to_fhir_questionnaire("acs", fhir_version="R5")
