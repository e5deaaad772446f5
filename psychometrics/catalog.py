"""Find, load and overlay instrument definitions, with file:line:column in every error.

YAML is read with PyYAML's safe loader only (no arbitrary Python objects), bounded in size
and alias use, and rejected on duplicate keys (YAML would silently keep the last one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from psychometrics.errors import DefinitionError, Problem

if TYPE_CHECKING:  # pydantic and the schema load when a definition is, not to list ids
    from pydantic import ValidationError

    from psychometrics.schema import Instrument
    from psychometrics.schema import Path as NodePath

MAX_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 64
MAX_NODES = 200_000

_Marks = dict[tuple[str | int, ...], tuple[int, int]]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def instruments_dir() -> Path:
    """Where the built-in definitions are: inside the wheel, or the checkout's instruments/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_instruments", here.parent / "instruments"):
        if candidate.is_dir():
            return candidate
    raise DefinitionError("the built-in instrument definitions are missing from the installation")


def list_instruments() -> list[str]:
    """Ids of the built-in instruments, sorted.

    Examples
    --------
    >>> from psychometrics import list_instruments
    >>> list_instruments()
    ['acs', 'acs-6', 'css', 'gse', 'who5']
    """
    return sorted(p.stem for p in instruments_dir().glob("*.yaml"))


