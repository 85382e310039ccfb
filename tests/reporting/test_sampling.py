"""Prevalence audit on a real database: draw, label, estimate."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from countermark.enforcement.audit import stored_entries, verify_chain
from countermark.listings.models import Listing, Seller
from countermark.reporting.models import AuditLabel, AuditSampleItem
from countermark.reporting.prevalence import StratumCount, estimate
from countermark.reporting.sampling import (
    AuditError,
    LabelInput,
    consensus,
    draw_sample,
    estimate_sample,
    record_labels,
    sample_items,
)
from countermark.storage.engine import transaction

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture
def marketplace(engine):
    """400 active shoes, 100 active watches, 20 uncategorised, 50 removed shoes (never sampled)."""
    with transaction(engine) as s:
        s.add(Seller(seller_id="S1", display_name="Shop"))
        s.flush()
        listings = [("shoes", "active", 400), ("watches", "active", 100), ("", "active", 20), ("shoes", "removed", 50)]
        n = 0
        for category, status, count in listings:
            for _ in range(count):
                n += 1
                s.add(Listing(listing_id=f"L{n:04d}", seller_id="S1", title="t", price=1.0, category=category,
                              status=status))
    return engine


def test_draw_is_stratified_reproducible_and_audited(marketplace):
    with transaction(marketplace) as s:
        first = draw_sample(s, margin=0.1, seed=42, name="Q1", clock=clock)
    with transaction(marketplace) as s:
        second = draw_sample(s, margin=0.1, seed=42, clock=clock)
    # N = 520: n0 = 96.04 -> n = 96.04 / (1 + 95.04 / 520) = 81.2 -> 82; shares 63.08, 15.77, 3.15
    assert first.population == 520
    assert first.sizes == {"shoes": 63, "watches": 16, "(uncategorised)": 3}
    with transaction(marketplace) as s:
        a = [(i.listing_id, i.stratum) for i in sample_items(s, first.sample_id)]
        b = [(i.listing_id, i.stratum) for i in sample_items(s, second.sample_id)]
        removed = set(s.scalars(select(Listing.listing_id).where(Listing.status == "removed")))
        entries = list(stored_entries(s))
    assert a == b and len(a) == 82 and len(set(a)) == 82
    assert not removed & {listing_id for listing_id, _ in a}
    assert [e.action for e in entries] == ["audit_sample.drawn", "audit_sample.drawn"]
    assert verify_chain(entries) is None


def test_labels_and_estimate(marketplace):
    with transaction(marketplace) as s:
        drawn = draw_sample(s, margin=0.1, seed=7, clock=clock)
        items = sample_items(s, drawn.sample_id)
    shoes = [i.listing_id for i in items if i.stratum == "shoes"]
    watches = [i.listing_id for i in items if i.stratum == "watches"]
    labels = [LabelInput(lid, "counterfeit" if k < 6 else "legitimate", "alice") for k, lid in enumerate(shoes[:30])]
    labels += [LabelInput(lid, "counterfeit" if k < 4 else "legitimate", "alice") for k, lid in enumerate(watches[:10])]
    # A second reviewer agrees on one item and splits another (no majority: left out).
    labels += [LabelInput(shoes[0], "counterfeit", "bob"), LabelInput(shoes[29], "counterfeit", "bob")]
    with transaction(marketplace) as s:
        assert record_labels(s, drawn.sample_id, labels, clock=clock) == 42
    with transaction(marketplace) as s:
        report = estimate_sample(s, drawn.sample_id)
    # shoes: 29 usable labels, 6 counterfeit; watches: 10, 4; uncategorised: none yet.
    expected = estimate([StratumCount("(uncategorised)", 20, 0, 0), StratumCount("shoes", 400, 29, 6),
                         StratumCount("watches", 100, 10, 4)])
    assert report.estimate == expected
    assert report.estimate.share == pytest.approx((400 * 6 / 29 + 100 * 0.4) / 500)
    assert report.disputed == 1 and report.sampled == 82 and report.unlabelled == 82 - 40
    assert "Wilson" in report.method and report.seed == 7


def test_relabel_replaces_the_reviewers_own_label(marketplace):
    with transaction(marketplace) as s:
        drawn = draw_sample(s, margin=0.2, seed=1, clock=clock)
        first = sample_items(s, drawn.sample_id)[0].listing_id
    with transaction(marketplace) as s:
        record_labels(s, drawn.sample_id, [LabelInput(first, "counterfeit", "alice")], clock=clock)
    with transaction(marketplace) as s:
        record_labels(s, drawn.sample_id, [LabelInput(first, "legitimate", "alice", "genuine receipt")], clock=clock)
    with transaction(marketplace) as s:
        rows = s.scalars(select(AuditLabel)).all()
        assert [(r.label, r.note) for r in rows] == [("legitimate", "genuine receipt")]


def test_bad_labels_write_nothing(marketplace):
    with transaction(marketplace) as s:
        drawn = draw_sample(s, margin=0.2, seed=1, clock=clock)
        first = sample_items(s, drawn.sample_id)[0].listing_id
    outside = "L0521"  # a removed listing: never in the sample
    for bad, message in [
        (LabelInput(outside, "counterfeit", "alice"), "not in this sample"),
        (LabelInput(first, "fake", "alice"), "label must be one of"),
        (LabelInput(first, "counterfeit", " "), "reviewer is empty"),
    ]:
        with pytest.raises(AuditError, match=message), transaction(marketplace) as s:
            record_labels(s, drawn.sample_id, [LabelInput(first, "counterfeit", "alice"), bad], clock=clock)
    with transaction(marketplace) as s:
        assert s.scalars(select(AuditLabel)).all() == []
        assert s.scalar(select(AuditSampleItem.sample_id).limit(1)) == drawn.sample_id
    with pytest.raises(AuditError, match="no audit sample 99"), transaction(marketplace) as s:
        estimate_sample(s, 99)


def test_no_active_listings(engine):
    with pytest.raises(AuditError, match="no active listings"), transaction(engine) as s:
        draw_sample(s, margin=0.05)


def test_consensus():
    assert consensus(["counterfeit"]) == "counterfeit"
    assert consensus(["counterfeit", "legitimate", "legitimate"]) == "legitimate"
    assert consensus(["counterfeit", "legitimate"]) is None
