"""Conformance with ThreatExchange's PDQ reference hashes (shared/data/pdq, see its README)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PIL import Image

from countermark.images.hashing import DIHEDRAL_TRANSFORMS, hamming, hash_file, hash_image
from tests.images.conftest import BRIDGE, PDQ_DATA, UNRELATED

MATCH_RADIUS = 31
# README: ports and JPEG decoders disagree by a few bits; the largest documented gap is 12 (dihedral JPEGs).
REFERENCE_TOLERANCE = 12
# Against pdqhash on Pillow (the same library we use) only JPEG decoder versions can differ.
SAME_LIBRARY_TOLERANCE = 4

DIH = PDQ_DATA / "reg-test-input" / "dih"
# Each file of dih/ is the original after one transform: how the matcher describes it against the original.
DIH_VARIANTS = {
    "bridge-2-rotate-90.jpg": "rotated 90° anticlockwise",
    "bridge-3-rotate-180.jpg": "rotated 180°",
    "bridge-4-rotate-270.jpg": "rotated 90° clockwise",
    "bridge-5-flipx.jpg": "flipped upside down",
    "bridge-6-flipy.jpg": "mirrored",
    "bridge-7-flip-plus-1.jpg": "transposed",
    "bridge-8-flip-minus-1.jpg": "transversed",
}


def _hash(path: Path) -> str:
    result = hash_file(path)
    assert result.ok, result.error
    assert result.pdq_hex is not None
    return result.pdq_hex


# python-threatexchange hashes 16-bit greyscale after Pillow's convert("RGB"), which clips every value above
# 255 to white (its expected quality, 36, is that of a nearly white picture). We scale 16 to 8 bits instead.
SIXTEEN_BIT = "python-threatexchange-resources/I16.png"


def test_every_reference_hash_within_documented_tolerance(expected):
    assert len(expected) == 47
    for row in expected:
        if row["path"] == SIXTEEN_BIT:
            continue
        result = hash_file(PDQ_DATA / row["path"])
        assert result.ok, (row["path"], result.error)
        assert hamming(result.pdq_hex, row["pdq_hex"]) <= REFERENCE_TOLERANCE, row["path"]
        assert hamming(result.pdq_hex, row["pdqhash_hex"]) <= SAME_LIBRARY_TOLERANCE, row["path"]
        assert result.quality == int(row["quality"]), row["path"]


def test_sixteen_bit_reference_is_reproduced_by_clipping_and_improved_by_scaling(expected):
    row = next(r for r in expected if r["path"] == SIXTEEN_BIT)
    with Image.open(PDQ_DATA / SIXTEEN_BIT) as image:
        assert hash_image(image.convert("RGB")) == (row["pdq_hex"], int(row["quality"]))
    ours = hash_file(PDQ_DATA / SIXTEEN_BIT)
    assert ours.quality == 100 and hamming(ours.pdq_hex, row["pdq_hex"]) > MATCH_RADIUS


def test_edited_variants_match_the_original():
    original = _hash(BRIDGE)
    edits = sorted((PDQ_DATA / "bridge-mods").glob("*.jpg"))
    assert len(edits) == 12
    for path in edits:
        assert hamming(_hash(path), original) <= MATCH_RADIUS, path.name


def test_pillow_modes_match_the_original():
    original = _hash(BRIDGE)
    for path in sorted((PDQ_DATA / "misc-images" / "modes").iterdir()):
        if path.suffix != ".md":
            assert hamming(_hash(path), original) <= MATCH_RADIUS, path.name


def test_dihedral_variants_match_only_through_dihedral_hashes():
    """As the matcher does it: the variant (a listing image) hashed in 8 orientations against the plain original."""
    original = _hash(BRIDGE)
    for name, transform in DIH_VARIANTS.items():
        variant = hash_file(DIH / name, dihedral=True)
        assert len(variant.dihedral) == 8 and variant.dihedral[0] == variant.pdq_hex
        assert hamming(variant.pdq_hex, original) > MATCH_RADIUS, name
        distances = [hamming(h, original) for h in variant.dihedral]
        best = min(range(8), key=distances.__getitem__)
        assert distances[best] <= MATCH_RADIUS, name
        assert DIHEDRAL_TRANSFORMS[best] == transform, name
        assert sorted(distances)[1] > MATCH_RADIUS, name  # exactly one orientation matches


def test_dihedral_hashes_of_the_original_cover_every_variant():
    original = hash_file(BRIDGE, dihedral=True).dihedral
    for name in DIH_VARIANTS:
        variant = _hash(DIH / name)
        assert min(hamming(variant, h) for h in original) <= MATCH_RADIUS, name


def test_unrelated_images_do_not_match():
    hashes = {path.name: _hash(path) for path in [BRIDGE, *UNRELATED]}
    assert len(hashes) == 11
    for (a, ha), (b, hb) in itertools.combinations(hashes.items(), 2):
        assert hamming(ha, hb) > MATCH_RADIUS, (a, b)


@pytest.mark.parametrize("name", ["q0003.jpg", "q0004.jpg"])
def test_low_quality_images_report_low_quality(name):
    result = hash_file(PDQ_DATA / "reg-test-input" / "labelme-subset" / name)
    assert result.ok and result.quality < 10
