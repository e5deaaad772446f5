"""The ``psychometrics`` command line: thin wrappers over the Python API.

Each ``cmd_*.py`` module in this package contributes sub-commands through
``register(subparsers)``; the modules are discovered, so adding a command touches no shared
file. A command's handler returns the exit code: 0 ok, 1 invalid data, 2 usage or definition
error. Errors go to stderr, one readable line each.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from psychometrics import __version__
from psychometrics.errors import DataValidationError, DefinitionError, PsychometricsError

EXIT_OK, EXIT_INVALID_DATA, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psychometrics",
        description="Validate, score and analyse questionnaire data with declarative instruments.",
    )
    parser.add_argument("--version", action="version", version=f"psychometrics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = sorted(
        (m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_")),
    )
    registered = [importlib.import_module(f"{__name__}.{name}") for name in modules]
    for module in sorted(registered, key=lambda m: getattr(m, "ORDER", 100)):
        module.register(sub)
    return parser


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: Any = None, line: str | None = None) -> None:
    """Warnings as the user reads them: ``warning: <message>``, no source location."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or 0)
    except DefinitionError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except DataValidationError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_INVALID_DATA
    except (PsychometricsError, FileNotFoundError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `psychometrics show gse | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
