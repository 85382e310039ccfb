"""Reviewers' verdicts as training labels: which decision counts how, latest wins (SQLite and PostgreSQL)."""

from __future__ import annotations

from countermark.detection.reasons import Decision, Reason
from countermark.enforcement import service
from countermark.enforcement.clock import as_utc
from countermark.enforcement.policy import Policy
from countermark.enforcement.strikes import banned_at, strike_counts
from countermark.storage.engine import transaction
from tests.enforcement.helpers import items_of, register, submit


def _flag(listing_id: str, version: str = "v1") -> Decision:
    return Decision(listing_id=listing_id, decision="flag", score=0.9, brand_id="acme", matched_sku=None,
                    reasons=(Reason("replica.term", "says replica", 4.0),), engine_version=version)


def _queue_flags(engine, clock, listing_ids, version="v1") -> dict[str, int]:
    with transaction(engine) as session:
        service.record_proactive_flags(session, [_flag(x, version) for x in listing_ids], clock=clock)
        items = service.list_queue(session, source="proactive", limit=1000)
        return {i.listing_id: i.id for i in items if i.engine_version == version}


def _verdicts(engine) -> dict[str, bool]:
    with transaction(engine) as session:
        return {r.listing.listing_id: r.counterfeit for r in service.reviewed_listings(session)}


def test_flags_and_notices_give_verdicts(market, clock):
    flags = _queue_flags(market, clock, ["L0-1", "L0-2", "L0-3"])
    register(market, clock)
    removed, rejected, asked = items_of(market, submit(market, clock, ["L1-1", "L1-2", "L1-3"]))
    clock.advance(hours=1)
    with transaction(market) as session:
        service.remove(session, [flags["L0-1"], removed.id], reviewer="user:alice", clock=clock)
        service.reject(session, [flags["L0-2"], rejected.id], reviewer="user:alice", reason="genuine", clock=clock)
        service.request_information(session, [asked.id], reviewer="user:alice", question="which?", clock=clock)
    assert _verdicts(market) == {"L0-1": True, "L1-1": True, "L0-2": False, "L1-2": False}
    with transaction(market) as session:
        reviewed = {r.listing.listing_id: r for r in service.reviewed_listings(session)}
    first = reviewed["L0-1"]
    assert first.listing.seller_id == "S0" and first.listing.title == "Acme thing 1"  # removed, still a record
    assert as_utc(first.queued_at) < as_utc(first.decided_at) == clock()


def test_latest_verdict_wins_and_reversed_takedowns_are_legitimate(market, clock):
    flags = _queue_flags(market, clock, ["L0-1", "L0-2", "L0-3", "L2-1"])
    with transaction(market) as session:
        service.remove(session, [flags["L0-1"], flags["L0-2"], flags["L0-3"]], reviewer="user:alice", clock=clock)
        service.reject(session, [flags["L2-1"]], reviewer="user:alice", reason="authorised reseller", clock=clock)
    clock.advance(days=1)
    with transaction(market) as session:
        reversed_ = service.submit_counter_notice(session, "L0-1", seller_id="S0", explanation="genuine", clock=clock)
        upheld = service.submit_counter_notice(session, "L0-2", seller_id="S0", explanation="genuine", clock=clock)
        service.decide_complaint(session, reversed_.id, reviewer="user:bob", outcome="reversed", reason="invoice",
                                 clock=clock)
        service.decide_complaint(session, upheld.id, reviewer="user:bob", outcome="upheld", reason="fake", clock=clock)
    assert _verdicts(market) == {"L0-1": False, "L0-2": True, "L0-3": True, "L2-1": False}
    clock.advance(days=1)
    again = _queue_flags(market, clock, ["L2-1"], version="v2")  # a later engine flags it again: removed this time
    with transaction(market) as session:
        service.remove(session, [again["L2-1"]], reviewer="user:carol", clock=clock)
    assert _verdicts(market)["L2-1"] is True


def test_deadline_restoration_counts_as_legitimate(market, clock):
    register(market, clock)
    [item] = items_of(market, submit(market, clock, ["L3-1"]))
    with transaction(market) as session:
        service.remove(session, [item.id], reviewer="user:alice", clock=clock)
        service.submit_counter_notice(session, "L3-1", seller_id="S3", explanation="genuine", clock=clock)
    clock.advance(days=20)
    with transaction(market) as session:
        assert service.run_daily(session, clock=clock).restored == ["L3-1"]
    assert _verdicts(market) == {"L3-1": False}


def test_empty_queue_has_no_verdicts(market):
    assert _verdicts(market) == {}


def test_strikes_and_bans_as_they_stood(market, clock):
    """What a seller's record looked like when a listing was queued: later strikes and bans do not count."""
    strict = Policy(strikes_to_suspend=1, seller_suspension_days=1)
    flags = _queue_flags(market, clock, ["L0-1", "L0-2", "L0-3"])
    before = clock()
    clock.advance(hours=1)
    with transaction(market) as session:
        service.remove(session, [flags["L0-1"]], reviewer="user:alice", clock=clock, policy=strict)  # suspends S0
    clock.advance(hours=1)
    between = clock()
    clock.advance(days=2)
    with transaction(market) as session:
        service.run_daily(session, clock=clock)  # suspension runs out
        service.remove(session, [flags["L0-2"]], reviewer="user:alice", clock=clock, policy=strict)  # bans S0
    with transaction(market) as session:
        assert strike_counts(session, ["S0", "S1"]) == {"S0": 2}
        assert strike_counts(session, ["S0"], as_of=before) == {}
        assert strike_counts(session, ["S0"], as_of=between) == {"S0": 1}
        assert banned_at(session, ["S0", "S1"], clock()) == set()  # the ban is stamped with this very moment
        clock.advance(seconds=1)
        assert banned_at(session, ["S0", "S1"], clock()) == {"S0"}
        assert banned_at(session, ["S0"], between) == set()
