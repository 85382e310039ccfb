"""Word lists kept as data (`detection/data/`), and the multi-pattern matcher they share with brand names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import ahocorasick

from countermark.detection.normalise import has_word_boundaries, name_skeleton, plain
from countermark.detection.record import Record

Strength = Literal["strong", "weak"]
Match = tuple[int, int, Any]  # start, end and the payload its table gave the key
Matches = list[Match] | tuple[()]  # a table's matches in a text: an empty tuple where it has none
# Characters in order of how common they are in listing text (English letter frequencies, digits, punctuation).
_COMMON_CHARACTERS = " eaoitnrslcdhupmgbyfkwvxjqz0123456789-.,()/:'"
_NEVER_WRITTEN = "\uffff"  # a Unicode noncharacter: what follows a sentinel, so that it leads to no key


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as written in the data file or by the brand
    strength: Strength
    brand_id: str | None = None  # a brand's own red-flag term
    kind: str = ""  # which list it comes from, when several lists share one matcher
    disguisable: bool = True  # also looked for on the look-alike skeleton


class Hit(Record):
    term: Term
    start: int
    end: int
    disguised: bool  # found only on the look-alike skeleton


class SharedAutomaton:
    """One Aho-Corasick automaton for the key tables of several matchers (brand names, word lists): most of
    a pass is walking the text, whatever the keys, so one pass over a text serves all of them."""

    def __init__(self, tables: Sequence[Mapping[str, Any]]) -> None:
        owners: dict[str, list[tuple[int, Any]]] = {}
        for slot, table in enumerate(tables):
            for key, payload in table.items():
                owners.setdefault(key, []).append((slot, payload))
        self._nothing_found: tuple[Matches, ...] = ((),) * len(tables)
        self._automaton = ahocorasick.Automaton()
        self._empty = not owners
        if self._empty:
            return
        # The automaton looks a character up among a state's children one by one, in the order they were
        # added, and most characters are looked up among the first state's: its children are added most
        # common character first, and a common character that starts no key gets a child of its own that
        # leads to no key (a sentinel), so that it is not compared with every child to find there is none.
        by_first: dict[str, list[str]] = {}
        for key in owners:
            by_first.setdefault(key[0], []).append(key)
        for char in dict.fromkeys([*_COMMON_CHARACTERS, *by_first]):
            for key in by_first.get(char, ()):  # a match ending at `end` starts at `end - (len(key) - 1)`
                self._automaton.add_word(key, (len(key) - 1, tuple(owners[key])))
            if char not in by_first:
                self._automaton.add_word(char + _NEVER_WRITTEN, (1, ()))
        self._automaton.make_automaton()

    def any_in(self, text: str) -> bool:
        """Whether any key of any table is in the text (the first found ends the pass)."""
        return not self._empty and any(owners for _, (_, owners) in self._automaton.iter(text))

    def find(self, text: str) -> list[Matches]:
        """Per table, each of its keys found in the text: by end, and at one end the longest first. A table
        with none gets an empty tuple, not a list of its own: most tables find nothing in most texts."""
        found = list(self._nothing_found)
        if self._empty:
            return found
        for end, (back, owners) in self._automaton.iter(text):
            for slot, payload in owners:
                match = (end - back, end + 1, payload)
                matches = found[slot]
                if matches:
                    matches.append(match)
                else:
                    found[slot] = [match]
        return found


class Lexicon:
    """Whole-word search for many terms at once, on the plain text and on the skeleton: the key tables for
    a `SharedAutomaton`, and the hits among its matches."""

    def __init__(self, terms: Iterable[Term]) -> None:
        plain_keys: dict[str, list[Term]] = {}
        skeleton_keys: dict[str, list[Term]] = {}
        for term in terms:
            key = plain(term.text)
            if not key:
                continue
            plain_keys.setdefault(key, []).append(term)
            skel = name_skeleton(term.text)
            # Only terms with enough letters go to the skeleton: "1:1" or "aaa" would match noise there.
            if term.disguisable and sum(c.isalpha() for c in key) >= 4 and key.isascii():
                skeleton_keys.setdefault(skel, []).append(term)
        self.plain_keys = {key: tuple(found) for key, found in plain_keys.items()}
        self.skeleton_keys = {key: tuple(found) for key, found in skeleton_keys.items()}

    def find(self, plain_text: str, skeleton_text: str, *, on_plain: Sequence[Match],
             on_skeleton: Sequence[Match]) -> list[Hit]:
        """Hits in a text, given the matches of `plain_keys` on its plain form and of `skeleton_keys` on its
        skeleton: the plain ones, then the look-alike ones of terms not found plainly."""
        hits = self._whole_words(plain_text, on_plain, disguised=False)
        if on_skeleton and skeleton_text != plain_text:
            known = {h.term for h in hits}
            hits.extend(h for h in self._whole_words(skeleton_text, on_skeleton, disguised=True)
                        if h.term not in known)
        return hits

    @staticmethod
    def _whole_words(text: str, found: Sequence[Match], *, disguised: bool) -> list[Hit]:
        out: list[Hit] = []
        for start, end, terms in found:
            if has_word_boundaries(text, start, end):
                for t in terms:  # a loop, not extend(generator): most keys have one term
                    out.append(Hit(t, start, end, disguised))
        return out


def tagged(terms: Iterable[Term], kind: str, *, disguisable: bool) -> list[Term]:
    return [Term(t.text, t.strength, t.brand_id, kind, disguisable) for t in terms]


@cache
def data_terms(folder: str) -> tuple[Term, ...]:
    """Every term of every `data/<folder>/*.txt` file except `benign.txt`."""
    root = resources.files("countermark.detection") / "data" / folder
    terms: list[Term] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt") and entry.name != "benign.txt":
            terms.extend(_parse(entry.read_text(encoding="utf-8")))
    return tuple(terms)


@cache
def data_file_terms(folder: str, name: str) -> tuple[Term, ...]:
    root = resources.files("countermark.detection") / "data" / folder / name
    return tuple(_parse(root.read_text(encoding="utf-8")))


def _parse(text: str) -> list[Term]:
    terms: list[Term] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        term, _, strength = line.partition("\t")
        terms.append(Term(term.strip(), "weak" if strength.strip() == "weak" else "strong"))
    return terms
