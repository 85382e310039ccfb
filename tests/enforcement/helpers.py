"""Shortcuts for enforcement tests (real services on the `engine` databases)."""

from __future__ import annotations

import itertools

from countermark.enforcement import audit, service
from countermark.storage.engine import transaction

_keys = itertools.count(1)


def register(engine, clock, notifier_id="acme-legal", brands=("acme",)):
    with transaction(engine) as session:
        service.register_notifier(session, notifier_id=notifier_id, name="Acme Legal", email="legal@acme.example",
                                  brands=list(brands), clock=clock)


def notice(listings, notifier_id="acme-legal", brand="acme", reg="EU-001", key=None, **overrides):
    fields = dict(notifier_id=notifier_id, idempotency_key=key or f"k{next(_keys)}", brand_id=brand,
                  trademark_registration=reg, listings=list(listings), explanation="Counterfeit Acme goods.",
                  good_faith=True)
    return service.NoticeInput(**{**fields, **overrides})


def submit(engine, clock, listings, policy=service.DEFAULT_POLICY, **kw):
    with transaction(engine) as session:
        notice_id, _ = service.submit_notice(session, notice(listings, **kw), clock=clock, policy=policy)
        return notice_id


def items_of(engine, notice_id):
    from sqlalchemy import select

    from countermark.enforcement.models import ReviewItem

    with transaction(engine) as session:
        return list(session.scalars(select(ReviewItem).where(ReviewItem.notice_id == notice_id)
                                    .order_by(ReviewItem.position)))


def chain_ok(engine) -> bool:
    with transaction(engine) as session:
        entries = list(audit.stored_entries(session))
        return len(entries) > 0 and audit.verify_chain(entries) is None


def contested_removal(engine, listing_id="L0-1", seller_id="S0", days_ago=40):
    """`listing_id` removed on a notice `days_ago` days ago and contested the next day, without legal action:
    its counter-notice deadline (10 business days later) has passed by the real clock. Needs the marketplace."""
    from datetime import UTC, datetime, timedelta

    from tests.enforcement.conftest import SimClock

    clock = SimClock(datetime.now(UTC) - timedelta(days=days_ago))
    register(engine, clock)
    [item] = items_of(engine, submit(engine, clock, [listing_id]))
    with transaction(engine) as session:
        service.remove(session, [item.id], reviewer="user:alice", clock=clock)
    clock.advance(days=1)
    with transaction(engine) as session:
        service.submit_counter_notice(session, listing_id, seller_id=seller_id, explanation="Bought from Acme.",
                                      clock=clock)
    return listing_id


def listing_status(engine, listing_id):
    from countermark.listings.models import Listing

    with transaction(engine) as session:
        return session.get(Listing, listing_id).status
