"""Metrics and the DSA export over records written by enforcement's own services (not hand-made rows)."""

import json
from datetime import UTC, datetime, timedelta

from jsonschema import Draft202012Validator
from sqlalchemy import select

from countermark.detection.reasons import Decision, Reason
from countermark.enforcement import service
from countermark.enforcement.models import ReviewItem
from countermark.listings.models import Listing, Seller
from countermark.reporting.dsa import export_jsonl
from countermark.reporting.metrics import LaneTimes, compute_metrics
from countermark.rights.models import Brand, Trademark
from countermark.storage.engine import transaction
from tests.conftest import SHARED

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def item_id(session, listing_id: str, source: str) -> int:
    return session.scalar(select(ReviewItem.id).where(ReviewItem.listing_id == listing_id, ReviewItem.source == source))


def test_lifecycle_through_enforcement_services(engine, tmp_path):
    clock = Clock()
    with transaction(engine) as s:
        s.add(Brand(brand_id="acme", name="Acme", owner="Acme SE", trademarks=[
            Trademark(mark="ACME", office="EUIPO", registration_number="EU-001", verification_status="verified")]))
        s.add_all(Seller(seller_id=f"S{i}", display_name=f"Shop {i}", registered_at="2025-01-01") for i in range(3))
        s.flush()
        s.add_all(Listing(listing_id=f"L{i}", seller_id=f"S{i % 3}", title="Acme thing", price=9.5,
                          created_at="2026-03-02T08:00:00Z") for i in range(4))
    with transaction(engine) as s:
        service.register_notifier(s, notifier_id="N1", name="Acme legal", email="legal@acme.example",
                                  brands=["acme"], clock=clock)
        service.submit_notice(s, service.NoticeInput(
            notifier_id="N1", idempotency_key="n-1", brand_id="acme", trademark_registration="EU-001",
            listings=["L0", "L1", "L3"], explanation="Counterfeit ACME goods", good_faith=True), clock=clock)
    clock.now = T0 + timedelta(hours=1)
    flag = [Reason("brand.replica_words", "replica vocabulary", 0.6)]
    with transaction(engine) as s:
        service.record_proactive_flags(s, [Decision(listing, "flag", 0.9, "acme", None, tuple(flag), "test-1")
                                           for listing in ("L0", "L2")], clock=clock)
    clock.now = T0 + timedelta(hours=2)
    with transaction(engine) as s:  # closes L0's proactive item at the same instant
        service.remove(s, [item_id(s, "L0", "notice")], reviewer="user:alice", clock=clock)
    clock.now = T0 + timedelta(hours=4)
    with transaction(engine) as s:
        service.reject(s, [item_id(s, "L1", "notice")], reviewer="user:alice", reason="genuine", clock=clock)
    clock.now = T0 + timedelta(hours=5)
    with transaction(engine) as s:
        service.remove(s, [item_id(s, "L2", "proactive")], reviewer="user:bob", ground="terms_of_service",
                       clock=clock)
    clock.now = T0 + timedelta(days=1)
    with transaction(engine) as s:
        service.submit_counter_notice(s, "L0", seller_id="S0", explanation="These are genuine", clock=clock)

    with transaction(engine) as s:
        m = compute_metrics(s, T0 - timedelta(days=1), T0 + timedelta(days=30))
    assert (m.notices_received, m.notified_listings, m.flags_raised) == (1, 3, 2)
    assert (m.notice_actions, m.notice_upheld, m.takedown_rate) == (2, 1, 0.5)  # L3 still pending
    # normal: [2, 4] h -> p50 3, p95 2 + 0.95 * 2 = 3.9; proactive: L0's item closed at +1 h, L2 removed at +4 h
    assert m.time_to_action == {"normal": LaneTimes("normal", 2, 3.0, 3.9),
                                "proactive": LaneTimes("proactive", 2, 2.5, 3.85)}
    # L0 (one removal, though two items were closed) and L2 (proactive, no notice); L2 removed 6 h after posting,
    # L0 3 h after.
    assert (m.removals, m.removals_automated, m.proactive_removals, m.removed_before_sale) == (2, 0, 1, 2)
    assert (m.counter_notices, m.counter_notice_rate, m.counter_notice_outcomes) == (1, 0.5, {"open": 1})

    out = tmp_path / "sor.jsonl"
    with transaction(engine) as s:
        written, problems = export_jsonl(s, out)
    schema = json.loads((SHARED / "spec" / "dsa-sor.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    statements = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert problems == [] and written == len(statements) == 2
    for statement in statements:
        assert list(validator.iter_errors(statement)) == [], statement
    notice, proactive = statements
    assert notice["source_type"] == "SOURCE_ARTICLE_16"
    assert notice["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert proactive["source_type"] == "SOURCE_VOLUNTARY"
    assert proactive["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
