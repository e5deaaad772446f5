"""Respondents are named the same way everywhere: by id and by the row a spreadsheet shows
(1-based, header counted); ids are checked (blank, duplicate) and carried into scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.cli import main

GSE = [f"gse_{j}" for j in range(1, 11)]


def gse_csv(path: Path, ids: list[str], bad: dict[int, int] | None = None,
            head: str = "", id_name: str = "ResponseId") -> Path:
    lines = [f"{id_name}," + ",".join(GSE)]
    for r, rid in enumerate(ids):
        cells = ["2"] * 10
        for col, value in (bad or {}).items() if r == 1 else ():
            cells[col] = str(value)
        lines.append(f"{rid}," + ",".join(cells))
    path.write_text(head + "\n".join(lines) + "\n")
    return path


def test_blank_ids_are_errors_and_never_a_duplicate_nan(tmp_path: Path) -> None:
    frame = pm.read_data(gse_csv(tmp_path / "d.csv", ["0001", "", " ", "0004"]),
                         instrument="gse")
    report = pm.validate(frame, "gse")
    assert report.id_column == "ResponseId" and report.id_source == "detected"
    blank = report.problems[report.problems["rule"] == "blank_id"]
    # Found by its name, the column's blanks are warnings; named by the user, errors.
    assert blank["sheet_row"].tolist() == [3, 4] and (blank["severity"] == "warning").all()
    assert blank["message"].tolist()[0] == "row 3, column ResponseId: the respondent id is blank"
    assert "duplicate_id" not in set(report.problems["rule"])
    given = pm.validate(frame, "gse", id_column="ResponseId")
    assert given.errors["rule"].tolist() == ["blank_id", "blank_id"] and not given.ok


def test_duplicate_ids_name_every_row(tmp_path: Path) -> None:
    frame = pm.read_data(gse_csv(tmp_path / "d.csv", ["a", "b", "a"]), instrument="gse")
    dup = pm.validate(frame, "gse", id_column="ResponseId").errors
    assert dup["message"].tolist() == [
        "row 2, column ResponseId: respondent id 'a' occurs more than once (rows 2, 4)",
        "row 4, column ResponseId: respondent id 'a' occurs more than once (rows 2, 4)"]


def test_an_item_column_with_no_answers_is_reported_and_warned(tmp_path: Path) -> None:
    data = pd.DataFrame({c: [1, 2, 3] for c in GSE}).assign(gse_4=np.nan)
    report = pm.validate(data, "gse")
    empty = report.problems[report.problems["rule"] == "empty_column"]
    assert empty[["column", "severity"]].values.tolist() == [["gse_4", "warning"]]
    with pytest.warns(pm.PsychometricsWarning, match="gse_4 hold no answers in any of the 3"):
        pm.score(data, "gse")


def test_rows_with_no_item_answered_are_reported(tmp_path: Path) -> None:
    data = pd.DataFrame({c: [1.0, np.nan] for c in GSE})
    rows = pm.validate(data, "gse").warnings
    assert rows[["rule", "sheet_row"]].values.tolist() == [["no_answers", 3]]


def test_score_and_validate_name_a_cell_alike(tmp_path: Path) -> None:
    # Before, score printed the 0-based index where validate printed the respondent id.
    path = gse_csv(tmp_path / "d.csv", ["0001", "0002"], bad={2: 7}, head="# exported\n")
    frame = pm.read_data(path, instrument="gse")
    said = "row 4 (id '0002'), column gse_3: value 7 is not a response value"
    assert said in pm.validate(frame, "gse").errors["message"].iloc[0]
    with pytest.raises(pm.DataValidationError, match=r"row 4 \(id '0002'\), column gse_3"):
        pm.score(frame, "gse")


def test_scores_carry_the_id(tmp_path: Path) -> None:
    frame = pm.read_data(gse_csv(tmp_path / "d.csv", ["0001", "0002"]), instrument="gse")
    out = pm.score(frame, "gse")
    assert out.columns[0] == "ResponseId" and out["ResponseId"].tolist() == ["0001", "0002"]
    meta = out.attrs["psychometrics"]
    assert (meta["id_column"], meta["id_source"]) == ("ResponseId", "detected")
    given = pm.score(frame.assign(other=["x", "y"]), "gse", id_column="other")
    assert given.columns[0] == "other" and given.attrs["psychometrics"]["id_source"] == "given"
    bare = pm.score(frame.drop(columns="ResponseId"), "gse")
    assert bare.attrs["psychometrics"]["id_column"] is None


def test_cli_scores_carry_id_and_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path = gse_csv(tmp_path / "d.csv", ["0001", "0002"], head="# a comment line\n")
    out = tmp_path / "s.csv"
    assert main(["score", "gse", str(path), "-o", str(out)]) == 0
    text = out.read_text()
    assert "# respondents: id column 'ResponseId' (the file's first id-like column)" in text
    back = pd.read_csv(out, comment="#", dtype={"ResponseId": str})
    assert back["row"].tolist() == [3, 4] and back["ResponseId"].tolist() == ["0001", "0002"]


def test_a_report_is_scored_without_preparing_again(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import psychometrics.scoring

    data = pd.DataFrame({c: [1, 2, 4] for c in GSE})
    report = pm.validate(data, "gse")
    expected = pm.score(data, "gse")

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the items were prepared again")

    monkeypatch.setattr(psychometrics.scoring, "prepare_items", fail)
    pd.testing.assert_frame_equal(pm.score(data, "gse", report=report), expected)
    with pytest.raises(ValueError, match="checked 3 rows, the data have 2"):
        pm.score(data.iloc[:2], "gse", report=report)
