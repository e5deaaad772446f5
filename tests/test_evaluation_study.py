"""The study YAML: validated like an instrument definition, every problem with file:line:col."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from psychometrics.datasets import mentorship_study_path
from psychometrics.errors import DefinitionError
from psychometrics.evaluation.study import SECTIONS, load_study, study_json_schema

ROOT = Path(__file__).resolve().parents[1]

VALID = textwrap.dedent("""\
    title: A study
    data:
      - path: data.csv
    id: pid
    waves:
      column: wave
      order: [t0, t1]
    groups:
      role:
        invited: {a: 10, b: 5}
    instruments:
      - id: gse
    comparisons:
      groups: [role]
    """)


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "data.csv").write_text("pid,wave\n1,t0\n", encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_study_is_valid() -> None:
    loaded = load_study(mentorship_study_path())
    assert loaded.study.synthetic and loaded.study.sections == list(SECTIONS)
    assert loaded.path("mentorship.csv").is_file()


def test_a_valid_study_loads(tmp_path: Path) -> None:
    loaded = load_study(_write(tmp_path, VALID))
    assert loaded.study.groups["role"].invited == {"a": 10, "b": 5}
    assert [i.id for i in loaded.instruments] == ["gse"]


def test_every_problem_has_file_line_and_column(tmp_path: Path) -> None:
    text = VALID.replace("  groups: [role]", "  groups: [role, site]\n  crossed: [[role, role]]")
    text = text.replace("  - id: gse", "  - id: gse\n    scales: [totl]\n  - id: nope")
    text = text.replace("  - path: data.csv", "  - path: data.csv\n  - path: missing.csv\n"
                                               "    wave: t9")
    path = _write(tmp_path, text)
    with pytest.raises(DefinitionError) as info:
        load_study(path)
    shown = [str(p) for p in info.value.problems]
    lines = text.splitlines()

    def at(fragment: str) -> str:
        number = next(i for i, line in enumerate(lines, 1) if fragment in line)
        return f"{path}:{number}:"

    assert any(s.startswith(at("groups: [role, site]")) and "unknown group 'site'" in s
               for s in shown), shown
    assert any("crossed with itself" in s for s in shown), shown
    assert any(s.startswith(at("scales: [totl]")) and "unknown scale 'totl'" in s
               for s in shown), shown
    assert any(s.startswith(at("- id: nope")) and "unknown instrument 'nope'" in s
               for s in shown), shown
    assert any(s.startswith(at("path: missing.csv")) and "no data file" in s
               for s in shown), shown
    assert any(s.startswith(at("wave: t9")) and "not in waves.order" in s for s in shown)


def test_an_unknown_field_is_a_typo_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("title: A study", "title: A study\ncolour: blue"))
    with pytest.raises(DefinitionError, match=r"study\.yaml:2:9: colour: unknown field"):
        load_study(path)


def test_yaml_syntax_and_duplicate_keys_are_reported_with_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "id: other\n")
    with pytest.raises(DefinitionError, match=r"study\.yaml:\d+:\d+: id: duplicate key"):
        load_study(path)
    with pytest.raises(DefinitionError, match="no study file"):
        load_study(tmp_path / "absent.yaml")


def test_committed_study_schema_is_in_sync() -> None:
    committed = json.loads((ROOT / "instruments" / "study.schema.json").read_text())
    assert committed == json.loads(json.dumps(study_json_schema())), (
        "regenerate with: psychometrics evaluate --schema -o instruments/study.schema.json")
