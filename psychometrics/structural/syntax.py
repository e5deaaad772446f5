"""lavaan model syntax for confirmatory factor analysis.

:func:`parse_model` reads the measurement part of lavaan's model syntax (Rosseel, 2012)
into a :class:`ModelSpec`:

- ``factor =~ item1 + item2 + item3`` defines a factor by its indicators (several lines for
  the same factor add indicators);
- ``a ~~ b`` frees a residual covariance between two items, or a covariance between two
  factors; ``a ~~ a`` is a (residual) variance;
- modifiers before a variable, joined by ``*``: a number fixes the parameter (``1*x1``,
  ``0*f2``), ``NA`` frees it (``NA*x1`` frees the first loading that would otherwise be the
  marker), a name labels it (``b*x5``; parameters sharing a label are constrained equal),
  ``start(0.7)`` gives a start value, ``label("b")`` and ``equal("b")`` are label spellings;
- statements are separated by newlines or ``;``; ``#`` and ``!`` start comments; a line that
  ends with ``+`` (or a line that starts with ``+``) continues the statement.

- ``y ~ x1 + x2`` regresses a factor on factors (modifiers as for loadings);
  ``x ~ 1`` is an intercept (``x ~ 0*1`` fixes it);
- ``c(v1, v2, ...)`` gives one modifier per group (a number, ``NA`` or a label).

- ``name := expression`` defines a function of labels (``ind := a*b``; arithmetic, ``^``,
  ``exp``, ``log``, ``sqrt``, ``abs``), estimated with a delta-method standard error;
- ``a == b`` constrains two labels equal (or a label to a number);
- ``a > 0``, ``a < b``, ``b > a + 0.1`` are inequality constraints (lavaan's): a label left of
  the operator, a linear expression of labels (and defined parameters) and numbers right of
  it. A name that is not a label is an error naming the line and the column.

Thresholds (``|``) and formative factors (``<~``) are rejected with an error naming the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from psychometrics.errors import DefinitionError, Problem

__all__ = ["GroupModifier", "ModelSpec", "ModelSyntaxError", "ModelTerm", "parse_model"]

_SOURCE = "<model>"
# Longest operators first, so that "=~" is not read as "=" and "~~" not as "~".
_OPERATORS = ("~*~", "=~", "~~", "<~", ":=", "==", "~", "<", ">", "|")
_SUPPORTED = ("=~", "~~", "~", ":=", "==", "<", ">")
_CONSTRAINT_OPS = (":=", "==", "<", ">")
_UNSUPPORTED_WHY = {
    "~": "regressions ('~') and intercepts ('~ 1') are not part of a measurement model",
    "<~": "formative factors ('<~') are not supported",
    "|": "thresholds ('|') are not supported (continuous items only)",
    "~*~": "scaling factors ('~*~') are not supported",
}
_NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*\Z")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z")
_CALL = re.compile(r"(start|label|equal|c)\((.*)\)\Z", re.DOTALL)


class ModelSyntaxError(DefinitionError):
    """A model in lavaan syntax (or a ``{factor: items}`` dict) cannot be read.

    The message names the line of the model text and the offending token.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(Problem(_SOURCE, line, column, "", message))


@dataclass(frozen=True)
class GroupModifier:
    """One element of a ``c(...)`` modifier: the parameter in one group is fixed to a
    number, freed (``NA``) or labelled."""

    fixed: float | None = None
    free: bool = False
    label: str | None = None

    def __str__(self) -> str:
        if self.fixed is not None:
            return _format_number(self.fixed)
        return self.label if self.label is not None else "NA"


@dataclass(frozen=True)
class ModelTerm:
    """One parameter the user wrote: ``lhs op rhs`` with its modifiers.

    ``fixed`` is the value a number modifier fixes the parameter to (``None`` when free or
    unspecified), ``free`` is ``True`` when ``NA*`` explicitly frees it, ``label`` names it
    (equal labels mean equal parameters), ``start`` is a user start value and ``line`` the
    1-based line of the model text it came from (``column``: of a constraint's left side).
    """

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None
    free: bool = False
    label: str | None = None
    start: float | None = None
    line: int | None = field(default=None, compare=False)
    per_group: tuple[GroupModifier, ...] = ()
    column: int | None = field(default=None, compare=False)

    def for_group(self, g: int) -> tuple[float | None, bool, str | None]:
        """``(fixed, free, label)`` in group ``g`` (0-based): a ``c(...)`` modifier's
        element when there is one, else the term's own modifiers."""
        if self.per_group:
            mod = self.per_group[g]
            return mod.fixed, mod.free, mod.label
        return self.fixed, self.free, self.label

    def __str__(self) -> str:
        mods = []
        if self.per_group:
            mods.append("c(" + ", ".join(map(str, self.per_group)) + ")")
        if self.fixed is not None:
            mods.append(_format_number(self.fixed))
        elif self.free:
            mods.append("NA")
        if self.label is not None:
            mods.append(self.label)
        if self.start is not None:
            mods.append(f"start({_format_number(self.start)})")
        if self.op == "~1":
            return f"{self.lhs} ~ " + "*".join([*mods, "1"])
        rhs = "*".join([*mods, self.rhs])
        return f"{self.lhs} {self.op} {rhs}"


