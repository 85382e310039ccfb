"""A small marketplace and a simulated clock for enforcement tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from countermark.listings.models import Listing, Seller
from countermark.rights.models import Brand, Trademark
from countermark.storage.engine import transaction

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class SimClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


def seed_marketplace(engine, sellers: int = 4, listings_per_seller: int = 10) -> None:
    with transaction(engine) as session:
        for brand_id, reg in (("acme", "EU-001"), ("zenith", "US-777")):
            session.add(Brand(brand_id=brand_id, name=brand_id.title(), owner=f"{brand_id} corp",
                              trademarks=[Trademark(mark=brand_id.upper(), office="EUIPO", registration_number=reg,
                                                    verification_status="verified")]))
        for s in range(sellers):
            session.add(Seller(seller_id=f"S{s}", display_name=f"Shop {s}", country="DE", registered_at="2025-01-01"))
        session.flush()
        for s in range(sellers):
            for i in range(listings_per_seller):
                session.add(Listing(listing_id=f"L{s}-{i}", seller_id=f"S{s}", title=f"Acme thing {i}", price=9.5))


@pytest.fixture
def market(engine):
    seed_marketplace(engine)
    return engine
