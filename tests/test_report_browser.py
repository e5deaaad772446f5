"""The report as a person sees it: opened in headless Chromium (Debian's ``chromium``).

A probe injected into a copy of the report measures every section and plot after layout
and records console errors, script errors, failed resource loads and CSP violations;
Chromium's own console log is checked as well. CI installs chromium (see .ci/run).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_mentorship
from psychometrics.reporting import browser, sections
from psychometrics.reporting.builder import SECTIONS, Unavailable

CHROMIUM = browser.find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary found (apt-get install chromium; CI installs it)")


@pytest.fixture(scope="module")
def rendering() -> browser.Rendering:
    rep = pm.report(load_mentorship(), "acs", group="role", id_column="response_id",
                    n_iter=20)
    return browser.render(rep.html, binary=CHROMIUM)


def test_every_section_is_laid_out_and_visible(rendering: browser.Rendering) -> None:
    sections = {s["id"]: s for s in rendering.probe["sections"]}
    assert list(sections) == [sid for sid, _ in SECTIONS]
    for number, (sid, title) in enumerate(SECTIONS, start=1):
        s = sections[sid]
        assert s["visible"] and s["status"] == "ok", s
        assert s["heading"] == f"{number}. {title}"
        assert s["width"] > 500 and s["height"] > 150, s  # it has content, not just a title


def test_every_plot_is_drawn(rendering: browser.Rendering) -> None:
    svgs = rendering.probe["svgs"]
    where = {s["section"] for s in svgs}
    assert {"scores", "reliability", "items", "structure"} <= where
    for svg in svgs:
        assert svg["width"] >= 300 and svg["height"] >= 100, svg
        assert svg["content"] > 10_000, svg  # the drawing occupies real area
        assert svg["title"], svg


def test_no_console_errors_and_nothing_fetched(rendering: browser.Rendering) -> None:
    assert rendering.probe["errors"] == []
    assert rendering.console == []


def test_a_missing_statistic_is_visible_in_the_browser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = sections._api

    def fake(name: str):
        if name == "reliability":
            raise Unavailable("psychometrics.reliability is not available in this installation")
        return real(name)

    monkeypatch.setattr(sections, "_api", fake)
    rep = pm.report(load_mentorship(), "css", n_iter=10)
    seen = browser.render(rep.html, binary=CHROMIUM)
    status = {s["id"]: s["status"] for s in seen.probe["sections"]}
    assert status["reliability"] == "unavailable"
    section = seen.dom.split('<section id="reliability"', 1)[1].split("</section>", 1)[0]
    assert "Not available" in section and "psychometrics.reliability is not available" in section
    assert seen.probe["errors"] == [] and seen.console == []


def test_probe_catches_errors() -> None:
    """The check above is meaningful: a broken page is caught."""
    page = ("<!DOCTYPE html><html><head></head><body><section id='x'><h2>x</h2></section>"
            "<img src='missing.png'><script>console.error('boom')</script></body></html>")
    seen = browser.render(page, binary=CHROMIUM)
    text = " ".join(seen.probe["errors"])
    assert "resource failed" in text and "console.error: boom" in text
    assert any("boom" in line for line in seen.console)


def test_screenshot(tmp_path) -> None:
    rep = pm.report(pd.DataFrame(load_mentorship()), "who5", n_iter=10)
    png = browser.screenshot(rep.html, tmp_path / "r.png", binary=CHROMIUM, width=900,
                             height=700)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000


# ----------------------------------------------------------------------- looking at it


def _demo_html() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
    from _gen.demo import demo_report

    return demo_report().html


@pytest.fixture(scope="module")
def demo_html() -> str:
    return _demo_html()


@pytest.mark.parametrize("width", [1400, 400, 360])
def test_demo_report_layout(demo_html: str, width: int,
                            tmp_path_factory: pytest.TempPathFactory) -> None:
    """The demo report fits the screen from a phone to a desktop, readable, every section
    there; the screenshots are kept in the test's temporary folder to look at."""
    seen = browser.render(demo_html, binary=CHROMIUM, width=width)
    layout = seen.probe["layout"]
    assert layout["viewport"] == width
    # nothing sticks out of the page: wide tables and plots scroll inside their own box
    assert layout["scrollWidth"] <= width and layout["bodyWidth"] <= width, layout
    assert layout["minFont"] >= 9, layout["small"]
    assert layout["spill"] == []  # no element's content runs out of its own box
    sections = {s["id"]: s for s in seen.probe["sections"]}
    assert list(sections) == [sid for sid, _ in SECTIONS]
    for s in sections.values():
        assert s["visible"] and s["status"] == "ok" and s["height"] > 100, s
        assert s["width"] <= width, s
    assert seen.probe["errors"] == [] and seen.console == []
    if width in (1400, 400):
        png = browser.screenshot(demo_html, tmp_path_factory.mktemp("shots") /
                                 f"demo-{width}.png", binary=CHROMIUM, width=width)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000


def test_layout_probe_catches_overflow_and_tiny_text() -> None:
    """The layout facts above are meaningful: a page too wide, or with 6 px text, is caught."""
    page = ("<!DOCTYPE html><html><head></head><body><section id='x'><h2>x</h2>"
            "<div style='width:900px'>wide</div><p style='font-size:6px'>tiny</p>"
            "<svg viewBox='0 0 1000 100' width='1000' style='max-width:100%'>"
            "<text x='0' y='20' font-size='12'>scaled down</text></svg></section></body></html>")
    layout = browser.render(page, binary=CHROMIUM, width=400).probe["layout"]
    assert layout["scrollWidth"] > 400
    assert layout["minFont"] < 9
    assert any("tiny" in t for t in layout["small"])
    assert any("scaled down" in t for t in layout["small"])  # 12 px shown at 0.4: ~5 px
