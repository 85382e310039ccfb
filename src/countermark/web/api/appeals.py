"""Internal complaint handling: a reviewer other than the one who removed decides on a counter-notice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from countermark.enforcement import service as enforcement
from countermark.enforcement.models import CounterNotice, Decision
from countermark.web.deps import CurrentPrincipal, Page, PageDep, SessionDep, allow
from countermark.web.enforcement_errors import as_problem
from countermark.web.roles import REVIEWERS
from countermark.web.scoped import ScopedCounterNotice

router = APIRouter(tags=["review queue"])

Status = Literal["open", "restored", "legal_action", "upheld", "reversed"]


class AppealOut(BaseModel):
    id: int
    listing_id: str
    seller_id: str
    explanation: str
    status: str
    submitted_at: datetime
    restore_due_at: datetime | None
    removed_by: str = Field(description="Reviewer of the contested removal: someone else must decide")


class AppealDecisionIn(BaseModel):
    outcome: Literal["upheld", "reversed"] = Field(description="upheld: the removal stands; reversed: restore")
    reason: str = Field(min_length=1, max_length=5000)


def appeals_page(db, *, status: str | None, limit: int, offset: int) -> tuple[list[AppealOut], int]:  # noqa: ANN001
    query = select(CounterNotice, Decision.reviewer).join(Decision, Decision.id == CounterNotice.decision_id)
    if status:
        query = query.where(CounterNotice.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(query.order_by(CounterNotice.submitted_at, CounterNotice.id).limit(limit).offset(offset))
    return [AppealOut(id=c.id, listing_id=c.listing_id, seller_id=c.seller_id, explanation=c.explanation,
                      status=c.status, submitted_at=c.submitted_at, restore_due_at=c.restore_due_at,
                      removed_by=reviewer) for c, reviewer in rows], total


@router.get("/appeals", response_model=Page[AppealOut], dependencies=allow(*REVIEWERS))
def list_appeals(db: SessionDep, page: PageDep,
                 status: Annotated[Status | None, Query()] = "open") -> Page[AppealOut]:
    """Counter-notices (appeals) of sellers, oldest first."""
    items, total = appeals_page(db, status=status, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


def decide_appeal(db, principal, counter: CounterNotice, outcome: str, reason: str) -> None:  # noqa: ANN001
    try:
        enforcement.decide_complaint(db, counter.id, reviewer=principal.actor, outcome=outcome, reason=reason)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e


@router.post("/appeals/{counter_id}/decision", response_model=AppealOut, dependencies=allow(*REVIEWERS))
def decide(db: SessionDep, principal: CurrentPrincipal, counter: ScopedCounterNotice,
           body: Annotated[AppealDecisionIn, Body()]) -> AppealOut:
    """Uphold the removal or reverse it (the listing is restored and the strike lifted)."""
    decide_appeal(db, principal, counter, body.outcome, body.reason)
    original = db.get(Decision, counter.decision_id)
    return AppealOut(id=counter.id, listing_id=counter.listing_id, seller_id=counter.seller_id,
                     explanation=counter.explanation, status=counter.status, submitted_at=counter.submitted_at,
                     restore_due_at=counter.restore_due_at, removed_by=original.reviewer)
