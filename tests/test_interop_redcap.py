"""REDCap data dictionaries: export, import, round trip, calc semantics, record exports.

The calc fields are checked by evaluating them under REDCap's documented calc semantics
(``mean()``/``sum()`` ignore blanks, ``if()``, ``""`` is blank, and, as in REDCap's
JavaScript, a blank compares as 0 in ``<``/``>=``) and comparing with ``psychometrics.score``
on random data with blanks and missing-data codes. ``reproschema``'s own REDCap reader
(``redcap2reproschema.process_csv``) is used as an independent parser of the dictionary.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics import list_instruments, load_instrument, score, validate
from psychometrics.cli import main
from psychometrics.errors import DefinitionError
from psychometrics.exports import (
    from_redcap,
    instrument_to_yaml,
    read_redcap_records,
    to_redcap,
    write_redcap,
)
from psychometrics.exports.redcap import COLUMNS, read_dictionary, redcap_calc, redcap_name

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
BUILTIN = list_instruments()
TOL = 1e-9  # scores are a handful of float additions and one division


def _export(inst, **kw) -> str:
    buffer = io.StringIO()
    write_redcap(inst, buffer, **kw)
    return buffer.getvalue()


# -- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("iid", BUILTIN)
def test_dictionary_has_standard_columns_and_valid_names(iid: str) -> None:
    inst = load_instrument(iid)
    frame = pd.read_csv(io.StringIO(_export(inst)), dtype=str, keep_default_na=False)
    assert list(frame.columns) == COLUMNS and len(COLUMNS) == 18
    names = frame["Variable / Field Name"]
    assert names.is_unique
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,99}", n) for n in names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", f) for f in frame["Form Name"])
    types = frame["Field Type"].tolist()
    assert types[0] == "text" and names[0] == "record_id"
    assert types[1] == "descriptive"
    assert types.count("radio") == len(inst.items)
    assert types.count("calc") == len(inst.scales)
    radios = frame[frame["Field Type"] == "radio"]
    for item, choices in zip(inst.items, radios["Choices, Calculations, OR Slider Labels"],
                             strict=True):
        rs = inst.item_scale(item.id)
        assert choices == " | ".join(f"{v}, {rs.labels[v]}" for v in rs.values)
    intro = frame.iloc[1]["Field Annotation"]
    assert f"sha256={inst.definition_hash}" in intro
    assert f"instrument={inst.id} version={inst.version}" in intro


def test_record_id_can_be_left_out() -> None:
    frame = to_redcap("gse", record_id=None)
    assert frame.iloc[0]["Field Type"] == "descriptive"
    assert "record_id" not in frame["Variable / Field Name"].tolist()


@pytest.mark.parametrize("iid", ["acs", "acs-6", "css"])
def test_restricted_text_is_a_placeholder(iid: str) -> None:
    inst = load_instrument(iid)
    frame = to_redcap(inst)
    labels = frame[frame["Field Type"] == "radio"]["Field Label"].tolist()
    for item, label in zip(inst.items, labels, strict=True):
        assert label.startswith(f"[Licensed text of item {item.id} goes here.")
        assert item.paraphrase in label


def test_overlay_text_is_exported(tmp_path: Path) -> None:
    overlay = tmp_path / "css-licensed.yaml"
    overlay.write_text("instrument: css\nitems:\n" + "".join(
        f"  css_{j}:\n    text: LICENSED WORDING {j}\n" for j in range(1, 6)), encoding="utf-8")
    inst = load_instrument("css", overlay=overlay)
    frame = to_redcap(inst)
    labels = frame[frame["Field Type"] == "radio"]["Field Label"].tolist()
    assert labels == [f"LICENSED WORDING {j}" for j in range(1, 6)]
    back = from_redcap(frame)
    assert back.instrument == inst and back.content_losses == []


def test_field_names_follow_redcap_rules() -> None:
    assert redcap_name("acs-6") == "acs_6"
    assert redcap_name("Q1 (rev)") == "q1_rev"
    assert redcap_name("9lives") == "v_9lives"
    assert len(redcap_name("x" * 150)) == 100


def test_uppercase_item_ids_are_lowercased_and_restored(write_yaml) -> None:
    from conftest import MINIMAL

    text = MINIMAL.replace("id: q", "id: Q").replace("[q1, q2, q3]", "[Q1, Q2, Q3]")
    inst = load_instrument(write_yaml(text))
    frame = to_redcap(inst)
    assert frame["Variable / Field Name"].tolist()[2:5] == ["q1", "q2", "q3"]
    assert "[q2]" in frame.iloc[-1][COLUMNS[5]]
    result = from_redcap(frame)
    assert result.instrument == inst and result.content_losses == []
    records = read_redcap_records(pd.DataFrame({"q1": [1], "q2": [4], "q3": [2]}), inst)
    assert records.columns.tolist() == ["Q1", "Q2", "Q3"]
    assert score(records, inst)["demo-scale_total"].tolist() == [4.0]  # 1 + (5-4) + 2


# -- calc semantics ------------------------------------------------------------------------


class _Blank:
    """REDCap's blank value, with JavaScript's coercions (a blank compares as 0)."""

    def _arith(self, other: object) -> _Blank:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arith
    __truediv__ = __rtruediv__ = _arith

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Blank)

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, _Blank)

    def __ge__(self, other: float) -> bool:
        return 0 >= other

    def __le__(self, other: float) -> bool:
        return 0 <= other

    def __gt__(self, other: float) -> bool:
        return 0 > other

    def __lt__(self, other: float) -> bool:
        return 0 < other

    __hash__ = None  # type: ignore[assignment]


BLANK = _Blank()


def _redcap_eval(expr: str, record: dict[str, float | None]) -> float:
    """Evaluate a REDCap calculation (the subset REDCap documents) for one record."""
    py = re.sub(r"\[([a-z][a-z0-9_]*)\]", r'_v("\1")', expr)
    py = py.replace('""', "_B").replace("<>", "!=")
    py = re.sub(r"(?<![<>!=])=(?!=)", "==", py)
    py = re.sub(r"\bif\(", "_if(", py)
    py = re.sub(r"\bmean\(", "_mean(", py)
    py = re.sub(r"\bsum\(", "_sum(", py)

    def _v(name: str) -> object:
        value = record.get(name)
        return BLANK if value is None else value

    def _if(cond: object, then: object, other: object) -> object:
        return then if cond else other

    def _mean(*xs: object) -> object:
        vals = [x for x in xs if not isinstance(x, _Blank)]
        return sum(vals) / len(vals) if vals else BLANK

    def _sum(*xs: object) -> object:
        vals = [x for x in xs if not isinstance(x, _Blank)]
        return sum(vals) if vals else BLANK

    env = {"_v": _v, "_if": _if, "_mean": _mean, "_sum": _sum, "_B": BLANK}
    result = eval(py, {"__builtins__": {}}, env)  # our own generated formula
    return float("nan") if isinstance(result, _Blank) else float(result)


def _random_responses(inst, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {}
    for item in inst.items:
        rs = inst.item_scale(item.id)
        col = rng.choice(rs.values, size=n).astype(float)
        u = rng.random(n)
        col[u < 0.12] = np.nan
        col[(u >= 0.12) & (u < 0.17)] = -99
        data[item.id] = col
    return pd.DataFrame(data)


@pytest.mark.parametrize("iid", BUILTIN)
def test_calc_fields_score_like_psychometrics(iid: str) -> None:
    inst = load_instrument(iid)
    data = _random_responses(inst, 300, seed=len(iid))
    expected = score(data, inst)
    frame = to_redcap(inst)
    calcs = frame[frame["Field Type"] == "calc"]
    for (sname, _), (_, row) in zip(inst.scales.items(), calcs.iterrows(), strict=True):
        formula = row["Choices, Calculations, OR Slider Labels"]
        assert formula == redcap_calc(inst, sname)
        got = np.array([
            _redcap_eval(formula, {k: (None if np.isnan(v) else v) for k, v in rec.items()})
            for rec in data.to_dict("records")])
        want = expected[f"{inst.id}_{sname}"].to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want)), sname
        np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], atol=TOL)
        assert (~np.isnan(want)).sum() > 5 and np.isnan(want).sum() > 5  # both paths tested


def test_calc_handles_reverse_keys_prorating_and_transform() -> None:
    gse = redcap_calc("gse", "total")
    assert "mean(" in gse and gse.endswith(")*10,\"\")")  # prorated sum
    assert ">=7," in gse  # max_missing 3 of 10 -> at least 7 answered
    who5 = redcap_calc("who5", "percentage")
    assert who5.endswith(")*5)*4,\"\")")
    acs = redcap_calc("acs", "affective")
    assert acs.count("(8-[") == 4  # items 4, 5, 6, 8 reversed on a 1-7 scale


# -- import and round trip -----------------------------------------------------------------


@pytest.mark.parametrize("iid", BUILTIN)
def test_round_trip_is_exact(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(iid)
    path = tmp_path / f"{iid}.csv"
    write_redcap(inst, path)
    result = from_redcap(path)
    assert result.content_losses == []
    assert result.instrument == inst
    assert result.instrument.definition_hash == inst.definition_hash == result.exported_sha256
    assert result.exact
    # ... and the YAML written from it loads back to the same definition.
    yaml_path = tmp_path / "back.yaml"
    yaml_path.write_text(instrument_to_yaml(result.instrument), encoding="utf-8")
    assert load_instrument(yaml_path) == inst


# What a dictionary without the @psychometrics annotations cannot give back, and the loss
# entry that names it. Any other difference would be an unreported loss.
STRIPPED_LOSSES = {
    "name": "name, version", "version": "name, version", "follows": "name, version",
    "construct": "name, version", "description": "name, version",
    "citations": "citations", "licence": "licence",
    "abbreviation": "abbreviation", "adaptation": "abbreviation", "published": "abbreviation",
    "notes": "abbreviation", "missing_codes": "missing codes",
    "response_scales": "names", "response_scale": "names",
    "scales": "scoring", "items": "scoring",  # reverse keys go with the scoring
}


@pytest.mark.parametrize("iid", BUILTIN)
def test_round_trip_without_annotations_lists_every_loss(iid: str) -> None:
    inst = load_instrument(iid)
    table = read_dictionary(io.StringIO(_export(inst)))
    table["Field Annotation"] = ""
    result = from_redcap(table)
    got = result.instrument
    assert got.id == inst.id
    assert got.instructions == inst.instructions
    assert [i.id for i in got.items] == inst.item_ids
    assert [i.text for i in got.items] == [i.text for i in inst.items]
    assert [i.paraphrase for i in got.items] == [i.paraphrase for i in inst.items]
    assert list(got.response_scales.values()) == list(inst.response_scales.values())
    assert got.licence.item_text == inst.licence.item_text
    reported = " | ".join(f"{loss.what} {loss.reason}" for loss in result.losses)
    original, back = inst.model_dump(), got.model_dump()
    differing = [k for k in original if original[k] != back[k]]
    assert differing, "stripping the annotations must lose something"
    for key in differing:
        assert key in STRIPPED_LOSSES, f"unreported difference: {key}"
        assert STRIPPED_LOSSES[key] in reported, key


def test_import_project_dictionary_reports_what_it_cannot_map() -> None:
    path = FIXTURES / "redcap_dictionary_project.csv"
    with pytest.raises(DefinitionError, match="several forms"):
        from_redcap(path)
    result = from_redcap(path, form="wellbeing", missing_codes=[-99])
    inst = result.instrument
    assert inst.id == "wellbeing"
    assert inst.item_ids == ["wb_1", "wb_2", "wb_3", "wb_4", "wb_meds"]
    assert inst.instructions == "Please answer each question about the past week."
    assert inst.response_scale == "responses_1"
    assert inst.item_scale("wb_1").labels == {0: "Never", 1: "Sometimes", 2: "Often",
                                              3: "Always"}
    assert inst.item_scale("wb_4").values == [1, 2, 3, 4, 5]  # -99 is a missing code
    assert inst.missing_codes == [-99]
    assert inst.item_scale("wb_meds").labels == {0: "No", 1: "Yes"}
    losses = {(loss.where, loss.what) for loss in result.losses}
    for expected in [("wb_1", "required flag"), ("wb_1", "section header"),
                     ("wb_2", "field note"), ("wb_3", "branching logic"),
                     ("wb_4", "choice order"), ("wb_which", "checkbox field"),
                     ("wb_comments", "notes field (free text)"), ("wb_mood", "radio field"),
                     ("wb_total", "calc field"), ("wb_total", "field annotation"),
                     ("scales", "scoring"), ("instrument", "citations"),
                     ("instrument", "licence")]:
        assert expected in losses, expected
    branching = next(x for x in result.losses if x.what == "branching logic")
    assert "[wb_2] > 0" in branching.reason
    assert ("record_id", "record identifier") in losses  # never an item, but listed
    assert ("form demographics", "1 field(s) (age)") in losses  # the other forms' fields
    assert ("form followup", "1 field(s) (fu_1)") in losses
    assert not any(loss.where in {"age", "fu_1"} for loss in result.losses)
    assert "branching logic" in result.summary()


def test_import_other_forms_and_ids() -> None:
    result = from_redcap(FIXTURES / "redcap_dictionary_project.csv", form="followup",
                         instrument_id="sleep-follow-up")
    assert result.instrument.id == "sleep-follow-up"
    assert result.instrument.item_ids == ["fu_1"]
    with pytest.raises(DefinitionError,
                       match=r"no field with one coded answer.*holds 1 text field"):
        from_redcap(FIXTURES / "redcap_dictionary_project.csv", form="demographics")
    with pytest.raises(DefinitionError, match="no form 'nope'"):
        from_redcap(FIXTURES / "redcap_dictionary_project.csv", form="nope")


def test_edited_calc_is_reported(tmp_path: Path) -> None:
    table = read_dictionary(io.StringIO(_export("who5")))
    calc = table["Field Type"] == "calc"
    first = table.index[calc][0]
    table.loc[first, COLUMNS[5]] = "sum([who5_1],[who5_2],[who5_3],[who5_4],[who5_5])"
    result = from_redcap(table)
    assert result.instrument == load_instrument("who5")
    assert [(x.where, x.what) for x in result.content_losses] == [("who5_raw", "calculation")]
    assert not result.exact


def test_not_a_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="not a REDCap data dictionary"):
        from_redcap(path)


def test_reproschema_reads_our_dictionary(tmp_path: Path) -> None:
    """reproschema's REDCap reader (a third-party parser) sees our items and calc fields."""
    os.environ.setdefault("NO_ET", "1")  # no version check over the network
    pytest.importorskip("reproschema")
    from reproschema.redcap2reproschema import process_csv

    inst = load_instrument("acs-6")
    path = tmp_path / "acs6.csv"
    write_redcap(inst, path)
    activities, _ = process_csv(path)
    activity = activities["acs_6"]
    items = {i["id"]: i for i in activity["items"]}
    for item in inst.items:
        choices = items[item.id]["responseOptions"]["choices"]
        assert [c["value"] for c in choices] == [1, 2, 3, 4, 5, 6, 7]
        assert [c["name"]["en"] for c in choices] == list(inst.item_scale(item.id)
                                                          .labels.values())
    assert [c["variableName"] for c in activity["compute"]] == ["acs_6_affective"]


