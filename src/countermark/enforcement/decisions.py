"""Review decisions: remove (with a statement of reasons), reject (with a reason), request information.

A listing is only ever restricted here, and always together with a Decision and a StatementOfReasons.
Items are claimed with a conditional UPDATE, so an item (and so a notice) is never processed twice, even
by two reviewers at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from countermark.enforcement import audit, hooks, sanctions, strikes
from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.errors import EnforcementError, NotAllowed, NotFound
from countermark.enforcement.models import Decision, Notice, ReviewItem, StatementOfReasons
from countermark.enforcement.notify import notify
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.enforcement.queue import OPEN_STATUSES
from countermark.listings.models import Listing
from countermark.rights.models import Brand, Trademark

GROUNDS = ("trademark_law", "terms_of_service")
EXPEDITED_ACTOR = "system:expedited-lane"


def _claim(session: Session, item_ids: Sequence[int], *, allowed: Sequence[str], values: dict) -> list[ReviewItem]:
    """Atomically move items out of `allowed` states; refuses (changing nothing) if any is not there."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise EnforcementError("no review item given")
    claimed = session.execute(update(ReviewItem).where(ReviewItem.id.in_(ids), ReviewItem.status.in_(allowed))
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if claimed != len(ids):
        found = {i.id: i.status for i in session.scalars(select(ReviewItem).where(ReviewItem.id.in_(ids)))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"unknown review item(s) {', '.join(map(str, missing))}")
        taken = [f"{i} ({found[i]})" for i in ids if found[i] not in allowed]
        raise NotAllowed(f"review item(s) {', '.join(taken)} cannot be decided in that state")
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.id.in_(ids))
                                 .execution_options(populate_existing=True)))
    order = {item_id: n for n, item_id in enumerate(ids)}
    return sorted(items, key=lambda i: order[i.id])


def _require_notice_items(session: Session, item_ids: Sequence[int], message: str) -> None:
    """Checked before anything is written, so a refusal never leaves a half-made decision behind."""
    if session.scalars(select(ReviewItem.id).where(ReviewItem.id.in_(list(item_ids)),
                                                   ReviewItem.source != "notice")).first() is not None:
        raise EnforcementError(message)


def remove(
    session: Session,
    item_ids: Sequence[int],
    *,
    reviewer: str,
    reason: str = "",
    ground: str = "trademark_law",
    automated: bool = False,
    clock: Clock = system_clock,
    policy: Policy = DEFAULT_POLICY,
    media_root: Path | None = None,
) -> list[Decision]:
    """Remove the listings of these items: decision, statement of reasons, strike, notifications, audit.

    The removed listings' stored images (under `media_root`, the caller's `<data_dir>/media`) feed the
    known-counterfeit hash bank."""
    if ground not in GROUNDS:
        raise EnforcementError(f"ground must be one of {', '.join(GROUNDS)}")
    now = clock()
    items = _claim(session, item_ids, allowed=OPEN_STATUSES,
                   values={"status": "decided", "outcome": "removed", "decided_at": now, "automated": automated})
    decisions = [_remove_one(session, item, reviewer, reason, ground, automated, now, policy, media_root)
                 for item in items]
    notices = _close_notices(session, {i.notice_id for i in items if i.notice_id}, now)
    for notice in notices.values():
        removed = ", ".join(i.listing_id for i in items if i.notice_id == notice.id)
        notify(session, recipient_kind="notifier", recipient_id=notice.notifier_id, kind="notice.upheld",
               subject=f"notice:{notice.id}", body=f"Removed after your notice: {removed}"
               + (" (automatically, expedited lane)." if automated else "."), now=now)
    return decisions


def _remove_one(session: Session, item: ReviewItem, reviewer: str, reason: str, ground: str, automated: bool,
                now: datetime, policy: Policy, media_root: Path | None) -> Decision:
    decision = Decision(review_item_id=item.id, listing_id=item.listing_id, action="remove", reason=reason,
                        ground=ground, reviewer=reviewer, automated=automated, decided_at=now)
    session.add(decision)
    session.flush()
    listing = session.get(Listing, item.listing_id)
    restricted = listing is not None and listing.status != "removed"
    details = {"item": item.id, "decision": decision.id, "source": item.source, "lane": item.lane,
               "automated": automated, "ground": ground}
    if restricted:
        listing.status = "removed"
        statement = _statement(session, item, decision, policy, now)
        audit.record(session, actor=reviewer, action="listing.removed", subject=f"listing:{item.listing_id}",
                     details={**details, "statement_of_reasons": statement.id}, at=now)
        notify(session, recipient_kind="seller", recipient_id=item.seller_id, kind="listing.removed",
               subject=f"listing:{item.listing_id}", body=statement_text(statement), now=now)
        strikes.add_strike(session, item.seller_id, decision, now=now, policy=policy)
        hooks.feed_counterfeit_bank(session, item.listing_id, brand_id=item.brand_id, actor=reviewer,
                                    media_root=media_root)
    else:
        audit.record(session, actor=reviewer, action="review.upheld", subject=f"listing:{item.listing_id}",
                     details={**details, "note": "listing was already removed"}, at=now)
    _close_duplicates(session, item, decision, now)
    return decision


