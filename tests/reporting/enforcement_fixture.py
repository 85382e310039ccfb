"""A small, hand-countable month of enforcement (March 2026), written straight into enforcement's tables.

Expected figures are worked out in tests/reporting/test_metrics.py next to each assertion.
Times are UTC. 2026-03-01 is a Sunday.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from countermark.enforcement.models import (
    CounterNotice,
    Decision,
    Notice,
    Notifier,
    NotifierBrand,
    ReviewItem,
    Sanction,
    StatementOfReasons,
    Strike,
)
from countermark.listings.models import Listing, Seller
from countermark.network.models import BanEvasionFlag
from countermark.rights.models import Brand
from countermark.storage.engine import transaction

MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


LISTINGS = {  # listing -> (seller, created_at as given in the bundle)
    "L1": ("S1", "2026-03-02T09:00:00+00:00"),
    "L2": ("S1", ""),
    "L3": ("S2", "2026-01-01T00:00:00Z"),
    "L4": ("S2", "2026-01-01T00:00:00Z"),
    "L5": ("S2", "2026-01-01T00:00:00Z"),
    "L6": ("S1", "2026-01-01T00:00:00Z"),
    "L7": ("S2", "2026-01-01T00:00:00Z"),
    "L8": ("S3", "2026-03-04T23:00:00Z"),
    "L9": ("S4", "2026-01-01T00:00:00Z"),
    "L10": ("S4", "2026-01-01T00:00:00Z"),
}


def build_march(engine: Engine) -> None:
    with transaction(engine) as s:
        s.add_all([Brand(brand_id="B1", name="Acme"), Brand(brand_id="B2", name="Zeta")])
        s.add_all(Seller(seller_id=sid, display_name=sid, registered_at="2025-06-01")
                  for sid in ("S1", "S2", "S3", "S4"))
        s.flush()
        s.add_all(Listing(listing_id=lid, seller_id=seller, title=lid, price=10.0, created_at=created)
                  for lid, (seller, created) in LISTINGS.items())
        s.add_all([
            Notifier(notifier_id="N1", name="Acme legal", email="legal@acme.example", created_at=at(1, month=1),
                     expedited=True),
            Notifier(notifier_id="N2", name="Zeta brand protection", email="bp@zeta.example",
                     created_at=at(1, month=1)),
        ])
        s.flush()
        s.add_all([NotifierBrand(notifier_id="N1", brand_id="B1"), NotifierBrand(notifier_id="N2", brand_id="B2")])

        def notice(nid: int, notifier: str, brand: str, received: datetime, lane: str) -> Notice:
            return Notice(id=nid, notifier_id=notifier, idempotency_key=f"k{nid}", fingerprint=f"{nid:064d}",
                          notifier_name=notifier, notifier_email="x@example.com", brand_id=brand,
                          trademark_registration="EUTM 018000001", explanation="counterfeit", good_faith=True,
                          channel="single", lane=lane, received_at=received)

        s.add_all([
            notice(1, "N1", "B1", at(2, 10), "expedited"),
            notice(2, "N2", "B2", at(3, 9), "normal"),
            notice(3, "N1", "B1", at(20, 12, month=2), "expedited"),  # before the period
            notice(4, "N2", "B2", at(30, 12), "normal"),
        ])
        s.flush()

        def item(iid: int, listing: str, brand: str | None, lane: str, created: datetime,
                 notice_id: int | None = None) -> ReviewItem:
            source = "notice" if notice_id else "proactive"
            return ReviewItem(id=iid, source=source, lane=lane, notice_id=notice_id, listing_id=listing,
                              seller_id=LISTINGS[listing][0], brand_id=brand, created_at=created,
                              engine_version=None if notice_id else "test-1")

        s.add_all([
            item(1, "L1", "B1", "expedited", at(2, 10), 1),
            item(2, "L2", "B1", "expedited", at(2, 10), 1),
            item(3, "L3", "B2", "normal", at(3, 9), 2),
            item(4, "L4", "B2", "normal", at(3, 9), 2),
            item(5, "L5", "B2", "normal", at(3, 9), 2),
            item(6, "L6", "B1", "expedited", at(20, 12, month=2), 3),
            item(7, "L7", "B2", "normal", at(30, 12), 4),  # still pending
            item(11, "L8", "B1", "proactive", at(5)),
            item(12, "L9", "B2", "proactive", at(6)),
            item(13, "L3", "B2", "proactive", at(4)),  # L3 was already notified on 03-03
            item(14, "L10", None, "proactive", at(10)),  # still open, no brand
        ])
        s.flush()

        def decision(did: int, iid: int, listing: str, action: str, when: datetime, automated: bool = False,
                     unfounded: bool = False) -> Decision:
            return Decision(id=did, review_item_id=iid, listing_id=listing, action=action, decided_at=when,
                            reviewer="system:expedited-lane" if automated else "user:alice", automated=automated,
                            manifestly_unfounded=unfounded,
                            ground="trademark_law" if action == "remove" else None)

        s.add_all([
            decision(1, 1, "L1", "remove", at(2, 10, 30), automated=True),  # 0.5 h
            decision(2, 2, "L2", "remove", at(2, 11, 30), automated=True),  # 1.5 h
            decision(3, 6, "L6", "remove", at(1, 12), automated=True),  # 216 h, notice from February
            # p3's removal of L3 closes notice item 3 at the same instant, as enforcement does: 17 h
            Decision(id=4, review_item_id=3, listing_id="L3", action="remove", reason="covered by decision 10",
                     ground="trademark_law", reviewer="system:duplicate", automated=True, decided_at=at(4, 2)),
            decision(5, 4, "L4", "reject", at(5, 9), unfounded=True),  # 48 h
            decision(6, 5, "L5", "request_info", at(3, 12)),  # not an action
            decision(7, 5, "L5", "remove", at(7, 9)),  # 96 h
            decision(8, 11, "L8", "remove", at(5, 6)),  # 6 h
            decision(9, 12, "L9", "reject", at(6, 3)),  # 3 h
            decision(10, 13, "L3", "remove", at(4, 2)),  # 2 h
            decision(11, 3, "L3", "restore", at(22, 9)),  # after the counter-notice: not a new action
        ])
        s.flush()
        s.add_all([
            StatementOfReasons(decision_id=1, listing_id="L1", seller_id="S1", restriction="removal of listing",
                               facts="Notified by the trade mark holder; removed automatically (expedited lane).",
                               source="notice", automated_detection=False, automated_decision=True,
                               ground="trademark_law", ground_detail="EUTM 018000001 (Acme)",
                               redress="counter-notice within 14 days", issued_at=at(2, 10, 30)),
            StatementOfReasons(decision_id=8, listing_id="L8", seller_id="S3", restriction="removal of listing",
                               facts="Flagged by automated text and image matching; a reviewer confirmed it.",
                               source="proactive", automated_detection=True, automated_decision=False,
                               ground="terms_of_service", ground_detail="Terms 7.2: counterfeit goods prohibited",
                               redress="internal complaint", issued_at=at(5, 6)),
        ])
        s.add_all([
            CounterNotice(review_item_id=3, decision_id=4, listing_id="L3", seller_id="S2", notifier_id="N2",
                          explanation="genuine", submitted_at=at(8), status="restored", successful=True,
                          resolved_at=at(22, 9)),
            CounterNotice(review_item_id=11, decision_id=8, listing_id="L8", seller_id="S3", notifier_id=None,
                          explanation="genuine", submitted_at=at(9), status="upheld", successful=False),
            CounterNotice(review_item_id=6, decision_id=3, listing_id="L6", seller_id="S1", notifier_id="N1",
                          explanation="genuine", submitted_at=at(2), status="open"),
        ])
        s.add_all([
            Strike(seller_id="S2", decision_id=4, listing_id="L3", at=at(4, 9)),
            Strike(seller_id="S3", decision_id=8, listing_id="L8", at=at(5, 6)),
        ])
        s.add_all([
            Sanction(subject_kind="seller", subject_id="S2", kind="suspension", reason="3 strikes in 180 days",
                     at=at(10), until=at(9, month=4)),
            Sanction(subject_kind="seller", subject_id="S3", kind="ban", reason="Reopened storefront of banned S9",
                     evidence={"linked_to": "S9"}, at=at(20)),
            Sanction(subject_kind="notifier", subject_id="N2", kind="warning", reason="unfounded notices", at=at(6)),
            Sanction(subject_kind="seller", subject_id="S1", kind="suspension", reason="before the period",
                     at=at(15, month=2), until=at(15)),
        ])
        s.add_all([  # network's ban-evasion holds: S4 held (counts as a reopening caught), S1's dismissed
            BanEvasionFlag(seller_id="S4", cluster_id="C1", banned_seller_ids=["S9"], evidence=[], status="open",
                           flagged_at=at(12)),
            BanEvasionFlag(seller_id="S1", cluster_id="C2", banned_seller_ids=["S8"], evidence=[], status="dismissed",
                           flagged_at=at(12)),
        ])