# -- records -------------------------------------------------------------------------------


def test_raw_and_label_record_exports_give_the_same_items() -> None:
    raw = read_redcap_records(FIXTURES / "redcap_records_who5_raw.csv", "who5")
    labels = read_redcap_records(FIXTURES / "redcap_records_who5_labels.csv", "who5")
    items = load_instrument("who5").item_ids
    expected = pd.DataFrame([[5, 4, 4, 3, 5], [1, -99, 0, 1, 2], [3, 3, np.nan, 3, 3]],
                            columns=items, dtype=float)
    pd.testing.assert_frame_equal(raw[items], expected)
    pd.testing.assert_frame_equal(labels[items], expected)
    assert raw["record_id"].tolist() == [1, 2, 3]
    assert labels["Record ID"].tolist() == [1, 2, 3]
    assert labels["Complete?"].tolist() == ["Complete", "Complete", "Incomplete"]
    scores = score(raw, "who5", id_column="record_id")
    # REDCap's own calc fields in the export agree with the package's scores.
    np.testing.assert_array_equal(scores["who5_raw"].to_numpy(),
                                  raw["who5_raw"].to_numpy(dtype=float))
    np.testing.assert_array_equal(scores["who5_percentage"].to_numpy(),
                                  raw["who5_percentage"].to_numpy(dtype=float))
    report = validate(labels, "who5")
    assert report.ok and report.counts()["rule"].tolist() == ["missing_code"]


