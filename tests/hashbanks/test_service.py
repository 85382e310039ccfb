"""Hash banks on SQLite and PostgreSQL: banks, entries, confirmed counterfeits, audit, matching."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from countermark.enforcement.audit import verify_chain
from countermark.enforcement.models import AuditEntry
from countermark.hashbanks import service
from countermark.hashbanks.service import BankError, NewEntry
from countermark.images.hashing import hash_file
from countermark.images.matcher import ImageMatcher
from countermark.listings.models import Listing, ListingImage, Seller
from countermark.listings.records import Brand, Product
from countermark.storage.engine import transaction
from tests.images.conftest import BRIDGE, PDQ_DATA, UNRELATED

DIH = PDQ_DATA / "reg-test-input" / "dih"


def _audit(engine) -> list[AuditEntry]:
    with transaction(engine) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert verify_chain(entries) is None
        return entries


def test_banks_entries_and_audit(engine):
    bridge = hash_file(BRIDGE)
    with transaction(engine) as session:
        report = service.add_entries(session, "brand-reference", [
            NewEntry("sony-ref-1", bridge.pdq_hex.upper(), bridge.quality, "sony", source="ref1.jpg"),
            NewEntry("sony-ref-2", "ab" * 32, 90, "sony"),
            NewEntry("bad", "xyz", 90),
        ], actor="cli")
        assert report.added == ["sony-ref-1", "sony-ref-2"]
        assert report.skipped[0][0] == "bad" and "64 hex digits" in report.skipped[0][1]
    with transaction(engine) as session:
        again = service.add_entries(session, "brand-reference", [NewEntry("sony-ref-1", "00" * 32, 100)], actor="cli")
        assert again.added == [] and again.skipped == [("sony-ref-1", "ref_id already in bank brand-reference")]
        service.ensure_bank(session, "stock", "allow", actor="user:alice")
    with transaction(engine) as session:
        assert [(b.name, b.kind, b.entries) for b in service.list_banks(session)] == [
            ("brand-reference", "reference", 2), ("stock", "allow", 0)]
        [first, _] = service.list_entries(session, "brand-reference")
        assert (first.pdq_hex, first.brand_id, first.added_by) == (bridge.pdq_hex, "sony", "cli")
        assert service.remove_entries(session, "brand-reference", ["sony-ref-2", "nope"], actor="cli") == 1
        assert service.remove_bank(session, "stock", actor="cli") == 0
    actions = [(e.action, e.subject) for e in _audit(engine)]
    assert actions == [
        ("hashbank.created", "hashbank:brand-reference"),
        ("hashbank.entries_added", "hashbank:brand-reference"),
        ("hashbank.created", "hashbank:stock"),
        ("hashbank.entries_removed", "hashbank:brand-reference"),
        ("hashbank.removed", "hashbank:stock"),
    ]


def test_bank_rules(engine):
    with transaction(engine) as session:
        with pytest.raises(BankError, match="needs a kind"):
            service.ensure_bank(session, "mine", actor="cli")
        with pytest.raises(BankError, match="is a counterfeit bank, not allow"):
            service.ensure_bank(session, "known-counterfeit", actor="cli") and service.ensure_bank(
                session, "known-counterfeit", "allow", actor="cli")
        with pytest.raises(BankError, match="bad bank name"):
            service.ensure_bank(session, "no spaces", "allow", actor="cli")
        with pytest.raises(BankError, match="no hash bank named 'ghost'"):
            service.bank_entries(session, ["ghost"])


def test_a_failed_change_leaves_nothing_behind(engine):
    with pytest.raises(RuntimeError), transaction(engine) as session:
        service.add_entries(session, "allow", [NewEntry("a", "00" * 32, 100)], actor="cli")
        raise RuntimeError("crash after the change, before commit")
    with transaction(engine) as session:
        assert service.list_banks(session) == []
    assert _audit(engine) == []


def test_confirmed_counterfeit_feeds_the_bank_once(engine, tmp_path):
    media = tmp_path / "media"
    (media / "images").mkdir(parents=True)
    shutil.copy(DIH / "bridge-6-flipy.jpg", media / "images" / "L9-1.jpg")
    (media / "images" / "L9-2.jpg").write_bytes(b"")  # broken upload: reported, never fatal
    with transaction(engine) as session:
        session.add(Seller(seller_id="S1", display_name="Shop"))
        session.flush()
        session.add(Listing(listing_id="L9", seller_id="S1", title="fake", price=1.0, images=[
            ListingImage(position=0, path="images/L9-1.jpg"), ListingImage(position=1, path="images/L9-2.jpg")]))
    with transaction(engine) as session:
        report = service.add_confirmed_counterfeit(session, "L9", image_root=media, brand_id="sony")
        assert report.added == ["L9-1"]
        assert report.skipped == [(str(media / "images" / "L9-2.jpg"), "empty file (0 bytes)")]
    with transaction(engine) as session:
        assert service.add_confirmed_counterfeit(session, "L9", image_root=media).added == []
        by_hash = service.add_confirmed_counterfeit(session, "L10", ["cd" * 32])
        assert by_hash.added == ["L10-1"]
        entries = service.bank_entries(session, ["known-counterfeit"])
    assert [(e.bank, e.kind, e.ref_id, e.brand_id) for e in entries] == [
        ("known-counterfeit", "counterfeit", "L10-1", None), ("known-counterfeit", "counterfeit", "L9-1", "sony")]
    # The same fake photo, re-uploaded mirrored back by another account, is caught.
    [[match]] = ImageMatcher(entries).match_files([BRIDGE])
    assert (match.kind, match.ref_id, match.transform) == ("counterfeit", "L9-1", "mirrored")
    assert [e.details for e in _audit(engine) if e.action == "hashbank.entries_added"] == [
        {"ref_ids": ["L9-1"]}, {"ref_ids": ["L10-1"]}]


def test_brand_references_from_records(engine, tmp_path):
    (tmp_path / "img").mkdir()
    shutil.copy(BRIDGE, tmp_path / "img" / "official.jpg")
    shutil.copy(UNRELATED[0], tmp_path / "img" / "product.jpg")
    brands = [Brand("sony", "Sony", reference_images=("img/official.jpg", "img/missing.jpg"),
                    products=(Product("WH-1000", "headphones", 300.0, images=("img/product.jpg",)),))]
    with transaction(engine) as session:
        report = service.add_brand_references(session, brands, tmp_path, actor="cli")
        assert report.added == ["sony-ref-1", "sony-WH-1000-1"]
        assert report.skipped == [("img/missing.jpg", "file not found")]
        entries = service.bank_entries(session)
    found = ImageMatcher(entries).match_files([DIH / "bridge-5-flipx.jpg", UNRELATED[1]])
    assert [(m.brand_id, m.ref_id, m.transform) for m in found[0]] == [("sony", "sony-ref-1", "flipped upside down")]
    assert found[1] == []


def test_confirmed_counterfeit_reads_the_media_store_by_default(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path))
    (tmp_path / "media" / "images").mkdir(parents=True)
    shutil.copy(BRIDGE, tmp_path / "media" / "images" / "L7-1.jpg")
    with transaction(engine) as session:
        session.add(Seller(seller_id="S1", display_name="Shop"))
        session.flush()
        session.add(Listing(listing_id="L7", seller_id="S1", title="fake", price=1.0,
                            images=[ListingImage(position=0, path="images/L7-1.jpg")]))
    with transaction(engine) as session:
        # As enforcement calls it when a takedown is confirmed.
        report = service.add_confirmed_counterfeit(session, "L7", brand_id="acme", actor="user:reviewer")
    assert report.added == ["L7-1"] and report.skipped == []



def test_a_takedown_without_images_changes_nothing(engine, tmp_path):
    with transaction(engine) as session:
        report = service.add_confirmed_counterfeit(session, "L404", image_root=tmp_path)
        assert (report.added, report.skipped) == ([], [])
        assert service.list_banks(session) == []
    assert _audit(engine) == []


def test_stored_entries_keep_their_crop_windows_and_match_crops(engine, tmp_path):
    from PIL import Image

    from countermark.images.crops import CROP_BYTES, window_boxes

    photo = Image.open(BRIDGE).convert("RGB")
    w, h = int(photo.width * 0.84), int(photo.height * 0.84)
    cropped = photo.crop(((photo.width - w) // 2, (photo.height - h) // 2, (photo.width + w) // 2,
                          (photo.height + h) // 2))
    cropped.save(tmp_path / "cropped.jpg", quality=90)
    entries, failed = service.hash_entries([BRIDGE], ref_ids=["sony-ref-1"], brand_id="sony", workers=1)
    assert not failed and len(entries[0].crop_windows) == len(window_boxes()) * CROP_BYTES
    with transaction(engine) as session:
        service.add_entries(session, "brand-reference", entries, actor="cli")
        service.add_entries(session, "brand-reference", [NewEntry("plain", "ab" * 32, 90)], actor="cli")
    with transaction(engine) as session:
        stored = {e.ref_id: e for e in service.bank_entries(session)}
    assert stored["sony-ref-1"].crop_windows == entries[0].crop_windows and stored["plain"].crop_windows == b""
    [[match]] = ImageMatcher(stored.values()).match_files([tmp_path / "cropped.jpg"])
    assert (match.ref_id, match.transform) == ("sony-ref-1", "cropped")
