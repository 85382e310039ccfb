"""End-to-end fixtures: the real app served by uvicorn in a thread, system Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from PIL import Image

from countermark.accounts import service as accounts
from countermark.listings.models import Listing, ListingImage, Seller
from countermark.network.models import NetworkCluster, NetworkLink, NetworkMember
from countermark.rights.models import Brand
from countermark.settings import Settings
from countermark.storage.engine import make_engine, transaction
from countermark.storage.migrate import upgrade
from countermark.web.app import create_app

CHROMIUM = "/usr/lib/chromium/chromium"
PASSWORD = "e2e-password"
# Every journey page is screenshotted (full-page rendering is part of the test); the pictures replace the
# documentation's only when asked for (COUNTERMARK_SCREENSHOTS=1), so a test run leaves the tree clean.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("COUNTERMARK_SCREENSHOTS")
               else Path(tempfile.gettempdir()) / "countermark-screenshots")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """System Chromium (Debian package); never `playwright install`."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (make test-deps)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync"],
    }


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations() -> None:
    """The suite shares two cores with other work: wait up to 20 s for a page to show what is expected."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _picture(path: Path, colour: tuple[int, int, int]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (240, 240), (245, 245, 245))
    for x in range(60, 180):
        for y in range(70, 170):
            image.putpixel((x, y), colour)
    image.save(path)
    return path.name


def _seed(engine, media: Path) -> None:  # noqa: ANN001
    """A small marketplace: one storefront selling three fake bags of a brand that has not registered yet."""
    with transaction(engine) as session:
        session.add(Brand(brand_id="other", name="Other Brand", owner="Other SA"))
        session.add(Seller(seller_id="S-1", display_name="Lucky Bags Outlet", country="CN", registered_at="2025-01-01"))
        session.add(Seller(seller_id="S-2", display_name="Lucky Bags 2", country="CN", registered_at="2025-02-01"))
        session.flush()
        for n in range(1, 4):
            rel = f"listings/L-{n}.png"
            _picture(media / rel, (150 + n * 20, 90, 40))
            session.add(Listing(listing_id=f"L-{n}", seller_id="S-1", title=f"Acme Classic Tote replica AAA {n}",
                                price=39.0 + n, category="bags", created_at="2026-11-20T10:00:00Z",
                                images=[ListingImage(position=0, path=rel)]))
        _picture(media / "catalogue/acme-tote.png", (150, 90, 40))
        session.add(NetworkCluster(cluster_id="C-S-1", size=2))
        session.flush()
        session.add_all([NetworkMember(seller_id="S-1", cluster_id="C-S-1"),
                         NetworkMember(seller_id="S-2", cluster_id="C-S-1"),
                         NetworkLink(cluster_id="C-S-1", key="phone:+8613800000000", weight=1.0,
                                     seller_ids=["S-1", "S-2"])])
        for role, extra in (("admin", {}), ("reviewer", {}), ("rights_holder", {}), ("investigator", {}),
                            ("seller", {"storefronts": ["S-1"]})):
            accounts.create_user(session, username=role.replace("_", "-"), password=PASSWORD, role=role,
                                 email=f"{role}@example.com", display_name=role.replace("_", " ").title(),
                                 actor="test", **extra)


class LiveServer:
    def __init__(self, url: str, engine, settings: Settings) -> None:  # noqa: ANN001
        self.url, self.engine, self.settings = url, engine, settings


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    production = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # see tests/web/conftest.py
    root = tmp_path_factory.mktemp("e2e")
    settings = Settings(data_dir=root / "var", database_url=f"sqlite:///{root / 'e2e.db'}")
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    _seed(engine, settings.data_dir / "media")
    port = _free_port()
    app = create_app(settings, engine=engine, webhooks=False, housekeeping=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the e2e server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", engine, settings)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    accounts._hasher = production
