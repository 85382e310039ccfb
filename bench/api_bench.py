"""API throughput and tail latency: notice submission and queue listing, vs a one-insert FastAPI floor.

Each server runs in its own process (uvicorn, one worker) on a free local port; a bounded number of
concurrent local clients (asyncio + httpx) send requests. For SQLite and PostgreSQL it measures
  - POST /api/v1/notices (one listing per notice, unique idempotency keys, a bearer token);
  - GET  /api/v1/queue?limit=50 (reviewer token);
  - the floor: a minimal FastAPI endpoint that inserts one row through SQLAlchemy, same DB, same load;
and prints requests/s, p50/p99 latency, errors (must be zero) and the ratio to the floor.

    .venv/bin/python bench/api_bench.py                 # 2,000 requests per measurement, 8 clients
    .venv/bin/python bench/api_bench.py --n 300 --concurrency 4 --db sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

PASSWORD = "bench-password-1"


# --- server side (run in a child process) -----------------------------------------------------------


def floor_app(url: str):  # noqa: ANN201
    """The floor: one FastAPI endpoint doing one INSERT in its own transaction."""
    from fastapi import FastAPI
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    from countermark.storage.engine import make_engine

    engine = make_engine(url)
    metadata = MetaData()
    table = Table("bench_floor", metadata, Column("id", Integer, primary_key=True), Column("key", String(100)))
    metadata.create_all(engine)
    app = FastAPI()

    @app.post("/floor", status_code=201)
    def floor(body: dict) -> dict:
        with engine.begin() as conn:
            conn.execute(insert(table).values(key=str(body.get("key", ""))))
        return {"ok": True}

    return app


def serve(kind: str, url: str, port: int) -> None:
    import uvicorn

    if kind == "floor":
        app = floor_app(url)
    else:
        from countermark.settings import Settings
        from countermark.storage.engine import make_engine
        from countermark.web.app import create_app

        app = create_app(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp())), engine=make_engine(url),
                         webhooks=False, housekeeping=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- setup and load (parent process) ------------------------------------------------------------------


def seed(url: str, listings: int) -> dict[str, str]:
    from countermark.accounts.service import create_user, issue_token
    from countermark.detection.reasons import Decision, Reason
    from countermark.enforcement.queue import record_proactive_flags
    from countermark.listings.models import Listing, Seller
    from countermark.rights import service as rights
    from countermark.rights.models import Product
    from countermark.storage.engine import make_engine, transaction
    from countermark.storage.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        brand = rights.register_brand(s, brand_id="acme", name="Acme", trademarks=[
            rights.TrademarkInput("ACME", "EUIPO", "018000001")], actor="bench")
        brand.products.append(Product(sku="T-1", title="Acme Tote", msrp=400.0))
        s.add(Seller(seller_id="S-1", display_name="shop"))
        s.flush()
        s.add_all([Listing(listing_id=f"L-{i}", seller_id="S-1", title=f"Acme Tote replica {i}", price=40.0)
                   for i in range(listings)])
        s.flush()
        holder = create_user(s, username="holder", password=PASSWORD, role="rights_holder", brands=["acme"],
                             email="holder@example.com", actor="bench")
        reviewer = create_user(s, username="reviewer", password=PASSWORD, role="reviewer", actor="bench")
        tokens = {"holder": issue_token(s, holder, actor="bench")[0],
                  "reviewer": issue_token(s, reviewer, actor="bench")[0]}
        record_proactive_flags(s, [Decision(f"L-{i}", "flag", 0.9, "acme", "T-1", (Reason("price", "cheap", 0.5),),
                                            "bench") for i in range(0, listings, 10)])
    engine.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind: str, url: str) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)}
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--url", url, "--port",
                                         str(self.port)], env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.base + "/openapi.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{kind} server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


async def load(base: str, requests: list[tuple[str, str, dict | None, dict]], concurrency: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    queue = iter(requests)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as c:

        async def client() -> None:
            for method, path, body, headers in queue:
                start = time.perf_counter()
                r = await c.request(method, path, json=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                if r.status_code >= 400:
                    errors.append(f"{r.status_code} {r.text[:200]}")

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "errors": errors}


def measure(label: str, url: str, n: int, concurrency: int) -> list[tuple[str, dict]]:
    tokens = seed(url, listings=max(n, 100))
    results = []
    app = Server("app", url)
    try:
        holder = {"Authorization": f"Bearer {tokens['holder']}"}
        # Warm-up: the first notice creates the notifier; connections and caches get going.
        asyncio.run(load(app.base, [("POST", "/api/v1/notices", {
            "brand_id": "acme", "trademark_registration": "018000001", "listings": ["L-0"], "explanation": "warm",
            "good_faith": True, "idempotency_key": "warm"}, holder)] * 2, 1))
        notices = [("POST", "/api/v1/notices", {
            "brand_id": "acme", "trademark_registration": "018000001", "listings": [f"L-{i % max(n, 100)}"],
            "explanation": "replica", "good_faith": True, "idempotency_key": f"k-{i}"}, holder) for i in range(n)]
        results.append((f"{label} POST /notices", asyncio.run(load(app.base, notices, concurrency))))
        reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
        reads = [("GET", "/api/v1/queue?limit=50", None, reviewer)] * n
        results.append((f"{label} GET /queue", asyncio.run(load(app.base, reads, concurrency))))
    finally:
        app.stop()
    floor = Server("floor", url)
    try:
        inserts = [("POST", "/floor", {"key": f"k-{i}"}, {}) for i in range(n)]
        results.append((f"{label} floor: 1 insert", asyncio.run(load(floor.base, inserts, concurrency))))
    finally:
        floor.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent local clients")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.port)
        return
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.db in ("sqlite", "both"):
            rows += measure("SQLite", f"sqlite:///{tmp}/bench.db", args.n, args.concurrency)
        if args.db in ("postgresql", "both"):
            from tests.pgcluster import PgCluster

            cluster = PgCluster().start()
            try:
                rows += measure("PostgreSQL", cluster.create_database("api_bench"), args.n, args.concurrency)
            finally:
                cluster.stop()
    print(f"\n{args.n} requests per row, {args.concurrency} concurrent clients, one uvicorn worker each")
    print(f"{'measurement':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'req/s vs floor':>15}")
    floors = {label.split()[0]: r["rps"] for label, r in rows if "floor" in label}
    for label, r in rows:
        ratio = floors[label.split()[0]] / r["rps"]
        print(f"{label:34} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} {len(r['errors']):7d} "
              f"{'floor' if 'floor' in label else f'{ratio:.2f}x slower':>15}")
    errors = [e for _, r in rows for e in r["errors"]]
    if errors:
        print(f"ERRORS ({len(errors)}), first: {errors[0]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
