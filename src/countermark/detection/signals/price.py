"""Price against the brand's list price (MSRP): genuine goods are rarely sold far below it.

The expected floor depends on what is offered: new goods, a sale, or second-hand goods. When no single
catalogue product matches, the typical list price of the brand's products in the listing's category is
used, with less weight. An accessory that only names the brand is not compared at all.
"""

from __future__ import annotations

import math

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence, quote

# (strongly suspicious below, mildly suspicious below) as a fraction of the reference price.
FLOORS = {"new": (0.45, 0.65), "sale": (0.35, 0.45), "used": (0.20, 0.30), "parts": (0.03, 0.06)}


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
        if (match is None or view.nominative or match.reference_price <= 0 or listing.price <= 0
                or (match.product is not None and match.product.currency != listing.currency)):
            return Evidence((0.0, 0.0, 0.0, 0.0))
        ratio = listing.price / match.reference_price
        condition = ("parts" if view.defective_cue else "used" if view.used_cue else "sale" if view.sale_cue
                     else "new")
        far, below = FLOORS[condition]
        by_category = match.product is None
        if match.how == "model_number":
            reference = f"the list price of {match.evidence}"
        elif match.how in ("title", "title_copy"):
            reference = f"the list price of '{quote(match.evidence, 60)}'"
        else:
            reference = f"the typical list price of {view.brand.name if view.brand else ''} {match.evidence}"
        percent = f"{ratio:.0%}" if ratio < 10 else f"{ratio:.0f}x"
        message = f"price is {percent} of {reference}"
        if ratio < far:
            weight = self.FAR_BELOW
            condition_words = {"new": "", "sale": " even for a sale", "used": " even for second-hand goods",
                               "parts": " even for goods sold for parts"}
            message += condition_words[condition]
        elif ratio < below:
            weight = self.BELOW
        else:
            weight = self.CONSISTENT if ratio <= 3 else 0.0
        if by_category:
            weight *= self.CATEGORY_FACTOR
        features = (1.0, max(-4.0, min(2.0, math.log(ratio))), float(ratio < far), float(by_category))
        return Evidence(features, (Reason(f"price.{'low' if weight > 0 else 'normal'}", message, weight),))
