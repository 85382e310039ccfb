import pytest
from sqlalchemy import func, select

from countermark.detection.reasons import Decision, Reason
from countermark.enforcement import audit
from countermark.enforcement.models import AuditEntry, ReviewItem
from countermark.enforcement.queue import list_queue, record_proactive_flags
from countermark.storage.engine import transaction


def _flag(listing_id, score=0.9, version="v1", decision="flag"):
    return Decision(listing_id=listing_id, decision=decision, score=score, brand_id="acme", matched_sku="SKU1",
                    reasons=(Reason("replica_words", "says replica", 0.6),), engine_version=version)


def test_proactive_flags_are_queued_once_per_engine_version(market, clock):
    flags = [_flag("L0-1"), _flag("L0-2"), _flag("L1-1", decision="clear"), _flag("UNKNOWN")]
    with transaction(market) as session:
        assert record_proactive_flags(session, flags, clock=clock) == 2
    with transaction(market) as session:  # a re-scan: same version, new score
        assert record_proactive_flags(session, [_flag("L0-1", score=0.95), _flag("L0-2")], clock=clock) == 0
    with transaction(market) as session:
        items = list_queue(session, source="proactive")
        assert [(i.listing_id, i.score, i.lane, i.seller_id) for i in items] == [
            ("L0-1", 0.95, "proactive", "S0"), ("L0-2", 0.9, "proactive", "S0")]
        assert items[0].reasons == [{"code": "replica_words", "message": "says replica", "weight": 0.6}]
        assert items[0].engine_version == "v1" and items[0].matched_sku == "SKU1"
    with transaction(market) as session:  # a new engine version is a new item
        assert record_proactive_flags(session, [_flag("L0-1", version="v2")], clock=clock) == 1
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == 3
        entries = list(audit.stored_entries(session))
        assert [e.action for e in entries] == ["review.flagged"] * 3
        assert audit.verify_chain(entries) is None
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3


def test_removed_listings_are_not_queued_again(market, clock):
    from countermark.listings.models import Listing

    with transaction(market) as session:
        session.get(Listing, "L0-1").status = "removed"
    with transaction(market) as session:
        assert record_proactive_flags(session, [_flag("L0-1", version="v9")], clock=clock) == 0


def test_refusals_write_nothing(market, clock):
    from countermark.enforcement import service

    with transaction(market) as session:
        record_proactive_flags(session, [_flag("L0-1")], clock=clock)
        [item] = list_queue(session)
        with pytest.raises(service.EnforcementError, match="only notices"):
            service.reject(session, [item.id], reviewer="user:a", reason="r", manifestly_unfounded=True, clock=clock)
        with pytest.raises(service.EnforcementError, match="notifier to ask"):
            service.request_information(session, [item.id], reviewer="user:a", question="?", clock=clock)
        assert session.get(ReviewItem, item.id).status == "open"
