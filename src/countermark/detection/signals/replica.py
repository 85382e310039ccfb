"""Replica vocabulary in many languages ("replica", "AAA quality", "高仿", "реплика"), plus brands' own terms."""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence


class ReplicaVocabularySignal:
    name = "replica"
    features = ("replica_strong", "replica_weak", "replica_brand_term")

    STRONG = 4.0
    BRAND_TERM = 3.0
    WEAK = 1.0
    EXTRA = 0.5  # each further distinct term
    MAX_TOTAL = 6.0

    def evaluate(self, view: ListingView) -> Evidence:
        if not view.replica_hits:
            return Evidence((0.0, 0.0, 0.0))
        terms = {}
        for hit in sorted(view.replica_hits, key=lambda h: (h.term.strength != "strong", h.start)):
            terms.setdefault(hit.term.text.casefold(), hit)
        strong = [h for h in terms.values() if h.term.strength == "strong" and h.term.brand_id is None]
        brand_terms = [h for h in terms.values() if h.term.brand_id is not None]
        weak = [h for h in terms.values() if h.term.strength == "weak"]
        reasons: list[Reason] = []
        total = 0.0
        for hit in (*strong, *brand_terms, *weak):
            if hit.term.brand_id is not None:
                weight, what = self.BRAND_TERM, "a term the brand owner lists as a sign of fakes"
            elif hit.term.strength == "strong":
                weight, what = self.STRONG, "replica vocabulary"
            else:
                weight, what = self.WEAK, "a word often used for copies"
            if total:
                weight = min(weight, self.EXTRA)
            weight = min(weight, self.MAX_TOTAL - total)
            if weight <= 0:
                break
            total += weight
            how = " (disguised)" if hit.disguised else ""
            reasons.append(Reason("replica.term", f"text uses '{hit.term.text}'{how}: {what}", weight))
        return Evidence((float(len(strong)), float(len(weak)), float(len(brand_terms))), tuple(reasons))
