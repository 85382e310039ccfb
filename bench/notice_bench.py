"""Notice benchmark (issue 6), on a throwaway PostgreSQL cluster.

(a) Bulk intake: N notices (default 100,000) as CSV files of 10,000 rows through
    `service.import_notices_csv` (per-row validation, idempotency, review items, hash-chained audit
    entries), against the floor of the same run: parse the same CSV with the csv module and COPY the
    notice and review-item rows (ids assigned client-side, no checks, no audit). Goal: ratio <= 3x.
(b) A simulated 30-day marketplace: notifiers (two accurate, three sloppy) send notices through the
    day, a detection scan flags listings proactively, reviewers work the queue in office hours with a
    fixed capacity, sellers file counter-notices, the daily job restores listings and re-checks the
    expedited lane. Reports time-to-action p50/p95 for trusted vs normal notifiers (and per lane) and
    the share of removals that were proactive.

    python bench/notice_bench.py                      # defaults of issue 6
    python bench/notice_bench.py --n 20000 --days 10  # quick run
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

import numpy as np  # noqa: E402
from sqlalchemy import Engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from countermark.detection.reasons import Decision as Flag  # noqa: E402
from countermark.detection.reasons import Reason  # noqa: E402
from countermark.enforcement import service  # noqa: E402
from countermark.enforcement.models import AuditEntry, Notice, ReviewItem  # noqa: E402
from countermark.rights.models import Brand, Trademark  # noqa: E402
from countermark.storage.engine import make_engine, transaction  # noqa: E402
from countermark.storage.migrate import upgrade  # noqa: E402

HEADER = "idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
ROWS_PER_FILE = 10_000
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday


def _copy(engine: Engine, statement: str, rows: Iterable[tuple]) -> None:
    with engine.begin() as conn, conn.connection.driver_connection.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def seed(engine: Engine, listings: int, sellers: int = 1000) -> None:
    """Brands, sellers and listings (not measured)."""
    with transaction(engine) as session:
        session.add(Brand(brand_id="acme", name="Acme", owner="Acme Corp", trademarks=[
            Trademark(mark="ACME", office="EUIPO", registration_number="EU-001", verification_status="verified")]))
    now = START.isoformat()
    _copy(engine, "COPY sellers (seller_id, display_name, country, registered_at, status, imported_at) FROM STDIN",
          ((f"S{s}", f"Shop {s}", "DE", "2025-01-01", "active", now) for s in range(sellers)))
    _copy(engine, "COPY listings (listing_id, seller_id, title, description, price, currency, category, quantity, "
                  "ships_from, created_at, status) FROM STDIN",
          ((f"L{i}", f"S{i % sellers}", f"Acme item {i}", "", 10.0, "USD", "bags", 1, "CN", now, "active")
           for i in range(listings)))


def write_csvs(directory: Path, n: int) -> list[Path]:
    files = []
    for start in range(0, n, ROWS_PER_FILE):
        path = directory / f"notices-{start // ROWS_PER_FILE:03d}.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(HEADER)
            for i in range(start, min(n, start + ROWS_PER_FILE)):
                fh.write(f'n{i},acme,EU-001,L{i},"Counterfeit Acme bag, fake logo (case {i})",yes\n')
        files.append(path)
    return files


def intake(engine: Engine, files: list[Path]) -> float:
    with transaction(engine) as session:
        service.register_notifier(session, notifier_id="acme-legal", name="Acme Legal", email="legal@acme.example",
                                  brands=["acme"])
    began = time.perf_counter()
    for path in files:
        with transaction(engine) as session:
            report = service.import_notices_csv(session, path, notifier_id="acme-legal")
            assert report.accepted == ROWS_PER_FILE or path == files[-1], report.rejects[:3]
    return time.perf_counter() - began


def copy_floor(engine: Engine, files: list[Path]) -> float:
    """Parse the same CSVs and COPY notice + review-item rows: no validation, no idempotency, no audit."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO notifiers (notifier_id, name, email, address, created_at, expedited) "
                          "VALUES ('acme-legal', 'Acme Legal', 'legal@acme.example', '', now(), false)"))
    now = START.isoformat()
    began = time.perf_counter()
    next_id = 1
    for path in files:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        ids = range(next_id, next_id + len(rows))
        next_id += len(rows)
        _copy(engine, "COPY notices (id, notifier_id, idempotency_key, fingerprint, notifier_name, notifier_email, "
                      "brand_id, trademark_registration, explanation, good_faith, channel, lane, received_at, status) "
                      "FROM STDIN",
              ((i, "acme-legal", r["idempotency_key"], "", "Acme Legal", "legal@acme.example", r["brand_id"],
                r["trademark_registration"], r["explanation"], True, "csv", "normal", now, "open")
               for i, r in zip(ids, rows, strict=True)))
        _copy(engine, "COPY review_items (source, lane, notice_id, position, location, listing_id, seller_id, "
                      "brand_id, created_at, status, automated) FROM STDIN",
              (("notice", "normal", i, 0, r["listings"], r["listings"], "S0", r["brand_id"], now, "open", False)
               for i, r in zip(ids, rows, strict=True)))
    return time.perf_counter() - began


