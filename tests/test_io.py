"""Reading survey files as they come out of Excel, Qualtrics, SPSS and European spreadsheets:
every cell arrives or is reported, nothing is reformatted (issue 12)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics import read_data, score, validate
from psychometrics.errors import PsychometricsError, PsychometricsWarning
from psychometrics.io import sheet_rows

WHO5 = [f"who5_{j}" for j in range(1, 6)]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def who5_text(sep: str = ",", rows: list[list[str]] | None = None) -> str:
    rows = rows or [["0001", "3", "4", "2", "1", "5"], ["0002", "1", "2", "3", "4", "5"]]
    return "\n".join(sep.join(r) for r in [["id", *WHO5], *rows]) + "\n"


def test_hash_inside_a_cell_is_a_cell(tmp_path: Path) -> None:
    # Before: pandas' comment="#" blanked the rest of the row after Excel's #N/A or "Ward #3".
    path = write(tmp_path / "d.csv", "# written by a tool\nid,ward,who5_1,who5_2,who5_3,"
                 "who5_4,who5_5\n1,Ward #3,3,4,2,1,5\n2,#N/A,#N/A,2,3,4,5\n")
    frame = read_data(path, instrument="who5")
    assert frame["ward"].tolist()[0] == "Ward #3"
    assert frame[WHO5].iloc[0].tolist() == [3, 4, 2, 1, 5]
    assert np.isnan(frame.loc[1, "who5_1"]) and frame[WHO5[1:]].iloc[1].tolist() == [2, 3, 4, 5]
    assert score(frame, "who5")["who5_raw"].tolist()[0] == 15


def test_ids_keep_leading_zeros(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", who5_text())
    for frame in (read_data(path), read_data(path, instrument="who5")):
        assert frame["id"].tolist() == ["0001", "0002"]
    # Without an instrument, a column of numbers with a leading zero is text too.
    path = write(tmp_path / "e.csv", "code,x\n007,1\n010,2\n")
    assert read_data(path)["code"].tolist() == ["007", "010"]
    assert read_data(path)["x"].tolist() == [1, 2]


def test_non_item_columns_stay_text_as_written(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,site,who5_1,who5_2,who5_3,who5_4,who5_5\n"
                 "a, 1.50 ,3,4,2,1,5\nb,2e3,1,2,3,4,5\n")
    frame = read_data(path, instrument="who5")
    assert frame["site"].tolist() == [" 1.50 ", "2e3"]


def test_missing_markers_are_counted_per_column(tmp_path: Path) -> None:
    rows = [["1", "N/A", "4", "2", "1", "5"], ["2", "NA", "n/a", ".", "#N/A", ""],
            ["3", " na ", "2", "3", "4", "5"]]
    frame = read_data(write(tmp_path / "d.csv", who5_text(rows=rows)), instrument="who5")
    assert frame.attrs["missing_markers"] == {
        "who5_1": {"N/A": 1, "NA": 1, "na": 1}, "who5_2": {"n/a": 1}, "who5_3": {".": 1},
        "who5_4": {"#N/A": 1}, "who5_5": {"": 1}}
    report = validate(frame, "who5", id_column="id")
    assert report.ok
    markers = report.problems[report.problems["rule"] == "missing_marker"]
    assert markers.groupby("column")["value"].sum().to_dict() == {
        "who5_1": 3, "who5_2": 1, "who5_3": 1, "who5_4": 1, "who5_5": 1}
    assert "column who5_1: 1 cell(s) written 'N/A' read as missing" in markers["message"].tolist()
    assert report.counts().set_index("rule").loc["missing_marker", "count"] == 7
    assert "missing_marker" in report.summary()


def test_text_column_markers_padded_with_any_white_space(tmp_path: Path) -> None:
    # hypothesis found ' \t ' kept as a note while '  ' was read as missing
    path = write(tmp_path / "d.csv", "id,note,who5_1\na, \t ,1\nb,\tNA ,2\nc,  Ward 3 ,3\n")
    frame = read_data(path, instrument="who5")
    assert frame["note"].isna().tolist() == [True, True, False]
    assert frame["note"].iloc[2] == "  Ward 3 "  # text is kept exactly as written
    assert frame.attrs["missing_markers"]["note"] == {"": 1, "NA": 1}


def test_junk_cells_are_kept_for_validation(tmp_path: Path) -> None:
    rows = [["1", "x", "inf", "nan", "\"3,5\"", "0x1"]]
    frame = read_data(write(tmp_path / "d.csv", who5_text(rows=rows)), instrument="who5")
    report = validate(frame, "who5")
    assert sorted(report.errors["value"].tolist()) == sorted(["x", "inf", "nan", "3,5", "0x1"])
    assert set(report.errors["rule"]) == {"non_numeric"}


@pytest.mark.parametrize(("encoding", "label"), [("utf-8-sig", "UTF-8 with BOM"),
                                                 ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                                 ("cp1252", "cp1252"), ("utf-8", "UTF-8")])
def test_encodings_are_detected(tmp_path: Path, encoding: str, label: str) -> None:
    rows = [["Zoë", "3", "4", "2", "1", "5"], ["Łukasz" if encoding != "cp1252" else "Müller",
                                               "1", "2", "3", "4", "5"]]
    path = write(tmp_path / "d.csv", who5_text(rows=rows), encoding)
    frame = read_data(path, instrument="who5")
    assert frame.attrs["encoding"] == label
    assert frame["id"].tolist()[0] == "Zoë" and list(frame.columns) == ["id", *WHO5]
    assert frame["who5_1"].tolist() == [3, 1]


def test_undecodable_text_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"id,who5_1\n\x81\x8d,3\n")  # neither UTF-8 nor cp1252
    with pytest.raises(PsychometricsError, match=r"neither UTF-8, UTF-16 nor cp1252.*0x81"):
        read_data(path)
    with pytest.raises(PsychometricsError, match="unknown encoding"):
        read_data(path, encoding="ascii-nope")


def test_semicolons_and_decimal_commas_are_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id;score;who5_1\n1;2,5;3\n2;10,25;4\n")
    frame = read_data(path)
    assert frame.attrs["sep"] == ";" and frame.attrs["decimal"] == ","
    assert frame["score"].tolist() == [2.5, 10.25]
    tab = write(tmp_path / "t.txt", "id\twho5_1\n1\t3\n")
    assert read_data(tab).attrs["sep"] == "\t"
    # Given by hand they win over the sniffing.
    forced = read_data(path, sep=";", decimal=".")
    assert forced["score"].tolist() == ["2,5", "10,25"]


def test_the_content_decides_when_the_extension_lies(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"id": ["a", "b"], **{c: [3, 4] for c in WHO5}})
    lying = tmp_path / "export.csv"
    frame.to_excel(lying, index=False, engine="openpyxl")
    with pytest.warns(PsychometricsWarning, match="holds an Excel workbook, not CSV text"):
        back = read_data(lying, instrument="who5")
    assert back["id"].tolist() == ["a", "b"] and back["who5_1"].tolist() == [3, 4]
    text_as_xlsx = write(tmp_path / "data.xlsx", who5_text())
    with pytest.warns(PsychometricsWarning, match="holds delimited text, not an Excel"):
        assert read_data(text_as_xlsx)["id"].tolist() == ["0001", "0002"]
    unknown = write(tmp_path / "data.dat", who5_text(";"))
    assert read_data(unknown).attrs["sep"] == ";"


QUALTRICS = (
    'StartDate,ResponseId,who5_1,who5_2,who5_3,who5_4,who5_5\n'
    'Start Date,Response ID,I have felt cheerful,I have felt calm,I have felt active,'
    'I woke up fresh,My daily life\n'
    '"{""ImportId"":""startDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}",'
    '"{""ImportId"":""QID2""}","{""ImportId"":""QID3""}","{""ImportId"":""QID4""}",'
    '"{""ImportId"":""QID5""}"\n'
    '2024-01-01,R_1,3,4,2,1,5\n2024-01-02,R_2,1,2,3,4,5\n')


def test_qualtrics_header_rows_are_not_respondents(tmp_path: Path) -> None:
    path = write(tmp_path / "qualtrics.csv", QUALTRICS)
    with pytest.warns(PsychometricsWarning, match="rows 2-3 read as extra header rows"):
        frame = read_data(path)
    assert frame["ResponseId"].tolist() == ["R_1", "R_2"]
    assert frame.attrs["header_rows"][0]["who5_1"] == "I have felt cheerful"
    assert score(frame, "who5")["who5_raw"].tolist() == [15, 15]
    # Respondent R_1 is on row 4 of the file as a spreadsheet shows it.
    assert sheet_rows(frame, [0, 1]).tolist() == [4, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_data = read_data(path, skip_rows=0)
    assert len(as_data) == 4


def test_other_extra_header_rows_with_an_instrument(tmp_path: Path) -> None:
    text = who5_text(rows=[["", "felt cheerful", "felt calm", "felt active", "woke fresh",
                            "daily life"], ["1", "3", "4", "2", "1", "5"]])
    path = write(tmp_path / "d.csv", text)
    with pytest.warns(PsychometricsWarning, match="row 2 read as extra header rows"):
        frame = read_data(path, instrument="who5")
    assert frame["id"].tolist() == ["1"]
    assert len(read_data(path, instrument="who5", skip_rows=0)) == 2
    # One-word answers in every item are a respondent's junk, reported, never skipped.
    junk = write(tmp_path / "j.csv", who5_text(rows=[["1", "x", "y", "z", "w", "v"],
                                                    ["2", "3", "4", "2", "1", "5"]]))
    assert len(read_data(junk, instrument="who5")) == 2


def test_comment_and_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "# a\n# b\nid,who5_1\n1,3\n\n# c\n2,4\n3,5\n")
    frame = read_data(path)
    assert frame["id"].tolist() == ["1", "2", "3"]
    assert sheet_rows(frame, [0, 1, 2]).tolist() == [4, 7, 8]
    assert sheet_rows(frame.iloc[:2], [0, 1]).tolist() == [2, 3]  # a subset: its own rows


def test_quoted_cells_with_newlines_hashes_and_separators(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", 'id,note,who5_1\n1,"two\n# lines, really",3\n2,"a;b",4\n')
    frame = read_data(path)
    assert frame["note"].tolist() == ["two\n# lines, really", "a;b"]
    assert frame["who5_1"].tolist() == [3, 4]


def test_ragged_rows_name_the_row(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "# c\nid,who5_1\n1,3\n2,4,5\n")
    with pytest.raises(PsychometricsError, match=r"row 4: 3 cells where the header has 2"):
        read_data(path)


def test_duplicate_header_names_are_said(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,who5_1,who5_1\n1,3,4\n")
    with pytest.warns(PsychometricsWarning, match="'who5_1' occurs more than once"):
        frame = read_data(path)
    assert list(frame.columns) == ["id", "who5_1", "who5_1.1"]


def test_empty_and_folder_and_binary(tmp_path: Path) -> None:
    with pytest.raises(PsychometricsError, match="is empty"):
        read_data(write(tmp_path / "e.csv", ""))
    with pytest.raises(PsychometricsError, match="is a folder"):
        read_data(tmp_path)
    path = tmp_path / "b.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 200 + b"\xff")
    with pytest.raises(PsychometricsError, match=r"not a text file|UTF-16"):
        read_data(path)


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_parquet_and_feather(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"id": ["0001", "0002"], **{c: [3.0, np.nan] for c in WHO5}})
    path = tmp_path / f"d{suffix}"
    (frame.to_parquet if suffix == ".parquet" else frame.to_feather)(path)
    back = read_data(path)
    assert back["id"].tolist() == ["0001", "0002"]
    assert back.attrs["format"] == ("Parquet" if suffix == ".parquet" else "Feather")
    assert validate(back, "who5").problems["rule"].tolist() == ["no_answers"]


def test_a_row_starting_with_hash_below_the_header_is_a_respondent(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "# provenance, with commas\nid,who5_1,who5_2\n"
                 "#12,3,4\n# a note\n#N/A,1,2\n")
    frame = read_data(path)
    assert frame["id"].tolist()[0] == "#12" and np.isnan(frame["id"].tolist()[1])
    assert sheet_rows(frame, [0, 1]).tolist() == [3, 5]


def test_excel_cells_follow_the_same_rules(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    import datetime as dt

    path = tmp_path / "d.xlsx"
    pd.DataFrame({"id": ["0001", "0002"], "when": [dt.datetime(2024, 1, 2), None],
                  "who5_1": [3, "#N/A"], "who5_2": ["N/A", 4]}).to_excel(path, index=False)
    frame = read_data(path)
    assert frame["id"].tolist() == ["0001", "0002"]
    assert frame["when"].tolist()[0] == dt.datetime(2024, 1, 2)  # a date, not nanoseconds
    assert frame["who5_1"].tolist()[0] == 3 and np.isnan(frame["who5_1"].tolist()[1])
    assert frame.attrs["missing_markers"]["who5_2"] == {"N/A": 1}
    assert sheet_rows(frame, [0, 1]).tolist() == [2, 3]
