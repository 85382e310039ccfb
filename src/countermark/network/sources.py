"""Source tracing: where confirmed counterfeits come from, ranked.

A listing is a confirmed counterfeit when enforcement removed it (`Listing.status == "removed"`; a
restored listing is active again) or a test buy of it failed authentication. Confirmed listings are
grouped by seller cluster, ships-from origin, payout account (normalised key) or declared supplier
(from test buys), and the groups ranked by how many confirmed listings they account for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from countermark.listings.models import Listing
from countermark.network.models import NetworkKey, NetworkMember, TestBuy

DIMENSIONS = ("cluster", "origin", "payout", "supplier")
UNKNOWN = "(unknown)"
_BATCH = 5_000


@dataclass
class Source:
    dimension: str
    value: str
    listing_ids: set[str] = field(default_factory=set)
    seller_ids: set[str] = field(default_factory=set)
    units: int = 0
    value_offered: float = 0.0  # sum of price x quantity (currencies as listed)

    def as_json(self, examples: int = 5) -> dict[str, object]:
        return {"dimension": self.dimension, "value": self.value, "listings": len(self.listing_ids),
                "sellers": len(self.seller_ids), "units": self.units, "value_offered": round(self.value_offered, 2),
                "example_listings": sorted(self.listing_ids)[:examples], "sellers_list": sorted(self.seller_ids)}


def confirmed_counterfeit_ids(session: Session) -> list[str]:
    removed = select(Listing.listing_id).where(Listing.status == "removed")
    failed = select(TestBuy.listing_id).where(TestBuy.authentication == "counterfeit")
    return sorted(session.scalars(union(removed, failed)))


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start:start + _BATCH]


def _group_values(session: Session, dimension: str, listings: list[Listing]) -> dict[str, list[str]]:
    """listing_id -> the values of `dimension` it counts towards (one listing may have several payouts)."""
    if dimension == "origin":
        return {x.listing_id: [x.ships_from.upper() or UNKNOWN] for x in listings}
    seller_ids = list({x.seller_id for x in listings})
    if dimension == "cluster":
        cluster = dict(session.execute(select(NetworkMember.seller_id, NetworkMember.cluster_id)
                                       .where(NetworkMember.seller_id.in_(seller_ids))).all())
        return {x.listing_id: [cluster.get(x.seller_id, f"C-{x.seller_id}")] for x in listings}
    if dimension == "payout":
        payouts: dict[str, set[str]] = {}
        for seller_id, key in session.execute(select(NetworkKey.seller_id, NetworkKey.key).where(
                NetworkKey.seller_id.in_(seller_ids), NetworkKey.field == "payout_accounts")):
            payouts.setdefault(seller_id, set()).add(key)
        return {x.listing_id: sorted(payouts.get(x.seller_id, {UNKNOWN})) for x in listings}
    suppliers: dict[str, set[str]] = {}
    for listing_id, supplier in session.execute(select(TestBuy.listing_id, TestBuy.declared_supplier).where(
            TestBuy.listing_id.in_([x.listing_id for x in listings]), TestBuy.declared_supplier.is_not(None))):
        suppliers.setdefault(listing_id, set()).add(" ".join(supplier.split()))
    return {x.listing_id: sorted(suppliers.get(x.listing_id, {UNKNOWN})) for x in listings}


def trace_sources(session: Session, by: str, *, limit: int = 20, include_unknown: bool = False) -> list[Source]:
    """The largest sources of confirmed counterfeits along one dimension, largest first."""
    if by not in DIMENSIONS:
        raise ValueError(f"--by must be one of {', '.join(DIMENSIONS)}, got {by!r}")
    sources: dict[str, Source] = {}
    for ids in _chunks(confirmed_counterfeit_ids(session)):
        listings = list(session.scalars(select(Listing).where(Listing.listing_id.in_(ids))))
        values = _group_values(session, by, listings)
        for listing in listings:
            for value in values[listing.listing_id]:
                source = sources.setdefault(value, Source(by, value))
                source.listing_ids.add(listing.listing_id)
                source.seller_ids.add(listing.seller_id)
                source.units += listing.quantity
                source.value_offered += listing.price * listing.quantity
    ranked = [s for s in sources.values() if include_unknown or s.value != UNKNOWN]
    ranked.sort(key=lambda s: (-len(s.listing_ids), -s.units, s.value))
    return ranked[:limit]
