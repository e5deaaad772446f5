"""Analysis commands: reliability, efa, cfa (thin: they call the Python API and print)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from psychometrics.cli import _common

if TYPE_CHECKING:  # not imported to print --help
    import pandas as pd

ORDER = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reliability", help="alpha (with CI), omega, G6 per scale, beside the "
                                           "published values")
    _common.add_data_arguments(p)
    p.add_argument("--group", metavar="COL", help="also per group of this column")
    p.add_argument("--ci", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--ci-method", choices=["feldt", "duhachek", "bootstrap"], default="feldt")
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples")
    p.add_argument("--seed", type=int, help="seed of the bootstrap")
    p.add_argument("--missing", choices=["pairwise", "listwise"], default="pairwise")
    p.add_argument("--format", choices=["text", "csv", "json"], default="text")
    add_stream_arguments(p)
    p.set_defaults(handler=cmd_reliability)

    p = sub.add_parser("efa", help="exploratory factor analysis (parallel analysis picks the "
                                   "number of factors when --factors is omitted)")
    _common.add_data_arguments(p)
    p.add_argument("--factors", type=int, help="number of factors")
    p.add_argument("--method", default="minres",
                   choices=["minres", "uls", "ols", "wls", "gls", "minchi", "ml", "pa", "alpha"])
    p.add_argument("--rotation", default="oblimin",
                   help="psych's name, case sensitive: oblimin (default), varimax, "
                        "Varimax, promax, Promax, geominQ, geominT, quartimin, bifactor "
                        "... or none")
    p.add_argument("--n-iter", type=int, default=100, help="parallel analysis iterations")
    p.add_argument("--seed", type=int, help="seed of the parallel analysis")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_stream_arguments(p)
    p.set_defaults(handler=cmd_efa)

    p = sub.add_parser("cfa", help="confirmatory factor analysis of the instrument's structure")
    _common.add_data_arguments(p)
    p.add_argument("--model", help="lavaan model syntax instead of the instrument's structure")
    p.add_argument("--missing", choices=["listwise", "fiml"], default="listwise")
    p.add_argument("--std-lv", action="store_true", help="identify by factor variances = 1")
    p.add_argument("--estimator", choices=["ML", "MLM", "MLMV", "MLR", "GLS", "ULS", "WLSMV",
                                           "WLSM", "DWLS", "ULSMV", "ULSM", "WLS"],
                   default=None, type=str.upper,
                   help="ML (default); MLM, MLMV, MLR: robust standard errors and scaled "
                        "tests for non-normal data; GLS, ULS: generalised and unweighted "
                        "least squares (complete data); with --ordinal WLSMV (default), "
                        "WLSM, DWLS, ULSMV, ULSM, ULS, WLS")
    p.add_argument("--ordinal", action="store_true",
                   help="treat the items as ordered categories: thresholds and polychoric "
                        "correlations, estimated by WLSMV unless --estimator says otherwise "
                        "(Parquet files are read twice: the tables, then Gamma's scores)")
    p.add_argument("--parameterization", choices=["delta", "theta"], default="delta",
                   help="with --ordinal: scale the latent responses by their total "
                        "(delta, default) or residual (theta) variances")
    p.add_argument("--group", metavar="COL", help="a multi-group model, one group per value")
    p.add_argument("--group-equal", metavar="LIST",
                   help="comma-separated parameters equal across groups: loadings, "
                        "intercepts, residuals, residual.covariances, lv.variances, "
                        "lv.covariances, means, regressions")
    p.add_argument("--group-partial", metavar="LIST",
                   help="comma-separated parameters exempt from --group-equal "
                        "('f =~ x2,x3 ~ 1')")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_stream_arguments(p)
    p.set_defaults(handler=cmd_cfa)


def add_stream_arguments(p: argparse.ArgumentParser) -> None:
    """More Parquet files and --dask: the options of the commands that stream."""
    p.add_argument("more_data", metavar="DATA", nargs="*",
                   help="more Parquet files (data/*.parquet): Parquet files and directories "
                        "are streamed in batches, so they may be larger than memory")
    p.add_argument("--dask", metavar="SCHEDULER", help="compute on a Dask cluster (the "
                   "scheduler's address, e.g. tcp://10.0.0.5:8786); Parquet data only")


@contextlib.contextmanager
def streamed(args: argparse.Namespace, paths: list[str]) -> Iterator[tuple[Any, bool]]:
    """``(source, progress)``: the Parquet files (read in batches, a progress bar on
    stderr) or, with --dask, a Dask DataFrame of them on the scheduler. Errors of the data
    (bad cells, unreadable files) become one line."""
    from psychometrics.errors import PsychometricsError

    try:
        if args.dask:
            import dask.dataframe as dd
            from distributed import Client

            with Client(args.dask):
                yield dd.read_parquet(paths), False
        else:
            yield (paths if len(paths) > 1 else paths[0]), True
    except (ValueError, OSError) as exc:
        if isinstance(exc, PsychometricsError):
            raise
        raise PsychometricsError(str(exc).splitlines()[0]) from None


def _items(args: argparse.Namespace) -> tuple[Any, pd.DataFrame]:
    from psychometrics.scoring import item_data

    (inst,) = _common.instruments(args.instrument, args.overlay)
    data = _common.read(args, [inst])
    items = item_data(data, inst, columns=_common.columns(args.columns), reverse=True,
                      on_invalid="nan")
    return inst, items


def _parquet_paths(args: argparse.Namespace) -> list[str] | None:
    """DATA as Parquet paths (quoted globs expanded) when every path is Parquet or a
    directory; None for one file of another format (read into memory as before)."""
    import glob
    from pathlib import Path

    from psychometrics.errors import PsychometricsError

    given = [args.data, *args.more_data]
    paths: list[str] = []
    for arg in given:
        found = sorted(glob.glob(arg)) if any(ch in arg for ch in "*?[") else [arg]
        if not found:
            raise PsychometricsError(f"no file matches {arg!r}")
        paths += found
    parquet = [Path(p).is_dir() or Path(p).suffix.lower() in {".parquet", ".pq"}
               for p in paths]
    if all(parquet):
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise FileNotFoundError(f"no such file or directory: {missing[0]}")
        return paths
    if len(paths) > 1 or args.dask:
        raise PsychometricsError("several DATA files and --dask need Parquet files (or "
                                 "directories of them); convert other formats first")
    return None


def cmd_reliability(args: argparse.Namespace) -> int:
    from psychometrics.analysis import reliability
    from psychometrics.errors import PsychometricsError

    (inst,) = _common.instruments(args.instrument, args.overlay)
    paths = _parquet_paths(args)
    options = dict(columns=_common.columns(args.columns), group=args.group, ci=args.ci,
                   ci_method=args.ci_method, n_boot=args.n_boot, seed=args.seed,
                   missing=args.missing)
    if paths is None:
        data = _common.read(args, [inst])
        table = reliability(data, inst, **options,
                            progress=args.ci_method == "bootstrap" or None)
    else:
        if args.ci_method == "bootstrap":
            raise PsychometricsError("--ci-method bootstrap resamples respondents, which "
                                     "streamed data does not keep: use feldt or duhachek")
        with streamed(args, paths) as (source, bar):
            table = reliability(source, inst, **options, progress=bar or None)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        payload = {"provenance": [inst.provenance()],
                   "reliability": json.loads(table.to_json(orient="records"))}
        print(json.dumps(payload, indent=2))
    else:
        print(f"Reliability of {inst.name} [{inst.id}], keyed items "
              f"(reversed: {', '.join(inst.reversed_items) or 'none'})")
        shown = table.drop(columns=["instrument", "published_source"]).copy()
        shown["alpha (CI)"] = [f"{a:.3f} [{lo:.3f}, {hi:.3f}]" for a, lo, hi in
                               zip(shown.pop("alpha"), shown.pop("alpha_lower"),
                                   shown.pop("alpha_upper"), strict=True)]
        front = ["scale"] + (["group"] if args.group else []) + ["n", "items", "alpha (CI)"]
        shown = shown[front + [c for c in shown.columns if c not in front]]
        print(shown.round(3).to_string(index=False))
        print(f"CI: {args.ci:.0%} {args.ci_method}; published: "
              + "; ".join(sorted(set(table["published_source"].dropna()) - {""})))
    return 0


def cmd_efa(args: argparse.Namespace) -> int:

    paths = _parquet_paths(args)
    if paths is None:
        inst, items = _items(args)
        return _efa(args, inst, items)
    from psychometrics.analysis import instrument_moments

    (inst,) = _common.instruments(args.instrument, args.overlay)
    with streamed(args, paths) as (source, bar):
        m = instrument_moments(source, inst, columns=_common.columns(args.columns),
                               progress=bar or None)
        return _efa(args, inst, m)


def _efa(args: argparse.Namespace, inst: Any, items: Any) -> int:
    from psychometrics.factor import efa, parallel_analysis

    n_factors = args.factors
    pa = None
    if n_factors is None:
        pa = parallel_analysis(items, n_iter=args.n_iter, seed=args.seed, kind="fa",
                               progress=True)
        n_factors = max(1, int(pa.n_factors))
    rotation = None if args.rotation == "none" else args.rotation
    result = efa(items, n_factors, method=args.method, rotation=rotation)
    if args.format == "json":
        payload = {"provenance": [inst.provenance()], "efa": result.to_dict()}
        if pa is not None:
            payload["parallel_analysis"] = pa.to_dict()
        print(json.dumps(payload, indent=2, default=str))
        return 0
    print(f"Exploratory factor analysis of {inst.name} [{inst.id}] (keyed items)")
    if pa is not None:
        print(pa.summary())
        print(f"-> {n_factors} factor(s) retained by parallel analysis\n")
    print(result.summary())
    return 0


_ORDINAL_ESTIMATORS = ("WLSMV", "WLSM", "DWLS", "ULSMV", "ULSM", "ULS", "WLS")


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def cmd_cfa(args: argparse.Namespace) -> int:
    from psychometrics.errors import MissingColumnError
    from psychometrics.factor import cfa
    from psychometrics.scoring import item_data
    from psychometrics.structural.errors import DataError

    (inst,) = _common.instruments(args.instrument, args.overlay)
    # ULS and WLS also fit continuous items: only --ordinal makes them ordinal
    ordinal = args.ordinal or args.estimator in set(_ORDINAL_ESTIMATORS) - {"ULS", "WLS"}
    estimator = args.estimator or ("WLSMV" if ordinal else "ML")
    options: dict = {}
    if ordinal:
        if args.estimator in ("ML", "MLM", "MLMV", "MLR", "GLS"):
            print(f"error: --estimator {args.estimator} is for continuous items; with "
                  f"--ordinal use one of {', '.join(_ORDINAL_ESTIMATORS)}", file=sys.stderr)
            return 2
        if args.missing == "fiml":
            print("error: --missing fiml is not available with --ordinal (ordered items are "
                  "fitted on listwise-complete rows, as lavaan)", file=sys.stderr)
            return 2
        options = {"ordered": True, "parameterization": args.parameterization}
    paths = _parquet_paths(args)
    if paths is not None:
        if ordinal:
            return _cfa_streamed_ordinal(args, inst, paths, estimator, options)
        return _cfa_streamed(args, inst, paths)
    data = _common.read(args, [inst])
    items = item_data(data, inst, columns=_common.columns(args.columns), reverse=True,
                      on_invalid="nan")
    if args.group:
        if args.group not in data.columns:
            raise MissingColumnError(f"--group: column {args.group!r} is not in {args.data}")
        items = items.assign(**{args.group: data[args.group].to_numpy()})
    model = args.model if args.model else inst
    try:
        result = cfa(items, model, missing=args.missing, std_lv=args.std_lv,
                     estimator=estimator, group=args.group,
                     group_equal=_list(args.group_equal), group_partial=_list(args.group_partial),
                     **options)
    except DataError as exc:  # the data cannot carry the model: invalid data (exit 1)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return _print_cfa(args, inst, result, ordinal=ordinal, structure=True)


def _print_cfa(args: argparse.Namespace, inst: Any, result: Any, *, ordinal: bool,
               structure: bool) -> int:
    """The cfa command's output (JSON, or a heading and the summary) of an in-memory or
    streamed fit; ``structure``: name the instrument's published structure it fits."""
    if args.format == "json":
        print(json.dumps({"provenance": [inst.provenance()], "cfa": result.to_dict()},
                         indent=2, default=str))
        return 0
    what = f"ordered items, {result.estimator}" if ordinal else "keyed items"
    print(f"Confirmatory factor analysis of {inst.name} [{inst.id}] ({what})")
    published = inst.published.structure
    if structure and published is not None and not args.model:
        print(f"published structure: {published.description} ({published.source})")
    print(result.summary())
    return 0


