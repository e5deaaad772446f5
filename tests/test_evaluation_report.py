"""The evaluation report: what it says, and that it renders in headless Chromium."""

from __future__ import annotations

import re

import pytest

import psychometrics as pm
from psychometrics.datasets import mentorship_study_path
from psychometrics.evaluation.pipeline import SECTION_TITLES
from psychometrics.reporting import browser
from psychometrics.reporting.evaluation import NOT_COVERED, RENDERERS

CHROMIUM = browser.find_chromium()


@pytest.fixture(scope="module")
def html(ev: pm.Evaluation) -> str:
    return pm.evaluation_report(ev).html


def test_the_report_says_what_it_covers(html: str) -> None:
    head = html.split("<main>")[0]
    assert "This report covers:" in head
    for title in SECTION_TITLES.values():
        assert title in head
    assert "SYNTHETIC" in head
    # invariance is a section now; what its models leave out is said there
    assert '<a href="#invariance">Measurement invariance</a>' in head
    section = html.split('<section id="invariance"', 1)[1].split("</section>", 1)[0]
    assert NOT_COVERED.split(":")[0] in section
    assert set(RENDERERS) == set(SECTION_TITLES)


def test_the_numbers_shown_are_the_tables(ev: pm.Evaluation, html: str) -> None:
    row = ev.change.query("score == 'css_satisfaction' and grouping == 'all'").iloc[0]
    assert (f"{row['d_av']:.2f} [{row['d_av_lower']:.2f}, {row['d_av_upper']:.2f}]") in html
    p = ev.participation.query("wave == 'one_year' and group == 'faculty'").iloc[0]
    assert f"{p['response_rate']:.0%} [" in html
    g = ev.comparisons.iloc[0]
    assert f"{g['hedges_g']:.2f} [{g['hedges_g_lower']:.2f}, {g['hedges_g_upper']:.2f}]" in html


def test_the_report_is_self_contained(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_a_skipped_section_is_listed_as_not_computed(tmp_path) -> None:
    import yaml

    from psychometrics.datasets import load_mentorship

    spec = yaml.safe_load(mentorship_study_path().read_text(encoding="utf-8"))
    spec["waves"] = {"column": "wave", "order": ["baseline"]}
    data = load_mentorship()
    data[data.wave == "baseline"].to_csv(tmp_path / "mentorship.csv", index=False)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    rep = pm.evaluation_report(pm.evaluate(tmp_path / "s.yaml"))
    assert "Not computed for this study:" in rep.html
    assert "Change from baseline: change needs two waves or more" in rep.html
    assert '<section id="change"' not in rep.html


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary found (apt-get install "
                                              "chromium; CI installs it)")
def test_it_renders_in_headless_chromium(html: str) -> None:
    seen = browser.render(html, binary=CHROMIUM)
    assert seen.probe["errors"] == [] and seen.console == []
    sections = seen.probe["sections"]
    assert [s["id"] for s in sections] == list(SECTION_TITLES)
    for number, s in enumerate(sections, start=1):
        assert s["visible"] and s["status"] == "ok", s
        assert s["heading"] == f"{number}. {SECTION_TITLES[s['id']]}"
        assert s["width"] > 500 and s["height"] > 150, s
    where = {s["section"] for s in seen.probe["svgs"]}
    assert {"reliability", "scores", "change", "comparisons"} <= where
    for svg in seen.probe["svgs"]:
        assert svg["width"] >= 300 and svg["height"] >= 100 and svg["content"] > 10_000, svg
        assert svg["title"], svg


def test_a_study_without_waves_is_reported_whole(tmp_path) -> None:
    import yaml

    from psychometrics.datasets import load_mentorship

    spec = yaml.safe_load(mentorship_study_path().read_text(encoding="utf-8"))
    del spec["waves"]
    spec["comparisons"].pop("change_by")
    data = load_mentorship()
    data[data.wave == "baseline"].drop(columns="wave").to_csv(tmp_path / "mentorship.csv",
                                                               index=False)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    ev = pm.evaluate(tmp_path / "s.yaml")
    assert {s.id: s.status for s in ev.sections}["change"] == "skipped"
    html = pm.evaluation_report(ev).html
    section = html.split('<section id="comparisons"', 1)[1].split("</section>", 1)[0]
    assert section.count("<svg") == 3 and "All data: by role x gender" in section
    assert set(ev.comparisons["wave"]) == {"all"}
