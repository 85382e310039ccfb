"""Counter-notices and internal complaints (appeals) against removals.

A counter-notice on a notice-based removal is passed to the notifier; unless the notifier records legal
action, the listing is restored `restore_after_business_days` business days later. Any counter-notice can
also be decided as an internal complaint by a reviewer other than the one who took the decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from countermark.enforcement import audit, strikes
from countermark.enforcement.clock import Clock, add_business_days, as_utc, system_clock
from countermark.enforcement.errors import EnforcementError, NotAllowed, NotFound
from countermark.enforcement.models import CounterNotice, Decision, Notice, ReviewItem
from countermark.enforcement.notify import notify
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.listings.models import Listing

OUTCOMES = ("upheld", "reversed")


def submit_counter_notice(
    session: Session,
    listing_id: str,
    *,
    seller_id: str,
    explanation: str,
    clock: Clock = system_clock,
    policy: Policy = DEFAULT_POLICY,
) -> CounterNotice:
    """The seller contests the removal of their listing within the window."""
    if not explanation.strip():
        raise EnforcementError("a counter-notice needs an explanation")
    now = clock()
    item = session.scalars(select(ReviewItem).where(
        ReviewItem.listing_id == listing_id, ReviewItem.outcome == "removed", ReviewItem.restored_at.is_(None))
        .order_by(ReviewItem.decided_at).limit(1)).first()
    if item is None or item.seller_id != seller_id:
        raise NotFound(f"no removal of listing {listing_id} of seller {seller_id} to contest")
    if now > as_utc(item.decided_at) + timedelta(days=policy.counter_notice_window_days):
        raise NotAllowed(f"the {policy.counter_notice_window_days}-day window for a counter-notice has closed")
    if session.scalars(select(CounterNotice.id).where(CounterNotice.review_item_id == item.id)).first():
        raise NotAllowed(f"the removal of listing {listing_id} was already contested")
    decision = session.scalars(select(Decision).where(Decision.review_item_id == item.id, Decision.action == "remove")
                               .order_by(Decision.id.desc()).limit(1)).one()
    notice = session.get(Notice, item.notice_id) if item.notice_id else None
    counter = CounterNotice(
        review_item_id=item.id, decision_id=decision.id, listing_id=listing_id, seller_id=seller_id,
        notifier_id=notice.notifier_id if notice else None, explanation=explanation, submitted_at=now,
        notifier_told_at=now if notice else None,
        restore_due_at=add_business_days(now, policy.restore_after_business_days) if notice else None,
        status="open")
    session.add(counter)
    session.flush()
    if notice is not None:
        notify(session, recipient_kind="notifier", recipient_id=notice.notifier_id, kind="counter_notice.received",
               subject=f"listing:{listing_id}",
               body=(f"The seller contests the removal of listing {listing_id} (your notice {notice.id}): "
                     f"{explanation.strip()} The listing will be restored on {counter.restore_due_at:%Y-%m-%d} unless "
                     "you record that you have started legal proceedings."), now=now)
    audit.record(session, actor=f"seller:{seller_id}", action="counter_notice.submitted",
                 subject=f"listing:{listing_id}",
                 details={"counter_notice": counter.id, "decision": decision.id, "notifier_told": notice is not None,
                          "restore_due_at": counter.restore_due_at}, at=now)
    return counter


def _open(session: Session, counter_id: int) -> CounterNotice:
    counter = session.get(CounterNotice, counter_id)
    if counter is None:
        raise NotFound(f"unknown counter-notice {counter_id}")
    if counter.status != "open":
        raise NotAllowed(f"counter-notice {counter_id} is already {counter.status}")
    return counter


def _claim(session: Session, counter: CounterNotice, status: str) -> bool:
    """Resolve an open counter-notice with one conditional UPDATE: False when another transaction (a complaint,
    legal action, the deadline) resolved it since it was read, so it is resolved once whatever runs at once."""
    claimed = session.execute(
        update(CounterNotice).where(CounterNotice.id == counter.id, CounterNotice.status == "open")
        .values(status=status).execution_options(synchronize_session=False)).rowcount == 1
    if claimed:
        set_committed_value(counter, "status", status)  # the row says so already
    return claimed


def _claim_or_refuse(session: Session, counter: CounterNotice, status: str) -> None:
    if not _claim(session, counter, status):
        session.refresh(counter)
        raise NotAllowed(f"counter-notice {counter.id} is already {counter.status}")


def record_legal_action(
    session: Session, counter_id: int, *, notifier_id: str, details: str, clock: Clock = system_clock
) -> CounterNotice:
    """The notifier has gone to court: the listing stays down (no automatic restoration)."""
    now = clock()
    counter = _open(session, counter_id)
    if counter.notifier_id != notifier_id:
        raise NotAllowed(f"counter-notice {counter_id} is not about a notice of {notifier_id}")
    if counter.restore_due_at is not None and now >= as_utc(counter.restore_due_at):
        raise NotAllowed(f"the deadline for counter-notice {counter_id} has passed")
    _claim_or_refuse(session, counter, "legal_action")
    counter.legal_action_at, counter.resolved_at, counter.successful = now, now, False
    audit.record(session, actor=f"notifier:{notifier_id}", action="counter_notice.legal_action",
                 subject=f"listing:{counter.listing_id}", details={"counter_notice": counter_id, "details": details},
                 at=now)
    notify(session, recipient_kind="seller", recipient_id=counter.seller_id, kind="counter_notice.legal_action",
           subject=f"listing:{counter.listing_id}",
           body=f"The notifier has started legal proceedings; listing {counter.listing_id} stays removed.", now=now)
    return counter


def decide_complaint(
    session: Session,
    counter_id: int,
    *,
    reviewer: str,
    outcome: str,
    reason: str,
    clock: Clock = system_clock,
) -> CounterNotice:
    """Internal complaint handling: a different reviewer upholds or reverses the removal."""
    if outcome not in OUTCOMES:
        raise EnforcementError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not reason.strip():
        raise EnforcementError("a complaint decision needs a reason")
    now = clock()
    counter = _open(session, counter_id)
    original = session.get(Decision, counter.decision_id)
    if original.reviewer == reviewer:
        raise NotAllowed(f"{reviewer} took the contested decision; another reviewer must handle the complaint")
    _claim_or_refuse(session, counter, outcome)
    counter.complaint_reviewer, counter.complaint_reason, counter.resolved_at = reviewer, reason, now
    counter.successful = outcome == "reversed"
    audit.record(session, actor=reviewer, action=f"complaint.{outcome}", subject=f"listing:{counter.listing_id}",
                 details={"counter_notice": counter_id, "reason": reason}, at=now)
    if outcome == "reversed":
        _restore(session, counter, actor=reviewer, reason=f"complaint upheld: {reason}", automated=False, now=now)
    else:
        session.add(Decision(review_item_id=counter.review_item_id, listing_id=counter.listing_id, action="uphold",
                             reason=reason, reviewer=reviewer, decided_at=now))
        notify(session, recipient_kind="seller", recipient_id=counter.seller_id, kind="complaint.upheld",
               subject=f"listing:{counter.listing_id}",
               body=f"Your complaint was reviewed and the removal stands: {reason}", now=now)
    return counter


def restore_due(session: Session, *, clock: Clock = system_clock) -> list[CounterNotice]:
    """Restore listings whose counter-notice deadline passed without legal action (run daily)."""
    now = clock()
    due = session.scalars(select(CounterNotice).where(
        CounterNotice.status == "open", CounterNotice.restore_due_at <= now).order_by(CounterNotice.id)).all()
    # All claimed before the first audit entry (which takes the audit lock), so a complaint holding one of
    # them and waiting for that lock cannot deadlock with this; those a complaint got first are left to it.
    claimed = [counter for counter in due if _claim(session, counter, "restored")]
    for counter in claimed:
        counter.resolved_at, counter.successful = now, True
        _restore(session, counter, actor="system:deadline", automated=True, now=now,
                 reason="counter-notice not answered by legal action within the deadline")
    return claimed


def _restore(
    session: Session, counter: CounterNotice, *, actor: str, reason: str, automated: bool, now: datetime
) -> None:
    item = session.get(ReviewItem, counter.review_item_id)
    # Every removal of this listing is undone (others are duplicates settled by the contested one).
    session.execute(update(ReviewItem).where(
        ReviewItem.listing_id == counter.listing_id, ReviewItem.outcome == "removed", ReviewItem.restored_at.is_(None))
        .values(restored_at=now).execution_options(synchronize_session="fetch"))
    listing = session.get(Listing, counter.listing_id)
    if listing is not None:
        listing.status = "active"
    decision = Decision(review_item_id=item.id, listing_id=counter.listing_id, action="restore", reason=reason,
                        reviewer=actor, automated=automated, decided_at=now)
    session.add(decision)
    session.flush()
    audit.record(session, actor=actor, action="listing.restored", subject=f"listing:{counter.listing_id}",
                 details={"counter_notice": counter.id, "decision": decision.id, "automated": automated}, at=now)
    strikes.lift_strike_of_decision(session, counter.decision_id, reason=reason, actor=actor, now=now)
    for kind, recipient in (("seller", counter.seller_id), ("notifier", counter.notifier_id)):
        if recipient:
            notify(session, recipient_kind=kind, recipient_id=recipient, kind="listing.restored",
                   subject=f"listing:{counter.listing_id}", body=f"Listing {counter.listing_id} is restored: {reason}.",
                   now=now)
