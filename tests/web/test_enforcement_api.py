"""The notice-to-outcome workflow over the API: intake (single, idempotent, bulk), review, seller, tracking."""

from datetime import UTC, datetime

from countermark.detection.reasons import Decision, Reason
from countermark.enforcement.queue import record_proactive_flags
from countermark.storage.engine import transaction

NOTICE = {"brand_id": "alpha", "trademark_registration": "0001", "listings": ["L-S-other-alpha"],
          "explanation": "Replica of our bag", "good_faith": True}


def test_single_notice_is_idempotent(world):
    c, h = world.client, world.headers("notifier")
    first = c.post("/api/v1/notices", headers={**h, "Idempotency-Key": "n-1"}, json=NOTICE)
    assert first.status_code == 201, first.text
    again = c.post("/api/v1/notices", headers={**h, "Idempotency-Key": "n-1"}, json=NOTICE)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = c.post("/api/v1/notices", headers={**h, "Idempotency-Key": "n-1"}, json={**NOTICE, "explanation": "x"})
    assert changed.status_code == 422
    assert c.post("/api/v1/notices", headers=h, json=NOTICE).status_code == 422  # no key
    other = c.post("/api/v1/notices", headers={**h, "Idempotency-Key": "n-2"}, json={**NOTICE, "brand_id": "beta"})
    assert other.status_code == 404


def test_invalid_notice_names_every_problem(world):
    r = world.client.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "n"},
                          json={**NOTICE, "listings": ["L-nope"], "trademark_registration": "999"})
    assert r.status_code == 422
    assert any("L-nope" in p for p in r.json()["problems"]) and any("999" in p for p in r.json()["problems"])


def test_bulk_csv_reports_each_row(world):
    csv = ("idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
           "b-1,alpha,0001,L-S-other-alpha,replica,yes\n"
           "b-2,alpha,0001,L-unknown,replica,yes\n"
           "b-3,beta,0001,L-S-other-beta,replica,yes\n")
    r = world.client.post("/api/v1/notices/bulk", headers=world.headers("rights_holder"),
                          files={"file": ("notices.csv", csv.encode())})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["accepted"] == 1 and [x["line"] for x in report["rejects"]] == [3, 4]
    bad = world.client.post("/api/v1/notices/bulk", headers=world.headers("rights_holder"),
                            files={"file": ("n.csv", b"foo,bar\n1,2\n")})
    assert bad.status_code == 422 and "header" in bad.json()["detail"]


