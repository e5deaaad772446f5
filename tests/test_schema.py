"""Every rule of the instrument format: a bad file fails with file:line:column and a message
that says what is wrong and what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MINIMAL

import psychometrics as pm
from psychometrics.catalog import instruments_dir
from psychometrics.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]


def _replace(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


CASES = [
    # (label, mutated text, line marker, expected words in the message)
    ("id not kebab-case", _replace("id: demo-scale", "id: Demo_Scale"), "id: Demo_Scale",
     "does not match the required pattern"),
    ("unknown top-level key", _replace("name: Demo scale", "name: Demo scale\nnmae: typo"),
     "nmae:", "unknown field"),
    ("unknown item key", _replace("text: one", "txt: one"), "txt: one", "unknown field"),
    ("missing required field", _replace("construct: demo\n", ""), None,
     "construct: required field is missing"),
    ("bad licence value", _replace("item_text: free", "item_text: open"), "item_text: open",
     "'free' or 'restricted'"),
    ("bad doi", _replace("- text: Nobody (2026).", "- text: Nobody (2026).\n    doi: nodoi"),
     "doi: nodoi", "does not match the required pattern"),
    ("labels miss a value", _replace("4: d}", "5: d}"), "labels:", "no label for value(s) 4"),
    ("label for a non-value", _replace("4: d}", "4: d, 9: x}"), "labels:",
     "label(s) for 9, which are not values"),
    ("values not increasing", _replace("values: [1, 2, 3, 4]", "values: [1, 3, 2, 4]"),
     "values: [1, 3, 2, 4]", "values must be increasing"),
    ("unknown default response scale", _replace("response_scale: agree4",
                                                "response_scale: agree5"),
     "response_scale: agree5", "unknown response scale 'agree5' (defined: agree4)"),
    ("unknown item response scale", _replace("text: three",
                                             "text: three\n    response_scale: nope"),
     "response_scale: nope", "unknown response scale 'nope'"),
    ("missing code is an answer", _replace("missing_codes: [-9]", "missing_codes: [4]"),
     "missing_codes:", "missing code(s) 4 are also answers"),
    ("duplicate item id", _replace("- id: q3", "- id: q1"), ("- id: q1", 2),
     "duplicate item id 'q1' (first at items[0])"),
    ("item without text or paraphrase", _replace("    text: three\n", ""), "- id: q3",
     "needs `text` or a `paraphrase`"),
    ("restricted text needs paraphrase", _replace("item_text: free", "item_text: restricted"),
     "- id: q1", "restricted text needs a neutral `paraphrase`"),
    ("unknown scale item", _replace("items: [q1, q2, q3]", "items: [q1, q2, q4]"),
     "items: [q1, q2, q4]", "unknown item 'q4' (items are q1, q2, q3)"),
    ("item listed twice", _replace("items: [q1, q2, q3]", "items: [q1, q2, q2]"),
     "items: [q1, q2, q2]", "listed twice: q2"),
    ("bad method", _replace("method: sum", "method: median"), "method: median",
     "'mean' or 'sum'"),
    ("both missing rules", _replace("max_missing: 1", "max_missing: 1\n    min_answered: 2"),
     "total:", "not both"),
    ("min_answered above k", _replace("max_missing: 1", "min_answered: 4"), "min_answered: 4",
     "exceeds the 3 items"),
    ("max_missing leaves nothing", _replace("max_missing: 1", "max_missing: 3"),
     "max_missing: 3", "must be below the 3 items"),
    ("transform multiply zero", _replace("max_missing: 1",
                                         "max_missing: 1\n    transform: {multiply: 0}"),
     "transform:", "multiply must not be 0"),
    ("band outside the range", _replace("- max: 6", "- max: 60"), "- max: 60",
     "lies outside the score range [3, 12]"),
    ("bands out of order", _replace("- label: high", "- max: 5\n        label: high"),
     "- max: 5", "must be above the previous band's max 6"),
    ("last band leaves a gap", _replace("- label: high", "- max: 10\n        label: high"),
     "- max: 10", "scores above 10 up to 12 fall in no band"),
    ("band without max in the middle",
     _replace("- max: 6\n        label: low", "- label: low"), "- label: low",
     "only the last band may omit it"),
    ("scale name not a column name", _replace("  total:", "  total score:"), "total score:",
     "must be letters, digits and _"),
    ("published reliability unknown scale",
     MINIMAL + "published:\n  reliability:\n    - scale: sub\n      value: 0.8\n"
               "      sample: x\n      source: y\n", "- scale: sub", "unknown scale 'sub'"),
    ("published reliability out of range",
     MINIMAL + "published:\n  reliability:\n    - scale: total\n      value: 1.8\n"
               "      sample: x\n      source: y\n", "value: 1.8", "less than or equal to 1"),
    ("published structure unknown item",
     MINIMAL + "published:\n  structure:\n    factors: {f: [q1, qq]}\n"
               "    description: x\n    source: y\n", "factors:", "unknown item 'qq'"),
    ("values not unique", _replace("values: [1, 2, 3, 4]", "values: [1, 2, 2, 4]"),
     "values: [1, 2, 2, 4]", "values must be unique"),
    ("published reliability without value or range",
     MINIMAL + "published:\n  reliability:\n    - scale: total\n      low: 0.7\n"
               "      sample: x\n      source: y\n", "- scale: total",
     "give a `value` or a range"),
    ("published range reversed",
     MINIMAL + "published:\n  reliability:\n    - scale: total\n      low: 0.9\n"
               "      high: 0.7\n      sample: x\n      source: y\n", "- scale: total",
     "low is above high"),
    ("duplicate key", _replace("name: Demo scale", "name: Demo scale\nname: Again"),
     "name: Again", "duplicate key 'name'"),
    ("yaml syntax", _replace("name: Demo scale", "name: [unclosed"), None, "YAML syntax"),
]


@pytest.mark.parametrize(("label", "text", "marker", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_definition_names_file_line_and_rule(write_yaml, label, text, marker, expected):
    path = write_yaml(text)
    with pytest.raises(pm.DefinitionError) as info:
        pm.load_instrument(path)
    message = str(info.value)
    assert expected in message, message
    assert message.startswith(f"{path}:"), message
    if marker is not None:
        line = _line_of(text, *marker) if isinstance(marker, tuple) else _line_of(text, marker)
        located = [p for p in info.value.problems if expected in p.message or expected in str(p)]
        assert located, message
        assert located[0].line == line, (label, located[0], line)
        assert located[0].column is not None


def test_all_problems_of_a_file_are_collected(write_yaml):
    text = _replace("items: [q1, q2, q3]", "items: [q1, q7, q8]")
    text = text.replace("4: d}", "5: d}")
    with pytest.raises(pm.DefinitionError) as info:
        pm.load_instrument(write_yaml(text))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 4, messages  # q7, q8, missing label 4, extra label 5


def test_minimal_definition_loads(write_yaml):
    inst = pm.load_instrument(write_yaml(MINIMAL))
    assert inst.id == "demo-scale"
    assert inst.keys("total") == [1, -1, 1]
    assert inst.score_range("total") == (3.0, 12.0)


def test_alias_bomb_and_size_are_refused(write_yaml, tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8))
    with pytest.raises(pm.DefinitionError, match="aliases"):
        pm.load_instrument(write_yaml(bomb))
    big = tmp_path / "big.yaml"
    big.write_text("x: " + "a" * (3 * 1024 * 1024), encoding="utf-8")
    with pytest.raises(pm.DefinitionError, match="limited to"):
        pm.load_instrument(big)


def test_python_objects_are_not_constructed(write_yaml):
    text = MINIMAL.replace("name: Demo scale", "name: !!python/object/apply:os.system ['true']")
    with pytest.raises(pm.DefinitionError, match=r"python/object/apply:os\.system is not allowed"):
        pm.load_instrument(write_yaml(text))


def test_unknown_id_lists_the_builtins():
    with pytest.raises(pm.DefinitionError, match="built-in: acs, acs-6, css, gse, who5"):
        pm.load_instrument("gse-12")


def test_builtin_file_name_matches_id():
    for path in instruments_dir().glob("*.yaml"):
        assert pm.load_instrument(path.stem).id == path.stem


def test_committed_json_schema_is_in_sync():
    committed = json.loads((ROOT / "instruments" / "instrument.schema.json").read_text())
    assert committed == json.loads(json.dumps(json_schema())), (
        "regenerate with: psychometrics schema -o instruments/instrument.schema.json")


def test_every_builtin_declares_the_schema_for_editors():
    for path in (ROOT / "instruments").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=instrument.schema.json", path


def test_restricted_text_is_not_shipped():
    for iid in pm.list_instruments():
        inst = pm.load_instrument(iid)
        if inst.text_is_restricted:
            assert all(item.text is None and item.paraphrase for item in inst.items), iid
        else:
            assert all(item.text for item in inst.items), iid


@pytest.mark.parametrize(("iid", "k", "reversed_", "method", "rng"), [
    ("acs", 8, ["acs_4", "acs_5", "acs_6", "acs_8"], "mean", (1, 7)),
    ("acs-6", 6, ["acs6_3", "acs6_4", "acs6_5"], "mean", (1, 7)),
    ("gse", 10, [], "sum", (10, 40)),
    ("css", 5, [], "mean", (1, 5)),
    ("who5", 5, [], "sum", (0, 25)),
])
def test_builtin_instruments_match_the_published_definitions(iid, k, reversed_, method, rng):
    inst = pm.load_instrument(iid)
    assert len(inst.items) == k
    assert inst.reversed_items == reversed_
    first = next(iter(inst.scales))
    assert inst.scales[first].method == method
    assert inst.score_range(first) == rng


def test_gse_missing_rule_and_who5_percentage():
    gse, who5 = pm.load_instrument("gse"), pm.load_instrument("who5")
    assert gse.scales["total"].required_answers() == 7
    assert who5.score_range("percentage") == (0, 100)
    assert [b.max for b in who5.scales["percentage"].bands] == [28, 50, None]


def test_overlay_merges_text_and_is_validated(write_yaml):
    good = write_yaml("instrument: css\nitems:\n  css_1: {text: Licensed wording one.}\n",
                      "ov.yaml")
    css = pm.load_instrument("css", overlay=good)
    assert css.item_map["css_1"].text == "Licensed wording one."
    assert css.item_map["css_2"].text is None
    assert css.definition_hash != pm.load_instrument("css").definition_hash
    bad = write_yaml("instrument: css\nitems:\n  css_1: {text: x}\n  css_9: {text: y}\n",
                     "bad.yaml")
    with pytest.raises(pm.DefinitionError, match=r"bad.yaml:4:3: items.css_9: unknown item"):
        pm.load_instrument("css", overlay=bad)
    wrong = write_yaml("instrument: gse\nitems:\n  css_1: {txt: x}\n", "wrong.yaml")
    with pytest.raises(pm.DefinitionError, match="unknown field"):
        pm.load_instrument("css", overlay=wrong)
    other = write_yaml("instrument: gse\nitems:\n  css_1: {text: x}\n", "other.yaml")
    with pytest.raises(pm.DefinitionError, match="overlay is for 'gse', not 'css'"):
        pm.load_instrument("css", overlay=other)


def test_definition_hash_is_stable_and_content_based(write_yaml):
    a = pm.load_instrument(write_yaml(MINIMAL, "a.yaml"))
    b = pm.load_instrument(write_yaml(MINIMAL.replace("one", "uno"), "b.yaml"))
    assert a.definition_hash == pm.load_instrument(write_yaml(MINIMAL, "c.yaml")).definition_hash
    assert a.definition_hash != b.definition_hash
    assert len(a.definition_hash) == 64


def test_cfa_model_from_structure_or_distinct_scales(write_yaml):
    assert pm.load_instrument("who5").cfa_model() == {
        "well_being": ["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"]}
    inst = pm.load_instrument(write_yaml(MINIMAL))
    assert inst.cfa_model() == {"total": ["q1", "q2", "q3"]}


def test_builtin_file_must_be_named_by_its_id(tmp_path, monkeypatch):
    import psychometrics.catalog as catalog

    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "wrong-name.yaml").write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setattr(catalog, "instruments_dir", lambda: folder)
    with pytest.raises(pm.DefinitionError, match=r"wrong-name.yaml:1:5: id: id 'demo-scale' "
                                                 r"must match the file name"):
        pm.load_instrument("wrong-name")