def test_unknown_labels_are_kept_for_validation() -> None:
    frame = pd.DataFrame({"who5_1": ["Sometimes-ish", "All of the time"], "who5_2": [1, 2],
                          "who5_3": [1, 2], "who5_4": [1, 2], "who5_5": [1, 2]})
    out = read_redcap_records(frame, "who5")
    assert out["who5_1"].tolist() == ["Sometimes-ish", 5.0]
    report = validate(out, "who5")
    assert report.errors["rule"].tolist() == ["non_numeric"]


# -- command line --------------------------------------------------------------------------


def test_cli_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "acs.csv"
    assert main(["export", "acs", "--to", "redcap", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "placeholders" in err
    yaml_out = tmp_path / "acs.yaml"
    assert main(["import", "redcap", str(out), "-o", str(yaml_out)]) == 0
    captured = capsys.readouterr()
    assert "nothing of the instrument lost" in captured.err and "exact round trip" in captured.err
    assert load_instrument(yaml_out) == load_instrument("acs")

    assert main(["import", "redcap", str(FIXTURES / "redcap_dictionary_project.csv"),
                 "--form", "wellbeing", "--missing-codes", "-99"]) == 0
    captured = capsys.readouterr()
    assert "branching logic" in captured.err
    assert "#   - wb_3: branching logic" in captured.out  # losses head the YAML
    assert "id: wellbeing" in captured.out

    assert main(["import", "redcap", str(FIXTURES / "redcap_dictionary_project.csv")]) == 2
    assert "several forms" in capsys.readouterr().err


def test_cli_export_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "who5", "--to", "redcap", "--no-record-id"]) == 0
    out = capsys.readouterr().out
    frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert frame.iloc[0]["Variable / Field Name"] == "who5_instructions"


