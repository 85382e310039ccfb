"""Legitimate context that lowers risk: nominative use, accessory disclaimers, second-hand goods, sales."""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence

_NO_CONTEXT = Evidence((0.0, 0.0, 0.0, 0.0, 0.0))


class LegitimateContextSignal:
    name = "context"
    features = ("nominative_use", "accessory_disclaimer", "second_hand", "for_parts", "on_sale")

    NOMINATIVE = -4.0
    ACCESSORY = -2.0
    USED = -1.0
    DEFECTIVE = -1.0
    SALE = -0.5

    def evaluate(self, view: ListingView) -> Evidence:
        if view.brand is None or (view.nominative_cue is None and view.accessory_cue is None
                                  and view.used_cue is None and view.defective_cue is None
                                  and view.sale_cue is None):
            return _NO_CONTEXT
        reasons: list[Reason] = []
        brand = view.brand.name
        if view.nominative:
            reasons.append(Reason("context.nominative",
                                  f"'{brand}' is named only to say what the product fits ('{view.nominative_cue}')",
                                  self.NOMINATIVE))
        if view.accessory_cue:
            reasons.append(Reason("context.accessory",
                                  f"seller says the product is not made by the brand ('{view.accessory_cue}')",
                                  self.ACCESSORY))
        if view.used_cue:
            reasons.append(Reason("context.used", f"offered as second-hand ('{view.used_cue}')", self.USED))
        if view.defective_cue:
            reasons.append(Reason("context.defective", f"offered broken or for parts ('{view.defective_cue}')",
                                  self.DEFECTIVE))
        if view.sale_cue:
            reasons.append(Reason("context.sale", f"offered as a sale or clearance ('{view.sale_cue}')", self.SALE))
        return Evidence(
            (1.0 if view.nominative else 0.0, 0.0 if view.accessory_cue is None else 1.0,
             0.0 if view.used_cue is None else 1.0, 0.0 if view.defective_cue is None else 1.0,
             0.0 if view.sale_cue is None else 1.0),
            tuple(reasons),
        )
