"""Decoding edge cases and per-file errors of the hashing pipeline, on images drawn here."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from countermark.images.batch import MissingPathError, discover, hash_files
from countermark.images.hashing import hamming, hash_file, hex_to_bytes
from tests.images.conftest import BRIDGE

CLOSE = 10  # re-encodings of one picture land within a few bits


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    with Image.open(BRIDGE) as image:
        return image.convert("RGB").resize((400, 251))


@pytest.fixture(scope="module")
def photo_hash(photo, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("photo") / "photo.png"
    photo.save(path)
    return hash_file(path).pdq_hex


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A tiny PNG that claims to be width x height: a decompression bomb for a naive decoder."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize(
    ("mode", "suffix"),
    [("CMYK", ".jpg"), ("P", ".png"), ("RGBA", ".png"), ("LA", ".png"), ("L", ".webp"), ("1", ".bmp"), ("RGB", ".tif")],
)
def test_image_modes_hash_like_the_rgb_original(photo, photo_hash, tmp_path, mode, suffix):
    path = tmp_path / f"converted{suffix}"
    photo.convert(mode).save(path, quality=95) if suffix == ".jpg" else photo.convert(mode).save(path)
    result = hash_file(path)
    assert result.ok, result.error
    assert hamming(result.pdq_hex, photo_hash) <= (40 if mode == "1" else CLOSE)


def test_sixteen_bit_greyscale(photo, tmp_path):
    grey = photo.convert("L")
    wide = Image.frombytes("I;16", grey.size, bytes(b for v in grey.tobytes() for b in (v, v)))
    wide.save(tmp_path / "wide.png")
    grey.save(tmp_path / "grey.png")
    result = hash_file(tmp_path / "wide.png")
    assert result.ok, result.error
    assert hamming(result.pdq_hex, hash_file(tmp_path / "grey.png").pdq_hex) <= CLOSE


def test_exif_orientation_is_applied(photo, photo_hash, tmp_path):
    stored = photo.transpose(Image.Transpose.ROTATE_90)  # camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    stored.save(tmp_path / "sideways.jpg", quality=95, exif=exif)
    result = hash_file(tmp_path / "sideways.jpg")
    assert hamming(result.pdq_hex, photo_hash) <= CLOSE


def test_animation_uses_the_first_frame(photo, photo_hash, tmp_path):
    other = Image.effect_mandelbrot(photo.size, (-2, -1.5, 1, 1.5), 100).convert("RGB")
    photo.save(tmp_path / "anim.gif", save_all=True, append_images=[other], duration=100, loop=0)
    result = hash_file(tmp_path / "anim.gif")
    assert result.ok
    assert hamming(result.pdq_hex, photo_hash) <= 31
    other.save(tmp_path / "other.png")
    assert hamming(result.pdq_hex, hash_file(tmp_path / "other.png").pdq_hex) > 31


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    result = hash_file(tmp_path / "empty.jpg")
    assert not result.ok and result.pdq_hex is None
    assert result.error == "empty file (0 bytes)"


def test_corrupt_file(tmp_path):
    (tmp_path / "noise.jpg").write_bytes(b"this is not an image at all" * 10)
    assert "not a recognised image format" in hash_file(tmp_path / "noise.jpg").error


def test_truncated_file(tmp_path):
    data = BRIDGE.read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    assert hash_file(tmp_path / "cut.jpg").error.startswith("truncated image")


def test_corrupt_body_after_a_valid_header(tmp_path):
    data = bytearray(BRIDGE.read_bytes())
    data[1000:] = bytes(len(data) - 1000)
    (tmp_path / "garbled.jpg").write_bytes(bytes(data))
    result = hash_file(tmp_path / "garbled.jpg")
    # libjpeg may decode garbage without complaint; either way there is a result and no exception.
    assert result.ok or result.error


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    bomb = _png_header_only(tmp_path / "bomb.png", 100_000, 100_000)
    assert bomb.stat().st_size < 200
    error = hash_file(bomb).error
    assert error.startswith("decompression bomb refused")


def test_pixel_limit_is_configurable(photo, tmp_path):
    photo.save(tmp_path / "p.png")
    assert hash_file(tmp_path / "p.png", max_pixels=1000).error.startswith("decompression bomb refused: 400x251")


def test_missing_file(tmp_path):
    assert hash_file(tmp_path / "gone.jpg").error == "file not found"


def test_a_batch_never_stops_at_bad_files(photo, tmp_path):
    for i in range(20):
        photo.rotate(i * 3).save(tmp_path / f"good{i:02}.jpg")
    (tmp_path / "bad" ).mkdir()
    (tmp_path / "bad" / "empty.png").write_bytes(b"")
    _png_header_only(tmp_path / "bad" / "bomb.png", 50_000, 50_000)
    (tmp_path / "notes.txt").write_text("not walked: wrong suffix")
    files = discover([tmp_path])
    assert len(files) == 22 and all(f.suffix != ".txt" for f in files)
    results = list(hash_files(files, workers=2))
    assert [r.path for r in results] == [str(f) for f in files]
    assert sum(r.ok for r in results) == 20
    assert {r.path.rsplit("/", 1)[-1] for r in results if not r.ok} == {"empty.png", "bomb.png"}


def test_discover_refuses_missing_paths(tmp_path):
    with pytest.raises(MissingPathError, match="gone.jpg: no such file or directory"):
        discover([tmp_path / "gone.jpg"])


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_hex_and_hamming_agree_with_bits(a, b):
    assert hex_to_bytes(a.hex()) == a
    assert hamming(a.hex(), b.hex()) == sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63])
def test_hex_to_bytes_names_the_problem(bad):
    with pytest.raises(ValueError, match="PDQ hash"):
        hex_to_bytes(bad)
