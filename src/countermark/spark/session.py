"""Build a SparkSession for countermark jobs: local[N] on one machine, or any master Spark accepts."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

DEFAULT_MASTER = "local[2]"


class SparkUnavailable(RuntimeError):
    """PySpark (the `spark` extra) or Java is missing; the message says which and how to fix it."""


def local_cores(master: str) -> int | None:
    """The N of `local[N]` (`local` is 1, `local[*]` every core); None for a cluster master."""
    if master == "local":
        return 1
    if master.startswith("local[") and master.endswith("]"):
        inner = master[len("local["):-1].split(",", 1)[0]
        return (os.cpu_count() or 1) if inner == "*" else int(inner)
    return None


def local_settings(cores: int) -> dict[str, str]:
    """Settings for one machine: few shuffle partitions (the default 200 is for clusters), no UI,
    Arrow batches large enough to amortise the Python round trip."""
    return {
        "spark.sql.shuffle.partitions": str(max(2, 2 * cores)),
        "spark.default.parallelism": str(max(2, 2 * cores)),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.adaptive.enabled": "true",
        "spark.driver.memory": os.environ.get("COUNTERMARK_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
        "spark.python.worker.reuse": "true",  # the engine cached in a worker survives across tasks
    }


def spark_session(master: str = DEFAULT_MASTER, *, app_name: str = "countermark",
                  conf: Mapping[str, str] | None = None):  # -> pyspark.sql.SparkSession
    """The active session, or a new one. For local masters the Python workers run this interpreter (the one
    that has pyarrow, pandas and countermark); on a cluster, the job's own archive provides them
    (docs/spark.md), so PYSPARK_PYTHON is left as the submitter set it."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("PySpark is not installed: pip install 'countermark[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:  # a session its creator configured (a test's, a driver script's): used as it is
        return active
    settings: dict[str, str] = {}
    cores = local_cores(master)
    if cores is not None:
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
        settings.update(local_settings(cores))
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # the JVM gateway fails with several types when Java is missing or broken
        raise SparkUnavailable(f"cannot start Spark with master {master!r}: {str(e).splitlines()[0]}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark
