"""The review queue shared by notices and proactive detection flags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.detection.reasons import Decision
from countermark.enforcement import audit
from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.models import ReviewItem
from countermark.listings.models import Listing

OPEN_STATUSES = ("open", "info_requested")


def record_proactive_flags(
    session: Session,
    decisions: Iterable[Decision],
    *,
    clock: Clock = system_clock,
    actor: str = "system:scan",
) -> int:
    """Queue every flagged decision for review; returns how many new items were created.

    Idempotent: an item is keyed by listing + engine version, so a re-scan never duplicates it (an
    open item gets the new score and reasons). Listings not in the database or not active are skipped.
    """
    flags = {d.listing_id: d for d in decisions if d.decision == "flag"}
    if not flags:
        return 0
    now = clock()
    created = 0
    sellers: dict[str, str] = {}
    existing: dict[tuple[str, str], ReviewItem] = {}
    ids = list(flags)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        sellers.update(session.execute(select(Listing.listing_id, Listing.seller_id).where(
            Listing.listing_id.in_(chunk), Listing.status == "active")).all())
        for item in session.scalars(select(ReviewItem).where(ReviewItem.listing_id.in_(chunk),
                                                             ReviewItem.source == "proactive")):
            existing[(item.listing_id, item.engine_version or "")] = item
    events = []
    for listing_id, flag in flags.items():
        if listing_id not in sellers:
            continue
        reasons = [r.as_json() for r in flag.reasons]
        item = existing.get((listing_id, flag.engine_version))
        if item is None:
            session.add(ReviewItem(
                source="proactive", lane="proactive", listing_id=listing_id, seller_id=sellers[listing_id],
                brand_id=flag.brand_id, score=float(flag.score), reasons=reasons, matched_sku=flag.matched_sku,
                engine_version=flag.engine_version, created_at=now, status="open",
            ))
            created += 1
            events.append((actor, "review.flagged", f"listing:{listing_id}",
                           {"score": round(float(flag.score), 4), "brand_id": flag.brand_id,
                            "engine_version": flag.engine_version}))
        elif item.status in OPEN_STATUSES:
            item.score, item.reasons, item.brand_id, item.matched_sku = (
                float(flag.score), reasons, flag.brand_id, flag.matched_sku)
    if events:
        audit.record_many(session, events, at=now)
    return created


def list_queue(
    session: Session,
    *,
    statuses: Sequence[str] = OPEN_STATUSES,
    source: str | None = None,
    brand_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """Items waiting for review, oldest first (expedited and proactive items share one order)."""
    query = select(ReviewItem).where(ReviewItem.status.in_(statuses))
    if source:
        query = query.where(ReviewItem.source == source)
    if brand_id:
        query = query.where(ReviewItem.brand_id == brand_id)
    return list(session.scalars(query.order_by(ReviewItem.created_at, ReviewItem.id).limit(limit).offset(offset)))


def open_items_of_notice(session: Session, notice_id: int) -> list[int]:
    """The ids of a notice's items still waiting for a decision (to decide a whole notice at once)."""
    return list(session.scalars(select(ReviewItem.id).where(ReviewItem.notice_id == notice_id,
                                                            ReviewItem.status.in_(OPEN_STATUSES))
                                .order_by(ReviewItem.position)))
