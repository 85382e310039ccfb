"""The web applies the enforcement policy file (COUNTERMARK_ENFORCEMENT_POLICY) like the CLI and housekeeping do:
API and pages record and show the file's numbers, and an app with a broken file does not start."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli import app as cli_app
from countermark.enforcement.clock import add_business_days
from countermark.enforcement.models import CounterNotice, Notifier, ReviewItem, Sanction
from countermark.enforcement.policy import PolicyError
from countermark.listings.models import Listing, Seller
from countermark.settings import Settings
from countermark.storage.engine import transaction
from countermark.web.app import create_app
from tests.web.conftest import OTHER_SELLER, OWN_SELLER, World, csrf_of

# Every number differs from the default (14 days, 10 business days, 180 days, 3 strikes, 300 listings).
POLICY = {"counter_notice_window_days": 5, "restore_after_business_days": 3, "strike_window_days": 30,
          "strikes_to_suspend": 2, "max_listings_per_notice": 1}
NOTICE = {"brand_id": "alpha", "trademark_registration": "0001", "explanation": "Replica of our bag",
          "good_faith": True}

AppWithPolicy = Callable[..., World]


@pytest.fixture
def with_policy(world: World, tmp_path: Path) -> Iterator[AppWithPolicy]:
    """Another app over the world's database, configured with a policy file holding `overrides`."""
    with ExitStack() as running:

        def make(overrides: dict, *, housekeeping: bool = False) -> World:
            path = tmp_path / "policy.json"
            path.write_text(json.dumps(overrides))
            settings = Settings(data_dir=tmp_path / "var", webhook_allow_http_localhost=True,
                                enforcement_policy=path, housekeeping_interval_minutes=60)
            app = create_app(settings, engine=world.engine, webhooks=False, housekeeping=housekeeping)
            client = running.enter_context(TestClient(app))
            return World(engine=world.engine, app=app, client=client, tokens=world.tokens, ids=world.ids)

        yield make


def restore_due_is(counter: dict | CounterNotice, business_days: int) -> bool:
    if isinstance(counter, dict):
        submitted, due = (datetime.fromisoformat(counter[k]) for k in ("submitted_at", "restore_due_at"))
    else:
        submitted, due = counter.submitted_at, counter.restore_due_at
    return due == add_business_days(submitted, business_days)


def test_the_api_records_the_policy_files_numbers(with_policy):
    w = with_policy(POLICY)
    c, holder = w.client, w.headers("rights_holder")
    two = c.post("/api/v1/notices", headers={**holder, "Idempotency-Key": "p-2"},
                 json={**NOTICE, "listings": ["L-S-other-alpha", "L-S-own-beta"]})
    assert two.status_code == 422 and "2 listings named; a notice may name at most 1" in two.json()["problems"]
    notice = c.post("/api/v1/notices", headers={**holder, "Idempotency-Key": "p-1"},
                    json={**NOTICE, "listings": ["L-S-other-alpha"]})
    assert notice.status_code == 201, notice.text
    item = c.get("/api/v1/queue?brand_id=alpha&source=notice", headers=w.headers("reviewer")).json()["items"][0]
    removed = c.post("/api/v1/queue/decisions", headers=w.headers("reviewer"),
                     json={"item_ids": [item["item_id"]], "action": "remove"})
    assert removed.status_code == 200, removed.text
    # S-other had one strike from the world; the second reaches the file's threshold of 2 (the default is 3)
    seller = c.get(f"/api/v1/sellers/{OTHER_SELLER}", headers=w.headers("admin")).json()
    assert seller["status"] == "suspended" and seller["active_strikes"] == 2
    assert [s["reason"] for s in seller["sanctions"]] == ["2 upheld infringements within 30 days"]
    statement = next(s for s in seller["statements"] if s["listing_id"] == "L-S-other-alpha")
    assert "within 5 days" in statement["redress"] and "after 3 business days" in statement["redress"]
    counter = c.post(f"/api/v1/sellers/{OWN_SELLER}/counter-notices", headers=w.headers("seller"),
                     json={"listing_id": "L-S-own-alpha", "explanation": "Bought from the brand, invoice attached"})
    assert counter.status_code == 201, counter.text
    assert restore_due_is(counter.json(), 3)


