"""The review queue (notices and proactive flags together) and decisions, one or many at a time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from countermark.enforcement import service as enforcement
from countermark.enforcement.policy import Policy
from countermark.web.deps import (
    CurrentPrincipal,
    EnforcementPolicyDep,
    MediaRootDep,
    Page,
    PageDep,
    SessionDep,
    allow,
)
from countermark.web.enforcement_errors import as_problem
from countermark.web.queries import ReviewCard, queue_page, review_cards
from countermark.web.roles import REVIEWERS
from countermark.web.scoped import ScopedItem

router = APIRouter(tags=["review queue"])

Status = Literal["open", "info_requested", "decided"]


class ListingOut(BaseModel):
    listing_id: str
    title: str
    price: float
    currency: str
    status: str
    seller_id: str
    seller_name: str
    seller_status: str
    images: list[str]


class ProductOut(BaseModel):
    brand_id: str
    sku: str
    title: str
    msrp: float
    currency: str
    images: list[str]


class ReviewCardOut(BaseModel):
    item_id: int
    source: str
    lane: str
    status: str
    outcome: str | None
    created_at: datetime
    brand_id: str | None
    score: float | None
    reasons: list[dict]
    price_ratio: float | None = Field(description="Listing price / genuine product MSRP")
    listing: ListingOut | None
    product: ProductOut | None
    notice_id: int | None
    explanation: str | None

    @classmethod
    def of(cls, card: ReviewCard) -> ReviewCardOut:
        item, listing, product = card.item, card.listing, card.product
        return cls(
            item_id=item.id, source=item.source, lane=item.lane, status=item.status, outcome=item.outcome,
            created_at=item.created_at, brand_id=item.brand_id, score=item.score, reasons=card.reasons,
            price_ratio=card.price_ratio, notice_id=item.notice_id,
            explanation=card.notice.explanation if card.notice else None,
            listing=ListingOut(
                listing_id=listing.listing_id, title=listing.title, price=listing.price, currency=listing.currency,
                status=listing.status, seller_id=listing.seller_id,
                seller_name=card.seller.display_name if card.seller else "",
                seller_status=card.seller.status if card.seller else "",
                images=[f"/media/listings/{listing.listing_id}/{i.position}" for i in listing.images],
            ) if listing else None,
            product=ProductOut(
                brand_id=product.brand_id, sku=product.sku, title=product.title, msrp=product.msrp,
                currency=product.currency,
                images=[f"/media/products/{product.id}/{n}" for n in range(len(product.images))],
            ) if product else None,
        )


class DecisionIn(BaseModel):
    item_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=500)
    action: Literal["remove", "reject", "request_info"]
    reason: str = Field(default="", max_length=5000, description="Required to reject; the question for request_info")
    ground: Literal["trademark_law", "terms_of_service"] = "trademark_law"
    manifestly_unfounded: bool = Field(default=False, description="Reject only: counts toward notifier sanctions")


class DecisionOut(BaseModel):
    action: str
    item_ids: list[int]


@router.get("/queue", response_model=Page[ReviewCardOut], dependencies=allow(*REVIEWERS))
def list_queue(
    db: SessionDep, page: PageDep,
    status: Annotated[list[Status] | None, Query(max_length=3)] = None,
    source: Annotated[Literal["notice", "proactive"] | None, Query()] = None,
    lane: Annotated[Literal["expedited", "normal", "proactive"] | None, Query()] = None,
    brand_id: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ReviewCardOut]:
    """Items waiting for a decision (expedited first, then oldest first), filterable."""
    items, total = queue_page(db, statuses=tuple(status or ("open", "info_requested")), source=source,
                              brand_id=brand_id, lane=lane, limit=page.limit, offset=page.offset)
    return Page(items=[ReviewCardOut.of(c) for c in review_cards(db, items)], total=total, limit=page.limit,
                offset=page.offset)


@router.get("/queue/{item_id}", response_model=ReviewCardOut, dependencies=allow(*REVIEWERS))
def get_item(db: SessionDep, item: ScopedItem) -> ReviewCardOut:
    return ReviewCardOut.of(review_cards(db, [item])[0])


def decide(db, principal, body: DecisionIn, policy: Policy, media_root: Path) -> DecisionOut:  # noqa: ANN001
    """All or nothing: if any item cannot be decided, none is."""
    try:
        if body.action == "remove":
            enforcement.remove(db, body.item_ids, reviewer=principal.actor, reason=body.reason, ground=body.ground,
                               policy=policy, media_root=media_root)
        elif body.action == "reject":
            enforcement.reject(db, body.item_ids, reviewer=principal.actor, reason=body.reason,
                               manifestly_unfounded=body.manifestly_unfounded, policy=policy)
        else:
            enforcement.request_information(db, body.item_ids, reviewer=principal.actor, question=body.reason)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return DecisionOut(action=body.action, item_ids=body.item_ids)


@router.post("/queue/decisions", response_model=DecisionOut, dependencies=allow(*REVIEWERS))
def decide_items(db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep, media: MediaRootDep,
                 body: Annotated[DecisionIn, Body()]) -> DecisionOut:
    """Decide one or many items: remove, reject (with reason) or request more information."""
    return decide(db, principal, body, policy, media)
