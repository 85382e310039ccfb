"""A small world for web tests: two brands with their users, two sellers, tokens for every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select

from countermark.accounts import webhooks
from countermark.accounts.models import ROLES, User
from countermark.accounts.service import create_user, issue_token, notifier_for
from countermark.enforcement import service as enforcement
from countermark.enforcement.models import ReviewItem, StatementOfReasons
from countermark.listings.models import Listing, ListingImage, Seller
from countermark.network.models import NetworkCluster, NetworkLink, NetworkMember
from countermark.rights import service as rights
from countermark.rights.models import Product, ReferenceImage
from countermark.settings import Settings
from countermark.storage.engine import transaction
from countermark.web.app import create_app

PASSWORD = "correct horse battery"
OWN, OTHER = "alpha", "beta"
OWN_SELLER, OTHER_SELLER = "S-own", "S-other"


@dataclass
class World:
    engine: Engine
    app: object
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)  # role -> token (brand roles scoped to OWN)
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # path param -> {"own": ..., "other": ...}

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        """A separate browser-like client logged in with a session cookie."""
        client = TestClient(self.app, base_url="http://testserver")
        page = client.get("/login")
        token = csrf_of(page.text)
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def _image(media: Path, relative: str) -> str:
    (media / relative).parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 64), (180, 140, 60)).save(media / relative)
    return relative


def _seed(engine: Engine, tokens: dict[str, str], media: Path) -> dict[str, dict[str, str]]:
    """Mirror-image objects for the own side (brand alpha, storefront S-own) and the other side."""
    ids: dict[str, dict[str, str]] = {}
    with transaction(engine) as session:
        for brand_id in (OWN, OTHER):
            owner = f"{brand_id} SA confidential-{brand_id}"
            brand = rights.register_brand(session, brand_id=brand_id, name=brand_id.title(), owner=owner,
                                          trademarks=[rights.TrademarkInput(brand_id.upper(), "EUIPO", "0001")],
                                          actor="test")
            brand.products.append(Product(sku=f"{brand_id}-1", title=f"{brand_id.title()} Bag", msrp=1000.0,
                                          images=[_image(media, f"img/{brand_id}-1.png")]))
            brand.reference_images.append(ReferenceImage(position=0, path=_image(media, f"img/{brand_id}-ref.png")))
        for seller_id in (OWN_SELLER, OTHER_SELLER):
            session.add(Seller(seller_id=seller_id, display_name=f"Shop {seller_id}", registered_at="2024-01-01"))
            session.flush()
            for n, brand_id in enumerate((OWN, OTHER)):
                listing_id = f"L-{seller_id}-{brand_id}"
                session.add(Listing(listing_id=listing_id, seller_id=seller_id, category="bags",
                                    title=f"{brand_id.title()} Bag replica AAA", price=90.0 + n,
                                    images=[ListingImage(position=0, path=_image(media, f"img/{listing_id}.png"))]))
        session.flush()
        for role in ROLES:
            user = create_user(session, username=role, password=PASSWORD, role=role,
                               brands=[OWN] if role in ("rights_holder", "notifier") else [],
                               storefronts=[OWN_SELLER] if role == "seller" else [], actor="test")
            tokens[role], _ = issue_token(session, user, "test", actor="test")
        other = create_user(session, username="other_holder", password=PASSWORD, role="rights_holder",
                            brands=[OTHER], actor="test")
        tokens["other_holder"], _ = issue_token(session, other, "test", actor="test")
        for user in session.scalars(select(User)):
            user.email = f"{user.username}@example.com"
        rights_holder = session.scalar(select(User).where(User.username == "rights_holder"))
        webhooks.subscribe(session, user_id=rights_holder.id, brand_id=OWN, url="https://hooks.example.com/alpha",
                           events=[], actor="test")
        webhooks.subscribe(session, user_id=other.id, brand_id=OTHER, events=[], actor="test",
                           url="https://hooks.example.com/confidential-beta")
    with transaction(engine) as session:
        items = {}
        for side, brand_id, seller_id, sender in (("own", OWN, OWN_SELLER, "rights_holder"),
                                                  ("other", OTHER, OTHER_SELLER, "other_holder")):
            notifier_id = notifier_for(session, sender, name="", email="")
            notice_id, _ = enforcement.submit_notice(session, enforcement.NoticeInput(
                notifier_id=notifier_id, idempotency_key=f"k-{side}", brand_id=brand_id, trademark_registration="0001",
                listings=[f"L-{seller_id}-{brand_id}"], explanation=f"Fake bag, confidential-{brand_id}",
                good_faith=True), actor="test")
            item = session.scalar(select(ReviewItem).where(ReviewItem.notice_id == notice_id))
            (decision,) = enforcement.remove(session, [item.id], reviewer="user:reviewer")
            statement = session.scalar(select(StatementOfReasons).where(StatementOfReasons.decision_id == decision.id))
            items[side] = (str(notice_id), str(item.id), str(statement.id))
        enforcement.submit_counter_notice(session, f"L-{OTHER_SELLER}-{OTHER}", seller_id=OTHER_SELLER,
                                          explanation="Genuine stock, confidential-S-other")
        session.add(NetworkCluster(cluster_id="C-1", size=2))
        session.flush()
        session.add_all([NetworkMember(seller_id=OWN_SELLER, cluster_id="C-1"),
                         NetworkMember(seller_id=OTHER_SELLER, cluster_id="C-1"),
                         NetworkLink(cluster_id="C-1", key="email:shop@example.com", weight=1.0,
                                     seller_ids=[OWN_SELLER, OTHER_SELLER])])
    ids["cluster_id"] = {"own": "C-1", "other": "C-1"}
    ids["counter_id"] = {"own": "1", "other": "1"}
    ids["notice_id"] = {"own": items["own"][0], "other": items["other"][0]}
    ids["item_id"] = {"own": items["own"][1], "other": items["other"][1]}
    ids["statement_id"] = {"own": items["own"][2], "other": items["other"][2]}
    return ids


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with the smallest cost: the production cost (~0.3 s a hash here) would dominate the suite."""
    from argon2 import PasswordHasher

    from countermark.accounts import service

    production = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = production


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Iterator[World]:
    tokens: dict[str, str] = {}
    settings = Settings(data_dir=tmp_path / "var", webhook_allow_http_localhost=True)
    seeded = _seed(engine, tokens, settings.data_dir / "media")
    app = create_app(settings, engine=engine, webhooks=False, housekeeping=False)
    with TestClient(app) as client:
        w = World(engine=engine, app=app, client=client, tokens=tokens)
        w.ids = {
            "brand_id": {"own": OWN, "other": OTHER},
            "seller_id": {"own": OWN_SELLER, "other": OTHER_SELLER},
            "listing_id": {"own": f"L-{OWN_SELLER}-{OWN}", "other": f"L-{OTHER_SELLER}-{OTHER}"},
            "trademark_id": {"own": "1", "other": "2"},
            "webhook_id": {"own": "1", "other": "2"},
            "product_id": {"own": "1", "other": "2"},
            "position": {"own": "0", "other": "0"},
            **seeded,
        }
        yield w
