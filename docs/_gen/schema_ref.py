"""The YAML format reference, generated from the pydantic models in ``psychometrics.schema``.

Field names, types, defaults and descriptions come from the models (the same ones that
validate the files and export ``instrument.schema.json``), so the reference cannot drift
from what the loader accepts. The annotated example is a real file that must load.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from _gen.markdown import code, table
from psychometrics import schema
from psychometrics.catalog import load_instrument

DOCS = Path(__file__).resolve().parents[1]
EXAMPLE = DOCS / "examples" / "complete-instrument.yaml"
OVERLAY_EXAMPLE = DOCS / "examples" / "acs-overlay.yaml"

# The models in the order a reader meets them in a file.
MODELS: list[type[BaseModel]] = [
    schema.Instrument, schema.Citation, schema.Licence, schema.ResponseScale, schema.Item,
    schema.Scale, schema.Transform, schema.Band, schema.Published,
    schema.PublishedReliability, schema.PublishedStructure, schema.Code,
    schema.Translation, schema.Overlay, schema.ItemOverlay,
]
_ANCHOR = {m.__name__: m.__name__.lower() for m in MODELS}


def type_name(annotation: Any) -> str:
    """A readable type: ``list of Item``, ``mapping int → str``, links to other models."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        parts = [type_name(a) for a in args if a is not type(None)]
        text = " or ".join(parts)
        return text + (" or null" if type(None) in args else "")
    if origin is typing.Literal:
        # a list in the cell: a Markdown "|" would end the table cell
        return "one of:<ul>" + "".join(f"<li><code>{a}</code></li>" for a in args) + "</ul>"
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"mapping {type_name(args[0])} → {type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{_ANCHOR.get(annotation.__name__, '')})"
    if annotation is str:
        return "text"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if annotation is bool:
        return "true/false"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        return "empty" if not value and not isinstance(value, BaseModel) else "see below"
    if field.default is None:
        return "none"
    if field.default is PydanticUndefined:
        return "–"
    return f"`{json.dumps(field.default)}`"


def model_section(model: type[BaseModel]) -> str:
    doc = " ".join((model.__doc__ or "").split())
    rows = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        pattern = next((m.pattern for m in field.metadata if hasattr(m, "pattern")), None)
        desc = field.description or ""
        if pattern:
            desc += f" Pattern: `{pattern}`."
        rows.append((f"`{key}`", type_name(field.annotation), _default(field), desc))
    return (f"### {model.__name__} {{#{_ANCHOR[model.__name__]}}}\n\n{doc}\n\n"
            + table(["field", "type", "default", "meaning"], rows))


def page() -> str:
    """The YAML format reference page."""
    inst = load_instrument(EXAMPLE)  # the example must be a valid definition
    example = EXAMPLE.read_text(encoding="utf-8")
    parts = [
        "# The YAML format",
        "",
        "An instrument is one YAML file. The package validates it with the models below "
        "(generated from `psychometrics/schema.py` when these pages are built) and reports "
        "*every* problem with its file, line and column. Unknown keys are errors: they are "
        "usually typos.",
        "",
        "Editors that understand JSON Schema (VS Code with the YAML extension, PyCharm) "
        "complete and check the fields as you type when the file's first line is",
        "",
        code("# yaml-language-server: $schema=instrument.schema.json", "yaml"),
        "with [`instrument.schema.json`](instrument.schema.json) next to the file "
        "(`psychometrics schema -o instrument.schema.json` writes it).",
        "",
        "## A complete, annotated example",
        "",
        f"Every field in use. This file is "
        f"[`docs/examples/{EXAMPLE.name}`](../examples/{EXAMPLE.name}); the documentation "
        f"build loads it, so it is valid (its definition hash is "
        f"`{inst.definition_hash[:16]}…`).",
        "",
        code(example, "yaml"),
        "## Rules across fields",
        "",
        "Besides each field's type, the loader checks how the fields fit together "
        "(`Instrument.problems()`), and reports each broken rule at its line:",
        "",
        "- item ids are unique; every item of a scale, of a published structure and every "
        "  `response_scale` named by an item exists;",
        "- a response scale's `values` are unique and increasing, and `labels` cover exactly "
        "  those values; `missing_codes` are not also answers;",
        "- every item has `text` or a `paraphrase`, and with `licence.item_text: restricted` "
        "  a `paraphrase`;",
        "- a scale name is letters, digits and `_` (it becomes a column name); `min_answered` "
        "  and `max_missing` are not both given, and leave at least one item; a transform "
        "  does not multiply by 0;",
        "- bands go from low to high, lie in the scale's score range, and only the last "
        "  omits `max` (so every score falls in one band);",
        "- published reliabilities name an existing scale and give a `value` or a "
        "  `low`–`high` range;",
        "- a built-in file's `id` matches its file name.",
        "",
        "## Fields",
        "",
    ]
    parts += [model_section(m) for m in MODELS]
    parts += [
        "## Overlays",
        "",
        "An overlay is a separate file that adds licensed item text to an instrument by item "
        "id (see [Supply licensed item text](../how-to/licensed-text.md)). Its fields are "
        "[Overlay](#overlay) and [ItemOverlay](#itemoverlay) above. Example "
        f"([`docs/examples/{OVERLAY_EXAMPLE.name}`](../examples/{OVERLAY_EXAMPLE.name})):",
        "",
        code(OVERLAY_EXAMPLE.read_text(encoding="utf-8"), "yaml"),
    ]
    return "\n".join(parts) + "\n"


def schema_file() -> str:
    """The JSON Schema, as ``psychometrics schema`` prints it."""
    return json.dumps(schema.json_schema(), indent=2, ensure_ascii=False) + "\n"
