"""On a real dask.distributed LocalCluster (2 workers on 127.0.0.1): scoring a Dask
DataFrame returns a Dask DataFrame equal to the in-memory scores, validation merges the
partitions' reports into the in-memory report, and the statistics read a Dask DataFrame
into moments with the in-memory results."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_mentorship
from psychometrics.errors import DataValidationError, PsychometricsWarning

pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

KEY = ["rule", "row", "sheet_row", "column", "item", "value", "severity", "message"]


def _sorted(problems: pd.DataFrame) -> pd.DataFrame:
    out = problems[KEY].astype(str)
    return out.sort_values(KEY).reset_index(drop=True)


def test_score_returns_a_dask_dataframe(dask_client) -> None:
    assert len(dask_client.scheduler_info()["workers"]) == 2
    data = load_mentorship()
    ddf = dd.from_pandas(data, npartitions=4)
    got = pm.score(ddf, ["gse", "acs", "who5"], on_invalid="nan")
    assert type(got).__module__.split(".")[0] in ("dask", "dask_expr")
    want = pm.score(data, ["gse", "acs", "who5"], on_invalid="nan")
    pd.testing.assert_frame_equal(got.compute(), want)
    with pytest.raises(DataValidationError, match=r"(?s)partition \d.*gse_3: value 5"):
        pm.score(ddf, "gse").compute()


def test_validation_merges_partitions(dask_client) -> None:
    data = load_mentorship()
    data.loc[[10, 100], "response_id"] = data.loc[0, "response_id"]  # across partitions
    data.loc[[30, 90], "gse_2"] = -99  # missing codes in two partitions: counts merge
    data["acs_5"] = np.nan  # empty everywhere: reported once
    data.loc[[5, 80], "acs_6"] = 99
    for inst in ("gse", "acs"):
        want = pm.validate(data, inst, id_column="response_id")
        got = pm.validate(dd.from_pandas(data, npartitions=4), inst, id_column="response_id")
        assert got.n_rows == want.n_rows and got.ok == want.ok
        pd.testing.assert_series_equal(got.missing, want.missing)
        pd.testing.assert_frame_equal(_sorted(got.problems), _sorted(want.problems))
        assert got.counts().sort_values("rule").to_numpy().tolist() == \
            want.counts().sort_values("rule").to_numpy().tolist()


def test_statistics_read_a_dask_dataframe(dask_client) -> None:
    rng = np.random.default_rng(8)
    f = rng.normal(size=(3000, 1))
    X = np.clip(np.round(3 + 0.8 * f + rng.normal(size=(3000, 6))), 1, 5)
    X[rng.random(X.shape) < 0.05] = np.nan
    frame = pd.DataFrame(X, columns=[f"q{j}" for j in range(1, 7)])
    ddf = dd.from_pandas(frame, npartitions=5)
    model = "f =~ q1 + q2 + q3 + q4 + q5 + q6"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        a, b = pm.efa(frame, 1), pm.efa(ddf, 1)
        np.testing.assert_allclose(b.loadings.to_numpy(), a.loadings.to_numpy(), atol=1e-8)
        a, b = pm.cfa(frame, model, missing="fiml"), pm.cfa(ddf, model, missing="fiml")
        np.testing.assert_allclose(b.fit.to_numpy(float), a.fit.to_numpy(float), rtol=1e-8)
        a, b = pm.polychoric(frame), pm.polychoric(ddf)
        np.testing.assert_allclose(b.rho.to_numpy(), a.rho.to_numpy(), atol=1e-8)
        a, b = pm.kmo(frame), pm.kmo(ddf)
        assert abs(a.msa - b.msa) < 1e-10
