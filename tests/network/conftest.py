"""A small marketplace with one counterfeit ring, listings, images in a media store and a clustering run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from countermark.listings.models import Listing, ListingImage, Seller, SellerIdentifier
from countermark.network.service import cluster_database
from countermark.storage.engine import transaction

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def draw(path: Path, colour: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), colour).save(path)
    return path


@dataclass
class Ring:
    engine: Engine
    media_root: Path
    cluster_id: str


@pytest.fixture
def ring(engine: Engine, tmp_path: Path) -> Ring:
    """R1 and R2 (one operator: a shared payout account), R3 alone; each with two listings with an image."""
    media_root = tmp_path / "media"
    sellers = {
        "R1": ("CN", {"payout_accounts": ["6222 6336 8782 2974 331"], "emails": ["ring@qq.com"]}),
        "R2": ("HK", {"payout_accounts": ["6222633687822974331"]}),
        "R3": ("US", {"payout_accounts": ["ACH 1234-5678"]}),
    }
    with transaction(engine) as session:
        for seller_id, (country, identifiers) in sellers.items():
            seller = Seller(seller_id=seller_id, display_name=f"Shop {seller_id}", country=country,
                            registered_at="2025-01-01")
            seller.identifiers = [SellerIdentifier(kind=k, position=i, value=v)
                                  for k, values in identifiers.items() for i, v in enumerate(values)]
            session.add(seller)
            session.flush()  # listings refer to the seller; the ORM has no relationship to order them by
            for n in (1, 2):
                listing_id = f"L-{seller_id}-{n}"
                image = f"images/{listing_id}.png"
                draw(media_root / image, (40 * n, 80, 120))
                session.add(Listing(listing_id=listing_id, seller_id=seller_id, title=f"Bag {n}", price=20.0 * n,
                                    quantity=5 * n, ships_from=country,
                                    images=[ListingImage(position=0, path=image)]))
    with transaction(engine) as session:
        cluster_database(session, actor="user:test", now=NOW)
    return Ring(engine, media_root, "C-R1")
