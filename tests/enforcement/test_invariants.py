"""Stateful property tests: whatever operators, notifiers, sellers and the clock do,
- no listing is restricted without a removal decision and a statement of reasons,
- no review item (so no notice) is decided twice,
- the audit chain verifies, and any tampering with it is found at the tampered entry."""

from __future__ import annotations

import copy

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select, update

from countermark.detection.reasons import Decision as Flag
from countermark.detection.reasons import Reason
from countermark.enforcement import audit, service
from countermark.enforcement.models import (
    AuditEntry,
    CounterNotice,
    Decision,
    Notice,
    Notification,
    Notifier,
    NotifierBrand,
    ReviewItem,
    Sanction,
    StatementOfReasons,
    Strike,
)
from countermark.listings.models import Listing, Seller
from countermark.storage.engine import transaction
from tests.enforcement.conftest import START, SimClock, seed_marketplace
from tests.enforcement.helpers import notice

LISTINGS = [f"L{s}-{i}" for s in range(3) for i in range(4)]
REVIEWERS = ["user:alice", "user:bob"]
POLICY = service.Policy(lane_min_decided=3, unfounded_to_warn=2, unfounded_to_suspend=3, strikes_to_suspend=2)
ENFORCEMENT_TABLES = (AuditEntry, Notification, Sanction, Strike, CounterNotice, StatementOfReasons, Decision,
                      ReviewItem, Notice, NotifierBrand, Notifier)


