"""ReproSchema export, validated with the ``reproschema`` package (reproschema-py).

``reproschema.validate`` cannot run on these machines: it expands every document with
JSON-LD against the remote context ``reproschema.context_url.CONTEXTFILE_URL`` (on
raw.githubusercontent.com), and the machines have no internet. The test therefore does
offline what that validator does after expansion: each document (written in the compact
form with that same context, as reproschema's own converters write it) is loaded into
reproschema's pydantic models (``Protocol``, ``Activity``, ``Item``, which forbid unknown
fields and check types), chosen by ``identify_model_class`` from its ``category``, and its
``id`` must equal its file name (the validator's rule). References between documents
(``ui.order``, ``isAbout``, ``compute.variableName``) are resolved on disk. Set
``PSYCHOMETRICS_ONLINE=1`` where the internet is reachable to also run the full validator.

Also: reproschema's own ReproSchema-to-FHIR converter reads the folder (a second,
independent consumer), and each score's ``jsExpression`` is run with Node.js (when
installed) on random data and compared with ``psychometrics.score``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics import list_instruments, load_instrument, score
from psychometrics.cli import main
from psychometrics.exports.reproschema import (
    CONTEXT,
    js_expression,
    score_item_ids,
    write_reproschema,
)

os.environ.setdefault("NO_ET", "1")  # reproschema's import would check its version online
models = pytest.importorskip("reproschema.models")
context_url = pytest.importorskip("reproschema.context_url")

BUILTIN = list_instruments()
TOL = 1e-9  # a sum and a division in double precision, in JavaScript and numpy


def _documents(root: Path) -> dict[Path, dict]:
    return {p: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("iid", BUILTIN)
def test_folder_validates_against_reproschema_models(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    protocol = write_reproschema(inst, tmp_path)
    docs = _documents(tmp_path)
    assert CONTEXT == context_url.CONTEXTFILE_URL
    kinds: dict[str, list[Path]] = {}
    for path, doc in docs.items():
        data = dict(doc)
        assert data.pop("@context") == context_url.CONTEXTFILE_URL
        cls = models.identify_model_class(data["category"])
        cls(**data)  # raises on unknown fields or wrong types
        assert data["id"] == path.name  # reproschema.validate's rule
        kinds.setdefault(cls.__name__, []).append(path)
    assert kinds["Protocol"] == [protocol]
    assert len(kinds["Activity"]) == 1
    assert len(kinds["Item"]) == len(inst.items) + len(inst.scales)

    activity_path = kinds["Activity"][0]
    activity = docs[activity_path]
    for ref in docs[protocol]["ui"]["order"]:
        assert (protocol.parent / ref).resolve() == activity_path.resolve()
    for ref in activity["ui"]["order"]:
        assert (activity_path.parent / ref).is_file(), ref
    assert [p["isAbout"] for p in activity["ui"]["addProperties"]] == activity["ui"]["order"]
    variables = {p["variableName"] for p in activity["ui"]["addProperties"]}
    assert {c["variableName"] for c in activity["compute"]} <= variables
    assert activity["version"] == inst.version
    score_items = [docs[activity_path.parent / "items" / sid]
                   for sid in score_item_ids(inst).values()]
    for doc in score_items:
        notes = {n["column"]: n["value"] for n in doc["additionalNotesObj"]}
        assert notes["definition_sha256"] == inst.definition_hash
        assert f"sha256:{inst.definition_hash}" in notes["definition"]


@pytest.mark.parametrize("iid", BUILTIN)
def test_items_carry_choices_and_placeholders(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    write_reproschema(inst, tmp_path)
    for item in inst.items:
        doc = json.loads((tmp_path / "activities" / iid / "items" / item.id)
                         .read_text(encoding="utf-8"))
        rs = inst.item_scale(item.id)
        choices = doc["responseOptions"]["choices"]
        assert [c["value"] for c in choices] == rs.values
        assert [c["name"][inst.language] for c in choices] == [rs.labels[v] for v in rs.values]
        question = doc["question"][inst.language]
        if inst.text_is_restricted:
            assert question.startswith(f"[Licensed text of item {item.id} goes here.")
        else:
            assert question == item.text


def test_reproschema_fhir_converter_reads_the_folder(tmp_path: Path) -> None:
    from reproschema.reproschema2fhir import convert_to_fhir

    fhir_q = pytest.importorskip("fhir.resources.R4B.questionnaire")
    inst = load_instrument("gse")
    write_reproschema(inst, tmp_path)
    folder = tmp_path / "activities" / "gse"
    content = {str(p.relative_to(folder)): doc for p, doc in _documents(folder).items()}
    questionnaire = convert_to_fhir(content)
    fhir_q.Questionnaire.model_validate(questionnaire)
    items = [i for i in questionnaire["item"] if i["linkId"] in inst.item_map]
    assert [i["text"] for i in items] == [i.text for i in inst.items]
    assert [o["valueString"] for o in items[0]["answerOption"]] == list(
        inst.item_scale("gse_1").labels.values())


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("iid", BUILTIN)
def test_js_expressions_score_like_psychometrics(iid: str, tmp_path: Path) -> None:
    """Each score's jsExpression, run by Node.js as a form engine runs it (the item
    variables in scope), equals psychometrics.score on complete responses."""
    inst = load_instrument(iid)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({item.id: rng.choice(inst.item_scale(item.id).values, size=200)
                          for item in inst.items}).astype(float)
    expected = score(frame, inst)
    write_reproschema(inst, tmp_path)
    docs = _documents(tmp_path)
    activity = next(d for d in docs.values() if d["category"] == "reproschema:Activity")
    compute = {c["variableName"]: c["jsExpression"] for c in activity["compute"]}
    names = score_item_ids(inst)
    assert compute == {names[n]: js_expression(inst, n) for n in inst.scales}
    assert not any("function" in e or "=>" in e for e in compute.values())
    functions = ",\n".join(
        f"{json.dumps(name)}: function (r) {{ with (r) {{ return {js_expression(inst, name)}; }} }}"
        for name in inst.scales)
    program = (f"const f = {{\n{functions}\n}};\n"
               f"const rows = {json.dumps(frame.astype(int).to_dict('records'))};\n"
               "const out = {}; for (const k in f) out[k] = rows.map((r) => f[k](r));\n"
               "console.log(JSON.stringify(out));\n")
    script = tmp_path / "score.js"
    script.write_text(program, encoding="utf-8")
    result = subprocess.run(["node", str(script)], capture_output=True, text=True,
                            timeout=60, check=True)
    got = json.loads(result.stdout)
    for name in inst.scales:
        np.testing.assert_allclose(got[name], expected[f"{inst.id}_{name}"], atol=TOL)


@pytest.mark.parametrize("iid", BUILTIN)
def test_required_and_labels(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    write_reproschema(inst, tmp_path)
    folder = tmp_path / "activities" / iid
    activity = json.loads((folder / f"{iid}_schema").read_text(encoding="utf-8"))
    props = {p["variableName"]: p for p in activity["ui"]["addProperties"]}
    needed = {i for sc in inst.scales.values() if sc.required_answers() == len(sc.items)
              for i in sc.items}
    assert {i for i in inst.item_ids if props[i]["valueRequired"]} == needed
    for item in inst.items:
        doc = json.loads((folder / "items" / item.id).read_text(encoding="utf-8"))
        assert doc["prefLabel"][inst.language] == (item.text or item.paraphrase)
    for name, sid in score_item_ids(inst).items():
        doc = json.loads((folder / "items" / sid).read_text(encoding="utf-8"))
        assert f"at least {inst.scales[name].required_answers()} of" in \
            doc["description"][inst.language]


@pytest.mark.skipif(not os.environ.get("PSYCHOMETRICS_ONLINE"),
                    reason="reproschema.validate needs the remote JSON-LD context")
def test_full_reproschema_validator_online(tmp_path: Path) -> None:
    from reproschema.validate import validate

    write_reproschema("acs-6", tmp_path)
    assert validate(str(tmp_path))


def test_cli_export_reproschema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "css", "--to", "reproschema", "-o", str(tmp_path / "rs")]) == 0
    assert (tmp_path / "rs" / "css_protocol" / "css_protocol_schema").is_file()
    assert (tmp_path / "rs" / "activities" / "css" / "items" / "css_satisfaction").is_file()
    assert "placeholders" in capsys.readouterr().err
    assert main(["export", "css", "--to", "reproschema"]) == 2
    assert "-o DIR" in capsys.readouterr().err
