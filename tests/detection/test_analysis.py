"""The analyser's reading of a listing's text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countermark.detection.analysis import Analyser, FieldReading, _inside, _vocabulary_cues, _words
from countermark.detection.vocabulary import Hit
from tests.detection.conftest import BRANDS

_ANALYSER = Analyser(BRANDS)


@pytest.mark.parametrize("name", ["Sony", "S0ny"])  # found on the plain form, and on the skeleton
def test_cue_words_near_a_mention_are_those_its_windows_hold(name: str) -> None:
    analyser = Analyser(BRANDS)
    for pad in range(50, 62):  # cue words inside, across and outside the edge of the windows
        for text in (f"compatible for {'x' * pad} {name} tv", f"{name} {'y' * pad} look like new"):
            reading = analyser.read("title", text)
            assert reading.mentions
            for m in reading.mentions:
                before, after = reading.around(m)
                assert reading.cue_words_near(m) == (analyser._before_cue_words.any_in(before),
                                                     analyser._after_cue_words.any_in(after))


def _hit_by_hit(title: FieldReading, description: FieldReading, brand_ids: list[str]
                ) -> tuple[tuple[str | None, ...], tuple[Hit, ...]]:
    """The cues and replica hits of a listing, hit by hit over both fields' hits as if in one text."""
    earliest: dict[str, Hit] = {}
    replica: list[Hit] = []
    benign: list[Hit] = []
    for hit in _words(title, description):
        seen = earliest.get(hit.term.kind)
        if seen is None or hit.start < seen.start:
            earliest[hit.term.kind] = hit
        if hit.term.kind == "replica" and (hit.term.brand_id is None or hit.term.brand_id in brand_ids):
            replica.append(hit)
        elif hit.term.kind == "benign":
            benign.append(hit)
    replica = [h for h in replica if not _inside(h, benign)]
    return (tuple(earliest[kind].term.text if kind in earliest else None
                  for kind in ("accessory", "used", "defective", "sale")), tuple(replica))


_PIECES = ["replica", "r3plica", "copy", "copy of receipt", "c0py of receipt", "super copy", "sup3r copy", "aaa",
           "used", "pre-owned", "for parts", "clearance", "final sale", "not made by", "sony", "tv", "-", "x" * 30]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=6), st.lists(st.sampled_from(_PIECES), max_size=6),
       st.sampled_from([[], ["sony"], ["avery"]]))
def test_word_cues_are_those_of_both_fields_hit_by_hit(title: list[str], description: list[str],
                                                       brand_ids: list[str]) -> None:
    in_title = _ANALYSER.read("title", " ".join(title))
    in_description = _ANALYSER.read("description", " ".join(description))

    assert _vocabulary_cues(in_title, in_description, brand_ids) == _hit_by_hit(in_title, in_description, brand_ids)
