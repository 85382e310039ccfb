"""PDQ hashes of image files, decoded with Pillow.

Decoding follows the reference tools (`Image.convert("RGB")` of the first frame, EXIF orientation
applied) so hashes agree with ThreatExchange's within a few bits. Every failure of one file
(missing, empty, truncated, corrupt, too many pixels) becomes a `HashResult` with an `error`;
nothing here raises for a bad image, so a batch never stops.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pdqhash
from PIL import Image, ImageOps, UnidentifiedImageError

from countermark.images.crops import query_codes, window_codes

HASH_BITS = 256
HEX_CHARS = HASH_BITS // 4
# Pillow's own decompression-bomb threshold; larger images are refused before they are decoded.
MAX_PIXELS = 89_478_485

# PDQ's dihedral order (pdqhash.compute_dihedral): hash i is the hash of the image after transform i.
# When dihedral hash i of a listing image matches a bank hash, the listing image is the bank image
# transformed by the inverse of transform i; these words describe that inverse, as a reason would.
DIHEDRAL_TRANSFORMS: tuple[str | None, ...] = (
    None,
    "rotated 90° clockwise",
    "rotated 180°",
    "rotated 90° anticlockwise",
    "flipped upside down",
    "mirrored",
    "transposed",
    "transversed",
)


@dataclass(frozen=True, slots=True)
class HashResult:
    """The PDQ hash of one file, or why there is none (then `pdq_hex` is None and `error` says why)."""

    path: str
    pdq_hex: str | None
    quality: int
    error: str | None = None
    dihedral: tuple[str, ...] = ()  # the 8 orientations in DIHEDRAL_TRANSFORMS order, when asked for
    crop_codes: bytes = b""  # crop hashes (images.crops), when asked for: a bank image's windows or a query's 8 turns

    @property
    def ok(self) -> bool:
        return self.error is None


class ImageError(Exception):
    """One image cannot be hashed; the message says why in words a user can act on."""


def bits_to_hex(bits: np.ndarray) -> str:
    """pdqhash's bit vector as the reference tools print it: most significant bit first."""
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def hex_to_bytes(pdq_hex: str) -> bytes:
    """The 32 bytes of a hash written as 64 hex digits; ValueError names what is wrong."""
    text = pdq_hex.strip().lower()
    if len(text) != HEX_CHARS:
        raise ValueError(f"a PDQ hash has {HEX_CHARS} hex digits, got {len(text)}: {pdq_hex!r}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"not a hexadecimal PDQ hash: {pdq_hex!r}") from None


def hamming(a_hex: str, b_hex: str) -> int:
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def load_rgb(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode the first frame of an image file to RGB with EXIF orientation applied, or raise ImageError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError("file not found") from None
    except OSError as e:
        raise ImageError(f"cannot read file ({e.strerror})") from None
    if size == 0:
        raise ImageError("empty file (0 bytes)")
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"decompression bomb refused: {width}x{height} = {width * height:,} pixels "
                    f"(limit {max_pixels:,})"
                )
            image.seek(0)  # animated GIF/PNG/WebP: the first frame
            image.load()
            return to_rgb(image)
    except ImageError:
        raise
    except Image.DecompressionBombError as e:
        raise ImageError(f"decompression bomb refused: {e}") from None
    except UnidentifiedImageError:
        raise ImageError("not a recognised image format (corrupt or not an image)") from None
    except OSError as e:
        if "truncated" in str(e):
            raise ImageError(f"truncated image: {e}") from None
        raise ImageError(f"corrupt image: {e}") from None
    except MemoryError:
        raise ImageError("image too large to decode in memory") from None
    except Exception as e:  # Pillow's decoders raise many types (SyntaxError, ValueError, struct.error, ...)
        raise ImageError(f"corrupt image: {type(e).__name__}: {e}") from None


def to_rgb(image: Image.Image) -> Image.Image:
    """EXIF orientation applied, then Pillow's RGB conversion (alpha dropped, as the reference tools do)."""
    with contextlib.suppress(Exception):  # a broken EXIF block must not cost us the pixels
        image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I;16") or (image.mode == "I" and image.getextrema()[1] > 255):
        image = _sixteen_to_eight_bits(image)
    return image if image.mode == "RGB" else image.convert("RGB")


def _sixteen_to_eight_bits(image: Image.Image) -> Image.Image:
    """16-bit greyscale scaled to 8 bits. Pillow's convert("RGB") clips it instead (everything above 255
    turns white), which is what python-threatexchange hashes; we deliberately differ there."""
    pixels = np.asarray(image, dtype=np.uint32) >> 8
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def hash_image(image: Image.Image) -> tuple[str, int]:
    """(hex, quality) of a decoded RGB image."""
    bits, quality = pdqhash.compute(np.asarray(image))
    return bits_to_hex(bits), int(quality)


def dihedral_hashes(image: Image.Image) -> tuple[tuple[str, ...], int]:
    """The hashes of the 8 orientations (DIHEDRAL_TRANSFORMS order) and the quality, in one pass."""
    hashes, quality = pdqhash.compute_dihedral(np.asarray(image))
    return tuple(bits_to_hex(h) for h in hashes), int(quality)


CropMode = Literal["windows", "query"]


def hash_file(
    path: str | Path, *, dihedral: bool = False, crops: CropMode | None = None, max_pixels: int = MAX_PIXELS
) -> HashResult:
    """Hash one file; never raises for a bad image (the result carries the error). `crops` adds crop hashes:
    "windows" for a bank image (its sub-windows), "query" for an image to match (its 8 orientations)."""
    name = os.fspath(path)
    try:
        image = load_rgb(path, max_pixels=max_pixels)
        codes = b""
        if crops is not None:
            codes = (window_codes(image) if crops == "windows" else query_codes(image)).tobytes()
        if dihedral:
            hashes, quality = dihedral_hashes(image)
            return HashResult(name, hashes[0], quality, None, hashes, codes)
        pdq_hex, quality = hash_image(image)
        return HashResult(name, pdq_hex, quality, crop_codes=codes)
    except ImageError as e:
        return HashResult(name, None, 0, str(e))
    except MemoryError:
        return HashResult(name, None, 0, "image too large to hash in memory")
