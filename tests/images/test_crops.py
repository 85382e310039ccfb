"""Crop-tolerant matching: a drawn picture's crops at several scales match its bank entry, unrelated pictures
do not, and PDQ matches keep precedence."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageOps

from countermark.images.crops import CROP_BYTES, QUERY_ORIENTATIONS, query_codes, window_boxes, window_codes
from countermark.images.hashing import hash_file
from countermark.images.matcher import BankEntry, ImageMatcher
from tests.images.conftest import BRIDGE, UNRELATED

SIDE = 320


def drawn(seed: int) -> Image.Image:
    """A picture with structure at several scales: gradient backdrop, shapes, small details."""
    rng = random.Random(seed)
    ramp = Image.linear_gradient("L").resize((SIDE, SIDE)).rotate(rng.uniform(0, 360), fillcolor=128)
    image = Image.composite(Image.new("RGB", (SIDE, SIDE), tuple(rng.choices(range(120, 250), k=3))),
                            Image.new("RGB", (SIDE, SIDE), tuple(rng.choices(range(40, 200), k=3))), ramp)
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y, size = rng.randint(-40, SIDE), rng.randint(-40, SIDE), rng.randint(15, 140)
        box = (x, y, x + size, y + int(size * rng.uniform(0.4, 1.2)))
        fill = tuple(rng.choices(range(256), k=3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    return image


def crop(image: Image.Image, keep: float, fx: float, fy: float) -> Image.Image:
    """Keep `keep` of each side, the window placed at fractions (fx, fy) of the free margin, resized back."""
    w, h = round(image.width * keep), round(image.height * keep)
    x, y = round((image.width - w) * fx), round((image.height - h) * fy)
    return image.crop((x, y, x + w, y + h)).resize(image.size, Image.Resampling.BILINEAR)


def save(image: Image.Image, path: Path) -> Path:
    image.save(path, "JPEG", quality=85)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("crops")


@pytest.fixture(scope="module")
def bank(folder) -> list[BankEntry]:
    entries = []
    for seed in range(3):
        result = hash_file(save(drawn(seed), folder / f"official-{seed}.jpg"), crops="windows")
        assert result.ok and len(result.crop_codes) == len(window_boxes()) * CROP_BYTES
        entries.append(BankEntry("brand-reference", "reference", f"ref-{seed}", result.pdq_hex, "acme",
                                 quality=result.quality, crop_windows=result.crop_codes))
    return entries


def test_crops_at_several_scales_match_their_original(bank, folder):
    """Crops keeping 95% to 75% of the side: centred and corner crops (on the window grid) all match; crops
    between grid positions only partly (the crop hash tolerates ~1-2% of misalignment, the grid steps 4%).
    Nothing matches anything but the original."""
    crops = [(keep, fx, fy) for keep in (0.95, 0.9, 0.85, 0.8, 0.75) for fx, fy in ((0.5, 0.5), (0, 0), (1, 0.3),
                                                                                    (0.2, 0.9), (1, 1))]
    paths = [save(crop(drawn(1), *c), folder / "crop-{}-{}-{}.jpg".format(*c)) for c in crops]
    found = ImageMatcher(bank).match_files(paths)
    assert all((m.ref_id, m.transform) == ("ref-1", "cropped") for matches in found for m in matches)
    matched = [c for c, matches in zip(crops, found, strict=True) if matches]
    on_grid = [c for c in crops if (c[1], c[2]) in ((0.5, 0.5), (0, 0), (1, 1))]
    assert set(on_grid) <= set(matched)
    assert len(matched) >= 0.7 * len(crops), f"only {len(matched)} of {len(crops)} crops matched: {matched}"


def test_mirrored_crop_says_so(bank, folder):
    path = save(ImageOps.mirror(crop(drawn(2), 0.85, 1, 0)), folder / "mirrored-crop.jpg")
    [[match]] = ImageMatcher(bank).match_files([path])
    assert (match.ref_id, match.transform) == ("ref-2", "cropped and mirrored")


def test_unrelated_pictures_and_their_crops_match_nothing(bank, folder):
    paths = [save(drawn(seed), folder / f"other-{seed}.jpg") for seed in range(100, 112)]
    paths += [save(crop(drawn(seed), 0.85, 0.5, 0.5), folder / f"other-crop-{seed}.jpg") for seed in range(100, 106)]
    assert ImageMatcher(bank).match_files(paths + list(UNRELATED)) == [[]] * (len(paths) + len(UNRELATED))


def test_pdq_match_wins_and_crops_are_not_looked_up(bank, folder):
    [[match]] = ImageMatcher(bank).match_files([folder / "official-0.jpg"])
    assert (match.ref_id, match.transform, match.distance) == ("ref-0", None, 0)


def test_entries_without_windows_match_no_crops(bank, folder):
    path = save(crop(drawn(1), 0.8, 0.5, 0.5), folder / "crop-plain.jpg")
    plain = [BankEntry(e.bank, e.kind, e.ref_id, e.pdq_hex, e.brand_id, quality=e.quality) for e in bank]
    matcher = ImageMatcher(plain)
    assert not matcher.matches_crops
    assert matcher.match_files([path]) == [[]]


def test_a_real_photo_cropped_matches():
    photo = Image.open(BRIDGE).convert("RGB")
    entry = BankEntry("b", "reference", "bridge", hash_file(BRIDGE).pdq_hex, crop_windows=window_codes(photo).tobytes())
    matcher = ImageMatcher([entry])
    for keep in (0.92, 0.84):
        cropped = crop(photo, keep, 0.5, 0.5)
        [match] = matcher.match_many([("q", ("0" * 64,), 100)], [query_codes(cropped).tobytes()])[0]
        assert (match.ref_id, match.transform) == ("bridge", "cropped")


def test_windows_lie_inside_the_picture_and_queries_have_two_orientations():
    assert all(0 <= left < right <= 1 and 0 <= top < bottom <= 1 for left, top, right, bottom in window_boxes())
    assert len(hash_file(BRIDGE, crops="query").crop_codes) == len(QUERY_ORIENTATIONS) * CROP_BYTES
