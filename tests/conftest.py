from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest

MINIMAL = textwrap.dedent("""\
    id: demo-scale
    name: Demo scale
    version: 1.0.0
    follows: none
    construct: demo
    description: A small valid instrument for tests.
    citations:
      - text: Nobody (2026).
    licence:
      item_text: free
      note: free
    response_scales:
      agree4:
        values: [1, 2, 3, 4]
        labels: {1: a, 2: b, 3: c, 4: d}
    response_scale: agree4
    missing_codes: [-9]
    items:
      - id: q1
        text: one
      - id: q2
        text: two
        reverse: true
      - id: q3
        text: three
    scales:
      total:
        name: Total
        items: [q1, q2, q3]
        method: sum
        max_missing: 1
        bands:
          - max: 6
            label: low
          - label: high
    """)


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(text: str, name: str = "def.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def parquet_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled mentorship data as Parquet parts of 40 rows in one folder (``"dir"``)
    and as one CSV file beside that folder (``"csv"``), outside it so that the folder holds
    only Parquet files for the streaming commands."""
    pytest.importorskip("pyarrow")
    from psychometrics.datasets import load_mentorship

    folder = tmp_path_factory.mktemp("parquet")
    data = load_mentorship()
    for i in range(3):
        data.iloc[i * 40 : (i + 1) * 40].to_parquet(folder / f"part{i}.parquet")
    csv = folder.parent / f"{folder.name}.csv"
    data.to_csv(csv, index=False)
    return {"dir": folder, "csv": csv}


@pytest.fixture(scope="session")
def dask_cluster():
    """One dask.distributed LocalCluster for the whole session (2 worker processes on
    127.0.0.1, no dashboards): starting worker processes is the slow part, so the tests
    share it rather than starting one per module or per test."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # port and memory-limit notices of a local cluster
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           worker_dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def dask_client(dask_cluster):
    """A Client on the session's cluster, the default scheduler for one test module only
    (so modules that do not ask for it keep Dask's local scheduler)."""
    import distributed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = distributed.Client(dask_cluster)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def ev():
    """The bundled mentorship study evaluated once for the session (``Evaluation`` is
    frozen; tests read it and must not change its tables)."""
    import psychometrics as pm
    from psychometrics.datasets import mentorship_study_path

    return pm.evaluate(mentorship_study_path())


@pytest.fixture
def write_study(tmp_path: Path):
    """``write_study(frame, **changes)``: the bundled study YAML with its top-level keys
    updated by ``changes``, written to ``tmp_path`` (with ``frame`` as the study's
    mentorship.csv when given); returns the YAML's path."""
    import yaml

    from psychometrics.datasets import mentorship_study_path

    def write(frame=None, **changes) -> Path:
        spec = yaml.safe_load(mentorship_study_path().read_text(encoding="utf-8"))
        spec.update(changes)
        if frame is not None:
            frame.to_csv(tmp_path / "mentorship.csv", index=False)
        path = tmp_path / "study.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        return path

    return write
