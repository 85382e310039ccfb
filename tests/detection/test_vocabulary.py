"""The shared Aho-Corasick matcher: every key found, whatever order its keys were added in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from countermark.detection.vocabulary import SharedAutomaton

_KEYS = ["sony", "on", "so", "y 2", "复刻", "1:1", "eon"]


def _naive(table: dict[str, str], text: str) -> list[tuple[int, int, str]]:
    """Every key at every place, by end and at one end the longest first: what `find` promises."""
    found = [(start, start + len(key), value) for key, value in table.items()
             for start in range(len(text)) if text.startswith(key, start)]
    return sorted(found, key=lambda m: (m[1], m[0]))


@given(st.text(alphabet="sonye 21:复刻\uffffx", max_size=30))
def test_find_is_every_key_of_every_table(text: str) -> None:
    first = {key: f"first {key}" for key in _KEYS[:4]}
    second = {key: f"second {key}" for key in _KEYS[2:]}
    automaton = SharedAutomaton([first, second])

    assert [list(matches) for matches in automaton.find(text)] == [_naive(first, text), _naive(second, text)]
    assert automaton.any_in(text) == bool(_naive(first, text) or _naive(second, text))


def test_sentinels_of_characters_that_start_no_key_are_never_found() -> None:
    automaton = SharedAutomaton([{"sony": 1}])

    assert automaton.find(" \uffffe\uffff") == [()]
    assert not automaton.any_in(" \uffffe\uffff")
    assert automaton.find("a sony") == [[(2, 6, 1)]]


def test_a_table_that_finds_nothing_gets_an_empty_tuple() -> None:
    automaton = SharedAutomaton([{"sony": 1}, {"apple": 2}, {"ny": 3}])

    assert automaton.find("sony sony") == [[(0, 4, 1), (5, 9, 1)], (), [(2, 4, 3), (7, 9, 3)]]


def test_no_keys() -> None:
    automaton = SharedAutomaton([{}, {}])

    assert automaton.find("sony") == [(), ()]
    assert not automaton.any_in("sony")
