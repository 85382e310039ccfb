"""A title that reproduces a genuine product's catalogue title with the brand's name cut out.

Sellers of fakes hide the brand from the text (so that brand searches miss them) yet keep the rest of
the official title (so that buyers searching for the product find them). On its own this is weak
evidence - an honest reseller may also leave the brand out - so it mainly lets the price be compared
with the product's list price.
"""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence, quote

_NO_COPY = Evidence((0.0,))


class CatalogueCopySignal:
    name = "copy"
    features = ("title_copies_catalogue",)

    COPY = 1.0

    def evaluate(self, view: ListingView) -> Evidence:
        match = view.product
        if match is None or match.how != "title_copy" or view.brand is None or view.authorised:
            return _NO_COPY
        reason = Reason("copy.catalogue_title",
                        f"title copies {view.brand.name}'s catalogue title '{quote(match.evidence, 60)}' "
                        "without naming the brand", self.COPY)
        return Evidence((1.0,), (reason,))