# -- files made elsewhere: Shared Library packages, project dictionaries -------------------


def _library_rows(form: str) -> list[list[str]]:
    """A REDCap Shared Library instrument as its instrument.csv holds it: no record id, item
    1 first, a descriptive intro, a calc total written by hand."""
    choices = "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
    rows = [["mood_intro", form, "", "descriptive",
             "Over the last 2 weeks, how often have you been bothered by the following?"]
            + [""] * 13]
    for j, text in enumerate(["Little interest or pleasure in doing things",
                              "Feeling down, depressed, or hopeless",
                              "Trouble falling or staying asleep"], start=1):
        rows.append([f"mood_{j}", form, "", "radio", text, choices] + [""] * 12)
    rows.insert(0, rows.pop(1))  # item 1 is the first field, as in most library files
    rows.append(["mood_total", form, "", "calc", "Total score",
                 "sum([mood_1],[mood_2],[mood_3])"] + [""] * 12)
    return rows


def _package(path: Path, form: str = "PHQ_Mood") -> Path:
    import zipfile

    buffer = io.StringIO()
    pd.DataFrame(_library_rows(form), columns=COLUMNS).to_csv(buffer, index=False)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("instrument.csv", buffer.getvalue())
        archive.writestr("OriginID.txt", "ShareLibrary")
    return path