class Workflow(RuleBasedStateMachine):
    engine = None  # set by the test

    @initialize()
    def fresh(self):
        with transaction(self.engine) as session:
            for table in ENFORCEMENT_TABLES:
                session.execute(delete(table))
            session.execute(update(Listing).values(status="active"))
            session.execute(update(Seller).values(status="active"))
        self.clock = SimClock(START)
        with transaction(self.engine) as session:
            service.register_notifier(session, notifier_id="acme-legal", name="Acme Legal",
                                      email="legal@acme.example", brands=["acme"], clock=self.clock)

    def _items(self, *statuses):
        with transaction(self.engine) as session:
            query = select(ReviewItem.id).order_by(ReviewItem.id)
            return list(session.scalars(query.where(ReviewItem.status.in_(statuses)) if statuses else query))

    def _attempt(self, operation):
        try:
            with transaction(self.engine) as session:
                operation(session)
        except service.EnforcementError:
            pass  # refused operations change nothing (checked by the invariants)

    @rule(listings=st.lists(st.sampled_from(LISTINGS), min_size=1, max_size=3), key=st.integers(0, 5))
    def submit_notice(self, listings, key):
        self._attempt(lambda s: service.submit_notice(s, notice(listings, key=f"k{key}"), clock=self.clock,
                                                      policy=POLICY))

    @rule(listing=st.sampled_from(LISTINGS), version=st.sampled_from(["v1", "v2"]))
    def proactive_flag(self, listing, version):
        flag = Flag(listing, "flag", 0.9, "acme", None, (Reason("replica_words", "says replica", 0.6),), version)
        with transaction(self.engine) as session:
            service.record_proactive_flags(session, [flag], clock=self.clock)

    @rule(data=st.data(), reviewer=st.sampled_from(REVIEWERS), bulk=st.booleans())
    def remove(self, data, reviewer, bulk):
        candidates = self._items("open", "info_requested")
        if candidates:
            chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3 if bulk else 1))
            self._attempt(lambda s: service.remove(s, chosen, reviewer=reviewer, clock=self.clock, policy=POLICY))

    @rule(data=st.data(), unfounded=st.booleans())
    def reject(self, data, unfounded):
        candidates = self._items("open", "info_requested")
        if candidates:
            chosen = data.draw(st.sampled_from(candidates))
            self._attempt(lambda s: service.reject(s, [chosen], reviewer="user:alice", reason="not infringing",
                                                   manifestly_unfounded=unfounded, clock=self.clock, policy=POLICY))

    @rule(data=st.data(), remove=st.booleans())
    def decide_again(self, data, remove):
        candidates = self._items("decided")
        if candidates:
            chosen = data.draw(st.sampled_from(candidates))
            with pytest.raises(service.NotAllowed), transaction(self.engine) as session:
                if remove:
                    service.remove(session, [chosen], reviewer="user:bob", clock=self.clock, policy=POLICY)
                else:
                    service.reject(session, [chosen], reviewer="user:bob", reason="r", clock=self.clock, policy=POLICY)

    @rule(data=st.data())
    def request_information(self, data):
        candidates = self._items("open")
        if candidates:
            chosen = data.draw(st.sampled_from(candidates))
            self._attempt(lambda s: service.request_information(s, [chosen], reviewer="user:bob", question="which?",
                                                                clock=self.clock))

    def _pick(self, data, query):
        with transaction(self.engine) as session:
            candidates = list(session.scalars(query))
        return data.draw(st.sampled_from(candidates)) if candidates else None

    @rule(data=st.data(), wrong_seller=st.booleans())
    def counter_notice(self, data, wrong_seller):
        listing = self._pick(data, select(Listing.listing_id).where(Listing.status == "removed")
                             .order_by(Listing.listing_id))
        if listing:
            seller = "S9" if wrong_seller else "S" + listing[1]
            self._attempt(lambda s: service.submit_counter_notice(s, listing, seller_id=seller, explanation="genuine",
                                                                  clock=self.clock, policy=POLICY))

    @rule(data=st.data(), reviewer=st.sampled_from(REVIEWERS), outcome=st.sampled_from(["upheld", "reversed"]))
    def complaint(self, data, reviewer, outcome):
        counter = self._pick(data, select(CounterNotice.id).order_by(CounterNotice.id))
        if counter:
            self._attempt(lambda s: service.decide_complaint(s, counter, reviewer=reviewer, outcome=outcome,
                                                             reason="r", clock=self.clock))

    @rule(data=st.data())
    def legal_action(self, data):
        counter = self._pick(data, select(CounterNotice.id).order_by(CounterNotice.id))
        if counter:
            self._attempt(lambda s: service.record_legal_action(s, counter, notifier_id="acme-legal",
                                                                details="case", clock=self.clock))

    @rule(days=st.integers(1, 20))
    def time_passes(self, days):
        self.clock.advance(days=days)
        with transaction(self.engine) as session:
            service.run_daily(session, clock=self.clock, policy=POLICY)

    @invariant()
    def restricted_only_with_decision_and_statement(self):
        with transaction(self.engine) as session:
            for listing in session.scalars(select(Listing).where(Listing.status == "removed")):
                removal = session.scalars(select(Decision).where(
                    Decision.listing_id == listing.listing_id, Decision.action == "remove",
                    Decision.id.in_(select(StatementOfReasons.decision_id))).order_by(Decision.id.desc())).first()
                assert removal is not None, f"{listing.listing_id} removed without decision and statement"
                restore = session.scalars(select(Decision.id).where(
                    Decision.listing_id == listing.listing_id, Decision.action == "restore",
                    Decision.id > removal.id)).first()
                assert restore is None, f"{listing.listing_id} is removed after its restoration"

    @invariant()
    def no_item_decided_twice(self):
        with transaction(self.engine) as session:
            counts = session.execute(select(Decision.review_item_id, func.count()).where(
                Decision.action.in_(("remove", "reject"))).group_by(Decision.review_item_id)).all()
            assert all(n == 1 for _, n in counts), counts
            decided = set(session.scalars(select(ReviewItem.id).where(ReviewItem.status == "decided")))
            assert decided == {item for item, _ in counts}

    @invariant()
    def audit_chain_verifies_and_tampering_is_found(self):
        with transaction(self.engine) as session:
            entries = [audit.as_dict(e) for e in audit.stored_entries(session)]
        assert audit.verify_chain(entries) is None
        if len(entries) < 3:
            return
        i = len(entries) // 2
        edited = copy.deepcopy(entries)
        edited[i]["details"] = {**edited[i]["details"], "tampered": True}
        assert audit.verify_chain(edited) == i
        assert audit.verify_chain(entries[:i] + entries[i + 1:]) == i
        assert audit.verify_chain(entries[:i] + [entries[i + 1], entries[i]] + entries[i + 2:]) == i


def test_workflow_invariants(engine):
    seed_marketplace(engine, sellers=3, listings_per_seller=4)
    Workflow.engine = engine
    examples = 12 if engine.dialect.name == "sqlite" else 6
    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=examples, stateful_step_count=30,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
