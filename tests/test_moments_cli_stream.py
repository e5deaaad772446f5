"""efa and cfa commands stream Parquet files (and run on a Dask scheduler) with the same
numbers as the in-memory commands."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from psychometrics.cli import main
from psychometrics.datasets import load_mentorship

pytest.importorskip("pyarrow")


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _numbers(obj: object) -> list[float]:
    """Every number of a JSON result, in order."""
    if isinstance(obj, dict):
        return [x for key in obj for x in _numbers(obj[key])]
    if isinstance(obj, list):
        return [x for v in obj for x in _numbers(v)]
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        return [float(obj)]
    return []


@pytest.mark.parametrize("args", [
    ["efa", "acs", "--factors", "2"],
    ["efa", "gse", "--n-iter", "5", "--seed", "3"],
    ["cfa", "gse"],
    ["cfa", "gse", "--estimator", "MLR"],
    ["cfa", "gse", "--missing", "fiml"],
    ["cfa", "gse", "--group", "role", "--group-equal", "loadings"],
])
def test_streamed_equals_in_memory(parquet_files: dict[str, Path],
                                   capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    direct = _json(capsys, [args[0], args[1], str(parquet_files["csv"]), *args[2:]])
    streamed = _json(capsys, [args[0], args[1], str(parquet_files["dir"] / "*.parquet"),
                              *args[2:]])
    key = args[0]
    a, b = _numbers(direct[key]), _numbers(streamed[key])
    assert len(a) == len(b) > 10
    np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-8)
    if "parallel_analysis" in direct:
        assert direct["parallel_analysis"]["n_factors"] == \
            streamed["parallel_analysis"]["n_factors"]


def test_progress_bar_and_errors(parquet_files: dict[str, Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cfa", "gse", str(parquet_files["dir"])]) == 0
    assert "reading [" in capsys.readouterr().err
    assert main(["efa", "acs", str(parquet_files["dir"] / "none*.parquet")]) == 2
    assert "no file matches" in capsys.readouterr().err
    assert main(["cfa", "gse", str(parquet_files["dir"]), "--group", "nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err


def test_on_a_dask_scheduler(parquet_files: dict[str, Path],
                             capsys: pytest.CaptureFixture[str], dask_cluster) -> None:
    for args in (["cfa", "gse", "--estimator", "MLR"], ["efa", "acs", "--factors", "2"]):
        direct = _json(capsys, [args[0], args[1], str(parquet_files["csv"]), *args[2:]])
        on_dask = _json(capsys, [args[0], args[1], str(parquet_files["dir"]), *args[2:],
                                 "--dask", dask_cluster.scheduler_address])
        np.testing.assert_allclose(_numbers(on_dask[args[0]]), _numbers(direct[args[0]]),
                                   rtol=1e-8, atol=1e-8)


def _scores(path: Path) -> Any:
    import pandas as pd

    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, comment="#", index_col=0)


def test_score_streams_parquet(parquet_files: dict[str, Path], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    direct = tmp_path / "direct.csv"
    assert main(["score", "gse,acs", str(parquet_files["csv"]), "--on-invalid", "nan", "-o",
                 str(direct)]) == 0
    want = _scores(direct)
    for name in ("streamed.csv", "streamed.parquet"):
        out = tmp_path / name
        assert main(["score", "gse,acs", str(parquet_files["dir"] / "*.parquet"), "--on-invalid",
                     "nan", "-o", str(out)]) == 0
        got = _scores(out)
        assert list(got.index) == list(want.index)  # the rows of the whole data
        for col in want.columns:
            if pd.api.types.is_numeric_dtype(want[col]):
                np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float),
                                           atol=1e-12)
            else:
                assert got[col].astype(str).tolist() == want[col].astype(str).tolist()
    assert "scoring [" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    data = load_mentorship()
    data.loc[17, "gse_3"] = 3  # the one unusable cell of the bundled data
    data.loc[100, "gse_1"] = 9
    data.iloc[:60].to_parquet(bad / "a.parquet")
    data.iloc[60:].to_parquet(bad / "b.parquet")
    assert main(["score", "gse", str(bad), "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 102" in err and "gse_1" in err and "Traceback" not in err
    assert main(["score", "gse", str(bad), "-o", str(tmp_path / "x.json")]) == 2
    assert "unknown output format" in capsys.readouterr().err


def test_score_on_a_dask_scheduler(parquet_files: dict[str, Path], tmp_path: Path,
                                   dask_cluster) -> None:
    assert main(["score", "gse,acs", str(parquet_files["csv"]), "--on-invalid", "nan", "-o",
                 str(tmp_path / "a.csv")]) == 0
    assert main(["score", "gse,acs", str(parquet_files["dir"]), "--on-invalid", "nan", "-o",
                 str(tmp_path / "b.parquet"), "--dask", dask_cluster.scheduler_address]) == 0
    want, got = _scores(tmp_path / "a.csv"), _scores(tmp_path / "b.parquet")
    assert list(got.index) == list(want.index)
    num = want.select_dtypes("number").columns
    np.testing.assert_allclose(got[num].to_numpy(float), want[num].to_numpy(float), atol=1e-12)