def catalog_entries() -> list[dict[str, Any]]:
    """What ``psychometrics list`` shows of each built-in instrument: id, name, number of
    items and whether the item text is licensed, read from the YAML files without
    validating them (the definitions are validated when loaded, and by the test suite).

    >>> [e["id"] for e in catalog_entries()] == list_instruments()
    True
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in sorted(iter_instrument_files(), key=lambda p: p.stem):
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=loader)
        data = data if isinstance(data, dict) else {}
        licence = data.get("licence") if isinstance(data.get("licence"), dict) else {}
        out.append({"id": path.stem, "name": str(data.get("name", "")),
                    "items": len(data.get("items") or []),
                    "restricted": licence.get("item_text") == "restricted"})
    return out


def load_instrument(
    id_or_path: str | os.PathLike[str], overlay: str | os.PathLike[str] | None = None
) -> Instrument:
    """Load a built-in instrument by id, or a user's definition from a YAML file.

    Parameters
    ----------
    id_or_path
        A built-in id (see :func:`list_instruments`) or the path of a YAML file.
    overlay
        Optional path of an overlay YAML that supplies licensed item text by item id.

    Raises
    ------
    DefinitionError
        With every problem of the file, each naming file, line and column.

    Examples
    --------
    >>> from psychometrics import load_instrument
    >>> gse = load_instrument("gse")
    >>> gse.name, len(gse.items), gse.scales["total"].method
    ('General Self-Efficacy Scale', 10, 'sum')
    """
    path = _resolve(id_or_path)
    instrument = _load_file(str(path), path.stat().st_mtime_ns)
    if overlay is not None:
        instrument = apply_overlay(instrument, overlay)
    return instrument


def as_instrument(instrument: Instrument | str | os.PathLike[str]) -> Instrument:
    """The instrument itself, or a built-in id or YAML path loaded with :func:`load_instrument`.

    What every function taking ``instrument`` calls first.
    """
    from psychometrics.schema import Instrument

    if isinstance(instrument, Instrument):
        return instrument
    return load_instrument(instrument)


def _resolve(id_or_path: str | os.PathLike[str]) -> Path:
    text = os.fspath(id_or_path)
    candidate = Path(text)
    if candidate.suffix.lower() in {".yaml", ".yml"} or os.sep in text or "/" in text:
        if not candidate.is_file():
            raise DefinitionError(f"no instrument file at '{text}'", file=text)
        return candidate
    builtin = instruments_dir() / f"{text}.yaml"
    if builtin.is_file():
        return builtin
    raise DefinitionError(
        f"unknown instrument '{text}' (built-in: {', '.join(list_instruments())}; "
        "or give the path of a YAML file)",
        file=text,
    )


@lru_cache(maxsize=64)
def _load_file(path: str, mtime_ns: int) -> Instrument:
    data, marks = read_yaml(path)
    return parse_instrument(data, marks, path)


def parse_instrument(data: Any, marks: _Marks, file: str) -> Instrument:
    """Validate a loaded YAML document as an Instrument; all problems in one DefinitionError."""
    from pydantic import ValidationError

    from psychometrics.schema import Instrument

    if not isinstance(data, dict):
        raise DefinitionError([Problem(file, 1, 1, "", "the file must hold a mapping of fields")])
    rules: list[tuple[NodePath, str]] = []
    try:
        instrument = Instrument.model_validate(data, context={"problems": rules})
    except ValidationError as exc:
        raise DefinitionError(_pydantic_problems(exc, marks, file)) from None
    if rules:
        raise DefinitionError([_problem(file, marks, path, msg) for path, msg in rules])
    stem = Path(file).stem
    if Path(file).parent == instruments_dir() and stem != instrument.id:
        raise DefinitionError([_problem(file, marks, ("id",),
                                        f"id '{instrument.id}' must match the file name "
                                        f"'{stem}.yaml'")])
    return instrument


def apply_overlay(instrument: Instrument, overlay: str | os.PathLike[str]) -> Instrument:
    """Merge licensed item text from an overlay file into ``instrument`` (by item id).

    The overlay is validated like a definition: unknown keys, unknown item ids and an
    overlay written for another instrument are errors with file and line.
    """
    from pydantic import ValidationError

    from psychometrics.schema import Instrument, Overlay

    file = os.fspath(overlay)
    if not Path(file).is_file():
        raise DefinitionError(f"no overlay file at '{file}'", file=file)
    data, marks = read_yaml(file)
    try:
        parsed = Overlay.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(_pydantic_problems(exc, marks, file)) from None
    problems = []
    if parsed.instrument != instrument.id:
        problems.append(_problem(file, marks, ("instrument",),
                                 f"overlay is for '{parsed.instrument}', not '{instrument.id}'"))
    for iid in parsed.items:
        if iid not in instrument.item_map:
            problems.append(_problem(file, marks, ("items", iid),
                                     f"unknown item '{iid}' (items are "
                                     f"{', '.join(instrument.item_ids)})"))
    if problems:
        raise DefinitionError(problems)
    merged = instrument.model_dump(by_alias=True)
    for item in merged["items"]:
        extra = parsed.items.get(item["id"])
        if extra is not None:
            item.update(extra.model_dump(exclude_none=True))
    if parsed.instructions is not None:
        merged["instructions"] = parsed.instructions
    return Instrument.model_validate(merged)


# -- YAML with positions --------------------------------------------------------------------


def read_yaml(file: str) -> tuple[Any, _Marks]:
    """Safely read a YAML file; return the data and a map of node path -> (line, column)."""
    size = os.path.getsize(file)
    if size > MAX_BYTES:
        raise DefinitionError(f"file is {size:,} bytes; definitions are limited to "
                              f"{MAX_BYTES:,} bytes", file=file)
    with open(file, encoding="utf-8") as handle:
        text = handle.read()
    try:
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, yaml.SafeLoader))
        if aliases > MAX_ALIASES:
            raise DefinitionError(f"{aliases} YAML aliases; at most {MAX_ALIASES} are allowed "
                                  "(guard against alias bombs)", file=file)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        raise DefinitionError([Problem(file, line, col, "",
                                       f"YAML syntax: {exc.problem}")]) from None
    if node is None:
        raise DefinitionError([Problem(file, 1, 1, "", "the file is empty")])
    marks: _Marks = {}
    problems: list[Problem] = []
    data = _construct(node, (), marks, problems, file, [0], yaml.SafeLoader(""))
    if problems:
        raise DefinitionError(problems)
    return data, marks


def _construct(node: yaml.Node, path: NodePath, marks: _Marks, problems: list[Problem],
               file: str, count: list[int], loader: yaml.SafeLoader) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise DefinitionError(f"more than {MAX_NODES:,} YAML nodes", file=file)
    marks[path] = _mark(node)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        problems.append(Problem(file, *marks[path], dotted_path(path),
                                f"YAML tag {node.tag} is not allowed (plain data only)"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool):
                problems.append(Problem(file, *_mark(key_node), dotted_path(path),
                                        "mapping keys must be plain scalars"))
                continue
            child = (*path, str(key))
            if key in out:
                problems.append(Problem(file, *_mark(key_node), dotted_path(child),
                                        f"duplicate key '{key}'"))
                continue
            out[key] = _construct(value_node, child, marks, problems, file, count, loader)
            if not isinstance(value_node, yaml.ScalarNode):
                # A block's problems read best at its key (`  css_9:`), a scalar's at its value.
                marks[child] = _mark(key_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, (*path, i), marks, problems, file, count, loader)
                for i, v in enumerate(node.value)]
    try:
        return loader.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        problems.append(Problem(file, *marks[path], dotted_path(path), f"YAML: {exc.problem}"))
        return None


def dotted_path(path: tuple[str | int, ...]) -> str:
    from psychometrics.schema import dotted_path as dotted

    return dotted(path)


def _mark(node: yaml.Node) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def _problem(file: str, marks: _Marks, path: NodePath, message: str) -> Problem:
    # A path may go deeper than the YAML (a missing field): point at the nearest node there is.
    probe = tuple(path)
    while probe and probe not in marks:
        probe = probe[:-1]
    line, col = marks.get(probe, (None, None))
    return Problem(file, line, col, dotted_path(path), message)


def _pydantic_problems(exc: ValidationError, marks: _Marks, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        loc = tuple(p if isinstance(p, int) else str(p) for p in loc)
        problems.append(_problem(file, marks, loc, _explain(err)))
    return problems


def _explain(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown field (a typo?); see the JSON Schema for the allowed fields"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{msg}; got {err.get('input')!r}"
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} does not match the required pattern {err['ctx']['pattern']}"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"{msg}; got {err.get('input')!r}" if "input" in err else msg


def iter_instrument_files() -> Iterator[Path]:
    yield from sorted(instruments_dir().glob("*.yaml"))
