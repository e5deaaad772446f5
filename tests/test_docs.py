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
from psychometrics.reporting import browser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))

from _gen import (  # noqa: E402
    api_ref,
    cli_ref,
    execute,
    instruments,
    mathml,
    numpydoc,
    parity,
    schema_ref,
)

# Markup that means a docstring or page reached the reader unrendered.
RAW_MARKUP = re.compile(r":(?:func|class|meth|attr|mod|data|exc|math):`|\.\. math::|\\\(|"
                        r"\$\$|Bases: <code>_|Bases: _")


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


def test_yaml_reference_shows_choices_as_lists() -> None:
    page = schema_ref.page()
    assert "\\|" not in page  # an escaped pipe broke the table rows
    row = next(line for line in page.splitlines() if line.startswith("| `item_text` |"))
    assert row.count(" | ") == 3  # name, type, default, meaning: the meaning is kept
    assert "<li><code>free</code></li><li><code>restricted</code></li>" in row


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


def test_grouped_parameters_become_one_entry_each() -> None:
    doc = ("Summary.\n\nParameters\n----------\ndata\n    Items.\nci, ci_method, n_boot\n"
           "    The interval.\nmissing : str\n    How.\n\nAttributes\n----------\n"
           "a, b : float\n    Two numbers.\n")
    out = numpydoc.rewrite(doc)
    for name in ("ci", "ci_method", "n_boot"):
        assert f"\n{name}\n    The interval.\n" in out
    assert "\na : float\n    Two numbers.\nb : float\n    Two numbers.\n" in out
    assert "ci, ci_method" not in out


def test_roles_math_and_references_become_markdown() -> None:
    doc = ("Uses :func:`psychometrics.alpha`, :class:`~psychometrics.schema.Instrument`, "
           ":func:`omega`, :meth:`Instrument.problems` and :func:`_private`.\n\n"
           ".. math::\n\n    a = b\n\nInline :math:`k\n    - 1` here.\n\n"
           "References\n----------\nCronbach, L. J. (1951). Coefficient alpha and the\n"
           "internal structure. *Psychometrika*, 16, 297-334.\n"
           "Duhachek, A., & Iacobucci, D. (2004). Alpha's standard error.\n")
    out = numpydoc.rewrite(doc)
    assert "[`psychometrics.alpha()`][psychometrics.alpha]" in out
    assert "[`Instrument`][psychometrics.Instrument]" in out
    assert "[`omega()`][psychometrics.omega]" in out
    assert "[`Instrument.problems()`][psychometrics.Instrument]" in out
    assert " `_private()`." in out
    assert "\n$$\na = b\n$$\n" in out and "$k - 1$" in out
    assert ("- Cronbach, L. J. (1951). Coefficient alpha and the internal structure. "
            "*Psychometrika*, 16, 297-334.\n- Duhachek, A.") in out


def test_no_docstring_keeps_sphinx_markup_after_the_rewrite() -> None:
    import inspect

    for name in api_ref.listed_names():
        obj, _ = api_ref.resolve(name)
        docs = [inspect.getdoc(obj) or ""]
        if inspect.isclass(obj):
            docs += [inspect.getdoc(m) or "" for k, m in vars(obj).items()
                     if not k.startswith("_") and callable(m)]
        for doc in docs:
            out = numpydoc.rewrite(doc)
            assert not re.search(r":(func|class|meth|attr|mod|data|math):`|\.\. math::",
                                 out), name


def test_formulas_become_mathml_or_fail_the_build() -> None:
    html = mathml.render('<p><span class="arithmatex">\\(a&lt;b\\)</span></p>'
                         '<div class="arithmatex">\\[\n\\frac{1}{2}\n\\]</div>')
    assert html.count("<math") == 2 and "arithmatex" not in html and "\\(" not in html
    assert "<mfrac>" in html and 'display="block"' in html
    with pytest.raises(mathml.FormulaError, match=r"p\.md"):
        mathml.render('<span class="arithmatex">\\(\\frac{\\)</span>', "p.md")


