"""The documentation: generated pages come from the code and data, and the site builds strictly.

The generators live in ``docs/_gen`` (run by mkdocs-gen-files through ``docs/gen_pages.py``);
these tests call them directly, so they run without MkDocs. The full ``mkdocs build
--strict`` runs when MkDocs is installed (the ``docs`` extra; CI builds the site as well).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import psychometrics as pm
from psychometrics.catalog import instruments_dir

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))

from _gen import (  # noqa: E402
    api_ref,
    cli_ref,
    execute,
    instruments,
    parity,
    schema_ref,
)


def _nav_pages(nav: list) -> list[str]:
    out: list[str] = []
    for entry in nav:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                out += _nav_pages(value) if isinstance(value, list) else [value]
    return out


def _mkdocs_config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may use !!python/name tags in extensions; none are needed here
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


# --------------------------------------------------------------------------------- catalogue


def test_one_catalogue_page_per_instrument() -> None:
    pages = instruments.pages()
    for iid in pm.list_instruments():
        assert f"instruments/{iid}.md" in pages
        assert f"({iid}.md)" in pages["instruments/index.md"]
    assert [next(iter(e.values())) for e in instruments.nav_entries()] == [
        f"instruments/{pm.load_instrument(p).id}.md" for p in sorted(instruments_dir().glob(
            "*.yaml"))]


def test_adding_a_yaml_file_adds_a_page(tmp_path: Path) -> None:
    text = (instruments_dir() / "css.yaml").read_text(encoding="utf-8")
    new = tmp_path / "css-short.yaml"
    new.write_text(text.replace("\nid: css\n", "\nid: css-short\n").replace(
        "name: Career Satisfaction Scale", "name: Career Satisfaction Scale, short"),
        encoding="utf-8")
    files = [*instruments_dir().glob("*.yaml"), new]
    pages = instruments.pages(files)
    assert "instruments/css-short.md" in pages
    assert "Career Satisfaction Scale, short" in pages["instruments/css-short.md"]
    assert {"CSS: Career Satisfaction Scale, short": "instruments/css-short.md"} in \
        instruments.nav_entries(files)


def test_the_hook_puts_every_instrument_in_the_nav() -> None:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(hooks)

    class Config:
        nav = _mkdocs_config()["nav"]

    hooks.on_config(Config)
    listed = _nav_pages(Config.nav)
    for iid in pm.list_instruments():
        assert f"instruments/{iid}.md" in listed


@pytest.mark.parametrize("iid", pm.list_instruments())
def test_instrument_page_content(iid: str) -> None:
    inst = pm.load_instrument(iid)
    page = instruments.instrument_page(inst, instruments_dir() / f"{iid}.yaml")
    for item in inst.items:
        assert f"`{item.id}`" in page
        shown = item.paraphrase if inst.text_is_restricted else item.text
        assert " ".join(str(shown).split()) in page
    for rs in inst.response_scales.values():
        for label in rs.labels.values():
            assert label in page
    for name, sc in inst.scales.items():
        assert f"`{inst.id}_{name}`" in page
        assert sc.name in page
        for band in sc.bands:
            assert band.label in page
    for c in inst.citations:
        if c.doi:
            assert f"https://doi.org/{c.doi}" in page
    for rel in inst.published.reliability:
        assert rel.source in page
    if inst.published.structure is not None:
        assert inst.published.structure.description in page
    assert inst.definition_hash in page
    assert inst.licence.note.split()[0] in page
    if inst.text_is_restricted:
        assert "Licensed item text" in page
    for rid in inst.reversed_items:
        assert f"`{rid}`" in page.split("## Scoring")[0].split("Reverse-keyed")[1]


def test_restricted_text_never_reaches_a_page(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yaml"
    overlay.write_text("instrument: acs\nitems:\n  acs_3:\n    text: LICENSED WORDING\n",
                       encoding="utf-8")
    inst = pm.load_instrument("acs", overlay=overlay)
    assert "LICENSED WORDING" not in instruments.instrument_page(inst)


def test_rules_on_pages_follow_the_definition() -> None:
    gse = instruments.instrument_page(pm.load_instrument("gse"))
    assert "scored when at most 3 of 10 items are missing" in gse
    assert "prorated" in gse
    who5 = instruments.instrument_page(pm.load_instrument("who5"))
    assert "score × 4" in who5
    assert "up to 28 | likely depression, screen further" in who5


# ------------------------------------------------------------------------------ references


def test_yaml_reference_lists_every_field_of_every_model() -> None:
    page = schema_ref.page()
    for model in schema_ref.MODELS:
        assert f"### {model.__name__} {{#{model.__name__.lower()}}}" in page
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in page, (model.__name__, name)
            if field.description:
                assert " ".join(field.description.split())[:40] in page


def test_every_model_of_the_schema_is_documented() -> None:
    from pydantic import BaseModel

    from psychometrics import schema

    models = {obj for obj in vars(schema).values() if isinstance(obj, type)
              and issubclass(obj, BaseModel) and obj.__module__ == schema.__name__
              and not obj.__name__.startswith("_")}
    assert models == set(schema_ref.MODELS)


def test_annotated_example_is_complete_and_valid() -> None:
    inst = pm.load_instrument(schema_ref.EXAMPLE)  # raises if invalid
    text = schema_ref.EXAMPLE.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    assert set(raw) == {f.alias or n for n, f in pm.Instrument.model_fields.items()}
    assert any(i.reverse for i in inst.items) and any(i.response_scale for i in inst.items)
    assert any(s.transform for s in inst.scales.values())
    assert any(s.bands for s in inst.scales.values())
    assert inst.published.structure is not None
    comments = [line for line in text.splitlines() if "#" in line]
    assert len(comments) >= 20  # it is annotated


def test_overlay_example_applies() -> None:
    inst = pm.load_instrument("acs", overlay=schema_ref.OVERLAY_EXAMPLE)
    assert inst.item_map["acs_1"].text == "<the licensed wording of item 1>"


def test_schema_file_matches_the_committed_one() -> None:
    committed = (ROOT / "instruments" / "instrument.schema.json").read_text(encoding="utf-8")
    assert schema_ref.schema_file().strip() == committed.strip()


def test_api_reference_covers_every_public_name() -> None:
    page, unavailable = api_ref.page()
    assert unavailable == []
    for name in api_ref.public_names():
        assert f"### `psychometrics.{name}`" in page
    assert "## Other" not in page, "file new public names under an area in api_ref.AREAS"
    for target in re.findall(r"^::: (\S+)$", page, re.M):
        module, _, attr = target.rpartition(".")
        while module:
            try:
                obj = __import__(module, fromlist=[attr])
                break
            except ImportError:  # a class member path: Class.method
                module, _, cls = module.rpartition(".")
                attr = f"{cls}.{attr}"
        assert obj is not None


def test_cli_reference_has_every_command() -> None:
    page = cli_ref.page()
    for command in ["list", "show", "schema", "validate", "score", "demo", "report",
                    "reliability", "efa", "cfa"]:
        assert f"## `psychometrics {command}`" in page
    assert "--group COLUMN" in page


# ------------------------------------------------------------------------- executed pages


def test_executed_blocks_show_real_output() -> None:
    template = ("Intro.\n\n```python exec\nx = 6 * 7\nprint(x)\n```\n\n"
                "```python exec hide\ny = x + 1\n```\n\n"
                "```console exec\n$ psychometrics validate who5 mentorship.csv\n```\n"
                "\n```python exec\nprint(y)\nsite_files['a.txt'] = 'z'\n```\n")
    files: dict[str, str] = {}
    out = execute.render(template, "t.md", files)
    assert "```text\n42\n```" in out
    assert "y = x + 1" not in out
    assert "$ psychometrics validate who5 mentorship.csv\nwho5: 342 rows checked" in out
    assert "```text\n43\n```" in out
    assert files == {"a.txt": "z"}


def test_a_failing_block_fails_the_build() -> None:
    with pytest.raises(execute.ExecutionError, match=r"t\.md, block 1"):
        execute.render("```python exec\n1 / 0\n```\n", "t.md")
    with pytest.raises(execute.ExecutionError, match="only psychometrics commands"):
        execute.render("```console exec\n$ rm -rf /\n```\n", "t.md")


@pytest.mark.parametrize("template", sorted((DOCS / "_exec").rglob("*.md")),
                         ids=lambda p: p.relative_to(DOCS / "_exec").as_posix())
def test_every_executed_page_runs(template: Path) -> None:
    name = template.relative_to(DOCS / "_exec").as_posix()
    out = execute.render(template.read_text(encoding="utf-8"), name, {})
    assert "exec" not in re.findall(r"^```\w+ ?(\w*)", out, re.M)
    assert "Traceback" not in out


def test_walkthrough_says_the_data_are_synthetic() -> None:
    text = (DOCS / "_exec" / "walkthrough.md").read_text(encoding="utf-8")
    head = text.split("## The analysis plan")[0]
    assert "synthetic" in head.lower() and "nothing on this page is a finding" in head


# ------------------------------------------------------------------------ validation vs R


def test_validation_page_compares_every_area_within_tolerance() -> None:
    areas = list(parity.compute_areas())
    assert [a.title for a in areas] == ["Cronbach's alpha", "McDonald's omega",
                                        "Polychoric correlations", "Sampling adequacy",
                                        "Parallel analysis", "Exploratory factor analysis",
                                        "Confirmatory factor analysis",
                                        "Multi-group, robust and structural models"]
    for area in areas:
        assert area.cases, area.title
        for case in area.cases:
            assert case.error is None, (area.title, case.title, case.error)
            assert case.rows, (area.title, case.title)
            assert case.worst <= area.tolerance, (area.title, case.title, case.worst)


def test_validation_page_reports_a_mismatch_honestly() -> None:
    case = parity.Case("x")
    case.scalar("a", 1.0, 1.5)
    case.matrix("m", [[1.0, 2.0]], [[1.0, 2.5]])
    case.matrix("shape", [1.0, 2.0], [1.0])
    assert [r.diff for r in case.rows][:2] == [0.5, 0.5]
    assert case.rows[2].diff == float("inf")


# ------------------------------------------------------------------------------- the site


def test_nav_lists_every_hand_written_page() -> None:
    listed = set(_nav_pages(_mkdocs_config()["nav"]))
    hand_written = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                    if not p.relative_to(DOCS).as_posix().startswith(("_exec/", "_gen/"))}
    executed = {p.relative_to(DOCS / "_exec").as_posix() for p in (DOCS / "_exec").rglob("*.md")}
    assert hand_written <= listed, hand_written - listed
    assert executed <= listed, executed - listed
    assert not hand_written & executed, "a page cannot be both hand-written and generated"


def test_concept_pages_give_formulas_limits_and_references() -> None:
    for page in (DOCS / "concepts").glob("*.md"):
        if page.name == "index.md":
            continue
        text = page.read_text(encoding="utf-8")
        assert "$$" in text, page.name
        assert "## What" in text and "not" in text, page.name
        assert "## References" in text, page.name


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None
                    or importlib.util.find_spec("mkdocs_gen_files") is None,
                    reason="MkDocs not installed in this interpreter (pip install -e "
                    "'.[docs]'); CI builds the site separately")
def test_site_builds_strictly(tmp_path: Path) -> None:
    # The same interpreter as the tests, so the site documents the code under test.
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1",
                               "DISABLE_MKDOCS_2_WARNING": "true"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for page in ["index.html", "instruments/gse/index.html", "reference/api/index.html",
                 "validation-against-r/index.html", "walkthrough/index.html",
                 "assets/demo-report.html"]:
        assert (tmp_path / page).is_file(), page
    api = (tmp_path / "reference/api/index.html").read_text(encoding="utf-8")
    assert "Cronbach" in api and "doc-function" in api  # mkdocstrings rendered docstrings
