"""Building training sets: from a labelled bundle, from reviewers' decisions, or both.

Labels are read here and only here: the engine never sees them.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from countermark.detection.context import ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.detection.model import TrainingSet
from countermark.listings.bundle import Bundle, BundleError
from countermark.listings.records import Brand, Listing, Seller

COUNTERFEIT = "counterfeit"
LEGITIMATE = "legitimate"


def read_labels(bundle_path: Path) -> dict[str, tuple[int, str]]:
    """listing_id -> (1 if counterfeit else 0, tactic) from `labels/listings.csv`."""
    path = Path(bundle_path) / "labels" / "listings.csv"
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise BundleError(f"{path}: labels file missing (training needs labels/listings.csv)") from None
    labels: dict[str, tuple[int, str]] = {}
    for row in rows:
        label = (row.get("label") or "").strip()
        if label not in (COUNTERFEIT, LEGITIMATE):
            continue
        labels[row["listing_id"]] = (int(label == COUNTERFEIT), (row.get("tactic") or "").strip())
    if not labels:
        raise BundleError(f"{path}: no rows labelled counterfeit or legitimate")
    return labels


def bundle_records(bundle_path: Path) -> tuple[list[Brand], dict[str, SellerFacts], Bundle]:
    bundle = Bundle.open(bundle_path)
    brands = [b for b in bundle.brands() if isinstance(b, Brand)]
    sellers = {s.seller_id: SellerFacts(s.seller_id, s.registered_at) for s in bundle.sellers()
               if isinstance(s, Seller)}
    return brands, sellers, bundle


def training_set_from_bundle(bundle_path: Path, *, exclude_tactics: Collection[str] = ()
                             ) -> tuple[TrainingSet, list[str]]:
    """Features of every labelled listing (minus excluded tactics) and the tactic of each example."""
    brands, sellers, bundle = bundle_records(bundle_path)
    labels = read_labels(bundle_path)
    engine = DetectionEngine(brands)
    listings = [x for x in bundle.listings() if isinstance(x, Listing) and x.listing_id in labels
                and labels[x.listing_id][1] not in exclude_tactics]
    return examples(engine, listings, [labels[x.listing_id][0] for x in listings], ScanContext(sellers=sellers)), [
        labels[x.listing_id][1] for x in listings]


def examples(engine: DetectionEngine, listings: Sequence[Listing], labels: Sequence[int],
             context: ScanContext | None = None) -> TrainingSet:
    features, reasons, _ = engine.evidence(listings, context)
    return TrainingSet(features, reasons, list(labels), engine.feature_names)


def training_set_from_decisions(engine: DetectionEngine, reviewed: Iterable[tuple[Listing, bool]],
                                context: ScanContext | None = None) -> TrainingSet:
    """Learning from reviewers: (listing, confirmed counterfeit?) pairs from the review queue.

    Enforcement maps its decisions to verdicts (`enforcement.reviewed`: upheld flag / removal -> 1, rejected
    flag or notice / reversed takedown -> 0); `countermark train --from-decisions` feeds them here.
    """
    pairs = list(reviewed)
    return examples(engine, [p[0] for p in pairs], [int(p[1]) for p in pairs], context)


def combine(sets: Iterable[TrainingSet], feature_names: Sequence[str]) -> TrainingSet:
    """One training set of several (e.g. a bundle and reviewers' decisions); all must share the features."""
    parts = list(sets)
    if any(tuple(p.feature_names) != tuple(feature_names) for p in parts):
        raise ValueError("training sets built with different signal features cannot be combined")
    return TrainingSet([f for p in parts for f in p.features], [r for p in parts for r in p.reasons],
                       [y for p in parts for y in p.labels], tuple(feature_names))
