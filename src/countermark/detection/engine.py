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
        return self._evidence(listings, context, with_features=True)

    def _evidence(self, listings: Sequence[Listing], context: ScanContext | None, *, with_features: bool
                  ) -> tuple[list[list[float]], list[tuple[Reason, ...]], list[tuple[str | None, str | None]]]:
        features: list[list[float]] = []
        reasons: list[tuple[Reason, ...]] = []
        matches: list[tuple[str | None, str | None]] = []
        read = self.analyser.view
        evaluators = [signal.evaluate for signal in self.signals]
        for listing in listings:
            view = read(listing, context)
            found: tuple[Reason, ...] = ()  # most signals add none: adding () to a tuple copies nothing
            if with_features:
                row: list[float] = []
                for evaluate in evaluators:
                    evidence = evaluate(view)
                    row += evidence.features
                    found += evidence.reasons
                features.append(row)
            else:
                for evaluate in evaluators:
                    found += evaluate(view).reasons
            reasons.append(found)
            brand_id = view.brand.brand_id if view.brand else None
            matches.append((brand_id, view.product.sku if view.product else None))
        return features, reasons, matches

    def scan(self, listings: Sequence[Listing], context: ScanContext | None = None) -> list[Decision]:
        # The transparent score is the reasons' weights alone: building every listing's feature row would be waste.
        features, reasons, matches = self._evidence(listings, context, with_features=self.scorer.needs_features)
        scores = self.scorer.score(features, reasons)
        decisions: list[Decision] = []
        threshold = self.threshold
        version = self.version
        for listing, score, found, (brand_id, sku) in zip(listings, scores, reasons, matches, strict=True):
            decisions.append(Decision(
                listing_id=listing.listing_id,
                decision="flag" if score >= threshold else "clear",
                score=0.0 if score < 0.0 else 1.0 if score > 1.0 else score,  # comparisons: min/max cost more
                brand_id=brand_id,
                matched_sku=sku,
                reasons=_strongest(found),
                engine_version=version,
            ))
        return decisions


def _strongest(reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
    """The MAX_REASONS reasons of largest weight, strongest first (stable: ties keep the signals' order)."""
    if len(reasons) < 2:
        return reasons
    return tuple(sorted(reasons, key=_strength)[:MAX_REASONS])


def _strength(reason: Reason) -> float:
    return -abs(reason.weight)
