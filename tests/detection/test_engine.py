"""The engine's contract: decisions, thresholds, scorers, determinism."""

from __future__ import annotations

import json

import pytest

from countermark.detection.engine import DetectionEngine
from countermark.detection.model import TrainedScorer
from countermark.detection.reasons import Decision, Reason, shared
from countermark.detection.scoring import TransparentScorer
from tests.detection.conftest import BRANDS, listing


def test_decision_json_is_the_spec_object(detector, scan_context) -> None:
    d = detector.scan([listing("Sony KDL-40V5100 replica", 100)], scan_context)[0]
    out = d.as_json()
    assert set(out) == {"listing_id", "decision", "score", "brand_id", "matched_sku", "reasons"}
    assert out["decision"] == "flag" and 0 <= out["score"] <= 1 and out["brand_id"] == "sony"
    assert all(set(r) == {"code", "message", "weight"} for r in out["reasons"])
    assert d.engine_version.startswith("countermark-detection/")


@pytest.mark.parametrize("text", ['quote " backslash \\ slash /', "日本 é \u2028 \x00\x1f\x7f", "", "tab\tnew\nline"])
@pytest.mark.parametrize("number", [0.0, -0.0, 1 / 3, 0.123449999, -2.5, 1e20, 7, float("nan"), float("inf")])
def test_decision_json_text_is_json_dumps_of_the_object(text: str, number: float) -> None:
    reasons = (Reason(text, text, number), Reason("code", "message", -number), shared(Reason("code", text, number)))
    assert reasons[2].as_json_text() == json.dumps(reasons[2].as_json(), ensure_ascii=False)
    for d in (Decision(text, "flag", number, text, None, reasons, "v"),
              Decision("L1", "clear", 0.5, None, text, (), "v")):
        assert d.as_json_text() == json.dumps(d.as_json(), ensure_ascii=False)


def test_threshold_decides(scan_context) -> None:
    strict = DetectionEngine(BRANDS, threshold=0.999)
    lenient = DetectionEngine(BRANDS, threshold=0.0)
    item = [listing("Sony KDL-40V5100 LCD TV", 500)]
    assert strict.scan(item, scan_context)[0].decision == "clear"
    assert lenient.scan(item, scan_context)[0].decision == "flag"


def test_scan_keeps_order_and_needs_no_context(detector) -> None:
    items = [listing(f"Sony KDL-40V5100 item {i}", 100 + i, listing_id=f"L{i}") for i in range(5)]
    assert [d.listing_id for d in detector.scan(items)] == [f"L{i}" for i in range(5)]
    assert detector.scan([]) == []


def test_a_model_for_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="retrain"):
        DetectionEngine(BRANDS, model=TrainedScorer(object(), ("other",), name="model:x"))


def test_a_transparent_scan_scores_the_reasons_evidence_gives(detector, scan_context) -> None:
    items = [listing("Sony KDL-40V5100 replica", 100, listing_id="L1"),
             listing("Sony KDL-40V5100 LCD TV", 990, listing_id="L2", seller="S-AUTH"),
             listing("plain kettle", 20, listing_id="L3")]
    features, reasons, _ = detector.evidence(items, scan_context)
    assert [len(row) for row in features] == [len(detector.feature_names)] * 3
    expected = TransparentScorer().score(features, reasons)
    assert [d.score for d in detector.scan(items, scan_context)] == pytest.approx(expected)
