"""Publishing and pulling between two live instances, and every way a feed is refused."""

import json

import httpx
import pytest
from sqlalchemy import func, select

from countermark.alliance.models import PeerSignal
from countermark.alliance.pull import FeedRejected, http_fetch
from countermark.alliance.service import add_peer, publish, pull_peer, retract, scan_brands, share_term
from countermark.listings.bundle import Bundle
from countermark.listings.service import import_bundle
from countermark.storage.engine import transaction
from tests.listings.helpers import copy_bundle


def signals(instance) -> int:
    with transaction(instance.engine) as session:
        return session.scalar(select(func.count()).select_from(PeerSignal))


@pytest.fixture
def pair(instance, dev_bundle, tmp_path):
    a, b = instance("market-a"), instance("market-b")
    profiles_only = copy_bundle(dev_bundle, tmp_path / "profiles")
    (profiles_only / "listings.jsonl").write_text("")
    import_bundle(a.engine, Bundle.open(profiles_only), tmp_path / "a.rejects.jsonl")
    key = httpx.get(f"{a.url}/alliance/v1/key").json()
    assert key == {"instance": "market-a", "public_key": a.identity.public_key}
    with transaction(b.engine) as session:
        add_peer(session, "market-a", a.url, key["public_key"])
    return a, b


def test_profiles_published_on_a_are_pulled_by_b(pair):
    a, b = pair
    with transaction(a.engine) as session:
        added = publish(session, a.identity)
    assert {e["kind"] for e in added} == {"profile"} and len(added) == 30
    report = pull_peer(b.engine, "market-a")
    assert report.kinds == {"profile": 30}
    with transaction(b.engine) as session:
        brands = {x.brand_id: x for x in scan_brands(session, b.identity.secret)}
    assert "sony" in brands and brands["sony"].products
    # publishing again with nothing changed appends nothing; pulling again imports nothing
    with transaction(a.engine) as session:
        assert publish(session, a.identity) == []
    assert pull_peer(b.engine, "market-a").imported == 0


def test_retraction_withdraws_a_signal(pair):
    a, b = pair
    with transaction(a.engine) as session:
        share_term(session, a.identity, "super copy")
    pull_peer(b.engine, "market-a")
    with transaction(b.engine) as session:
        assert all("super copy" in x.red_flag_terms for x in scan_brands(session, b.identity.secret))
    with transaction(a.engine) as session:
        retract(session, a.identity, "term:*:super copy")
    assert pull_peer(b.engine, "market-a").retracted == 1
    with transaction(b.engine) as session:
        assert not any("super copy" in x.red_flag_terms for x in scan_brands(session, b.identity.secret))


def tampered(change):
    def fetch(url: str, max_bytes: int) -> bytes:
        return change(http_fetch(url, max_bytes))
    return fetch


def edit_entry(body: bytes, edit) -> bytes:
    page = json.loads(body)
    edit(page["entries"])
    return json.dumps(page).encode()


@pytest.mark.parametrize("attack, message", [
    (tampered(lambda body: edit_entry(body, lambda es: es[0]["payload"].update(name="Evil"))),
     "entry 1 has an invalid signature"),
    (tampered(lambda body: body[: len(body) // 2]), "truncated or not JSON"),
    (tampered(lambda body: edit_entry(body, lambda es: es.pop(0))), "sequence jumps from 0 to 2"),
    (tampered(lambda body: edit_entry(body, lambda es: es.reverse())), "sequence jumps"),
])
def test_a_bad_feed_is_rejected_whole(pair, attack, message):
    a, b = pair
    with transaction(a.engine) as session:
        publish(session, a.identity)
    with pytest.raises(FeedRejected, match=message):
        pull_peer(b.engine, "market-a", fetch=attack)
    assert signals(b) == 0


def test_a_replayed_sequence_is_rejected(pair):
    a, b = pair
    with transaction(a.engine) as session:
        publish(session, a.identity)
    first_page = http_fetch(f"{a.url}/alliance/v1/feed?after=0", 10**8)
    pull_peer(b.engine, "market-a")
    before = signals(b)
    with pytest.raises(FeedRejected, match="replayed sequence number 1"):
        pull_peer(b.engine, "market-a", fetch=lambda url, limit: first_page)
    assert signals(b) == before


def test_an_oversized_feed_is_refused_while_streaming(instance, pair):
    a, _ = pair
    c = instance("market-c")
    with transaction(c.engine) as session:
        add_peer(session, "market-a", a.url, a.identity.public_key, max_feed_bytes=4096)
    with transaction(a.engine) as session:
        publish(session, a.identity)
    with pytest.raises(FeedRejected, match="exceeds the limit of 4,096"):
        pull_peer(c.engine, "market-a")
    assert signals(c) == 0


def test_a_feed_signed_by_another_key_is_rejected(instance, pair):
    a, _ = pair
    c = instance("market-c")
    impostor = instance("impostor")
    with transaction(c.engine) as session:
        add_peer(session, "market-a", impostor.url, a.identity.public_key)
    with transaction(impostor.engine) as session:
        share_term(session, impostor.identity, "anything")
    with pytest.raises(FeedRejected, match="another key"):
        pull_peer(c.engine, "market-a")
    assert signals(c) == 0
