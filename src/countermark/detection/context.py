"""Facts about a scan that do not live in the listing itself: sellers' history and image matches.

Other areas (network, enforcement, images) compute these; detection only consumes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

ImageMatchKind = Literal["reference", "counterfeit", "allow"]


@dataclass(frozen=True, slots=True)
class SellerFacts:
    seller_id: str
    registered_at: str  # ISO date
    prior_infringements: int = 0
    linked_to_banned: bool = False
    link_evidence: str | None = None


@dataclass(frozen=True, slots=True)
class ImageMatch:
    """One listing image matched an entry of a hash bank."""

    listing_image: str
    bank: str
    kind: ImageMatchKind
    brand_id: str | None
    ref_id: str
    distance: int
    transform: str | None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ScanContext:
    sellers: Mapping[str, SellerFacts] = field(default_factory=dict)
    image_matches: Mapping[str, Sequence[ImageMatch]] = field(default_factory=dict)  # by listing_id
