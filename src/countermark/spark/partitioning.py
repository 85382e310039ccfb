"""How many partitions a CPU-bound Python stage gets, and how the scan stage lays listings out.

The scan stage is hash-partitioned by `listing_id` into max(2 x cores, input bytes / 64 MiB) partitions:
2 x cores so a slow task does not idle a core at the end of a stage, 64 MiB of JSONL (about 200k listings)
so a task lasts seconds to a minute and a failed one is cheap to re-run. With a Parquet directory as output,
each partition is one part of it (`with_parts`, parts.py), the unit a resumed scan skips or redoes.
"""

from __future__ import annotations

import math
from collections.abc import Collection

BYTES_PER_PARTITION = 64 * 1024 * 1024


def total_cores(spark) -> int:
    """Cores Spark schedules on: N for local[N]; on a cluster the default parallelism, which Spark sets to
    the executors' total cores unless `spark.default.parallelism` says otherwise."""
    from countermark.spark.session import local_cores

    sc = spark.sparkContext
    return local_cores(sc.master) or sc.defaultParallelism


def input_bytes(spark, path: str) -> int | None:
    """Size of a file or directory on any file system Spark reads (local, HDFS, S3 ...); None if unknown."""
    try:
        jvm = spark.sparkContext._jvm
        hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
        fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        return int(fs.getContentSummary(hadoop_path).getLength())
    except Exception:  # py4j raises its own error types for a missing path or an unknown scheme
        return None


def scan_partitions(spark, input_size: int | None) -> int:
    return max(2 * total_cores(spark), math.ceil((input_size or 0) / BYTES_PER_PARTITION))


def with_parts(listings, parts: int, skip: Collection[int] = ()):
    """`listings` with `_part` (a fixed function of `listing_id`: the part of the output a listing belongs
    to), laid out one part per partition, in input order: what `scan.part_files_frame` takes.

    The shuffle key is not `_part` itself (Spark would hash `_part` and put several parts in one partition)
    but, per part, an integer that Spark's hash partitioning sends to partition `_part`; a key no earlier
    stage is partitioned by, so Spark never drops or coalesces this shuffle. Only the balance depends on
    that: the writer takes any number of whole parts per partition. Listings of the parts in `skip` (already
    written by an interrupted run) are left out before the shuffle."""
    from pyspark.sql import functions as F

    routes = F.array(*(F.lit(key) for key in route_keys(listings.sparkSession, parts)))
    part = F.pmod(F.xxhash64("listing_id"), F.lit(parts)).cast("int")
    listings = listings.withColumn("_part", part)
    if skip:
        listings = listings.where(~F.col("_part").isin(sorted(skip)))
    return (listings.repartition(parts, F.element_at(routes, F.col("_part") + 1))
            .sortWithinPartitions("_part", "_file", "_line"))


def route_keys(spark, partitions: int) -> list[int]:
    """For each partition p, the smallest int that Spark's hash partitioning into `partitions` sends to p."""
    from pyspark.sql import functions as F

    candidates = spark.range(64 * partitions).select(F.col("id").cast("int").alias("key"))
    found = candidates.groupBy(F.pmod(F.hash("key"), F.lit(partitions)).alias("p")).agg(F.min("key")).collect()
    keys = {row[0]: row[1] for row in found}
    return [keys[p] for p in range(partitions)]
