"""Price against the brand's list price (MSRP): genuine goods are rarely sold far below it.

The expected floor depends on what is offered: new goods, a sale, or second-hand goods. When no single
catalogue product matches, the typical list price of the brand's products in the listing's category is
used, with less weight. An accessory that only names the brand is not compared at all.
"""

from __future__ import annotations

import math
from functools import lru_cache

from countermark.detection.analysis import ListingView
from countermark.detection.catalogue import ProductMatch
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence, quote

# (strongly suspicious below, mildly suspicious below) as a fraction of the reference price.
FLOORS = {"new": (0.45, 0.65), "sale": (0.35, 0.45), "used": (0.20, 0.30), "parts": (0.03, 0.06)}
# Added to the message of a price far below its floor: the condition the floor allowed for does not excuse it.
EVEN_FOR = {"new": "", "sale": " even for a sale", "used": " even for second-hand goods",
            "parts": " even for goods sold for parts"}
_NO_COMPARISON = Evidence((0.0, 0.0, 0.0, 0.0))


class PriceSignal:
    name = "price"
    features = ("price_known", "price_log_ratio", "price_below_floor", "price_reference_is_category")

    FAR_BELOW = 3.5
    BELOW = 2.5
    CONSISTENT = -0.5
    CATEGORY_FACTOR = 0.6  # a category median is a rougher reference

    def evaluate(self, view: ListingView) -> Evidence:
        match = view.product
        listing = view.listing
        if (match is None or view.nominative_cue is not None or match.reference_price <= 0 or listing.price <= 0
                or (match.product is not None and match.product.currency != listing.currency)):
            return _NO_COMPARISON
        ratio = listing.price / match.reference_price
        condition = ("parts" if view.defective_cue else "used" if view.used_cue else "sale" if view.sale_cue
                     else "new")
        far, below = FLOORS[condition]
        by_category = match.product is None
        percent = f"{ratio:.0%}" if ratio < 10 else f"{ratio:.0f}x"
        message = f"price is {percent} of {_reference(match, view.brand.name if view.brand else '')}"
        if ratio < far:
            weight = self.FAR_BELOW
            message += EVEN_FOR[condition]
        elif ratio < below:
            weight = self.BELOW
        else:
            weight = self.CONSISTENT if ratio <= 3 else 0.0
        if by_category:
            weight *= self.CATEGORY_FACTOR
        log_ratio = math.log(ratio)  # kept within -4..2 by comparisons: min and max cost more, on every listing
        features = (1.0, -4.0 if log_ratio < -4.0 else 2.0 if log_ratio > 2.0 else log_ratio,
                    1.0 if ratio < far else 0.0, 1.0 if by_category else 0.0)
        return Evidence(features, (Reason("price.low" if weight > 0 else "price.normal", message, weight),))


def _reference(match: ProductMatch, brand_name: str) -> str:
    if match.how == "model_number":
        return f"the list price of {match.evidence}"
    if match.how in ("title", "title_copy"):
        return _title_reference(match.evidence)
    return f"the typical list price of {brand_name} {match.evidence}"


@lru_cache(maxsize=4096)  # one of the catalogue's titles: quote each once (one str argument: the cheapest key)
def _title_reference(title: str) -> str:
    return f"the list price of '{quote(title, 60)}'"
