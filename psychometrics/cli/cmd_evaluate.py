"""The ``evaluate`` command: a whole programme evaluation from a study YAML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from psychometrics.cli import _common

ORDER = 75


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="run a programme evaluation from a study YAML and write its HTML report",
        description="Read the study definition (data files, waves, groups, instruments, "
                    "comparisons), compute participation, validation, reliability, "
                    "measurement invariance (with an invariance block), scores, change from "
                    "baseline and group comparisons, and write one "
                    "self-contained HTML report (and, with --tables, every table as CSV and "
                    "XLSX).",
    )
    p.add_argument("study", metavar="STUDY", nargs="?", help="the study YAML")
    p.add_argument("-o", "--output", metavar="HTML",
                   help="where to write the report (default: evaluation.html)")
    p.add_argument("--tables", metavar="DIR",
                   help="also write every table of the evaluation as CSV (and one XLSX) "
                        "into DIR")
    p.add_argument("--schema", action="store_true",
                   help="print the JSON Schema of the study format (to -o FILE if given) "
                        "and exit")
    p.set_defaults(handler=cmd_evaluate)


def run(study: str | Path, output: str | Path, tables: str | Path | None = None) -> int:
    """Evaluate ``study``, write the report (and tables); print what was written."""
    from psychometrics.evaluation.pipeline import evaluate
    from psychometrics.reporting.evaluation import evaluation_report

    ev = evaluate(study)
    out = Path(output)
    evaluation_report(ev, output=out)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)", file=sys.stderr)
    if tables:
        written = ev.write_tables(tables)
        print(f"wrote {len(written)} table file(s) into {tables}", file=sys.stderr)
    for s in ev.sections:
        if s.status != "ok":
            print(f"note: section '{s.title}' {s.status}: {'; '.join(s.messages)}",
                  file=sys.stderr)
    n = len(ev.caveats)
    if n:
        print(f"note: {n} caveat(s) in the report (small groups, statistics not computed, "
              "unusable cells); see its 'Caveats' boxes or caveats.csv", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.schema:
        import json

        from psychometrics.evaluation.study import study_json_schema

        text = json.dumps(study_json_schema(), indent=2, ensure_ascii=False) + "\n"
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    if args.study is None:
        print("error: give the study YAML (psychometrics evaluate STUDY -o report.html), or "
              "--schema", file=sys.stderr)
        return 2
    _common.check_output(args.output, (".html", ".htm"))
    return run(args.study, args.output or "evaluation.html", args.tables)
