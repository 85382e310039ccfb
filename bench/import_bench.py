"""Import throughput: `countermark import` vs the floor of writing the same rows, on SQLite and PostgreSQL.

    python bench/import_bench.py [--listings 200000]

The floor reads the same sellers.jsonl and listings.jsonl (json.loads per line) and writes the seller,
identifier, listing and image rows with no validation and no upsert: plain executemany on SQLite,
COPY on PostgreSQL. Both start from a database that already holds the bundle's brands.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, text  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from countermark.listings.bundle import Bundle  # noqa: E402
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


def seed_brands(engine: Engine, bundle: Bundle, tmp: Path) -> None:
    """Both runs start from a database holding the bundle's brands (a few rows, not what is measured)."""
    root = tmp / "brands-only"
    if not root.exists():
        root.mkdir()
        for name in ("bundle.json", "brands.jsonl"):
            (root / name).write_bytes((bundle.root / name).read_bytes())
        (root / "sellers.jsonl").write_text("")
        (root / "listings.jsonl").write_text("")
    import_bundle(engine, Bundle.open(root), tmp / "seed.rejects.jsonl")


def rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as f:
        for line in f:
            yield json.loads(line)


def seller_rows(bundle: Bundle) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    for obj in rows(bundle.root / "sellers.jsonl"):
        ids = [(obj["seller_id"], kind, i, v) for kind, values in obj["identifiers"].items()
               for i, v in enumerate(values)]
        yield (obj["seller_id"], obj["display_name"], obj["country"], obj["registered_at"], "active"), ids


def listing_rows(bundle: Bundle) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    for obj in rows(bundle.listings_path):
        images = [(obj["listing_id"], i, p) for i, p in enumerate(obj["images"])]
        yield tuple(obj.get(c, "") for c in COLUMNS) + ("active",), images


SELLER_SQL = "INSERT INTO sellers (seller_id, display_name, country, registered_at, status, imported_at) " \
             "VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)"
IDENT_SQL = "INSERT INTO seller_identifiers (seller_id, kind, position, value) VALUES (?, ?, ?, ?)"
LISTING_SQL = f"INSERT INTO listings ({', '.join(COLUMNS)}, status) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"
IMAGE_SQL = "INSERT INTO listing_images (listing_id, position, path) VALUES (?, ?, ?)"


def floor_sqlite(engine: Engine, bundle: Bundle) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        for source, main_sql, child_sql in ((seller_rows, SELLER_SQL, IDENT_SQL),
                                            (listing_rows, LISTING_SQL, IMAGE_SQL)):
            batch, children = [], []
            for row, kids in source(bundle):
                batch.append(row)
                children.extend(kids)
                if len(batch) >= 5000:
                    conn.exec_driver_sql(main_sql, batch)
                    if children:
                        conn.exec_driver_sql(child_sql, children)
                    batch, children = [], []
            if batch:
                conn.exec_driver_sql(main_sql, batch)
                if children:
                    conn.exec_driver_sql(child_sql, children)
    return time.perf_counter() - start


def floor_postgres(engine: Engine, bundle: Bundle) -> float:
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        idents, images = [], []
        with cur.copy("COPY sellers (seller_id, display_name, country, registered_at, status, imported_at) "
                      "FROM STDIN") as copy:
            for row, kids in seller_rows(bundle):
                copy.write_row(row + ("now",))
                idents.extend(kids)
        with cur.copy("COPY seller_identifiers (seller_id, kind, position, value) FROM STDIN") as copy:
            for row in idents:
                copy.write_row(row)
        with cur.copy(f"COPY listings ({', '.join(COLUMNS)}, status) FROM STDIN") as copy:
            for row, kids in listing_rows(bundle):
                copy.write_row(row)
                images.extend(kids)
        with cur.copy("COPY listing_images (listing_id, position, path) FROM STDIN") as copy:
            for row in images:
                copy.write_row(row)
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
                seed_brands(e_floor, bundle, tmp)
                t_floor = floor(e_floor, bundle)
                e_ours = fresh(url_of("ours"))
                seed_brands(e_ours, bundle, tmp)
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
