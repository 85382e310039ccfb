"""Brand mentions: naming a protected brand is the precondition of most risk; disguising it is a tell."""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence, quote


class BrandMentionSignal:
    name = "brand"
    features = ("brand_in_title", "brand_in_description", "brand_disguised", "brand_misspelt")

    MENTION = 0.5
    DISGUISED = 3.0
    MISSPELT = 2.0

    def evaluate(self, view: ListingView) -> Evidence:
        if view.brand is None:
            return Evidence((0.0, 0.0, 0.0, 0.0))
        brand_id = view.brand.brand_id
        own = [m for m in view.mentions if m.brand_id == brand_id]
        in_title = any(m.field == "title" for m in own)
        in_description = any(m.field == "description" for m in own)
        disguised = next((m for m in own if m.kind == "disguised"), None)
        misspelt = next((m for m in own if m.kind == "fuzzy"), None)
        reasons: list[Reason] = []
        if own and not view.nominative:
            where = "title" if in_title else "description"
            reasons.append(Reason("brand.mention", f"{where} names the protected brand '{view.brand.name}'",
                                  self.MENTION if in_title else self.MENTION / 2))
        if disguised is not None:
            reasons.append(Reason(
                "brand.disguised",
                f"{disguised.field} mentions '{disguised.name}' written with look-alike characters "
                f"('{quote(disguised.surface)}')",
                self.DISGUISED,
            ))
        if misspelt is not None:
            reasons.append(Reason(
                "brand.misspelt",
                f"{misspelt.field} mentions '{quote(misspelt.surface)}', a misspelling of '{misspelt.name}'",
                self.MISSPELT,
            ))
        return Evidence(
            (float(in_title), float(in_description), float(disguised is not None), float(misspelt is not None)),
            tuple(reasons),
        )
