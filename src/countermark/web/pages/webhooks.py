"""Webhook pages: register an endpoint (the secret is shown once), see deliveries, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from countermark.accounts import webhooks
from countermark.accounts.models import WebhookSubscription
from countermark.rights.models import Brand
from countermark.web.deps import CurrentPrincipal, SessionDep, SettingsDep, allow_page
from countermark.web.pages.portal import back
from countermark.web.pages.render import render
from countermark.web.policy import brand_filter, check_brand
from countermark.web.problems import Problem, not_found
from countermark.web.roles import BRAND_EDITORS
from countermark.web.scoped import ScopedWebhook

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: SessionDep, principal: CurrentPrincipal, **extra) -> Response:
    visible = brand_filter(principal)
    subs = select(WebhookSubscription).order_by(WebhookSubscription.id)
    brands = select(Brand.brand_id).order_by(Brand.brand_id)
    if visible is not None:
        subs = subs.where(WebhookSubscription.brand_id.in_(sorted(visible)))
        brands = brands.where(Brand.brand_id.in_(sorted(visible)))
    return render(request, "webhooks.html", subscriptions=list(db.scalars(subs)), brands=list(db.scalars(brands)),
                  prefixes=webhooks.EVENT_PREFIXES, **extra)


@router.get("/webhooks", dependencies=allow_page(*BRAND_EDITORS))
def webhooks_page(request: Request, db: SessionDep, principal: CurrentPrincipal) -> Response:
    return _page(request, db, principal)


@router.post("/webhooks", dependencies=allow_page(*BRAND_EDITORS))
def register(
    request: Request, db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
    brand_id: Annotated[str, Form(max_length=200)], url: Annotated[str, Form(max_length=2000)],
    events: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    check_brand(principal, brand_id, "brand")
    if db.get(Brand, brand_id) is None:
        raise not_found("brand")
    try:
        subscription, secret = webhooks.subscribe(
            db, user_id=principal.user_id, brand_id=brand_id, url=url,
            events=[e.strip() for e in events.replace(",", " ").split() if e.strip()],
            actor=principal.actor, allow_http_localhost=settings.webhook_allow_http_localhost)
    except webhooks.WebhookError as e:
        raise Problem(422, str(e)) from e
    return _page(request, db, principal, created=subscription, secret=secret)


@router.get("/webhooks/{webhook_id}", dependencies=allow_page(*BRAND_EDITORS))
def webhook_page(request: Request, db: SessionDep, subscription: ScopedWebhook) -> Response:
    return render(request, "webhook.html", subscription=subscription,
                  deliveries=webhooks.deliveries_for(db, subscription.id))


@router.post("/webhooks/{webhook_id}/deactivate", dependencies=allow_page(*BRAND_EDITORS))
def deactivate(db: SessionDep, principal: CurrentPrincipal, subscription: ScopedWebhook) -> Response:
    webhooks.deactivate(db, subscription, actor=principal.actor)
    return back(f"/webhooks/{subscription.id}", "Webhook deactivated.")
