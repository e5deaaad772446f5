"""The engine's errors: both are a :class:`~psychometrics.errors.PsychometricsError` (the CLI
reports them on one line) and a ``ValueError`` (for code that catches those)."""

from __future__ import annotations

from psychometrics.errors import PsychometricsError

__all__ = ["DataError", "ModelError"]


class ModelError(PsychometricsError, ValueError):
    """The model cannot be fitted as written: not identified (more free parameters than
    moments), an unsupported part, an unknown ``group_equal`` name, a ``c(...)`` of the wrong
    length. The message names the statement (and its line) or the option."""


class DataError(PsychometricsError, ValueError):
    """The data cannot carry the model: items missing or not numeric, an item without
    variance, collinear items, fewer respondents than items, an empty group. The message
    names the items, the group and the numbers."""
