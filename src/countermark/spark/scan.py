"""`scan` on Spark: the detection kernel inside `mapInArrow`, one engine per Python worker process.

The brands (with their catalogues), the threshold and the model file name are broadcast once; each
Python worker builds a `DetectionEngine` from them on its first batch and keeps it for every later batch
and task (workers are reused), so the matchers are compiled once per worker, not per batch. Each
listing's seller facts travel with it (a join), so no seller table has to fit in an executor.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from countermark.detection.context import ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.listings.records import Brand
from countermark.spark.parts import SUMMARY_SCHEMA, PartsDir, summary_batch
from countermark.spark.reading import LISTING, listing_from_row

REASON_TYPE = pa.struct([("code", pa.string()), ("message", pa.string()), ("weight", pa.float64())])
DECISION_SCHEMA = pa.schema([
    ("listing_id", pa.string()),
    ("decision", pa.string()),
    ("score", pa.float64()),
    ("brand_id", pa.string()),
    ("matched_sku", pa.string()),
    ("reasons", pa.list_(REASON_TYPE)),
])
_ORDER = [("_file", pa.string()), ("_line", pa.int64())]
LINES_SCHEMA = pa.schema([*_ORDER, ("json", pa.string())])
RECORDS_SCHEMA = pa.schema([*DECISION_SCHEMA, *_ORDER])
SCAN_COLUMNS = [*LISTING.arrow_schema().names, "registered_at", "_file", "_line"]


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """What a worker needs to build the engine; `token` tells one job's spec from another's."""

    token: str
    brands: tuple[Brand, ...]
    threshold: float
    model_file: str | None  # a file shipped with SparkContext.addFile
    image_matcher: Any  # the local scan's picklable hook (images.scan), or None


_engine_cache: dict[str, DetectionEngine] = {}


def engine_for(spec: EngineSpec) -> DetectionEngine:
    """The worker's engine for this spec, built on first use (module state lives as long as the worker, and
    so does the spec's image matcher, which builds its index on first use)."""
    engine = _engine_cache.get(spec.token)
    if engine is None:
        model = None
        if spec.model_file is not None:
            from pyspark import SparkFiles

            from countermark.detection.model import load_model

            model = load_model(Path(SparkFiles.get(spec.model_file)))
        _engine_cache.clear()
        engine = _engine_cache[spec.token] = DetectionEngine(spec.brands, threshold=spec.threshold, model=model)
    return engine


def broadcast_spec(spark, brands: Sequence[Brand], *, threshold: float = 0.5, model_path: Path | None = None,
                   image_matcher: Any = None):
    """The engine's inputs broadcast once (a model file is shipped with `addFile`). `image_matcher` is the local
    scan's hook (picklable; its image paths must be readable by the executors)."""
    model_file = None
    if model_path is not None:
        spark.sparkContext.addFile(str(model_path))
        model_file = model_path.name
    return spark.sparkContext.broadcast(EngineSpec(uuid.uuid4().hex, tuple(brands), threshold, model_file,
                                                   image_matcher))


def decisions_frame(listings, spec, *, as_json_lines: bool = False):
    """Decisions for `listings` (listing columns, `registered_at` of the seller, `_file`, `_line`), row for row
    in the order of `listings` within each partition.

    `as_json_lines` gives (`_file`, `_line`, `json`) with exactly the local engine's output line per
    listing; otherwise the scan output object as columns plus `_file` and `_line`.
    """
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = LINES_SCHEMA if as_json_lines else RECORDS_SCHEMA

    def scan_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return scan_partition(batches, spec.value, as_json_lines)

    return listings.select(*SCAN_COLUMNS).mapInArrow(scan_batches, from_arrow_schema(schema))


def part_files_frame(listings, spec, parts: PartsDir):
    """Scan `listings` (the scan columns and `_part`, sorted by `_part`, `_file`, `_line` within each
    partition) into one committed Parquet file per part (parts.py); one row (part, listings, flagged) per
    part written."""
    from pyspark.sql.pandas.types import from_arrow_schema

    def write_parts(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for part, runs in groupby(_runs_by_part(batches), key=itemgetter(0)):
            decisions = scan_partition((run for _, run in runs), spec.value, as_json_lines=False)
            counts = parts.write_part(part, (d.select(DECISION_SCHEMA.names) for d in decisions), DECISION_SCHEMA,
                                      _flagged)
            yield summary_batch(part, counts)

    return listings.select(*SCAN_COLUMNS, "_part").mapInArrow(write_parts, from_arrow_schema(SUMMARY_SCHEMA))


def _runs_by_part(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(part, slice) for each run of rows of one part (the rows come sorted by part)."""
    for batch in batches:
        parts = batch.column("_part").to_numpy()
        bounds = [0, *(np.flatnonzero(parts[1:] != parts[:-1]) + 1).tolist(), len(parts)]
        for start, stop in pairwise(bounds):
            if stop > start:
                yield int(parts[start]), batch.slice(start, stop - start)


def _flagged(batch: pa.RecordBatch) -> int:
    return batch.column("decision").to_pylist().count("flag")


def scan_partition(batches: Iterator[pa.RecordBatch], spec: EngineSpec, as_json_lines: bool
                   ) -> Iterator[pa.RecordBatch]:
    engine = engine_for(spec)
    names = LISTING.arrow_schema().names
    for batch in batches:
        rows = batch.to_pylist()
        listings = [listing_from_row({k: row[k] for k in names}) for row in rows]
        sellers = {row["seller_id"]: SellerFacts(row["seller_id"], row["registered_at"] or "") for row in rows}
        images = spec.image_matcher.matches(listings) if spec.image_matcher is not None else {}
        decisions = engine.scan(listings, ScanContext(sellers=sellers, image_matches=images))
        if as_json_lines:
            out = [{"_file": row["_file"], "_line": row["_line"], "json": json.dumps(d.as_json(), ensure_ascii=False)}
                   for row, d in zip(rows, decisions, strict=True)]
            yield pa.RecordBatch.from_pylist(out, schema=LINES_SCHEMA)
        else:
            out = [{**d.as_json(), "_file": row["_file"], "_line": row["_line"]}
                   for row, d in zip(rows, decisions, strict=True)]
            yield pa.RecordBatch.from_pylist(out, schema=RECORDS_SCHEMA)
