"""Reviewers' verdicts on listings, as plain records: what detection learns from (`countermark train`).

Each decision that settles whether a listing is counterfeit gives a verdict; the latest one per listing wins:

| decision | meaning | counterfeit? |
|---|---|---|
| `remove` | an upheld proactive flag, or a notice that led to removal (also expedited and duplicates) | yes |
| `uphold` | a complaint against the removal was turned down: the removal stands | yes |
| `reject` | a rejected flag or notice: the listing stays online | no |
| `restore` | the takedown was reversed (complaint upheld, or counter-notice without legal action) | no |

Requests for information decide nothing and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement.models import Decision, ReviewItem
from countermark.listings import records
from countermark.listings.service import listing_records_by_id

VERDICTS = {"remove": True, "uphold": True, "reject": False, "restore": False}


@dataclass(frozen=True, slots=True)
class ReviewedListing:
    listing: records.Listing
    counterfeit: bool  # confirmed counterfeit by the latest verdict
    queued_at: datetime  # when the decided review item entered the queue: what the seller's record was then
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class Verdict:
    counterfeit: bool
    queued_at: datetime
    decided_at: datetime


def verdicts(session: Session) -> dict[str, Verdict]:
    """listing_id -> its latest verdict (decisions in the order they were taken)."""
    query = (select(Decision.listing_id, Decision.action, Decision.decided_at, ReviewItem.created_at)
             .join(ReviewItem, ReviewItem.id == Decision.review_item_id)
             .where(Decision.action.in_(list(VERDICTS)))
             .order_by(Decision.decided_at, Decision.id))
    return {listing_id: Verdict(VERDICTS[action], queued_at, decided_at)
            for listing_id, action, decided_at, queued_at in session.execute(query)}


def reviewed_listings(session: Session) -> Iterator[ReviewedListing]:
    """Every listing reviewers settled, with its verdict, in listing id order."""
    latest = verdicts(session)
    for listing in listing_records_by_id(session, list(latest)):
        verdict = latest[listing.listing_id]
        yield ReviewedListing(listing, verdict.counterfeit, verdict.queued_at, verdict.decided_at)
