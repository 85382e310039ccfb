"""The resumable Parquet output (parts.py) and the layout of the scan stage (one part per partition, in input
order). The end-to-end resume of a scan is in test_jobs.py."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from countermark.spark.parts import CannotResume, PartCounts, PartsDir

SCHEMA = pa.schema([("listing_id", pa.string()), ("decision", pa.string())])


def _batch(*decisions: str) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"listing_id": f"L{i}", "decision": d} for i, d in enumerate(decisions)],
                                      schema=SCHEMA)


def _flagged(batch: pa.RecordBatch) -> int:
    return batch.column("decision").to_pylist().count("flag")


def test_parts_commit_resume_and_swap_in(tmp_path: Path) -> None:
    out = tmp_path / "decisions"
    parts = PartsDir.beside(out)
    assert parts.start(out, {"input": "a"}, 3, resume=False) == (3, {})
    assert parts.write_part(0, [_batch("flag", "pass"), _batch("flag")], SCHEMA, _flagged) == PartCounts(3, 2)
    parts.part_path(1).write_bytes(b"torn")  # a part whose writer died before committing
    (parts.path / ".part-00002.abc.tmp").write_bytes(b"")

    with pytest.raises(CannotResume):
        parts.start(out, {"input": "b"}, 3, resume=True)
    assert parts.start(out, {"input": "a"}, 5, resume=True) == (3, {0: PartCounts(3, 2)})  # its own partitions
    assert sorted(p.name for p in parts.path.glob("*.parquet")) == ["part-00000.parquet"]
    assert not list(parts.path.glob(".*.tmp"))

    parts.write_part(2, [_batch("pass")], SCHEMA, _flagged)
    counts = parts.finish(out, 3, SCHEMA)  # part 1 had no listings: an empty file
    assert counts == {0: PartCounts(3, 2), 1: PartCounts(0, 0), 2: PartCounts(1, 0)}
    assert not parts.path.exists()
    assert pq.read_table(out).num_rows == 4
    assert pq.read_table(out / "part-00001.parquet").schema == SCHEMA

    # Resuming the finished output does nothing; other inputs cannot resume it; a new run starts again.
    assert parts.start(out, {"input": "a"}, 3, resume=True)[1] == counts
    parts.finish(out, 3, SCHEMA)
    with pytest.raises(CannotResume):
        parts.start(out, {"input": "b"}, 3, resume=True)
    assert parts.start(out, {"input": "b"}, 2, resume=False) == (2, {})


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_scan_stage_holds_one_part_per_partition_in_input_order(spark) -> None:
    from pyspark.sql import functions as F

    from countermark.spark.partitioning import with_parts

    rows = [(f"L{i:04d}", "f", 1000 - i) for i in range(600)]
    listings = spark.createDataFrame(rows, "listing_id string, _file string, _line long").repartition(3)
    laid_out = with_parts(listings, 7, skip={4}).select(F.spark_partition_id().alias("p"), "_part", "_line")
    got = laid_out.collect()
    assert {r["p"] for r in got} == {r["_part"] for r in got} == {0, 1, 2, 3, 5, 6}
    assert all(r["p"] == r["_part"] for r in got)
    for part in range(7):
        lines = [r["_line"] for r in got if r["_part"] == part]
        assert lines == sorted(lines)
    assert 400 < len(got) < 600  # part 4's listings (about 1/7) left out
