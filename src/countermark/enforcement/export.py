"""Spreadsheet exports of notices and the review queue (formula-safe CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement.audit import iso
from countermark.enforcement.csvsafe import write_csv
from countermark.enforcement.models import Notice, ReviewItem

NOTICE_COLUMNS = ("notice_id", "received_at", "notifier_id", "notifier_name", "notifier_email", "brand_id",
                  "trademark_registration", "channel", "lane", "notice_status", "item_id", "listing_id", "location",
                  "item_status", "outcome", "decided_at", "automated", "restored_at", "explanation")


def _notice_rows(session: Session) -> Iterator[tuple]:
    query = (select(Notice, ReviewItem).join(ReviewItem, ReviewItem.notice_id == Notice.id)
             .order_by(Notice.id, ReviewItem.position).execution_options(yield_per=2000))
    for notice, item in session.execute(query):
        yield (notice.id, iso(notice.received_at), notice.notifier_id, notice.notifier_name, notice.notifier_email,
               notice.brand_id, notice.trademark_registration, notice.channel, notice.lane, notice.status, item.id,
               item.listing_id, item.location, item.status, item.outcome or "",
               iso(item.decided_at) if item.decided_at else "", item.automated,
               iso(item.restored_at) if item.restored_at else "", notice.explanation)


def export_notices(session: Session, out: Path) -> int:
    """One row per listing named in a notice; returns the number of rows written."""
    return write_csv(out, NOTICE_COLUMNS, _notice_rows(session))
