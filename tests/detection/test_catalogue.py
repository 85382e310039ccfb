"""The catalogue's title shortlist: the titles sharing the most words with a text, lowest position on ties."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from countermark.detection.catalogue import _CANDIDATE_LIMIT, _MAX_LANES, _WordLanes

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


def test_lanes_only_where_counts_fit_a_byte_and_titles_are_few() -> None:
    long_title = {f"x{i}" for i in range(255)}
    titles = [{"a"}, long_title, {"a", "x1"}]
    postings = _postings(titles)
    assert _WordLanes.fit(postings, len(titles))
    assert _WordLanes(postings, len(titles)).most_shared([*long_title, "a"]) == [1, 2, 0]
    assert not _WordLanes.fit(_postings([*titles, long_title | {"x255"}]), 4)
    assert not _WordLanes.fit(_postings([{"a"}] * (_MAX_LANES + 1)), _MAX_LANES + 1)