def test_cli_reference_has_every_command() -> None:
    page = cli_ref.page()
    for command in ["list", "show", "schema", "validate", "score", "demo", "evaluate", "report",
                    "reliability", "efa", "cfa"]:
        assert f"## `psychometrics {command}`" in page
    assert "--group COLUMN" in page
    for name, command in cli_ref.subcommands().items():
        section = page.split(f"## `psychometrics {name}`", 1)[1].split("\n## ", 1)[0]
        for action in cli_ref.options(command):
            flag = action.option_strings[-1] if action.option_strings else \
                (action.metavar or action.dest.upper())
            assert f"`{flag}" in section, (name, flag)
            row = next(line for line in section.splitlines() if f"`{flag}" in line)
            assert f"| {cli_ref.default_text(action)} |" in row, (name, row)
        example = section.split("Example:", 1)[1]
        assert f"$ psychometrics {name}" in example, name
        assert "Traceback" not in example and "exit code 2" not in example, name


def test_cli_help_text_is_shown_as_text() -> None:
    page = cli_ref.page()
    assert "(default: &lt;ID&gt;-report.html)" in page  # not swallowed as an HTML tag


def test_a_new_command_gets_a_generated_example() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="psychometrics new")
    parser.add_argument("instrument")
    parser.add_argument("data")
    parser.add_argument("--to", required=True, choices=["x", "y"])
    assert cli_ref.example("new", parser) == ["psychometrics new gse mentorship.csv --to x"]
    parser.add_argument("unknown")
    with pytest.raises(KeyError, match="unknown"):
        cli_ref.example("new", parser)


# ------------------------------------------------------------------------- executed pages


def test_executed_blocks_show_real_output() -> None:
    template = ("Intro.\n\n```python exec\nx = 6 * 7\nprint(x)\n```\n\n"
                "```python exec hide\ny = x + 1\n```\n\n"
                "```console exec\n$ psychometrics validate who5 mentorship.csv\n```\n"
                "\n```python exec\nprint(x + 1)\n```\n"
                "```python exec hide\nsite_files['a.txt'] = str(y)\n```\n")
    files: dict[str, str] = {}
    out = execute.render(template, "t.md", files)
    assert "```text\n42\n```" in out
    assert "y = x + 1" not in out
    assert "$ psychometrics validate who5 mentorship.csv\nwho5: 111 rows checked" in out
    assert "```text\n43\n```" in out
    assert files == {"a.txt": "43"}


def test_a_shown_block_cannot_use_a_hidden_name() -> None:
    template = "```python exec hide\ny = 1\n```\n```python exec\nprint([y for _ in 'a'])\n```\n"
    with pytest.raises(execute.ExecutionError, match="block 2 uses y, defined only in a hidden"):
        execute.render(template, "t.md")
    ok = "```python exec\ny = 1\n```\n```python exec\nprint([y + k for k in (1, 2)])\n```\n"
    assert "[2, 3]" in execute.render(ok, "t.md")


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
                                        "Multi-group, robust and structural models",
                                        "Effect sizes, group comparisons and change",
                                        "Ordinal stage 1 (thresholds, polychorics, Gamma)",
                                        "Ordinal CFA and SEM (WLSMV, DWLS, ULSMV, ULS, WLS)",
                                        "Omega for categorical indicators",
                                        "EFA rotations",
                                        "EFA extraction and factor scores",
                                        "Principal components", "Parallel analysis options",
                                        "Omega: rotations and extractions",
                                        "Matrix input and covar = TRUE", "Split halves",
                                        "Small-sample intervals for alpha",
                                        "Small-sample intervals for omega",
                                        "Observed covariates (fixed.x) and FIML robust "
                                        "indices",
                                        "Least squares (GLS, ULS) and inequality "
                                        "constraints",
                                        "Measurement invariance"]
    for area in areas:
        assert area.cases, area.title
        for case in area.cases:
            assert case.error is None, (area.title, case.title, case.error)
            assert case.rows, (area.title, case.title)
            # a known difference is explained on the page and pinned by a strict xfail
            assert case.worst <= area.tolerance or case.known_difference, (
                area.title, case.title, case.worst)


def test_validation_page_reports_a_mismatch_honestly() -> None:
    case = parity.Case("x")
    case.scalar("a", 1.0, 1.5)
    case.matrix("m", [[1.0, 2.0]], [[1.0, 2.5]])
    case.matrix("shape", [1.0, 2.0], [1.0])
    assert [r.diff for r in case.rows][:2] == [0.5, 0.5]
    assert case.rows[2].diff == float("inf")


# ------------------------------------------------------------------------------- the site


