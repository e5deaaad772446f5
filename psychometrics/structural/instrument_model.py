"""A model argument that names an instrument: ``cfa(data, "gse")`` as ``reliability`` does.

:func:`resolve_model` turns a built-in instrument id or the path of an instrument YAML into
the :class:`~psychometrics.schema.Instrument` (through
:func:`psychometrics.catalog.as_instrument`, as every instrument-taking function does) and
leaves lavaan syntax, dicts and ModelSpecs alone. A string that is neither gets one error
saying both.
"""

from __future__ import annotations

import re
from typing import Any

from psychometrics.errors import DefinitionError
from psychometrics.structural.errors import ModelError

__all__ = ["resolve_model"]

# Any of lavaan's operators or a statement separator: the string is model syntax.
_SYNTAX = re.compile(r"=~|~|:=|==|<|>|\n|;")


def resolve_model(model: Any) -> Any:
    """The instrument a string names, or ``model`` unchanged.

    Parameters
    ----------
    model : Any
        A built-in instrument id (``"gse"``), an instrument YAML path, lavaan syntax, a
        ``{factor: [items]}`` dict, a ModelSpec or an Instrument.

    Returns
    -------
    Instrument or the input
        The loaded instrument for an id or path; anything else as given.

    Raises
    ------
    ModelError
        A string without any lavaan operator that is not an instrument id or file either.

    Examples
    --------
    >>> resolve_model("who5").id
    'who5'
    >>> resolve_model("f =~ a + b + c")
    'f =~ a + b + c'
    """
    if not isinstance(model, str) or _SYNTAX.search(model):
        return model
    from psychometrics.catalog import as_instrument
    from psychometrics.structural.syntax import ModelSyntaxError, parse_model

    text = model.strip()
    try:
        return as_instrument(text)
    except DefinitionError as not_instrument:
        try:
            parse_model(text)
        except ModelSyntaxError as not_syntax:
            why_inst = "; ".join(p.message for p in not_instrument.problems)
            why_syntax = "; ".join(p.message for p in not_syntax.problems)
            raise ModelError(
                f"model {text!r} is neither an instrument ({why_inst}) nor lavaan model "
                f"syntax ({why_syntax})") from None
        return model
