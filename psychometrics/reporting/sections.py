"""The pieces every report section is built with: its status, its builder, the shared context.

A section function (``builder`` and ``model_sections``) receives the :class:`_Context` of
the report and a :class:`_Builder`; it adds HTML to the builder and notes, visibly, what
could not be computed. Statistics are reached through :func:`_api`, the public API by name,
so a statistic missing from an installation is reported rather than crashing the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.reporting._html import esc, name_downloads, notice
from psychometrics.reporting.scale_summary import ScaleSummary
from psychometrics.schema import Instrument
from psychometrics.validation import Columns

_STATUS_RANK = {"ok": 0, "skipped": 1, "unavailable": 2, "error": 3}
_STATUS_TEXT = {"ok": "", "skipped": "not computed", "unavailable": "not available",
                "error": "error"}

# Thresholds for flagging items; the report states each of them beside the table.
LOW_ITEM_TOTAL_R = 0.30
HIGH_MISSING_SHARE = 0.10
ONE_ANSWER_SHARE = 0.80
LOW_LOADING = 0.40
MIN_GROUP = 10  # below this, a group's reliability is too unstable to be worth printing


@dataclass(frozen=True)
class Section:
    """One section of a report and what happened while computing it.

    ``status`` is ``ok``, ``skipped`` (not computable from these data, e.g. item columns
    missing), ``unavailable`` (a statistic this section needs is not in the installation)
    or ``error`` (a computation failed); ``messages`` says which and why.
    """

    id: str
    title: str
    status: str
    messages: tuple[str, ...] = ()


class Unavailable(Exception):
    """A public statistic the report needs is not part of this installation."""


def _api(name: str) -> Callable[..., Any]:
    import psychometrics

    try:
        return getattr(psychometrics, name)
    except ModuleNotFoundError as exc:
        raise Unavailable(f"psychometrics.{name} is not available in this installation "
                          f"(module {exc.name} is missing)") from None
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"psychometrics.{name} is not available in this installation "
                          f"({exc})") from None


class _Builder:
    """Accumulates one section's HTML and the notes on what could not be computed."""

    def __init__(self, sid: str, title: str):
        self.id, self.title = sid, title
        self.parts: list[str] = []
        self.status = "ok"
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def add(self, html_text: str) -> None:
        self.parts.append(html_text)

    def note(self, status: str, message: str) -> None:
        if _STATUS_RANK[status] > _STATUS_RANK[self.status]:
            self.status = status
        if message not in self.messages:
            self.messages.append(message)

    def call(self, what: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``psychometrics.<name>``; on trouble note it (visibly) and return None."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = _api(name)(*args, **kwargs)
            except Unavailable as exc:
                self.note("unavailable", str(exc))
                self.add(notice("unavailable", "Not available: ", f"{what}. {exc}."))
                result = None
            except Exception as exc:
                self.note("error", f"{what}: {type(exc).__name__}: {exc}")
                self.add(notice("error", "Could not compute ", f"{what}: {exc}"))
                result = None
        for w in caught:
            text = f"{what}: {w.message}"
            if text not in self.warnings:
                self.warnings.append(text)
        return result

    def render(self, number: int, stem: str = "") -> str:
        status = f' data-status="{self.status}"'
        warn = ""
        if self.warnings:
            warn = notice("warning", "Warnings raised while computing this section:", "",
                          self.warnings)
        html_text = (f'<section id="{self.id}"{status}><h2>{number}. {esc(self.title)}</h2>'
                     + "".join(self.parts) + warn + "</section>")
        return name_downloads(html_text, f"{stem}{self.id}")

    def section(self) -> Section:
        return Section(self.id, self.title, self.status, tuple(self.messages))


# The CFA estimators a report offers: lavaan's ML family, and its least-squares estimators
# for ordered items (which fit the items as ordered categories)
ORDINAL_REPORT_ESTIMATORS = ("WLSMV", "WLSM", "DWLS", "ULSMV", "ULSM")
REPORT_ESTIMATORS = ("ML", "MLM", "MLMV", "MLR", *ORDINAL_REPORT_ESTIMATORS)


@dataclass

class _Context:
    inst: Instrument
    data: pd.DataFrame
    columns: Columns
    group: str | None
    id_column: str | None
    ci: float
    ci_method: str
    n_boot: int
    n_iter: int
    seed: int | None
    cfa_missing: str
    cfa_estimator: str = "ML"  # one of REPORT_ESTIMATORS
    keyed: pd.DataFrame | None = None
    raw: pd.DataFrame | None = None
    item_problem: str | None = None
    groups: list[tuple[str, np.ndarray]] = field(default_factory=list)
    # what the sections found, for the summary at the top
    summary: dict[str, ScaleSummary] = field(default_factory=dict)
    validation_errors: int | None = None
    cfa_line: str | None = None
    cfa_flags: list[str] = field(default_factory=list)

    def analysed_items(self) -> list[str]:
        """The items of every scale, each once, in scale order."""
        return list(dict.fromkeys(i for sc in self.inst.scales.values() for i in sc.items))


def _need_items(ctx: _Context, b: _Builder) -> bool:
    """Prepare the keyed and raw item frames once; False (with a notice) when impossible."""
    if ctx.item_problem is not None:
        b.note("skipped", f"not computed: {ctx.item_problem}")
        b.add(notice("unavailable", "Not computed: ", f"{ctx.item_problem}."))
        return False
    if ctx.keyed is None:
        keyed = b.call("the keyed item data", "item_data", ctx.data, ctx.inst,
                       columns=ctx.columns, reverse=True, on_invalid="nan")
        raw = b.call("the item data", "item_data", ctx.data, ctx.inst, columns=ctx.columns,
                     reverse=False, on_invalid="nan")
        if keyed is None or raw is None:
            ctx.item_problem = "the item data could not be read"
            return False
        ctx.keyed, ctx.raw = keyed, raw
    return True
