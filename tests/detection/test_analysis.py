"""The analyser's reading of a listing's text."""

from __future__ import annotations

import pytest

from countermark.detection.analysis import Analyser
from tests.detection.conftest import BRANDS


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
