"""Reading Parquet on Spark applies the local reader's validation: same valid records, same rejects.

(JSONL reading, with bad lines of every kind across file splits, is checked end to end in test_jobs.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from countermark.listings.bundle import Bundle
from countermark.listings.records import Listing, Reject
from countermark.spark.reading import LISTING, known_sellers, listing_from_row, read_parquet

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one SparkSession


def _local(items) -> tuple[dict[str, Listing], list[tuple]]:
    records, rejects = {}, []
    for item in items:
        if isinstance(item, Reject):
            rejects.append((item.file, item.line, item.reason, item.record))
        else:
            records[item.listing_id] = item
    return records, rejects


def _rejects(frame) -> list[tuple]:
    return [tuple(r) for r in frame.orderBy("file", "line").collect()]


def test_parquet_listings_match_the_local_reader(spark, dirty_bundle: Path, tmp_path: Path) -> None:
    bundle_dir = tmp_path / "bundle"
    bundle_dir.mkdir()
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl"):
        (bundle_dir / name).write_bytes((dirty_bundle / name).read_bytes())
    lines = (dirty_bundle / "listings.jsonl").read_bytes().splitlines()[:400]
    rows = [json.loads(line) for line in lines if line.startswith(b'{"')]
    rows[7]["price"] = -1.0
    rows[9]["title"] = None
    rows[11]["quantity"] = -2
    rows.append(dict(rows[3]))  # duplicate listing_id
    pq.write_table(pa.Table.from_pylist(rows), bundle_dir / "listings.parquet", row_group_size=64)

    seller_ids = spark.createDataFrame([(s,) for s in Bundle.open(bundle_dir).seller_ids()], "seller_id string")
    frames = known_sellers(read_parquet(spark, str(bundle_dir / "listings.parquet"), LISTING), seller_ids)
    local_listings, local_rejects = _local(Bundle.open(bundle_dir).listings())
    got_rejects = _rejects(frames.rejects)
    assert {r[1] for r in got_rejects} >= {8, 10, 12, len(rows)}
    # Same lines, reasons and records; the file of a duplicate is named as it is (locally "listings.jsonl").
    assert [r[1:] for r in got_rejects] == [r[1:] for r in local_rejects]
    assert {r[0] for r in got_rejects} == {"listings.parquet"}
    columns = LISTING.arrow_schema().names
    got = {r["listing_id"]: listing_from_row({k: r[k] for k in columns}) for r in frames.valid.collect()}
    assert got == local_listings
