"""Crop-tolerant matching: a coarse hash of a fixed grid of sub-windows of every bank image.

PDQ cannot find cropped copies: moving the frame by 1% of the width changes ~30 of its 256 bits, so a
copy cropped by a few percent is already out of reach, and extra PDQ hashes of sub-windows would need a
grid finer than 1% (hundreds of hashes per image) to help. This module uses a coarser hash that
tolerates a few percent of misalignment: the signs of the 12x12 lowest DCT frequencies (DC dropped:
143 bits, stored in 18 bytes) of a 32x32 greyscale thumbnail, thresholded at their median (the classic
pHash construction with a larger block). Bank images get one such hash per window of a grid of
scales (96% down to 72% of the side, every 4% of the side), so a copy cropped to any of those scales lies
within ~2% of a window; a listing image gets the hash of its whole frame upright and mirrored.

The coarse hash is far less distinctive than PDQ: among ~220k windows of ~1,100 bank images, the 8
orientations at radius 18 matched many unrelated photos (mostly through rotations). So crop matches use
a tighter radius, only the upright and mirrored orientations, and only images PDQ matched nothing for
and finds structured enough (its quality floor).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import faiss
import numpy as np
from PIL import Image

THUMB = 32
BLOCK = 12
CROP_BITS = BLOCK * BLOCK - 1  # the DC coefficient says nothing about structure
CROP_BYTES = (CROP_BITS + 7) // 8
CROP_INDEX_BITS = CROP_BYTES * 8  # faiss codes are whole bytes; the padding bit is always 0
# Measured on drawn product photos: crops keeping 72-98% of the side are within 20 bits of a window
# 78-98% of the time, while crops of one image came within 20 bits of another image's window < 1%.
DEFAULT_CROP_RADIUS = 14
SCALES = (0.96, 0.92, 0.88, 0.84, 0.80, 0.76, 0.72)
STEP = 0.04
_GREY_SIDE = 128  # windows are cut from this downscaled copy: cheaper, and finer than the 32x32 thumbnail

# Orientations a crop is looked up in, as positions in hashing.DIHEDRAL_TRANSFORMS (upright, mirrored) and
# the numpy equivalent of each.
QUERY_ORIENTATIONS = (0, 5)
_TURNS = (lambda a: a, lambda a: a[:, ::-1])


@cache
def _dct_matrix() -> np.ndarray:
    """The first BLOCK rows of the orthonormal DCT-II matrix of size THUMB."""
    n = np.arange(THUMB)
    k = np.arange(BLOCK)[:, None]
    matrix = np.cos(np.pi * (2 * n + 1) * k / (2 * THUMB)) * np.sqrt(2 / THUMB)
    matrix[0] /= np.sqrt(2)
    return matrix


@cache
def window_boxes() -> tuple[tuple[float, float, float, float], ...]:
    """The grid of sub-windows, as fractions (left, top, right, bottom) of the image."""
    boxes = []
    for scale in SCALES:
        steps = max(1, round((1 - scale) / STEP))
        offsets = [(1 - scale) * i / steps for i in range(steps + 1)]
        boxes += [(x, y, x + scale, y + scale) for y in offsets for x in offsets]
    return tuple(boxes)


def _codes(thumbs: np.ndarray) -> np.ndarray:
    """(n, 32, 32) greyscale thumbnails -> (n, CROP_BYTES) uint8 hash codes."""
    dct = _dct_matrix()
    coefficients = np.einsum("ki,nij,lj->nkl", dct, thumbs, dct).reshape(len(thumbs), -1)[:, 1:]
    bits = coefficients > np.median(coefficients, axis=1, keepdims=True)
    padded = np.zeros((len(thumbs), CROP_INDEX_BITS), dtype=np.uint8)
    padded[:, :CROP_BITS] = bits
    return np.packbits(padded, axis=1)


def _grey(image: Image.Image, side: int) -> Image.Image:
    return image.convert("L").resize((side, side), Image.Resampling.BOX)


def window_codes(image: Image.Image) -> np.ndarray:
    """Coarse hashes of every window of `window_boxes()` of a bank image: (n_windows, CROP_BYTES) uint8."""
    grey = _grey(image, _GREY_SIDE)
    thumbs = np.stack([
        np.asarray(grey.resize((THUMB, THUMB), Image.Resampling.BOX,
                               box=tuple(v * _GREY_SIDE for v in box)), dtype=np.float64)
        for box in window_boxes()
    ])
    return _codes(thumbs)


def query_codes(image: Image.Image) -> np.ndarray:
    """Coarse hashes of a whole listing image in the QUERY_ORIENTATIONS: (2, CROP_BYTES)."""
    thumb = np.asarray(_grey(image, _GREY_SIDE).resize((THUMB, THUMB), Image.Resampling.BOX), dtype=np.float64)
    return _codes(np.stack([np.ascontiguousarray(turn(thumb)) for turn in _TURNS]))


class WindowIndex:
    """Every window hash of the bank entries, searched exhaustively (faiss popcount scan): exact within the radius."""

    def __init__(self, windows: Sequence[bytes], *, radius: int = DEFAULT_CROP_RADIUS) -> None:
        """`windows[i]` is the concatenated window codes of entry i (empty: the entry has none)."""
        self.radius = radius
        self._index = faiss.IndexBinaryFlat(CROP_INDEX_BITS)
        owners = [np.full(len(w) // CROP_BYTES, i, dtype=np.int64) for i, w in enumerate(windows)]
        self._owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        if len(self._owners):
            self._index.add(np.frombuffer(b"".join(windows), dtype=np.uint8).reshape(-1, CROP_BYTES))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def query(self, queries: np.ndarray) -> list[dict[int, int]]:
        """For each query code, {entry: smallest distance} of the entries with a window within the radius."""
        if len(queries) == 0 or len(self) == 0:
            return [{} for _ in range(len(queries))]
        codes = np.ascontiguousarray(queries, dtype=np.uint8)
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)  # callers send one batch of listings per worker process already
        try:
            limits, distances, ids = self._index.range_search(codes, self.radius + 1)  # strictly below the limit
        finally:
            faiss.omp_set_num_threads(before)
        found: list[dict[int, int]] = []
        for q in range(len(queries)):
            best: dict[int, int] = {}
            for window, distance in zip(ids[limits[q]:limits[q + 1]], distances[limits[q]:limits[q + 1]], strict=True):
                owner = int(self._owners[window])
                if owner not in best or distance < best[owner]:
                    best[owner] = int(distance)
            found.append(best)
        return found
