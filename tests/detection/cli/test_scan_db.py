"""`countermark scan --db`: flags from the database go to the review queue, once (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.cli.detection import scan_database
from countermark.enforcement.models import ReviewItem
from countermark.listings.bundle import Bundle
from countermark.listings.service import import_bundle
from countermark.storage.engine import transaction


def _queue(engine: Engine) -> list[ReviewItem]:
    with transaction(engine) as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.listing_id)))


def test_scan_database_queues_flags_idempotently(engine: Engine, tiny_bundle: Path, tmp_path: Path) -> None:
    import_bundle(engine, Bundle.open(tiny_bundle), tmp_path / "import.rejects.jsonl")
    first = scan_database(engine, threshold=0.5)
    assert first.scanned == 5 and first.flagged == first.queued >= 2
    items = _queue(engine)
    assert {i.listing_id for i in items} == {"L2", "L4"}
    assert all(i.source == "proactive" and i.reasons and i.score >= 0.5 and i.brand_id == "sony" for i in items)
    assert {i.matched_sku for i in items} == {"sku-tv"}
    again = scan_database(engine, threshold=0.5)
    assert again.queued == 0 and len(_queue(engine)) == len(items)


def test_scan_db_command(db_url: str, tiny_bundle: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    from countermark.storage.engine import make_engine

    engine = make_engine(db_url)
    try:
        import_bundle(engine, Bundle.open(tiny_bundle), tmp_path / "import.rejects.jsonl")
    finally:
        engine.dispose()
    result = runner.invoke(app, ["scan", "--db"])
    assert result.exit_code == 0, result.output
    assert "5 listings scanned, 2 flagged, 2 new review items" in result.output
    result = runner.invoke(app, ["scan", "--db"])
    assert "0 new review items" in result.output
    assert runner.invoke(app, ["scan", "--db", "somewhere"]).exit_code == 2
