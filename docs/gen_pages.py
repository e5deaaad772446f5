"""Write the generated documentation pages (run by mkdocs-gen-files at build time).

Generated, never hand-copied:

- ``instruments/*.md``: one catalogue page per ``instruments/*.yaml`` (``_gen/instruments``);
- ``reference/yaml-format.md`` and ``reference/instrument.schema.json``: from the pydantic
  models (``_gen/schema_ref``);
- ``reference/api.md``: mkdocstrings entries for every public name (``_gen/api_ref``);
- ``reference/cli.md``: every command's options, defaults and a run example (``_gen/cli_ref``);
- ``changelog.md`` and ``cite.md``: from ``CHANGELOG.md`` and ``CITATION.cff`` at the root
  (``_gen/project_pages``);
- ``validation-against-r.md``: R's fixtures beside the package's results (``_gen/parity``);
- ``getting-started.md``, ``walkthrough.md`` and the how-to pages with output: templates in
  ``_exec/`` whose code blocks are run (``_gen/execute``);
- ``assets/demo-report.html``: the report of the bundled example, as ``report.md`` shows
  (``_gen/demo``, which ``scripts/screenshot_report.py`` photographs).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mkdocs_gen_files

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

from _gen import (  # noqa: E402
    api_ref,
    cli_ref,
    demo,
    execute,
    instruments,
    parity,
    project_pages,
    schema_ref,
)


def write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as handle:
        handle.write(text)


def main() -> None:
    timings: list[str] = []

    def timed(label: str, start: float) -> None:
        timings.append(f"{label} {time.perf_counter() - start:.1f}s")

    start = time.perf_counter()
    for path, text in instruments.pages().items():
        write(path, text)
    timed("instruments", start)

    start = time.perf_counter()
    write("reference/yaml-format.md", schema_ref.page())
    write("reference/instrument.schema.json", schema_ref.schema_file())
    api_page, unavailable = api_ref.page()
    write("reference/api.md", api_page)
    write("reference/cli.md", cli_ref.page())
    write("changelog.md", project_pages.changelog())
    write("cite.md", project_pages.cite_page())
    if unavailable:
        print(f"docs: not importable, shown as such: {', '.join(unavailable)}",
              file=sys.stderr)
    timed("reference", start)

    start = time.perf_counter()
    site_files: dict[str, str] = {}
    for template in sorted((DOCS / "_exec").rglob("*.md")):
        name = template.relative_to(DOCS / "_exec").as_posix()
        write(name, execute.render(template.read_text(encoding="utf-8"), name, site_files))
    for path, text in site_files.items():
        write(path, text)
    timed("executed pages", start)

    start = time.perf_counter()
    write("validation-against-r.md", parity.page())
    timed("validation against R", start)

    start = time.perf_counter()
    write("assets/demo-report.html", demo.demo_report().html)
    timed("demo report", start)
    print("docs generated: " + ", ".join(timings), file=sys.stderr)


main()
