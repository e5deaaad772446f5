"""The reliability command streams Parquet files (several, globs, directories) and runs on
a Dask scheduler; its numbers equal the in-memory command's."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from psychometrics.cli import main
from psychometrics.datasets import load_mentorship

pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("parquet")
    data = load_mentorship()
    for i in range(3):
        data.iloc[i * 40 : (i + 1) * 40].to_parquet(folder / f"part{i}.parquet")
    data.to_csv(folder / "all.csv", index=False)
    return {"dir": folder, "csv": folder / "all.csv"}


def _table(capsys: pytest.CaptureFixture[str], args: list[str]) -> pd.DataFrame:
    assert main(args) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


NUMBERS = ["n", "alpha", "alpha_lower", "alpha_upper", "std_alpha", "g6", "average_r"]


def test_streamed_parquet_equals_in_memory(files: dict[str, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    direct = _table(capsys, ["reliability", "acs", str(files["csv"]), "--group", "role",
                             "--format", "csv"])
    parts = sorted(str(p) for p in files["dir"].glob("*.parquet"))
    for args in (parts, [str(files["dir"] / "*.parquet")]):
        streamed = _table(capsys, ["reliability", "acs", *args, "--group", "role",
                                   "--format", "csv"])
        np.testing.assert_allclose(streamed[NUMBERS].to_numpy(float),
                                   direct[NUMBERS].to_numpy(float), atol=1e-10)
    assert main(["reliability", "acs", parts[0]]) == 0
    err = capsys.readouterr().err
    assert "reading [" in err and "40/40" in err  # the progress bar


def test_streaming_errors_are_one_line(files: dict[str, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reliability", "acs", str(files["dir"] / "nothing*.parquet")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: no file matches '{files['dir'] / 'nothing*.parquet'}'")
    assert main(["reliability", "acs", str(files["csv"]), str(files["csv"])]) == 2
    assert "need Parquet" in capsys.readouterr().err
    assert main(["reliability", "acs", str(files["dir"]), "--ci-method", "bootstrap"]) == 2
    assert "bootstrap" in capsys.readouterr().err


def test_on_a_dask_scheduler(files: dict[str, Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           worker_dashboard_address=None)
    try:
        direct = _table(capsys, ["reliability", "acs", str(files["csv"]), "--format", "csv"])
        on_dask = _table(capsys, ["reliability", "acs", str(files["dir"]), "--dask",
                                  cluster.scheduler_address, "--format", "csv"])
    finally:
        cluster.close()
    np.testing.assert_allclose(on_dask[NUMBERS].to_numpy(float),
                               direct[NUMBERS].to_numpy(float), atol=1e-10)
