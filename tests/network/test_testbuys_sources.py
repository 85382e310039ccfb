"""Test buys (recorded, authenticated, audited, bad input refused) and source tracing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from countermark.enforcement.models import AuditEntry
from countermark.listings.models import Listing
from countermark.network.models import TestBuy
from countermark.network.sources import trace_sources
from countermark.network.testbuys import (
    TestBuyError,
    TestBuyInput,
    list_test_buys,
    record_authentication,
    record_test_buy,
)
from countermark.storage.engine import transaction
from tests.network.conftest import NOW, draw


def test_record_and_authenticate_a_test_buy(ring, tmp_path: Path):
    parcel = draw(tmp_path / "in" / "parcel.JPG", (1, 2, 3))
    with transaction(ring.engine) as session:
        buy = record_test_buy(session, TestBuyInput("L-R2-1", "2026-04-01", 19.5, photos=[parcel],
                                                    shipped_from="cn", declared_supplier="Yiwu Trading Co."),
                              media_root=ring.media_root, actor="user:alice", now=NOW)
        assert (buy.seller_id, buy.authentication, buy.shipped_from) == ("R2", "pending", "CN")
        assert buy.photos[0].startswith("testbuys/") and buy.photos[0].endswith(".jpg")
        assert (ring.media_root / buy.photos[0]).is_file()
        item = draw(tmp_path / "in" / "item.png", (9, 9, 9))
        record_authentication(session, buy.id, result="counterfeit", photos=[item], actor="user:bob",
                              media_root=ring.media_root, brand_verdict="Not genuine: wrong stitching", now=NOW)
    with transaction(ring.engine) as session:
        (stored,) = list_test_buys(session, cluster_id=ring.cluster_id)
        assert stored.item_received and stored.authentication == "counterfeit" and len(stored.photos) == 2
        assert list_test_buys(session, seller_id="R3") == []
        entries = session.scalars(select(AuditEntry).where(AuditEntry.subject == f"testbuy:{buy.id}"))
        actions = [e.action for e in entries]
        assert actions == ["testbuy.recorded", "testbuy.authenticated"]


BAD_INPUT = [
    ({"listing_id": "nope"}, "no listing"),
    ({"ordered_on": "01/04/2026"}, "ordered_on must be an ISO date"),
    ({"price_paid": 0}, "price paid must be > 0"),
    ({"authentication": "fake"}, "authentication must be one of"),
    ({"photos": [Path("/nonexistent/p.jpg")]}, "no such file"),
    ({"photos": [Path("/etc/passwd")]}, "expected one of"),
]


def test_bad_test_buy_input_is_refused_and_nothing_written(ring):
    for change, message in BAD_INPUT:
        data = TestBuyInput(**{**dict(listing_id="L-R1-1", ordered_on="2026-04-01", price_paid=10.0), **change})
        with pytest.raises(TestBuyError, match=message), transaction(ring.engine) as session:
            record_test_buy(session, data, media_root=ring.media_root, actor="user:alice")
    with transaction(ring.engine) as session:
        assert session.scalars(select(TestBuy)).all() == []
        assert session.scalars(select(AuditEntry).where(AuditEntry.action.like("testbuy.%"))).all() == []
        with pytest.raises(TestBuyError, match="no test buy"):
            record_authentication(session, 99, result="genuine", actor="user:a", media_root=ring.media_root)


def test_sources_rank_confirmed_counterfeits(ring):
    with transaction(ring.engine) as session:
        for listing_id in ("L-R1-1", "L-R1-2", "L-R3-1"):
            session.get(Listing, listing_id).status = "removed"
        record_test_buy(session, TestBuyInput("L-R2-2", "2026-04-01", 40.0, authentication="counterfeit",
                                              declared_supplier="Yiwu  Trading Co."),
                        media_root=ring.media_root, actor="user:alice")
        record_test_buy(session, TestBuyInput("L-R3-2", "2026-04-01", 40.0, authentication="genuine",
                                              declared_supplier="Real Brand Ltd"),
                        media_root=ring.media_root, actor="user:alice")
    with transaction(ring.engine) as session:
        by_cluster = trace_sources(session, "cluster")
        assert [(s.value, len(s.listing_ids), sorted(s.seller_ids)) for s in by_cluster] == [
            ("C-R1", 3, ["R1", "R2"]), ("C-R3", 1, ["R3"])]
        assert by_cluster[0].units == 5 + 10 + 10 and by_cluster[0].value_offered == 20 * 5 + 40 * 10 + 40 * 10
        assert [(s.value, len(s.listing_ids)) for s in trace_sources(session, "origin")] == [
            ("CN", 2), ("HK", 1), ("US", 1)]
        payout = trace_sources(session, "payout")
        assert (payout[0].value, len(payout[0].listing_ids)) == ("payout:6222633687822974331", 3)
        assert [(s.value, len(s.listing_ids)) for s in trace_sources(session, "supplier")] == [("Yiwu Trading Co.", 1)]
        assert trace_sources(session, "cluster", limit=1)[0].value == "C-R1"
        with pytest.raises(ValueError, match="--by must be one of"):
            trace_sources(session, "colour")
