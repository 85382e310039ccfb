"""Clusters over the database, linked accounts, ban evasion (flag, hold, screen), seller facts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from countermark.enforcement.audit import find_break, stored_entries
from countermark.enforcement.models import AuditEntry
from countermark.listings.models import Seller, SellerIdentifier
from countermark.network import service
from countermark.network.models import BanEvasionFlag, NetworkHub
from countermark.storage.engine import transaction

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HUB_ADDRESS = "Unit 4, 1 Logistics Park Road, Leipzig 04435, Germany"


def add_seller(session, seller_id: str, status: str = "active", country: str = "US", **identifiers: list[str]):
    seller = Seller(seller_id=seller_id, display_name=seller_id, country=country, registered_at="2025-01-01",
                    status=status)
    seller.identifiers = [SellerIdentifier(kind=kind, position=i, value=v)
                          for kind, values in identifiers.items() for i, v in enumerate(values)]
    session.add(seller)


@pytest.fixture
def marketplace(engine):
    """A1 (banned) and A2 share a disguised e-mail; B is alone; 30 unrelated sellers share a hub address."""
    with transaction(engine) as session:
        add_seller(session, "A1", status="banned", emails=["John.Smith+shop@gmail.com"])
        add_seller(session, "A2", emails=["johnsmith@googlemail.com"], devices=["dev-aa11"])
        add_seller(session, "B", emails=["b@example.com"])
        for i in range(30):
            add_seller(session, f"H{i:02d}", addresses=[HUB_ADDRESS], emails=[f"h{i}@example.com"])
        for i in range(20):  # ordinary two-account rings: the usual profile of shared keys
            add_seller(session, f"R{i:02d}a", phones=[f"+1 206 555 {i:04d}"])
            add_seller(session, f"R{i:02d}b", phones=[f"(206) 555-{i:04d}"])
    return engine


def run(engine):
    with transaction(engine) as session:
        return service.cluster_database(session, actor="user:test", now=NOW)


def test_clusters_are_stored_with_evidence_and_hubs_link_nobody(marketplace):
    report = run(marketplace)
    assert report.sellers == 73 and report.linked_clusters == 21 and report.hub_keys == 1
    with transaction(marketplace) as session:
        assert service.linked_sellers(session, "A2") == ["A1"]
        assert service.linked_sellers(session, "B") == []
        assert service.linked_sellers(session, "H00") == []
        assert service.linked_sellers(session, "R03a") == ["R03b"]
        assert service.linked_sellers(session, "nobody") == []
        links = service.cluster_links(session, service.cluster_of(session, "A1"))
        assert links == [{"key": "email:johnsmith@gmail.com", "weight": 1.0, "sellers": ["A1", "A2"]}]
        assert session.scalar(select(NetworkHub.sellers)) == 30
        actions = [e.action for e in stored_entries(session)]
        assert actions.count("network.clustered") == 1
        assert find_break(stored_entries(session)) is None


def test_ban_evasion_is_flagged_held_and_idempotent(marketplace):
    report = run(marketplace)
    assert report.flagged == ["A2"]
    with transaction(marketplace) as session:
        (flag,) = service.held_for_review(session)
        assert (flag.seller_id, flag.banned_seller_ids, flag.status) == ("A2", ["A1"], "open")
        assert flag.evidence[0]["key"] == "email:johnsmith@gmail.com"
        evidence = service.banned_links(session, "A2")
        assert evidence is not None and evidence.banned_seller_ids == ["A1"]
        assert service.banned_links(session, "A1") is None  # itself banned, no other banned account
        assert service.banned_links(session, "B") is None
    assert run(marketplace).flagged == []  # re-run: no duplicate flag
    with transaction(marketplace) as session:
        service.resolve_flag(session, "A2", "dismissed", actor="user:reviewer", reason="shared family e-mail")
    run(marketplace)
    with transaction(marketplace) as session:
        assert session.get(BanEvasionFlag, "A2").status == "dismissed"
        assert service.held_for_review(session) == []
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert actions.count("network.ban_evasion_flagged") == 1
        assert "network.ban_evasion_dismissed" in actions
        with pytest.raises(service.NetworkError, match="confirmed"):
            service.resolve_flag(session, "A2", "maybe", actor="user:reviewer")
        with pytest.raises(service.NetworkError, match="no ban-evasion flag"):
            service.resolve_flag(session, "B", "dismissed", actor="user:reviewer")


def test_seller_facts_feed_detection(marketplace):
    run(marketplace)
    with transaction(marketplace) as session:
        facts = service.seller_facts(session, ["A2", "B", "unknown"])
    assert set(facts) == {"A2", "B"}
    assert facts["A2"].linked_to_banned and "A1" in facts["A2"].link_evidence
    assert "email:johnsmith@gmail.com" in facts["A2"].link_evidence
    assert not facts["B"].linked_to_banned and facts["B"].link_evidence is None
    assert facts["B"].registered_at == "2025-01-01"


def test_screen_new_seller_against_stored_network(marketplace):
    run(marketplace)
    with transaction(marketplace) as session:
        add_seller(session, "NEW", emails=["j.o.h.n.smith@gmail.com"])
        add_seller(session, "HUBUSER", addresses=[HUB_ADDRESS.upper()])
        add_seller(session, "DEVICE", devices=["DEV-AA11"])
    with transaction(marketplace) as session:
        evidence = service.screen_seller(session, "NEW", now=NOW)
        assert evidence is not None and evidence.banned_seller_ids == ["A1"]
        assert evidence.links == [{"key": "email:johnsmith@gmail.com", "sellers": ["A1", "A2", "NEW"]}]
        # Linked to A2, whose cluster holds the banned A1.
        assert service.screen_seller(session, "DEVICE", now=NOW).banned_seller_ids == ["A1"]
        assert service.screen_seller(session, "HUBUSER", now=NOW) is None
        assert {f.seller_id for f in service.held_for_review(session)} == {"A2", "NEW", "DEVICE"}
        with pytest.raises(service.NetworkError, match="no seller"):
            service.screen_seller(session, "missing")


def test_empty_database(engine):
    with transaction(engine) as session:
        report = service.cluster_database(session, now=NOW)
    assert (report.sellers, report.clusters, report.flagged) == (0, 0, [])


def test_screen_many_sellers_at_once(marketplace):
    run(marketplace)
    with transaction(marketplace) as session:
        add_seller(session, "NEW", emails=["JOHNSMITH@gmail.com"])
        add_seller(session, "IP1", ip_addresses=["10.0.0.1"])
        add_seller(session, "BANNED2", status="banned", emails=["johnsmith@gmail.com"])  # already banned: skipped
        add_seller(session, "PLAIN", emails=["plain@example.com"])
    with transaction(marketplace) as session:
        report = service.screen_sellers(session, ["NEW", "IP1", "BANNED2", "PLAIN", "missing", "A2"], now=NOW)
        assert report.screened == 4  # NEW, IP1, PLAIN, A2
        assert sorted(report.linked) == ["A2", "NEW"]
        assert report.held == ["NEW"]  # A2 is held since the clustering run
        assert report.linked["NEW"].links == [{"key": "email:johnsmith@gmail.com", "sellers": ["A1", "A2", "NEW"]}]
    with transaction(marketplace) as session:
        assert service.screen_sellers(session, ["NEW", "A2"], now=NOW).held == []  # already held


def test_banned_links_many_equals_one_by_one(marketplace):
    run(marketplace)
    ids = ["A1", "A2", "B", "H00", "R00a", "nobody"]
    with transaction(marketplace) as session:
        many = service.banned_links_many(session, ids)
        assert sorted(many) == ["A2"]
        for seller_id in ids:
            assert many.get(seller_id) == service.banned_links(session, seller_id)


def count_queries(engine, lookup, seller_ids: list[str]) -> int:
    from sqlalchemy import event

    statements: list[str] = []

    def count(*args) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction(engine) as session:
            lookup(session, seller_ids)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_batched_lookups_take_a_constant_number_of_queries(marketplace):
    run(marketplace)
    few = ["A2", "B"]
    many = [*few, *(f"R{i:02d}{s}" for i in range(20) for s in "ab"), *(f"H{i:02d}" for i in range(30))]
    for lookup in (service.banned_links_many, service.seller_facts, service.screen_sellers):
        count_queries(marketplace, lookup, many)  # screening refreshes A2's open hold once: not a lookup
        assert count_queries(marketplace, lookup, few) == count_queries(marketplace, lookup, many), lookup.__name__
