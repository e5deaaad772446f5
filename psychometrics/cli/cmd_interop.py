"""Exchange commands: export and import REDCap, FHIR and ReproSchema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from psychometrics.cli import _common

ORDER = 55

FORMATS = {
    "redcap": "REDCap data dictionary (CSV)",
    "fhir": "HL7 FHIR R4 or R5 Questionnaire (JSON) with SDC score expressions",
    "reproschema": "ReproSchema protocol/activity/items folder (JSON-LD)",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export an instrument to REDCap, FHIR or ReproSchema",
        description="Write an instrument in another format. Restricted item text is never "
        "written: a placeholder marks where the licensed wording goes, unless --overlay "
        "supplies it. Every export records the instrument id, definition version and "
        "SHA-256.")
    p.add_argument("instrument", metavar="ID", help="instrument id or YAML file")
    p.add_argument("--to", required=True, choices=list(FORMATS),
                   help="; ".join(f"{k}: {v}" for k, v in FORMATS.items()))
    p.add_argument("-o", "--output", metavar="OUT",
                   help="output file (a folder for reproschema); default stdout")
    p.add_argument("--overlay", metavar="YAML", help="overlay with licensed item text")
    p.add_argument("--fhir-version", choices=["R4", "R5"], default="R4",
                   help="fhir: the FHIR release to write (default R4)")
    p.add_argument("--no-record-id", action="store_true",
                   help="redcap: leave out the record_id field (to add the form to an "
                   "existing project)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "import", help="turn a REDCap dictionary, FHIR Questionnaire or ReproSchema activity "
        "into an instrument YAML",
        description="Build an instrument definition from another format and list "
        "everything that could not be carried into it (on stderr, and as comments at the "
        "head of the YAML).")
    p.add_argument("format", choices=["redcap", "fhir", "reproschema"],
                   help="format of the input")
    p.add_argument("source", metavar="SOURCE",
                   help="redcap: a data dictionary (CSV) or an instrument ZIP (instrument.csv "
                   "inside, as the REDCap Shared Library distributes them); fhir: a "
                   "Questionnaire (JSON, R4 or R5); reproschema: an activity folder or its "
                   "schema document")
    p.add_argument("-o", "--output", metavar="YAML", help="write the definition here "
                   "(default stdout)")
    p.add_argument("--form", metavar="NAME", help="the REDCap form to import, when the "
                   "dictionary holds several")
    p.add_argument("--id", metavar="ID", dest="instrument_id",
                   help="id of the new instrument (kebab-case)")
    p.add_argument("--missing-codes", metavar="CODES",
                   help="comma-separated choice codes that mean 'no answer', e.g. -99,-98")
    p.add_argument("--record-id", metavar="FIELD",
                   help="redcap: the record-identifier field (default: the first field of a "
                   "project dictionary when it is a text field named like an id; instrument "
                   "ZIPs have none)")
    p.set_defaults(handler=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    (inst,) = _common.instruments(args.instrument, args.overlay)
    out = args.output
    if args.to == "reproschema":
        from psychometrics.exports.reproschema import write_reproschema

        if not out:
            print("error: --to reproschema writes a folder: give it with -o DIR",
                  file=sys.stderr)
            return 2
        protocol = write_reproschema(inst, out)
        print(f"wrote ReproSchema for {inst.id} under {out} (protocol: {protocol})",
              file=sys.stderr)
    elif args.to == "fhir":
        from psychometrics.exports.fhir import to_fhir_questionnaire

        q = to_fhir_questionnaire(inst, fhir_version=args.fhir_version)
        text = json.dumps(q, indent=2, ensure_ascii=False) + "\n"
        _emit(text, out, f"FHIR Questionnaire for {inst.id}")
    else:
        from psychometrics.exports.redcap import to_redcap

        frame = to_redcap(inst, record_id=None if args.no_record_id else "record_id")
        _emit(frame.to_csv(index=False), out,
              f"REDCap data dictionary for {inst.id} ({len(frame)} fields)")
    if inst.text_is_restricted:
        has_text = any(i.text is not None for i in inst.items)
        what = ("licensed item text from the overlay" if has_text else
                "placeholders instead of the restricted item text")
        print(f"note: {inst.id}: the export holds {what}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from psychometrics import __version__
    from psychometrics.exports._common import instrument_to_yaml

    if args.format != "redcap":
        for flag, value in (("--form", args.form), ("--missing-codes", args.missing_codes),
                            ("--record-id", args.record_id)):
            if value is not None:
                print(f"error: {flag} applies to redcap imports only", file=sys.stderr)
                return 2
    if args.format == "fhir":
        from psychometrics.exports.fhir_import import from_fhir

        result = from_fhir(args.source, instrument_id=args.instrument_id)
        origin = f"the FHIR Questionnaire '{Path(args.source).name}'"
    elif args.format == "reproschema":
        from psychometrics.exports.reproschema_import import from_reproschema

        result = from_reproschema(args.source, instrument_id=args.instrument_id)
        origin = f"the ReproSchema activity '{args.source}'"
    else:
        from psychometrics.exports.redcap_import import from_redcap

        codes = None
        if args.missing_codes:
            try:
                codes = [int(c) for c in args.missing_codes.split(",") if c.strip()]
            except ValueError:
                print(f"error: --missing-codes {args.missing_codes!r}: give whole numbers "
                      "separated by commas", file=sys.stderr)
                return 2
        result = from_redcap(args.source, form=args.form, instrument_id=args.instrument_id,
                             missing_codes=codes, record_id=args.record_id)
        origin = (f"the REDCap data dictionary '{Path(args.source).name}', form "
                  f"'{result.form}'")
    header = [f"Imported by psychometrics {__version__} from {origin}."]
    if result.losses:
        header.append("Not carried into this definition (review before use):")
        header += [f"  - {loss}" for loss in result.losses]
    text = instrument_to_yaml(result.instrument, header)
    _emit(text, args.output, f"instrument {result.instrument.id}")
    print(result.summary(), file=sys.stderr)
    return 0


def _emit(text: str, out: str | None, what: str) -> None:
    if out is None or out == "-":
        sys.stdout.write(text)
        return
    Path(out).write_text(text, encoding="utf-8")
    print(f"wrote {what} to {out}", file=sys.stderr)
