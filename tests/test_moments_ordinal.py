"""Ordered items (WLSMV and the other ordinal estimators) from streamed sources: Parquet files
read in batches, a pyarrow Table and a Dask DataFrame on a real LocalCluster give the
in-memory fit (checked against lavaan 0.6.14 in tests/test_ordinal_*.py) to 1e-8: estimates,
standard errors, chisq, the scaled tests and every fit measure, with missing answers
(listwise and pairwise) and with two groups. A Moments and a one-shot iterator, which cannot
be read twice, are refused with the reason."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_data import REF

import psychometrics as pm
from psychometrics.errors import DataValidationError, PsychometricsWarning
from psychometrics.structural.engine import sem
from psychometrics.structural.errors import DataError
from psychometrics.structural.ordinal_sources import streamed_ordinal_stats
from psychometrics.structural.ordinal_stats import ordinal_sample_stats

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TOL = 1e-8
M_HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
M_AC = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / f"{name}.csv")


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        return fn(*args, **kw)


def _assert_same_fit(a: pm.CFAResult, b: pm.CFAResult, scaled: bool = True) -> None:
    ea, eb = a.estimates, b.estimates
    assert ea.select_dtypes(exclude="number").equals(eb.select_dtypes(exclude="number"))
    num = ea.select_dtypes("number").columns
    np.testing.assert_allclose(eb[num].to_numpy(float), ea[num].to_numpy(float), atol=TOL,
                               rtol=TOL, err_msg="estimates")
    assert list(a.fit.index) == list(b.fit.index)
    # the scaled and robust tests are in the fit Series
    assert scaled == ({"chisq_scaled", "pvalue_scaled", "cfi_robust", "rmsea_robust"}
                      <= set(a.fit.index))
    np.testing.assert_allclose(b.fit.to_numpy(float), a.fit.to_numpy(float), atol=TOL,
                               rtol=TOL, err_msg="fit")
    assert a.groups == b.groups and a.n_obs == b.n_obs
    np.testing.assert_allclose(b.vcov.to_numpy(), a.vcov.to_numpy(), atol=TOL, rtol=TOL)


def _parquet_parts(frame: pd.DataFrame, folder: Path, parts: int = 4) -> Path:
    """The rows in ``parts`` Parquet files (read one after the other: several batches)."""
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        pq.write_table(pa.Table.from_pandas(frame.iloc[chunk], preserve_index=False),
                       folder / f"part-{i}.parquet")
    return folder


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return _data("hs_ordinal")


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    """600 bfi rows with their missing answers (33 cells), groups by gender."""
    return _data("bfi_ac_first600_missing")


@pytest.mark.parametrize("estimator", ["WLSMV", "ULSMV", "WLSM", "DWLS"])
def test_parquet_equals_in_memory(hs: pd.DataFrame, tmp_path: Path, estimator: str) -> None:
    path = _parquet_parts(hs.drop(columns="school"), tmp_path / "hs")
    a = _quiet(pm.cfa, hs.drop(columns="school"), M_HS, ordered=True, estimator=estimator)
    b = _quiet(pm.cfa, path, M_HS, ordered=True, estimator=estimator)
    _assert_same_fit(a, b, scaled=estimator != "DWLS")


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_missing_answers_and_two_groups(bfi: pd.DataFrame, tmp_path: Path,
                                        missing: str) -> None:
    path = _parquet_parts(bfi, tmp_path / "bfi", parts=5)
    a = _quiet(pm.cfa, bfi, M_AC, ordered=True, missing=missing, group="gender")
    b = _quiet(pm.cfa, path, M_AC, ordered=True, missing=missing, group="gender")
    _assert_same_fit(a, b)
    assert b.groups == ("1", "2")
    # and one group, from a pyarrow Table in batches of 64 rows (stage 1 directly)
    items = [c for c in bfi.columns if c != "gender"]
    sa = _quiet(ordinal_sample_stats, bfi[items], missing=missing)
    sb = _quiet(streamed_ordinal_stats, pa.Table.from_pandas(bfi), items, missing=missing,
                batch_rows=64)
    (ga,), (gb,) = sa.groups, sb.groups
    assert ga.nobs == gb.nobs and ga.frequencies == gb.frequencies
    np.testing.assert_array_equal(gb.thresholds, ga.thresholds)  # from the same counts
    np.testing.assert_array_equal(gb.correlation, ga.correlation)
    np.testing.assert_allclose(gb.gamma, ga.gamma, rtol=0, atol=1e-12)


def test_groups_invariance_and_sem_from_an_arrow_table(hs: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(hs)
    opts = {"ordered": True, "group": "school", "group_equal": ["thresholds", "loadings"]}
    _assert_same_fit(_quiet(pm.cfa, hs, M_HS, **opts), _quiet(pm.cfa, table, M_HS, **opts))
    model = M_HS + "\ntextual ~ visual"
    _assert_same_fit(_quiet(sem, hs, model, ordered=True, parameterization="theta"),
                     _quiet(sem, table, model, ordered=True, parameterization="theta"))


def test_warnings_columns_and_rows_without_a_group(bfi: pd.DataFrame, tmp_path: Path) -> None:
    frame = bfi.astype({"gender": float})
    frame.loc[[3, 250], "gender"] = np.nan
    renamed = frame.rename(columns={"A1": "q_a1", "C5": "q_c5"})
    path = tmp_path / "bfi.parquet"
    pq.write_table(pa.Table.from_pandas(renamed, preserve_index=False), path)
    with pytest.warns(PsychometricsWarning) as got:
        b = pm.cfa(path, M_AC, ordered=True, group="gender",
                   columns={"A1": "q_a1", "C5": "q_c5"})
    text = " | ".join(str(w.message) for w in got)
    assert "2 rows have no value in the group column 'gender'" in text
    # listwise (the default): rows with a missing answer, named by their source position
    assert "rows have a missing answer and were left out" in text
    assert "(counted from 0)" in text
    a = _quiet(pm.cfa, frame, M_AC, ordered=True, group="gender")
    _assert_same_fit(a, b)
    assert b.groups == ("1.0", "2.0")  # as the in-memory path labels a float column


def test_progress_reports_both_passes(hs: pd.DataFrame, tmp_path: Path) -> None:
    path = _parquet_parts(hs, tmp_path / "hs", parts=3)
    calls: list[tuple[int, int]] = []
    _quiet(pm.cfa, path, M_HS, ordered=True, progress=lambda done, total: calls.append(
        (done, total)))
    ends = [c for c in calls if c == (len(hs), len(hs))]
    assert len(ends) == 2 and calls[0] == (0, len(hs))


def test_what_cannot_be_read_twice_is_refused(hs: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"two passes over the rows.*Moments.*Parquet"):
        pm.cfa(pm.moments(hs, by="school", tables=True), M_HS, ordered=True)
    batches = iter([hs.iloc[:100], hs.iloc[100:]])
    with pytest.raises(DataError, match="can be read only once"):
        pm.cfa(batches, M_HS, ordered=True)
    reader = pa.RecordBatchReader.from_batches(pa.Table.from_pandas(hs).schema,
                                                pa.Table.from_pandas(hs).to_batches())
    with pytest.raises(DataError, match="can be read only once"):
        pm.cfa(reader, M_HS, ordered=True)
    with pytest.raises(TypeError, match="pyarrow Table or a Dask DataFrame"):
        pm.cfa({"x1": [1, 2]}, M_HS, ordered=True)


def test_bad_input_is_named(hs: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "hs.parquet"
    pq.write_table(pa.Table.from_pandas(hs.drop(columns="x9")), path)
    with pytest.raises(pm.errors.MissingColumnError, match="x9"):
        pm.cfa(path, M_HS, ordered=True)
    one = hs.assign(x1=1)
    pq.write_table(pa.Table.from_pandas(one), path)
    with pytest.raises(DataValidationError, match="item 'x1' has a single answer"):
        pm.cfa(path, M_HS, ordered=True)


# stage 1 streamed in random batches equals stage 1 in memory, on random data with missing
# answers, unused categories and groups (the counts are exact; S'S differs in its order)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(40, 160), p=st.integers(2, 5),
       n_cat=st.integers(2, 5), batch=st.integers(1, 70), miss=st.sampled_from(
           ["listwise", "pairwise"]), p_missing=st.sampled_from([0.0, 0.05, 0.2]),
       grouped=st.booleans())
def test_streamed_stage1_equals_in_memory(seed: int, n: int, p: int, n_cat: int, batch: int,
                                          miss: str, p_missing: float,
                                          grouped: bool) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1)) * 0.7 + rng.normal(size=(n, p))
    X = np.digitize(z, np.linspace(-1, 1, n_cat - 1)).astype(float) * 2 + 1  # 1, 3, 5 ...
    X[rng.random(X.shape) < p_missing] = np.nan
    frame = pd.DataFrame(X, columns=[f"v{j}" for j in range(p)])
    items = list(frame.columns)
    if grouped:
        frame["g"] = rng.choice(["b", "a"], size=n)
    kw = {"group": "g"} if grouped else {}

    def run(fn, *args, **kw2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return fn(*args, **kw, **kw2)
            except (ValueError, DataValidationError) as exc:  # e.g. an empty category
                return type(exc)

    want = run(ordinal_sample_stats, frame, items, missing=miss)
    got = run(streamed_ordinal_stats, pa.Table.from_pandas(frame), items, missing=miss,
              batch_rows=batch)
    if isinstance(want, type):
        assert got is want
        return
    assert got.group_labels == want.group_labels
    for a, b in zip(want.groups, got.groups, strict=True):
        assert (a.nobs, a.frequencies, a.categories) == (b.nobs, b.frequencies, b.categories)
        np.testing.assert_array_equal(b.thresholds, a.thresholds)
        np.testing.assert_array_equal(b.correlation, a.correlation)
        np.testing.assert_allclose(b.gamma, a.gamma, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------------------------
# Dask: the two passes per partition on a real LocalCluster
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           worker_dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_dask_equals_in_memory(client, bfi: pd.DataFrame, missing: str) -> None:
    dd = pytest.importorskip("dask.dataframe")
    assert len(client.scheduler_info()["workers"]) == 2
    ddf = dd.from_pandas(bfi, npartitions=4)
    a = _quiet(pm.cfa, bfi, M_AC, ordered=True, missing=missing, group="gender")
    b = _quiet(pm.cfa, ddf, M_AC, ordered=True, missing=missing, group="gender")
    _assert_same_fit(a, b)
    items = [c for c in bfi.columns if c != "gender"]
    _assert_same_fit(_quiet(pm.cfa, bfi[items], M_AC, ordered=True, missing=missing),
                     _quiet(pm.cfa, ddf[items], M_AC, ordered=True, missing=missing))


# --------------------------------------------------------------------------------------------
# the CLI: psychometrics cfa INSTRUMENT 'data/*.parquet' --ordinal
# --------------------------------------------------------------------------------------------


def _cli_numbers(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[float]:
    import json

    from psychometrics.cli import main

    def numbers(obj: object) -> list[float]:
        if isinstance(obj, dict):
            return [x for key in obj for x in numbers(obj[key])]
        if isinstance(obj, list):
            return [x for v in obj for x in numbers(v)]
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            return [float(obj)]
        return []

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*args, "--format", "json"]) == 0
    return numbers(json.loads(capsys.readouterr().out)["cfa"])


@pytest.mark.parametrize("extra", [[], ["--estimator", "ULSMV", "--parameterization", "theta"]])
def test_cli_streams_ordered_items(parquet_files: dict[str, Path],
                                   capsys: pytest.CaptureFixture[str],
                                   extra: list[str]) -> None:
    from psychometrics.cli import main

    direct = _cli_numbers(capsys, ["cfa", "acs", str(parquet_files["csv"]), "--ordinal", *extra])
    streamed = _cli_numbers(capsys, ["cfa", "acs", str(parquet_files["dir"] / "*.parquet"),
                                     "--ordinal", *extra])
    assert len(direct) == len(streamed) > 10
    np.testing.assert_allclose(streamed, direct, rtol=TOL, atol=TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["cfa", "acs", str(parquet_files["dir"]), "--ordinal"]) == 0
    captured = capsys.readouterr()
    assert "ordinal items: counts (1/2) [" in captured.err
    assert "ordinal items: scores (2/2) [" in captured.err
    assert "(ordered items, WLSMV)" in captured.out


def test_cli_ordered_items_on_a_dask_scheduler(client, parquet_files: dict[str, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dask.dataframe")
    args = ["--ordinal"]
    direct = _cli_numbers(capsys, ["cfa", "acs", str(parquet_files["csv"]), *args])
    on_dask = _cli_numbers(capsys, ["cfa", "acs", str(parquet_files["dir"]), *args, "--dask",
                                    client.scheduler.address])
    np.testing.assert_allclose(on_dask, direct, rtol=TOL, atol=TOL)


def test_ordinal_sample_stats_of_a_streamed_source(bfi: pd.DataFrame, tmp_path: Path) -> None:
    items = [c for c in bfi.columns if c != "gender"]
    path = _parquet_parts(bfi, tmp_path / "bfi", parts=3)
    want = _quiet(ordinal_sample_stats, bfi, items, group="gender", missing="pairwise")
    got = _quiet(pm.ordinal_sample_stats, path, items, group="gender", missing="pairwise")
    one_pass = _quiet(pm.ordinal_sample_stats, path, items, group="gender",
                      missing="pairwise", gamma=False)
    for a, b, c in zip(want.groups, got.groups, one_pass.groups, strict=True):
        np.testing.assert_array_equal(b.correlation, a.correlation)
        np.testing.assert_array_equal(c.thresholds, a.thresholds)
        np.testing.assert_allclose(b.gamma, a.gamma, rtol=0, atol=1e-12)
        assert c.gamma is None
    with pytest.raises(ValueError, match="items= names the item columns"):
        pm.ordinal_sample_stats(path)
