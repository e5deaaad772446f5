"""Tidy HTML for result objects in notebooks, in the report's table style.

:func:`result_html` renders any result dataclass (``AlphaResult``, ``EFAResult``,
``CFAResult``, ``ValidationReport`` ...): a title, the scalar results as a two-column table
(missing optional results left out, counts as integers, other numbers to three decimals),
then each table with right-aligned numbers. The style is scoped to the output, so it
neither depends on nor changes the notebook's own CSS.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.reporting._html import esc, fmt, table

_STYLE = """<style>
.pm-result { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 13px; color: #1f1f1f; }
.pm-result h4 { margin: 6px 0 6px; font-size: 15px; }
.pm-result h5 { margin: 12px 0 4px; font-size: 13px; }
.pm-result table { border-collapse: collapse; margin: 2px 0 8px; border: none;
  font-variant-numeric: tabular-nums; }
.pm-result th, .pm-result td { border: none; border-bottom: 1px solid #d0d0d0;
  padding: 2px 8px; text-align: left; }
.pm-result thead th { border-bottom: 2px solid #1f1f1f; }
.pm-result td.num, .pm-result th.num { text-align: right; }
</style>"""

_COUNT = re.compile(r"(^|_)(n|df|dof|npar|count|iter|iterations|items|factors)(_|$)|^n_")


def _scalar_text(name: str, value: Any) -> str | None:
    """A scalar field as table text; None leaves an unset optional result out."""
    if value is None:
        return None
    if isinstance(value, float | np.floating) and math.isnan(float(value)):
        return "NA"
    if (isinstance(value, float | np.floating) and float(value).is_integer()
            and _COUNT.search(name)):
        return f"{int(value):,}"
    if isinstance(value, int | float | np.integer | np.floating | bool | np.bool_):
        return fmt(value)
    if isinstance(value, str):
        return value
    text = str(value)  # an object such as a ConfidenceInterval or a ModelSpec
    return text if len(text) <= 200 else text[:197] + "…"


def _merge_series(tables: list[tuple[str, pd.DataFrame, bool]]
                  ) -> list[tuple[str, pd.DataFrame]]:
    """Consecutive per-item Series (communalities, uniquenesses ...) side by side."""
    out: list[tuple[str, pd.DataFrame, bool]] = []
    for name, frame, is_series in tables:
        if is_series and out and out[-1][2] and out[-1][1].index.equals(frame.index):
            prev_name, prev, _ = out[-1]
            out[-1] = (f"{prev_name}, {name}", pd.concat([prev, frame], axis=1), True)
        else:
            out.append((name, frame, is_series))
    return [(name, frame) for name, frame, _ in out]


def result_html(result: Any, *, max_rows: int = 60) -> str:
    """Tidy HTML of a result dataclass: title, scalars, then every table.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import psychometrics as pm
    >>> from psychometrics.reporting.notebook import result_html
    >>> rng = np.random.default_rng(1)
    >>> latent = rng.normal(size=(50, 1))
    >>> items = pd.DataFrame(latent + rng.normal(size=(50, 4)), columns=list("abcd"))
    >>> page = result_html(pm.alpha(items))
    >>> page.count("<table") >= 3, "raw_alpha" in page
    (True, True)
    """
    if not dataclasses.is_dataclass(result):
        raise TypeError(f"expected a result dataclass, not {type(result).__name__}")
    title = getattr(result, "_title", None) or type(result).__name__
    scalars: list[tuple[str, str]] = []
    tables: list[tuple[str, pd.DataFrame, bool]] = []
    for f in dataclasses.fields(result):
        if f.name.startswith("_"):
            continue
        value = getattr(result, f.name)
        if isinstance(value, pd.DataFrame):
            tables.append((f.name, value, False))
        elif isinstance(value, pd.Series):
            tables.append((f.name, value.to_frame(f.name).rename_axis(value.index.name), True))
        elif isinstance(value, dict):
            if value and all(not isinstance(v, dict | list | pd.DataFrame)
                             for v in value.values()):
                scalars += [(f"{f.name}.{k}", str(v)) for k, v in value.items()]
        elif not isinstance(value, np.ndarray | list | tuple):
            text = _scalar_text(f.name, value)
            if text is not None:
                scalars.append((f.name, text))
    merged = _merge_series(tables)
    parts = [_STYLE, f'<div class="pm-result"><h4>{esc(title)}</h4>']
    if scalars:
        rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                       for k, v in scalars)
        parts.append(f"<table><tbody>{rows}</tbody></table>")
    for name, frame in merged:
        shown = frame.head(max_rows)
        more = (f"<p>… {len(frame) - max_rows} more rows</p>" if len(frame) > max_rows else "")
        parts.append(f"<h5>{esc(name)}</h5>" + table(shown) + more)
    parts.append("</div>")
    return "".join(parts)
