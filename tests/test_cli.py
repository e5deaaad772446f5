"""The command line: exit codes 0 / 1 / 2, errors on stderr, provenance in output files."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from psychometrics.cli import main
from psychometrics.datasets import load_mentorship

GSE = [f"gse_{j}" for j in range(1, 11)]


@pytest.fixture
def gse_csv(tmp_path):
    path = tmp_path / "gse.csv"
    pd.DataFrame({"rid": ["a", "b"], **{f"Q{j}": [3, 4] for j in range(1, 11)}}).to_csv(
        path, index=False)
    return path


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "gse" in out and "who5" in out and "text licensed" in out
    assert main(["show", "acs"]) == 0
    out = capsys.readouterr().out
    assert "acs_4 (reversed): [paraphrase]" in out and "10.1111/j.2044-8325.1990" in out


def test_schema_prints_json(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("Instrument")


def test_score_writes_provenance_and_roundtrips(gse_csv, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    code = main(["score", "gse", str(gse_csv), "--columns", "Q{n}", "--id-column", "rid",
                 "-o", str(out)])
    assert code == 0
    text = out.read_text()
    assert text.startswith("# psychometrics ")
    assert "instrument gse definition 1.0.0 sha256:" in text
    scores = pd.read_csv(out, comment="#", index_col=0)
    assert scores["gse_total"].tolist() == [30, 40]
    assert scores["rid"].tolist() == ["a", "b"]
    js = tmp_path / "scores.json"
    assert main(["score", "gse", str(gse_csv), "--columns", "Q{n}", "-o", str(js)]) == 0
    payload = json.loads(js.read_text())
    assert payload["provenance"][0]["instrument"] == "gse"
    assert payload["data"][1]["gse_total"] == 40


def test_invalid_data_exit_1_usage_exit_2(gse_csv, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({f"gse_{j}": [3, 9] for j in range(1, 11)}).to_csv(bad, index=False)
    assert main(["validate", "gse", str(bad)]) == 1
    assert "NOT OK" in capsys.readouterr().out
    assert main(["score", "gse", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "error: row 3, column gse_1: value 9" in err  # data row 2 of the file
    assert main(["score", "gse-99", str(bad)]) == 2
    assert "unknown instrument 'gse-99'" in capsys.readouterr().err
    assert main(["score", "gse", str(tmp_path / "nope.csv")]) == 2
    assert main(["validate", "gse", str(bad), "--format", "csv"]) == 1
    assert "out_of_scale" in capsys.readouterr().out


def test_definition_error_points_at_the_yaml_line(tmp_path, capsys):
    path = tmp_path / "x.yaml"
    path.write_text("id: x\nname: y\nbogus: 1\n")
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"error: {path}:3:") and "bogus" in line for line in err)


def test_demo_runs_and_says_synthetic(capsys, tmp_path):
    assert main(["demo", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "gse_total" in out
    scores = pd.read_csv(tmp_path / "scores.csv", comment="#", index_col=0)
    assert len(scores) == len(load_mentorship())


def test_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "psychometrics", "--help"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "validate" in proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["list"]])
def test_help_and_list_start_light(argv):
    # Start-up time (issue 17) is measured in benchmarks/bench_cli.py; this guards its cause:
    # printing help or the list must not import pandas, numpy, scipy or pydantic.
    code = ("import runpy, sys\n"
            f"sys.argv = ['psychometrics', *{argv!r}]\n"
            "try:\n    runpy.run_module('psychometrics', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'pydantic') if m in sys.modules]\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert "HEAVY []" in proc.stderr, proc.stderr


def test_reading_options(tmp_path, capsys):
    path = tmp_path / "eu.txt"
    path.write_bytes("rid;gse_w;".encode("cp1252") + ";".join(GSE).encode() + b"\n"
                     + b"\xe9t\xe9;1,5;" + b";".join([b"2"] * 10) + b"\n")
    out = tmp_path / "s.csv"
    assert main(["score", "gse", str(path), "--sep", ";", "--decimal", ",", "--encoding",
                 "cp1252", "--id-column", "rid", "-o", str(out)]) == 0
    scores = pd.read_csv(out, comment="#")
    assert scores["rid"].tolist() == ["été"] and scores["gse_total"].tolist() == [20]
    qualtrics = tmp_path / "q.csv"
    qualtrics.write_text("rid," + ",".join(GSE) + "\n" + "Q," * 10 + "Q\n"
                         + "r1," + ",".join(["3"] * 10) + "\n")
    assert main(["validate", "gse", str(qualtrics), "--skip-rows", "1"]) == 0
    assert main(["validate", "gse", str(qualtrics), "--skip-rows", "0"]) == 1
    assert "row 2" in capsys.readouterr().out
