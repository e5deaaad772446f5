"""pm.moments: mergeable sufficient statistics, checked against direct numpy/pandas
computations; every source (DataFrame, iterators, Arrow, Parquet, Dask) gives the same
numbers; alpha and reliability from moments equal the in-memory results."""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import psychometrics as pm
from psychometrics.errors import NumericalWarning

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-10  # closed forms from moments against the in-memory results


def _likert(n: int, k: int, seed: int, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = np.clip(np.round(3 + rng.normal(size=(n, 1)) + rng.normal(size=(n, k))), 1, 5)
    if missing:
        X[rng.random(X.shape) < missing] = np.nan
    frame = pd.DataFrame(X, columns=[f"q{j + 1}" for j in range(k)])
    frame["wave"] = rng.choice(["w1", "w2", None], size=n, p=[0.45, 0.45, 0.1])
    return frame


ITEMS = [f"q{j + 1}" for j in range(6)]


def _chunks(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


# --------------------------------------------------------------------------------------------
# the statistics against numpy / pandas
# --------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(20, 300), st.integers(2, 7), st.integers(0, 2**32 - 1),
       st.sampled_from([0.0, 0.05, 0.3]), st.integers(1, 6))
def test_merged_moments_equal_direct_computations(n: int, k: int, seed: int, missing: float,
                                                  parts: int) -> None:
    frame = _likert(n, k, seed, missing).drop(columns="wave")
    bounds = np.linspace(0, n, parts + 1).astype(int)
    m = sum(pm.moments(frame.iloc[a:b]) for a, b in itertools.pairwise(bounds))
    assert m.n == n
    np.testing.assert_array_equal(m.pairwise_counts().to_numpy(),
                                  frame.notna().astype(int).T @ frame.notna().astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(m.cov().to_numpy(), frame.cov().to_numpy(), atol=1e-12,
                                   equal_nan=True)
        np.testing.assert_allclose(m.cor().to_numpy(), frame.corr().to_numpy(), atol=1e-12,
                                   equal_nan=True)
        np.testing.assert_allclose(m.mean().to_numpy(), frame.mean().to_numpy(), atol=1e-12,
                                   equal_nan=True)
        complete = frame.dropna()
        if len(complete) > 1:
            np.testing.assert_allclose(m.cov("listwise").to_numpy(), complete.cov().to_numpy(),
                                       atol=1e-12)
            np.testing.assert_allclose(m.mean("listwise").to_numpy(),
                                       complete.mean().to_numpy(), atol=1e-12)


def test_merging_is_stable_far_from_zero() -> None:
    """Chan's update, not E[XY] - E[X]E[Y]: a mean of 1e9 with unit variance keeps its
    variance to 1e-6 relative through many merges (the raw formula loses every digit)."""
    rng = np.random.default_rng(3)
    X = 1e9 + rng.normal(size=(20_000, 3))
    frame = pd.DataFrame(X, columns=list("abc"))
    m = sum(pm.moments(part) for part in _chunks(frame, 997))
    np.testing.assert_allclose(m.cov().to_numpy(), np.cov(X - 1e9, rowvar=False), rtol=1e-6)


def test_groups_patterns_fourth_tables_and_replicates() -> None:
    frame = _likert(2_000, 5, 11, missing=0.1)
    items = ITEMS[:5]
    kw = {"by": "wave", "patterns": True, "fourth": True, "tables": True, "n_boot": 4,
          "seed": 7}
    m = sum(pm.moments(part, items, **kw) for part in _chunks(frame, 333))
    assert m.labels == ["w1", "w2", "(missing)"]
    for label in m.labels:
        rows = frame["wave"].isna() if label == "(missing)" else frame["wave"] == label
        sub = frame.loc[rows, items]
        g = m.group(label)
        assert g.n == len(sub)
        np.testing.assert_allclose(g.cov().to_numpy(), sub.cov().to_numpy(), atol=1e-12)
    whole = m.total()
    X = frame[items]
    # patterns: counts, means and cross-products of the observed items
    pats = whole.patterns()
    assert sum(p[1] for p in pats) == len(X)
    keys = X.notna().to_numpy()
    for obs, count, mean, co in pats[:5]:
        rows = X[(keys == obs).all(axis=1)].to_numpy()[:, obs]
        assert count == len(rows)
        np.testing.assert_allclose(mean[obs], rows.mean(axis=0), atol=1e-12)
        Y = rows - rows.mean(axis=0)
        np.testing.assert_allclose(co[np.ix_(obs, obs)], Y.T @ Y, atol=1e-9)
    # Gamma (ADF) of the complete rows, lavaan's vech order
    C = X.dropna().to_numpy()
    Y = C - C.mean(axis=0)
    rows, cols = np.triu_indices(5)
    Z = Y[:, rows] * Y[:, cols]  # (j, i) pairs with i >= j, column by column
    gamma = Z.T @ Z / len(Y) - np.outer(Z.mean(axis=0), Z.mean(axis=0))
    np.testing.assert_allclose(whole.gamma().to_numpy(), gamma, atol=1e-12)
    assert whole.gamma().index[1] == "q2~~q1"
    # bivariate tables
    tab = whole.table("q1", "q3")
    direct = pd.crosstab(X["q1"], X["q3"]).to_numpy()
    np.testing.assert_array_equal(tab.to_numpy(), direct)
    # replicates merge like the data: the same seed over the same batches reproduces them
    again = sum(pm.moments(part, items, **kw) for part in _chunks(frame, 333)).total()
    for a, b in zip(whole.bootstrap(), again.bootstrap(), strict=True):
        np.testing.assert_array_equal(a, b)
    n_b, means_b, cov_b = whole.bootstrap()
    assert abs(n_b.mean() / len(C) - 1) < 0.1 and cov_b.shape == (4, 5, 5)
    # each replicate is a weighted sample of the same rows: close to the full-sample values
    np.testing.assert_allclose(means_b, np.broadcast_to(C.mean(axis=0), means_b.shape),
                               atol=0.15)
    np.testing.assert_allclose(cov_b, np.broadcast_to(np.cov(C, rowvar=False), cov_b.shape),
                               atol=0.25)


def test_optional_parts_say_how_to_collect_them() -> None:
    m = pm.moments(_likert(50, 3, 1).drop(columns="wave"))
    for call, option in ((m.patterns, "patterns=True"), (m.gamma, "fourth=True"),
                         (lambda: m.table("q1", "q2"), "tables=True"),
                         (m.bootstrap, "n_boot")):
        with pytest.raises(ValueError, match=option):
            call()
    with pytest.raises(ValueError, match="same items"):
        m + pm.moments(_likert(50, 4, 1).drop(columns="wave"))
    with pytest.raises(TypeError, match="cannot read moments"):
        pm.moments(42)


# --------------------------------------------------------------------------------------------
# alpha and reliability from moments
# --------------------------------------------------------------------------------------------


def _assert_alpha_equal(a: pm.AlphaResult, b: pm.AlphaResult) -> None:
    for name in ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "var_r",
                 "signal_noise", "ase", "mean", "sd"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), abs=TOL, nan_ok=True), name
    assert (a.n, a.n_items) == (b.n, b.n_items)
    assert (a.ci.lower, a.ci.upper) == pytest.approx((b.ci.lower, b.ci.upper), abs=TOL)
    for table in ("alpha_if_deleted", "item_stats", "response_freq"):
        x, y = getattr(a, table), getattr(b, table)
        assert list(x.index) == list(y.index) and list(x.columns) == list(y.columns)
        np.testing.assert_allclose(x.to_numpy(float), y.to_numpy(float), atol=TOL)


