"""The ``psychometrics`` command line: thin wrappers over the Python API.

Each ``cmd_*.py`` module in this package contributes sub-commands through
``register(subparsers)``; the modules are discovered, so adding a command touches no shared
file. A command's handler returns the exit code: 0 ok, 1 invalid data, 2 usage or definition
error. Errors go to stderr, one readable line each.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from psychometrics import __version__
from psychometrics.errors import DataValidationError, DefinitionError, PsychometricsError

EXIT_OK, EXIT_INVALID_DATA, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (``error: psychometrics score: ...``), exit 2.

    Sub-command parsers are made with the parent's class, so they behave the same."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    except BrokenPipeError:  # e.g. `psychometrics show gse | head`
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C during a long bootstrap: no traceback either
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PsychometricsError, ImportError, ValueError, KeyError, TypeError) as exc:
        # A file, definition or argument the user can fix (ValueError and friends are what
        # pandas, numpy and the API raise for bad parameters).
        _error(exc)
        return EXIT_USAGE
    except OSError as exc:
        if exc.filename is None:  # raised by this package, with its own message
            print(f"error: {_one_line(exc)}", file=sys.stderr)
        else:
            print(f"error: cannot use '{exc.filename}': {exc.strerror or exc}",
                  file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        # Never a traceback for the user; PSYCHOMETRICS_DEBUG=1 shows it to a developer.
        if os.environ.get("PSYCHOMETRICS_DEBUG"):
            raise
        print(f"error: internal error ({type(exc).__name__}: {_one_line(exc)}); please "
              "report it, with PSYCHOMETRICS_DEBUG=1 for the traceback", file=sys.stderr)
        return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _error(exc: BaseException) -> None:
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    if isinstance(exc, KeyError) and not isinstance(exc, PsychometricsError) and exc.args:
        lines = [str(exc.args[0])]
    for line in lines:
        print(f"error: {line}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