def _close_duplicates(session: Session, item: ReviewItem, decision: Decision, now: datetime) -> None:
    """Other open items about the same listing are settled by this removal (they count as upheld)."""
    others = list(session.scalars(select(ReviewItem).where(
        ReviewItem.listing_id == item.listing_id, ReviewItem.id != item.id, ReviewItem.status.in_(OPEN_STATUSES))))
    for other in others:
        other.status, other.outcome, other.decided_at, other.automated = "decided", "removed", now, True
        session.add(Decision(review_item_id=other.id, listing_id=other.listing_id, action="remove",
                             reason=f"covered by decision {decision.id}", ground=decision.ground,
                             reviewer="system:duplicate", automated=True, decided_at=now))
        audit.record(session, actor="system:duplicate", action="review.upheld", subject=f"listing:{other.listing_id}",
                     details={"item": other.id, "covered_by": decision.id}, at=now)
    _close_notices(session, {o.notice_id for o in others if o.notice_id}, now)


def _statement(session: Session, item: ReviewItem, decision: Decision, policy: Policy,
               now: datetime) -> StatementOfReasons:
    notice = session.get(Notice, item.notice_id) if item.notice_id else None
    brand = session.get(Brand, item.brand_id) if item.brand_id else None
    brand_name = brand.name if brand else (item.brand_id or "a protected brand")
    if notice is not None:
        facts = (f"Notice {notice.id} received {notice.received_at:%Y-%m-%d} from {notice.notifier_name} for "
                 f"{brand_name} (trademark registration {notice.trademark_registration}) naming this listing: "
                 f"{notice.explanation.strip()[:1000]}")
    else:
        messages = "; ".join(r.get("message", "") for r in item.reasons or [])
        facts = (f"Automated detection (engine {item.engine_version}, score {item.score:.2f}) flagged this listing "
                 f"as a likely counterfeit of {brand_name}: {messages}")
    if decision.reason:
        facts += f" Reviewer's note: {decision.reason}"
    if decision.ground == "trademark_law":
        mark = session.get(Trademark, notice.trademark_id) if notice is not None and notice.trademark_id else None
        detail = (f"Infringement of trademark {mark.mark} ({mark.office} {mark.registration_number}) of {brand_name}"
                  if mark else f"Infringement of the trademarks of {brand_name}")
    else:
        detail = "Marketplace terms of service: counterfeit and trademark-infringing goods are prohibited"
    statement = StatementOfReasons(
        decision_id=decision.id, listing_id=item.listing_id, seller_id=item.seller_id,
        restriction="removal of listing", facts=facts, source=item.source,
        automated_detection=item.source == "proactive", automated_decision=decision.automated,
        ground=decision.ground, ground_detail=detail,
        redress=(f"You may file a counter-notice within {policy.counter_notice_window_days} days; it is decided by "
                 "a reviewer other than the one who took this decision"
                 + (f", and the notifier is told; unless the notifier starts legal proceedings the listing is "
                    f"restored after {policy.restore_after_business_days} business days" if notice else "")
                 + ". You may also use a certified out-of-court dispute settlement body (DSA Art. 21) or the courts."),
        issued_at=now)
    session.add(statement)
    session.flush()
    return statement


def statement_text(s: StatementOfReasons) -> str:
    automation = ("detected by automated means" if s.automated_detection else "reported by a notice") + (
        ", decided automatically" if s.automated_decision else ", decided by a reviewer")
    return (f"Restriction: {s.restriction} {s.listing_id}. Facts: {s.facts} ({automation}.) "
            f"Ground: {s.ground.replace('_', ' ')}: {s.ground_detail}. Redress: {s.redress}")


def reject(
    session: Session,
    item_ids: Sequence[int],
    *,
    reviewer: str,
    reason: str,
    manifestly_unfounded: bool = False,
    clock: Clock = system_clock,
    policy: Policy = DEFAULT_POLICY,
) -> list[Decision]:
    """Keep the listings online; the reason is told to the notifier. Unfounded notices count toward sanctions."""
    if not reason.strip():
        raise EnforcementError("a rejection needs a reason")
    now = clock()
    if manifestly_unfounded:
        _require_notice_items(session, item_ids, "only notices can be manifestly unfounded")
    items = _claim(session, item_ids, allowed=OPEN_STATUSES,
                   values={"status": "decided", "outcome": "rejected", "decided_at": now, "automated": False})
    decisions = []
    for item in items:
        decision = Decision(review_item_id=item.id, listing_id=item.listing_id, action="reject", reason=reason,
                            manifestly_unfounded=manifestly_unfounded, reviewer=reviewer, decided_at=now)
        session.add(decision)
        decisions.append(decision)
        audit.record(session, actor=reviewer, action="review.rejected", subject=f"listing:{item.listing_id}",
                     details={"item": item.id, "source": item.source, "reason": reason,
                              "manifestly_unfounded": manifestly_unfounded}, at=now)
    notices = _close_notices(session, {i.notice_id for i in items if i.notice_id}, now)
    for notice in notices.values():
        notify(session, recipient_kind="notifier", recipient_id=notice.notifier_id, kind="notice.rejected",
               subject=f"notice:{notice.id}", body=f"Listings of your notice were not removed: {reason}", now=now)
    if manifestly_unfounded:
        for notifier_id in sorted({n.notifier_id for n in notices.values()}):
            sanctions.review_notifier(session, notifier_id, now=now, policy=policy)
    session.flush()
    return decisions


