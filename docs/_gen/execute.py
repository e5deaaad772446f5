"""Pages with real output: run the code blocks of a template and write what they print.

A template (``docs/_exec/*.md``) is Markdown whose fenced blocks may be marked to run:

- ```` ```python exec ````: shown, run, and followed by what it printed (and any warning);
- ```` ```python exec hide ````: run but not shown (set-up);
- ```` ```console exec ````: each ``$ psychometrics ...`` line is run through the CLI's
  ``main()`` and shown with its output (and its exit code when not 0).

Blocks of a page share one namespace and run in a temporary directory holding
``mentorship.csv`` (the bundled synthetic data), so the commands on the page are the ones
a reader can type. A block that raises fails the documentation build: the numbers on the
pages are always those the code gives today, never copied by hand. Code may put files
into the site through the ``site_files`` dict (path in the site -> text).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any

BLOCK = re.compile(r"^```(python|console) exec([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
MAX_LINES = 80


class ExecutionError(RuntimeError):
    """A code block of a documentation page failed."""


def _clip(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"... ({len(lines) - MAX_LINES} more lines)"]
    return "\n".join(lines)


def _fence(body: str, lang: str) -> str:
    return f"```{lang}\n{body.rstrip()}\n```\n"


@contextlib.contextmanager
def _workdir() -> Any:
    from psychometrics.datasets import load_mentorship

    old = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="psychometrics-docs-") as tmp:
        load_mentorship().to_csv(Path(tmp) / "mentorship.csv", index=False)
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


def _run_python(code: str, namespace: dict[str, Any], where: str) -> str:
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, where, "exec"), namespace)
        except Exception as exc:
            raise ExecutionError(f"{where} failed:\n{code}\n{traceback.format_exc()}") from exc
    text = out.getvalue()
    seen = set()
    for w in caught:
        line = f"{w.category.__name__}: {w.message}"
        if line not in seen:
            seen.add(line)
            text += line + "\n"
    return text


def _run_console(code: str, where: str) -> str:
    from psychometrics.cli import main

    shown = []
    for line in code.strip().splitlines():
        if not line.startswith("$ "):
            shown.append(line)
            continue
        argv = shlex.split(line[2:])
        if not argv or argv[0] != "psychometrics":
            raise ExecutionError(f"{where}: only psychometrics commands run: {line}")
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code_ = main(argv[1:])
        except SystemExit as exc:  # argparse --help / usage errors
            code_ = int(exc.code or 0)
        except Exception as exc:
            raise ExecutionError(f"{where}: `{line}` raised\n{traceback.format_exc()}") from exc
        shown.append(line)
        text = (out.getvalue() + err.getvalue()).rstrip("\n")
        if text:
            shown.append(_clip(text))
        if code_:
            shown.append(f"# exit code {code_}")
    return "\n".join(shown)


def render(template: str, name: str, site_files: dict[str, str] | None = None) -> str:
    """Run the blocks of ``template`` (the page ``name``) and return the finished Markdown."""
    import pandas as pd

    namespace: dict[str, Any] = {"__name__": f"docs:{name}",
                                 "site_files": site_files if site_files is not None else {}}
    parts: list[str] = []
    pos = 0
    with _workdir(), pd.option_context("display.width", 96, "display.max_columns", 30,
                                       "display.precision", 3):
        for number, match in enumerate(BLOCK.finditer(template), start=1):
            parts.append(template[pos:match.start()])
            pos = match.end()
            kind, options, code = match.group(1), match.group(2).split(), match.group(3)
            where = f"{name}, block {number}"
            if kind == "python":
                output = _run_python(code, namespace, where)
                if "hide" in options:
                    continue
                parts.append(_fence(code, "python"))
                if output.strip():
                    parts.append("\n" + _fence(_clip(output), "text"))
            else:
                parts.append(_fence(_run_console(code, where), "console"))
    parts.append(template[pos:])
    return "".join(parts)
