"""The command-line reference, generated from the parser itself.

For every sub-command the parser registers (so a new command appears with nothing to edit
here): what it does, its usage line, a table of every argument and option with its
default and choices, and an example that is run at build time with its real output
(``_gen/execute``). An example is taken from ``EXAMPLES`` when one is written for the
command, otherwise made from the command's required arguments (``SAMPLE`` gives a value per
argument name); a required argument with no sample value fails the build, naming it.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from _gen.markdown import cell, code, table

# Values for required positional arguments, by dest, in the docs' working directory (it
# holds mentorship.csv, the bundled synthetic data).
SAMPLE = {"instrument": "gse", "data": "mentorship.csv", "format": "redcap",
          "source": "gse-redcap.csv"}

# Examples worth more than the required arguments alone. Each runs at build time. The
# analyses (reliability, efa, cfa, report) run on baseline.csv, the first wave only:
# mentorship.csv holds the same people twice, which no analysis of one sample should pool.
EXAMPLES: dict[str, list[str]] = {
    "list": ["psychometrics list"],
    "show": ["psychometrics show who5"],
    "schema": ["psychometrics schema -o instrument.schema.json"],
    "validate": ["psychometrics validate gse,who5 mentorship.csv --id-column response_id"],
    "score": ["psychometrics score who5 mentorship.csv --id-column response_id -o scores.csv"],
    "demo": ["psychometrics demo -o demo-files"],
    "reliability": ["psychometrics reliability gse baseline.csv --group role"],
    "efa": ["psychometrics efa gse baseline.csv --n-iter 50 --seed 1"],
    "cfa": ["psychometrics cfa gse baseline.csv"],
    "invariance": ["psychometrics invariance gse baseline.csv --group role",
                   "psychometrics invariance gse mentorship.csv --wave wave --id participant_id"],
    "export": ["psychometrics export gse --to redcap -o gse-redcap.csv"],
    "import": ["psychometrics export gse --to redcap -o gse-redcap.csv",
               "psychometrics import redcap gse-redcap.csv --id gse-copy -o gse-copy.yaml"],
    "evaluate": ["psychometrics demo -o demo-files",
                 "psychometrics evaluate demo-files/mentorship-study.yaml -o evaluation.html "
                 "--tables evaluation-tables"],
    "report": ["psychometrics report gse baseline.csv --group role --n-iter 20 "
               "-o gse-report.html"],
}
MAX_EXAMPLE_LINES = 25
# a file, not a name: writes the baseline wave the page's text describes
BASELINE_SETUP = """```python exec hide
import pandas as pd
_all = pd.read_csv("mentorship.csv")
_all[_all["wave"] == "baseline"].to_csv("baseline.csv", index=False)
```
"""


def subcommands() -> dict[str, argparse.ArgumentParser]:
    from psychometrics.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _helps() -> dict[str, str]:
    from psychometrics.cli import build_parser

    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    return {c.dest: c.help or "" for c in sub._choices_actions}


def default_text(action: argparse.Action) -> str:
    """The default of an option as a reader needs it."""
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return "off" if action.default is False else "on"
    if action.required or (not action.option_strings and action.nargs is None):
        return "**required**"
    if action.default is None or action.default is argparse.SUPPRESS:
        return "–"
    return f"`{action.default}`"


def _name(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest.upper()}`"
    metavar = "" if action.nargs == 0 else \
        " " + (action.metavar or action.dest.upper().replace("_", "-"))
    return ", ".join(f"`{flag}{metavar}`" for flag in action.option_strings)


def options_table(command: argparse.ArgumentParser) -> str:
    rows = []
    for action in command._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        text = " ".join((action.help or "").split()) % {"default": action.default} \
            if action.help and "%(default)" in action.help else " ".join(
                (action.help or "").split())
        if action.choices:
            text = (text.rstrip(".") + ". " if text else "") + "Choices: " + ", ".join(
                f"`{c}`" for c in action.choices) + "."
        # help text is plain text: "<ID>-report.html" must not become an HTML tag
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        rows.append([_name(action), default_text(action), text or "–"])
    if not rows:
        return "No arguments or options.\n"
    return table(["Argument or option", "Default", "Description"], rows)


def example(name: str, command: argparse.ArgumentParser) -> list[str]:
    if name in EXAMPLES:
        return EXAMPLES[name]
    args = []
    for action in command._actions:
        if not action.option_strings:
            if action.dest not in SAMPLE:
                raise KeyError(f"docs/_gen/cli_ref.py: no example value for the argument "
                               f"{action.dest!r} of 'psychometrics {name}' (add it to "
                               f"SAMPLE, or an example to EXAMPLES)")
            args.append(SAMPLE[action.dest])
        elif action.required:
            value = action.choices[0] if action.choices else SAMPLE.get(action.dest, "X")
            args += [action.option_strings[-1], str(value)]
    return [" ".join(["psychometrics", name, *args])]


def _run_examples(blocks: dict[str, list[str]]) -> dict[str, str]:
    """Each command's example block, run in one docs working directory, in page order."""
    from _gen import execute

    template = BASELINE_SETUP + "".join(f"<!-- {name} -->\n```console exec\n"
                       + "".join(f"$ {line}\n" for line in lines) + "```\n"
                       for name, lines in blocks.items())
    out = execute.render(template, "reference/cli.md", max_lines=MAX_EXAMPLE_LINES)
    shown: dict[str, str] = {}
    for part in out.split("<!-- ")[1:]:
        name, _, body = part.partition(" -->\n")
        shown[name] = body
    return shown


def page() -> str:
    os.environ["COLUMNS"] = "88"  # argparse wraps usage to the terminal width
    commands = subcommands()
    helps = _helps()
    examples = _run_examples({name: example(name, cmd) for name, cmd in commands.items()})
    md = ["# Command line", "",
          "The `psychometrics` command is a thin layer over the Python API: every command "
          "calls one function and prints or writes its result. Exit codes: 0 ok, 1 invalid "
          "data, 2 usage or definition error; errors are one line on stderr. "
          "`psychometrics COMMAND --help` prints the same as this page. The examples run "
          "when the documentation is built, on the bundled synthetic data "
          "(`mentorship.csv`, written by `psychometrics demo -o DIR`: two waves of the same "
          "people); the analyses run on `baseline.csv`, its baseline rows only (one wave, "
          "so that nobody is counted twice). Outputs longer than "
          f"{MAX_EXAMPLE_LINES} lines are cut.", "",
          table(["Command", "What it does"],
                [[f"[`{name}`](#{name})", cell(helps.get(name, ""))] for name in commands]),
          "", "Global options: `--version`, `-h/--help`.", ""]
    for name, command in commands.items():
        md += [f"## `psychometrics {name}` {{#{name}}}", ""]
        description = " ".join((command.description or helps.get(name, "")).split())
        if description:
            md += [description[:1].upper() + description[1:], ""]
        usage = command.format_usage().removeprefix("usage: ")
        usage = "\n".join(line[len("usage: "):] if line.startswith(" " * 7) else line
                          for line in usage.splitlines())
        md += [code(usage, "text"), "",
               options_table(command), "", "Example:", "", examples[name]]
    return "\n".join(md) + "\n"


def options(command: argparse.ArgumentParser) -> list[Any]:
    """The documented actions of a command (every one but --help)."""
    return [a for a in command._actions if not isinstance(a, argparse._HelpAction)]
