"""No traceback ever reaches a CLI user: every command, given malformed arguments and files,
ends with one-line ``error:`` messages on stderr and exit 2 (usage, definition, file) or 1
(invalid data)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from psychometrics.cli import build_parser, main

GSE = [f"gse_{j}" for j in range(1, 11)]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    good = d / "good.csv"
    pd.DataFrame({"id": ["a", "b", "c"], **{c: [1, 2, 3] for c in GSE}}).to_csv(good,
                                                                                 index=False)
    out = {"good": good, "missing": d / "nope.csv", "folder": d}
    (d / "empty.csv").write_bytes(b"")
    (d / "zeros.csv").write_bytes(b"\x00\x01\x02" * 100)
    (d / "latin.csv").write_bytes(b"id,gse_1\n\x81\x8d\x90,1\n")
    (d / "zip.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (d / "fake.sav").write_bytes(b"$FL2 not really SPSS")
    (d / "fake.parquet").write_bytes(b"PAR1 not really parquet")
    (d / "ragged.csv").write_text("id,gse_1\na,1\nb,2,3\n")
    (d / "headeronly.csv").write_text("id,gse_1\n")
    (d / "junk.csv").write_text("id,gse_1,gse_2\na,x,#N/A\n")
    (d / "bad.yaml").write_text("id: x\nname: [unclosed\n")
    (d / "map.yaml").write_text("- not a mapping\n")
    for name in ["empty.csv", "zeros.csv", "latin.csv", "zip.xlsx", "fake.sav",
                 "fake.parquet", "ragged.csv", "headeronly.csv", "junk.csv", "bad.yaml",
                 "map.yaml"]:
        out[name] = d / name
    return out


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _positionals(p: argparse.ArgumentParser) -> list[str]:
    return [a.dest for a in p._actions if not a.option_strings and a.dest != "help"]


def _options(p: argparse.ArgumentParser) -> set[str]:
    return {s for a in p._actions for s in a.option_strings}


def cases(files: dict[str, Path]) -> list[list[str]]:
    out: list[list[str]] = [["--bogus"], ["no-such-command"]]
    bad_data = [files[k] for k in ["missing", "folder", "empty.csv", "zeros.csv",
                                   "latin.csv", "zip.xlsx", "fake.sav", "fake.parquet",
                                   "ragged.csv", "headeronly.csv", "junk.csv"]]
    for name, p in commands().items():
        out.append([name, "--bogus-option"])
        pos = _positionals(p)
        opts = _options(p)

        def argv(instrument: str = "gse", data: Path = files["good"], *, _pos: list[str] = pos,
                 _name: str = name) -> list[str]:
            fill = {"instrument": instrument, "data": str(data), "format": "redcap",
                    "source": str(data)}
            return [_name, *[fill.get(d, str(data)) for d in _pos]]

        if "instrument" in pos:
            for bad in ["gse-99", str(files["bad.yaml"]), str(files["missing"].with_suffix(
                    ".yaml")), ""]:
                out.append(argv(instrument=bad))
        if "data" in pos or "source" in pos:
            out.extend(argv(data=b) for b in bad_data)
        if "--columns" in opts:
            for bad in ["gse_1=", "a=b,c", "=x", "{x}", "{n", "}", str(files["map.yaml"]),
                        str(files["missing"].with_suffix(".yaml")), "Q{n}"]:
                out.append([*argv(), "--columns", bad])
        if "--overlay" in opts:
            out.append([*argv(), "--overlay", str(files["missing"].with_suffix(".yaml"))])
        if "--sheet" in opts:
            out.append([*argv(data=files["zip.xlsx"]), "--sheet", "nope"])
        if "--sep" in opts:
            out.append([*argv(), "--sep", ";;"])
        if "--skip-rows" in opts:
            out.append([*argv(), "--skip-rows", "-3"])
            out.append([*argv(), "--skip-rows", "x"])
        if "--encoding" in opts:
            out.append([*argv(), "--encoding", "no-such-codec"])
        if "--id-column" in opts:
            out.append([*argv(), "--id-column", "nope"])
        if "-o" in opts and name != "demo":
            for bad in [files["folder"], files["folder"] / "x.unknown",
                        files["folder"] / "no" / "dir" / "x.csv"]:
                out.append([*argv(), "-o", str(bad)])
    return out


def test_every_command_fails_cleanly(files: dict[str, Path], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # commands that succeed write their default files here
    seen = 0
    for argv in cases(files):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
        captured = capsys.readouterr()
        err = captured.err
        assert "Traceback" not in err + captured.out, argv
        if code == 0:  # a case the command accepts (e.g. efa with unknown columns is fine)
            continue
        seen += 1
        assert code in (1, 2), (argv, code, err)
        lines = [line for line in err.splitlines() if line.strip()]
        if code == 1 and not lines:  # validate: the report on stdout says what is wrong
            assert "NOT OK" in captured.out, argv
            continue
        assert lines, (argv, "no message")
        assert all(line.startswith(("error: ", "warning: ")) for line in lines), (argv, err)
        assert "internal error" not in err, (argv, err)
    assert seen > 100


def test_usage_errors_are_one_line_exit_2(files: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["score", "gse"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: psychometrics score: ")
    assert main(["score", "gse", str(files["good"]), "-o", str(files["folder"])]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["score", "gse", str(files["good"]), "-o", "x.docx"]) == 2
    assert "unknown output format '.docx'" in capsys.readouterr().err
    assert main(["score", "gse", str(files["good"]), "--columns", "a=b,c"]) == 2
    assert "--columns 'a=b,c': expected" in capsys.readouterr().err
    assert main(["validate", "gse", str(files["junk.csv"]), "--columns", "gse_1=gse_1"]) == 1


def test_no_traceback_through_the_real_entry_point(files: dict[str, Path]) -> None:
    for argv in (["score", "gse", str(files["zip.xlsx"])],
                 ["validate", "gse", str(files["latin.csv"])],
                 ["score", "gse", str(files["good"]), "-o", str(files["folder"])]):
        proc = subprocess.run([sys.executable, "-m", "psychometrics", *argv],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1


def test_interrupt_and_internal_errors_are_one_line(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import psychometrics.cli.cmd_core as core

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    def broken(args: argparse.Namespace) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(core, "cmd_list", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"
    monkeypatch.setattr(core, "cmd_list", broken)
    monkeypatch.delenv("PSYCHOMETRICS_DEBUG", raising=False)
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: internal error (ZeroDivisionError: a bug)") and \
        err.count("\n") == 1


def test_html_commands_refuse_other_suffixes(files: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.unknown"
    assert main(["report", "gse", str(files["good"]), "-o", str(out)]) == 2
    assert "unknown output format '.unknown'" in capsys.readouterr().err
    assert main(["evaluate", "study.yaml", "-o", str(tmp_path / "x.csv")]) == 2
    assert "unknown output format '.csv'" in capsys.readouterr().err
    assert not out.exists()
