"""Evidence packages: complete, verifiable, and any tampering makes verify fail."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.enforcement import audit
from countermark.listings.models import Listing
from countermark.network.case import MANIFEST, MANIFEST_HASH, UnreadableCase, export_case, verify_case
from countermark.network.service import NetworkError
from countermark.network.testbuys import TestBuyInput, record_test_buy
from countermark.storage.engine import transaction
from tests.network.conftest import NOW, draw


@pytest.fixture
def package(ring, tmp_path: Path) -> Path:
    with transaction(ring.engine) as session:
        session.get(Listing, "L-R1-1").status = "removed"
        audit.record(session, actor="user:reviewer", action="listing.removed", subject="listing:L-R1-1", at=NOW)
        audit.record(session, actor="user:x", action="other.thing", subject="listing:L-R3-1", at=NOW)  # not the case
        record_test_buy(session, TestBuyInput("L-R2-1", "2026-04-01", 19.5, authentication="counterfeit",
                                              photos=[draw(tmp_path / "item.png", (200, 0, 0))]),
                        media_root=ring.media_root, actor="user:alice", now=NOW)
    out = tmp_path / "case.zip"
    with transaction(ring.engine) as session:
        report = export_case(session, ring.cluster_id, out, media_root=ring.media_root, actor="user:investigator",
                             now=NOW)
    assert report.sellers == 2 and report.listings == 4 and report.missing_media == []
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def test_package_holds_the_whole_case_and_verifies(package: Path, ring):
    files = members(package)
    manifest = json.loads(files[MANIFEST])
    assert manifest["cluster_id"] == "C-R1" and manifest["sellers"] == ["R1", "R2"]
    assert manifest["counts"]["failed_authentications"] == 1 and manifest["counts"]["removed_listings"] == 1
    assert set(manifest["files"]) == set(files) - {MANIFEST, MANIFEST_HASH}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert {"sellers.csv", "identifiers.csv", "links.csv", "listings.csv", "test_buys.csv", "decisions.csv",
            "sanctions.csv", "ban_evasion.csv", "audit.jsonl", "audit_chain.csv"} <= set(files)
    assert sum(name.startswith("images/") for name in files) == 4
    assert sum(name.startswith("testbuys/") for name in files) == 1
    identifiers = list(csv.DictReader(io.StringIO(files["identifiers.csv"].decode())))
    assert {r["keys"] for r in identifiers if r["links_cluster"] == "True"} == {"payout:6222633687822974331"}
    subjects = {json.loads(line)["subject"] for line in files["audit.jsonl"].decode().splitlines()}
    assert subjects == {"listing:L-R1-1", "testbuy:1"}
    assert verify_case(package) == []
    with transaction(ring.engine) as session:
        exported = [e for e in audit.stored_entries(session) if e.action == "case.exported"]
        assert exported[0].details["manifest_sha256"] == hashlib.sha256(files[MANIFEST]).hexdigest()


def test_tampering_with_any_file_fails_verify(package: Path, tmp_path: Path):
    original = members(package)
    for i, name in enumerate(original):
        tampered = dict(original)
        tampered[name] = original[name] + b" "
        target = tmp_path / f"tampered-{i}.zip"
        rewrite(target, tampered)
        assert verify_case(target), f"altering {name} went unnoticed"
    removed = dict(original)
    del removed["listings.csv"]
    rewrite(tmp_path / "removed.zip", removed)
    assert any("missing" in p for p in verify_case(tmp_path / "removed.zip"))
    rewrite(tmp_path / "added.zip", {**original, "images/extra.png": b"x"})
    assert any("not listed" in p for p in verify_case(tmp_path / "added.zip"))


def test_rewriting_an_audit_entry_with_fresh_hashes_still_fails(package: Path, tmp_path: Path):
    """Even recomputing the entry hash, the manifest and its hash does not pass the audit chain check."""
    files = members(package)
    entries = [json.loads(line) for line in files["audit.jsonl"].decode().splitlines()]
    entries[0]["actor"] = "user:someone-else"
    entries[0]["hash"] = audit.entry_hash(entries[0])
    files["audit.jsonl"] = "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries).encode()
    manifest = json.loads(files[MANIFEST])
    manifest["files"]["audit.jsonl"] = hashlib.sha256(files["audit.jsonl"]).hexdigest()
    files[MANIFEST] = json.dumps(manifest).encode()
    files[MANIFEST_HASH] = f"{hashlib.sha256(files[MANIFEST]).hexdigest()}  {MANIFEST}\n".encode()
    rewrite(tmp_path / "forged.zip", files)
    assert any("not the chain's entry" in p for p in verify_case(tmp_path / "forged.zip"))


def test_unreadable_or_foreign_files(tmp_path: Path):
    (tmp_path / "not.zip").write_bytes(b"hello")
    with pytest.raises(UnreadableCase, match="not a readable zip"):
        verify_case(tmp_path / "not.zip")
    rewrite(tmp_path / "other.zip", {"a.txt": b"a"})
    with pytest.raises(UnreadableCase, match="not a case package"):
        verify_case(tmp_path / "other.zip")
    with pytest.raises(UnreadableCase):
        verify_case(tmp_path / "missing.zip")


def test_unknown_cluster_is_refused(ring, tmp_path: Path):
    with pytest.raises(NetworkError, match="no cluster"), transaction(ring.engine) as session:
        export_case(session, "C-nope", tmp_path / "x.zip", media_root=ring.media_root, actor="cli")
    assert not (tmp_path / "x.zip").exists()


def test_cli_case_verify_exit_codes(package: Path, tmp_path: Path):
    runner = CliRunner()
    assert runner.invoke(app, ["case", "verify", str(package)]).exit_code == 0
    files = members(package)
    files["sellers.csv"] = files["sellers.csv"].replace(b"R2", b"R9")
    rewrite(tmp_path / "bad.zip", files)
    result = runner.invoke(app, ["case", "verify", str(tmp_path / "bad.zip")])
    assert result.exit_code == 1 and "sellers.csv" in result.output
    (tmp_path / "junk.zip").write_bytes(b"junk")
    assert runner.invoke(app, ["case", "verify", str(tmp_path / "junk.zip")]).exit_code == 2


def test_media_paths_escaping_the_store_are_never_packed(ring, tmp_path: Path):
    from countermark.listings.models import ListingImage

    secret = tmp_path / "secret.txt"
    secret.write_text("not evidence")
    with transaction(ring.engine) as session:
        session.add(ListingImage(listing_id="L-R1-1", position=1, path="../secret.txt"))
    with transaction(ring.engine) as session:
        report = export_case(session, ring.cluster_id, tmp_path / "case.zip", media_root=ring.media_root,
                             actor="cli", now=NOW)
    assert report.missing_media == ["../secret.txt"]
    assert not any("secret" in name for name in members(tmp_path / "case.zip"))
    assert verify_case(tmp_path / "case.zip") == []
