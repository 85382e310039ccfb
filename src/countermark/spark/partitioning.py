"""How many partitions a CPU-bound Python stage gets: enough to keep every core busy, and small tasks.

The scan stage is hash-partitioned by `listing_id` into max(2 x cores, input bytes / 64 MiB) partitions:
2 x cores so a slow task does not idle a core at the end of a stage, 64 MiB of JSONL (about 200k listings)
so a task lasts seconds to a minute and a failed one is cheap to re-run.
"""

from __future__ import annotations

import math

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


def scan_partitions(spark, input_path: str) -> int:
    size = input_bytes(spark, input_path) or 0
    return max(2 * total_cores(spark), math.ceil(size / BYTES_PER_PARTITION))