def test_shared_library_zip_imports_every_item(tmp_path: Path) -> None:
    result = from_redcap(_package(tmp_path / "PHQ_Mood.zip"))
    inst = result.instrument
    assert inst.item_ids == ["mood_1", "mood_2", "mood_3"]  # item 1 is not a record id
    assert inst.id == "phq-mood"  # upper-case form name normalised to the id pattern
    assert "form 'PHQ_Mood' -> instrument id phq-mood" in (inst.notes or "")
    assert inst.instructions.startswith("Over the last 2 weeks")
    assert inst.item_scale("mood_1").labels[3] == "Nearly every day"
    where = {(loss.where, loss.what) for loss in result.losses}
    assert ("mood_total", "calc field") in where  # the hand-written total, with its reason
    assert not any(loss.what == "record identifier" for loss in result.losses)


def test_first_item_of_a_plain_instrument_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "instrument.csv"
    pd.DataFrame(_library_rows("mood"), columns=COLUMNS).to_csv(path, index=False)
    assert from_redcap(path).instrument.item_ids == ["mood_1", "mood_2", "mood_3"]
    # Our own export without the record id: the first field is the instructions, item 1 stays.
    text = _export("gse", record_id=None)
    assert from_redcap(io.StringIO(text)).instrument == load_instrument("gse")


