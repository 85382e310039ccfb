"""`countermark train --from-decisions`: reviewers' decisions in the database train the model that scan then
uses (SQLite and PostgreSQL); too few decisions fail naming what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.cli.detection import scan_database, training_set_from_database
from countermark.detection.training import read_labels
from countermark.enforcement import service
from countermark.enforcement.models import ReviewItem
from countermark.listings.bundle import Bundle
from countermark.listings.service import import_bundle
from countermark.rights.models import Trademark
from countermark.storage.engine import transaction
from tests.detection.conftest import bundle_head

runner = CliRunner()
NOTIFIER = "brand-protection"
REVIEWER = "user:alice"


@pytest.fixture(scope="module")
def labelled(dev_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev bundle's brands and sellers with its first 300 listings and their labels."""
    return bundle_head(dev_bundle, tmp_path_factory.mktemp("labelled"), 300)


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "models" / "detection.joblib"


def _review_flags(engine: Engine, truth: dict[str, tuple[int, str]], leave: int = 0) -> tuple[int, int]:
    """A reviewer decides the open flags by the bundle's labels: counterfeit removed (but the last `leave`, still
    waiting), legitimate rejected."""
    with transaction(engine) as session:
        items = service.list_queue(session, source="proactive", limit=10_000)
        fakes = [i.id for i in items if truth[i.listing_id][0]]
        fakes = fakes[:len(fakes) - leave]
        genuine = [i.id for i in items if not truth[i.listing_id][0]]
        if fakes:
            service.remove(session, fakes, reviewer=REVIEWER, reason="counterfeit")
        if genuine:
            service.reject(session, genuine, reviewer=REVIEWER, reason="genuine product")
    return len(fakes), len(genuine)


def _decide_notices(engine: Engine, bundle: Path, *, count: int, counterfeit: bool) -> int:
    """Brands' notices against up to `count` listings each of three brands (counterfeit or genuine ones, by the
    bundle's labels); the reviewer removes the counterfeit ones and rejects the genuine ones."""
    brand_of = {row[0]: row[2] for row in _label_rows(bundle)}
    truth = read_labels(bundle)
    by_brand: dict[str, list[str]] = {}
    for listing_id in sorted(x.listing_id for x in Bundle.open(bundle).listings()):
        if brand_of.get(listing_id) and truth[listing_id][0] == counterfeit:
            by_brand.setdefault(brand_of[listing_id], []).append(listing_id)
    chosen = sorted(by_brand.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:3]
    with transaction(engine) as session:
        marks = dict(session.execute(select(Trademark.brand_id, Trademark.registration_number)).all())
        service.register_notifier(session, notifier_id=NOTIFIER, name="Brand Protection Ltd",
                                  email="legal@bp.example", brands=[b for b, _ in chosen])
    decided = 0
    for brand, ids in chosen:
        with transaction(engine) as session:
            notice_id, _ = service.submit_notice(session, service.NoticeInput(
                notifier_id=NOTIFIER, idempotency_key=f"{brand}-{counterfeit}", brand_id=brand,
                trademark_registration=marks[brand], listings=ids[:count], explanation="Suspected counterfeits.",
                good_faith=True))
            items = service.open_items_of_notice(session, notice_id)
            if counterfeit:
                service.remove(session, items, reviewer=REVIEWER, reason="counterfeit")
            else:
                service.reject(session, items, reviewer=REVIEWER, reason="authorised stock")
            decided += len(items)
    return decided


