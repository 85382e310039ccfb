"""Test buys: orders placed with a seller to authenticate the goods received.

Photos are copied into the media store under `testbuys/<sha256><suffix>`, so the record never points
at a file that can change or vanish. A failed authentication (`counterfeit`) confirms the listing as
counterfeit for source tracing and is strong evidence in a case package.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.listings.models import Listing
from countermark.network.models import NetworkMember, TestBuy

AUTHENTICATION_RESULTS = ("pending", "genuine", "counterfeit", "inconclusive")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".pdf")
MAX_PHOTO_BYTES = 25 * 1024 * 1024


class TestBuyError(ValueError):
    """Bad test-buy input; the message names the field."""

    __test__ = False


@dataclass(frozen=True)
class TestBuyInput:
    __test__ = False

    listing_id: str
    ordered_on: str  # ISO date
    price_paid: float
    currency: str = "USD"
    item_received: bool = False
    received_on: str | None = None
    authentication: str = "pending"
    photos: Sequence[Path] = ()
    shipped_from: str | None = None
    declared_supplier: str | None = None
    brand_id: str | None = None
    brand_verdict: str | None = None
    notes: str = ""


def _iso_date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise TestBuyError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def _authentication(value: str) -> str:
    if value not in AUTHENTICATION_RESULTS:
        raise TestBuyError(f"authentication must be one of {', '.join(AUTHENTICATION_RESULTS)}, got {value!r}")
    return value


def store_photos(photos: Sequence[Path], media_root: Path) -> list[str]:
    """Copy photos into the media store, named by content; returns their media paths."""
    stored = []
    for photo in photos:
        if photo.suffix.lower() not in PHOTO_SUFFIXES:
            raise TestBuyError(f"photo {photo}: expected one of {', '.join(PHOTO_SUFFIXES)}")
        if not photo.is_file():
            raise TestBuyError(f"photo {photo}: no such file")
        if photo.stat().st_size > MAX_PHOTO_BYTES:
            raise TestBuyError(f"photo {photo}: larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
        digest = hashlib.sha256(photo.read_bytes()).hexdigest()
        relative = f"testbuys/{digest}{photo.suffix.lower()}"
        target = media_root / relative
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, target)
        stored.append(relative)
    return stored


def record_test_buy(session: Session, data: TestBuyInput, *, media_root: Path, actor: str,
                    now: datetime | None = None) -> TestBuy:
    listing = session.get(Listing, data.listing_id)
    if listing is None:
        raise TestBuyError(f"no listing {data.listing_id!r}")
    if not data.price_paid > 0:
        raise TestBuyError(f"price paid must be > 0, got {data.price_paid}")
    buy = TestBuy(
        ordered_on=_iso_date(data.ordered_on, "ordered_on"), listing_id=listing.listing_id,
        seller_id=listing.seller_id, price_paid=data.price_paid, currency=data.currency.upper()[:8],
        item_received=data.item_received, received_on=_iso_date(data.received_on, "received_on"),
        authentication=_authentication(data.authentication), photos=store_photos(data.photos, media_root),
        shipped_from=(data.shipped_from or None) and data.shipped_from.upper()[:8],
        declared_supplier=data.declared_supplier or None, brand_id=data.brand_id,
        brand_verdict=data.brand_verdict, notes=data.notes, recorded_by=actor, recorded_at=now or datetime.now(UTC))
    session.add(buy)
    session.flush()
    audit.record(session, actor=actor, action="testbuy.recorded", subject=f"testbuy:{buy.id}", at=buy.recorded_at,
                 details={"listing_id": buy.listing_id, "seller_id": buy.seller_id,
                          "authentication": buy.authentication, "photos": buy.photos})
    return buy


def record_authentication(session: Session, test_buy_id: int, *, result: str, actor: str,
                          photos: Sequence[Path] = (), media_root: Path, brand_verdict: str | None = None,
                          received_on: str | None = None, now: datetime | None = None) -> TestBuy:
    """The item arrived and was examined: its authentication result, photos and the brand's verdict."""
    buy = session.get(TestBuy, test_buy_id)
    if buy is None:
        raise TestBuyError(f"no test buy {test_buy_id}")
    buy.authentication = _authentication(result)
    buy.item_received = True
    buy.received_on = _iso_date(received_on, "received_on") or buy.received_on
    buy.photos = [*buy.photos, *store_photos(photos, media_root)]
    if brand_verdict is not None:
        buy.brand_verdict = brand_verdict
    audit.record(session, actor=actor, action="testbuy.authenticated", subject=f"testbuy:{buy.id}",
                 at=now or datetime.now(UTC),
                 details={"result": buy.authentication, "brand_verdict": buy.brand_verdict, "photos": buy.photos})
    return buy


def list_test_buys(session: Session, *, seller_id: str | None = None, cluster_id: str | None = None) -> list[TestBuy]:
    stmt = select(TestBuy).order_by(TestBuy.ordered_on, TestBuy.id)
    if seller_id is not None:
        stmt = stmt.where(TestBuy.seller_id == seller_id)
    if cluster_id is not None:
        stmt = stmt.where(TestBuy.seller_id.in_(
            select(NetworkMember.seller_id).where(NetworkMember.cluster_id == cluster_id)))
    return list(session.scalars(stmt))
