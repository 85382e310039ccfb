"""Brand mentions: naming a protected brand is the precondition of most risk; disguising it is a tell."""

from __future__ import annotations

from functools import lru_cache

from countermark.detection.analysis import ListingView
from countermark.detection.brands import Mention
from countermark.detection.reasons import Reason, shared
from countermark.detection.signals.base import Evidence, quote

_NO_BRAND = Evidence((0.0, 0.0, 0.0, 0.0))


class BrandMentionSignal:
    name = "brand"
    features = ("brand_in_title", "brand_in_description", "brand_disguised", "brand_misspelt")

    MENTION = 0.5
    DISGUISED = 3.0
    MISSPELT = 2.0

    def evaluate(self, view: ListingView) -> Evidence:
        brand = view.brand
        if brand is None:
            return _NO_BRAND
        brand_id = brand.brand_id
        named = in_title = in_description = False
        disguised: Mention | None = None
        misspelt: Mention | None = None
        for m in view.mentions:  # one pass: a listing has a few mentions, of this brand or of others
            if m.brand_id != brand_id:
                continue
            named = True
            if m.field == "title":
                in_title = True
            elif m.field == "description":
                in_description = True
            if m.kind == "disguised" and disguised is None:
                disguised = m
            elif m.kind == "fuzzy" and misspelt is None:
                misspelt = m
        reasons: tuple[Reason, ...] = ()
        if named and view.nominative_cue is None:
            reasons = (_mention_reason(brand.name, in_title, self.MENTION),)
        if disguised is not None:
            reasons += (Reason(
                "brand.disguised",
                f"{disguised.field} mentions '{disguised.name}' written with look-alike characters "
                f"('{quote(disguised.surface)}')",
                self.DISGUISED,
            ),)
        if misspelt is not None:
            reasons += (Reason(
                "brand.misspelt",
                f"{misspelt.field} mentions '{quote(misspelt.surface)}', a misspelling of '{misspelt.name}'",
                self.MISSPELT,
            ),)
        return Evidence(
            (1.0 if in_title else 0.0, 1.0 if in_description else 0.0, 0.0 if disguised is None else 1.0,
             0.0 if misspelt is None else 1.0),
            reasons,
        )


@lru_cache(maxsize=4096)  # one shared (immutable) Reason per brand name: most listings name their brand plainly
def _mention_reason(name: str, in_title: bool, weight: float) -> Reason:
    where = "title" if in_title else "description"
    message = f"{where} names the protected brand '{name}'"
    return shared(Reason("brand.mention", message, weight if in_title else weight / 2))
