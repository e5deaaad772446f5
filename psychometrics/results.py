"""What every result object shares: ``summary()``, ``to_dict()`` and notebook HTML.

Results are frozen dataclasses holding numbers as attributes and tables as DataFrames. A
subclass lists its scalar fields and its tables; printing, JSON export and HTML rendering
come from here, so no result is ever only printed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd


def _plain(value: Any) -> Any:
    """Convert numpy/pandas values to JSON-ready Python values (NaN -> None)."""
    if isinstance(value, pd.DataFrame):
        frame = value.astype(object).where(pd.notna(value), None)
        return {"index": [_plain(i) for i in frame.index],
                "columns": [str(c) for c in frame.columns],
                "data": [[_plain(v) for v in row] for row in frame.to_numpy().tolist()]}
    if isinstance(value, pd.Series):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def format_number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "NA"
    if isinstance(value, float | np.floating):
        return "NA" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


class ResultMixin:
    """Mix into a frozen dataclass. Override ``_title`` and, if useful, ``summary``."""

    _title: str = "Result"

    def _scalars(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not isinstance(getattr(self, f.name), pd.DataFrame | pd.Series | np.ndarray | dict)
            and not f.name.startswith("_")
        }

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python values (DataFrames as index/columns/data), JSON-ready."""
        return {f.name: _plain(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def summary(self, digits: int = 3) -> str:
        """A readable text summary of the scalars and every table."""
        lines = [self._title, "=" * len(self._title)]
        for name, value in self._scalars().items():
            lines.append(f"{name:<24} {format_number(value, digits)}")
        for name, table in self._tables().items():
            lines += ["", f"{name}:", table.round(digits).to_string()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        # The report's table style (scoped CSS); imported here to keep imports light.
        from psychometrics.reporting.notebook import result_html

        return result_html(self)
