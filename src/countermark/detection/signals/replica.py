"""Replica vocabulary in many languages ("replica", "AAA quality", "高仿", "реплика"), plus brands' own terms."""

from __future__ import annotations

from functools import lru_cache

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason, shared
from countermark.detection.signals.base import Evidence

_NO_REPLICA = Evidence((0.0, 0.0, 0.0, 0.0))


class ReplicaVocabularySignal:
    name = "replica"
    features = ("replica_strong", "replica_weak", "replica_brand_term", "replica_lookalike")

    STRONG = 4.0
    BRAND_TERM = 3.0
    WEAK = 1.0
    LOOKALIKE = 2.5  # "like Netgear", "Tribeca-style"
    EXTRA = 0.5  # each further distinct term
    MAX_TOTAL = 6.0

    def evaluate(self, view: ListingView) -> Evidence:
        lookalike = self._lookalike(view)
        if not view.replica_hits or view.brand is None:  # "replica vintage car": no protected brand, no risk
            return Evidence((0.0, 0.0, 0.0, 1.0), lookalike) if lookalike else _NO_REPLICA
        terms = {}
        for hit in sorted(view.replica_hits, key=lambda h: (h.term.strength != "strong", h.start)):
            terms.setdefault(hit.term.text.casefold(), hit)
        strong = [h for h in terms.values() if h.term.strength == "strong" and h.term.brand_id is None]
        brand_terms = [h for h in terms.values() if h.term.brand_id is not None]
        weak = [h for h in terms.values() if h.term.strength == "weak"]
        reasons: list[Reason] = list(lookalike)
        total = sum(r.weight for r in lookalike)
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
            reasons.append(_term_reason(hit.term.text, hit.disguised, what, weight))
        return Evidence((float(len(strong)), float(len(weak)), float(len(brand_terms)), float(bool(lookalike))),
                        tuple(reasons))

    def _lookalike(self, view: ListingView) -> tuple[Reason, ...]:
        if view.lookalike_cue is None or view.brand is None:
            return ()
        return (Reason("replica.lookalike",
                       f"offered as looking like {view.brand.name} ('{view.lookalike_cue}'), not as its product",
                       self.LOOKALIKE),)


@lru_cache(maxsize=4096)  # shared (immutable) Reasons: the vocabulary is a fixed list of terms
def _term_reason(term: str, disguised: bool, what: str, weight: float) -> Reason:
    how = " (disguised)" if disguised else ""
    return shared(Reason("replica.term", f"text uses '{term}'{how}: {what}", weight))
