"""Import throughput: `countermark import` vs the floor of writing the same rows, on SQLite and PostgreSQL.

    python bench/import_bench.py [--listings 200000]

The floor reads the same listings.jsonl (json.loads per line) and writes the listing and image rows
with no validation and no upsert: plain executemany on SQLite, COPY on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert, text  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from countermark.listings.bundle import Bundle  # noqa: E402
from countermark.listings.models import Listing, ListingImage  # noqa: E402
from countermark.listings.service import import_bundle  # noqa: E402
from countermark.storage.engine import make_engine  # noqa: E402
from countermark.storage.migrate import upgrade  # noqa: E402

COLUMNS = ("listing_id", "seller_id", "title", "description", "price", "currency", "category", "quantity",
           "ships_from", "created_at")


def make_bundle(root: Path, n: int) -> Path:
    from typer.testing import CliRunner

    from countermark.cli import app

    result = CliRunner().invoke(app, ["demo", str(root), "--listings", str(n), "--seed", "11", "--no-images"])
    if result.exit_code != 0:
        raise SystemExit(f"demo generation failed: {result.output}")
    return root


def fresh(engine_url: str) -> Engine:
    engine = make_engine(engine_url)
    upgrade(engine)
    return engine


def seed_sellers_and_brands(engine: Engine, bundle: Bundle, tmp: Path) -> None:
    """The floor writes listings only, so both runs start with brands and sellers present."""
    import_bundle(engine, _without_listings(bundle, tmp), tmp / "seed.rejects.jsonl")


def _without_listings(bundle: Bundle, tmp: Path) -> Bundle:
    root = tmp / "no-listings"
    if not root.exists():
        root.mkdir()
        for name in ("bundle.json", "brands.jsonl", "sellers.jsonl"):
            (root / name).write_bytes((bundle.root / name).read_bytes())
        (root / "listings.jsonl").write_text("")
    return Bundle.open(root)


def rows(bundle: Bundle):
    with bundle.listings_path.open("rb") as f:
        for line in f:
            obj = json.loads(line)
            yield obj


def floor_sqlite(engine: Engine, bundle: Bundle) -> float:
    start = time.perf_counter()
    batch, images = [], []
    with engine.begin() as conn:
        for obj in rows(bundle):
            batch.append({c: obj.get(c, "") for c in COLUMNS})
            images.extend({"listing_id": obj["listing_id"], "position": i, "path": p}
                          for i, p in enumerate(obj["images"]))
            if len(batch) >= 5000:
                conn.execute(insert(Listing), batch)
                if images:
                    conn.execute(insert(ListingImage), images)
                batch, images = [], []
        if batch:
            conn.execute(insert(Listing), batch)
            if images:
                conn.execute(insert(ListingImage), images)
    return time.perf_counter() - start


def floor_postgres(engine: Engine, bundle: Bundle) -> float:
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY listings ({', '.join(COLUMNS)}, status) FROM STDIN") as copy:
            for obj in rows(bundle):
                copy.write_row([obj.get(c, "") for c in COLUMNS] + ["active"])
        with cur.copy("COPY listing_images (listing_id, position, path) FROM STDIN") as copy:
            for obj in rows(bundle):
                for i, p in enumerate(obj["images"]):
                    copy.write_row([obj["listing_id"], i, p])
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start


def ours(engine: Engine, bundle: Bundle, tmp: Path) -> float:
    start = time.perf_counter()
    report = import_bundle(engine, bundle, tmp / "bench.rejects.jsonl")
    elapsed = time.perf_counter() - start
    assert report.rejects == 0, f"{report.rejects} rejects"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bundle = Bundle.open(make_bundle(tmp / "bundle", args.listings))
        n = args.listings
        print(f"bundle: {n:,} listings ({bundle.listings_path.stat().st_size / 1e6:.0f} MB listings.jsonl)")
        results = []
        for label, url_of, floor in (
            ("SQLite", lambda name: f"sqlite:///{tmp / name}.db", floor_sqlite),
            ("PostgreSQL", None, floor_postgres),
        ):
            cluster = None
            if url_of is None:
                cluster = PgCluster().start()
                url_of = cluster.create_database
            try:
                e_floor = fresh(url_of("floor"))
                seed_sellers_and_brands(e_floor, bundle, tmp)
                t_floor = floor(e_floor, bundle)
                e_ours = fresh(url_of("ours"))
                seed_sellers_and_brands(e_ours, bundle, tmp)
                t_ours = ours(e_ours, bundle, tmp)
                with e_ours.connect() as conn:
                    stored = conn.execute(text("SELECT count(*) FROM listings")).scalar()
                assert stored == n, stored
                e_floor.dispose()
                e_ours.dispose()
            finally:
                if cluster:
                    cluster.stop()
            results.append((label, t_ours, t_floor))
        print(f"{'engine':<11} {'ours l/s':>10} {'floor l/s':>10} {'ratio':>6}")
        for label, t_ours, t_floor in results:
            print(f"{label:<11} {n / t_ours:>10,.0f} {n / t_floor:>10,.0f} {t_ours / t_floor:>6.2f}x")


if __name__ == "__main__":
    main()
