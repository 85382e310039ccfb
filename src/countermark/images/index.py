"""Radius search over 256-bit PDQ hashes: every stored hash within Hamming distance `radius` of a query.

Exact mode (the default) is faiss's `IndexBinaryFlat`: a SIMD popcount scan of 32-byte codes, spread over
every core, that cannot miss a neighbour, at 32 bytes per stored hash. Approximate mode is faiss's
multi-index hashing (`IndexBinaryMultiHash`, 16 tables of 16 bits, no bit flips): it only looks at hashes
that agree exactly with the query on one 16-bit slice, so it is exact up to distance 15 and much faster,
but may miss neighbours between 16 and the radius.

Positions are the ids: the n-th hash added has id n. Banks change rarely, so removal is a rebuild.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import faiss
import numpy as np

from countermark.images.hashing import HASH_BITS, hex_to_bytes

CODE_BYTES = HASH_BITS // 8
DEFAULT_RADIUS = 31
_MULTIHASH_TABLES = 16
_MULTIHASH_BITS = HASH_BITS // _MULTIHASH_TABLES
_MAGIC = b"CMPDQIX1"
_HEADER = struct.Struct("<8sBBxxQ")  # magic, radius, approximate, count

# Fewer queries than this run on one thread: waking OpenMP's team costs more than it saves (~10x slower
# single queries on a busy machine).
_PARALLEL_FROM = 64

HashLike = str | bytes


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """faiss's OpenMP thread count for one call (None: leave it)."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def to_codes(hashes: Iterable[HashLike] | np.ndarray) -> np.ndarray:
    """Hashes (64-hex strings or 32-byte values, or an (n, 32) uint8 array) as an (n, 32) uint8 array."""
    if isinstance(hashes, np.ndarray):
        codes = np.ascontiguousarray(hashes, dtype=np.uint8)
        if codes.ndim != 2 or codes.shape[1] != CODE_BYTES:
            raise ValueError(f"expected an (n, {CODE_BYTES}) array of hash bytes, got shape {codes.shape}")
        return codes
    raw = b"".join(h if isinstance(h, bytes) and len(h) == CODE_BYTES else hex_to_bytes(str(h)) for h in hashes)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, CODE_BYTES).copy()


class HashIndex:
    def __init__(self, *, radius: int = DEFAULT_RADIUS, approximate: bool = False) -> None:
        if not 0 <= radius < HASH_BITS:
            raise ValueError(f"radius must be between 0 and {HASH_BITS - 1}, got {radius}")
        self.radius = radius
        self.approximate = approximate
        self._index = self._new_faiss_index()

    def _new_faiss_index(self) -> faiss.IndexBinary:
        if self.approximate:
            index = faiss.IndexBinaryMultiHash(HASH_BITS, _MULTIHASH_TABLES, _MULTIHASH_BITS)
            index.nflip = 0
            return index
        return faiss.IndexBinaryFlat(HASH_BITS)

    @classmethod
    def build(
        cls, hashes: Iterable[HashLike] | np.ndarray, *, radius: int = DEFAULT_RADIUS, approximate: bool = False
    ) -> HashIndex:
        index = cls(radius=radius, approximate=approximate)
        index.add(hashes)
        return index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, hashes: Iterable[HashLike] | np.ndarray) -> range:
        """Append hashes; returns the ids they were given."""
        codes = to_codes(hashes)
        start = len(self)
        if len(codes):
            self._index.add(codes)
        return range(start, start + len(codes))

    def codes(self) -> np.ndarray:
        """Every stored hash as an (n, 32) uint8 array, in id order."""
        if self.approximate:
            return faiss.vector_to_array(self._index.storage.xb).reshape(-1, CODE_BYTES)
        return faiss.vector_to_array(self._index.xb).reshape(-1, CODE_BYTES)

    def query(
        self, hashes: Iterable[HashLike] | np.ndarray, radius: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """For each query, the (id, distance) of every stored hash within `radius`, nearest first."""
        radius = self.radius if radius is None else radius
        queries = to_codes(hashes)
        if len(queries) == 0 or len(self) == 0:
            return [[] for _ in range(len(queries))]
        # faiss returns distances strictly below its threshold.
        with _threads(1 if len(queries) < _PARALLEL_FROM else None):
            limits, distances, ids = self._index.range_search(queries, radius + 1)
        results: list[list[tuple[int, int]]] = []
        for q in range(len(queries)):
            lo, hi = int(limits[q]), int(limits[q + 1])
            order = np.lexsort((ids[lo:hi], distances[lo:hi]))  # nearest first, ties by id
            results.append([(int(ids[lo + i]), int(distances[lo + i])) for i in order])
        return results

    def query_one(self, pdq_hex: HashLike, radius: int | None = None) -> list[tuple[int, int]]:
        return self.query([pdq_hex], radius)[0]

    def memory_bytes(self) -> int:
        """Bytes of the stored codes: all of exact mode's memory. Approximate mode's 16 hash tables come on
        top (about 220 bytes per hash more at 1M hashes, measured by bench/image_bench.py)."""
        return len(self) * CODE_BYTES

    def serialize(self) -> bytes:
        """Header and the raw codes: compact, and independent of faiss's own file format."""
        header = _HEADER.pack(_MAGIC, self.radius, int(self.approximate), len(self))
        return header + self.codes().tobytes()

    @classmethod
    def deserialize(cls, data: bytes) -> HashIndex:
        if len(data) < _HEADER.size:
            raise ValueError("not a serialised HashIndex (too short)")
        magic, radius, approximate, count = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a serialised HashIndex (bad magic)")
        body = memoryview(data)[_HEADER.size :]
        if len(body) != count * CODE_BYTES:
            raise ValueError(f"serialised HashIndex truncated: {len(body)} bytes for {count} hashes")
        codes = np.frombuffer(body, dtype=np.uint8).reshape(count, CODE_BYTES)
        return cls.build(codes, radius=radius, approximate=bool(approximate))


def brute_force(
    codes: np.ndarray, queries: Sequence[HashLike] | np.ndarray, radius: int
) -> list[list[tuple[int, int]]]:
    """numpy popcount over every stored hash: the reference the index is tested and benchmarked against."""
    stored = np.ascontiguousarray(codes, dtype=np.uint8).view(np.uint64)
    results = []
    for query in to_codes(queries).view(np.uint64):
        distances = np.bitwise_count(stored ^ query).sum(axis=1, dtype=np.int64)
        hits = np.flatnonzero(distances <= radius)
        hits = hits[np.argsort(distances[hits], kind="stable")]
        results.append([(int(i), int(distances[i])) for i in hits])
    return results
