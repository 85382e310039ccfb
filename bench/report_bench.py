"""Enforcement metrics over generated enforcement events on PostgreSQL: `compute_metrics` (SQLAlchemy Core)
vs the same aggregations written directly in SQL, in the same run, on the same throwaway cluster.

    python bench/report_bench.py [--n 10000000] [--repeat 3]

Events = notices + review items + decisions + counter-notices + strikes + sanctions (about 9%, 37%, 38%,
1.5%, 15%, 0.3% of the total, which comes out near --n), over one year; listings (0.3 n) and sellers
(0.01 n) are loaded too, all with COPY. Both variants compute the marketplace-wide metrics for the whole
year; each runs --repeat times (alternating, after one untimed warm-up of each) and the median is compared.
The results of the two are checked to be equal. The database has work_mem = 64MB (--work-mem) so that sorts
of this size stay in memory for both.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
import psycopg  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from countermark.reporting.metrics import Metrics, compute_metrics  # noqa: E402
from countermark.storage.engine import make_engine, transaction  # noqa: E402
from countermark.storage.migrate import upgrade  # noqa: E402

T0 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
YEAR = 365 * 86400
HOUR = 3600
PERIOD = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
BRANDS = 50
NOTIFIERS = 500


def ts(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series((seconds * 1_000_000).astype(np.int64)), time_unit="us").dt.replace_time_zone("UTC")


def generate(n: int, seed: int = 42) -> dict[str, pl.DataFrame]:
    """Tables in load order, as DataFrames whose columns are the table's columns."""
    rng = np.random.default_rng(seed)
    n_sellers, n_listings, n_notices = max(100, n // 100), max(1000, 3 * n // 10), max(10, n // 10)
    n_notice_items, n_proactive = 28 * n // 100, 12 * n // 100

    def frame(length: int, **columns: object) -> pl.DataFrame:
        return pl.DataFrame({k: (v if isinstance(v, pl.Series | np.ndarray | list) else [v] * length)
                             for k, v in columns.items()})

    def text_ids(prefix: str, numbers: np.ndarray) -> pl.Series:
        return pl.Series(numbers.astype(np.int64)).cast(pl.Utf8).str.replace(r"^", prefix, literal=False)

    tables: dict[str, pl.DataFrame] = {}
    brand_ids = text_ids("B", np.arange(BRANDS))
    tables["brands"] = frame(BRANDS, brand_id=brand_ids, name=brand_ids, owner="", categories="[]",
                             created_at=ts(np.full(BRANDS, T0 - YEAR)))
    tables["sellers"] = frame(n_sellers, seller_id=text_ids("S", np.arange(n_sellers)), display_name="shop",
                              country="DE", registered_at="2024-01-01", status="active",
                              imported_at=ts(np.full(n_sellers, T0)))
    listing_seller = rng.integers(0, n_sellers, n_listings)
    posted = T0 - 30 * 86400 + rng.integers(0, YEAR + 30 * 86400, n_listings)
    tables["listings"] = frame(
        n_listings, listing_id=text_ids("L", np.arange(n_listings)), seller_id=text_ids("S", listing_seller),
        title="item", description="", price=10.0, currency="USD",
        category=text_ids("cat", rng.integers(0, 10, n_listings)), quantity=1, ships_from="",
        created_at=pl.from_epoch(pl.Series(posted), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        status="active",
    )
    notifier_brand = np.arange(NOTIFIERS) % BRANDS
    notifier_expedited = np.arange(NOTIFIERS) % 5 == 0
    tables["notifiers"] = frame(NOTIFIERS, notifier_id=text_ids("N", np.arange(NOTIFIERS)), name="notifier",
                                email="n@example.com", address="", created_at=ts(np.full(NOTIFIERS, T0 - YEAR)),
                                expedited=notifier_expedited)
    tables["notifier_brands"] = frame(NOTIFIERS, notifier_id=text_ids("N", np.arange(NOTIFIERS)),
                                      brand_id=text_ids("B", notifier_brand))
    notice_notifier = rng.integers(0, NOTIFIERS, n_notices)
    notice_lane = np.where(notifier_expedited[notice_notifier], "expedited", "normal")
    received = T0 + rng.integers(0, YEAR, n_notices)
    notice_ids = np.arange(1, n_notices + 1)
    tables["notices"] = frame(
        n_notices, id=notice_ids, notifier_id=text_ids("N", notice_notifier), idempotency_key=text_ids("k", notice_ids),
        fingerprint=text_ids("f", notice_ids), notifier_name="notifier", notifier_email="n@example.com",
        brand_id=text_ids("B", notifier_brand[notice_notifier]), trademark_registration="EU-1", explanation="fake",
        good_faith=True, channel="csv", lane=notice_lane, received_at=ts(received), status="closed",
    )

    # Review items: notice items first, then proactive flags (one per listing: engine version is unique).
    item_notice = rng.integers(0, n_notices, n_notice_items)
    notice_item_listing = rng.integers(0, n_listings, n_notice_items)
    proactive_listing = rng.choice(n_listings, n_proactive, replace=False)
    proactive_brand = rng.integers(0, BRANDS, n_proactive).astype(object)
    proactive_brand[rng.random(n_proactive) < 0.1] = None
    n_items = n_notice_items + n_proactive
    item_ids = np.arange(1, n_items + 1)
    item_listing = np.concatenate([notice_item_listing, proactive_listing])
    item_created = np.concatenate([received[item_notice], posted[proactive_listing]
                                   + rng.exponential(6 * HOUR, n_proactive).astype(np.int64)])
    item_lane = np.concatenate([notice_lane[item_notice], np.full(n_proactive, "proactive")])
    item_brand = pl.concat([text_ids("B", notifier_brand[notice_notifier[item_notice]]),
                            pl.Series([None if b is None else f"B{b}" for b in proactive_brand], dtype=pl.Utf8)])
    tables["review_items"] = frame(
        n_items, id=item_ids, source=np.where(item_lane == "proactive", "proactive", "notice"), lane=item_lane,
        notice_id=pl.Series(np.concatenate([notice_ids[item_notice], np.zeros(n_proactive, dtype=np.int64)]))
        .set(pl.Series(np.arange(n_items) >= n_notice_items), None), position=0, listing_id=text_ids("L", item_listing),
        seller_id=text_ids("S", listing_seller[item_listing]), brand_id=item_brand,
        engine_version=pl.Series([None] * n_notice_items + ["bench-1"] * n_proactive, dtype=pl.Utf8),
        created_at=ts(item_created), status="decided", automated=False,
    )

    # Decisions: a first action for 97% of items; request_info before 2% of them; restore after 3% of removals.
    acted = np.flatnonzero(rng.random(n_items) < 0.97)
    lane = item_lane[acted]
    delay = np.where(lane == "expedited", rng.exponential(0.5 * HOUR, len(acted)),
                     np.where(lane == "normal", rng.lognormal(np.log(20 * HOUR), 1.0, len(acted)),
                              rng.exponential(4 * HOUR, len(acted)))).astype(np.int64) + 1
    removed = rng.random(len(acted)) < np.where(lane == "expedited", 0.95, np.where(lane == "normal", 0.8, 0.85))
    first_at = item_created[acted] + delay
    asked = acted[rng.random(len(acted)) < 0.02]
    asked_at = item_created[asked] + 1
    removals = acted[removed]
    removal_at = first_at[removed]
    restored = rng.random(len(removals)) < 0.03
    decision_item = np.concatenate([acted, asked, removals[restored]])
    decision_at = np.concatenate([first_at, asked_at, removal_at[restored] + 12 * 86400])
    action = np.concatenate([np.where(removed, "remove", "reject"), np.full(len(asked), "request_info"),
                             np.full(int(restored.sum()), "restore")])
    automated = np.concatenate([removed & (lane == "expedited"), np.zeros(len(asked) + int(restored.sum()), bool)])
    unfounded = np.concatenate([~removed & (rng.random(len(acted)) < 0.1),
                                np.zeros(len(asked) + int(restored.sum()), bool)])
    n_decisions = len(decision_item)
    tables["decisions"] = frame(
        n_decisions, id=np.arange(1, n_decisions + 1), review_item_id=item_ids[decision_item],
        listing_id=text_ids("L", item_listing[decision_item]), action=action, reason="",
        ground=pl.Series(np.where(action == "remove", "trademark_law", "")).set(pl.Series(action != "remove"), None),
        manifestly_unfounded=unfounded, reviewer=np.where(automated, "system:expedited-lane", "user:reviewer"),
        automated=automated, decided_at=ts(decision_at),
    )
    removal_decision_ids = np.arange(1, len(acted) + 1)[removed]  # first actions come first in the table

    contested = np.flatnonzero(rng.random(len(removals)) < 0.05)
    statuses = rng.choice(np.array(["open", "restored", "legal_action", "upheld", "reversed"]), len(contested))
    successful = pl.Series(np.isin(statuses, ["restored", "reversed"])).set(pl.Series(statuses == "open"), None)
    contested_items = removals[contested]
    is_notice = contested_items < n_notice_items
    counter_notifier = np.where(is_notice, notice_notifier[item_notice[np.minimum(contested_items,
                                                                                    n_notice_items - 1)]], -1)
    tables["counter_notices"] = frame(
        len(contested), id=np.arange(1, len(contested) + 1), review_item_id=item_ids[contested_items],
        decision_id=removal_decision_ids[contested], listing_id=text_ids("L", item_listing[contested_items]),
        seller_id=text_ids("S", listing_seller[item_listing[contested_items]]),
        notifier_id=text_ids("N", counter_notifier).set(pl.Series(~is_notice), None), explanation="genuine",
        submitted_at=ts(removal_at[contested] + rng.integers(0, 14 * 86400, len(contested))), status=statuses,
        successful=successful,
    )
    struck = np.flatnonzero(rng.random(len(removals)) < 0.5)
    tables["strikes"] = frame(
        len(struck), id=np.arange(1, len(struck) + 1), seller_id=text_ids("S", listing_seller[item_listing[
            removals[struck]]]), decision_id=removal_decision_ids[struck],
        listing_id=text_ids("L", item_listing[removals[struck]]), at=ts(removal_at[struck]),
    )
    n_sanctions = max(10, 3 * n // 1000)
    banned = rng.random(n_sanctions) < 0.3
    sanction_at = T0 + rng.integers(0, YEAR, n_sanctions)
    tables["sanctions"] = frame(
        n_sanctions, id=np.arange(1, n_sanctions + 1), subject_kind="seller",
        subject_id=text_ids("S", rng.integers(0, n_sellers, n_sanctions)),
        kind=np.where(banned, "ban", "suspension"), reason="strikes",
        evidence=np.where(banned & (rng.random(n_sanctions) < 0.3), '{"linked_to": "S1"}', "{}"), automated=True,
        at=ts(sanction_at), until=ts(sanction_at + 30 * 86400).set(pl.Series(banned), None),
    )
    return tables


EVENT_TABLES = ("notices", "review_items", "decisions", "counter_notices", "strikes", "sanctions")


def load(conn: psycopg.Connection, tables: dict[str, pl.DataFrame]) -> None:
    """COPY every table with its secondary indexes dropped, then rebuild them (the usual bulk-load recipe)."""
    with conn.cursor() as cur:
        indexes = cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)", [list(tables)]).fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")  # the generator keeps references consistent
        for name, df in tables.items():
            buffer = io.BytesIO()
            df.write_csv(buffer, include_header=False, quote_style="non_numeric")
            columns = ", ".join(f'"{c}"' for c in df.columns)
            with cur.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                view = buffer.getbuffer()
                for start in range(0, len(view), 1 << 24):
                    copy.write(view[start:start + (1 << 24)])
        cur.execute("SET session_replication_role = origin")
        for _, definition in indexes:
            cur.execute(definition)
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = False


HAND_SQL = {
    "notices": "SELECT count(*) FROM notices WHERE received_at >= %(s)s AND received_at < %(e)s",
    "items": "SELECT source, count(*) FROM review_items WHERE created_at >= %(s)s AND created_at < %(e)s "
             "GROUP BY source",
    "actions": """
        WITH first AS (
            SELECT review_item_id, min(decided_at) AS first_at,
                   min(decided_at) FILTER (WHERE action = 'remove') AS removed_at
            FROM decisions WHERE action IN ('remove', 'reject') AND decided_at < %(e)s
            GROUP BY review_item_id HAVING min(decided_at) >= %(s)s)
        SELECT r.source, r.lane, count(*), count(*) FILTER (WHERE f.removed_at = f.first_at),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM f.first_at - r.created_at) / 3600),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM f.first_at - r.created_at) / 3600)
        FROM first f JOIN review_items r ON r.id = f.review_item_id
        GROUP BY r.source, r.lane""",
    "removals": """
        WITH ev AS (
            SELECT listing_id, decided_at, bool_and(automated) AS automated FROM decisions
            WHERE action = 'remove' AND decided_at >= %(s)s AND decided_at < %(e)s
            GROUP BY listing_id, decided_at)
        SELECT count(*), count(*) FILTER (WHERE ev.automated),
               count(*) FILTER (WHERE ev.decided_at - CAST(NULLIF(l.created_at, '') AS timestamptz)
                                <= interval '24 hours')
        FROM ev JOIN listings l ON l.listing_id = ev.listing_id""",
    "proactive": """
        WITH ev AS (
            SELECT listing_id, decided_at FROM decisions
            WHERE action = 'remove' AND decided_at >= %(s)s AND decided_at < %(e)s
            GROUP BY listing_id, decided_at)
        SELECT count(*) FROM ev WHERE NOT EXISTS (
            SELECT 1 FROM review_items r WHERE r.listing_id = ev.listing_id AND r.source = 'notice'
            AND r.created_at <= ev.decided_at)""",
    "counter_notices": "SELECT status, count(*), count(*) FILTER (WHERE successful) FROM counter_notices "
                       "WHERE submitted_at >= %(s)s AND submitted_at < %(e)s GROUP BY status",
    "storefronts": "SELECT count(*) FILTER (WHERE kind = 'suspension'), count(*) FILTER (WHERE kind = 'ban') "
                   "FROM sanctions WHERE subject_kind = 'seller' AND kind IN ('suspension', 'ban') "
                   "AND at >= %(s)s AND at < %(e)s",
    "reopenings": """
        SELECT count(*) FROM (
            SELECT subject_id FROM sanctions WHERE subject_kind = 'seller' AND kind IN ('suspension', 'ban')
              AND at >= %(s)s AND at < %(e)s AND coalesce(evidence ->> 'linked_to', '') <> ''
            UNION
            SELECT seller_id FROM network_ban_evasion_flags
            WHERE flagged_at >= %(s)s AND flagged_at < %(e)s AND status <> 'dismissed') caught""",
}


def hand_written(conn: psycopg.Connection) -> dict:
    params = {"s": PERIOD[0], "e": PERIOD[1]}
    results = {name: conn.execute(sql, params).fetchall() for name, sql in HAND_SQL.items()}
    conn.rollback()
    return results


def same_figures(m: Metrics, hand: dict) -> bool:
    removals, automated, before_sale = hand["removals"][0]
    proactive = hand["proactive"][0][0]
    lanes = {lane: (count, round(float(p50), 4), round(float(p95), 4))
             for _, lane, count, _, p50, p95 in hand["actions"]}
    return (
        m.notices_received == hand["notices"][0][0]
        and m.notice_actions == sum(r[2] for r in hand["actions"] if r[0] == "notice")
        and m.notice_upheld == sum(r[3] for r in hand["actions"] if r[0] == "notice")
        and {lane: (t.actions, t.p50_hours, t.p95_hours) for lane, t in m.time_to_action.items()} == lanes
        and (m.removals, m.removals_automated, m.proactive_removals, m.removed_before_sale)
        == (removals, automated, proactive, before_sale)
        and m.counter_notices == sum(r[1] for r in hand["counter_notices"])
        and (m.storefronts_suspended, m.storefronts_banned) == hand["storefronts"][0]
        and m.reopenings_caught == hand["reopenings"][0][0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="enforcement events to generate")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each variant (median reported)")
    parser.add_argument("--work-mem", default="64MB", help="PostgreSQL work_mem for both variants")
    args = parser.parse_args()

    cluster = PgCluster().start()
    try:
        url = cluster.create_database("report_bench")
        with psycopg.connect(host=str(cluster.sock), port=cluster.port, user=cluster.user, dbname="postgres",
                             autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE report_bench SET work_mem = '{args.work_mem}'")
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        tables = generate(args.n)
        generated = time.perf_counter() - started
        events = sum(len(tables[t]) for t in EVENT_TABLES)
        started = time.perf_counter()
        with psycopg.connect(host=str(cluster.sock), port=cluster.port, user=cluster.user,
                             dbname="report_bench") as conn:
            load(conn, tables)
            loaded = time.perf_counter() - started
            del tables
            print(f"events: {events:,} ({', '.join(f'{t}' for t in EVENT_TABLES)}); generated in {generated:.1f} s, "
                  f"COPY + ANALYZE in {loaded:.1f} s")
            with transaction(engine) as session:  # warm-up (connection, statement compilation), not timed
                compute_metrics(session, *PERIOD)
            hand_written(conn)
            ours, hand = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                with transaction(engine) as session:
                    metrics = compute_metrics(session, *PERIOD)
                ours.append(time.perf_counter() - started)
                started = time.perf_counter()
                figures = hand_written(conn)
                hand.append(time.perf_counter() - started)
        agree = same_figures(metrics, figures)
        ours_s, hand_s = statistics.median(ours), statistics.median(hand)
        print(f"compute_metrics (SQLAlchemy Core): {ours_s:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in ours)})")
        print(f"hand-written SQL:                  {hand_s:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in hand)})")
        print(f"ratio: {ours_s / hand_s:.2f}x (goal <= 1.5x); same figures: {agree}")
        print(f"removals {metrics.removals:,}, take-down rate {metrics.takedown_rate:.3f}, "
              f"proactive share {metrics.proactive_share:.3f}, p95 normal lane "
              f"{metrics.time_to_action['normal'].p95_hours:.1f} h")
        engine.dispose()
        if not agree:
            raise SystemExit("the two variants disagree")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
