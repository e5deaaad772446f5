"""SPSS, Stata and Excel input: value labels, user-defined missing values, sheets, the CLI.

The fixture files are written by ``tests/fixtures/interop/make_fixtures.py``; the expected
values below follow from its tables (GSE_ROWS, WHO5_ROWS).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics import load_instrument, read_data, score, validate
from psychometrics.cli import main
from psychometrics.errors import PsychometricsError

pytest.importorskip("pyreadstat")
pytest.importorskip("openpyxl")

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
SAV, DTA, XLSX = FIXTURES / "gse.sav", FIXTURES / "who5.dta", FIXTURES / "gse.xlsx"
TOL = 1e-12  # means of a few small integers

# GSE totals (prorated sum, at most 3 of 10 missing) of the six respondents in gse.sav.
GSE_TOTALS = [35.0, 21 / 9 * 10, 11 / 8 * 10, 27 / 9 * 10, 40.0, np.nan]
# Cells holding a user-defined missing value (-99, or 8-9) per item.
GSE_USER_MISSING = {"gse_1": 1, "gse_2": 1, "gse_3": 2, "gse_4": 1, "gse_5": 1, "gse_8": 1}


def test_spss_user_missing_become_missing() -> None:
    frame = read_data(SAV)
    gse = load_instrument("gse")
    assert frame["resp_id"].tolist() == ["R01", "R02", "R03", "R04", "R05", "R06"]
    assert frame.loc[2, "gse_5"] != frame.loc[2, "gse_5"]  # 9 (refused) -> NaN
    np.testing.assert_allclose(score(frame, gse)["gse_total"], GSE_TOTALS, atol=TOL)
    report = validate(frame, gse)
    assert report.ok and (report.problems["severity"] == "info").all()
    # Each user-missing cell keeps its reason (the declared code) in the report.
    reasons = report.problems[report.problems["rule"] == "user_missing"]
    assert dict(zip(reasons["item"], reasons["value"], strict=True)) == GSE_USER_MISSING
    assert frame.attrs["user_missing_cells"] == GSE_USER_MISSING
    assert frame.attrs["user_missing"]["gse_1"] == [[8, 9], -99]
    assert frame.attrs["missing_code"] is None


def test_spss_user_missing_mapped_to_the_instrument_code() -> None:
    gse = load_instrument("gse")
    frame = read_data(SAV, missing_code=gse.missing_codes[0])
    assert frame.loc[1, "gse_3"] == -99 and frame.loc[2, "gse_5"] == -99
    assert frame.loc[3, "gse_4"] != frame.loc[3, "gse_4"]  # system missing stays empty
    report = validate(frame, gse)
    assert report.ok
    codes = report.problems[report.problems["rule"] == "missing_code"]
    assert dict(zip(codes["item"], codes["value"], strict=True)) == GSE_USER_MISSING
    np.testing.assert_allclose(score(frame, gse)["gse_total"], GSE_TOTALS, atol=TOL)


def test_spss_labels_are_kept() -> None:
    frame = read_data(SAV)
    gse = load_instrument("gse")
    labels = frame.attrs["value_labels"]["gse_1"]
    assert {k: labels[k] for k in gse.item_scale("gse_1").values} == \
        gse.item_scale("gse_1").labels
    assert labels[-99] == "No answer" and labels[9] == "Refused"
    assert frame.attrs["value_labels"]["wave"] == {1: "Baseline", 2: "One year"}
    assert frame.attrs["variable_labels"]["gse_2"] == gse.item_map["gse_2"].text
    assert frame["gse_1"].dtype == float  # codes, not labels


def test_stata_extended_missing() -> None:
    who5 = load_instrument("who5")
    frame = read_data(DTA)
    items = who5.item_ids
    assert frame[items].iloc[0].tolist() == [5, 4, 4, 3, 5]
    assert frame[items].iloc[3].isna().all()
    assert frame.attrs["user_missing_cells"] == {"who5_1": 1, "who5_2": 2, "who5_3": 1,
                                                 "who5_4": 1, "who5_5": 1}
    assert set(frame.attrs["user_missing"]["who5_2"]) == {".a", ".b"}
    assert frame.attrs["value_labels"]["who5_3"] == who5.item_scale("who5_3").labels
    raw = score(frame, who5)["who5_raw"].tolist()
    assert raw[0] == 21.0 and raw[4] == 10.0 and np.isnan(raw[1:4]).all()

    coded = read_data(DTA, missing_code=-99)
    assert coded.loc[1, "who5_2"] == -99 and coded.loc[2, "who5_3"] != coded.loc[2, "who5_3"]
    report = validate(coded, who5)
    assert report.ok
    assert report.counts().set_index("rule").loc["missing_code", "count"] == 6


def test_stata_dates_are_kept(tmp_path: Path) -> None:
    # pyreadstat returns a %td date variable as date objects, like a variable with extended
    # missing values; only the latter are recoded.
    import datetime as dt

    import pyreadstat

    path = tmp_path / "dates.dta"
    days = [dt.date(2024, 1, 2), dt.date(2024, 3, 4)]
    pyreadstat.write_dta(pd.DataFrame({"visit": days, "who5_1": [3.0, 4.0]}), str(path))
    frame = read_data(path)
    assert frame["visit"].tolist() == days
    assert frame["who5_1"].tolist() == [3.0, 4.0]
    assert frame.attrs["user_missing_cells"] == {}


def test_stata_without_pyreadstat_falls_back_to_pandas(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    monkeypatch.setitem(sys.modules, "pyreadstat", None)  # import now fails
    frame = read_data(DTA)
    with_pyreadstat = ["who5_1", "who5_2", "who5_3", "who5_4", "who5_5"]
    monkeypatch.undo()
    expected = read_data(DTA)
    pd.testing.assert_frame_equal(frame[with_pyreadstat].astype(float),
                                  expected[with_pyreadstat], check_dtype=False)


def test_spss_without_pyreadstat_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyreadstat", None)
    with pytest.raises(ImportError, match=r"survey-psychometrics\[spss\]"):
        read_data(SAV)


def test_excel_sheets() -> None:
    gse = load_instrument("gse")
    by_name = read_data(XLSX, sheet="responses")
    by_number = read_data(XLSX, sheet=1)
    pd.testing.assert_frame_equal(by_name, by_number)
    report = validate(by_name, gse)
    # Excel has no user-defined missing values: -99 is the declared code, 8 and 9 are errors.
    assert sorted(report.errors["value"].tolist()) == [8, 9]
    assert report.counts().set_index("rule").loc["missing_code", "count"] == 5
    scored = score(by_name, gse, on_invalid="nan")["gse_total"]
    np.testing.assert_allclose(scored, GSE_TOTALS, atol=TOL)
    notes = read_data(XLSX)  # the first sheet holds notes, not responses
    assert not validate(notes, gse).ok


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"")
    with pytest.raises(PsychometricsError, match="is empty"):
        read_data(path)
    with pytest.raises(FileNotFoundError):
        read_data(tmp_path / "missing.csv")


def test_cli_scores_and_validates_spss_stata_excel(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.csv"
    assert main(["score", "gse", str(SAV), "-o", str(out), "--id-column", "resp_id"]) == 0
    scores = pd.read_csv(out, comment="#")
    np.testing.assert_allclose(scores["gse_total"], GSE_TOTALS, atol=TOL)
    assert scores["resp_id"].tolist()[0] == "R01"
    assert main(["validate", "gse", str(SAV)]) == 0
    assert main(["validate", "who5", str(DTA)]) == 0
    assert main(["score", "who5", str(DTA)]) == 0
    assert "who5_raw" in capsys.readouterr().out
    assert main(["validate", "gse", str(XLSX), "--sheet", "responses"]) == 1
    assert "value 9 is not a response value" in capsys.readouterr().out
    assert main(["score", "gse", str(XLSX), "--sheet", "1", "--on-invalid", "nan"]) == 0
