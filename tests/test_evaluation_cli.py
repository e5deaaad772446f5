"""``psychometrics evaluate`` and ``psychometrics demo``: files written, errors on one line."""

from __future__ import annotations

from pathlib import Path

from psychometrics.cli import main
from psychometrics.datasets import load_mentorship, mentorship_study_path


def test_evaluate_writes_the_report_and_the_tables(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ev.html"
    code = main(["evaluate", str(mentorship_study_path()), "-o", str(out), "--tables",
                 str(tmp_path / "t")])
    assert code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "t" / "change.csv").is_file()
    assert (tmp_path / "t" / "evaluation.xlsx").is_file()
    assert "wrote" in capsys.readouterr().err


def test_evaluate_errors_are_one_line_with_the_place(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("title: x\nid: p\ndata: [{path: a.csv}]\ninstruments: [{id: gse}]\n"
                   "bogus: 1\n", encoding="utf-8")
    assert main(["evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}:5:") and "Traceback" not in err
    data = load_mentorship()
    data.loc[3, "wave"] = "later"
    data.to_csv(tmp_path / "mentorship.csv", index=False)
    study = tmp_path / "study.yaml"
    study.write_text(mentorship_study_path().read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["evaluate", str(study), "-o", str(tmp_path / "x.html")]) == 1
    err = capsys.readouterr().err
    assert "row 5 (id R004): 'later'" in err and len(err.strip().splitlines()) == 1
