"""Webhooks: rights holders receive HMAC-signed events about their brands' notices and flags.

Events are derived from the audit log, so every path that changes state (web, API, CLI, scans) is
covered without each area having to remember to emit: `relay_events` reads new audit entries,
attributes each to a brand and queues one delivery per matching subscription; `deliver_due` posts
them, retrying with backoff. Receivers verify `Countermark-Signature: t=<unix>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<t>.<body>"), and deduplicate on `Countermark-Delivery` (the event id).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from countermark.accounts.models import WebhookDelivery, WebhookRelayState, WebhookSubscription
from countermark.enforcement import audit
from countermark.enforcement.models import AuditEntry, Notice, ReviewItem

# Audit actions forwarded to brands: their notices, the flags and decisions on their listings, appeals.
EVENT_PREFIXES = ("notice.", "review.", "listing.", "counter_notice.", "complaint.", "trademark.", "brand.")
BACKOFF = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=6))
MAX_ATTEMPTS = len(BACKOFF) + 1
SIGNATURE_HEADER = "Countermark-Signature"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class WebhookError(ValueError):
    """A subscription request that cannot be accepted (bad URL, unknown event type)."""


def check_url(url: str, *, allow_http_localhost: bool = False) -> str:
    """HTTPS to a public host; plain http only to this machine and only when allowed (tests)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host:
        raise WebhookError("webhook URL needs a host")
    if parts.username or parts.password:
        raise WebhookError("webhook URL must not carry credentials")
    if parts.scheme == "http" and allow_http_localhost and host in LOCAL_HOSTS:
        return url.strip()
    if parts.scheme != "https":
        raise WebhookError("webhook URL must use https")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host in LOCAL_HOSTS or host.endswith(".localhost") or (address is not None and not address.is_global):
        raise WebhookError("webhook URL must point to a public host")
    return url.strip()


def subscribe(
    session: Session, *, user_id: int, brand_id: str, url: str, events: list[str], actor: str,
    allow_http_localhost: bool = False,
) -> tuple[WebhookSubscription, str]:
    """Register an endpoint; returns the subscription and its signing secret (shown once)."""
    url = check_url(url, allow_http_localhost=allow_http_localhost)
    unknown = [e for e in events if not e.startswith(EVENT_PREFIXES)]
    if unknown:
        raise WebhookError(f"unknown event types {unknown}; events start with {', '.join(EVENT_PREFIXES)}")
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(user_id=user_id, brand_id=brand_id, url=url, secret=secret,
                                       events=list(dict.fromkeys(events)), active=True)
    session.add(subscription)
    session.flush()
    entry = audit.record(session, actor=actor, action="webhook.subscribed", subject=f"webhook:{subscription.id}",
                         details={"brand_id": brand_id, "url": url, "events": subscription.events})
    subscription.from_seq = entry.seq
    return subscription, secret


def deactivate(session: Session, subscription: WebhookSubscription, *, actor: str) -> None:
    if subscription.active:
        subscription.active = False
        audit.record(session, actor=actor, action="webhook.deactivated", subject=f"webhook:{subscription.id}",
                     details={"brand_id": subscription.brand_id})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that it is recent (replay window)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, header) and abs(now - timestamp) <= tolerance


def _brand_of(session: Session, entry: AuditEntry, cache: dict[str, str | None]) -> str | None:
    details = entry.details or {}
    if details.get("brand_id"):
        return details["brand_id"]
    if isinstance(details.get("item"), int):
        key = f"item:{details['item']}"
        if key not in cache:
            cache[key] = session.scalar(select(ReviewItem.brand_id).where(ReviewItem.id == details["item"]))
        return cache[key]
    notice_id = details.get("notice")
    if notice_id is None and entry.subject.startswith("notice:"):
        notice_id = entry.subject.removeprefix("notice:")
    if notice_id is not None:
        key = f"notice:{notice_id}"
        if key not in cache:
            try:
                cache[key] = session.scalar(select(Notice.brand_id).where(Notice.id == int(notice_id)))
            except ValueError:
                cache[key] = None
        return cache[key]
    return None


def event_payload(entry: AuditEntry, brand_id: str) -> dict[str, Any]:
    return {"id": f"evt_{entry.seq}", "type": entry.action, "occurred_at": audit.iso(entry.at),
            "brand_id": brand_id, "subject": entry.subject, "data": entry.details or {}}


def relay_events(session: Session, *, batch: int = 1000) -> int:
    """Queue deliveries for audit entries not relayed yet; returns how many deliveries were queued."""
    state = session.get(WebhookRelayState, "audit", with_for_update=True)
    if state is None:
        state = WebhookRelayState(name="audit", last_seq=0)
        session.add(state)
    entries = list(session.scalars(
        select(AuditEntry).where(AuditEntry.seq > state.last_seq).order_by(AuditEntry.seq).limit(batch)))
    if not entries:
        return 0
    subscriptions: dict[str, list[WebhookSubscription]] = defaultdict(list)
    for sub in session.scalars(select(WebhookSubscription).where(WebhookSubscription.active.is_(True))):
        subscriptions[sub.brand_id].append(sub)
    queued, cache = 0, {}
    for entry in entries:
        if not subscriptions or not entry.action.startswith(EVENT_PREFIXES):
            continue
        brand_id = _brand_of(session, entry, cache)
        for sub in subscriptions.get(brand_id or "", ()):
            if entry.seq <= sub.from_seq or (sub.events and entry.action not in sub.events):
                continue
            payload = event_payload(entry, brand_id)
            session.add(WebhookDelivery(subscription_id=sub.id, event_id=payload["id"], event_type=entry.action,
                                        payload=payload, status="pending", attempts=0, next_attempt_at=entry.at))
            queued += 1
    state.last_seq = entries[-1].seq
    session.flush()
    return queued


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    sessions: sessionmaker[Session], client: httpx.Client, *, now: Callable[[], datetime] = lambda: datetime.now(UTC),
    limit: int = 100,
) -> DeliveryReport:
    """Post due deliveries. HTTP happens outside any transaction; results are written afterwards."""
    moment = now()
    with sessions() as session:
        due = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.payload, WebhookDelivery.event_type,
                   WebhookSubscription.url, WebhookSubscription.secret)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == "pending", WebhookSubscription.active.is_(True),
                   or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= moment))
            .order_by(WebhookDelivery.id).limit(limit)
        ).all()
    results = []
    for delivery_id, payload, event_type, url, secret in due:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Countermark-Event": event_type,
                   "Countermark-Delivery": payload["id"],
                   SIGNATURE_HEADER: sign(secret, int(moment.timestamp()), body)}
        try:
            response = client.post(url, content=body, headers=headers, timeout=5.0, follow_redirects=False)
            results.append((delivery_id, response.status_code, "" if response.is_success else response.text[:500]))
        except httpx.HTTPError as e:
            results.append((delivery_id, None, f"{type(e).__name__}: {e}"[:500]))
    report = DeliveryReport()
    with sessions() as session, session.begin():
        for delivery_id, status_code, error in results:
            delivery = session.get(WebhookDelivery, delivery_id)
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.last_error = error
            if status_code is not None and 200 <= status_code < 300:
                delivery.status, delivery.delivered_at = "delivered", moment
                report.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
                report.failed += 1
            else:
                delivery.next_attempt_at = moment + BACKOFF[delivery.attempts - 1]
                report.retrying += 1
    return report


def deliveries_for(session: Session, subscription_id: int, limit: int = 50) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))