@dataclass(frozen=True)
class ModelSpec:
    """A measurement model: factors and their indicators plus extra (co)variances.

    ``terms`` holds every user-specified parameter in the order written (loadings ``=~``
    and (co)variances ``~~``). Derived views: :attr:`factors` (factor -> indicators, in
    order), :attr:`covariances` (the ``~~`` terms), :attr:`latent` and :attr:`observed`
    (lavaan's order: indicators as they first appear, then items named only in ``~~``).

    Examples
    --------
    >>> spec = parse_model("f1 =~ a + b + c; f2 =~ d + e + f; a ~~ d")
    >>> spec.factors
    {'f1': ('a', 'b', 'c'), 'f2': ('d', 'e', 'f')}
    >>> [str(t) for t in spec.covariances]
    ['a ~~ d']
    """

    terms: tuple[ModelTerm, ...]

    @property
    def factors(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for term in self.terms:
            if term.op == "=~":
                out.setdefault(term.lhs, []).append(term.rhs)
        return {f: tuple(items) for f, items in out.items()}

    @property
    def latent(self) -> tuple[str, ...]:
        return tuple(self.factors)

    @property
    def observed(self) -> tuple[str, ...]:
        latent = set(self.latent)
        names: dict[str, None] = {}
        for term in self.terms:
            if term.op == "=~" and term.rhs not in latent:
                names.setdefault(term.rhs)
        for ops in (("~~",), ("~", "~1")):
            for term in self.terms:
                if term.op in ops:
                    for name in (term.lhs, term.rhs):
                        if name and name not in latent:
                            names.setdefault(name)
        return tuple(names)

    @property
    def regressions(self) -> tuple[ModelTerm, ...]:
        """The ``y ~ x`` terms (``lhs`` the outcome, ``rhs`` the predictor)."""
        return tuple(t for t in self.terms if t.op == "~")

    @property
    def defined(self) -> tuple[ModelTerm, ...]:
        """The ``name := expression`` terms (``rhs`` holds the expression)."""
        return tuple(t for t in self.terms if t.op == ":=")

    @property
    def constraints(self) -> tuple[ModelTerm, ...]:
        """The ``a == b`` terms."""
        return tuple(t for t in self.terms if t.op == "==")

    @property
    def inequalities(self) -> tuple[ModelTerm, ...]:
        """The ``a > expression`` and ``a < expression`` terms."""
        return tuple(t for t in self.terms if t.op in ("<", ">"))

    @property
    def intercepts(self) -> tuple[ModelTerm, ...]:
        """The ``x ~ 1`` terms (``op`` is ``"~1"``, ``rhs`` empty)."""
        return tuple(t for t in self.terms if t.op == "~1")

    @property
    def covariances(self) -> tuple[ModelTerm, ...]:
        return tuple(t for t in self.terms if t.op == "~~")

    def to_syntax(self) -> str:
        """The model in lavaan syntax (one statement per line)."""
        lines: list[str] = []
        for factor in self.factors:
            rhs = [str(t).split(" =~ ", 1)[1] for t in self.terms
                   if t.op == "=~" and t.lhs == factor]
            lines.append(f"{factor} =~ " + " + ".join(rhs))
        outcomes = dict.fromkeys(t.lhs for t in self.regressions)
        for y in outcomes:
            rhs = [str(t).split(" ~ ", 1)[1] for t in self.regressions if t.lhs == y]
            lines.append(f"{y} ~ " + " + ".join(rhs))
        lines += [str(t) for t in self.covariances]
        lines += [str(t) for t in self.intercepts]
        lines += [f"{t.lhs} {t.op} {t.rhs}" for t in self.terms if t.op in _CONSTRAINT_OPS]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_syntax()


def parse_model(spec: str | Mapping[str, Sequence[str]] | ModelSpec) -> ModelSpec:
    """Read a measurement model in lavaan syntax, or a ``{factor: [items]}`` dict.

    Parameters
    ----------
    spec : str, dict or ModelSpec
        lavaan syntax (``"visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"``), a dict
        mapping each factor to its items (items may carry modifiers, ``"NA*x1"``), or an
        existing :class:`ModelSpec` (returned unchanged).

    Returns
    -------
    ModelSpec
        The terms in the order written; repeated terms (``f =~ NA*x1 + start(1)*x1``, or
        ``a ~~ b`` and ``b ~~ a``) are merged.

    Raises
    ------
    ModelSyntaxError
        (a ``ValueError``) naming the line and the token that cannot be read: an unknown
        or unsupported operator, a bad modifier, a missing variable name, conflicting
        modifiers, a factor loading on itself, an empty model.

    Notes
    -----
    The syntax is lavaan's (``?lavaan::model.syntax``); the operators ``=~``, ``~~`` and
    ``~`` (regressions and ``~ 1`` intercepts) are accepted. Which parameters are fixed
    by default (the first loading of each factor, or the factor variances with
    ``std_lv=True``) is decided by :func:`~psychometrics.factor.cfa`, as lavaan decides it
    in ``lavaanify()``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    *Journal of Statistical Software, 48*(2), 1-36.

    Examples
    --------
    >>> spec = parse_model('''
    ...     # three correlated factors
    ...     visual  =~ x1 + x2 + x3
    ...     textual =~ x4 + b*x5 + b*x6   # equal loadings
    ...     speed   =~ NA*x7 + x8 +
    ...                x9
    ...     speed ~~ 1*speed; x7 ~~ x8
    ... ''')
    >>> spec.factors["speed"]
    ('x7', 'x8', 'x9')
    >>> print(spec)
    visual =~ x1 + x2 + x3
    textual =~ x4 + b*x5 + b*x6
    speed =~ NA*x7 + x8 + x9
    speed ~~ 1*speed
    x7 ~~ x8
    >>> parse_model({"f": ["a", "b", "c"]}).factors
    {'f': ('a', 'b', 'c')}
    >>> parse_model("f =~ a + 2b")
    Traceback (most recent call last):
    ...
    psychometrics.structural.syntax.ModelSyntaxError: <model>:1:...: cannot read '2b' ...
    """
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, str):
        return _parse_text(spec)
    if isinstance(spec, Mapping):
        return _parse_dict(spec)
    raise TypeError(
        "model must be lavaan syntax (str), a {factor: [items]} dict or a ModelSpec, "
        f"not {type(spec).__name__}"
    )


