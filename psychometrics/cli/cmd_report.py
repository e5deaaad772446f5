"""The ``report`` command: one self-contained HTML analysis report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from psychometrics.cli import _common

HTML_SUFFIXES = (".html", ".htm")

ORDER = 70


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write an HTML analysis report (validation, scores, reliability, items, "
             "parallel analysis, CFA)",
        description="Validate and score DATA with the instrument, run the reliability and "
                    "factor analyses, and write everything into one self-contained HTML file "
                    "(inline SVG plots; opens offline; prints cleanly).",
    )
    _common.add_data_arguments(p)
    p.add_argument("-o", "--output", metavar="HTML",
                   help="where to write the report (default: <ID>-report.html)")
    p.add_argument("--group", metavar="COLUMN",
                   help="show score distributions and reliability per value of COLUMN")
    p.add_argument("--id-column", metavar="COL", help="column of respondent ids")
    p.add_argument("--ci-method", choices=["feldt", "duhachek", "bootstrap"], default="feldt",
                   help="confidence interval of alpha (default feldt)")
    p.add_argument("--n-boot", type=int, default=2000, metavar="N",
                   help="bootstrap resamples for --ci-method bootstrap (default 2000)")
    p.add_argument("--n-iter", type=int, default=100, metavar="N",
                   help="simulated data sets in the parallel analysis (default 100)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of every random step (default 1, so reports reproduce)")
    p.add_argument("--cfa-missing", choices=["fiml", "listwise"], default="fiml",
                   help="missing answers in the CFA (default fiml)")
    p.add_argument("--estimator", default="ML", type=str.upper,
                   choices=["ML", "MLM", "MLMV", "MLR", "WLSMV", "WLSM", "DWLS", "ULSMV",
                            "ULSM"],
                   help="the CFA's estimator (default ML; MLR: robust to non-normal items, "
                        "with FIML; WLSMV ...: the items as ordered categories)")
    p.add_argument("--title", help="title of the report")
    p.add_argument("--note", help="a note shown in a box at the top (e.g. 'pilot data')")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from psychometrics.reporting import report

    _common.check_output(args.output, HTML_SUFFIXES)
    (inst,) = _common.instruments(args.instrument, args.overlay)
    data = _common.read(args, [inst])
    out = Path(args.output or f"{inst.id}-report.html")
    result = report(
        data, inst, columns=_common.columns(args.columns), group=args.group,
        id_column=args.id_column, ci_method=args.ci_method, n_boot=args.n_boot,
        n_iter=args.n_iter, seed=args.seed, cfa_missing=args.cfa_missing,
        estimator=args.estimator, title=args.title, note=args.note,
        data_name=Path(args.data).name, output=out,
    )
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)", file=sys.stderr)
    for section in result.problems:
        print(f"note: section '{section.title}': {section.status}", file=sys.stderr)
        for message in section.messages:
            print(f"  - {message}", file=sys.stderr)
    return 0