# --- (b) simulated marketplace ---------------------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def simulate(engine: Engine, days: int, seed_value: int = 7) -> dict:
    rng = random.Random(seed_value)
    listings = 40_000
    counterfeit = set(rng.sample(range(listings), listings // 5))
    clock = Clock()
    policy = service.Policy(lane_min_decided=40, strikes_to_suspend=1_000_000)  # sellers stay open: steady supply
    notifiers = {"trusted-1": 0.97, "trusted-2": 0.95, "normal-1": 0.75, "normal-2": 0.7, "normal-3": 0.6}
    with transaction(engine) as session:
        for name in notifiers:
            service.register_notifier(session, notifier_id=name, name=name, email=f"{name}@brand.example",
                                      brands=["acme"], clock=clock)
    reported: set[int] = set()
    capacity_per_hour = 12  # reviewer decisions per office hour
    key = 0
    for day in range(days):
        for hour in range(24):
            clock.now = START + timedelta(days=day, hours=hour)
            with transaction(engine) as session:
                for name, accuracy in notifiers.items():
                    if rng.random() < 18 / 24:  # ~18 notices a day each
                        pool = counterfeit if rng.random() < accuracy else None
                        target = rng.choice(tuple(pool)) if pool else rng.randrange(listings)
                        key += 1
                        with contextlib.suppress(service.IntakeSuspended):
                            service.submit_notice(session, service.NoticeInput(
                                notifier_id=name, idempotency_key=f"{name}-{key}", brand_id="acme",
                                trademark_registration="EU-001", listings=[f"L{target}"],
                                explanation="counterfeit", good_faith=True), clock=clock, policy=policy)
                if hour == 3:  # nightly scan: catches part of the counterfeits not yet reported
                    fresh = [i for i in rng.sample(sorted(counterfeit - reported), 40)]
                    reported.update(fresh)
                    service.record_proactive_flags(session, [
                        Flag(f"L{i}", "flag", 0.9, "acme", None, (Reason("replica_words", "says replica", 0.6),),
                             "sim-1") for i in fresh], clock=clock)
                weekday = clock.now.weekday() < 5
                if weekday and 8 <= hour < 18:
                    for item in service.list_queue(session, statuses=("open",), limit=capacity_per_hour):
                        is_fake = int(item.listing_id[1:]) in counterfeit
                        reviewer = rng.choice(["user:alice", "user:bob"])
                        if is_fake:
                            service.remove(session, [item.id], reviewer=reviewer, clock=clock, policy=policy)
                        else:
                            service.reject(session, [item.id], reviewer=reviewer, reason="not counterfeit",
                                           clock=clock, policy=policy)
                if hour == 12:  # sellers contest removals: nearly always when wrongly removed, rarely otherwise
                    removed = session.scalars(select(ReviewItem).where(
                        ReviewItem.outcome == "removed", ReviewItem.decided_at >= clock.now - timedelta(days=1),
                        ReviewItem.restored_at.is_(None))).all()
                    for item in removed:
                        fake = int(item.listing_id[1:]) in counterfeit
                        if rng.random() < (0.02 if fake else 0.9):
                            with contextlib.suppress(service.NotAllowed):
                                counter = service.submit_counter_notice(
                                    session, item.listing_id, seller_id=item.seller_id, explanation="genuine",
                                    clock=clock, policy=policy)
                                if fake and counter.notifier_id:  # the brand goes to court over real fakes
                                    service.record_legal_action(session, counter.id, notifier_id=counter.notifier_id,
                                                                details="case filed", clock=clock)
            if hour == 1:
                with transaction(engine) as session:
                    service.run_daily(session, clock=clock, policy=policy)
    return measure(engine)


def measure(engine: Engine) -> dict:
    with transaction(engine) as session:
        rows = session.execute(select(ReviewItem.source, ReviewItem.lane, Notice.notifier_id, ReviewItem.created_at,
                                      ReviewItem.decided_at, ReviewItem.automated)
                               .outerjoin(Notice, Notice.id == ReviewItem.notice_id)
                               .where(ReviewItem.outcome == "removed")).all()
        chain = service_chain_ok(session)
    hours = {"trusted notifiers": [], "normal notifiers": [], "proactive": []}
    lanes: dict[str, list[float]] = {}
    for source, lane, notifier, created, decided, _automated in rows:
        delay = (decided - created).total_seconds() / 3600
        group = "proactive" if source == "proactive" else (
            "trusted notifiers" if notifier.startswith("trusted") else "normal notifiers")
        hours[group].append(delay)
        lanes.setdefault(lane, []).append(delay)
    summary = {g: _percentiles(v) for g, v in hours.items()}
    summary.update({f"lane {lane}": _percentiles(v) for lane, v in sorted(lanes.items())})
    proactive = len(hours["proactive"])
    return {"time_to_action_hours": summary, "removals": len(rows),
            "proactive_share": proactive / len(rows) if rows else 0.0, "audit_chain_ok": chain}


def service_chain_ok(session: Session) -> bool:
    from countermark.enforcement import audit

    return audit.verify_chain(audit.stored_entries(session)) is None


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(float(np.percentile(values, 50)), 2),
            "p95": round(float(np.percentile(values, 95)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="notices for the bulk-intake part")
    parser.add_argument("--days", type=int, default=30, help="days of simulated marketplace")
    args = parser.parse_args()
    cluster = PgCluster().start()
    try:
        template = cluster.create_database("seeded")
        engine = make_engine(template)
        upgrade(engine)
        seed(engine, listings=max(args.n, 40_000))
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            files = write_csvs(Path(tmp), args.n)
            ours_engine = make_engine(cluster.create_database("ours", template="seeded"))
            floor_engine = make_engine(cluster.create_database("floor", template="seeded"))
            ours = intake(ours_engine, files)
            floor = copy_floor(floor_engine, files)
            with transaction(ours_engine) as session:
                stored = session.scalar(select(func.count()).select_from(Notice))
                audited = session.scalar(select(func.count()).select_from(AuditEntry))
            print(f"(a) bulk intake of {args.n:,} notices ({len(files)} CSV files of <= {ROWS_PER_FILE:,} rows)")
            print(f"    service.import_notices_csv: {ours:7.2f} s  ({args.n / ours:,.0f} notices/s; "
                  f"{stored:,} notices, {audited:,} audit entries)")
            print(f"    raw COPY floor:             {floor:7.2f} s  ({args.n / floor:,.0f} notices/s)")
            print(f"    ratio: {ours / floor:.2f}x (goal <= 3x)")
            for e in (ours_engine, floor_engine):
                e.dispose()
        sim_engine = make_engine(cluster.create_database("sim", template="seeded"))
        began = time.perf_counter()
        result = simulate(sim_engine, args.days)
        sim_engine.dispose()
        print(f"(b) simulated {args.days}-day marketplace ({time.perf_counter() - began:.1f} s wall)")
        print(f"    removals: {result['removals']:,}; proactive share of removals: {result['proactive_share']:.1%}")
        for group, stats in result["time_to_action_hours"].items():
            if stats["n"]:
                print(f"    time to action, {group:18s}: p50 {stats['p50']:6.2f} h  p95 {stats['p95']:6.2f} h  "
                      f"(n={stats['n']:,})")
        print(f"    audit chain verifies: {result['audit_chain_ok']}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
