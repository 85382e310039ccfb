"""HashIndex: exact radius search equals brute force; approximate mode; serialisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countermark.images.index import CODE_BYTES, HashIndex, brute_force, to_codes


def _flip(code: np.ndarray, bits: list[int]) -> np.ndarray:
    out = code.copy()
    for bit in bits:
        out[bit // 8] ^= 1 << (bit % 8)
    return out


def _bank(seed: int, n: int, near: int) -> tuple[np.ndarray, np.ndarray]:
    """n random hashes plus queries at 0..40 flipped bits from some of them (a near-duplicate mix)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, (n, CODE_BYTES), dtype=np.uint8)
    queries = [_flip(codes[rng.integers(n)], list(rng.choice(256, int(rng.integers(0, 41)), replace=False)))
               for _ in range(near)]
    queries += list(rng.integers(0, 256, (near, CODE_BYTES), dtype=np.uint8))
    return codes, np.array(queries)


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), radius=st.integers(0, 64))
def test_exact_mode_returns_exactly_what_brute_force_finds(seed, radius):
    codes, queries = _bank(seed, 500, 20)
    # Near-duplicates of near-duplicates: stored hashes close to each other too.
    codes = np.concatenate([codes, queries[:10]])
    index = HashIndex.build(codes, radius=radius)
    assert index.query(queries) == brute_force(codes, queries, radius)


def test_radius_boundary_is_inclusive():
    base = np.zeros(CODE_BYTES, dtype=np.uint8)
    codes = np.array([_flip(base, list(range(d))) for d in (0, 30, 31, 32)])
    index = HashIndex.build(codes)
    assert index.query_one(base.tobytes()) == [(0, 0), (1, 30), (2, 31)]
    assert index.query_one(base.tobytes(), radius=32)[-1] == (3, 32)


def test_approximate_mode_finds_close_matches_and_never_invents_any():
    codes, queries = _bank(7, 20_000, 200)
    exact = brute_force(codes, queries, 31)
    approximate = HashIndex.build(codes, approximate=True).query(queries)
    for want, got in zip(exact, approximate, strict=True):
        assert set(got) <= set(want)
        assert {hit for hit in want if hit[1] <= 15} <= set(got)  # exact up to 15 bits (pigeonhole)


def test_add_assigns_consecutive_ids_and_hex_input_works():
    index = HashIndex()
    assert index.add(["00" * 32, "ff" * 32]) == range(0, 2)
    assert index.add([bytes(32)]) == range(2, 3)
    assert len(index) == 3
    assert index.query_one("00" * 31 + "01") == [(0, 1), (2, 1)]
    assert index.query([]) == []


@pytest.mark.parametrize("approximate", [False, True])
def test_serialise_round_trip(approximate):
    codes, queries = _bank(3, 2_000, 50)
    index = HashIndex.build(codes, radius=24, approximate=approximate)
    restored = HashIndex.deserialize(index.serialize())
    assert (restored.radius, restored.approximate, len(restored)) == (24, approximate, 2_000)
    assert (restored.codes() == codes).all()
    assert restored.query(queries) == index.query(queries)
    assert len(index.serialize()) == 20 + 2_000 * CODE_BYTES


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="64 hex digits"):
        to_codes(["abcd"])
    with pytest.raises(ValueError, match="radius"):
        HashIndex(radius=300)
    with pytest.raises(ValueError, match="truncated"):
        HashIndex.deserialize(HashIndex.build(np.zeros((2, CODE_BYTES), np.uint8)).serialize()[:-1])
    with pytest.raises(ValueError, match="bad magic"):
        HashIndex.deserialize(b"x" * 64)
