"""ImageMatcher on the conformance images: transforms, allow bank, quality floor, listings."""

from __future__ import annotations

import shutil

import pytest

from countermark.detection.context import ImageMatch
from countermark.images.hashing import hash_file
from countermark.images.matcher import BankEntry, ImageMatcher
from countermark.listings.records import Listing
from tests.images.conftest import BRIDGE, PDQ_DATA, UNRELATED

DIH = PDQ_DATA / "reg-test-input" / "dih"


@pytest.fixture(scope="module")
def bridge_hex() -> str:
    return hash_file(BRIDGE).pdq_hex


@pytest.fixture(scope="module")
def reference(bridge_hex) -> BankEntry:
    return BankEntry("brand-reference", "reference", "sony-ref-2", bridge_hex, brand_id="sony", source="official.jpg")


def test_mirrored_copy_matches_and_says_so(reference):
    matcher = ImageMatcher([reference])
    [[match]] = matcher.match_files([DIH / "bridge-6-flipy.jpg"])
    assert match == ImageMatch(
        listing_image=str(DIH / "bridge-6-flipy.jpg"), bank="brand-reference", kind="reference", brand_id="sony",
        ref_id="sony-ref-2", distance=match.distance, transform="mirrored", source="official.jpg",
    )
    assert match.distance <= 31


def test_every_orientation_and_edit_matches(reference):
    files = sorted(DIH.glob("*.jpg")) + sorted((PDQ_DATA / "bridge-mods").glob("*.jpg"))
    assert all(len(found) == 1 for found in ImageMatcher([reference]).match_files(files))


def test_without_dihedral_hashes_only_upright_copies_match(reference):
    found = ImageMatcher([reference], dihedral=False).match_files([BRIDGE, DIH / "bridge-6-flipy.jpg"])
    assert [len(f) for f in found] == [1, 0]
    assert found[0][0].transform is None and found[0][0].distance == 0


def test_unrelated_images_match_nothing(reference):
    assert ImageMatcher([reference]).match_files(UNRELATED) == [[]] * len(UNRELATED)


def test_allow_bank_overrides_every_other_match(reference, bridge_hex):
    stock = BankEntry("allow", "allow", "stock-1", bridge_hex)
    counterfeit = BankEntry("known-counterfeit", "counterfeit", "L0009-1", bridge_hex, source="listing:L0009")
    [[only]] = ImageMatcher([reference, counterfeit, stock]).match_files([BRIDGE])
    assert (only.kind, only.ref_id) == ("allow", "stock-1")


def test_nearest_entries_first_and_best_orientation_per_entry(reference, bridge_hex):
    mirrored = hash_file(DIH / "bridge-6-flipy.jpg").pdq_hex
    counterfeit = BankEntry("known-counterfeit", "counterfeit", "L0009-1", mirrored)
    [found] = ImageMatcher([reference, counterfeit]).match_files([DIH / "bridge-6-flipy.jpg"])
    assert [(m.ref_id, m.transform) for m in found] == [("L0009-1", None), ("sony-ref-2", "mirrored")]
    assert found[0].distance == 0


def test_low_quality_images_and_entries_are_ignored():
    low = hash_file(PDQ_DATA / "reg-test-input" / "labelme-subset" / "q0003.jpg")
    entry = BankEntry("b", "reference", "low", low.pdq_hex, quality=low.quality)
    assert len(ImageMatcher([entry])) == 0
    entry = BankEntry("b", "reference", "low", low.pdq_hex)
    assert ImageMatcher([entry]).match_result("q", low) == []
    assert len(ImageMatcher([entry], min_quality=0).match_result("q", low)) == 1


def test_match_listings_by_listing_id(reference, tmp_path):
    (tmp_path / "images").mkdir()
    shutil.copy(DIH / "bridge-5-flipx.jpg", tmp_path / "images" / "a.jpg")
    shutil.copy(UNRELATED[0], tmp_path / "images" / "b.jpg")
    listings = [
        Listing("L1", "S1", "t", 1.0, images=("images/b.jpg", "images/a.jpg")),
        Listing("L2", "S1", "t", 1.0, images=("images/b.jpg",)),
        Listing("L3", "S1", "t", 1.0, images=("images/missing.jpg",)),
        Listing("L4", "S1", "t", 1.0),
    ]
    found = ImageMatcher([reference]).match_listings(listings, tmp_path)
    assert list(found) == ["L1"]
    [match] = found["L1"]
    assert (match.listing_image, match.transform) == ("images/a.jpg", "flipped upside down")
    assert ImageMatcher([]).match_listings(listings, tmp_path) == {}
