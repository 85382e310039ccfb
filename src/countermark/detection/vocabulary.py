"""Word lists kept as data (`detection/data/`), compiled into one multi-pattern matcher each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import ahocorasick

from countermark.detection.normalise import has_word_boundaries, name_skeleton, plain
from countermark.detection.record import Record

Strength = Literal["strong", "weak"]


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


class Lexicon:
    """Whole-word search for many terms at once, on the plain text and on the skeleton."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._plain = ahocorasick.Automaton()
        self._skeleton = ahocorasick.Automaton()
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
        for automaton, keys in ((self._plain, plain_keys), (self._skeleton, skeleton_keys)):
            for key, found in keys.items():
                automaton.add_word(key, (len(key), tuple(found)))
            if keys:
                automaton.make_automaton()
        self._has_plain = bool(plain_keys)
        self._has_skeleton = bool(skeleton_keys)

    def find(self, plain_text: str, skeleton_text: str | None = None) -> list[Hit]:
        hits: list[Hit] = []
        if self._has_plain and plain_text:
            hits.extend(self._search(self._plain, plain_text, disguised=False))
        if self._has_skeleton and skeleton_text and skeleton_text != plain_text:
            known = {h.term for h in hits}
            hits.extend(h for h in self._search(self._skeleton, skeleton_text, disguised=True) if h.term not in known)
        return hits

    @staticmethod
    def _search(automaton: ahocorasick.Automaton, text: str, *, disguised: bool) -> list[Hit]:
        out: list[Hit] = []
        for end, (length, terms) in automaton.iter(text):
            start = end - length + 1
            if has_word_boundaries(text, start, end + 1):
                out.extend(Hit(t, start, end + 1, disguised) for t in terms)
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
