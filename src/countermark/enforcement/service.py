"""The single entry point of enforcement for the CLI, the web API and other areas.

Every operation runs inside the caller's transaction, takes an injected `clock` (tests simulate
deadlines with it) and appends to the audit log. Policy numbers come from a `Policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from countermark.enforcement import sanctions, strikes
from countermark.enforcement.bulk import BulkReport, UnreadableCSV
from countermark.enforcement.bulk import import_csv as import_notices_csv
from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.counter import decide_complaint, record_legal_action, restore_due, submit_counter_notice
from countermark.enforcement.decisions import (
    provide_information,
    reject,
    remove,
    request_information,
    statement_text,
    statements_for_seller,
)
from countermark.enforcement.errors import EnforcementError, IntakeSuspended, InvalidNotice, NotAllowed, NotFound
from countermark.enforcement.lane import LaneStats, lane_stats, recheck_lanes
from countermark.enforcement.models import Sanction, Strike
from countermark.enforcement.notices import IntakeResult, NoticeInput, register_notifier, submit_notice
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.enforcement.queue import list_queue, open_items_of_notice, record_proactive_flags
from countermark.enforcement.reviewed import ReviewedListing, reviewed_listings

__all__ = [
    "BulkReport", "Clock", "DEFAULT_POLICY", "DailyReport", "EnforcementError", "IntakeResult", "IntakeSuspended",
    "InvalidNotice", "LaneStats", "NotAllowed", "NotFound", "NoticeInput", "Policy", "UnreadableCSV", "ban_seller",
    "decide_complaint", "import_notices_csv", "lane_stats", "lift_sanction", "lift_strike", "list_queue",
    "open_items_of_notice",
    "ReviewedListing", "reviewed_listings",
    "provide_information", "recheck_lanes", "record_legal_action", "record_proactive_flags", "register_notifier",
    "reject", "remove", "request_information", "restore_due", "run_daily", "statement_text", "statements_for_seller",
    "submit_counter_notice", "submit_notice", "system_clock",
]


@dataclass(frozen=True)
class DailyReport:
    restored: list[str]  # listings restored after unanswered counter-notices
    reinstated: list[str]  # sellers whose suspension ran out
    lane_changes: list[tuple[str, str]]  # (notifier, granted | revoked)


def run_daily(session: Session, *, clock: Clock = system_clock, policy: Policy = DEFAULT_POLICY) -> DailyReport:
    """The daily job: counter-notice deadlines, expired suspensions, expedited-lane re-check."""
    restored = [c.listing_id for c in restore_due(session, clock=clock)]
    reinstated = strikes.reinstate_expired(session, now=clock())
    changes = [(notifier, change) for notifier, change, _ in recheck_lanes(session, clock=clock, policy=policy)]
    return DailyReport(restored, reinstated, changes)


def lift_strike(session: Session, strike_id: int, *, reason: str, actor: str, clock: Clock = system_clock) -> Strike:
    return strikes.lift_strike(session, strike_id, reason=reason, actor=actor, now=clock())


def lift_sanction(
    session: Session, sanction_id: int, *, reason: str, actor: str, clock: Clock = system_clock
) -> Sanction:
    return sanctions.lift(session, sanction_id, reason=reason, actor=actor, now=clock())


def ban_seller(session: Session, seller_id: str, *, reason: str, actor: str, clock: Clock = system_clock) -> list[str]:
    """An operator bans a storefront (and its linked accounts) outright; returns the sellers banned."""
    if not reason.strip():
        raise EnforcementError("a ban needs a reason")
    return strikes.ban(session, seller_id, reason=reason, evidence={}, actor=actor, now=clock())
