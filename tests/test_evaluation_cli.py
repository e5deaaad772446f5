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


def test_demo_writes_the_example_files_and_they_evaluate(tmp_path: Path, capsys) -> None:
    assert main(["demo", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "Change from baseline" in out.replace(
        "4. Change from baseline to one year", "Change from baseline")
    # the invariance verdicts of the bundled study: one line per instrument, as the table
    assert "4. Measurement invariance" in out
    for inst in ("acs", "gse", "css", "who5"):
        assert f"  {inst:<5} role at baseline: " in out
    for name in ("mentorship.csv", "mentorship-study.yaml", "mentorship-evaluation.html",
                 "scores.csv"):
        assert (tmp_path / name).is_file(), name
    # the copied study evaluates the copied data: the README's next command works
    assert main(["evaluate", str(tmp_path / "mentorship-study.yaml"), "-o",
                 str(tmp_path / "again.html")]) == 0
    assert "Faculty (mentors)" in (tmp_path / "again.html").read_text(encoding="utf-8")


def test_demo_without_a_folder_writes_only_the_report(tmp_path: Path, monkeypatch,
                                                      capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mentorship-evaluation.html"]
    assert "wrote" in capsys.readouterr().out


def test_evaluate_prints_the_study_schema(tmp_path: Path, capsys) -> None:
    import json

    from psychometrics.evaluation.study import study_json_schema

    assert main(["evaluate", "--schema", "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == json.loads(
        json.dumps(study_json_schema()))
    assert main(["evaluate"]) == 2
    assert "give the study YAML" in capsys.readouterr().err
