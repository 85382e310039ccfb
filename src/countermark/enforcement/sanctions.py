"""Sanctions against abusive notifiers (DSA Art. 23): manifestly unfounded notices are counted; enough of
them earn a warning, and more after the warning suspend notice intake for a period."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.enforcement.clock import as_utc
from countermark.enforcement.errors import NotAllowed, NotFound
from countermark.enforcement.models import Decision, Notice, Notifier, ReviewItem, Sanction
from countermark.enforcement.notify import notify
from countermark.enforcement.policy import Policy
from countermark.listings.models import Seller

SYSTEM = "system:sanctions"


def unfounded_notices(session: Session, notifier_id: str, *, since: datetime) -> int:
    """Distinct notices of this notifier with a manifestly-unfounded rejection decided since `since`."""
    return session.scalar(
        select(func.count(func.distinct(ReviewItem.notice_id)))
        .select_from(Decision).join(ReviewItem, ReviewItem.id == Decision.review_item_id)
        .join(Notice, Notice.id == ReviewItem.notice_id)
        .where(Notice.notifier_id == notifier_id, Decision.manifestly_unfounded.is_(True), Decision.decided_at >= since)
    ) or 0


def review_notifier(session: Session, notifier_id: str, *, now: datetime, policy: Policy) -> str | None:
    """Apply the policy after a new unfounded notice; returns the sanction taken (warning / intake_suspension)."""
    notifier = session.get(Notifier, notifier_id)
    since = now - timedelta(days=policy.unfounded_window_days)
    last = session.scalars(select(Sanction).where(
        Sanction.subject_kind == "notifier", Sanction.subject_id == notifier_id, Sanction.kind == "intake_suspension")
        .order_by(Sanction.at.desc(), Sanction.id.desc()).limit(1)).first()
    if last is not None:
        since = max(since, as_utc(last.lifted_at or last.until or now))
    count = unfounded_notices(session, notifier_id, since=since)
    warned = notifier.warned_at is not None and as_utc(notifier.warned_at) >= since
    if warned and count >= policy.unfounded_to_suspend:
        until = now + timedelta(days=policy.notifier_suspension_days)
        notifier.intake_suspended_until, notifier.warned_at = until, None
        return _sanction(session, notifier, "intake_suspension", count, now, until,
                         f"notice intake suspended until {until:%Y-%m-%d}")
    if not warned and count >= policy.unfounded_to_warn:
        notifier.warned_at = now
        return _sanction(session, notifier, "warning", count, now, None,
                         "warning: further manifestly unfounded notices will suspend your notice intake")
    return None


def _sanction(session: Session, notifier: Notifier, kind: str, count: int, now: datetime, until: datetime | None,
              message: str) -> str:
    reason = f"{count} manifestly unfounded notices"
    sanction = Sanction(subject_kind="notifier", subject_id=notifier.notifier_id, kind=kind, reason=reason,
                        evidence={"unfounded_notices": count}, automated=True, at=now, until=until)
    session.add(sanction)
    session.flush()
    audit.record(session, actor=SYSTEM, action=f"notifier.{kind}", subject=f"notifier:{notifier.notifier_id}",
                 details={"sanction": sanction.id, "reason": reason, "until": until}, at=now)
    notify(session, recipient_kind="notifier", recipient_id=notifier.notifier_id, kind=f"notifier.{kind}",
           subject=f"notifier:{notifier.notifier_id}", body=f"{message} ({reason}).", now=now)
    return kind


def lift(session: Session, sanction_id: int, *, reason: str, actor: str, now: datetime) -> Sanction:
    """An operator lifts a sanction early (e.g. after an appeal): the seller or notifier is reinstated."""
    sanction = session.get(Sanction, sanction_id)
    if sanction is None:
        raise NotFound(f"unknown sanction {sanction_id}")
    if sanction.lifted_at is not None:
        raise NotAllowed(f"sanction {sanction_id} was already lifted")
    sanction.lifted_at = now
    if sanction.subject_kind == "seller" and sanction.kind in ("suspension", "ban"):
        seller = session.get(Seller, sanction.subject_id)
        if seller is not None:
            seller.status = "active"
    elif sanction.kind == "intake_suspension":
        session.get(Notifier, sanction.subject_id).intake_suspended_until = None
    subject = f"{sanction.subject_kind}:{sanction.subject_id}"
    audit.record(session, actor=actor, action="sanction.lifted", subject=subject,
                 details={"sanction": sanction_id, "kind": sanction.kind, "reason": reason}, at=now)
    return sanction
