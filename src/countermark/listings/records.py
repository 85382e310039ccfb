"""Plain records of the marketplace bundle format (shared/spec/bundle.md, version 1).

These are what every kernel consumes (detection, images, network, Spark): no ORM, no web.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

IDENTIFIER_KINDS: tuple[str, ...] = (
    "emails",
    "phones",
    "payout_accounts",
    "addresses",
    "devices",
    "ip_addresses",
    "websites",
)


@dataclass(frozen=True, slots=True)
class Trademark:
    mark: str
    office: str
    registration_number: str
    classes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    msrp: float
    currency: str = "USD"
    category: str = ""
    model_numbers: tuple[str, ...] = ()
    images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Brand:
    brand_id: str
    name: str
    owner: str = ""
    aliases: tuple[str, ...] = ()
    trademarks: tuple[Trademark, ...] = ()
    categories: tuple[str, ...] = ()
    authorized_sellers: tuple[str, ...] = ()
    red_flag_terms: tuple[str, ...] = ()
    reference_images: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()


@dataclass(frozen=True, slots=True)
class Seller:
    seller_id: str
    display_name: str
    country: str = ""
    registered_at: str = ""  # ISO date, YYYY-MM-DD
    identifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Listing(msgspec.Struct, frozen=True, gc=False):
    """A listing: a frozen msgspec Struct rather than a dataclass, since a scan builds one per input line and
    a Struct builds several times faster. gc=False: its fields are strings, numbers and a tuple of strings."""

    listing_id: str
    seller_id: str
    title: str
    price: float
    currency: str = "USD"
    description: str = ""
    category: str = ""
    quantity: int = 1
    ships_from: str = ""
    created_at: str = ""  # ISO-8601 as given
    images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that breaks the bundle spec: kept with where it was and why."""

    file: str
    line: int
    reason: str
    record: str

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "reason": self.reason, "record": self.record}
