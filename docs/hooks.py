"""MkDocs hooks: instrument pages in the navigation, formulas rendered to MathML.

- ``on_config``: one navigation entry per instrument definition, next to its generated
  page. The pages themselves are written by ``docs/gen_pages.py`` (mkdocs-gen-files); both
  take the list of instruments from ``instruments/*.yaml``, so adding a YAML file adds a
  page and its place in the navigation, with nothing to edit by hand.
- ``on_page_content``: every formula (arithmatex's marked TeX, from the pages and from the
  docstrings on the API page) becomes MathML at build time (``_gen/mathml``), so no page
  needs a script, a web font or the network to show its maths.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gen.instruments import nav_entries
from _gen.mathml import render

SECTION = "Instrument catalogue"


def on_config(config: Any) -> Any:
    for entry in config.nav or []:
        if isinstance(entry, dict) and SECTION in entry:
            pages = entry[SECTION]
            entry[SECTION] = [p for p in pages if p == "instruments/index.md"] + nav_entries()
            return config
    raise ValueError(f"mkdocs.yml: the nav needs a '{SECTION}' section for the instruments")


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    return render(html, page.file.src_uri)