# ---------------------------------------------------------------------------------------------
# Text


def _strip_comment(line: str) -> str:
    # '#' and '!' start comments unless inside quotes (label("a#b") is unusual but legal).
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "#!":
            return line[:i]
    return line


class _Source(NamedTuple):
    """The line a statement came from, and where on it the statement starts (0-based), so
    error columns point into the right statement of a ``;``-separated line."""

    text: str
    start: int


def _statements(text: str) -> list[tuple[str, int, _Source]]:
    """Split text into (statement, line number, source) with continuation lines."""
    pieces: list[tuple[str, int, _Source]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        cursor = 0
        for part in _split_top(_strip_comment(raw), ";"):
            at = cursor
            cursor += len(part) + 1
            part = part.strip()
            if part:
                pieces.append((part, lineno, _Source(raw, raw.find(part, at))))
    out: list[tuple[str, int, _Source]] = []
    for part, lineno, src in pieces:
        if out and (part.startswith(("+", "*")) or out[-1][0].endswith(("+", "*", "=~", "~~"))):
            prev, prev_line, prev_src = out[-1]
            out[-1] = (f"{prev} {part}", prev_line, prev_src)
        else:
            out.append((part, lineno, src))
    return out


def _top_level(text: str) -> Iterator[int]:
    """Positions of the characters outside quotes and parentheses (quote and parenthesis
    characters themselves excluded)."""
    depth = 0
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            yield i


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quotes (and not inside 1e+5 for '+')."""
    parts: list[str] = []
    start = 0
    for i in _top_level(text):
        if text[i] != sep:
            continue
        if sep == "+" and i >= 2 and text[i - 1] in "eE" and (
            text[i - 2].isdigit() or text[i - 2] == "."
        ) and re.search(r"(^|[^A-Za-z0-9_.])[-+]?[\d.]+[eE]$", text[:i]):
            continue
        parts.append(text[start:i])
        start = i + 1
    parts.append(text[start:])
    return parts


def _find_operator(statement: str) -> tuple[int, str] | None:
    for i in _top_level(statement):
        for op in _OPERATORS:
            if statement.startswith(op, i):
                return (i, op)
    return None


def _column(src: _Source, token: str) -> int | None:
    pos = src.text.find(token.strip(), src.start)
    return pos + 1 if pos >= 0 else None


def _parse_text(text: str) -> ModelSpec:
    terms: list[ModelTerm] = []
    for statement, lineno, src in _statements(text):
        found = _find_operator(statement)
        if found is None:
            raise ModelSyntaxError(
                f"no operator in {statement!r}; expected 'factor =~ item + item' or 'a ~~ b'",
                lineno, _column(src, statement))
        pos, op = found
        if op not in _SUPPORTED:
            raise ModelSyntaxError(
                f"operator {op!r} in {statement!r}: {_UNSUPPORTED_WHY[op]}",
                lineno, _column(src, op))
        lhs = statement[:pos].strip()
        rhs = statement[pos + len(op):].strip()
        if not lhs:
            raise ModelSyntaxError(f"nothing left of {op!r} in {statement!r}",
                                   lineno, _column(src, op))
        # lavaan reads 'f + g ~ x' as 'f ~ x' and 'g ~ x' (each left name in turn)
        lhs_names = ([n.strip() for n in lhs.split("+")] if op not in _CONSTRAINT_OPS
                     else [lhs])
        if not all(_NAME.match(n) for n in lhs_names):
            raise ModelSyntaxError(
                f"cannot read {lhs!r} left of {op!r}: expected a variable name (or names "
                "joined by '+')", lineno, _column(src, lhs))
        if not rhs:
            raise ModelSyntaxError(f"nothing right of {op!r} in {statement!r}",
                                   lineno, _column(src, op))
        if op in _CONSTRAINT_OPS:
            terms.append(_definition(lhs, op, rhs, lineno, src))
            continue
        second = _find_operator(rhs)
        if second is not None:
            why = _UNSUPPORTED_WHY.get(second[1], "one operator per statement")
            raise ModelSyntaxError(
                f"unexpected operator {second[1]!r} in {statement!r}: {why}",
                lineno, _column(src, second[1]))
        if any(not t.strip() for t in _split_top(rhs, "+")):
            raise ModelSyntaxError(f"empty term (a stray '+') in {statement!r}",
                                   lineno, _column(src, rhs))
        for name in lhs_names:
            terms += [_parse_term(name, op, t.strip(), lineno, src) for t in _split_top(rhs, "+")]
    if not terms:
        raise ModelSyntaxError("the model is empty: no '=~' or '~~' statement")
    return _finish(terms)


def _parse_term(lhs: str, op: str, text: str, lineno: int | None, src: _Source) -> ModelTerm:
    parts = [p.strip() for p in _split_top(text, "*")]
    name = parts[-1]
    if op == "~" and name == "1":  # an intercept: 'x ~ 1', 'x ~ 0*1'
        term = _parse_term(lhs, "~~", "*".join([*parts[:-1], "placeholder_"]), lineno, src)
        return replace(term, op="~1", rhs="")
    if not name:
        raise ModelSyntaxError(f"missing variable name after '*' in {text!r}", lineno,
                               _column(src, text))
    if not _NAME.match(name):
        raise ModelSyntaxError(
            f"cannot read {name!r} right of {op!r}: expected a variable name"
            + (" (a modifier needs '*', as in 2*x1)" if re.match(r"[-+]?[\d.]", name) else ""),
            lineno, _column(src, name))
    if name == "NA":
        raise ModelSyntaxError(f"'NA' is a modifier, not a variable, in {text!r}",
                               lineno, _column(src, text))
    fixed: float | None = None
    free = False
    label: str | None = None
    start: float | None = None
    per_group: tuple[GroupModifier, ...] = ()
    for mod in parts[:-1]:
        where = _column(src, mod)
        if not mod:
            raise ModelSyntaxError(f"empty modifier in {text!r}", lineno, _column(src, text))
        if mod == "NA":
            free = True
        elif _NUMBER.match(mod):
            value = float(mod)
            if fixed is not None and fixed != value:
                raise ModelSyntaxError(f"two fixed values in {text!r}", lineno, where)
            fixed = value
        elif (call := _CALL.match(mod)) is not None:
            func, arg = call.group(1), call.group(2).strip()
            if func == "c":
                if per_group:
                    raise ModelSyntaxError(f"two c(...) modifiers in {text!r}", lineno, where)
                per_group = _group_modifiers(arg, mod, lineno, where)
            elif func == "start":
                if not _NUMBER.match(arg):
                    raise ModelSyntaxError(f"start value {arg!r} is not a number",
                                           lineno, where)
                start = float(arg)
            else:
                arg = arg.strip("'\"")
                if not _NAME.match(arg):
                    raise ModelSyntaxError(f"label {arg!r} is not a valid name", lineno, where)
                label = _merge_label(label, arg, text, lineno, where)
        elif _NAME.match(mod):
            label = _merge_label(label, mod, text, lineno, where)
        else:
            raise ModelSyntaxError(
                f"cannot read modifier {mod!r} in {text!r}: expected a number, NA, a label, "
                "or start(value)", lineno, where)
    if fixed is not None and free:
        raise ModelSyntaxError(f"{text!r} is both fixed and freed (NA)", lineno,
                               _column(src, text))
    if per_group and (fixed is not None or free or label is not None):
        raise ModelSyntaxError(
            f"{text!r} has a c(...) modifier and another fixed value, NA or label; give each "
            "group's value inside c(...)", lineno, _column(src, text))
    if op == "=~" and name == lhs:
        raise ModelSyntaxError(f"factor {lhs!r} cannot be its own indicator", lineno,
                               _column(src, text))
    return ModelTerm(lhs, op, name, fixed, free, label, start, lineno, per_group)


def _group_modifiers(arg: str, mod: str, lineno: int | None,
                     where: int | None) -> tuple[GroupModifier, ...]:
    """``c(1, NA, a2)``: one modifier per group (a number fixes, NA frees, a name labels)."""
    out: list[GroupModifier] = []
    for element in (e.strip() for e in _split_top(arg, ",")):
        if element == "NA":
            out.append(GroupModifier(free=True))
        elif _NUMBER.match(element):
            out.append(GroupModifier(fixed=float(element)))
        elif _NAME.match(element.strip("'\"")):
            out.append(GroupModifier(label=element.strip("'\"")))
        else:
            raise ModelSyntaxError(
                f"cannot read {element!r} in {mod!r}: each element of c(...) is a number, NA "
                "or a label", lineno, where)
    return tuple(out)


# what a defined parameter's expression may call (lavaan: any R expression; here arithmetic)
FUNCTIONS = ("exp", "log", "sqrt", "abs")


def expression_names(text: str) -> list[str]:
    """The names an expression of labels uses, in order; a ``ValueError`` naming the part
    when it is not arithmetic (numbers, names, + - * / ^, parentheses, exp, log, sqrt,
    abs)."""
    import ast

    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise ValueError(f"cannot read the expression {text!r}") from None
    names: list[str] = []
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
               ast.Pow, ast.USub, ast.UAdd, ast.Load)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                    and len(node.args) == 1 and not node.keywords):
                raise ValueError(f"{ast.unparse(node)!r}: only {', '.join(FUNCTIONS)} of one "
                                 "argument can be called")
        elif isinstance(node, ast.Name):
            if node.id not in FUNCTIONS and node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise ValueError(f"{node.value!r} is not a number")
        elif not isinstance(node, allowed):
            raise ValueError(f"{ast.unparse(node)!r} is not arithmetic of labels")
    return names


def _definition(lhs: str, op: str, rhs: str, lineno: int | None, src: _Source) -> ModelTerm:
    """``name := expression`` (a defined parameter) or ``a == b`` (an equality constraint
    between two labels, or a label and a number)."""
    if op == "==":
        if not (_NAME.match(rhs) or _NUMBER.match(rhs)):
            raise ModelSyntaxError(
                f"'{lhs} == {rhs}': only a label equal to another label or to a number is "
                "supported", lineno, _column(src, rhs))
        return ModelTerm(lhs, op, rhs, line=lineno)
    try:
        expression_names(rhs)
    except ValueError as exc:
        raise ModelSyntaxError(f"'{lhs} {op} {rhs}': {exc}", lineno, _column(src, rhs)) from None
    if op in ("<", ">"):
        return ModelTerm(lhs, op, " ".join(rhs.split()), line=lineno,
                         column=_column(src, lhs))
    return ModelTerm(lhs, op, "".join(rhs.split()), line=lineno)  # as lavaan prints it


def _merge_label(old: str | None, new: str, text: str, lineno: int | None,
                 where: int | None) -> str:
    if old is not None and old != new:
        raise ModelSyntaxError(f"two labels ({old!r}, {new!r}) in {text!r}", lineno, where)
    return new


def _finish(terms: list[ModelTerm]) -> ModelSpec:
    """Merge repeated terms (their modifiers combine) keeping the first position."""
    merged: dict[tuple[str, str, str], ModelTerm] = {}
    for term in terms:
        key = (term.lhs, term.op, term.rhs)
        if term.op == "~~" and key not in merged and (term.rhs, "~~", term.lhs) in merged:
            key = (term.rhs, "~~", term.lhs)
        old = merged.get(key)
        if old is None:
            merged[key] = term
            continue
        fixed, free = old.fixed, old.free
        if term.fixed is not None:
            if fixed is not None and fixed != term.fixed:
                raise ModelSyntaxError(
                    f"two fixed values ({_format_number(fixed)} and "
                    f"{_format_number(term.fixed)}) for {term.lhs} {term.op} {term.rhs}",
                    term.line)
            fixed = term.fixed
        free = free or term.free
        if fixed is not None and free:
            raise ModelSyntaxError(
                f"{term.lhs} {term.op} {term.rhs} is both fixed and freed (NA)", term.line)
        label = old.label
        if term.label is not None:
            if label is not None and label != term.label:
                raise ModelSyntaxError(
                    f"{term.lhs} {term.op} {term.rhs} has two labels "
                    f"({label!r}, {term.label!r})", term.line)
            label = term.label
        start = term.start if term.start is not None else old.start
        per_group = term.per_group or old.per_group
        if term.per_group and old.per_group and term.per_group != old.per_group:
            raise ModelSyntaxError(
                f"{term.lhs} {term.op} {term.rhs} has two c(...) modifiers", term.line)
        merged[key] = replace(old, fixed=fixed, free=free, label=label, start=start,
                              per_group=per_group)
    spec = ModelSpec(tuple(merged.values()))
    _check_inequality_names(spec)
    return spec


def _check_inequality_names(spec: ModelSpec) -> None:
    """Every name in ``a > expression`` must be a label (or a defined parameter), checked
    when the model is read, so the error names the line and column before any fitting."""
    if not spec.inequalities:
        return
    labels = {t.label for t in spec.terms if t.label}
    labels |= {m.label for t in spec.terms for m in t.per_group if m.label}
    labels |= {t.lhs for t in spec.defined}
    for t in spec.inequalities:
        names = [t.lhs, *expression_names(t.rhs)]
        unknown = [n for n in dict.fromkeys(names) if n not in labels]
        if unknown:
            shown = sorted(x for x in labels if not x.startswith("."))
            hint = (f" (labels: {', '.join(shown)})" if shown
                    else " (the model has no labels: write e.g. 'f =~ x1 + a*x2')")
            raise ModelSyntaxError(
                f"inequality constraint '{t.lhs} {t.op} {t.rhs}' (operator {t.op!r}) names "
                f"{', '.join(map(repr, unknown))}, not a label of the model{hint}",
                t.line, t.column)


# ---------------------------------------------------------------------------------------------
# Dict


def _parse_dict(spec: Mapping[Any, Any]) -> ModelSpec:
    if not spec:
        raise ModelSyntaxError("the model is empty: no factor")
    terms: list[ModelTerm] = []
    for factor, items in spec.items():
        if not isinstance(factor, str) or not _NAME.match(factor):
            raise ModelSyntaxError(f"factor name {factor!r} is not a valid name")
        if isinstance(items, str) or not isinstance(items, Sequence | set | frozenset):
            raise ModelSyntaxError(
                f"factor {factor!r}: expected a list of item names, got {type(items).__name__}")
        if len(items) == 0:
            raise ModelSyntaxError(f"factor {factor!r} has no items")
        for item in items:
            if not isinstance(item, str):
                raise ModelSyntaxError(f"factor {factor!r}: item {item!r} is not a string")
            terms.append(_parse_term(factor, "=~", item.strip(), None, _Source(item, 0)))
    return _finish(terms)


def _format_number(value: float) -> str:
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)
