"""The catalogue's shortcuts: title shortlists (the titles sharing the most words with a text, lowest position
on ties), model keys found in a title and a description read apart, token-sort ratios of presorted words, token-set
ratios of distinct presorted words, a title within the text."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz import fuzz

from countermark.detection.catalogue import (
    _CANDIDATE_LIMIT,
    _MAX_LANES,
    MIN_MODEL_NUMBER,
    _distinct_sorted_words,
    _ModelKeys,
    _most_shared,
    _sorted_words,
    _WordLanes,
    model_key,
)
from countermark.detection.normalise import plain

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
    lanes = _WordLanes(postings, len(titles))
    counts, most = lanes.counts(words)
    assert lanes.ranked(counts) == _reference(postings, words)
    assert most == max(counts, default=0)


def test_lanes_only_where_counts_fit_a_byte_and_titles_are_few() -> None:
    long_title = {f"x{i}" for i in range(255)}
    titles = [{"a"}, long_title, {"a", "x1"}]
    postings = _postings(titles)
    assert _WordLanes.fit(postings, len(titles))
    lanes = _WordLanes(postings, len(titles))
    counts, most = lanes.counts([*long_title, "a"])
    assert lanes.ranked(counts) == [1, 2, 0]
    assert most == 255
    assert not _WordLanes.fit(_postings([*titles, long_title | {"x255"}]), 4)
    assert not _WordLanes.fit(_postings([{"a"}] * (_MAX_LANES + 1)), _MAX_LANES + 1)


@given(st.lists(st.sets(st.sampled_from(_WORDS)), max_size=60), st.lists(st.sampled_from([*_WORDS, "other"])))
def test_inverted_index_shortlist_is_most_shared_words_then_lowest_position(
        titles: list[set[str]], words: list[str]) -> None:
    postings = _postings(titles)
    assert _most_shared(postings, set(words)) == _reference(postings, words)


def _model_candidates(text: str) -> list[str]:
    """The specification: words with a digit, alone (if long enough) and joined with a neighbour."""
    tokens = text.split()
    candidates: list[str] = []
    for i, token in enumerate(tokens):
        if any(c.isdigit() for c in token):
            key = re.sub(r"[^a-z0-9]", "", token)
            candidates += [key] if len(key) >= MIN_MODEL_NUMBER else []
            candidates += [key + re.sub(r"[^a-z0-9]", "", tokens[i + 1])] if i + 1 < len(tokens) else []
            candidates += [re.sub(r"[^a-z0-9]", "", tokens[i - 1]) + key] if i else []
    return candidates


_TOKENS = st.sampled_from(["kdl", "52v", "4100", "kdl-52v4100", "mc359ll/a", "a", "-", "2.0", "x1", "٣", "ab12"])


@given(st.lists(_TOKENS, max_size=6), st.lists(_TOKENS, max_size=6),
       st.lists(st.lists(_TOKENS, min_size=1, max_size=3), max_size=4))
def test_model_keys_of_a_title_and_a_description_read_apart_are_those_of_the_joined_text(
        title: list[str], description: list[str], models: list[list[str]]) -> None:
    keys = {key for parts in models if (key := model_key("".join(parts)))}
    found = _ModelKeys(keys)
    joined = [c for c in _model_candidates(" ".join([*title, *description])) if c in keys]
    in_title_alone = [c for c in _model_candidates(" ".join(title)) if c in keys]
    in_text, in_title = found.in_listing(title, found.of_description(" ".join(description)))
    assert (list(in_text), in_title) == (joined, in_title_alone)


@given(st.text(alphabet="ab c1\u00a0\t", max_size=20), st.text(alphabet="ab c1\u00a0\t", max_size=20))
def test_sorted_words_ratio_is_token_sort_ratio_for_plain_text(a: str, b: str) -> None:
    a, b = plain(a), plain(b)
    assert fuzz.ratio(_sorted_words(a), _sorted_words(b)) == fuzz.token_sort_ratio(a, b)


@given(st.text(alphabet="ab c1\u00a0\t", max_size=20), st.text(alphabet="ab c1\u00a0\t", max_size=20))
def test_distinct_sorted_words_ratio_is_token_set_ratio_for_plain_text(a: str, b: str) -> None:
    a, b = plain(a), plain(b)
    assert fuzz.token_set_ratio(a, _distinct_sorted_words(b)) == fuzz.token_set_ratio(a, b)


@given(st.lists(st.sampled_from(_WORDS), min_size=1), st.lists(st.sampled_from([*_WORDS, "other"])))
def test_a_title_whose_words_are_all_in_the_text_has_the_top_token_set_ratio(
        title: list[str], more: list[str]) -> None:
    """The title shortlist's first choice is taken without scoring the others when this holds."""
    assert fuzz.token_set_ratio(" ".join([*more, *title]), " ".join(title)) == 100
