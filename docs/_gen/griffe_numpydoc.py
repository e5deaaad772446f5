"""Griffe extension: every docstring rewritten by ``_gen/numpydoc`` and no private bases.

Listed in ``mkdocs.yml`` under the python handler's ``extensions``; see ``_gen/numpydoc.py``
for what is rewritten and why.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _gen.numpydoc import rewrite


class NumpydocAsWritten(griffe.Extension):
    """Rewrite docstrings and drop private bases as objects are loaded."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any,
                    **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
        if isinstance(obj, griffe.Class):
            obj.bases = [b for b in obj.bases
                         if not str(b).rpartition(".")[2].startswith("_")]
