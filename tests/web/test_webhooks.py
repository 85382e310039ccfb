"""Webhooks end to end against a real local HTTP receiver: signed, brand-scoped, retried."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from countermark.accounts import webhooks
from countermark.accounts.models import WebhookDelivery
from countermark.storage.engine import session_factory, transaction


class Receiver:
    """A local endpoint that answers with the queued status codes (then 200) and keeps what it got."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver([500])
    yield r
    r.close()


def drain(engine) -> None:
    """Relay what is pending and mark what went to the world's own subscriptions (at hooks.example.com,
    which is not reachable from tests) as sent."""
    with transaction(engine) as s:
        webhooks.relay_events(s)
        for delivery in s.query(WebhookDelivery).filter(WebhookDelivery.subscription_id.in_([1, 2])):
            delivery.status = "delivered"


def test_signed_events_for_own_brand_are_delivered_with_retries(world, receiver):
    c, h = world.client, world.headers("rights_holder")
    drain(world.engine)
    r = c.post("/api/v1/webhooks", headers=h, json={"brand_id": "alpha", "url": receiver.url,
                                                    "events": ["brand.profile_updated"]})
    assert r.status_code == 201, r.text
    webhook_id, secret = r.json()["id"], r.json()["secret"]
    profile = {"aliases": ["Alfa"], "red_flag_terms": [], "authorized_sellers": []}
    assert c.put("/api/v1/brands/alpha/profile", headers=h, json=profile).status_code == 200
    assert c.put("/api/v1/brands/beta/profile", headers=world.headers("other_holder"), json=profile).status_code == 200
    sessions = session_factory(world.engine)
    with transaction(world.engine) as s:
        # alpha's change goes to both alpha subscriptions, beta's only to beta's; earlier history to none
        assert webhooks.relay_events(s) == 3
        assert [d.event_type for d in webhooks.deliveries_for(s, webhook_id)] == ["brand.profile_updated"]
    with transaction(world.engine) as s:
        assert webhooks.relay_events(s) == 0  # relayed once
    drain(world.engine)
    start = datetime.now(UTC)
    with httpx.Client() as client:
        first = webhooks.deliver_due(sessions, client, now=lambda: start)
        assert (first.delivered, first.retrying) == (0, 1)
        assert webhooks.deliver_due(sessions, client, now=lambda: start).retrying == 0  # not due yet
        second = webhooks.deliver_due(sessions, client, now=lambda: start + timedelta(seconds=11))
        assert second.delivered == 1
    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    event = json.loads(body)
    assert event["type"] == "brand.profile_updated" and event["brand_id"] == "alpha"
    assert headers["Countermark-Delivery"] == event["id"] == receiver.received[0][0]["Countermark-Delivery"]
    now = int((start + timedelta(seconds=11)).timestamp())
    assert webhooks.verify(secret, headers["Countermark-Signature"], body, now=now)
    assert not webhooks.verify("whsec_wrong", headers["Countermark-Signature"], body, now=now)
    assert not webhooks.verify(secret, headers["Countermark-Signature"], body + b" ", now=now)
    log = c.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=h).json()
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 2


def test_enforcement_events_reach_the_brand(world):
    drain(world.engine)
    c = world.client
    r = c.post("/api/v1/notices", headers=world.headers("rights_holder"), json={
        "brand_id": "alpha", "trademark_registration": "0001", "listings": ["L-S-other-alpha"],
        "explanation": "fake", "good_faith": True, "idempotency_key": "hook-1"})
    assert r.status_code == 201, r.text
    with transaction(world.engine) as s:
        webhooks.relay_events(s)
        events = [d.event_type for d in webhooks.deliveries_for(s, 1)]
        assert "notice.received" in events and webhooks.deliveries_for(s, 2)[0].status != "pending"


def test_deliveries_give_up_after_the_last_retry(world):
    drain(world.engine)
    with transaction(world.engine) as s:
        sub, _ = webhooks.subscribe(s, user_id=1, brand_id="alpha", url="https://unreachable.invalid/x", events=[],
                                    actor="test")
        s.add(WebhookDelivery(subscription_id=sub.id, event_id="evt_x", event_type="notice.received", payload={
            "id": "evt_x"}, status="pending", attempts=webhooks.MAX_ATTEMPTS - 1))
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with httpx.Client(transport=transport) as client:
        report = webhooks.deliver_due(session_factory(world.engine), client)
    assert report.failed == 1


@pytest.mark.parametrize("url", ["http://hooks.example.com/x", "https://127.0.0.1/x", "https://10.0.0.5/x",
                                 "https://localhost/x", "https://user:pw@hooks.example.com/x", "ftp://x"])
def test_endpoints_must_be_public_https(url):
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url(url)


def test_plain_http_to_this_machine_only_when_allowed():
    assert webhooks.check_url("http://127.0.0.1:9/x", allow_http_localhost=True)
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url("http://127.0.0.1:9/x")
    with pytest.raises(webhooks.WebhookError):
        webhooks.check_url("http://10.1.1.1/x", allow_http_localhost=True)


def test_other_brands_webhooks_are_invisible(world):
    c = world.client
    assert [w["brand_id"] for w in c.get("/api/v1/webhooks", headers=world.headers("rights_holder")).json()["items"]] \
        == ["alpha"]
    r = c.post("/api/v1/webhooks", headers=world.headers("rights_holder"),
               json={"brand_id": "beta", "url": "https://hooks.example.com/b"})
    assert r.status_code == 404


def test_the_running_server_relays_and_delivers(world, receiver, tmp_path):
    """With `webhooks=True` the app's dispatcher thread does the relaying and posting by itself."""
    import time

    from fastapi.testclient import TestClient

    from countermark.settings import Settings
    from countermark.web.app import create_app

    drain(world.engine)
    receiver.statuses.clear()
    settings = Settings(data_dir=tmp_path / "live", webhook_allow_http_localhost=True)
    with TestClient(create_app(settings, engine=world.engine, housekeeping=False)) as client:
        h = world.headers("rights_holder")
        r = client.post("/api/v1/webhooks", headers=h, json={"brand_id": "alpha", "url": receiver.url,
                                                             "events": ["brand.profile_updated"]})
        assert r.status_code == 201
        client.put("/api/v1/brands/alpha/profile", headers=h, json={"aliases": ["Alfa"]})
        deadline = time.monotonic() + 30
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
    assert receiver.received and json.loads(receiver.received[0][1])["type"] == "brand.profile_updated"
