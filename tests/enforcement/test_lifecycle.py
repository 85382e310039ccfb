"""The whole notice-and-takedown lifecycle on SQLite and PostgreSQL with a simulated clock."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from countermark.enforcement import service
from countermark.enforcement.models import (
    CounterNotice,
    Decision,
    Notice,
    Notification,
    Notifier,
    ReviewItem,
    Sanction,
    StatementOfReasons,
    Strike,
)
from countermark.listings.models import Listing, Seller
from countermark.storage.engine import transaction
from tests.enforcement.helpers import chain_ok, items_of, notice, register, submit


def _listing_status(engine, listing_id):
    with transaction(engine) as session:
        return session.get(Listing, listing_id).status


def _remove(engine, clock, item_ids, reviewer="user:alice", **kw):
    with transaction(engine) as session:
        return [d.id for d in service.remove(session, item_ids, reviewer=reviewer, clock=clock, **kw)]


def test_notice_intake_is_idempotent_and_resolves_urls(market, clock):
    register(market, clock)
    with transaction(market) as session:
        first, created = service.submit_notice(
            session, notice(["L0-1", "https://market.example/item/L0-2", "https://m.example/v?listing_id=L1-3", "L0-1"],
                            key="retry-me"), clock=clock)
        assert created
    with transaction(market) as session:  # a retry: same key, same content
        again, created = service.submit_notice(session, notice(["L0-1", "https://market.example/item/L0-2",
                                                                "https://m.example/v?listing_id=L1-3"], key="retry-me"),
                                               clock=clock)
        assert (again, created) == (first, False)
    with pytest.raises(service.InvalidNotice, match="already used for notice"), transaction(market) as session:
        service.submit_notice(session, notice(["L0-9"], key="retry-me"), clock=clock)
    items = items_of(market, first)
    assert [(i.listing_id, i.seller_id, i.source, i.lane, i.status) for i in items] == [
        ("L0-1", "S0", "notice", "normal", "open"), ("L0-2", "S0", "notice", "normal", "open"),
        ("L1-3", "S1", "notice", "normal", "open")]
    assert items[1].location == "https://market.example/item/L0-2"
    with transaction(market) as session:
        stored = session.get(Notice, first)
        assert (stored.notifier_name, stored.notifier_email, stored.trademark_registration, stored.good_faith) == (
            "Acme Legal", "legal@acme.example", "EU-001", True)
        assert session.scalar(select(func.count()).select_from(Notice)) == 1
    assert chain_ok(market)


INVALID = [
    ({"listings": ["L0-1", "NOPE"]}, "unknown listing 'NOPE'"),
    ({"listings": ["https://m.example/item/GONE"]}, "unknown listing 'https://m.example/item/GONE' (id 'GONE')"),
    ({"brand": "zenith", "reg": "US-777"}, "does not represent brand 'zenith'"),
    ({"brand": "nobrand"}, "unknown brand 'nobrand'"),
    ({"reg": "XX-999"}, "trademark registration 'XX-999' is not a registration of brand 'acme'"),
    ({"good_faith": False}, "good-faith statement missing"),
    ({"explanation": "  "}, "explanation is empty"),
    ({"listings": []}, "no listing named"),
    ({"listings": ["L0-1", "L0-2", "L0-3"]}, "3 listings named; a notice may name at most 2"),
    ({"notifier_email": "not-an-address"}, "is not an e-mail address"),
]


def test_invalid_notices_are_refused_with_a_clear_reason(market, clock):
    register(market, clock)
    for overrides, message in INVALID:
        overrides = dict(overrides)
        listings = overrides.pop("listings", ["L0-1"])
        with pytest.raises(service.InvalidNotice) as err, transaction(market) as session:
            service.submit_notice(session, notice(listings, **overrides), clock=clock,
                                  policy=replace(service.DEFAULT_POLICY, max_listings_per_notice=2))
        assert message in str(err.value)
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_removal_issues_statement_strike_and_notifications(market, clock):
    register(market, clock)
    notice_id = submit(market, clock, ["L0-1", "L0-2"])
    first, second = items_of(market, notice_id)
    clock.advance(hours=5)
    [decision_id] = _remove(market, clock, [first.id], reason="logo misspelt")
    assert _listing_status(market, "L0-1") == "removed"
    with pytest.raises(service.NotAllowed, match="cannot be decided"), transaction(market) as session:
        service.remove(session, [first.id], reviewer="user:bob", clock=clock)
    with transaction(market) as session:
        statement = session.scalars(select(StatementOfReasons)
                                    .where(StatementOfReasons.decision_id == decision_id)).one()
        assert (statement.restriction, statement.ground, statement.automated_detection, statement.automated_decision,
                statement.source) == ("removal of listing", "trademark_law", False, False, "notice")
        assert "EU-001" in statement.ground_detail and "Counterfeit Acme goods." in statement.facts
        assert "logo misspelt" in statement.facts and "counter-notice within 14 days" in statement.redress
        shown = service.statements_for_seller(session, "S0")
        assert [s.id for s in shown] == [statement.id]
        assert "Restriction: removal of listing L0-1" in service.statement_text(shown[0])
        item = session.get(ReviewItem, first.id)
        assert (item.status, item.outcome, item.automated) == ("decided", "removed", False)
        assert item.decided_at - item.created_at == timedelta(hours=5)
        assert session.scalar(select(func.count()).select_from(Strike).where(Strike.seller_id == "S0")) == 1
        assert session.scalars(select(Notification.kind).where(Notification.recipient_id == "S0")).all() == [
            "listing.removed"]
        assert session.get(Notice, notice_id).status == "open"
    with transaction(market) as session:
        service.reject(session, [second.id], reviewer="user:alice", reason="genuine reseller", clock=clock)
    with transaction(market) as session:
        assert session.get(Notice, notice_id).status == "closed"
        assert session.get(Listing, "L0-2").status == "active"
        assert session.scalars(select(Notification.kind).where(Notification.recipient_id == "acme-legal")
                               .order_by(Notification.id)).all() == ["notice.upheld", "notice.rejected"]
    with pytest.raises(service.EnforcementError, match="needs a reason"), transaction(market) as session:
        service.reject(session, [second.id], reviewer="user:alice", reason=" ", clock=clock)
    assert chain_ok(market)


def test_request_information_then_decide(market, clock):
    register(market, clock)
    [item] = items_of(market, submit(market, clock, ["L0-1"]))
    with transaction(market) as session:
        service.request_information(session, [item.id], reviewer="user:alice", question="Which product?", clock=clock)
    with pytest.raises(service.NotAllowed), transaction(market) as session:
        service.request_information(session, [item.id], reviewer="user:alice", question="again?", clock=clock)
    with transaction(market) as session:
        assert [i.id for i in service.list_queue(session, statuses=("info_requested",))] == [item.id]
        service.provide_information(session, item.id, notifier_id="acme-legal", information="SKU A-1", clock=clock)
    _remove(market, clock, [item.id])
    with transaction(market) as session:
        assert "SKU A-1" in session.get(Notice, item.notice_id).explanation
        actions = session.scalars(select(Decision.action).order_by(Decision.id)).all()
        assert actions == ["request_info", "remove"]
    assert chain_ok(market)


def test_counter_notice_restores_after_ten_business_days_unless_legal_action(market, clock):
    register(market, clock)
    a, b = items_of(market, submit(market, clock, ["L0-1", "L0-2"]))
    _remove(market, clock, [a.id, b.id])
    clock.advance(days=2)  # Wednesday
    with transaction(market) as session:
        first = service.submit_counter_notice(session, "L0-1", seller_id="S0", explanation="I bought these from Acme.",
                                              clock=clock).id
        second = service.submit_counter_notice(session, "L0-2", seller_id="S0", explanation="Genuine.", clock=clock).id
        with pytest.raises(service.NotAllowed, match="already contested"):
            service.submit_counter_notice(session, "L0-1", seller_id="S0", explanation="again", clock=clock)
        with pytest.raises(service.NotFound):
            service.submit_counter_notice(session, "L0-3", seller_id="S0", explanation="not removed", clock=clock)
    with transaction(market) as session:
        counter = session.get(CounterNotice, first)
        assert counter.notifier_id == "acme-legal" and counter.notifier_told_at is not None
        # 10 business days after Wednesday 4 March is Wednesday 18 March
        assert counter.restore_due_at.strftime("%Y-%m-%d") == "2026-03-18"
        told = session.scalars(select(Notification).where(Notification.kind == "counter_notice.received")).all()
        assert len(told) == 2 and told[0].recipient_id == "acme-legal"
        service.record_legal_action(session, second, notifier_id="acme-legal", details="Case 123 filed", clock=clock)
    clock.advance(days=13)  # Monday 17 March: not yet due
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock).restored == []
    clock.advance(days=1, hours=1)
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock).restored == ["L0-1"]
    assert _listing_status(market, "L0-1") == "active"
    assert _listing_status(market, "L0-2") == "removed"
    with transaction(market) as session:
        counter = session.get(CounterNotice, first)
        assert (counter.status, counter.successful) == ("restored", True)
        assert session.get(CounterNotice, second).status == "legal_action"
        lifted = session.scalars(select(Strike).where(Strike.listing_id == "L0-1")).one()
        assert lifted.lifted_at is not None
        restore = session.scalars(select(Decision).where(Decision.action == "restore")).one()
        assert restore.automated and restore.reviewer == "system:deadline"
        assert session.get(ReviewItem, a.id).restored_at is not None
    assert chain_ok(market)


def test_counter_notice_window_closes(market, clock):
    register(market, clock)
    [item] = items_of(market, submit(market, clock, ["L0-1"]))
    _remove(market, clock, [item.id])
    clock.advance(days=15)
    with pytest.raises(service.NotAllowed, match="window"), transaction(market) as session:
        service.submit_counter_notice(session, "L0-1", seller_id="S0", explanation="late", clock=clock)


def test_complaint_is_decided_by_another_reviewer(market, clock):
    from countermark.detection.reasons import Decision as Flag
    from countermark.detection.reasons import Reason

    with transaction(market) as session:
        service.record_proactive_flags(session, [Flag("L2-1", "flag", 0.8, "acme", None, (Reason("c", "m", 1.0),),
                                                      "v1")], clock=clock)
        [item] = service.list_queue(session)
    _remove(market, clock, [item.id], reviewer="user:alice", ground="terms_of_service")
    with transaction(market) as session:
        statement = session.scalars(select(StatementOfReasons)).one()
        assert statement.automated_detection and not statement.automated_decision
        assert statement.ground == "terms_of_service" and "restored after" not in statement.redress
        counter = service.submit_counter_notice(session, "L2-1", seller_id="S2", explanation="mine", clock=clock)
        assert counter.restore_due_at is None and counter.notifier_id is None
    with pytest.raises(service.NotAllowed, match="another reviewer"), transaction(market) as session:
        service.decide_complaint(session, counter.id, reviewer="user:alice", outcome="reversed", reason="x",
                                 clock=clock)
    with transaction(market) as session:
        service.decide_complaint(session, counter.id, reviewer="user:bob", outcome="reversed",
                                 reason="authorised distributor", clock=clock)
    assert _listing_status(market, "L2-1") == "active"
    with transaction(market) as session:
        assert session.scalars(select(Strike)).one().lifted_at is not None
        assert session.get(CounterNotice, counter.id).successful is True
    assert chain_ok(market)


def test_strikes_suspend_then_ban(market, clock):
    register(market, clock)
    policy = service.DEFAULT_POLICY
    items = items_of(market, submit(market, clock, [f"L3-{i}" for i in range(6)]))
    _remove(market, clock, [i.id for i in items[:2]])
    with transaction(market) as session:
        assert session.get(Seller, "S3").status == "active"
    _remove(market, clock, [items[2].id])
    with transaction(market) as session:
        assert session.get(Seller, "S3").status == "suspended"
        suspension = session.scalars(select(Sanction).where(Sanction.subject_id == "S3")).one()
        assert suspension.kind == "suspension" and suspension.automated
    clock.advance(days=policy.seller_suspension_days + 1)
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock).reinstated == ["S3"]
        assert session.get(Seller, "S3").status == "active"
    _remove(market, clock, [i.id for i in items[3:]])
    with transaction(market) as session:
        assert session.get(Seller, "S3").status == "banned"
        assert session.scalars(select(Sanction.kind).where(Sanction.subject_id == "S3").order_by(Sanction.id)).all() \
            == ["suspension", "ban"]
    assert chain_ok(market)


def test_unfounded_notices_warn_then_suspend_intake(market, clock):
    register(market, clock)
    policy = replace(service.DEFAULT_POLICY, unfounded_to_warn=2, unfounded_to_suspend=3, notifier_suspension_days=10)

    def unfounded():
        [item] = items_of(market, submit(market, clock, ["L1-1"], policy=policy))
        with transaction(market) as session:
            service.reject(session, [item.id], reviewer="user:alice", reason="the listing is a genuine product",
                           manifestly_unfounded=True, clock=clock, policy=policy)

    unfounded()
    unfounded()
    with transaction(market) as session:
        assert session.get(Notifier, "acme-legal").warned_at is not None
    unfounded()
    with pytest.raises(service.IntakeSuspended), transaction(market) as session:
        service.submit_notice(session, notice(["L1-2"]), clock=clock, policy=policy)
    with transaction(market) as session:
        kinds = session.scalars(select(Sanction.kind).where(Sanction.subject_kind == "notifier")
                                .order_by(Sanction.id)).all()
        assert kinds == ["warning", "intake_suspension"]
    clock.advance(days=11)
    submit(market, clock, ["L1-2"], policy=policy)
    assert chain_ok(market)


def test_expedited_lane_is_earned_used_and_revoked(market, clock):
    register(market, clock)
    policy = replace(service.DEFAULT_POLICY, lane_min_decided=4, strikes_to_suspend=100)
    items = items_of(market, submit(market, clock, ["L0-1", "L0-2", "L1-1", "L1-2"], policy=policy))
    _remove(market, clock, [i.id for i in items])
    clock.advance(days=1)
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock, policy=policy).lane_changes == [("acme-legal", "granted")]
        assert service.run_daily(session, clock=clock, policy=policy).lane_changes == []
    auto = items_of(market, submit(market, clock, ["L2-1", "L2-2"], policy=policy))
    assert [(i.lane, i.status, i.outcome, i.automated) for i in auto] == [("expedited", "decided", "removed", True)] * 2
    assert auto[0].decided_at == auto[0].created_at
    with transaction(market) as session:
        statement = session.scalars(select(StatementOfReasons).where(StatementOfReasons.listing_id == "L2-1")).one()
        assert statement.automated_decision and not statement.automated_detection
        for listing in ("L2-1", "L2-2"):
            counter = service.submit_counter_notice(session, listing, seller_id="S2", explanation="genuine",
                                                    clock=clock)
            service.decide_complaint(session, counter.id, reviewer="user:bob", outcome="reversed",
                                     reason="authorised", clock=clock)
    clock.advance(days=1)
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock, policy=policy).lane_changes == [("acme-legal", "revoked")]
        assert session.get(Notifier, "acme-legal").expedited is False
    [normal] = items_of(market, submit(market, clock, ["L3-1"], policy=policy))
    assert (normal.lane, normal.status) == ("normal", "open")
    clock.advance(days=91)
    with transaction(market) as session:
        assert service.lane_stats(session, now=clock(), policy=policy) == {}
    assert chain_ok(market)


def test_removal_settles_other_open_items_on_the_same_listing(market, clock):
    register(market, clock)
    first = items_of(market, submit(market, clock, ["L0-1"]))[0]
    second = items_of(market, submit(market, clock, ["L0-1"]))[0]
    _remove(market, clock, [first.id])
    with transaction(market) as session:
        other = session.get(ReviewItem, second.id)
        assert (other.status, other.outcome) == ("decided", "removed")
        assert session.scalar(select(func.count()).select_from(StatementOfReasons)) == 1
        assert session.scalar(select(func.count()).select_from(Strike)) == 1
        assert session.get(Notice, second.notice_id).status == "closed"
    assert chain_ok(market)


def test_ban_extends_to_linked_accounts(market, clock):
    from countermark.listings.models import SellerIdentifier
    from countermark.network.service import cluster_database

    with transaction(market) as session:
        for seller in ("S0", "S2"):
            session.add(SellerIdentifier(seller_id=seller, kind="emails", position=0, value="Boss.Man+shop@gmail.com"))
    with transaction(market) as session:
        cluster_database(session, now=clock())
    with transaction(market) as session:
        assert service.ban_seller(session, "S0", reason="counterfeit ring", actor="user:alice", clock=clock) == [
            "S0", "S2"]
    with transaction(market) as session:
        assert [session.get(Seller, s).status for s in ("S0", "S1", "S2")] == ["banned", "active", "banned"]
        linked = session.scalars(select(Sanction).where(Sanction.subject_id == "S2")).one()
        assert linked.kind == "ban" and linked.evidence == {"linked_to": "S0"} and not linked.automated
    assert chain_ok(market)


def test_confirmed_takedown_feeds_the_counterfeit_hash_bank(market, clock, dev_bundle, tmp_path, monkeypatch):
    import shutil

    from countermark.hashbanks.models import HashBankEntry
    from countermark.listings.models import ListingImage

    image = sorted((dev_bundle / "images").rglob("*.jpg"))[0]
    (tmp_path / "media").mkdir()
    shutil.copy(image, tmp_path / "media" / "fake.jpg")
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path))
    with transaction(market) as session:
        session.add(ListingImage(listing_id="L0-1", position=0, path="fake.jpg"))
    register(market, clock)
    [item] = items_of(market, submit(market, clock, ["L0-1"]))
    _remove(market, clock, [item.id])
    with transaction(market) as session:
        entry = session.scalars(select(HashBankEntry).where(HashBankEntry.listing_id == "L0-1")).one()
        assert entry.ref_id == "L0-1-1"


def test_two_reviewers_deciding_at_once_never_decide_twice(market, clock):
    import threading

    register(market, clock)
    [item] = items_of(market, submit(market, clock, ["L0-1"]))
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(reviewer):
        barrier.wait()
        try:
            with transaction(market) as session:
                if reviewer == "user:alice":
                    service.remove(session, [item.id], reviewer=reviewer, clock=clock)
                else:
                    service.reject(session, [item.id], reviewer=reviewer, reason="genuine", clock=clock)
            outcomes.append("decided")
        except service.NotAllowed:
            outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(r,)) for r in ("user:alice", "user:bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["decided", "refused"]
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
    assert chain_ok(market)