def test_the_api_accepts_as_many_listings_as_the_policy_allows(world, with_policy):
    """The request schema no longer caps a notice at the default 300 listings: the policy decides."""
    with transaction(world.engine) as session:
        session.add_all([Listing(listing_id=f"L-many-{n}", seller_id=OWN_SELLER, category="bags",
                                 title="Alpha Bag replica", price=90.0) for n in range(301)])
    body = {**NOTICE, "listings": [f"L-many-{n}" for n in range(301)]}
    default = world.client.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "m"},
                                json=body)
    assert default.status_code == 422
    assert "301 listings named; a notice may name at most 300" in default.json()["problems"]
    w = with_policy({"max_listings_per_notice": 400})
    r = w.client.post("/api/v1/notices", headers={**w.headers("rights_holder"), "Idempotency-Key": "m"}, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["listings"] == 301


def test_the_pages_show_and_apply_the_policy_files_numbers(with_policy):
    w = with_policy(POLICY)
    seller = w.login("seller")
    page = seller.get(f"/seller/{OWN_SELLER}")
    assert page.status_code == 200
    assert "<b>1 / 2</b>active strikes (30 days)" in page.text
    assert "2 upheld infringements within 30 days suspend the storefront" in page.text
    assert "Counter-notice / appeal (within 5 days)" in page.text
    holder = w.login("rights_holder")
    form = holder.get("/notices")
    assert "one per line; up to 1)" in form.text and "Up to 10,000 rows." in form.text
    sent = holder.post("/notices", data={"csrf_token": csrf_of(form.text), "brand_trademark": "alpha|0001",
                                         "listings": "L-S-other-alpha", "explanation": "Replica of our bag",
                                         "good_faith": "true", "idempotency_key": "page-1"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    with transaction(w.engine) as session:
        item_id = session.scalar(select(ReviewItem.id).where(ReviewItem.listing_id == "L-S-other-alpha",
                                                             ReviewItem.status == "open"))
    reviewer = w.login("reviewer")
    console = reviewer.get("/review")
    decided = reviewer.post("/review/decide", data={"csrf_token": csrf_of(console.text), "item_ids": [item_id],
                                                    "action": "remove"}, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    appeal = seller.post(f"/seller/{OWN_SELLER}/counter-notices",
                         data={"csrf_token": csrf_of(page.text), "listing_id": "L-S-own-alpha",
                               "explanation": "Bought from the brand, invoice attached"}, follow_redirects=False)
    assert appeal.status_code == 303, appeal.text
    with transaction(w.engine) as session:
        assert session.get(Seller, OTHER_SELLER).status == "suspended"  # 2 strikes: the file's threshold
        assert session.scalars(select(Sanction.reason).where(Sanction.subject_id == OTHER_SELLER)).one() == (
            "2 upheld infringements within 30 days")
        assert restore_due_is(session.scalars(select(CounterNotice).where(
            CounterNotice.listing_id == "L-S-own-alpha")).one(), 3)


def test_the_servers_housekeeping_and_intake_share_the_files_expedited_lane(with_policy):
    """One upheld notice earns the lane under the file (the default needs 20): the server's housekeeping grants it
    at start-up, and the next notice through the API is removed at once under the same file."""
    w = with_policy({**POLICY, "lane_min_decided": 1, "max_listings_per_notice": 300}, housekeeping=True)

    def granted() -> bool:
        with transaction(w.engine) as session:
            return session.scalar(select(Notifier.expedited).where(Notifier.account == "rights_holder")) is True

    deadline = time.monotonic() + 15
    while not granted():
        assert time.monotonic() < deadline, "housekeeping did not grant the expedited lane"
        time.sleep(0.02)
    r = w.client.post("/api/v1/notices", headers={**w.headers("rights_holder"), "Idempotency-Key": "x-1"},
                      json={**NOTICE, "listings": ["L-S-other-alpha"]})
    assert r.status_code == 201, r.text
    assert r.json()["lane"] == "expedited"
    assert [(i["outcome"], i["automated"]) for i in r.json()["items"]] == [("removed", True)]
    seller = w.client.get(f"/api/v1/sellers/{OTHER_SELLER}", headers=w.headers("admin")).json()
    assert seller["status"] == "suspended"
    statement = next(s for s in seller["statements"] if s["listing_id"] == "L-S-other-alpha")
    assert statement["automated_decision"] and "within 5 days" in statement["redress"]


BROKEN = {
    "truncated": ('{"counter_notice_window_days": ', "not valid JSON"),
    "wrong type": ('{"counter_notice_window_days": "10 days"}',
                   'counter_notice_window_days must be a whole number, not "10 days"'),
    "unknown setting": ('{"counter_notice_days": 10}', "unknown policy settings counter_notice_days"),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_create_app_refuses_a_broken_policy_file(engine, tmp_path, broken):
    content, problem = BROKEN[broken]
    path = tmp_path / "policy.json"
    path.write_text(content)
    settings = Settings(data_dir=tmp_path / "var", enforcement_policy=path)
    with pytest.raises(PolicyError) as raised:
        create_app(settings, engine=engine, webhooks=False, housekeeping=False)
    assert str(raised.value).startswith(f"COUNTERMARK_ENFORCEMENT_POLICY={path}: ")
    assert problem in str(raised.value)


def test_create_app_refuses_a_missing_policy_file(tmp_path):
    path = tmp_path / "nowhere" / "policy.json"
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        create_app(Settings(data_dir=tmp_path / "var", enforcement_policy=path), webhooks=False, housekeeping=False)


def test_serve_stops_at_start_up_on_a_broken_policy_file(db_url, tmp_path, monkeypatch):
    import uvicorn

    path = tmp_path / "policy.json"
    path.write_text('{"strikes_to_suspend": "three"}')
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served despite a broken policy file"))
    env = {"COUNTERMARK_DATABASE_URL": db_url, "COUNTERMARK_DATA_DIR": str(tmp_path),
           "COUNTERMARK_ENFORCEMENT_POLICY": str(path)}
    result = CliRunner().invoke(cli_app, ["serve"], env=env)
    assert result.exit_code == 2, result.output
    output = result.output.replace("\n", "")
    assert f"enforcement policy: COUNTERMARK_ENFORCEMENT_POLICY={path}" in output
    assert 'strikes_to_suspend must be a whole number, not "three"' in output
