"""Former home of the model syntax; see :mod:`psychometrics.structural.syntax`."""

from __future__ import annotations

from psychometrics.structural.syntax import ModelSpec, ModelSyntaxError, ModelTerm, parse_model

__all__ = ["ModelSpec", "ModelSyntaxError", "ModelTerm", "parse_model"]
