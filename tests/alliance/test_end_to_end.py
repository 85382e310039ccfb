"""Two marketplaces on loopback share what they know, and each one's scan uses the other's signals."""

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageOps

from countermark.alliance.service import add_peer, publish, pull_peer
from countermark.cli.detection import scan_database
from countermark.enforcement.models import ReviewItem
from countermark.hashbanks.service import add_confirmed_counterfeit
from countermark.listings.bundle import Bundle, BundleWriter
from countermark.listings.models import Seller
from countermark.listings.records import Listing
from countermark.listings.records import Seller as SellerRecord
from countermark.listings.service import import_bundle
from countermark.storage.engine import transaction
from tests.alliance.conftest import SECRET

pytestmark = pytest.mark.slow


def photo(path: Path, seed: int) -> Path:
    """A deterministic product-like picture with enough structure for PDQ."""
    image = Image.new("RGB", (256, 256), (240, 236, 228))
    draw = ImageDraw.Draw(image)
    for k in range(12):
        x, y = (seed * 37 + k * 53) % 200, (seed * 91 + k * 29) % 200
        draw.ellipse([x, y, x + 40 + k * 3, y + 30 + k * 2], fill=((k * 40) % 255, (seed * 13 + k * 17) % 255, 90))
    draw.rectangle([60, 100, 200, 180], outline=(20, 20, 20), width=6)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=92)
    return path


def marketplace(root: Path, sellers: list[SellerRecord], listings: list[Listing], brands=()) -> Bundle:
    writer = BundleWriter(root, root.name)
    writer.write_brands(brands)
    writer.write_sellers(sellers)
    writer.write_listings(listings)
    return Bundle.open(root)


def flags(instance) -> dict[str, ReviewItem]:
    from sqlalchemy import select

    with transaction(instance.engine) as session:
        return {i.listing_id: i for i in session.scalars(select(ReviewItem))}


def scan(instance) -> None:
    scan_database(instance.engine, threshold=0.5, media_root=instance.settings.data_dir / "media",
                  alliance_secret=SECRET.encode())


def pin(local, remote) -> None:
    with transaction(local.engine) as session:
        add_peer(session, remote.name, remote.url, remote.identity.public_key)


def test_signals_cross_between_two_marketplaces(instance, dev_bundle, tmp_path):
    a, b = instance("market-a"), instance("market-b")
    pin(a, b)
    pin(b, a)
    dev = Bundle.open(dev_bundle)
    brands = [x for x in dev.brands()]

    # A brand publishes its profile on A; B, which has never heard of the brand, scans with it.
    profiles = marketplace(tmp_path / "a-brands", [], [], brands)
    import_bundle(a.engine, profiles, tmp_path / "r1.jsonl", media_root=None)
    with transaction(a.engine) as session:
        publish(session, a.identity)
    b_seller = SellerRecord("B1", "Cheap Deals 88", "CN", "2026-11-01", {"emails": ("deals88@example.com",)})
    fake = Listing("BL1", "B1", "Sony replica AAA quality wireless headphones 1:1 copy", 9.99,
                   images=("images/listings/BL1-1.jpg",))
    photo(tmp_path / "b" / "images/listings/BL1-1.jpg", seed=1)
    import_bundle(b.engine, marketplace(tmp_path / "b", [b_seller], [fake]), tmp_path / "r2.jsonl",
                  media_root=b.settings.data_dir / "media")
    pull_peer(b.engine, "market-a")
    scan(b)
    flagged = flags(b)
    assert flagged["BL1"].brand_id == "sony"

    # B confirms the fake; its image reaches A, which flags an edited copy of that image.
    with transaction(b.engine) as session:
        add_confirmed_counterfeit(session, "BL1", image_root=b.settings.data_dir / "media", brand_id="sony")
        # ... and bans the seller, whose identifiers travel as keyed hashes only.
        session.get(Seller, "B1").status = "banned"
        published = publish(session, b.identity)
    assert {e["kind"] for e in published} >= {"counterfeit_hash", "banned_actor"}
    assert "deals88" not in str(published)
    pull_peer(a.engine, "market-b")

    original = Image.open(tmp_path / "b" / "images/listings/BL1-1.jpg")
    edited = ImageOps.mirror(original).resize((300, 300))
    media_a = a.settings.data_dir / "media"
    (media_a / "images/listings").mkdir(parents=True)
    edited.save(media_a / "images/listings/AL1-1.jpg", quality=40)
    a_sellers = [
        SellerRecord("A1", "Garden Shed", "US", "2020-01-01", {}),
        # B's banned actor, disguised: same mailbox, other case
        SellerRecord("A2", "Fresh Start Store", "CN", "2026-11-20", {"emails": ("Deals88@Example.com",)}),
    ]
    a_listings = [
        Listing("AL1", "A1", "Wireless headphones, great sound", 24.0, images=("images/listings/AL1-1.jpg",)),
        Listing("AL2", "A2", "Sony wireless headphones", 35.0),
        Listing("AL3", "A1", "Sony wireless headphones", 35.0),
    ]
    import_bundle(a.engine, marketplace(tmp_path / "a", a_sellers, a_listings), tmp_path / "r3.jsonl",
                  media_root=None)
    scan(a)
    flagged = flags(a)
    image_reasons = [r for r in flagged["AL1"].reasons if r["code"] == "image.counterfeit"]
    assert image_reasons and "confirmed by peer market-b" in image_reasons[0]["message"]
    assert "AL2" in flagged
    assert any(r["code"] == "seller.linked_to_banned" and "banned by peer market-b" in r["message"]
               for r in flagged["AL2"].reasons)
    assert "AL3" not in flagged  # the same listing from a seller with no such link is not flagged
