"""The command-line reference: the ``--help`` of every command, from the parser itself."""

from __future__ import annotations

import argparse
import os

from _gen.markdown import code


def page() -> str:
    from psychometrics.cli import build_parser

    os.environ["COLUMNS"] = "96"  # argparse wraps help to the terminal width
    parser = build_parser()
    md = ["# Command line", "",
          "The `psychometrics` command is a thin layer over the Python API: every command "
          "calls one function (named below) and prints or writes its result. Exit codes: 0 "
          "ok, 1 invalid data, 2 usage or definition error.", "",
          code(parser.format_help(), "text")]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        md += [f"## `psychometrics {name}`", "", code(command.format_help(), "text")]
    return "\n".join(md) + "\n"
