"""Pages with real output: run the code blocks of a template and write what they print.

A template (``docs/_exec/*.md``) is Markdown whose fenced blocks may be marked to run:

- ```` ```python exec ````: shown, run, and followed by what it printed (and any warning);
- ```` ```python exec hide ````: run but not shown (set-up);
- ```` ```console exec ````: each ``$ psychometrics ...`` line is run through the CLI's
  ``main()`` and shown with its output (and its exit code when not 0).

A shown block may use only names that shown blocks define (a reader cannot see the hidden
ones): a name defined only in a hidden block fails the build, naming it.

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


def _clip(text: str, max_lines: int = MAX_LINES) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more lines)"]
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


def _names(code: str) -> tuple[set[str], set[str]]:
    """The names a block defines and the names it reads (before defining them)."""
    import ast
    import builtins

    defined: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, (ast.Store, ast.Del)) else used).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            if not isinstance(node, ast.ClassDef):
                defined |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        elif isinstance(node, (ast.comprehension,)):
            defined |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            defined |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    return defined, used - set(dir(builtins))


def _run_console(code: str, where: str, max_lines: int = MAX_LINES) -> str:
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
            shown.append(_clip(text, max_lines))
        if code_:
            shown.append(f"# exit code {code_}")
    return "\n".join(shown)


def render(template: str, name: str, site_files: dict[str, str] | None = None,
           max_lines: int = MAX_LINES) -> str:
    """Run the blocks of ``template`` (the page ``name``) and return the finished Markdown.

    Outputs longer than ``max_lines`` are cut, saying how many lines were left out.
    """
    import pandas as pd

    namespace: dict[str, Any] = {"__name__": f"docs:{name}",
                                 "site_files": site_files if site_files is not None else {}}
    parts: list[str] = []
    pos = 0
    shown_names: set[str] = {"__name__"}
    with _workdir(), pd.option_context("display.width", 88, "display.max_columns", 30,
                                       "display.precision", 3):
        for number, match in enumerate(BLOCK.finditer(template), start=1):
            parts.append(template[pos:match.start()])
            pos = match.end()
            kind, options, code = match.group(1), match.group(2).split(), match.group(3)
            where = f"{name}, block {number}"
            if kind == "python":
                defined, used = _names(code)
                if "hide" not in options:
                    unseen = sorted(used - defined - shown_names)
                    if unseen:
                        raise ExecutionError(
                            f"{where} uses {', '.join(unseen)}, defined only in a hidden "
                            "block: show the definition (readers copy what they see)")
                    shown_names |= defined
                output = _run_python(code, namespace, where)
                if "hide" in options:
                    continue
                parts.append(_fence(code, "python"))
                if output.strip():
                    parts.append("\n" + _fence(_clip(output, max_lines), "text"))
            else:
                parts.append(_fence(_run_console(code, where, max_lines), "console"))
    parts.append(template[pos:])
    return "".join(parts)