def _label_rows(bundle: Path) -> list[list[str]]:
    import csv

    with (bundle / "labels" / "listings.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def test_train_from_decisions_then_scan_uses_the_model(engine: Engine, db_url: str, env: Path, labelled: Path,
                                                      tmp_path: Path) -> None:
    import_bundle(engine, Bundle.open(labelled), tmp_path / "import.rejects.jsonl")
    first = scan_database(engine, threshold=0.5)
    assert first.flagged > 20 and "model:" not in first.engine_version
    removed, kept = _review_flags(engine, read_labels(labelled), leave=10)
    assert removed > 20
    rejected = _decide_notices(engine, labelled, count=10, counterfeit=False)
    assert rejected >= 10

    training = training_set_from_database(engine)
    assert sum(training.labels) == removed and len(training.labels) - removed == kept + rejected
    # Every flag was queued before any removal: a listing's own strike must not show up in its features.
    assert not any(r.code == "seller.prior_infringements" for rs, y in zip(training.reasons, training.labels,
                                                                          strict=True) if y for r in rs)

    result = runner.invoke(app, ["train", "--from-decisions"])
    assert result.exit_code == 0, result.output
    assert f"trained on {removed + kept + rejected} listings ({removed} counterfeit) from reviewers' decisions" \
        in result.output.replace("\n", "")
    assert env.is_file()

    result = runner.invoke(app, ["scan", "--db"])
    assert result.exit_code == 0, result.output
    assert "+model:detection" in result.output
    with transaction(engine) as session:  # the flags still waiting are flagged again, by the model
        by_model = ReviewItem.engine_version.endswith("+model:detection")
        rescored = list(session.scalars(select(ReviewItem).where(by_model)))
    assert len(rescored) >= 5 and all(i.status == "open" and i.score >= 0.5 for i in rescored)


def test_too_few_decisions_say_what_is_missing(engine: Engine, env: Path, labelled: Path, tmp_path: Path) -> None:
    import_bundle(engine, Bundle.open(labelled), tmp_path / "import.rejects.jsonl")
    result = runner.invoke(app, ["train", "--from-decisions"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "0 counterfeit" in message and "0 legitimate" in message and "10 more counterfeit and 10 more legitimate" \
        in message
    removed = _decide_notices(engine, labelled, count=5, counterfeit=True)
    result = runner.invoke(app, ["train", "--db"])
    message = " ".join(result.output.split())
    assert result.exit_code == 1 and f"{removed} counterfeit" in message and "10 more legitimate needed" in message
    assert not env.exists()
    # A labelled bundle supplies what the reviewers have not decided yet.
    result = runner.invoke(app, ["train", str(labelled), "--from-decisions"])
    assert result.exit_code == 0, result.output
    assert f"bundle {labelled} + reviewers' decisions" in " ".join(result.output.split())
    assert env.is_file()


def test_train_needs_a_source() -> None:
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 2 and "--from-decisions" in result.output


def test_seller_facts_as_they_stood(engine: Engine) -> None:
    """Training reads a seller's links to banned accounts as of the listing's review: later bans do not count."""
    from datetime import UTC, datetime, timedelta

    from countermark.cli.detection import _seller_facts
    from countermark.listings.models import Seller, SellerIdentifier
    from countermark.network.service import cluster_database

    before = datetime(2026, 5, 1, tzinfo=UTC)
    with transaction(engine) as session:
        for seller_id, email in (("A1", "John.Smith+shop@gmail.com"), ("A2", "johnsmith@googlemail.com")):
            session.add(Seller(seller_id=seller_id, display_name=seller_id, country="US", registered_at="2025-01-01",
                               identifiers=[SellerIdentifier(kind="emails", position=0, value=email)]))
    with transaction(engine) as session:
        cluster_database(session, actor="user:test", now=before)
        service.ban_seller(session, "A1", reason="counterfeits", actor="user:alice",
                           clock=lambda: before + timedelta(days=1))
    with transaction(engine) as session:
        now = _seller_facts(session, ["A2"])["A2"]
        then = _seller_facts(session, ["A2"], as_of=before)["A2"]
        later = _seller_facts(session, ["A2"], as_of=before + timedelta(days=2))["A2"]
    assert now.linked_to_banned and later.linked_to_banned and "A1" in (later.link_evidence or "")
    assert not then.linked_to_banned and then.link_evidence is None
