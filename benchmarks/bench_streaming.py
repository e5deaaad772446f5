"""Alpha on Likert Parquet data larger than memory: streamed, and on a 2-worker Dask cluster.

Run by hand (not in tests):

    python benchmarks/bench_streaming.py --rows 1e6 1e7 [1e8] [--dir /work/tmp-bench]

For each size the script writes (once, seeded) a Parquet dataset of int8 items (20 items,
1-5, one common factor; files of 1,000,000 rows) and times, each in a fresh process whose
peak resident memory (VmHWM) is reported:

* ``pyarrow``: pyarrow alone reading every batch of the dataset (the floor: the bytes must
  be read and decoded);
* ``stream``: ``pm.alpha(path)`` -- every table of psych::alpha from batches of 262,144 rows;
* ``cfa``: ``pm.cfa(path, "f =~ q1 + ... + q20")`` -- the 1-factor CFA from the streamed
  listwise moments;
* ``dask`` / ``dask_cfa``: the same on a ``LocalCluster`` of 2 worker processes (the peak
  memory shown is the client's; the workers' is printed beside it).

The machine is shared by several people; each mode runs ``--repeat`` times (fresh
processes, data in the page cache: the pyarrow run comes first and warms it) and the
fastest run is shown.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
K = 20
FILE_ROWS = 1_000_000
MODEL = "f =~ " + " + ".join(f"q{j + 1}" for j in range(K))  # the 1-factor CFA


def generate(folder: Path, rows: int, seed: int = 20261201) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "_complete"
    if done.exists():
        return
    names = [f"q{j + 1}" for j in range(K)]
    for f, start in enumerate(range(0, rows, FILE_ROWS)):
        n = min(FILE_ROWS, rows - start)
        rng = np.random.default_rng([seed, f])
        z = rng.standard_normal((n, 1), dtype=np.float32)
        x = np.clip(np.rint(3 + z + rng.standard_normal((n, K), dtype=np.float32)), 1, 5)
        x = x.astype(np.int8)
        table = pa.table({name: x[:, j] for j, name in enumerate(names)})
        pq.write_table(table, folder / f"part-{f:05d}.parquet", row_group_size=262_144)
    done.write_text("ok")


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries that
    over an exec from the parent, so a child forked by a parent that had just generated a
    dataset would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)],
                         capture_output=True, text=True, check=False, cwd=ROOT,
                         env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(mode: str, folder: Path) -> None:
    import warnings

    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT))
    extra: dict[str, float] = {}
    if mode == "pyarrow":
        import pyarrow.dataset as ds

        start = time.perf_counter()
        rows = 0
        for batch in ds.dataset(str(folder), format="parquet").to_batches(
                batch_size=262_144):
            rows += batch.num_rows
        seconds = time.perf_counter() - start
    elif mode == "stream":
        import psychometrics as pm
        import psychometrics.coefficients
        import psychometrics.sufficient_statistics

        pm.alpha(str(folder / "part-00000.parquet"))  # warm: imports and first calls
        start = time.perf_counter()
        res = pm.alpha(str(folder))
        seconds = time.perf_counter() - start
        rows = res.n
        extra["alpha"] = res.raw_alpha
    elif mode == "cfa":
        import psychometrics as pm

        pm.cfa(str(folder / "part-00000.parquet"), MODEL)  # warm
        start = time.perf_counter()
        res = pm.cfa(str(folder), MODEL)
        seconds = time.perf_counter() - start
        rows = int(res.fit["n"])
        extra["chisq"] = float(res.fit["chisq"])
    else:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        import psychometrics as pm
        import psychometrics.coefficients

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            # workers up, the package imported, before the clock starts (a cluster
            # outlives one call)
            client.run(lambda: __import__("psychometrics.sufficient_statistics"))
            # warm as the streamed modes are: one file through the same call (the
            # workers' first Parquet read and first partition pass)
            one = str(folder / "part-00000.parquet")
            if mode == "dask":
                pm.alpha(dd.read_parquet(one))
            else:
                pm.cfa(dd.read_parquet(one), MODEL)
            start = time.perf_counter()
            if mode == "dask":
                res = pm.alpha(dd.read_parquet(str(folder)))
                rows = res.n
                extra["alpha"] = res.raw_alpha
            else:
                res = pm.cfa(dd.read_parquet(str(folder)), MODEL)
                rows = int(res.fit["n"])
                extra["chisq"] = float(res.fit["chisq"])
            seconds = time.perf_counter() - start
            worker_mb = max(client.run(_peak_mb).values())
        extra["worker_peak_mb"] = worker_mb
    peak = _peak_mb()
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak, **extra}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--dir", default="/work/tmp-bench-streaming")
    parser.add_argument("--modes", nargs="+",
                        default=["pyarrow", "stream", "cfa", "dask", "dask_cfa"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per mode; the fastest is shown (the machine is shared)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    for r in args.rows:
        rows = int(r)
        folder = Path(args.dir) / f"likert-{rows}"
        start = time.perf_counter()
        generate(folder, rows)
        size = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6
        print(f"\n{rows:,} x {K} int8 Likert items, Parquet {size:,.0f} MB on disk "
              f"(generated/checked in {time.perf_counter() - start:.0f} s)")
        base = None
        for mode in args.modes:
            runs = [run_child(mode, folder) for _ in range(args.repeat)]
            res = min(runs, key=lambda r: r["seconds"])
            assert res["rows"] == rows, res
            base = base or res["seconds"]
            label = {"pyarrow": "pyarrow reads every batch (the floor)",
                     "stream": "pm.alpha(path): streamed, every table",
                     "cfa": "pm.cfa(path, 1 factor): streamed",
                     "dask": "pm.alpha(dd.read_parquet(path)), 2 workers",
                     "dask_cfa": "pm.cfa(dd.read_parquet(path)), 2 workers"}[mode]
            worker = (f", workers {res['worker_peak_mb']:.0f} MB"
                      if "worker_peak_mb" in res else "")
            print(f"  {label:<46} {res['seconds']:8.2f} s  {res['seconds'] / base:5.2f}x  "
                  f"peak {res['peak_mb']:6.0f} MB{worker}"
                  + (f"  alpha {res['alpha']:.6f}" if "alpha" in res else "")
                  + (f"  chisq {res['chisq']:.1f}" if "chisq" in res else ""))


if __name__ == "__main__":
    main()
