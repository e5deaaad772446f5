"""The package's exceptions and warnings.

Every error carries *where* (a YAML file and line, or a data row and column) and *what*
(the value and the rule it broke), so a researcher can fix the input without a debugger.
"""

from __future__ import annotations

from dataclasses import dataclass


class PsychometricsError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in an instrument definition.

    ``file``, ``line`` and ``column`` locate the YAML node (1-based; ``None`` when unknown),
    ``path`` is the dotted path inside the document (``scales.total.items[3]``).
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        loc = f" {self.path}:" if self.path else ""
        return f"{where}:{loc} {self.message}"


class DefinitionError(PsychometricsError, ValueError):
    """An instrument definition (YAML or overlay) is invalid.

    ``problems`` lists every problem found in the file, not only the first.
    """

    def __init__(self, problems: list[Problem] | Problem | str, file: str = "<definition>"):
        if isinstance(problems, str):
            problems = [Problem(file, None, None, "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataValidationError(PsychometricsError, ValueError):
    """Response data break the rules of an instrument.

    ``errors`` is the DataFrame of problems (row, id, column, value, rule, message).
    """

    def __init__(self, message: str, errors: object = None):
        self.errors = errors
        super().__init__(message)


class MissingColumnError(PsychometricsError, KeyError):
    """A column the call names (a group, an id column) is not in the data.

    A ``KeyError`` for code that catches those; its message is shown as written.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PsychometricsWarning(UserWarning):
    """Base class of the package's warnings (numerical trouble, questionable data)."""


class NumericalWarning(PsychometricsWarning):
    """Numerical trouble: zero variance, a singular or non-positive-definite matrix,
    a Heywood case, non-convergence. The message names the cause and the item or factor."""
