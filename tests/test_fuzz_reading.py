"""Fuzz: random messy CSV files (junk cells, missing markers, quotes, '#', blank ids, BOMs,
encodings, delimiters, comment lines) go through the CLI; every respondent must arrive in
order with the id that was written and the counts the API gives and the file implies."""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from psychometrics import read_data, score, validate
from psychometrics.cli import main
from psychometrics.io._cells import is_marker

WHO5 = [f"who5_{j}" for j in range(1, 6)]
VALID = [str(v) for v in range(6)] + [" 3", "4 ", "03"]
MARKER_CELLS = ["", "N/A", "NA", "n/a", ".", "#N/A", " na "]
JUNK = ["x", "#3", "9", "-1", "2.5", "a,b", '"q"', "1;2", "inf", "nan", "Ward #3", "é"]
TEXT = st.text(alphabet=st.sampled_from(list("ab0 1#,;\"'\t.é-ü")), max_size=6)

cell = st.one_of(st.sampled_from(VALID), st.sampled_from(MARKER_CELLS), st.sampled_from(JUNK))
respondent = st.tuples(st.one_of(TEXT, st.sampled_from(["", "  ", "0001", "#7", "NA"])),
                       st.lists(cell, min_size=5, max_size=5), TEXT)


def expected_id(written: str) -> object:
    return np.nan if is_marker(written) else written


def expected_answered(cells: list[str]) -> int:
    return sum(c.strip() in {str(v) for v in range(6)} or c.strip() == "03" for c in cells)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(respondent, min_size=1, max_size=12),
       sep=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       comments=st.lists(st.sampled_from(["# exported, by a tool", "#", "# a;b"]), max_size=2),
       crlf=st.booleans())
def test_messy_csv_through_the_cli(rows: list[tuple[str, list[str], str]], sep: str,
                                   encoding: str, comments: list[str], crlf: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n" if crlf else "\n")
    for line in comments:
        buffer.write(line + ("\r\n" if crlf else "\n"))
    writer.writerow(["id", *WHO5, "note"])
    for rid, cells, note in rows:
        # A first cell starting with '#' is quoted, as a careful writer does; unquoted it
        # would still be a respondent when it has as many cells as the header.
        writer.writerow([rid, *cells, note])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messy.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        frame = read_data(path, instrument="who5")
        assert len(frame) == len(rows)
        ids = frame["id"].tolist()
        for got, (rid, _, _) in zip(ids, rows, strict=True):
            want = expected_id(rid)
            assert got == want or (pd.isna(got) and pd.isna(want)), (got, rid)
        assert all(a == b or (pd.isna(a) and pd.isna(b)) for a, b in
                   zip(frame["note"], (expected_id(r[2]) for r in rows), strict=True))

        api = score(frame, "who5", on_invalid="nan")
        assert api["who5_raw_answered"].tolist() == [expected_answered(r[1]) for r in rows]

        out = Path(folder) / "scores.csv"
        code, _, err = run(["score", "who5", str(path), "--on-invalid", "nan", "-o", str(out)])
        assert code == 0, err
        assert "Traceback" not in err
        back = read_data(out)
        assert back["row"].tolist() == list(range(2 + len(comments), 2 + len(comments)
                                                  + len(rows)))
        got_ids = back["id"].tolist()
        for got, want in zip(got_ids, ids, strict=True):
            assert got == want or (pd.isna(got) and pd.isna(want)), (got, want)
        assert back["who5_raw_answered"].tolist() == api["who5_raw_answered"].tolist()

        code, report_csv, err = run(["validate", "who5", str(path), "--format", "csv"])
        assert code in (0, 1) and "Traceback" not in err
        cli_problems = pd.read_csv(io.StringIO(report_csv), dtype=object,
                                   keep_default_na=False)
        api_problems = validate(frame, "who5")
        assert sorted(cli_problems["rule"]) == sorted(api_problems.problems["rule"])
        assert cli_problems["sheet_row"].tolist() == [
            "" if pd.isna(v) else str(v) for v in api_problems.problems["sheet_row"]]
