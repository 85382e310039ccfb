"""The catalogue's title shortlist: the titles sharing the most words with a text, lowest position on ties."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from countermark.detection.catalogue import _CANDIDATE_LIMIT, _WordLanes

_WORDS = [f"w{i}" for i in range(12)]


def _reference(postings: dict[str, list[int]], words: list[str]) -> list[int]:
    counts = Counter(p for w in set(words) if w in postings for p in postings[w])
    return sorted(counts, key=lambda p: (-counts[p], p))[:_CANDIDATE_LIMIT]


def _postings(titles: list[set[str]]) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = {}
    for position, title in enumerate(titles):
        for w in sorted(title):
            postings.setdefault(w, []).append(position)
    return postings


@given(st.lists(st.sets(st.sampled_from(_WORDS)), max_size=60), st.lists(st.sampled_from([*_WORDS, "other"])))
def test_shortlist_is_most_shared_words_then_lowest_position(titles: list[set[str]], words: list[str]) -> None:
    postings = _postings(titles)
    assert _WordLanes(postings, len(titles)).most_shared(words) == _reference(postings, words)


def test_wider_lanes_when_a_title_has_many_words() -> None:
    long_title = {f"x{i}" for i in range(200)}  # 8 bits of count and 9 of position: 32-bit lanes
    titles = [{"a", "b"}, long_title, *({"a", f"t{p}"} | ({"b"} if p % 3 else set()) for p in range(300))]
    postings = _postings(titles)
    words = ["a", "b", "t7", "t299", *long_title]
    assert _WordLanes(postings, len(titles)).most_shared(words) == _reference(postings, words)