def test_review_decide_counter_notice_and_track(world):
    c = world.client
    notice = c.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "t-1"},
                    json={**NOTICE, "listings": ["L-S-own-alpha", "L-S-other-alpha"]})
    assert notice.status_code == 201, notice.text
    with transaction(world.engine) as s:
        record_proactive_flags(s, [Decision("L-S-own-beta", "flag", 0.9, "beta", "beta-1",
                                            (Reason("price", "far below MSRP", 0.5),), "test-1")])
    reviewer = world.headers("reviewer")
    queue = c.get("/api/v1/queue?brand_id=alpha&source=notice", headers=reviewer).json()
    assert queue["total"] == 2
    proactive = c.get("/api/v1/queue?source=proactive", headers=reviewer).json()["items"][0]
    assert proactive["price_ratio"] == 0.091 and proactive["product"]["sku"] == "beta-1"
    assert proactive["listing"]["images"] and proactive["reasons"][0]["code"] == "price"
    ids = [item["item_id"] for item in queue["items"]]
    assert c.post("/api/v1/queue/decisions", headers=reviewer,
                  json={"item_ids": ids, "action": "reject"}).status_code == 422  # a rejection needs a reason
    r = c.post("/api/v1/queue/decisions", headers=reviewer, json={"item_ids": ids, "action": "remove"})
    assert r.status_code == 200, r.text
    assert c.post("/api/v1/queue/decisions", headers=reviewer,
                  json={"item_ids": ids, "action": "remove"}).status_code == 409  # already decided
    seller = world.headers("seller")
    standing = c.get("/api/v1/sellers/S-own", headers=seller).json()
    # L-S-own-alpha was already removed in the world: the second removal adds no strike or statement
    assert standing["active_strikes"] == 1 and len(standing["statements"]) == 1
    statement = standing["statements"][0]
    assert statement["redress"] and statement["ground"] == "trademark_law"
    r = c.post("/api/v1/sellers/S-own/counter-notices", headers=seller,
               json={"listing_id": "L-S-own-alpha", "explanation": "I bought it from the brand, invoice attached"})
    assert r.status_code == 201 and r.json()["restore_due_at"]
    assert c.post("/api/v1/sellers/S-own/counter-notices", headers=seller,
                  json={"listing_id": "L-S-other-alpha", "explanation": "x"}).status_code == 404
    tracked = c.get(f"/api/v1/notices/{notice.json()['id']}", headers=world.headers("rights_holder")).json()
    assert tracked["status"] == "closed" and tracked["removed"] == 2
    assert {i["listing_id"]: i["counter_notice"] for i in tracked["items"]}["L-S-own-alpha"] == "open"
    counter_id = r.json()["id"]
    path = f"/api/v1/notices/{notice.json()['id']}/legal-action"
    body = {"counter_notice_id": counter_id, "details": "Landgericht Hamburg 312 O 1/26"}
    assert c.post(path, headers=world.headers("notifier"), json=body).status_code == 409  # not this notifier's
    done = c.post(path, headers=world.headers("rights_holder"), json=body)
    assert done.status_code == 200 and done.json()["status"] == "legal_action"
    today = datetime.now(UTC).date().isoformat()
    figures = c.get(f"/api/v1/metrics?from={today}&to={today}", headers=world.headers("rights_holder")).json()
    assert figures["brand_id"] == "alpha" and figures["removals"] >= 2
    series = c.get(f"/api/v1/metrics/series?from={today}&to={today}", headers=world.headers("admin")).json()
    assert {p["brand_id"] for p in series} >= {"alpha", "beta"}
    assert c.get("/api/v1/metrics?brand_id=beta", headers=world.headers("rights_holder")).status_code == 404


def test_reviewer_asks_and_the_notifier_answers(world):
    c = world.client
    notice = c.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "q-1"},
                    json={**NOTICE, "listings": ["L-S-other-alpha"]}).json()
    item = c.get("/api/v1/queue?source=notice&brand_id=alpha", headers=world.headers("reviewer")).json()["items"][0]
    r = c.post("/api/v1/queue/decisions", headers=world.headers("reviewer"),
               json={"item_ids": [item["item_id"]], "action": "request_info", "reason": "Which model is copied?"})
    assert r.status_code == 200
    browser = world.login("rights_holder")
    page = browser.get(f"/notices/{notice['id']}")
    assert "Which model is copied?" in page.text
    path = f"/api/v1/notices/{notice['id']}/information"
    answer = {"listing_id": "L-S-other-alpha", "information": "The Alpha Bag, SKU alpha-1"}
    r = c.post(path, headers=world.headers("rights_holder"), json=answer)
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "open"
    assert c.post(path, headers=world.headers("rights_holder"), json=answer).status_code == 409  # not waiting now


def test_appeals_are_decided_by_another_reviewer(world):
    from countermark.listings.models import Listing

    c = world.client
    appeals = c.get("/api/v1/appeals", headers=world.headers("reviewer")).json()
    assert appeals["total"] == 1 and appeals["items"][0]["removed_by"] == "user:reviewer"
    body = {"outcome": "reversed", "reason": "Invoice from the authorised distributor checks out"}
    assert c.post("/api/v1/appeals/1/decision", headers=world.headers("reviewer"), json=body).status_code == 409
    r = c.post("/api/v1/appeals/1/decision", headers=world.headers("admin"), json=body)
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    with transaction(world.engine) as s:
        assert s.get(Listing, "L-S-other-beta").status == "active"
    assert c.post("/api/v1/appeals/1/decision", headers=world.headers("admin"), json=body).status_code == 409
