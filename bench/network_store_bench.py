"""Storing `network --db` results on PostgreSQL: COPY (ours) vs the plain bulk INSERT (executemany) baseline,
on the same key rows in the same run, on a throwaway cluster.

    python bench/network_store_bench.py [--listings 20000] [--seed 3] [--repeat 3]

A demo bundle (`countermark demo --no-images`) is generated and imported; its sellers' identifiers are
normalised once into `network_keys` rows; then each variant inserts those rows --repeat times (alternating,
each in a transaction that is rolled back) and the medians are compared. Finally one full `cluster_database`
(normalise, link, store with COPY, flag) is timed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from countermark.listings.bundle import Bundle  # noqa: E402
from countermark.listings.demo import generate  # noqa: E402
from countermark.listings.service import import_bundle, seller_records  # noqa: E402
from countermark.network.linkage import seller_keys  # noqa: E402
from countermark.network.models import NetworkKey  # noqa: E402
from countermark.network.service import _bulk_insert, cluster_database  # noqa: E402
from countermark.storage.engine import make_engine, session_factory, transaction  # noqa: E402
from countermark.storage.migrate import upgrade  # noqa: E402

COLUMNS = ("seller_id", "key", "field", "raw")


def timed_insert(engine: Engine, rows: list[tuple[str, str, str, str]], variant: str) -> float:
    with session_factory(engine)() as session, session.begin():
        started = time.perf_counter()
        if variant == "copy":
            _bulk_insert(session, NetworkKey, COLUMNS, rows)
        else:
            session.execute(insert(NetworkKey), [dict(zip(COLUMNS, row, strict=True)) for row in rows])
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=20_000, help="listings of the demo bundle")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each variant (median reported)")
    args = parser.parse_args()

    cluster = PgCluster().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bundle = generate(Path(tmp) / "demo", listings=args.listings, seed=args.seed, with_images=False)
            engine = make_engine(cluster.create_database("network_store_bench"))
            upgrade(engine)
            import_bundle(engine, Bundle.open(bundle.path), Path(tmp) / "rejects.jsonl")
        with transaction(engine) as session:
            rows = [(k.seller_id, k.key, k.field, k.raw) for k in seller_keys(seller_records(session))]
        times: dict[str, list[float]] = {"executemany": [], "copy": []}
        for _ in range(args.repeat):
            for variant in times:
                times[variant].append(timed_insert(engine, rows, variant))
        baseline, ours = (statistics.median(times[v]) for v in ("executemany", "copy"))
        print(f"demo --listings {args.listings} --seed {args.seed}: {bundle.sellers} sellers, {len(rows)} key rows")
        print(f"store network_keys, executemany (baseline): {baseline:.2f} s  {len(rows) / baseline:,.0f} rows/s")
        print(f"store network_keys, COPY (ours):            {ours:.2f} s  {len(rows) / ours:,.0f} rows/s")
        print(f"speed-up: {baseline / ours:.1f}x")
        started = time.perf_counter()
        with transaction(engine) as session:
            report = cluster_database(session)
        print(f"network --db end to end (COPY): {report.sellers} sellers, {report.clusters} clusters in "
              f"{time.perf_counter() - started:.2f} s")
        engine.dispose()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
