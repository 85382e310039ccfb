"""Reviewer console: the queue with filters, each listing beside the genuine product; decide one or many."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from countermark.rights.models import Brand
from countermark.web.api.appeals import appeals_page, decide_appeal
from countermark.web.api.queue import DecisionIn, decide
from countermark.web.deps import CurrentPrincipal, EnforcementPolicyDep, MediaRootDep, PageDep, SessionDep, allow_page
from countermark.web.pages.render import render
from countermark.web.queries import queue_page, review_cards
from countermark.web.roles import REVIEWERS
from countermark.web.scoped import ScopedCounterNotice

router = APIRouter(include_in_schema=False)

SOURCES, LANES = ("notice", "proactive"), ("expedited", "normal", "proactive")


@router.get("/review", dependencies=allow_page(*REVIEWERS))
def review(request: Request, db: SessionDep, page: PageDep, source: str = "", lane: str = "",
           brand_id: str = "") -> Response:
    items, total = queue_page(db, statuses=("open", "info_requested"), source=source if source in SOURCES else None,
                              lane=lane if lane in LANES else None, brand_id=brand_id[:200] or None,
                              limit=min(page.limit, 20), offset=page.offset)
    filters = urlencode({"source": source, "lane": lane, "brand_id": brand_id})
    brands = list(db.scalars(select(Brand.brand_id).order_by(Brand.brand_id)))
    return render(request, "review.html", cards=review_cards(db, items), total=total, page=page, source=source,
                  lane=lane, brand_id=brand_id, brands=brands, filters=filters)


@router.post("/review/decide", dependencies=allow_page(*REVIEWERS))
def decide_page(
    db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep, media: MediaRootDep,
    item_ids: Annotated[list[int], Form(max_length=500)],
    action: Annotated[str, Form(pattern="^(remove|reject|request_info)$")],
    reason: Annotated[str, Form(max_length=5000)] = "",
    ground: Annotated[str, Form(pattern="^(trademark_law|terms_of_service)$")] = "trademark_law",
    back_to: Annotated[str, Form(max_length=2000)] = "/review",
) -> Response:
    result = decide(db, principal, DecisionIn(item_ids=item_ids, action=action, reason=reason, ground=ground),
                    policy, media)
    verb = {"remove": "Removed", "reject": "Rejected", "request_info": "Asked for information on"}[action]
    target = back_to if back_to.startswith("/review") else "/review"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'msg': f'{verb} {len(result.item_ids)} item(s).'})}",
                            status_code=303)


@router.get("/review/appeals", dependencies=allow_page(*REVIEWERS))
def appeals(request: Request, db: SessionDep, principal: CurrentPrincipal, page: PageDep,
            status: str = "open") -> Response:
    items, total = appeals_page(db, status=status or None, limit=page.limit, offset=page.offset)
    return render(request, "appeals.html", appeals=items, total=total, status=status, me=principal.actor)


@router.post("/review/appeals/{counter_id}/decision", dependencies=allow_page(*REVIEWERS))
def decide_appeal_page(db: SessionDep, principal: CurrentPrincipal, counter: ScopedCounterNotice,
                       outcome: Annotated[str, Form(pattern="^(upheld|reversed)$")],
                       reason: Annotated[str, Form(max_length=5000)]) -> Response:
    decide_appeal(db, principal, counter, outcome, reason)
    message = "Removal upheld." if outcome == "upheld" else "Removal reversed: the listing is back online."
    return RedirectResponse(f"/review/appeals?{urlencode({'msg': message})}", status_code=303)