@pytest.mark.parametrize("missing_cells", [0.0, 0.08])
@pytest.mark.parametrize("keys", [None, ["q2", "q5"]])
def test_alpha_from_moments_equals_in_memory(missing_cells: float, keys: list[str] | None
                                             ) -> None:
    frame = _likert(1_500, 6, 5, missing_cells)
    frame.loc[:, "q6"] = np.where(frame["q6"].isna(), np.nan, 3.0)  # a constant item
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        direct = pm.alpha(frame[ITEMS], keys=keys)
        parts = sum(pm.moments(p, ITEMS, patterns=True) for p in _chunks(frame, 400))
        _assert_alpha_equal(direct, pm.alpha(parts, keys=keys))
        assert pm.alpha(parts, keys=keys).source == "moments"
        # streamed straight from an iterator of frames
        _assert_alpha_equal(direct, pm.alpha(iter([p[ITEMS] for p in _chunks(frame, 400)]),
                                             keys=keys))
        # per group
        m = sum(pm.moments(p, ITEMS, by="wave", patterns=True) for p in _chunks(frame, 400))
        sub = frame.loc[frame["wave"] == "w2", ITEMS]
        _assert_alpha_equal(pm.alpha(sub, keys=keys), pm.alpha(m.group("w2"), keys=keys))
        listwise = pm.alpha(frame[ITEMS].drop(columns="q6"), missing="listwise")
        got = pm.alpha(parts.select(ITEMS[:5]) if missing_cells == 0 else
                       sum(pm.moments(p, ITEMS[:5], patterns=True) for p in _chunks(frame, 400)),
                       missing="listwise")
        for name in ("raw_alpha", "std_alpha", "g6", "mean", "sd"):
            assert getattr(got, name) == pytest.approx(getattr(listwise, name), abs=TOL)


