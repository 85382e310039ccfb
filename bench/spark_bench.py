"""Scan N text-only listings with the Spark engine and with the local engine, in the same run.

    .venv/bin/python bench/spark_bench.py                 # 2,000,000 listings (the issue's size)
    .venv/bin/python bench/spark_bench.py --n 200000      # a quicker run

The listings are a `countermark demo` marketplace (no images) whose listings are repeated under new ids up to
N, so the text is realistic and every engine reads the same JSONL bundle. Both engines use the same cores
(`--cores`, default 2): the local engine with that many worker processes, Spark with local[cores]. Each engine
scans a small bundle (`--small`) and the full one; with time = start-up + n / rate, the two runs give the
rate. Spark first scans the small bundle once cold: its fixed start-up cost is the session start plus the
fixed part of that first scan (JIT, Python workers, engine builds). Printed: listings/s per core for each,
the ratio, the start-up costs, and the crossover: the size from which a cluster of C cores beats this
machine's local engine, assuming the per-core rate measured here holds on the cluster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from countermark.detection.batch import scan_bundle
from countermark.listings.demo import generate


def make_bundle(root: Path, n: int, base: Path) -> Path:
    """A bundle of `n` listings: the base bundle's listings repeated under new ids."""
    root.mkdir(parents=True)
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl"):
        shutil.copy(base / name, root / name)
    lines = [json.loads(line) for line in (base / "listings.jsonl").read_text(encoding="utf-8").splitlines()]
    with (root / "listings.jsonl").open("w", encoding="utf-8") as out:
        for i in range(n):
            row = dict(lines[i % len(lines)])
            row["listing_id"] = f"B{i:09d}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def fit(small_n: int, small_s: float, n: int, seconds: float) -> tuple[float, float]:
    """(start-up seconds, listings/s) of time = start-up + n / rate through two points (if the small run was
    not faster, e.g. on a busy machine, the rate is the full run's and the start-up 0)."""
    if seconds <= small_s:
        return 0.0, n / seconds
    rate = (n - small_n) / (seconds - small_s)
    return max(seconds - n / rate, 0.0), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2_000_000, help="listings in the full run")
    parser.add_argument("--small", type=int, default=2_000, help="listings in the small runs (mostly fixed cost)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from countermark.spark import jobs
    from countermark.spark.session import spark_session

    work = Path(tempfile.mkdtemp(prefix="spark-bench-"))
    try:
        base = work / "base"
        generate(base, listings=5_000, seed=args.seed, with_images=False)
        small = make_bundle(work / "small", args.small, base)
        full = make_bundle(work / "full", args.n, base)
        print(f"bundles: {args.small:,} and {args.n:,} listings "
              f"({(full / 'listings.jsonl').stat().st_size / 1e6:,.0f} MB JSONL)", file=sys.stderr)

        local = {size: timed(lambda b=b: scan_bundle(b, work / "local.jsonl", workers=args.cores))
                 for size, b in ((args.small, small), (args.n, full))}
        session_start = timed(lambda: spark_session(f"local[{args.cores}]"))
        spark = spark_session(f"local[{args.cores}]")
        cold_small = timed(lambda: jobs.scan(spark, small, work / "decisions"))  # first jobs: JIT, workers
        on_spark = {size: timed(lambda b=b: jobs.scan(spark, b, work / "decisions"))
                    for size, b in ((args.small, small), (args.n, full))}
        spark.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    local_startup, local_rate = fit(args.small, local[args.small], args.n, local[args.n])
    _, spark_rate = fit(args.small, on_spark[args.small], args.n, on_spark[args.n])
    # Fixed cost of a Spark run in a new process: the session, then the first jobs of the session.
    spark_startup = session_start + max(cold_small - args.small / spark_rate, 0.0)
    per_core_local, per_core_spark = local_rate / args.cores, spark_rate / args.cores
    print(f"{'engine':<8}{'n':>12}{'seconds':>10}{'listings/s':>12}{'per core':>10}{'fixed start-up s':>18}")
    for name, times, rate, startup in (("local", local, local_rate, local_startup),
                                       ("spark", on_spark, spark_rate, spark_startup)):
        print(f"{name:<8}{args.n:>12,}{times[args.n]:>10.1f}{args.n / times[args.n]:>12,.0f}"
              f"{rate / args.cores:>10,.0f}{startup:>18.1f}")
    print(f"per-core rate spark/local: {per_core_spark / per_core_local:.2f}  (Spark session start "
          f"{session_start:.1f} s + first scan {cold_small:.1f} s for {args.small:,} listings; a warm Spark scan "
          f"of them {on_spark[args.small]:.1f} s)")
    print(f"crossover point vs the local engine on {args.cores} cores (listings from which Spark on C cores is "
          f"faster):")
    for cores in (2, 8, 32, 128, 512):
        gain = 1 / (args.cores * per_core_local) - 1 / (cores * per_core_spark)
        crossover = (spark_startup - local_startup) / gain if gain > 0 else float("inf")
        print(f"  C = {cores:>4}: " + ("never" if crossover == float("inf") else f"{crossover:,.0f} listings"))


if __name__ == "__main__":
    main()
