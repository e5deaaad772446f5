"""``psychometrics invariance``: the measurement-invariance ladder across groups or waves."""

from __future__ import annotations

import argparse
import json
import sys

from psychometrics.cli import _common

ORDER = 45


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("invariance", help="measurement invariance (configural, metric, scalar, "
                                          "strict) across groups or waves")
    _common.add_data_arguments(p)
    p.add_argument("--model", help="lavaan model syntax instead of the instrument's structure")
    p.add_argument("--group", metavar="COL", help="invariance across the groups of this column")
    p.add_argument("--wave", metavar="COL", help="invariance across the waves of this column "
                                                 "(with --id)")
    p.add_argument("--id", metavar="COL", help="the respondent id column (with --wave)")
    p.add_argument("--estimator", choices=["ML", "MLM", "MLR"], default="ML", type=str.upper)
    p.add_argument("--rule", choices=["cheung_rensvold", "chen", "chisq"],
                   default="cheung_rensvold", help="the decision rule (default: "
                                                   "Cheung & Rensvold's delta CFI)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_invariance)


def cmd_invariance(args: argparse.Namespace) -> int:
    from psychometrics.errors import MissingColumnError
    from psychometrics.structural.errors import DataError, ModelError
    from psychometrics.structural.invariance import invariance

    if (args.group is None) == (args.wave is None):
        print("error: give either --group COL or --wave COL with --id COL", file=sys.stderr)
        return 2
    if args.wave is not None and args.id is None:
        print("error: --wave needs --id (the respondent id column)", file=sys.stderr)
        return 2
    (inst,) = _common.instruments(args.instrument, args.overlay)
    data = _common.read(args, [inst])
    for col in (args.group, args.wave, args.id):
        if col is not None and col not in data.columns:
            raise MissingColumnError(f"column {col!r} is not in {args.data}")
    model = args.model if args.model else inst
    columns = _common.columns(args.columns)
    if args.model:
        from psychometrics.scoring import item_data

        items = item_data(data, inst, columns=columns, reverse=True, on_invalid="nan")
        keep = [c for c in (args.group, args.wave, args.id) if c is not None]
        data = items.assign(**{c: data[c].to_numpy() for c in keep})
        columns = None
    try:
        result = invariance(data, model, group=args.group, wave=args.wave, id=args.id,
                            estimator=args.estimator, rule=args.rule, columns=columns)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({"provenance": [inst.provenance()], "invariance": result.to_dict()},
                         indent=2, default=str))
        return 0
    print(f"Measurement invariance of {inst.name} [{inst.id}] (keyed items)")
    print(result.summary())
    return 0
