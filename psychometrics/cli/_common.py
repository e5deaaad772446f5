"""Argument helpers shared by the command modules (no statistics here)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psychometrics import __version__
from psychometrics.errors import PsychometricsError

if TYPE_CHECKING:  # pandas is imported by the commands that read data, not to print --help
    import pandas as pd

MAPPING_HELP = (
    "how data columns are named: a format string with {n} (item number) or {id} "
    "(e.g. 'GSE_{n}'), 'item=column' pairs separated by commas, or a YAML/JSON file "
    "mapping item ids to columns (default: columns are named by item id)"
)


def add_data_arguments(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    what = "instrument id(s), comma-separated, or YAML file(s)" if several else \
        "instrument id or YAML file"
    parser.add_argument("instrument", metavar="ID", help=what)
    parser.add_argument("data", metavar="DATA", help="CSV, TSV, Excel, SPSS (.sav) or Stata")
    parser.add_argument("--columns", metavar="MAP", help=MAPPING_HELP)
    parser.add_argument("--overlay", metavar="YAML", help="overlay with licensed item text")
    parser.add_argument("--sheet", default=0, help="Excel sheet name or number (default 0)")
    parser.add_argument("--sep", metavar="CHAR",
                        help="delimiter of a text file (default: sniffed; ',' ';' tab '|')")
    parser.add_argument("--decimal", choices=[".", ","],
                        help="decimal mark of a text file (default: sniffed)")
    parser.add_argument("--encoding", metavar="NAME",
                        help="encoding of a text file (default: UTF-8, UTF-16 or cp1252, "
                             "detected)")
    parser.add_argument("--skip-rows", type=int, metavar="N",
                        help="rows under the header that are not respondents (default: "
                             "detected, e.g. Qualtrics' question-text and ImportId rows)")


def instruments(arg: str, overlay: str | None = None) -> list[Any]:
    from psychometrics.catalog import load_instrument

    names = [a.strip() for a in arg.split(",") if a.strip()]
    if not names:
        raise PsychometricsError(f"no instrument given ({arg!r}): name a built-in id "
                                 "(psychometrics list) or a YAML file")
    return [load_instrument(n, overlay=overlay) for n in names]


def read(args: argparse.Namespace, insts: list[Any] | None = None) -> pd.DataFrame:
    """Read DATA with the instruments' rules (their item columns as numbers, every other
    column as text). SPSS/Stata user-defined missing cells become the instruments' missing
    code when they share exactly one, so validation counts them as coded missing."""
    from psychometrics.io import read_data

    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    codes = {c for inst in insts or [] for c in inst.missing_codes}
    code = codes.pop() if len(codes) == 1 else None
    sep = getattr(args, "sep", None)
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
    return read_data(args.data, instrument=insts or None,
                     columns=columns(getattr(args, "columns", None)), sheet=sheet,
                     missing_code=code, sep=sep, decimal=getattr(args, "decimal", None),
                     encoding=getattr(args, "encoding", None),
                     skip_rows=getattr(args, "skip_rows", None))


def columns(arg: str | None) -> Any:
    """``--columns``: a format string, ``item=column`` pairs, or a YAML/JSON mapping file."""
    if arg is None:
        return None
    if "{" in arg or "}" in arg:
        return arg
    path = Path(arg)
    if path.suffix.lower() in {".yaml", ".yml", ".json"}:
        if not path.is_file():
            raise PsychometricsError(f"--columns: no mapping file at '{arg}'")
        import yaml

        try:
            mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise PsychometricsError(f"--columns '{arg}' is not readable YAML/JSON: "
                                     f"{' '.join(str(exc).split())}") from None
        if not isinstance(mapping, dict) or not mapping:
            raise PsychometricsError(f"--columns '{arg}' must map item ids to column names")
        return {str(k): str(v) for k, v in mapping.items()}
    pairs = [p.split("=", 1) for p in arg.split(",") if p.strip()]
    if not pairs or not all(len(p) == 2 and p[0].strip() and p[1].strip() for p in pairs):
        raise PsychometricsError(f"--columns {arg!r}: expected a format string with {{n}} or "
                                 "{id} (e.g. 'GSE_{n}'), item=column pairs separated by "
                                 "commas, or a YAML/JSON file")
    return {k.strip(): v.strip() for k, v in pairs}


def provenance_lines(provenance: list[dict[str, str]]) -> list[str]:
    lines = [f"psychometrics {__version__}"]
    lines += [f"instrument {p['instrument']} definition {p['version']} sha256:{p['sha256']} "
              f"(follows: {p['follows']})" for p in provenance]
    return lines


TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".xlsx")


def check_output(out: str | None, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if out is None or out == "-":
        return
    path = Path(out)
    if path.is_dir():
        raise PsychometricsError(f"-o '{out}' is a folder; give a file name such as "
                                 f"'{path / ('scores' + suffixes[0])}'")
    if path.suffix.lower() not in suffixes:
        raise PsychometricsError(f"-o '{out}': unknown output format "
                                 f"'{path.suffix or '(no suffix)'}' (use "
                                 f"{', '.join(suffixes)})")
    if not path.parent.is_dir():
        raise PsychometricsError(f"-o '{out}': the folder '{path.parent}' does not exist")


def respondent_note(data: pd.DataFrame, meta: dict[str, Any], source: str) -> str:
    """The output's statement of how respondents are identified."""
    how = {"given": "given", "detected": "the file's first id-like column"}
    column = meta.get("id_column")
    ident = (f"id column '{column}' ({how.get(meta.get('id_source') or '', 'given')})"
             if column else "no id column (none given, none named like an id)")
    return (f"respondents: {ident}; row = the row of {source} as a spreadsheet shows it "
            "(1-based, header counted)")


def write_table(frame: pd.DataFrame, out: str | None, provenance: list[dict[str, str]],
                notes: Sequence[str] = ()) -> None:
    """Write a result table with its provenance: '#' header lines in CSV/TSV, a sheet in
    Excel, a field in JSON. Without ``out`` the table goes to stdout as CSV."""
    head = [*provenance_lines(provenance), *notes]
    if out is None or out == "-":
        sys.stdout.write("".join(f"# {line}\n" for line in head))
        frame.to_csv(sys.stdout)
        return
    check_output(out)
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(f"# {line}\n" for line in head))
            frame.to_csv(handle, sep="," if suffix == ".csv" else "\t")
    elif suffix == ".json":
        records = frame.reset_index() if frame.index.name is not None else frame
        payload = {"provenance": provenance, "package_version": __version__,
                   "notes": list(notes),
                   "data": json.loads(records.to_json(orient="records", date_format="iso"))}
        path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    elif suffix == ".xlsx":
        import pandas as pd

        with pd.ExcelWriter(path) as writer:
            frame.to_excel(writer, sheet_name="scores")
            pd.DataFrame({"provenance": head}).to_excel(writer, sheet_name="provenance",
                                                        index=False)
    else:  # pragma: no cover - check_output refused it
        raise PsychometricsError(f"unknown output format '{suffix}'")