def test_record_id_named_by_the_caller(tmp_path: Path) -> None:
    rows = _library_rows("mood")
    rows.insert(0, ["participant", "mood", "", "text", "Participant"] + [""] * 13)
    table = pd.DataFrame(rows, columns=COLUMNS)
    default = from_redcap(table)  # 'participant' is named like an id and typed text
    assert default.losses[0].where == "participant"
    assert default.losses[0].what == "record identifier"
    rows[0][0] = "who"
    plain = from_redcap(pd.DataFrame(rows, columns=COLUMNS))
    assert ("who", "text field (free text)") in {(x.where, x.what) for x in plain.losses}
    named = from_redcap(pd.DataFrame(rows, columns=COLUMNS), record_id="who")
    assert (named.losses[0].where, named.losses[0].what) == ("who", "record identifier")
    with pytest.raises(DefinitionError, match="no field 'nobody' to take as the record id"):
        from_redcap(table, record_id="nobody")


def test_checkbox_form_and_bad_ids_give_clear_messages() -> None:
    rows = [["rid", "Symptoms", "", "text", "ID"] + [""] * 13,
            ["sx", "Symptoms", "", "checkbox", "Which apply?", "1, Cough | 2, Fever"]
            + [""] * 12]
    with pytest.raises(DefinitionError, match=r"holds 1 text field, 1 checkbox field\. "
                       "A checkbox field takes several answers"):
        from_redcap(pd.DataFrame(rows, columns=COLUMNS))
    with pytest.raises(DefinitionError, match="instrument id 'PHQ9' is not valid"):
        from_redcap(pd.DataFrame(_library_rows("mood"), columns=COLUMNS), instrument_id="PHQ9")


def test_odd_field_names_become_item_ids_with_the_original_kept() -> None:
    rows = _library_rows("mood")
    rows[0][0] = "1_interest"
    result = from_redcap(pd.DataFrame(rows, columns=COLUMNS))
    assert result.instrument.item_ids[0] == "q1_interest"
    assert "field '1_interest' -> item q1_interest" in result.instrument.notes


def test_cli_imports_a_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mood.yaml"
    assert main(["import", "redcap", str(_package(tmp_path / "p.zip")), "-o", str(out)]) == 0
    assert load_instrument(out).item_ids == ["mood_1", "mood_2", "mood_3"]
    assert "mood_total: calc field" in capsys.readouterr().err
    rows = [["sx", "Symptoms", "", "checkbox", "Which apply?", "1, Cough | 2, Fever"]
            + [""] * 12]
    bad = tmp_path / "cb.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(bad, index=False)
    assert main(["import", "redcap", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checkbox" in err and "Traceback" not in err
