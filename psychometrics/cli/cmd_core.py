"""Core commands: list, show, schema, validate, score, demo."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from psychometrics.cli import _common

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list the built-in instruments")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="show an instrument: items, scales, keys, citation, licence")
    p.add_argument("instrument", metavar="ID", help="instrument id or YAML file")
    p.add_argument("--overlay", metavar="YAML", help="overlay with licensed item text")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("schema", help="print the JSON Schema of the instrument format")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("validate", help="check response data against instrument(s)")
    _common.add_data_arguments(p, several=True)
    p.add_argument("--id-column", metavar="COL", help="column of respondent ids")
    p.add_argument("--format", choices=["text", "csv", "json"], default="text",
                   help="text summary (default), or every problem as CSV/JSON")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("score", help="score response data")
    _common.add_data_arguments(p, several=True)
    p.add_argument("-o", "--output", metavar="OUT",
                   help="CSV, TSV, JSON or XLSX (default stdout); Parquet DATA: CSV, TSV or "
                        "Parquet, written batch by batch")
    p.add_argument("--id-column", metavar="COL", help="column to carry into the scores")
    p.add_argument("--on-invalid", choices=["raise", "nan"], default="raise",
                   help="unusable cells: stop with an error (default) or treat as missing")
    from psychometrics.cli.cmd_analysis import add_stream_arguments

    add_stream_arguments(p)  # Parquet DATA is scored in batches into CSV/TSV/Parquet
    p.set_defaults(handler=cmd_score)

    p = sub.add_parser("demo", help="run the bundled (synthetic) programme evaluation end to "
                                    "end and write its HTML report")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="write the example files into DIR: the data (mentorship.csv), the "
                        "study (mentorship-study.yaml), the report "
                        "(mentorship-evaluation.html) and scores.csv (default: only the "
                        "report, into the current directory)")
    p.set_defaults(handler=cmd_demo)


def cmd_list(args: argparse.Namespace) -> int:
    from psychometrics.catalog import catalog_entries

    # Read from the files without validating five definitions (psychometrics show does).
    for entry in catalog_entries():
        text = "text licensed: paraphrases" if entry["restricted"] else "text shipped"
        print(f"{entry['id']:<8} {entry['name']} ({entry['items']} items; {text})")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    (inst,) = _common.instruments(args.instrument, args.overlay)
    wrap = textwrap.TextWrapper(width=96, subsequent_indent="    ")
    out = [f"{inst.name} [{inst.id}] definition {inst.version}", f"follows: {inst.follows}",
           f"construct: {inst.construct}", f"language: {inst.language}"]
    if inst.adaptation:
        out.append(f"adaptation: {inst.adaptation}")
    if inst.instructions:
        out.append(wrap.fill(f"instructions: {inst.instructions}"))
    out.append(f"licence: item text {inst.licence.item_text} - {inst.licence.note.strip()}")
    for name, rs in inst.response_scales.items():
        labels = "; ".join(f"{v} {rs.labels[v]}" for v in rs.values)
        out.append(wrap.fill(f"response scale {name}: {labels}"))
    if inst.missing_codes:
        out.append(f"missing-value codes: {', '.join(map(str, inst.missing_codes))}")
    out.append("items:")
    for item in inst.items:
        words = item.text if item.text is not None else f"[paraphrase] {item.paraphrase}"
        key = " (reversed)" if item.reverse else ""
        out.append(wrap.fill(f"  {item.id}{key}: {words}"))
    out.append("scales:")
    for name, sc in inst.scales.items():
        lo, hi = inst.score_range(name)
        rule = f"at least {sc.required_answers()} of {len(sc.items)} answered"
        tr = (f", x{sc.transform.multiply:g}{sc.transform.add:+g}" if sc.transform else "")
        out.append(f"  {inst.id}_{name}: {sc.name} = {sc.method}{tr} of "
                   f"{', '.join(sc.items)}; range {lo:g}-{hi:g}; {rule}")
        for band in sc.bands:
            upper = f"<= {band.max:g}" if band.max is not None else "above"
            out.append(f"      band {upper}: {band.label}")
    out.append("citation:")
    out.extend(wrap.fill(f"  {c}")
               for c in inst.citations)
    for rel in inst.published.reliability:
        val = rel.value_text()
        out.append(wrap.fill(f"published {rel.statistic} ({rel.scale}): {val}; {rel.sample}; "
                             f"{rel.source}"))
    if inst.published.structure is not None:
        out.append(f"published structure: {inst.published.structure.description} "
                   f"({inst.published.structure.source})")
    out.append(f"sha256: {inst.definition_hash}")
    print("\n".join(out))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from psychometrics.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    import pandas as pd

    from psychometrics.validation import validate

    insts = _common.instruments(args.instrument, args.overlay)
    data = _common.read(args, insts)
    reports = [validate(data, inst, columns=_common.columns(args.columns),
                        id_column=args.id_column) for inst in insts]
    if args.format == "text":
        print("\n".join(r.summary() for r in reports))
    else:
        table = pd.concat([r.problems.assign(instrument=r.instrument) for r in reports],
                          ignore_index=True)
        if args.format == "csv":
            table.to_csv(sys.stdout, index=False)
        else:
            print(table.to_json(orient="records", indent=2))
    return 0 if all(r.ok for r in reports) else 1


def cmd_score(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from psychometrics.cli.cmd_analysis import _parquet_paths
    from psychometrics.io import sheet_rows
    from psychometrics.scoring import score

    paths = _parquet_paths(args)
    insts = _common.instruments(args.instrument, args.overlay)
    mapping = _common.columns(args.columns)
    if paths is not None:
        from psychometrics.cli._stream_score import score_streamed

        return score_streamed(args, insts, mapping, paths)
    _common.check_output(args.output)
    data = _common.read(args, insts)
    scores = score(data, insts, columns=mapping, on_invalid=args.on_invalid,
                   id_column=args.id_column)
    meta = scores.attrs["psychometrics"]
    # Each respondent is named by its id column and by its row in DATA.
    scores.index = pd.Index(sheet_rows(data, np.arange(len(data))), name="row")
    note = _common.respondent_note(data, meta, f"'{Path(args.data).name}'")
    _common.write_table(scores, args.output, meta["instruments"], notes=[note])
    if args.output:
        print(f"wrote {len(scores)} rows x {scores.shape[1]} columns to {args.output}",
              file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the bundled example: the study YAML evaluated end to end."""
    import shutil
    import warnings

    from psychometrics.datasets import mentorship_data_path, mentorship_study_path
    from psychometrics.errors import NumericalWarning
    from psychometrics.evaluation.pipeline import evaluate
    from psychometrics.reporting.evaluation import evaluation_report

    print("psychometrics demo: the bundled mentorship-network evaluation.")
    print("THE DATA ARE SYNTHETIC (seeded simulation); no conclusions about mentorship.\n")
    out = Path(args.output) if args.output else Path.cwd()
    study = mentorship_study_path()
    if args.output:
        out.mkdir(parents=True, exist_ok=True)
        for source in (mentorship_data_path(), study):
            shutil.copyfile(source, out / source.name)
        study = out / study.name
    with warnings.catch_warnings():  # the caveats are in the report and its tables
        warnings.simplefilter("ignore", NumericalWarning)
        ev = evaluate(study)
    print(f"study: {study.name} ({len(ev.data)} responses; instruments "
          + ", ".join(si.id for si in ev.study.instruments) + ")")
    part = ev.participation[ev.participation["grouping"] != "gender"]
    print("1. Participation (respondents / invited)")
    for rec in part.itertuples(index=False):
        rate = "" if rec.response_rate != rec.response_rate else f" = {rec.response_rate:.0%}"
        invited = "" if rec.invited != rec.invited else f" / {int(rec.invited)}"
        print(f"  {rec.wave:<9} {rec.group:<9} {rec.n:>4}{invited}{rate}")
    val = ev.validation
    print("2. Validation: " + ", ".join(f"{r.instrument} {r.errors} error(s)"
                                        for r in val.itertuples(index=False))
          + " (unusable cells are treated as missing)")
    rel = ev.reliability
    rel = rel[(rel["grouping"] == "all") & (rel["wave"] == ev.study.waves.order[0])]
    print("3. Reliability at baseline (alpha [95% CI], published)")
    for r in rel.itertuples(index=False):
        print(f"  {r.instrument:<5} {r.scale:<13} {r.alpha:.3f} [{r.alpha_lower:.3f}, "
              f"{r.alpha_upper:.3f}]  published {r.published_alpha}")
    inv = ev.tables.get("invariance_verdicts")
    if inv is not None and len(inv):
        print("4. Measurement invariance (highest step that holds; details in the report)")
        sizes = ev.tables.get("invariance_groups")
        for inst, rows in inv.groupby("instrument", sort=False):
            print(textwrap.fill(f"{inst:<5} " + "; ".join(
                f"{r.across}{'' if r.wave == 'all' else ' at ' + str(r.wave)}: "
                + (str(r.highest_step) if r.estimable else _too_small(sizes, r))
                for r in rows.itertuples(index=False)), width=96, initial_indent="  ",
                subsequent_indent=" " * 8, break_on_hyphens=False))
    step = 5 if inv is not None and len(inv) else 4
    ch = ev.change[ev.change["grouping"] == "all"]
    print(f"{step}. Change from baseline to one year (paired)")
    for r in ch.itertuples(index=False):
        print(f"  {r.score:<17} n {r.n:>3}  change {r.mean_diff:+.2f} "
              f"[{r.mean_diff_lower:+.2f}, {r.mean_diff_upper:+.2f}]  d_av {r.d_av:+.2f}  "
              f"reliably improved {r.n_improved}, deteriorated {r.n_deteriorated}")
    cmp_ = ev.comparisons
    cmp_ = cmp_[(cmp_["design"] == "role") & (cmp_["wave"] == ev.study.waves.order[-1])]
    print(f"{step + 1}. Faculty vs residents at one year (Hedges' g [95% CI])")
    for r in cmp_.itertuples(index=False):
        print(f"  {r.score:<17} g {r.hedges_g:+.2f} [{r.hedges_g_lower:+.2f}, "
              f"{r.hedges_g_upper:+.2f}]  Welch p {r.welch_p:.3g}")
    report = out / "mentorship-evaluation.html"
    evaluation_report(ev, output=report)
    print(f"\nwrote {report} (the full report: every table, caveats, plots)")
    if args.output:
        from psychometrics.datasets import load_mentorship
        from psychometrics.scoring import score

        scores = score(load_mentorship(), [si.id for si in ev.study.instruments],
                       on_invalid="nan", id_column="response_id")
        _common.write_table(scores, str(out / "scores.csv"),
                            scores.attrs["psychometrics"]["instruments"])
        print(f"wrote {out / 'mentorship.csv'}, {out / 'mentorship-study.yaml'} and "
              f"{out / 'scores.csv'}")
        print(f"\nNext: psychometrics evaluate {out / 'mentorship-study.yaml'} -o "
              "evaluation.html --tables tables/")
    else:
        print("\nNext: psychometrics demo -o demo/ writes the data and the study YAML to "
              "edit; psychometrics evaluate demo/mentorship-study.yaml -o evaluation.html")
    return 0


def _too_small(sizes: Any, r: Any) -> str:
    """Why a multi-group model was not fitted, in a few words: the groups with fewer
    respondents than the model has free parameters per group."""
    if sizes is None or not len(sizes):
        return "not estimable"
    own = sizes[(sizes["instrument"] == r.instrument) & (sizes["kind"] == r.kind)
                & (sizes["across"] == r.across) & (sizes["wave"] == r.wave)
                & ~sizes["estimable"].astype(bool)]
    if not len(own):
        return "not estimable"
    small = ", ".join(f"{g.group} {g.n}" for g in own.itertuples(index=False))
    return f"not estimable ({small} for {int(own['parameters'].iloc[0])} parameters)"

