"""Strikes against sellers: enough upheld infringements in the window suspend the storefront; reaching the
threshold again after a suspension bans it permanently, together with the accounts linked to it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from countermark.enforcement import audit, hooks
from countermark.enforcement.clock import as_utc
from countermark.enforcement.errors import NotAllowed, NotFound
from countermark.enforcement.models import Decision, Sanction, Strike
from countermark.enforcement.notify import notify
from countermark.enforcement.policy import Policy
from countermark.listings.models import Seller

SYSTEM = "system:strikes"


def add_strike(session: Session, seller_id: str, decision: Decision, *, now: datetime, policy: Policy) -> Strike:
    strike = Strike(seller_id=seller_id, decision_id=decision.id, listing_id=decision.listing_id, at=now)
    session.add(strike)
    session.flush()
    audit.record(session, actor=SYSTEM, action="strike.added", subject=f"seller:{seller_id}",
                 details={"strike": strike.id, "decision": decision.id, "listing_id": decision.listing_id}, at=now)
    _apply_policy(session, seller_id, now, policy)
    return strike


def _sanction_end(sanction: Sanction) -> datetime | None:
    end = sanction.lifted_at or sanction.until
    return as_utc(end) if end else None


def _apply_policy(session: Session, seller_id: str, now: datetime, policy: Policy) -> None:
    seller = session.get(Seller, seller_id)
    if seller is None or seller.status == "banned":
        return
    last_suspension = session.scalars(select(Sanction).where(
        Sanction.subject_kind == "seller", Sanction.subject_id == seller_id, Sanction.kind == "suspension")
        .order_by(Sanction.at.desc(), Sanction.id.desc()).limit(1)).first()
    since = now - timedelta(days=policy.strike_window_days)
    if last_suspension is not None:
        since = max(since, _sanction_end(last_suspension) or now)
    strikes = list(session.scalars(select(Strike.id).where(
        Strike.seller_id == seller_id, Strike.lifted_at.is_(None), Strike.at >= since)))
    if len(strikes) < policy.strikes_to_suspend:
        return
    if last_suspension is None:
        _suspend(session, seller, strikes, now, policy)
    else:
        ban(session, seller_id, reason=f"{len(strikes)} upheld infringements after a suspension",
            evidence={"strikes": strikes, "previous_suspension": last_suspension.id}, actor=SYSTEM, now=now)


def _suspend(session: Session, seller: Seller, strikes: list[int], now: datetime, policy: Policy) -> None:
    until = now + timedelta(days=policy.seller_suspension_days)
    reason = f"{len(strikes)} upheld infringements within {policy.strike_window_days} days"
    sanction = Sanction(subject_kind="seller", subject_id=seller.seller_id, kind="suspension", reason=reason,
                        evidence={"strikes": strikes}, automated=True, at=now, until=until)
    session.add(sanction)
    seller.status = "suspended"
    session.flush()
    audit.record(session, actor=SYSTEM, action="seller.suspended", subject=f"seller:{seller.seller_id}",
                 details={"sanction": sanction.id, "until": until.isoformat(), "strikes": strikes}, at=now)
    notify(session, recipient_kind="seller", recipient_id=seller.seller_id, kind="seller.suspended",
           subject=f"seller:{seller.seller_id}", body=f"Your storefront is suspended until {until:%Y-%m-%d}: {reason}. "
           "A further infringement after the suspension closes it permanently.", now=now)


def ban(session: Session, seller_id: str, *, reason: str, evidence: dict, actor: str, now: datetime) -> list[str]:
    """Ban the storefront permanently and every account linked to it; returns the sellers banned."""
    banned = []
    for target, why, proof in [(seller_id, reason, evidence)] + [
            (linked, f"linked to banned account {seller_id}", {"linked_to": seller_id})
            for linked in hooks.linked_sellers(session, seller_id)]:
        seller = session.get(Seller, target)
        if seller is None or seller.status == "banned":
            continue
        seller.status = "banned"
        sanction = Sanction(subject_kind="seller", subject_id=target, kind="ban", reason=why, evidence=proof,
                            automated=actor.startswith("system:"), at=now)
        session.add(sanction)
        session.flush()
        audit.record(session, actor=actor, action="seller.banned", subject=f"seller:{target}",
                     details={"sanction": sanction.id, "reason": why, **proof}, at=now)
        notify(session, recipient_kind="seller", recipient_id=target, kind="seller.banned", subject=f"seller:{target}",
               body=f"Your storefront is closed permanently: {why}.", now=now)
        banned.append(target)
    return banned


def lift_strike(session: Session, strike_id: int, *, reason: str, actor: str, now: datetime) -> Strike:
    strike = session.get(Strike, strike_id)
    if strike is None:
        raise NotFound(f"unknown strike {strike_id}")
    if strike.lifted_at is not None:
        raise NotAllowed(f"strike {strike_id} was already lifted")
    strike.lifted_at, strike.lifted_reason = now, reason
    audit.record(session, actor=actor, action="strike.lifted", subject=f"seller:{strike.seller_id}",
                 details={"strike": strike_id, "reason": reason}, at=now)
    return strike


def lift_strike_of_decision(session: Session, decision_id: int, *, reason: str, actor: str, now: datetime) -> None:
    for strike in session.scalars(select(Strike).where(Strike.decision_id == decision_id, Strike.lifted_at.is_(None))):
        lift_strike(session, strike.id, reason=reason, actor=actor, now=now)


def active_strikes(session: Session, seller_id: str, *, now: datetime, policy: Policy) -> int:
    since = now - timedelta(days=policy.strike_window_days)
    return session.scalar(select(func.count()).select_from(Strike).where(
        Strike.seller_id == seller_id, Strike.lifted_at.is_(None), Strike.at >= since)) or 0


def strike_counts(session: Session, seller_ids: Collection[str], *, as_of: datetime | None = None) -> dict[str, int]:
    """Strikes in force per seller (those with none are left out): now, or as they stood at `as_of`."""
    query = select(Strike.seller_id, func.count()).where(Strike.seller_id.in_(list(seller_ids)),
                                                         _in_force(Strike.at, Strike.lifted_at, as_of))
    return {seller_id: int(n) for seller_id, n in session.execute(query.group_by(Strike.seller_id))}


def banned_at(session: Session, seller_ids: Collection[str], as_of: datetime) -> set[str]:
    """Those of these sellers whose ban was in force at `as_of` (banned before, not yet lifted)."""
    return set(session.scalars(select(Sanction.subject_id).where(
        Sanction.subject_kind == "seller", Sanction.kind == "ban", Sanction.subject_id.in_(list(seller_ids)),
        _in_force(Sanction.at, Sanction.lifted_at, as_of))))


def _in_force(start: QueryableAttribute[datetime], lifted: QueryableAttribute[datetime | None],
              as_of: datetime | None) -> ColumnElement[bool]:
    if as_of is None:
        return lifted.is_(None)
    return and_(start < as_of, or_(lifted.is_(None), lifted > as_of))


def reinstate_expired(session: Session, *, now: datetime) -> list[str]:
    """Suspended storefronts whose suspension has run out become active again."""
    reinstated = []
    for sanction in session.scalars(select(Sanction).where(
            Sanction.subject_kind == "seller", Sanction.kind == "suspension", Sanction.lifted_at.is_(None),
            Sanction.until <= now)):
        sanction.lifted_at = now
        seller = session.get(Seller, sanction.subject_id)
        if seller is not None and seller.status == "suspended":
            seller.status = "active"
            reinstated.append(seller.seller_id)
            audit.record(session, actor=SYSTEM, action="seller.reinstated", subject=f"seller:{seller.seller_id}",
                         details={"sanction": sanction.id}, at=now)
    return reinstated
