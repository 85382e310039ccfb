"""Seller centre API: storefront standing, statements of reasons, counter-notices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from countermark.enforcement import service as enforcement
from countermark.enforcement.models import StatementOfReasons
from countermark.listings.models import Seller
from countermark.web.deps import CurrentPrincipal, EnforcementPolicyDep, Page, PageDep, SessionDep, allow
from countermark.web.enforcement_errors import as_problem
from countermark.web.policy import storefront_filter
from countermark.web.queries import standing
from countermark.web.roles import SELLER_VIEWERS, SELLERS
from countermark.web.scoped import ScopedSeller, ScopedStatement

router = APIRouter(tags=["sellers"])


class SellerSummary(BaseModel):
    seller_id: str
    display_name: str
    country: str
    status: str


class StatementOut(BaseModel):
    id: int
    listing_id: str
    restriction: str
    facts: str
    source: str
    automated_detection: bool
    automated_decision: bool
    ground: str
    ground_detail: str
    redress: str
    issued_at: datetime
    counter_notice: str | None = None

    @classmethod
    def of(cls, s: StatementOfReasons, counter: str | None = None) -> StatementOut:
        return cls(id=s.id, listing_id=s.listing_id, restriction=s.restriction, facts=s.facts, source=s.source,
                   automated_detection=s.automated_detection, automated_decision=s.automated_decision,
                   ground=s.ground, ground_detail=s.ground_detail, redress=s.redress, issued_at=s.issued_at,
                   counter_notice=counter)


class StrikeOut(BaseModel):
    listing_id: str
    at: datetime
    lifted_at: datetime | None


class SanctionOut(BaseModel):
    kind: str
    reason: str
    at: datetime
    until: datetime | None
    lifted_at: datetime | None


class StandingOut(SellerSummary):
    active_strikes: int
    strikes: list[StrikeOut]
    sanctions: list[SanctionOut]
    statements: list[StatementOut]


class CounterNoticeIn(BaseModel):
    listing_id: str = Field(min_length=1, max_length=200)
    explanation: str = Field(min_length=1, max_length=20000, description="Why the removal was wrong")


class CounterNoticeOut(BaseModel):
    id: int
    listing_id: str
    status: str
    submitted_at: datetime
    restore_due_at: datetime | None


@router.get("/sellers", response_model=Page[SellerSummary], dependencies=allow(*SELLER_VIEWERS))
def list_sellers(db: SessionDep, principal: CurrentPrincipal, page: PageDep,
                 q: Annotated[str, Query(max_length=200, description="Id or name contains")] = "",
                 status: Annotated[str | None, Query(pattern="^(active|suspended|banned)$")] = None,
                 ) -> Page[SellerSummary]:
    query = select(Seller)
    visible = storefront_filter(principal)
    if visible is not None:
        query = query.where(Seller.seller_id.in_(sorted(visible)))
    if q:
        query = query.where(Seller.seller_id.ilike(f"%{q}%") | Seller.display_name.ilike(f"%{q}%"))
    if status:
        query = query.where(Seller.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Seller.seller_id).limit(page.limit).offset(page.offset))
    items = [SellerSummary(seller_id=s.seller_id, display_name=s.display_name, country=s.country, status=s.status)
             for s in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/sellers/{seller_id}", response_model=StandingOut, dependencies=allow(*SELLER_VIEWERS))
def get_standing(db: SessionDep, seller: ScopedSeller, policy: EnforcementPolicyDep) -> StandingOut:
    """Status, strikes, sanctions and every statement of reasons issued to the storefront."""
    s = standing(db, seller, policy)
    return StandingOut(
        seller_id=seller.seller_id, display_name=seller.display_name, country=seller.country, status=seller.status,
        active_strikes=s.active_strikes,
        strikes=[StrikeOut(listing_id=x.listing_id, at=x.at, lifted_at=x.lifted_at) for x in s.strikes],
        sanctions=[SanctionOut(kind=x.kind, reason=x.reason, at=x.at, until=x.until, lifted_at=x.lifted_at)
                   for x in s.sanctions],
        statements=[StatementOut.of(x, s.counter_notices[x.listing_id].status
                                    if x.listing_id in s.counter_notices else None) for x in s.statements])


@router.get("/statements/{statement_id}", response_model=StatementOut, dependencies=allow(*SELLER_VIEWERS))
def get_statement(statement: ScopedStatement) -> StatementOut:
    return StatementOut.of(statement)


@router.post("/sellers/{seller_id}/counter-notices", status_code=201, response_model=CounterNoticeOut,
             dependencies=allow(*SELLERS))
def counter_notice(db: SessionDep, seller: ScopedSeller, policy: EnforcementPolicyDep,
                   body: Annotated[CounterNoticeIn, Body()]) -> CounterNoticeOut:
    """Contest a removal within the window; the notifier is told and the listing returns after the deadline
    unless the notifier records legal action."""
    try:
        counter = enforcement.submit_counter_notice(db, body.listing_id, seller_id=seller.seller_id,
                                                    explanation=body.explanation, policy=policy)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return CounterNoticeOut(id=counter.id, listing_id=counter.listing_id, status=counter.status,
                            submitted_at=counter.submitted_at, restore_due_at=counter.restore_due_at)
