import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.listings.bundle import Bundle, BundleError, BundleWriter
from countermark.listings.models import Listing
from countermark.listings.service import export_bundle, import_bundle
from countermark.storage.migrate import downgrade, upgrade
from tests.listings.helpers import copy_bundle, dump

runner = CliRunner()


def cli(db_url: str, *args: str, cwd: Path | None = None):
    return runner.invoke(app, list(args), env={"COUNTERMARK_DATABASE_URL": db_url}, catch_exceptions=False)


def canonical(line: str) -> str:
    return json.dumps(json.loads(line), sort_keys=True)


def listing_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Listing))


def test_round_trip_gives_identical_content(engine, dev_bundle, tmp_path):
    report = import_bundle(engine, Bundle.open(dev_bundle), tmp_path / "r.jsonl")
    assert (report.brands, report.sellers, report.listings, report.rejects) == (30, 307, 3000, 0)
    first = dump(engine)
    export_bundle(engine, tmp_path / "out")
    for name in ("brands", "sellers", "listings"):
        original = sorted(canonical(x) for x in (dev_bundle / f"{name}.jsonl").read_text().splitlines())
        exported = sorted(canonical(x) for x in (tmp_path / "out" / f"{name}.jsonl").read_text().splitlines())
        assert exported == original, name
    downgrade(engine, "base")
    upgrade(engine)
    import_bundle(engine, Bundle.open(tmp_path / "out"), tmp_path / "r2.jsonl")
    assert dump(engine) == first


def test_reimport_is_idempotent_and_keeps_platform_state(engine, dev_bundle, tmp_path):
    import_bundle(engine, Bundle.open(dev_bundle), tmp_path / "r.jsonl")
    with engine.begin() as conn:
        conn.execute(Listing.__table__.update().where(Listing.listing_id == "L0000001").values(status="removed"))
    before = dump(engine)
    import_bundle(engine, Bundle.open(dev_bundle), tmp_path / "r.jsonl")
    assert dump(engine) == before
    assert listing_count(engine) == 3000


def test_parquet_listings_import_like_jsonl(engine, dev_bundle, tmp_path):
    bundle = copy_bundle(dev_bundle, tmp_path / "pq")
    writer = BundleWriter(bundle, "pq")
    writer.write_listings_parquet(x for x in Bundle.open(dev_bundle).listings())
    (bundle / "listings.jsonl").unlink()
    report = import_bundle(engine, Bundle.open(bundle), tmp_path / "r.jsonl")
    assert (report.listings, report.rejects) == (3000, 0)


def corrupt(bundle: Path) -> dict[int, str]:
    """Append one broken record of each kind to listings.jsonl; returns line -> expected reason fragment."""
    path = bundle / "listings.jsonl"
    lines = path.read_bytes().splitlines()
    good = json.loads(lines[0])
    n = len(lines)

    def variant(**changes):
        obj = dict(good, listing_id=f"X{len(lines)}")
        obj.update(changes)
        return json.dumps(obj, ensure_ascii=False).encode()

    bad = {
        "not valid JSON": b'{"listing_id": "X1", "title": ',
        "missing field 'title'": json.dumps({k: v for k, v in good.items() if k != "title"} |
                                            {"listing_id": "X2"}).encode(),
        "must be > 0": variant(listing_id="X3", price=-5.0),
        "unknown seller_id": variant(listing_id="X4", seller_id="S-NOBODY"),
        "duplicate listing_id": json.dumps(good).encode(),
        "not valid UTF-8": variant(listing_id="X6").replace(b"logitech", b"logi\xff\xfetech"),
        "limit is": variant(listing_id="X7", title="A" * 10_000_000),
    }
    expected = {}
    for i, (reason, raw) in enumerate(bad.items(), start=n + 1):
        lines.append(raw)
        expected[i] = reason
    path.write_bytes(b"\n".join(lines) + b"\n")
    return expected


def test_bad_records_go_to_rejects_and_every_valid_record_is_imported(db_url, engine, dev_bundle, tmp_path):
    bundle = copy_bundle(dev_bundle, tmp_path / "bad")
    expected = corrupt(bundle)
    rejects = tmp_path / "bad.rejects.jsonl"
    result = cli(db_url, "import", str(bundle), "--rejects", str(rejects), "--no-media")
    assert result.exit_code == 3, result.output
    found = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert {r["line"] for r in found} == set(expected)
    for r in found:
        assert r["file"] == "listings.jsonl"
        assert expected[r["line"]] in r["reason"], r["reason"]
        assert r["record"]  # the record is kept, nothing lost
    assert listing_count(engine) == 3000


@pytest.mark.parametrize("breakage, message", [
    (lambda b: (b / "bundle.json").unlink(), "bundle.json: required file missing"),
    (lambda b: (b / "bundle.json").write_text('{"format": "countermark-bundle", "version": 9}'),
     "unsupported version 9"),
    (lambda b: (b / "bundle.json").write_bytes(b"\xff\xfe"), "bundle.json: not valid UTF-8 JSON"),
    (lambda b: (b / "listings.jsonl").unlink(), "listings.jsonl: required file missing"),
    (lambda b: (b / "sellers.jsonl").unlink(), "sellers.jsonl: required file missing"),
])
def test_unreadable_bundle_exits_2_with_one_line(breakage, message, dev_bundle, tmp_path):
    bundle = copy_bundle(dev_bundle, tmp_path / "b")
    breakage(bundle)
    with pytest.raises(BundleError, match=message):
        Bundle.open(bundle)
    result = cli(f"sqlite:///{tmp_path / 'x.db'}", "import", str(bundle))
    assert result.exit_code == 2
    assert message.split(":")[-1].strip() in result.output