def test_lists_of_parts_and_reliability_of_moments() -> None:
    frame = _likert(600, 6, 8, 0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        _assert_alpha_equal(pm.alpha(frame[ITEMS]),
                            pm.alpha([p[ITEMS] for p in _chunks(frame, 250)]))
    with pytest.raises(TypeError, match="reads the data source"):
        pm.reliability(pm.moments(frame[ITEMS]), "acs")


def test_alpha_from_moments_without_patterns_says_what_is_missing() -> None:
    frame = _likert(300, 4, 2, 0.1)[ITEMS[:4]]
    m = pm.moments(frame)
    with pytest.warns(NumericalWarning, match="patterns=True"):
        res = pm.alpha(m)
    assert res.raw_alpha == pytest.approx(pm.alpha(frame).raw_alpha, abs=TOL)
    assert np.isnan(res.mean)
    with pytest.raises(ValueError, match="bootstrap"):
        pm.alpha(m, ci_method="bootstrap")
    with pytest.raises(ValueError, match="groups"):
        pm.alpha(pm.moments(_likert(300, 4, 2), ITEMS[:4], by="wave"))


def test_reliability_streamed_equals_in_memory() -> None:
    from psychometrics.datasets import load_mentorship

    data = load_mentorship()
    numbers = ["n", "alpha", "alpha_lower", "alpha_upper", "std_alpha", "g6", "average_r"]
    for inst in ("acs", "gse", "who5"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalWarning)
            direct = pm.reliability(data, inst, group="role")
            streamed = pm.reliability(iter(_chunks(data, 37)), inst, group="role")
        assert list(direct["group"]) == list(streamed["group"])
        np.testing.assert_allclose(streamed[numbers].to_numpy(float),
                                   direct[numbers].to_numpy(float), atol=TOL)
        np.testing.assert_allclose(streamed["omega_total"].to_numpy(float),
                                   direct["omega_total"].to_numpy(float), atol=1e-8)
        assert list(streamed["note"]) == list(direct["note"])


# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


def test_arrow_and_parquet_sources(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    frame = _likert(3_000, 6, 9, 0.05)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    want = pm.moments(frame, ITEMS, by="wave")
    folder = tmp_path / "data"
    folder.mkdir()
    for i, part in enumerate(_chunks(frame, 1_000)):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False),
                       folder / f"part{i}.parquet")
    seen: list[tuple[int, int]] = []
    sources = {
        "arrow table": table,
        "record batches": table.to_batches(max_chunksize=700),
        "parquet dir": folder,
        "parquet files": sorted(folder.glob("*.parquet")),
    }
    for name, source in sources.items():
        got = pm.moments(source, ITEMS, by="wave", batch_rows=512,
                         progress=lambda done, total: seen.append((done, total)))
        assert got.labels == want.labels, name
        for label in want.labels:
            np.testing.assert_allclose(got.group(label).cov().to_numpy(),
                                       want.group(label).cov().to_numpy(), atol=1e-12)
    assert seen[-1] == (3_000, 3_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        _assert_alpha_equal(pm.alpha(frame[ITEMS]),
                            pm.alpha(pm.moments(folder, ITEMS, patterns=True)))


def test_in_memory_path_imports_neither_dask_nor_pyarrow() -> None:
    """pandas may load pyarrow itself (its string dtype); nothing more of it, and no Dask,
    is imported by the statistics on in-memory data."""
    code = ("import sys, numpy as np, pandas as pd, psychometrics as pm\n"
            "df = pd.DataFrame(np.arange(60.).reshape(20, 3) % 5, columns=list('abc'))\n"
            "df.iloc[0, 0] = np.nan\n"
            "before = set(sys.modules)\n"
            "pm.alpha(pm.moments(df, patterns=True)); pm.alpha(df)\n"
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
            "('dask', 'distributed', 'pyarrow')))\n")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_dask_on_a_local_cluster(dask_client) -> None:
    import dask.dataframe as dd

    assert len(dask_client.scheduler_info()["workers"]) == 2
    frame = _likert(4_000, 6, 21, 0.05)
    ddf = dd.from_pandas(frame, npartitions=5)
    want = pm.moments(frame, ITEMS, by="wave", patterns=True)
    got = pm.moments(ddf, ITEMS, by="wave", patterns=True)
    for label in want.labels:
        np.testing.assert_allclose(got.group(label).cov().to_numpy(),
                                   want.group(label).cov().to_numpy(), atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        _assert_alpha_equal(pm.alpha(frame[ITEMS]), pm.alpha(ddf[ITEMS]))
        from psychometrics.datasets import load_mentorship

        data = load_mentorship()
        direct = pm.reliability(data, "acs", group="role")
        on_dask = pm.reliability(dd.from_pandas(data, npartitions=3), "acs", group="role")
    numbers = ["n", "alpha", "alpha_lower", "alpha_upper", "std_alpha", "g6", "average_r"]
    np.testing.assert_allclose(on_dask[numbers].to_numpy(float),
                               direct[numbers].to_numpy(float), atol=TOL)
