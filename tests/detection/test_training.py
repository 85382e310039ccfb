"""Training: the reviewers' seam builds the same training set as labelled bundles, and a model fits on it."""

from __future__ import annotations

import pytest

from countermark.detection.model import TrainedScorer, fit
from countermark.detection.training import training_set_from_decisions
from tests.detection.conftest import listing


def test_model_from_reviewed_listings(detector, scan_context) -> None:
    reviewed = []
    for i in range(12):
        reviewed.append((listing(f"Sony KDL-40V5100 TV lot {i}", 150 + i, listing_id=f"F{i}"), True))
        reviewed.append((listing(f"Sony KDL-40V5100 TV unit {i}", 950 + i, listing_id=f"G{i}"), False))
    training = training_set_from_decisions(detector, reviewed, scan_context)
    assert len(training.features) == 24 and training.feature_names == detector.feature_names
    scorer = TrainedScorer(fit(training), training.feature_names, name="model:reviews")
    cheap, dear = scorer.score(training.features[:2], training.reasons[:2])
    assert cheap > 0.5 > dear


def test_fit_needs_both_classes(detector, scan_context) -> None:
    training = training_set_from_decisions(detector, [(listing("Sony KDL-40V5100", 100), True)], scan_context)
    with pytest.raises(ValueError, match="both"):
        fit(training)
