"""`countermark scan` end to end: output contract, rejects, exit codes, resume, trained models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.listings.bundle import Bundle, BundleWriter
from countermark.listings.validate import MAX_RECORD_BYTES
from tests.detection.conftest import bundle_head

runner = CliRunner()


def scan(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", *args])
    return result.exit_code, result.output


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def listing_ids(bundle: Path) -> list[str]:
    return [json.loads(line)["listing_id"] for line in (bundle / "listings.jsonl").read_text().splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def dev_part(dev_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev bundle's brands and sellers with its first 600 listings (keeps the slower tests quick)."""
    return bundle_head(dev_bundle, tmp_path_factory.mktemp("dev_part"), 600)


@pytest.fixture(scope="module")
def part_scan(dev_part: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "part.jsonl"
    code, output = scan(str(dev_part), "--out", str(out), "--workers", "2", "--batch-size", "50", "--transparent",
                        "--no-images")
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def dev_scan(dev_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan") / "dev.jsonl"
    code, output = scan(str(dev_bundle), "--out", str(out), "--workers", "2", "--transparent", "--no-images")
    assert code == 0, output
    return out


def test_dev_bundle_every_listing_exactly_once(dev_bundle: Path, dev_scan: Path) -> None:
    rows = read_jsonl(dev_scan)
    assert [r["listing_id"] for r in rows] == listing_ids(dev_bundle)
    for r in rows:
        assert set(r) == {"listing_id", "decision", "score", "brand_id", "matched_sku", "reasons"}
        assert r["decision"] in ("flag", "clear") and 0 <= r["score"] <= 1
    flagged = [r for r in rows if r["decision"] == "flag"]
    assert flagged and all(r["reasons"] and r["brand_id"] for r in flagged)
    assert not Path(str(dev_scan).replace(".jsonl", ".rejects.jsonl")).exists()


def test_dev_bundle_quality_is_sane(dev_bundle: Path, dev_scan: Path) -> None:
    """Not a tuning target (the goals are measured on unseen bundles by bench/quality.py): a smoke check."""
    truth = {}
    for line in (dev_bundle / "labels" / "listings.csv").read_text().splitlines()[1:]:
        listing_id, label, *_ = line.split(",")
        truth[listing_id] = label == "counterfeit"
    rows = read_jsonl(dev_scan)
    tp = sum(1 for r in rows if r["decision"] == "flag" and truth[r["listing_id"]])
    fp = sum(1 for r in rows if r["decision"] == "flag" and not truth[r["listing_id"]])
    assert tp / (tp + fp) > 0.9 and tp / sum(truth.values()) > 0.9


def test_workers_and_batches_do_not_change_results(dev_part: Path, part_scan: Path, dev_scan: Path,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "one.jsonl"
    assert scan(str(dev_part), "--out", str(out), "--workers", "1", "--transparent", "--no-images")[0] == 0
    assert out.read_bytes() == part_scan.read_bytes()
    assert dev_scan.read_bytes().startswith(part_scan.read_bytes())


def test_bad_records_are_rejected_not_lost(tiny_bundle: Path, tmp_path: Path) -> None:
    listings = tiny_bundle / "listings.jsonl"
    good = listings.read_text(encoding="utf-8")
    listings.write_text(good + '{"listing_id": "L9", "seller_id": "S-OLD", "title": "x", "price": -1}\n'
                        + "not json\n" + good.splitlines()[0] + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, output = scan(str(tiny_bundle), "--out", str(out), "--transparent", "--no-images")
    assert code == 3, output
    assert [r["listing_id"] for r in read_jsonl(out)] == ["L1", "L2", "L3", "L4", "L5"]
    rejects = read_jsonl(tmp_path / "out.rejects.jsonl")
    assert [r["line"] for r in rejects] == [6, 7, 8]
    assert all(r["file"] == "listings.jsonl" and r["reason"] for r in rejects)


def test_unreadable_bundle_exits_2(tmp_path: Path) -> None:
    code, output = scan(str(tmp_path / "missing"), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and "not a bundle directory" in output
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bundle.json").write_text('{"format": "countermark-bundle", "version": 9}')
    code, output = scan(str(tmp_path / "b"), "--out", str(tmp_path / "o.jsonl"))
    assert code == 2 and "version" in output


def test_resume_after_interruption_gives_the_same_file(dev_part: Path, part_scan: Path, tmp_path: Path) -> None:
    full = part_scan.read_bytes()
    lines = full.splitlines(keepends=True)
    out = tmp_path / "partial.jsonl"
    out.write_bytes(b"".join(lines[:234]) + lines[234][:40])  # killed in the middle of a line
    code, output = scan(str(dev_part), "--out", str(out), "--resume", "--batch-size", "100", "--transparent",
                        "--no-images")
    assert code == 0, output
    assert "600 listings scanned (resumed after 234)" in output
    assert out.read_bytes() == full


def test_parquet_bundle_scans_like_its_jsonl_twin(dev_part: Path, part_scan: Path, tmp_path: Path) -> None:
    """The same listings as Parquet: the same output on 2 workers, and when resumed halfway."""
    twin = tmp_path / "twin"
    BundleWriter(twin, "twin").write_listings_parquet(x for x in Bundle.open(dev_part).listings())
    for name in ("brands.jsonl", "sellers.jsonl"):
        shutil.copy(dev_part / name, twin / name)
    out = tmp_path / "twin.jsonl"
    code, output = scan(str(twin), "--out", str(out), "--workers", "2", "--batch-size", "50", "--transparent",
                        "--no-images")
    assert code == 0, output
    assert out.read_bytes() == part_scan.read_bytes()
    out.write_bytes(b"".join(part_scan.read_bytes().splitlines(keepends=True)[:234]))
    code, output = scan(str(twin), "--out", str(out), "--resume", "--workers", "2", "--batch-size", "50",
                        "--transparent", "--no-images")
    assert code == 0 and "resumed after 234" in output, output
    assert out.read_bytes() == part_scan.read_bytes()


def test_resume_refuses_another_bundles_output(tiny_bundle: Path, part_scan: Path, tmp_path: Path) -> None:
    out = tmp_path / "other.jsonl"
    shutil.copy(part_scan, out)
    code, output = scan(str(tiny_bundle), "--out", str(out), "--resume", "--transparent", "--no-images")
    assert code == 2 and "cannot resume" in output


def test_train_then_scan_uses_the_model(dev_part: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["train", str(dev_part)])
    assert result.exit_code == 0, result.output
    model = tmp_path / "var" / "models" / "detection.joblib"
    assert model.is_file()
    out = tmp_path / "model.jsonl"
    code, output = scan(str(dev_part), "--out", str(out), "--workers", "1", "--no-images")
    assert code == 0 and "model:detection" in output
    rows = read_jsonl(out)
    assert len(rows) == 600 and sum(r["decision"] == "flag" for r in rows) > 100
    assert "trained on 600 listings" in result.output


def test_broken_model_exits_2(tiny_bundle: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    code, output = scan(str(tiny_bundle), "--out", str(tmp_path / "o.jsonl"), "--model", str(bad))
    assert code == 2 and "not a countermark detection model" in output


def test_workers_reading_raw_lines_apply_every_rule(tiny_bundle: Path, tmp_path: Path) -> None:
    """Duplicates across batches, unknown sellers, blank, oversized, non-UTF-8 and hostile lines: the same
    output and rejects with 1 worker, with 2 workers on batches of 2 lines, and when resumed halfway."""
    listings = tiny_bundle / "listings.jsonl"
    lines = listings.read_bytes().splitlines(keepends=True)
    unknown = lines[1].replace(b'"L2"', b'"L7"').replace(b'"S-NEW"', b'"S-GONE"')
    oversized = b'{"listing_id": "L8", "title": "' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}\n'
    hostile = b'{"listing_id": "L9\\u0000<script>", "seller_id": [1], "title": {"$ne": 1}}\n'
    listings.write_bytes(b"".join([*lines[:3], b"\n", unknown, b"\xff\xfe broken\n", lines[0], oversized,
                                   *lines[3:], hostile, unknown]))
    outputs = {}
    for name, args in (("one", ["--workers", "1"]), ("two", ["--workers", "2", "--batch-size", "2"])):
        out = tmp_path / f"{name}.jsonl"
        code, output = scan(str(tiny_bundle), "--out", str(out), "--transparent", "--no-images", *args)
        assert code == 3, output
        outputs[name] = (out.read_bytes(), (tmp_path / f"{name}.rejects.jsonl").read_bytes())
    assert outputs["one"] == outputs["two"]
    assert [r["listing_id"] for r in read_jsonl(tmp_path / "one.jsonl")] == ["L1", "L2", "L3", "L4", "L5"]
    reasons = [r["reason"] for r in read_jsonl(tmp_path / "one.rejects.jsonl")]
    assert len(reasons) == 6
    assert "unknown seller_id 'S-GONE'" in reasons[0] and "not valid UTF-8" in reasons[1]
    assert "duplicate listing_id 'L1' (first at line 1)" in reasons[2] and "the limit is" in reasons[3]
    assert "duplicate listing_id 'L7' (first at line 5)" in reasons[5]
    resumed = tmp_path / "resumed.jsonl"
    resumed.write_bytes(b"".join(outputs["one"][0].splitlines(keepends=True)[:3]))
    (tmp_path / "resumed.rejects.jsonl").write_bytes(b"".join(outputs["one"][1].splitlines(keepends=True)[:3]))
    code, output = scan(str(tiny_bundle), "--out", str(resumed), "--resume", "--workers", "2", "--batch-size", "2",
                        "--transparent", "--no-images")
    assert code == 3
    assert "5 listings scanned (resumed after 3)" in output and "6 records rejected" in output
    assert (resumed.read_bytes(), (tmp_path / "resumed.rejects.jsonl").read_bytes()) == outputs["one"]
