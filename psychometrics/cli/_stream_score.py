"""``psychometrics score INSTRUMENTS data/*.parquet -o scores.parquet``: Parquet files of
any size scored batch by batch (a progress bar on stderr), or on a Dask cluster
(``--dask``), and written as they come, so neither the data nor the scores are held in
memory. Rows keep their order; ``row`` is the row of the whole data (1-based, header
counted, as the in-memory command numbers them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from psychometrics.cli import _common
from psychometrics.errors import PsychometricsError

SUFFIXES = (".csv", ".tsv", ".txt", ".parquet")


class _Writer:
    """Appends score tables to CSV/TSV (provenance as '#' lines first) or Parquet
    (provenance in the file's metadata)."""

    def __init__(self, out: str | None, head: list[str]):
        self.out, self.head = out, head
        self.suffix = "" if out in (None, "-") else Path(out).suffix.lower()
        self.handle: Any = None
        self.parquet: Any = None
        self.rows = 0

    def write(self, frame: Any) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=True)
            if self.parquet is None:
                meta = {**(table.schema.metadata or {}),
                        b"psychometrics": "\n".join(self.head).encode()}
                self.schema = table.schema.with_metadata(meta)
                self.parquet = pq.ParquetWriter(self.out, self.schema)
            self.parquet.write_table(table.cast(self.schema))
        else:
            if self.handle is None:
                self.handle = (sys.stdout if self.out in (None, "-")
                               else open(self.out, "w", encoding="utf-8", newline=""))
                self.handle.write("".join(f"# {line}\n" for line in self.head))
            frame.to_csv(self.handle, sep="\t" if self.suffix in (".tsv", ".txt") else ",",
                         header=self.rows == 0)
        self.rows += len(frame)

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.handle is not None and self.handle is not sys.stdout:
            self.handle.close()


def score_streamed(args: argparse.Namespace, insts: list[Any], mapping: Any,
                   paths: list[str]) -> int:
    import numpy as np
    import pandas as pd

    from psychometrics.progress import resolve_progress
    from psychometrics.scoring import score
    from psychometrics.sufficient_statistics import BATCH_ROWS, _parquet_batches

    out = args.output
    if out not in (None, "-"):
        _common.check_output(out, SUFFIXES)
    options = dict(columns=mapping, on_invalid=args.on_invalid, id_column=args.id_column)
    writer: _Writer | None = None

    def emit(scores: pd.DataFrame, start: int, source: str) -> None:
        nonlocal writer
        if writer is None:
            meta = scores.attrs["psychometrics"]
            note = _common.respondent_note(scores, meta, source)
            writer = _Writer(out, [*_common.provenance_lines(meta["instruments"]), note])
        scores.index = pd.Index(np.arange(start, start + len(scores)) + 2, name="row")
        writer.write(scores)

    source = "the Parquet data"
    try:
        if args.dask:
            import dask.dataframe as dd
            from distributed import Client

            with Client(args.dask) as client:
                scored = score(dd.read_parquet(paths), insts, **options)
                futures = client.compute(scored.to_delayed())
                start = 0
                for future in futures:  # in order; the workers compute ahead
                    part = future.result()
                    if "psychometrics" not in part.attrs:
                        part.attrs = dict(scored._meta.attrs)
                    emit(part, start, source)
                    start += len(part)
                    future.release()
        else:
            batches, total, _ = _parquet_batches(paths if len(paths) > 1 else paths[0], None,
                                                 BATCH_ROWS)
            report = resolve_progress(True, "scoring")
            start = 0
            report(0, total)
            for batch in batches:
                frame = batch.to_pandas()
                # messages name the rows of the whole data
                frame.attrs["rows"] = {"n": len(frame), "first": start + 2}
                emit(score(frame, insts, **options), start, source)
                start += len(frame)
                report(start, max(total, start))
    except (ValueError, OSError) as exc:  # bad cells, unreadable files
        if isinstance(exc, PsychometricsError) and "\n" in str(exc):
            raise PsychometricsError(str(exc)) from None
        raise PsychometricsError(str(exc).splitlines()[0]) from None
    finally:
        if writer is not None:
            writer.close()
    if out not in (None, "-") and writer is not None:
        print(f"wrote {writer.rows} rows to {out}", file=sys.stderr)
    return 0