def request_information(
    session: Session, item_ids: Sequence[int], *, reviewer: str, question: str, clock: Clock = system_clock
) -> None:
    """Ask the notifier for more before deciding; the item waits in `info_requested`."""
    if not question.strip():
        raise EnforcementError("say what information is needed")
    now = clock()
    _require_notice_items(session, item_ids, "only notice items have a notifier to ask")
    items = _claim(session, item_ids, allowed=("open",), values={"status": "info_requested", "info_requested_at": now})
    for item in items:
        notice = session.get(Notice, item.notice_id)
        session.add(Decision(review_item_id=item.id, listing_id=item.listing_id, action="request_info",
                             reason=question, reviewer=reviewer, decided_at=now))
        notify(session, recipient_kind="notifier", recipient_id=notice.notifier_id, kind="notice.info_requested",
               subject=f"notice:{notice.id}", body=f"About listing {item.listing_id}: {question}", now=now)
        audit.record(session, actor=reviewer, action="review.info_requested", subject=f"listing:{item.listing_id}",
                     details={"item": item.id, "notice": notice.id, "question": question}, at=now)


def provide_information(
    session: Session, item_id: int, *, notifier_id: str, information: str, clock: Clock = system_clock
) -> None:
    """The notifier answers; the item goes back to the queue with the answer added to the notice."""
    now = clock()
    item = session.get(ReviewItem, item_id)
    notice = session.get(Notice, item.notice_id) if item and item.notice_id else None
    if notice is None or notice.notifier_id != notifier_id:
        raise NotFound(f"no notice item {item_id} of notifier {notifier_id}")
    _claim(session, [item_id], allowed=("info_requested",), values={"status": "open"})
    notice.explanation += f"\n\n[information added {now:%Y-%m-%d}] {information.strip()}"
    audit.record(session, actor=f"notifier:{notifier_id}", action="notice.info_provided",
                 subject=f"listing:{item.listing_id}", details={"item": item_id, "notice": notice.id}, at=now)


def remove_automatically(session: Session, notice_ids: Sequence[int], *, now: datetime, policy: Policy,
                         media_root: Path | None = None) -> int:
    """Expedited lane: remove every listing of these notices at once, marked as automated (under `policy`, like
    any removal: the statement of reasons' counter-notice window, strikes and suspension thresholds)."""
    removed = 0
    for start in range(0, len(notice_ids), 100):  # bounded batches: SQLite caps bound parameters
        item_ids = list(session.scalars(select(ReviewItem.id).where(
            ReviewItem.notice_id.in_(notice_ids[start : start + 100]), ReviewItem.status.in_(OPEN_STATUSES))))
        if item_ids:
            removed += len(remove(session, item_ids, reviewer=EXPEDITED_ACTOR, automated=True, clock=lambda: now,
                                  policy=policy, media_root=media_root,
                                  reason="expedited lane: automatic removal on notice from a notifier "
                                         "with a proven record"))
    return removed


def _close_notices(session: Session, notice_ids: set[int], now: datetime) -> dict[int, Notice]:
    """Close the notices whose items are all decided; returns the notices touched."""
    if not notice_ids:
        return {}
    session.flush()
    still_open = set(session.scalars(select(ReviewItem.notice_id).where(
        ReviewItem.notice_id.in_(notice_ids), ReviewItem.status.in_(OPEN_STATUSES)).group_by(ReviewItem.notice_id)))
    notices = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
    for notice in notices.values():
        if notice.id not in still_open and notice.status == "open":
            notice.status, notice.closed_at = "closed", now
            audit.record(session, actor="system:queue", action="notice.closed", subject=f"notice:{notice.id}",
                         details={}, at=now)
    return notices


def statements_for_seller(session: Session, seller_id: str) -> list[StatementOfReasons]:
    """What the seller is shown: every statement of reasons issued to them, newest first."""
    return list(session.scalars(select(StatementOfReasons).where(StatementOfReasons.seller_id == seller_id)
                                .order_by(StatementOfReasons.issued_at.desc(), StatementOfReasons.id.desc())))