def test_citation_file_and_page_agree_with_the_package() -> None:
    import tomllib

    from _gen import project_pages

    cff = project_pages.citation()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["version"]
    assert cff["cff-version"] == "1.2.0" and cff["version"] == version
    for key in ("message", "title", "authors", "license"):
        assert cff[key], key
    page = project_pages.cite_page()
    assert f"(Version {version}) [Computer software]." in page and "@software{" in page
    assert "Rosseel, Y. (2012)" in page and "Revelle, W. (2022)" in page
    changelog = project_pages.changelog()
    assert "## Unreleased" in changelog and f"## {version}" in changelog
    assert {"cite.md", "changelog.md"} <= set(_nav_pages(_mkdocs_config()["nav"]))


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


HAVE_MKDOCS = (importlib.util.find_spec("mkdocs") is not None
               and importlib.util.find_spec("mkdocs_gen_files") is not None)
needs_mkdocs = pytest.mark.skipif(
    not HAVE_MKDOCS, reason="MkDocs not installed in this interpreter (pip install -e "
    "'.[docs]'); CI builds the site separately")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module's tests."""
    out = tmp_path_factory.mktemp("site")
    # The same interpreter as the tests, so the site documents the code under test.
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1",
                               "DISABLE_MKDOCS_2_WARNING": "true"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@needs_mkdocs
def test_site_builds_strictly(site: Path) -> None:
    tmp_path = site
    for page in ["index.html", "instruments/gse/index.html", "reference/api/index.html",
                 "validation-against-r/index.html", "walkthrough/index.html",
                 "assets/demo-report.html"]:
        assert (tmp_path / page).is_file(), page
    api = (tmp_path / "reference/api/index.html").read_text(encoding="utf-8")
    assert "Cronbach" in api and "doc-function" in api  # mkdocstrings rendered docstrings
    for page in sorted(tmp_path.rglob("*.html")):
        if page.name == "demo-report.html":
            continue
        text = page.read_text(encoding="utf-8")
        shown = re.sub(r"<pre\b.*?</pre>|<annotation\b.*?</annotation>", "", text, flags=re.S)
        raw = sorted({m.group(0) for m in RAW_MARKUP.finditer(shown)})
        assert not raw, (page.relative_to(tmp_path).as_posix(), raw)
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text, page
    # grouped numpydoc parameters get their own type and default (reliability's ci_method
    # showed ci's "float, 0.95")
    entry = api.split('<h3 id="psychometricsreliability"', 1)[1].split('<h3', 1)[0]
    ci_method = entry.split("<code>ci_method</code>", 1)[1].split("</tr>", 1)[0]
    assert "0.95" not in ci_method and "feldt" in ci_method
    assert 'href="#psychometricsalpha"' in entry  # a role became a link to alpha's entry
    assert "<math" in api


@needs_mkdocs
@pytest.mark.skipif(browser.find_chromium() is None, reason="no Chromium binary found")
@pytest.mark.parametrize("page", [*sorted(p.stem for p in (DOCS / "concepts").glob("*.md")
                                          if p.stem != "index"), "reference/api"])
def test_every_formula_renders_offline(site: Path, page: str) -> None:
    """Opened offline in Chromium, every formula of the page is laid-out MathML."""
    path = site / (page if "/" in page else f"concepts/{page}") / "index.html"
    seen = browser.render(path.read_text(encoding="utf-8"), base=path.parent, width=1000)
    maths = seen.probe["maths"]
    assert maths, "no formula rendered"
    assert seen.probe["marked"] == 0  # no formula left as arithmatex's raw TeX
    for m in maths:
        assert m["errors"] == 0 and m["width"] > 3 and m["height"] > 5, m
        assert "\\" not in m["text"], m
    # nothing fails to load (Material's search index is fetched by a worker, which file://
    # pages may not do; a served site has it)
    failed = [e for e in seen.probe["errors"] if "resource failed" in e and "/search/" not in e]
    assert failed == []


@needs_mkdocs
@pytest.mark.skipif(browser.find_chromium() is None, reason="no Chromium binary found")
@pytest.mark.parametrize("page", ["index", "getting-started", "walkthrough", "reference/cli",
                                  "how-to/cfa-fit"])
@pytest.mark.parametrize("width", [1200, 400])
def test_wide_outputs_stay_inside_the_page(site: Path, page: str, width: int) -> None:
    """Wide outputs scroll inside their block: the page itself never scrolls sideways."""
    path = site / ("" if page == "index" else page) / "index.html"
    seen = browser.render(path.read_text(encoding="utf-8"), base=path.parent, width=width)
    layout = seen.probe["layout"]
    assert layout["scrollWidth"] <= width, layout
    assert layout["minFont"] >= 9, layout["small"]
