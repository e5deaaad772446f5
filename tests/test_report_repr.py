"""Results in notebooks: every result renders as tidy, well-formed HTML tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_mentorship
from psychometrics.reporting.notebook import result_html

VOID = {"br", "hr", "img", "meta", "input", "col"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _well_formed(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    assert not parser.errors, parser.errors[:3]
    assert not parser.stack, parser.stack


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    data = load_mentorship()
    items = pm.item_data(data, "acs", reverse=True, on_invalid="nan")
    return {
        "AlphaResult": pm.alpha(items),
        "EFAResult": pm.efa(items, 2),
        "CFAResult": pm.cfa(items, pm.load_instrument("acs").cfa_model()),
        "ValidationReport": pm.validate(data, "gse", id_column="response_id"),
        "OmegaResult": pm.omega(items, n_factors=1),
        "ParallelAnalysisResult": pm.parallel_analysis(items, n_iter=10, seed=1),
    }


@pytest.mark.parametrize("name", ["AlphaResult", "EFAResult", "CFAResult",
                                  "ValidationReport"])
def test_results_render_as_html_tables_in_notebooks(results, name: str) -> None:
    html = results[name]._repr_html_()
    assert type(results[name]).__name__ == name
    assert html.count("<table") >= 2
    _well_formed(html)


@pytest.mark.parametrize("name", ["AlphaResult", "EFAResult", "CFAResult",
                                  "ValidationReport", "OmegaResult",
                                  "ParallelAnalysisResult"])
def test_result_html_is_tidy(results, name: str) -> None:
    res = results[name]
    html = result_html(res)
    _well_formed(html)
    assert 'class="pm-result"' in html and "<style>" in html
    text = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    assert not re.search(r">(None|nan|NaN|<NA>)<", text), "missing values show as NA or –"
    assert not re.search(r">-?\d+\.\d{4,}<", text), "numbers are rounded"
    for field, value in vars(res).items():
        if isinstance(value, pd.DataFrame) and not field.startswith("_"):
            assert f"<h5>{field}" in text or f", {field}" in text, field


def test_result_html_shows_counts_as_integers(results) -> None:
    res = results["EFAResult"]
    html = result_html(res)
    assert re.search(r"<th>dof</th><td>\d+</td>", html)
    assert isinstance(res.n_obs, int) and res.n_obs > 100
    assert re.search(rf"<th>n_obs</th><td>{res.n_obs}</td>", html)
    # per-item series are merged into one table
    assert "communalities, uniquenesses, complexity" in html


def test_result_html_rejects_non_results() -> None:
    with pytest.raises(TypeError, match="result dataclass"):
        result_html(pd.DataFrame())
