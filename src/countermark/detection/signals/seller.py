"""The seller: authorised by the brand or not, account age, confirmed infringements, links to banned accounts."""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence


class SellerSignal:
    name = "seller"
    features = ("seller_authorised", "seller_age_years", "seller_new", "seller_prior_infringements",
                "seller_linked_to_banned")

    AUTHORISED = -6.0
    NEW_ACCOUNT = 0.5  # under a year
    VERY_NEW_ACCOUNT = 1.0  # under 90 days
    PER_INFRINGEMENT = 1.5
    MAX_INFRINGEMENTS = 3
    LINKED_TO_BANNED = 2.5

    def evaluate(self, view: ListingView) -> Evidence:
        reasons: list[Reason] = []
        if view.brand is not None and view.authorised:
            reasons.append(Reason("seller.authorised", f"seller is authorised by {view.brand.name}", self.AUTHORISED))
        age = view.seller_age_days
        mentions_brand = view.brand is not None
        if age is not None and mentions_brand and not view.authorised:
            if age < 90:
                reasons.append(Reason("seller.new", f"seller account is {age} days old", self.VERY_NEW_ACCOUNT))
            elif age < 365:
                reasons.append(Reason("seller.new", f"seller account is {age // 30} months old", self.NEW_ACCOUNT))
        facts = view.seller
        prior = facts.prior_infringements if facts else 0
        if prior > 0 and mentions_brand:
            counted = min(prior, self.MAX_INFRINGEMENTS)
            reasons.append(Reason("seller.prior_infringements",
                                  f"seller has {prior} confirmed prior infringement{'s' if prior > 1 else ''}",
                                  self.PER_INFRINGEMENT * counted))
        linked = bool(facts and facts.linked_to_banned)
        if linked:
            evidence = f" ({facts.link_evidence})" if facts and facts.link_evidence else ""
            reasons.append(Reason("seller.linked_to_banned",
                                  f"seller is linked to a banned account{evidence}", self.LINKED_TO_BANNED))
        features = (
            float(view.authorised),
            min(age / 365.0, 20.0) if age is not None else 5.0,
            float(age is not None and age < 365),
            float(prior),
            float(linked),
        )
        return Evidence(features, tuple(reasons))
