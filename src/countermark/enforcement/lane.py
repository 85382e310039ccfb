"""The expedited lane: notifiers whose recent notices proved accurate get automatic removal on notice.

Re-checked daily over the trailing window; granted and revoked automatically.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.enforcement.clock import Clock, as_utc, system_clock
from countermark.enforcement.models import CounterNotice, Notice, Notifier, ReviewItem
from countermark.enforcement.notify import notify
from countermark.enforcement.policy import DEFAULT_POLICY, Policy

SYSTEM = "system:lane"


@dataclass(frozen=True)
class LaneStats:
    notifier_id: str
    decided: int  # notice items decided in the window
    removed: int
    upheld: int  # removed and not restored after a counter-notice or complaint
    countered: int  # successful counter-notices against those removals
    eligible: bool

    @property
    def upheld_rate(self) -> float:
        return self.upheld / self.decided if self.decided else 0.0

    @property
    def counter_rate(self) -> float:
        return self.countered / self.removed if self.removed else 0.0


def lane_stats(session: Session, *, now: datetime, policy: Policy = DEFAULT_POLICY) -> dict[str, LaneStats]:
    """Accuracy of every notifier over the trailing window, from decided notice items."""
    since = now - timedelta(days=policy.lane_window_days)
    in_window = and_(ReviewItem.status == "decided", ReviewItem.decided_at >= since, ReviewItem.decided_at <= now)
    removed = ReviewItem.outcome == "removed"
    rows = session.execute(
        select(Notice.notifier_id, func.count(),
               func.sum(case((removed, 1), else_=0)),
               func.sum(case((and_(removed, ReviewItem.restored_at.is_(None)), 1), else_=0)))
        .join(Notice, Notice.id == ReviewItem.notice_id).where(in_window).group_by(Notice.notifier_id))
    countered = dict(session.execute(
        select(Notice.notifier_id, func.count()).select_from(CounterNotice)
        .join(ReviewItem, ReviewItem.id == CounterNotice.review_item_id)
        .join(Notice, Notice.id == ReviewItem.notice_id)
        .where(in_window, CounterNotice.successful.is_(True)).group_by(Notice.notifier_id)).all())
    stats = {}
    for notifier_id, decided, n_removed, upheld in rows:
        c = countered.get(notifier_id, 0)
        eligible = (decided >= policy.lane_min_decided and upheld / decided >= policy.lane_min_upheld_rate
                    and (c / n_removed if n_removed else 0.0) <= policy.lane_max_counter_rate)
        stats[notifier_id] = LaneStats(notifier_id, decided, int(n_removed or 0), int(upheld or 0), c, eligible)
    return stats


def recheck_lanes(
    session: Session, *, clock: Clock = system_clock, policy: Policy = DEFAULT_POLICY
) -> list[tuple[str, str, LaneStats]]:
    """Grant or revoke the expedited lane for every notifier; returns (notifier, granted|revoked, stats)."""
    now = clock()
    stats = lane_stats(session, now=now, policy=policy)
    changes = []
    for notifier in session.scalars(select(Notifier).order_by(Notifier.notifier_id)):
        s = stats.get(notifier.notifier_id, LaneStats(notifier.notifier_id, 0, 0, 0, 0, False))
        sanctioned = notifier.warned_at is not None or (
            notifier.intake_suspended_until is not None and as_utc(notifier.intake_suspended_until) > now)
        eligible = s.eligible and not sanctioned
        notifier.lane_checked_at = now
        if eligible == notifier.expedited:
            continue
        change = "granted" if eligible else "revoked"
        notifier.expedited, notifier.expedited_since = eligible, now if eligible else None
        details = {**asdict(s), "upheld_rate": round(s.upheld_rate, 4), "counter_rate": round(s.counter_rate, 4),
                   "sanctioned": sanctioned, "automated": True}
        audit.record(session, actor=SYSTEM, action=f"notifier.lane_{change}",
                     subject=f"notifier:{notifier.notifier_id}", details=details, at=now)
        notify(session, recipient_kind="notifier", recipient_id=notifier.notifier_id, kind=f"lane.{change}",
               subject=f"notifier:{notifier.notifier_id}",
               body=(f"Expedited lane {change}: {s.upheld}/{s.decided} notices upheld, {s.countered} successful "
                     f"counter-notices over {policy.lane_window_days} days."), now=now)
        changes.append((notifier.notifier_id, change, s))
    return changes
