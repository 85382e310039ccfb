"""The detection kernel: brands in, listings in, decisions out. Pure: no database, no web.

The engine is a list of signals and a scorer. Each listing is read once (`Analyser.view`), every
signal turns that reading into features and reasons, and the scorer turns them into a score; at or
above the threshold the listing is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

from countermark.detection.analysis import Analyser
from countermark.detection.context import ScanContext
from countermark.detection.reasons import Decision, Reason
from countermark.detection.scoring import ModelScorer, Scorer, TransparentScorer
from countermark.detection.signals import Signal, default_signals
from countermark.listings.records import Brand, Listing

ENGINE_VERSION = "countermark-detection/1"
# The transparent score of the strongest reasons; a model's score is explained by the same reasons.
MAX_REASONS = 8


class DetectionEngine:
    def __init__(self, brands: Sequence[Brand], *, threshold: float = 0.5, model: ModelScorer | None = None,
                 signals: Sequence[Signal] | None = None) -> None:
        self.analyser = Analyser(brands)
        self.signals = list(signals) if signals is not None else default_signals()
        self.threshold = threshold
        self.scorer: Scorer = model if model is not None else TransparentScorer()
        self.feature_names = tuple(f"{s.name}.{f}" for s in self.signals for f in s.features)
        if isinstance(self.scorer, ModelScorer) and self.scorer.feature_names != self.feature_names:
            raise ValueError("the model was trained on other features than this engine's signals; retrain it")
        self.version = f"{ENGINE_VERSION}+{self.scorer.name}"

    def evidence(self, listings: Sequence[Listing], context: ScanContext | None = None
                 ) -> tuple[list[list[float]], list[tuple[Reason, ...]], list[tuple[str | None, str | None]]]:
        """Features, reasons and (brand_id, sku) per listing: what scoring and training consume."""
        features: list[list[float]] = []
        reasons: list[tuple[Reason, ...]] = []
        matches: list[tuple[str | None, str | None]] = []
        for listing in listings:
            view = self.analyser.view(listing, context)
            row: list[float] = []
            found: list[Reason] = []
            for signal in self.signals:
                evidence = signal.evaluate(view)
                row.extend(evidence.features)
                found.extend(evidence.reasons)
            features.append(row)
            reasons.append(tuple(found))
            brand_id = view.brand.brand_id if view.brand else None
            matches.append((brand_id, view.product.sku if view.product else None))
        return features, reasons, matches

    def scan(self, listings: Sequence[Listing], context: ScanContext | None = None) -> list[Decision]:
        features, reasons, matches = self.evidence(listings, context)
        scores = self.scorer.score(features, reasons)
        decisions: list[Decision] = []
        for listing, score, found, (brand_id, sku) in zip(listings, scores, reasons, matches, strict=True):
            ordered = tuple(sorted(found, key=lambda r: -abs(r.weight))[:MAX_REASONS])
            decisions.append(Decision(
                listing_id=listing.listing_id,
                decision="flag" if score >= self.threshold else "clear",
                score=min(max(score, 0.0), 1.0),
                brand_id=brand_id,
                matched_sku=sku,
                reasons=ordered,
                engine_version=self.version,
            ))
        return decisions
