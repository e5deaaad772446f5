"""The reliability command streams Parquet files (several, globs, directories) and runs on
a Dask scheduler; its numbers equal the in-memory command's."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics.cli import main

pytest.importorskip("pyarrow")


def _table(capsys: pytest.CaptureFixture[str], args: list[str]) -> pd.DataFrame:
    assert main(args) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


NUMBERS = ["n", "alpha", "alpha_lower", "alpha_upper", "std_alpha", "g6", "average_r"]


def test_streamed_parquet_equals_in_memory(parquet_files: dict[str, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    direct = _table(capsys, ["reliability", "acs", str(parquet_files["csv"]), "--group", "role",
                             "--format", "csv"])
    parts = sorted(str(p) for p in parquet_files["dir"].glob("*.parquet"))
    for args in (parts, [str(parquet_files["dir"] / "*.parquet")]):
        streamed = _table(capsys, ["reliability", "acs", *args, "--group", "role",
                                   "--format", "csv"])
        np.testing.assert_allclose(streamed[NUMBERS].to_numpy(float),
                                   direct[NUMBERS].to_numpy(float), atol=1e-10)
    assert main(["reliability", "acs", parts[0]]) == 0
    err = capsys.readouterr().err
    assert "reading [" in err and "40/40" in err  # the progress bar


def test_streaming_errors_are_one_line(parquet_files: dict[str, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reliability", "acs", str(parquet_files["dir"] / "nothing*.parquet")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: no file matches '{parquet_files['dir'] / 'nothing*.parquet'}'")
    assert main(["reliability", "acs", str(parquet_files["csv"]), str(parquet_files["csv"])]) == 2
    assert "need Parquet" in capsys.readouterr().err
    assert main(["reliability", "acs", str(parquet_files["dir"]), "--ci-method", "bootstrap"]) == 2
    assert "bootstrap" in capsys.readouterr().err


def test_on_a_dask_scheduler(parquet_files: dict[str, Path],
                             capsys: pytest.CaptureFixture[str], dask_cluster) -> None:
    direct = _table(capsys, ["reliability", "acs", str(parquet_files["csv"]), "--format", "csv"])
    on_dask = _table(capsys, ["reliability", "acs", str(parquet_files["dir"]), "--dask",
                              dask_cluster.scheduler_address, "--format", "csv"])
    np.testing.assert_allclose(on_dask[NUMBERS].to_numpy(float),
                               direct[NUMBERS].to_numpy(float), atol=1e-10)
