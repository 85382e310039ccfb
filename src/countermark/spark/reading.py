"""Read bundle records into DataFrames with the bundle reader's validation and rejects contract.

Parsing runs in the executors with the same `listings.validate` functions as the local reader, so a record
is valid, or rejected with the same reason, whichever engine reads it. Line numbers are exact although a
JSONL file is split across tasks: each row carries the start offset of its file split, rows are numbered
within their split, and a tiny table of lines per split (collected on the driver) turns that into the line
number in the file. Parquet rows are numbered by Spark's `_metadata.row_index`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa

from countermark.listings.bundle import (
    json_decoder,
    listing_arrow_schema,
    listing_to_json,
    parse_line,
    seller_to_json,
)
from countermark.listings.records import IDENTIFIER_KINDS, Listing, Reject, Seller
from countermark.listings.validate import RecordError, decode_listing, parse_listing, parse_seller

OK, REJECT, BLANK = 0, 1, 2
REJECT_SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("reason", pa.string()),
                           ("record", pa.string())])
_META = [("_file", pa.string()), ("_block", pa.int64()), ("_index", pa.int64()), ("_status", pa.int8()),
         ("_reason", pa.string()), ("_record", pa.string())]


def seller_arrow_schema() -> pa.Schema:
    identifiers = pa.struct([(kind, pa.list_(pa.string())) for kind in IDENTIFIER_KINDS])
    return pa.schema([("seller_id", pa.string()), ("display_name", pa.string()), ("country", pa.string()),
                      ("registered_at", pa.string()), ("identifiers", identifiers)])


@dataclass(frozen=True)
class RecordKind:
    name: str  # "listing" | "seller"
    id_field: str
    parse: Callable[[Any], Any]  # a decoded object (a Parquet row) -> record
    decode: Callable[[bytes], Any]  # a JSONL line -> record; ValueError when it is not JSON
    to_row: Callable[[Any], dict[str, Any]]
    arrow_schema: Callable[[], pa.Schema]


LISTING = RecordKind("listing", "listing_id", parse_listing, decode_listing, listing_to_json, listing_arrow_schema)
SELLER = RecordKind("seller", "seller_id", parse_seller, json_decoder(parse_seller), seller_to_json,
                    seller_arrow_schema)


def listing_from_row(row: dict[str, Any]) -> Listing:
    return Listing(**{**row, "images": tuple(row["images"] or ())})


def seller_from_row(row: dict[str, Any]) -> Seller:
    identifiers = {k: tuple(v) for k, v in (row["identifiers"] or {}).items() if v}
    return Seller(**{**row, "identifiers": identifiers})


@dataclass
class RecordFrames:
    """Valid records (the kind's columns plus `_line`) and rejects (file, line, reason, record)."""

    valid: Any  # pyspark DataFrame
    rejects: Any  # pyspark DataFrame


def read_jsonl(spark, path: str, kind: RecordKind) -> RecordFrames:
    """`path`: a JSONL file or a directory of them. Lines split on "\\n" only, as the local reader does."""
    from pyspark.sql import functions as F

    raw = spark.read.option("lineSep", "\n").text(path).select(
        F.col("value").cast("binary").alias("raw"), F.input_file_name().alias("_path"),
        F.input_file_block_start().alias("_block"))
    parsed = raw.mapInArrow(_jsonl_parser(kind), _spark_schema(_parsed_schema(kind))).persist()
    counts = parsed.groupBy("_file", "_block").count().collect()
    bases = _split_bases([(r["_file"], r["_block"], r["count"]) for r in counts])
    base_frame = spark.createDataFrame(bases, "_file string, _block long, _base long")
    numbered = parsed.join(F.broadcast(base_frame), ["_file", "_block"]).withColumn(
        "_line", F.col("_base") + F.col("_index") + 1)
    return _finish(numbered, kind)


def read_parquet(spark, path: str, kind: RecordKind) -> RecordFrames:
    """`path`: a Parquet file or a directory of Parquet files (any partitioning Spark reads)."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(path)
    columns = [c for c in frame.columns if not c.startswith("_")]
    raw = frame.select(*columns, F.col("_metadata.file_path").alias("_path"),
                       F.col("_metadata.row_index").alias("_index"))
    parsed = raw.mapInArrow(_parquet_parser(kind, columns), _spark_schema(_parsed_schema(kind))).persist()
    return _finish(parsed.withColumn("_line", F.col("_index") + 1), kind)


def _finish(numbered, kind: RecordKind) -> RecordFrames:
    from pyspark.sql import functions as F

    rejects = numbered.where(F.col("_status") == REJECT).select(
        _file_name("_file").alias("file"), F.col("_line").alias("line"), F.col("_reason").alias("reason"),
        F.col("_record").alias("record"))
    valid = numbered.where(F.col("_status") == OK).select(*kind.arrow_schema().names, "_file", "_line")
    return _unique(RecordFrames(valid, rejects), kind)


def _file_name(column: str):
    from pyspark.sql import functions as F

    return F.element_at(F.split(F.col(column), "/"), -1)


def _unique(frames: RecordFrames, kind: RecordKind) -> RecordFrames:
    """A repeated id is rejected, naming the line of its first valid occurrence (as the local reader does)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_id = Window.partitionBy(kind.id_field).orderBy("_file", "_line")
    ranked = frames.valid.withColumn("_rank", F.row_number().over(by_id)).withColumn(
        "_first", F.first("_line").over(by_id))
    repeated = ranked.where(F.col("_rank") > 1).select(
        *kind.arrow_schema().names, "_file", "_line",
        F.format_string("duplicate %s %%s (first at line %d)", F.lit(kind.id_field), F.col("_first")).alias("_why"))
    valid = ranked.where(F.col("_rank") == 1).drop("_rank", "_first")
    return RecordFrames(valid, frames.rejects.unionByName(_record_rejects(repeated, kind, kind.id_field)))


def known_sellers(listings: RecordFrames, sellers) -> RecordFrames:
    """Listings whose seller is not among `sellers` (a DataFrame with `seller_id` and any other columns to
    attach) become rejects; the others come back with the sellers' columns joined."""
    from pyspark.sql import functions as F

    joined = listings.valid.join(sellers.withColumn("_known", F.lit(True)), "seller_id", "left")
    unknown = joined.where(F.col("_known").isNull()).select(
        *LISTING.arrow_schema().names, "_file", "_line", F.lit("unknown seller_id %s").alias("_why"))
    valid = joined.where(F.col("_known")).drop("_known")
    return RecordFrames(valid, listings.rejects.unionByName(_record_rejects(unknown, LISTING, "seller_id")))


def _record_rejects(rows, kind: RecordKind, subject: str):
    """Rows of valid records with a reason template `_why` whose `%s` is the Python repr of the record's
    field `subject` -> rejects carrying the record as JSON, as the local reader writes them."""
    return rows.mapInArrow(_reject_formatter(kind, subject), _spark_schema(REJECT_SCHEMA))


def _reject_formatter(kind: RecordKind, subject: str):
    names = kind.arrow_schema().names
    from_row = listing_from_row if kind is LISTING else seller_from_row

    def format_rejects(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            out = []
            for row in batch.to_pylist():
                record = from_row({k: row[k] for k in names})
                out.append({"file": PurePosixPath(row["_file"]).name, "line": row["_line"],
                            "reason": row["_why"] % repr(getattr(record, subject)),
                            "record": json.dumps(kind.to_row(record), ensure_ascii=False)})
            yield pa.RecordBatch.from_pylist(out, schema=REJECT_SCHEMA)

    return format_rejects


def _parsed_schema(kind: RecordKind) -> pa.Schema:
    schema = kind.arrow_schema()
    for name, type_ in _META:
        schema = schema.append(pa.field(name, type_))
    return schema


def _spark_schema(schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _split_bases(counts: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(file, split start, lines in split) -> (file, split start, lines before the split)."""
    bases = []
    running: dict[str, int] = {}
    for file, block, lines in sorted(counts):
        bases.append((file, block, running.get(file, 0)))
        running[file] = running.get(file, 0) + lines
    return bases


class _BatchBuilder:
    """Collects parsed rows (valid records and rejects) and emits Arrow batches of the parsed schema; `_file`
    is the file's full path (files of one name in two directories are numbered apart), rejects name it."""

    def __init__(self, kind: RecordKind) -> None:
        self.kind = kind
        self.schema = _parsed_schema(kind)
        self.empty_record = dict.fromkeys(kind.arrow_schema().names)
        self.rows: list[dict[str, Any]] = []

    def add(self, file: str, block: int, index: int, status: int, record: Any = None, reason: str | None = None,
            text: str | None = None) -> None:
        row = self.kind.to_row(record) if record is not None else dict(self.empty_record)
        row.update(_file=file, _block=block, _index=index, _status=status, _reason=reason, _record=text)
        self.rows.append(row)

    def flush(self) -> pa.RecordBatch:
        batch = pa.RecordBatch.from_pylist(self.rows, schema=self.schema)
        self.rows = []
        return batch


def _jsonl_parser(kind: RecordKind):
    def parse_lines(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        out = _BatchBuilder(kind)
        next_index: dict[tuple[str, int], int] = {}
        for batch in batches:
            for raw, path, block in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
                index = next_index.get((path, block), 0)
                next_index[(path, block)] = index + 1
                _parse_line(out, kind, path, block, index, raw)
            yield out.flush()

    return parse_lines


def _parse_line(out: _BatchBuilder, kind: RecordKind, file: str, block: int, index: int, raw: bytes) -> None:
    """The local reader's rules (`listings.bundle.parse_line`), line by line."""
    item = parse_line(file, index, raw, kind.decode)
    if item is None:
        out.add(file, block, index, BLANK)
    elif isinstance(item, Reject):
        out.add(file, block, index, REJECT, reason=item.reason, text=item.record)
    else:
        out.add(file, block, index, OK, record=item)


def _parquet_parser(kind: RecordKind, columns: list[str]):
    def parse_rows(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        out = _BatchBuilder(kind)
        for batch in batches:
            paths = batch.column("_path").to_pylist()
            indexes = batch.column("_index").to_pylist()
            for obj, file, index in zip(batch.select(columns).to_pylist(), paths, indexes, strict=True):
                try:
                    out.add(file, 0, index, OK, record=kind.parse(obj))
                except RecordError as e:
                    out.add(file, 0, index, REJECT, reason=str(e),
                            text=json.dumps(obj, ensure_ascii=False, default=str))
            yield out.flush()

    return parse_rows