def _cfa_streamed_ordinal(args: argparse.Namespace, inst: Any, paths: list[str],
                          estimator: str, options: dict) -> int:
    """cfa --ordinal of Parquet files: the keyed items read twice (thresholds and
    polychorics, then Gamma's case-wise scores), batch by batch or on --dask."""
    from functools import partial

    from psychometrics.analysis import _keyed_frame
    from psychometrics.factor import cfa
    from psychometrics.structural.errors import DataError
    from psychometrics.structural.ordinal_sources import Prepared

    prepare = partial(_keyed_frame, inst=inst, columns=_common.columns(args.columns),
                      by=args.group)
    with streamed(args, paths) as (source, bar):
        try:
            result = cfa(Prepared(source, prepare), args.model if args.model else inst,
                         missing=args.missing, std_lv=args.std_lv, estimator=estimator,
                         group=args.group, group_equal=_list(args.group_equal),
                         group_partial=_list(args.group_partial), progress=bar or None,
                         **options)
        except DataError as exc:  # the data cannot carry the model: invalid data (exit 1)
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return _print_cfa(args, inst, result, ordinal=True, structure=False)


def _cfa_streamed(args: argparse.Namespace, inst: Any, paths: list[str]) -> int:
    """cfa of Parquet files: the keyed items' moments, read in batches or on --dask."""
    from psychometrics.analysis import instrument_moments
    from psychometrics.factor import cfa
    from psychometrics.structural.errors import DataError

    with streamed(args, paths) as (source, bar):
        m = instrument_moments(source, inst, columns=_common.columns(args.columns),
                               by=args.group, patterns=args.missing == "fiml",
                               fourth=args.estimator != "ML", progress=bar or None)
    try:
        result = cfa(m, args.model if args.model else inst, missing=args.missing,
                     std_lv=args.std_lv, estimator=args.estimator, group=args.group,
                     group_equal=_list(args.group_equal),
                     group_partial=_list(args.group_partial))
    except DataError as exc:  # the data cannot carry the model: invalid data (exit 1)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps({"provenance": [inst.provenance()], "cfa": result.to_dict()},
                         indent=2, default=str))
        return 0
    print(f"Confirmatory factor analysis of {inst.name} [{inst.id}] (keyed items)")
    print(result.summary())
    return 0
