"""Webhook subscriptions of rights holders and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from countermark.accounts import webhooks
from countermark.accounts.models import WebhookDelivery, WebhookSubscription
from countermark.rights.models import Brand
from countermark.web.deps import CurrentPrincipal, Page, PageDep, SessionDep, SettingsDep, allow
from countermark.web.policy import brand_filter, check_brand
from countermark.web.problems import Problem, not_found
from countermark.web.roles import BRAND_EDITORS
from countermark.web.scoped import ScopedWebhook

router = APIRouter(tags=["webhooks"])


class WebhookIn(BaseModel):
    brand_id: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=2000, description="https:// endpoint that receives POSTed events")
    events: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=50, description="Event types (audit actions); empty means all")


class WebhookOut(BaseModel):
    id: int
    brand_id: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, s: WebhookSubscription) -> WebhookOut:
        return cls(id=s.id, brand_id=s.brand_id, url=s.url, events=list(s.events), active=s.active,
                   created_at=s.created_at)


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 key for Countermark-Signature; shown only once")


class DeliveryOut(BaseModel):
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOut:
        return cls(event_id=d.event_id, event_type=d.event_type, status=d.status, attempts=d.attempts,
                   last_status_code=d.last_status_code, last_error=d.last_error, created_at=d.created_at,
                   delivered_at=d.delivered_at)


@router.get("/webhooks", response_model=Page[WebhookOut], dependencies=allow(*BRAND_EDITORS))
def list_webhooks(db: SessionDep, principal: CurrentPrincipal, page: PageDep) -> Page[WebhookOut]:
    query = select(WebhookSubscription)
    visible = brand_filter(principal)
    if visible is not None:
        query = query.where(WebhookSubscription.brand_id.in_(sorted(visible)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(WebhookSubscription.id).limit(page.limit).offset(page.offset))
    return Page(items=[WebhookOut.of(s) for s in rows], total=total, limit=page.limit, offset=page.offset)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, dependencies=allow(*BRAND_EDITORS))
def create_webhook(db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                   body: Annotated[WebhookIn, Body()]) -> WebhookCreated:
    check_brand(principal, body.brand_id, "brand")
    if db.get(Brand, body.brand_id) is None:
        raise not_found("brand")
    try:
        subscription, secret = webhooks.subscribe(
            db, user_id=principal.user_id, brand_id=body.brand_id, url=body.url, events=body.events,
            actor=principal.actor, allow_http_localhost=settings.webhook_allow_http_localhost)
    except webhooks.WebhookError as e:
        raise Problem(422, str(e)) from e
    return WebhookCreated(**WebhookOut.of(subscription).model_dump(), secret=secret)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut],
            dependencies=allow(*BRAND_EDITORS))
def list_deliveries(db: SessionDep, subscription: ScopedWebhook) -> list[DeliveryOut]:
    return [DeliveryOut.of(d) for d in webhooks.deliveries_for(db, subscription.id)]


@router.post("/webhooks/{webhook_id}/deactivate", response_model=WebhookOut, dependencies=allow(*BRAND_EDITORS))
def deactivate_webhook(db: SessionDep, principal: CurrentPrincipal, subscription: ScopedWebhook) -> WebhookOut:
    webhooks.deactivate(db, subscription, actor=principal.actor)
    return WebhookOut.of(subscription)
