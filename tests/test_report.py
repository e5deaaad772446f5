"""The analysis report: content, honesty about what is missing, self-containment, CLI."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.cli import main
from psychometrics.datasets import load_mentorship
from psychometrics.reporting import plots, sections
from psychometrics.reporting.builder import SECTIONS, Unavailable

SECTION_IDS = [sid for sid, _ in SECTIONS]
MENTORSHIP_CSV = Path(pm.__file__).parent / "datasets" / "mentorship.csv"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return load_mentorship()


@pytest.fixture(scope="module")
def gse_report(data: pd.DataFrame) -> pm.reporting.Report:  # type: ignore[name-defined]
    return pm.report(data, "gse", group="role", id_column="response_id", n_iter=20)


def _section(html: str, sid: str) -> str:
    match = re.search(rf'<section id="{sid}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"section {sid} missing"
    return match.group(1)


@pytest.mark.parametrize("iid", ["acs", "gse", "css", "who5"])
def test_every_section_renders_for_each_bundled_instrument(data: pd.DataFrame, iid: str) -> None:
    rep = pm.report(data, iid, n_iter=20)
    assert [s.id for s in rep.sections] == SECTION_IDS
    assert all(s.status == "ok" for s in rep.sections), rep.summary()
    for sid in SECTION_IDS:
        assert f'<section id="{sid}" data-status="ok">' in rep.html
    inst = pm.load_instrument(iid)
    assert inst.definition_hash in rep.html
    assert f"definition {inst.version}" in rep.html


def test_report_is_self_contained(gse_report) -> None:
    html = gse_report.html
    assert 'http-equiv="Content-Security-Policy"' in html
    assert "default-src 'none'" in html
    # no scripts, no external stylesheets, images or fonts: nothing to fetch when opened
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r'\ssrc=', html)
    assert "@import" not in html and "url(" not in html
    # the only URLs are citation links (navigation, not loading)
    hrefs = re.findall(r'href="([^"]+)"', html)
    # (and the tables' CSV downloads, data URIs inside the file)
    assert all(h.startswith(("#", "https://doi.org/", "data:text/csv;charset=utf-8,"))
               for h in hrefs), hrefs


def test_svg_plots_are_well_formed_and_titled(gse_report) -> None:
    svgs = re.findall(r"<svg.*?</svg>", gse_report.html, re.S)
    assert len(svgs) >= 4  # histogram, alpha intervals, answers, scree
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title") is not None and root.find(f"{ns}desc") is not None


def test_validation_section_lists_the_problem_rows(gse_report) -> None:
    section = _section(gse_report.html, "validation")
    assert "NOT OK: 1 error(s)" in section
    # the planted out-of-range answer of the bundled data
    assert "R018-B" in section and "out_of_scale" in section
    assert "value 5 is not a response value of &#x27;gse_3&#x27;" in section


def test_reliability_per_group_matches_alpha(data: pd.DataFrame, gse_report) -> None:
    section = _section(gse_report.html, "reliability")
    items = pm.item_data(data, "gse", "total", reverse=True, on_invalid="nan")
    for label in ["faculty", "resident"]:
        res = pm.alpha(items[data["role"] == label])
        assert f"{res.raw_alpha:.3f}" in section
        assert f"{res.ci.lower:.3f}–{res.ci.upper:.3f}" in section
    # the published range of the GSE is shown beside the sample's values
    assert "alpha 0.76–0.90" in section


def test_scores_per_group(data: pd.DataFrame, gse_report) -> None:
    section = _section(gse_report.html, "scores")
    scores = pm.score(data, "gse", on_invalid="nan")["gse_total"]
    for label in ["faculty", "resident"]:
        assert f"{scores[data['role'] == label].mean():.2f}" in section
    assert section.count("<svg") == 1
    assert "faculty</tspan>" in section and "resident</tspan>" in section


def test_item_statistics_come_from_alpha(data: pd.DataFrame, gse_report) -> None:
    section = _section(gse_report.html, "items")
    res = pm.alpha(pm.item_data(data, "gse", "total", reverse=True, on_invalid="nan"))
    for item in ["gse_1", "gse_10"]:
        assert f"{res.item_stats.loc[item, 'r_drop']:.3f}" in section
        assert f"{res.alpha_if_deleted.loc[item, 'raw_alpha']:.3f}" in section


def test_miskeyed_item_is_flagged(data: pd.DataFrame) -> None:
    bad = data.copy()
    bad["css_2"] = 6 - bad["css_2"]  # answers recorded on the reversed scale
    rep = pm.report(bad, "css", n_iter=10)
    section = _section(rep.html, "items")
    assert "negative item-total r: check the key" in section
    assert "Flagged items:</strong> 1 of 5" in section


def test_structure_and_cfa_sections(data: pd.DataFrame, gse_report) -> None:
    structure = _section(gse_report.html, "structure")
    assert "Scree plot with parallel analysis" in structure
    assert "Parallel analysis suggests 1 factor(s)" in structure
    cfa = _section(gse_report.html, "cfa")
    res = pm.cfa(pm.item_data(data, "gse", reverse=True, on_invalid="nan"),
                 pm.load_instrument("gse").cfa_model(), missing="fiml")
    assert f"{res.fit['cfi']:.3f}" in cfa
    assert f"{res.fit['rmsea']:.3f}" in cfa
    assert f"{res.standardized.loc['gse_1'].iloc[0]:.3f}" in cfa


def test_a_missing_statistic_is_reported_visibly(data: pd.DataFrame,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = sections._api

    def fake(name: str):
        if name == "cfa":
            raise Unavailable("psychometrics.cfa is not available in this installation "
                              "(module psychometrics.factor.confirmatory is missing)")
        return real(name)

    monkeypatch.setattr(sections, "_api", fake)
    rep = pm.report(data, "who5", n_iter=10)
    status = {s.id: s.status for s in rep.sections}
    assert status["cfa"] == "unavailable"
    assert all(v == "ok" for k, v in status.items() if k != "cfa")
    section = _section(rep.html, "cfa")
    assert 'class="notice unavailable"' in section
    assert "psychometrics.cfa is not available" in section
    assert "(not available)" in rep.html  # also in the table of contents
    assert "psychometrics.cfa is not available" in rep.summary()


def test_a_failing_statistic_is_reported_visibly(data: pd.DataFrame,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = sections._api

    def fake(name: str):
        if name == "parallel_analysis":
            def broken(*args, **kwargs):
                raise np.linalg.LinAlgError("matrix is singular")
            return broken
        return real(name)

    monkeypatch.setattr(sections, "_api", fake)
    rep = pm.report(data, "css", n_iter=10)
    section = _section(rep.html, "structure")
    assert {s.id: s.status for s in rep.sections}["structure"] == "error"
    assert 'class="notice error"' in section and "matrix is singular" in section
    # the rest of the section still rendered
    assert "KMO overall MSA" in section


def test_numerical_warnings_are_shown(data: pd.DataFrame) -> None:
    flat = data.copy()
    flat["css_3"] = 3  # a zero-variance item
    rep = pm.report(flat, "css", n_iter=10)
    assert "Warnings raised while computing this section" in rep.html


def test_missing_item_column_skips_item_sections(data: pd.DataFrame) -> None:
    rep = pm.report(data.drop(columns=["who5_4"]), "who5", n_iter=10)
    status = {s.id: s.status for s in rep.sections}
    assert status["instrument"] == status["validation"] == "ok"
    for sid in ["scores", "reliability", "items", "structure", "cfa"]:
        assert status[sid] == "skipped"
        assert "item column(s) missing from the data: who5_4" in _section(rep.html, sid)


def test_licensed_text_is_not_printed_even_with_an_overlay(tmp_path: Path,
                                                           data: pd.DataFrame) -> None:
    overlay = tmp_path / "acs-text.yaml"
    overlay.write_text("instrument: acs\nitems:\n  acs_1:\n    text: SECRET LICENSED WORDING\n",
                       encoding="utf-8")
    inst = pm.load_instrument("acs", overlay=overlay)
    rep = pm.report(data, inst, n_iter=10)
    assert "SECRET LICENSED WORDING" not in rep.html
    assert html.escape(inst.item_map["acs_1"].paraphrase) in rep.html


def test_free_text_is_printed(gse_report) -> None:
    assert "I can always manage to solve difficult problems" in gse_report.html


def test_synthetic_data_are_labelled(data: pd.DataFrame, gse_report) -> None:
    assert "SYNTHETIC" in gse_report.html
    plain = pd.DataFrame(data.to_dict("list"))  # no attrs
    rep = pm.report(plain, "css", n_iter=10, note="Pilot data, not for publication")
    assert "SYNTHETIC" not in rep.html
    assert "Pilot data, not for publication" in rep.html


def test_report_is_reproducible_with_a_seed(data: pd.DataFrame) -> None:
    strip = lambda h: re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", h)  # noqa: E731
    a = pm.report(data, "css", n_iter=10, seed=3).html
    b = pm.report(data, "css", n_iter=10, seed=3).html
    assert strip(a) == strip(b)


def test_columns_mapping(data: pd.DataFrame) -> None:
    renamed = data.rename(columns={f"css_{j}": f"CS{j}" for j in range(1, 6)})
    rep = pm.report(renamed, "css", columns="CS{n}", n_iter=10)
    assert all(s.status == "ok" for s in rep.sections), rep.summary()


def test_bad_arguments(data: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="group column 'nope'"):
        pm.report(data, "css", group="nope")
    with pytest.raises(TypeError, match="DataFrame"):
        pm.report(data.to_numpy(), "css")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cfa_missing"):
        pm.report(data, "css", cfa_missing="pairwise")


def test_save_and_repr(tmp_path: Path, gse_report) -> None:
    out = gse_report.save(tmp_path / "r.html")
    assert out.read_text(encoding="utf-8") == gse_report.html
    frame = gse_report._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "<section" not in frame  # escaped
    assert "ok" in str(gse_report)


def test_cli_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gse.html"
    code = main(["report", "gse", str(MENTORSHIP_CSV), "-o", str(out), "--group", "role",
                 "--n-iter", "10", "--title", "GSE, both waves"])
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "<title>GSE, both waves</title>" in html
    assert "mentorship.csv" in html  # the data file is named in the provenance
    assert f"wrote {out}" in capsys.readouterr().err


def test_cli_report_bad_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "gse", str(MENTORSHIP_CSV), "-o", str(tmp_path / "x.html"),
                 "--group", "nope"])
    assert code == 2
    assert "group column 'nope'" in capsys.readouterr().err


def test_plots_are_deterministic_and_colour_blind_safe() -> None:
    series = [plots.Series("a", [3.0, 1.0, 0.5]),
              plots.Series("b", [1.2, 1.1, 1.0], plots.OKABE_ITO["vermillion"], "triangle",
                           dash="6 4", filled=False)]
    one = plots.line_chart(series, title="t", xlabel="x", ylabel="y")
    two = plots.line_chart(series, title="t", xlabel="x", ylabel="y")
    assert one == two
    colours = set(re.findall(r'(?:stroke|fill)="(#[0-9A-Fa-f]{6})"', one))
    allowed = {c.upper() for c in plots.OKABE_ITO.values()} | {
        c.upper() for c in (plots.INK, plots.GRID, "#ffffff", "#777777")}
    assert {c.upper() for c in colours} <= allowed
    # series differ by marker and dash as well as colour (readable in greyscale print)
    assert "<polygon" in one and 'stroke-dasharray="6 4"' in one


def test_sequential_palette_gets_darker() -> None:
    cols = plots.sequential_colours(7)
    lum = [sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in cols]
    assert lum == sorted(lum, reverse=True)


def test_tiny_groups_are_skipped_with_a_note(data: pd.DataFrame) -> None:
    small = data.copy()
    small.loc[:1, "role"] = "pilot"
    rep = pm.report(small, "css", group="role", n_iter=10)
    assert {s.id: s.status for s in rep.sections}["reliability"] == "ok"
    section = _section(rep.html, "reliability")
    assert "Not computed for groups of fewer than 10 respondents" in section
    assert "Career satisfaction, pilot: 2 respondent(s) answered" in section


def test_a_group_whose_reliability_fails_says_why(data: pd.DataFrame) -> None:
    bad = data.copy()
    bad.loc[bad["role"] == "faculty", ["css_1", "css_2", "css_3", "css_4"]] = np.nan
    rep = pm.report(bad, "css", group="role", n_iter=10)
    assert {s.id: s.status for s in rep.sections}["reliability"] == "error"
    section = _section(rep.html, "reliability")
    assert 'class="notice error"' in section
    assert "Career satisfaction, faculty: alpha needs at least 2 items" in section


# ------------------------------------------------------------------- summary and downloads


def _csv_tables(fragment: str) -> list[tuple[str, pd.DataFrame]]:
    """Every CSV download of an HTML fragment: (file name, the table it holds)."""
    import io
    import urllib.parse

    out = []
    for name, uri in re.findall(r'<a class="csv" download="([^"]+)" href="([^"]+)"',
                                fragment):
        text = urllib.parse.unquote(html.unescape(uri).split(",", 1)[1])
        out.append((name, pd.read_csv(io.StringIO(text.lstrip("\ufeff")))))
    return out


def test_summary_gives_each_scale_and_a_sentence_to_copy(data: pd.DataFrame) -> None:
    baseline = data[data["wave"] == "baseline"]
    rep = pm.report(baseline, "gse", n_iter=10)
    section = _section(rep.html, "summary")
    table = pm.reliability(baseline, "gse")
    a = table.iloc[0]
    shown = f".{round(a['alpha'] * 100):02d} [.{round(a['alpha_lower'] * 100):02d}, " \
            f".{round(a['alpha_upper'] * 100):02d}]"
    assert shown in section
    assert "0.76–0.90" in section  # the published value beside it
    quote = re.search(r'<blockquote class="apa">(.*?)</blockquote>', section, re.S).group(1)
    assert "Cronbach&#x27;s α = " in quote and "ω total" in quote and "χ²(35)" in quote
    assert f"(n = {int(a['n'])})" in quote
    (name, frame), = _csv_tables(section)
    assert name == "gse-summary-1.csv"
    assert frame.loc[0, "n"] == a["n"] and frame.loc[0, "scale"] == "General self-efficacy"


def test_every_table_is_downloadable_as_csv(gse_report) -> None:
    doc = gse_report.html
    n_tables = doc.count("<table")
    downloads = _csv_tables(doc)
    assert len(downloads) == n_tables + doc.count("inter-item correlations</title>")
    names = [n for n, _ in downloads]
    assert len(set(names)) == len(names)
    # a table's CSV holds its rows at full precision
    items = dict(_csv_tables(_section(doc, "items")))
    stats = next(f for f in items.values() if "r.drop" in f.columns)
    res = pm.alpha(pm.item_data(load_mentorship(), "gse", reverse=True, on_invalid="nan"))
    np.testing.assert_allclose(stats["r.drop"], res.item_stats["r_drop"], atol=1e-12)
    np.testing.assert_allclose(stats["raw.r"], res.item_stats["raw_r"], atol=1e-12)


def test_item_section_at_psychs_level(gse_report) -> None:
    section = _section(gse_report.html, "items")
    for column in ("raw.r", "std.r", "r.cor", "r.drop", "alpha if deleted"):
        assert f">{column}</th>" in section
    assert "ASE" in section and "omega total" in section and "95% CI [" in section
    assert "inter-item correlations" in section


def test_omega_interval_is_the_packages_seeded_and_named(gse_report) -> None:
    """The report's omega CI is pm.omega_interval with the report's seed, method stated."""
    from psychometrics.reporting.scale_summary import OMEGA_BOOT, omega_method

    keyed = pm.item_data(load_mentorship(), "gse", reverse=True, on_invalid="nan")
    how = omega_method(int(keyed.notna().all(axis=1).sum()))
    with pytest.warns(pm.errors.NumericalWarning, match="left out"):
        ref = pm.omega_interval(keyed, method=how, level=0.95, n_boot=OMEGA_BOOT, seed=1)
    section = _section(gse_report.html, "items")
    name = {"bca": "BCa bootstrap", "percentile": "percentile bootstrap"}[how]
    assert f"[{ref.lower:.3f}, {ref.upper:.3f}] ({name}, {OMEGA_BOOT} resamples" in section
    summary = _section(gse_report.html, "summary")
    assert f"omega's: {name}, {OMEGA_BOOT} resamples (seeded)" in summary


def test_a_constant_item_is_flagged_not_a_crash(data: pd.DataFrame) -> None:
    """issue 12: the item section broke with a KeyError on a constant item."""
    constant = data[data["wave"] == "baseline"].copy()
    constant["gse_4"] = 3
    rep = pm.report(constant, "gse", n_iter=10)
    status = {s.id: s for s in rep.sections}
    assert status["items"].status == "ok", rep.summary()
    section = _section(rep.html, "items")
    assert "gse_4: no variance: left out of alpha" in section
    assert "KeyError" not in rep.html


def test_problem_rows_are_numbered_as_a_spreadsheet_shows_them(gse_report,
                                                               data: pd.DataFrame) -> None:
    section = _section(gse_report.html, "validation")
    position = int(np.flatnonzero(data["response_id"] == "R018-B")[0])
    # the header is row 1, so the n-th respondent (0-based position n - 1) is row n + 1
    assert re.search(rf"<td class=\"num\">{position + 2}</td><td>R018-B</td>", section) or \
        f"<td>{position + 2}</td><td>R018-B</td>" in section


def test_missing_data_patterns_count_every_respondent(gse_report, data: pd.DataFrame) -> None:
    section = _section(gse_report.html, "validation")
    frame = next(f for n, f in _csv_tables(section) if "missing items" in f.columns)
    assert frame["respondents"].sum() == len(data)
    complete = frame[frame["missing items"].astype(str) == "0"]
    items = pm.item_data(data, "gse", on_invalid="nan")
    assert int(complete["respondents"].iloc[0]) == int(items.notna().all(axis=1).sum())


def test_a_transformed_scale_does_not_repeat_its_plot(data: pd.DataFrame) -> None:
    rep = pm.report(data, "who5", n_iter=10)
    section = _section(rep.html, "scores")
    assert section.count("<svg") == 1
    assert "Same items, respondents and distribution as <code>who5_raw</code>" in section
    instrument = _section(rep.html, "instrument")
    assert "all 5 answered" in instrument and "5 of 5 answered; sum prorated" not in instrument


def test_cfa_section_at_lavaans_level(gse_report) -> None:
    section = _section(gse_report.html, "cfa")
    for text in ("Estimator ML", "Model test, baseline model", "SABIC",
                 "P-value H0: RMSEA ≤ .050", ">z</th>", ">std.lv</th>", ">std.all</th>",
                 "Residual variances", "Factor variances", "R-square",
                 "Residual correlations"):
        assert text in section, text


def test_a_single_published_value_is_its_own_marker() -> None:
    svg = plots.interval_chart(["total"], [0.85], [0.82], [0.88], published=[(0.85, 0.85)],
                               title="Alpha", xlabel="alpha")
    assert "<polygon" in svg and "published value" in svg and "published range" not in svg
    # drawn after (on top of) the estimate, so an equal value stays visible
    assert svg.index("<polygon points") > svg.index("<circle")
    ranged = plots.interval_chart(["total"], [0.85], [0.82], [0.88],
                                  published=[(0.76, 0.90)], title="Alpha", xlabel="alpha")
    assert "published range" in ranged and "published value<" not in ranged
