"""Seller centre: storefront standing, statements of reasons, counter-notice / appeal form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from countermark.enforcement import service as enforcement
from countermark.listings.models import Seller
from countermark.web.deps import CurrentPrincipal, EnforcementPolicyDep, PageDep, SessionDep, allow_page
from countermark.web.enforcement_errors import as_problem
from countermark.web.pages.portal import back
from countermark.web.pages.render import render
from countermark.web.policy import storefront_filter
from countermark.web.queries import standing
from countermark.web.roles import SELLER_VIEWERS, SELLERS
from countermark.web.scoped import ScopedSeller

router = APIRouter(include_in_schema=False)


@router.get("/seller", dependencies=allow_page(*SELLER_VIEWERS))
def seller_home(request: Request, db: SessionDep, principal: CurrentPrincipal, page: PageDep, q: str = "") -> Response:
    visible = storefront_filter(principal)
    if principal.role == "seller" and len(principal.storefronts) == 1:
        return RedirectResponse(f"/seller/{next(iter(principal.storefronts))}", status_code=303)
    query = select(Seller).order_by(Seller.seller_id)
    if visible is not None:
        query = query.where(Seller.seller_id.in_(sorted(visible)))
    if q:
        query = query.where(Seller.seller_id.ilike(f"%{q[:200]}%") | Seller.display_name.ilike(f"%{q[:200]}%"))
    sellers = list(db.scalars(query.limit(page.limit).offset(page.offset)))
    return render(request, "sellers.html", sellers=sellers, q=q)


@router.get("/seller/{seller_id}", dependencies=allow_page(*SELLER_VIEWERS))
def seller_page(request: Request, db: SessionDep, principal: CurrentPrincipal, seller: ScopedSeller,
                policy: EnforcementPolicyDep) -> Response:
    return render(request, "seller.html", s=standing(db, seller, policy), can_appeal=principal.role in SELLERS,
                  policy=policy)


@router.post("/seller/{seller_id}/counter-notices", dependencies=allow_page(*SELLERS))
def counter_notice(db: SessionDep, seller: ScopedSeller, policy: EnforcementPolicyDep,
                   listing_id: Annotated[str, Form(max_length=200)],
                   explanation: Annotated[str, Form(max_length=20_000)]) -> Response:
    try:
        enforcement.submit_counter_notice(db, listing_id, seller_id=seller.seller_id, explanation=explanation,
                                          policy=policy)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return back(f"/seller/{seller.seller_id}", f"Counter-notice for {listing_id} submitted; the notifier is told.")
