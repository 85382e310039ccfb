"""A removal confirmed through the web feeds the known-counterfeit bank from the app's own media store
(`<data_dir>/media` of the settings given to `create_app`), not the process environment's."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from countermark.accounts.service import notifier_for
from countermark.enforcement.models import Notifier
from countermark.hashbanks.service import COUNTERFEIT_BANK, bank_entries
from countermark.images.hashing import hash_file
from countermark.storage.engine import transaction
from tests.images.conftest import BRIDGE
from tests.web.conftest import World, csrf_of

NOTICE = {"brand_id": "alpha", "trademark_registration": "0001", "listings": ["L-S-other-alpha"],
          "explanation": "Replica of our bag", "good_faith": True}


@pytest.fixture
def elsewhere(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment's data_dir is not the app's: only the app's media store holds the listing images."""
    environment = tmp_path / "environment-data-dir"
    environment.mkdir()
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(environment))
    assert world.app.state.settings.data_dir != environment
    return environment


def _photo(world: World, listing_id: str) -> str:
    """Give the listing a real photo (a flat colour has no usable hash); returns its PDQ hash."""
    path = world.app.state.settings.data_dir / "media" / "img" / f"{listing_id}.png"
    assert path.is_file()
    Image.open(BRIDGE).convert("RGB").save(path)
    return hash_file(path).pdq_hex


def _bank(world: World) -> dict[str, str]:
    with transaction(world.engine) as session:
        return {e.ref_id: e.pdq_hex for e in bank_entries(session, [COUNTERFEIT_BANK])}


@pytest.mark.parametrize("via", ["api", "page"])
def test_removal_feeds_the_bank_from_the_apps_media_store(world, elsewhere, via):
    expected = _photo(world, "L-S-other-alpha")
    c = world.client
    notice = c.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "bank-1"},
                    json=NOTICE)
    assert notice.status_code == 201, notice.text
    (item,) = c.get("/api/v1/queue?source=notice", headers=world.headers("reviewer")).json()["items"]
    if via == "api":
        r = c.post("/api/v1/queue/decisions", headers=world.headers("reviewer"),
                   json={"item_ids": [item["item_id"]], "action": "remove"})
        assert r.status_code == 200, r.text
    else:
        browser = world.login("reviewer")
        token = csrf_of(browser.get("/review").text)
        r = browser.post("/review/decide", data={"item_ids": [str(item["item_id"])], "action": "remove",
                                                 "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text
    assert _bank(world).get("L-S-other-alpha-1") == expected


def test_expedited_lane_removal_feeds_the_bank(world, elsewhere):
    expected = _photo(world, "L-S-other-alpha")
    with transaction(world.engine) as session:
        session.get(Notifier, notifier_for(session, "rights_holder", name="", email="")).expedited = True
    r = world.client.post("/api/v1/notices", headers={**world.headers("rights_holder"), "Idempotency-Key": "x-1"},
                          json=NOTICE)
    assert r.status_code == 201, r.text
    assert _bank(world).get("L-S-other-alpha-1") == expected
