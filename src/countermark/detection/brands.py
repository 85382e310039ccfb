"""Finding protected brands in listing text: exact, disguised and misspelt mentions.

- exact: a brand name or alias (any script) on the plain text, whole words only (Aho-Corasick); also a
  one-word name split in two ("hyper x") or glued to a word or model number ("sonyheadphones");
- disguised: the same names on the skeleton (look-alike characters, leetspeak, separators), accepted only
  when the written form really contains such a trick, so that ordinary words never qualify; also names
  with letters masked ("s*ny");
- fuzzy: a word one edit (two for long names) away from a brand name, unless the word is an ordinary
  word (English word frequency, the catalogue's own vocabulary) or another brand's name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Literal

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from countermark.detection.normalise import (
    has_invisible,
    has_word_boundaries,
    name_skeleton,
    plain,
    plain_folded,
    skeleton,
    skeleton_with_offsets,
    transliterate,
)
from countermark.detection.record import Record
from countermark.detection.vocabulary import Matches, SharedAutomaton
from countermark.listings.records import Brand

MentionKind = Literal["exact", "disguised", "fuzzy"]
Field = Literal["title", "description"]

# Trailing words of a multi-word brand that people drop ("Griffin Technology" is sold as "Griffin").
GENERIC_SUFFIXES = frozenset({
    "technology", "technologies", "tech", "entertainment", "inc", "inc.", "corp", "corp.", "corporation",
    "company", "co", "co.", "ltd", "llc", "gmbh", "group", "international", "electronics", "labs", "systems",
    "industries", "products", "brands", "digital", "software", "interactive", "studios",
})
# An ordinary word at least this frequent (Zipf scale: 3 = once per million words) is never a misspelling.
ORDINARY_WORD_ZIPF = 2.5
MIN_FUZZY_LENGTH = 4
MIN_SKELETON_LENGTH = 2  # two-letter names ("HP") only with a look-alike character, see _really_disguised
TWO_EDIT_LENGTH = 8
# A name glued to a word counts from names of 4 letters and words of 3 ("MAC" + "book" would not).
MIN_GLUED_NAME = 4
MIN_GLUED_WORD = 3
MAX_MASKED_WORDS = 20  # per field: a text of thousands of masked words must not cost a regex each
_FUZZY_CACHE_LIMIT = 200_000
# Everything but letters, digits and white space, deleted from transliterated (so ASCII) text.
_NOT_WORD = bytes(c for c in range(128) if not (chr(c).islower() or chr(c).isdigit() or chr(c).isspace()))
# Possessive and anchored at a word start: a word without a hyphen fails once, not once per suffix.
_HYPHENATED = re.compile(r"(?<![a-z0-9])[a-z0-9]++(?:-[a-z0-9]++)+")
# A word with letters masked: "s*ny", "g#cci", "*ike".
_MASK_CLASS = "*#_"  # the mask characters, as written inside a regex character class
_MASKS = frozenset(_MASK_CLASS)
_MASKED_WORD = re.compile(
    rf"(?<![a-z0-9{_MASK_CLASS}])[a-z0-9{_MASK_CLASS}]*[{_MASK_CLASS}][a-z0-9{_MASK_CLASS}]*(?![a-z0-9{_MASK_CLASS}])")
_CJK_CHARACTERS = re.compile("[\u3040-\u9fff]")


class Mention(Record):
    brand_id: str
    name: str  # the brand's own spelling that was matched (name or alias)
    kind: MentionKind
    field: Field
    surface: str  # as written in the listing
    start: int  # where it is in the searched form of the field: character offsets, or word indexes for "words"
    end: int
    searched: Literal["plain", "skeleton", "words"]


@dataclass(frozen=True, slots=True)
class _Name:
    brand_id: str
    name: str


class BrandIndex:
    """All brand names and aliases of a scan, compiled once and shared by every listing: the key tables for
    a `SharedAutomaton` (names on the plain text, on the skeleton), and the mentions among its matches."""

    def __init__(self, brands: Sequence[Brand], ordinary_words: Iterable[str] = ()) -> None:
        self.brands = {b.brand_id: b for b in brands}
        self._fuzzy_names: dict[str, _Name] = {}
        plain_keys: dict[str, list[_Name]] = {}
        skeleton_keys: dict[str, list[_Name]] = {}
        self._short_variants: dict[str, _Name] = {}
        for brand in brands:
            for name in _names_of(brand):
                entry = _Name(brand.brand_id, name)
                key = plain(name)
                if not key:
                    continue
                plain_keys.setdefault(key, []).append(entry)
                skel = name_skeleton(name)
                for variant in dict.fromkeys((skel, skel.replace(" ", ""))):  # "c.a.s.e.l.o.g.i.c"
                    if len(variant) >= MIN_SKELETON_LENGTH:
                        skeleton_keys.setdefault(variant, []).append(entry)
                words = " ".join(fuzzy_words(key, parts=False))
                if key.isascii() and len(words) >= MIN_FUZZY_LENGTH and words.replace(" ", "").isalpha():
                    self._fuzzy_names.setdefault(words, entry)
                elif key.isascii() and 2 <= len(words) < MIN_FUZZY_LENGTH and " " not in words:
                    for variant in _short_misspellings(words):
                        self._short_variants.setdefault(variant, entry)
        self.plain_keys = {key: tuple(entries) for key, entries in plain_keys.items()}
        self.skeleton_keys = {key: tuple(entries) for key, entries in skeleton_keys.items()}
        self._on_skeleton = SharedAutomaton([self.skeleton_keys])  # for the rare second reading of _glued
        self._has_names = bool(plain_keys)
        self._exact_words = frozenset(plain_keys)
        self._ordinary = frozenset(w for w in ordinary_words if w not in self._exact_words)
        for variant in [v for v in self._short_variants if v in self._exact_words or v in self._ordinary]:
            del self._short_variants[variant]
        self._fuzzy_choices = list(self._fuzzy_names)
        self._fuzzy_seen: set[str] = set()  # words and runs answered already (hits and misses)
        self._fuzzy_hits: dict[str, tuple[str, int]] = {}
        self._glued_hits: dict[str, _Name] = {}  # "sonyheadphones", "newsony": a name glued to a word
        self._short_keys = frozenset(self._short_variants)
        self._max_words = max((k.count(" ") + 1 for k in self._fuzzy_choices), default=1)
        # One-word names (plain letters/digits) that a seller may split with a space.
        self._split_names = {k: entries[0] for k, entries in plain_keys.items() if k.isascii() and k.isalnum()}
        seconds: dict[str, set[str]] = {}  # each first part's second parts
        for k in self._split_names:
            for j in range(1, len(k)):
                seconds.setdefault(k[:j], set()).add(k[j:])
        self._split_seconds = {first: frozenset(parts) for first, parts in seconds.items()}
        self._split_firsts = frozenset(self._split_seconds)
        self._name_words = frozenset(w for k in self._fuzzy_choices if " " in k for w in k.split())
        # The words _fuzzy has anything to do with: misspellings of short names, first parts of split names,
        # words of several-word names, and words found to be a misspelt or glued name (one set test settles
        # most texts).
        self._always_notable = self._short_keys | self._split_firsts | self._name_words
        self._notable_words = set(self._always_notable)
        self._masked_names = _by_length(k for k in self._split_names if len(k) >= 3)
        self._glued_names = {k: e for k, e in self._split_names.items() if len(k) >= MIN_GLUED_NAME and k.isalpha()}
        # Names of several words or parts glue as their letters run together ("caselogic", "dalite").
        for key, entries in plain_keys.items():
            joined = "".join(c for c in key if c.isalnum())
            if key.isascii() and joined != key and len(joined) >= MIN_GLUED_NAME and joined.isalpha():
                self._glued_names.setdefault(joined, entries[0])
        self._glued_lengths = sorted({len(k) for k in self._glued_names})
        # Every glued name is at least MIN_GLUED_NAME long: a word neither opening nor closing with the first
        # or last letters of one is settled by two set tests instead of a slice and lookup per name length.
        self._glued_openings = frozenset(k[:MIN_GLUED_NAME] for k in self._glued_names)
        self._glued_endings = frozenset(k[-MIN_GLUED_NAME:] for k in self._glued_names)
        lengths = [len(k) for k in self._fuzzy_choices] or [0]
        self._fuzzy_lengths = (max(min(lengths), MIN_FUZZY_LENGTH), max(lengths))
        # Two edits change the length by two at most: extractOne, which converts every choice on every call,
        # gets only the names of a word's length give or take two, in their order (so ties go the same way).
        self._fuzzy_choices_by_length = {
            n: near for n in range(min(lengths) - 2, max(lengths) + 3)
            if (near := [k for k in self._fuzzy_choices if abs(len(k) - n) <= 2])}
        if self._has_names:
            _load_word_frequencies()

    def find(self, field: Field, plain_text: str, skeleton_text: str, raw: str | None, *, on_plain: Matches,
             on_skeleton: Matches) -> list[Mention]:
        """Mentions in one field, given the matches of `plain_keys` on its plain form and of `skeleton_keys`
        on its skeleton; `raw` (the text as written) lets invisible characters count as a disguise."""
        if not self._has_names or not plain_text:
            return []
        # Each step is skipped outright when its input is empty or cannot hold what it looks for.
        exact, exact_keys = self._exact(field, plain_text, on_plain) if on_plain else ([], [])
        hidden = _written_with_special_characters(exact, raw) if raw is not None and not raw.isascii() else []
        # Most skeletons hold just the keys found whole on the plain text, in the same order: those brands are
        # named already, so no skeleton match can add one (nor needs its word boundaries checked).
        if on_skeleton and [entries for _, _, entries in on_skeleton] != exact_keys:
            disguised = self._disguised(field, plain_text, skeleton_text, on_skeleton, exact, raw)
        else:
            disguised = []
        masked = self._masked(field, plain_text) if _has_mask(plain_text) else []
        found = [*exact, *hidden, *disguised, *self._fuzzy(field, plain_text), *masked]
        if len(found) < 2:  # most texts: nothing to tell apart
            return found
        mentions: list[Mention] = []
        seen: set[tuple[str, str]] = set()  # one mention per brand and kind is enough evidence
        for m in found:
            if (m.brand_id, m.kind) not in seen:
                seen.add((m.brand_id, m.kind))
                mentions.append(m)
        return mentions

    @staticmethod
    def _exact(field: Field, text: str, found: Matches) -> tuple[list[Mention], list[tuple[_Name, ...]]]:
        """The mentions among the matches on the plain text, and the keys (entries) of the matches they came from."""
        out: list[Mention] = []
        keys: list[tuple[_Name, ...]] = []
        for start, end, entries in found:
            if has_word_boundaries(text, start, end):
                keys.append(entries)
                surface = text[start:end]
                for e in entries:  # a loop, not extend(generator): most keys have one entry
                    out.append(Mention(e.brand_id, e.name, "exact", field, surface, start, end, "plain"))
        return out, keys

    def _disguised(self, field: Field, plain_text: str, skel: str, found: Matches, exact: list[Mention],
                   raw: str | None) -> list[Mention]:
        hits = [h for h in found if has_word_boundaries(skel, h[0], h[1])]
        out: list[Mention] = []
        if hits:
            out.extend(self._surplus(field, plain_text, skel, exact, raw, hits))
        if len(hits) < len(found):  # a name inside a longer word: maybe glued on by punctuation
            named = {m.brand_id for m in (*exact, *out)}
            if any(e.brand_id not in named for h in found for e in h[2]):
                out.extend(self._glued(field, plain_text, raw, named))
        return out

    def _surplus(self, field: Field, plain_text: str, skel: str, exact: list[Mention], raw: str | None,
                 hits: list[tuple[int, int, tuple[_Name, ...]]]) -> list[Mention]:
        # Each plain mention shows up on the skeleton too; only surplus skeleton hits can be disguises.
        plain_ids = [m.brand_id for m in exact]
        skeleton_ids = [e.brand_id for _, _, entries in hits for e in entries]
        if skeleton_ids == plain_ids or sorted(skeleton_ids) == sorted(plain_ids):
            return []  # the usual case (mostly in the same order), settled without counting
        plain_count: dict[str, int] = {}
        for brand_id in plain_ids:
            plain_count[brand_id] = plain_count.get(brand_id, 0) + 1
        skeleton_count: dict[str, int] = {}
        for brand_id in skeleton_ids:
            skeleton_count[brand_id] = skeleton_count.get(brand_id, 0) + 1
        out: list[Mention] = []
        offsets: list[int] | None = None  # per skeleton character, computed once and only if needed
        for start, end, entries in hits:
            if all(skeleton_count[e.brand_id] <= plain_count.get(e.brand_id, 0) for e in entries):
                continue
            if len(skel) == len(plain_text):
                surface = plain_text[start:end]
            else:
                offsets = _plain_offsets(plain_text, skel, raw) if offsets is None else offsets
                surface = plain_text[offsets[start]:offsets[end - 1] + 1] if end <= len(offsets) else plain_text
            for e in entries:
                kind = _disguise_kind(surface, e, skel[start:end])
                if kind is not None:
                    out.append(Mention(e.brand_id, e.name, kind, field, surface, start, end, "skeleton"))
        return out

    def _glued(self, field: Field, plain_text: str, raw: str | None, named: set[str]) -> list[Mention]:
        """Disguised names glued to a neighbour by punctuation ("new-ѕmеаԁ", "ѕtаrtесһ.com"), of brands not
        found yet: looked for again with the punctuation read as a space. Offsets point into the plain text."""
        source = plain_folded(raw, plain_text) if raw is not None else plain_text
        apart = skeleton(source, words_apart=True)
        (found,) = self._on_skeleton.find(apart)
        hits = [(start, end, entries) for start, end, entries in found
                if has_word_boundaries(apart, start, end) and any(e.brand_id not in named for e in entries)]
        if not hits or len(source) != len(plain_text):
            return []
        rebuilt, offsets = skeleton_with_offsets(source, words_apart=True)
        if rebuilt != apart:
            return []
        out: list[Mention] = []
        for start, end, entries in hits:
            first, last = offsets[start], offsets[end - 1] + 1
            surface = plain_text[first:last]
            for e in entries:
                kind = _disguise_kind(surface, e, apart[start:end]) if e.brand_id not in named else None
                if kind is not None:
                    out.append(Mention(e.brand_id, e.name, kind, field, surface, first, last, "plain"))
        return out

    def _masked(self, field: Field, plain_text: str) -> list[Mention]:
        """One-word names with some letters masked ("S*ny", "S#ny", "S_ny"): each mask one character, fewer
        masks than letters left, so that "**ny" says nothing."""
        if not self._masked_names:
            return []
        out: list[Mention] = []
        for found in islice(_MASKED_WORD.finditer(plain_text), MAX_MASKED_WORDS):
            word = found.group(0)
            masks = sum(c in _MASKS for c in word)
            names = self._masked_names.get(len(word))
            if names is None or masks >= sum(c.isalpha() for c in word):
                continue
            pattern = re.compile("^" + "".join("[a-z0-9]" if c in _MASKS else c for c in word) + "$", re.MULTILINE)
            for key in pattern.findall(names):
                e = self._split_names[key]
                out.append(Mention(e.brand_id, e.name, "disguised", field, word, found.start(), found.end(), "plain"))
        return out

    def _fuzzy(self, field: Field, plain_text: str) -> list[Mention]:
        if not self._fuzzy_choices and not self._short_variants and not self._split_names:
            return []
        words = fuzzy_words(plain_text)
        if self._fuzzy_choices and not self._fuzzy_seen.issuperset(words):  # most texts have no new word
            for word in set(words) - self._fuzzy_seen:
                self._fuzzy_answer(word)
        # The words that matter here, few if any: every set below is among the notable words, so each test
        # reads these instead of all the text's words.
        notable = self._notable_words.intersection(words)
        if not notable:
            return []
        distinct = set(words)
        out: list[Mention] = []
        # Set operations first (C speed): the per-word loops below run only when a word can match.
        if not notable.isdisjoint(self._short_keys):
            for i, word in enumerate(words):
                e = self._short_variants.get(word)
                if e is not None and not _is_ordinary_word(word):
                    out.append(Mention(e.brand_id, e.name, "fuzzy", field, word, i, i + 1, "words"))
        if self._may_be_split(notable, distinct):
            # A one-word name split in two ("hyper x", "netg ear"): a mention.
            split_names = self._split_names
            for i, (first, second) in enumerate(zip(words, words[1:], strict=False)):
                e = split_names.get(first + second) if first in self._split_firsts else None
                if e is not None:
                    out.append(Mention(e.brand_id, e.name, "exact", field, f"{first} {second}", i, i + 2, "words"))
        if self._fuzzy_choices:
            out += self._misspelt(field, words, notable)
        return out

    def _may_be_split(self, notable: set[str], distinct: set[str]) -> bool:
        """Whether a text's words (`distinct`, the `notable` among them) hold both parts of a one-word name split
        in two, wherever they are: set tests settle most texts, whose short words ("x", "to") are a name's first
        part but not with its second."""
        for first in notable.intersection(self._split_firsts):  # a loop, not any(generator): most have none
            if not self._split_seconds[first].isdisjoint(distinct):
                return True
        return False

    def _misspelt(self, field: Field, words: list[str], notable: set[str]) -> list[Mention]:
        """Words and runs of words within the edit budget of a name, in order of run length then position (the
        words themselves answered already, `notable` the text's notable words)."""
        out: list[Mention] = []
        glued = self._glued_hits
        if not glued.keys().isdisjoint(notable):
            for i, word in enumerate(words):
                e = glued.get(word)
                if e is not None:
                    out.append(Mention(e.brand_id, e.name, "exact", field, word, i, i + 1, "words"))
        hits = self._fuzzy_hits
        if not hits.keys().isdisjoint(notable):
            for i, word in enumerate(words):
                hit = hits.get(word)
                if hit is not None:
                    e = self._fuzzy_names[hit[0]]
                    out.append(Mention(e.brand_id, e.name, "fuzzy", field, word, i, i + 1, "words"))
        # A run of several words matters only if it holds a word of a several-word name (one or two edits
        # leave one intact): windows around those words, not every window of the text.
        if self._max_words == 1 or notable.isdisjoint(self._name_words):
            return out
        anchored = [i for i, w in enumerate(words) if w in self._name_words]
        for n in range(2, self._max_words + 1):
            for i in sorted({s for a in anchored for s in range(max(0, a - n + 1), min(a, len(words) - n) + 1)}):
                candidate = " ".join(words[i:i + n])
                if candidate not in self._fuzzy_seen:
                    self._fuzzy_answer(candidate)
                hit = hits.get(candidate)
                if hit is not None:
                    e = self._fuzzy_names[hit[0]]
                    out.append(Mention(e.brand_id, e.name, "fuzzy", field, candidate, i, i + n, "words"))
        return out

    def _fuzzy_answer(self, candidate: str) -> None:
        """Match a word (or run of words) not seen yet, and remember the answer."""
        if len(self._fuzzy_seen) >= _FUZZY_CACHE_LIMIT:
            self._fuzzy_seen.clear()  # bounded memory on endless streams
            self._fuzzy_hits.clear()
            self._glued_hits.clear()
            self._notable_words = set(self._always_notable)
        self._fuzzy_seen.add(candidate)
        if candidate in self._ordinary:
            return  # neither a misspelt nor a glued name is ever a catalogue word: settled before any edit distance
        shortest, longest = self._fuzzy_lengths
        result = self._fuzzy_match(candidate) if shortest - 2 <= len(candidate) <= longest + 2 else None
        if result is not None:
            self._fuzzy_hits[candidate] = result
            self._notable_words.add(candidate)
        elif len(candidate) > MIN_GLUED_NAME and " " not in candidate:
            glued = self._glued_match(candidate)
            if glued is not None:
                self._glued_hits[candidate] = glued
                self._notable_words.add(candidate)

    def _glued_match(self, word: str) -> _Name | None:
        """A name glued to what comes before or after it: an ordinary or catalogue word ("sonyheadphones",
        "newsony", "canonimageclass", "caselogicbackpack"), a number or a model number ("samsung6",
        "sonydvpns57p"), where the whole is no word of its own ("evergreen") nor of the catalogue ("macbook")."""
        if word[:MIN_GLUED_NAME] not in self._glued_openings and word[-MIN_GLUED_NAME:] not in self._glued_endings:
            return None
        for length in self._glued_lengths:
            if length >= len(word):
                break
            for name, rest in ((word[:length], word[length:]), (word[-length:], word[:-length])):
                e = self._glued_names.get(name)
                if e is not None and self._can_glue_to(rest) and word not in self._ordinary \
                        and not (word.isalpha() and _is_ordinary_word(word)):
                    return e
        return None

    def _can_glue_to(self, text: str) -> bool:
        """An ordinary or catalogue word long enough to be one ("sonyex" is not), or letters and digits with a
        digit."""
        if text.isalpha():
            return len(text) >= MIN_GLUED_WORD and (text in self._ordinary or _is_ordinary_word(text))
        return text.isalnum() and any(c.isdigit() for c in text)

    def _fuzzy_match(self, word: str) -> tuple[str, int] | None:
        if len(word) < MIN_FUZZY_LENGTH or word in self._exact_words or not word.replace(" ", "").isalpha():
            return None
        choices = self._fuzzy_choices_by_length.get(len(word))
        best = extractOne(word, choices, scorer=OSA.distance, score_cutoff=2) if choices else None
        if best is None:
            return None
        key, distance, _ = best
        if distance == 0 or distance > (2 if len(key) >= TWO_EDIT_LENGTH else 1):
            return None
        if " " in word and not set(word.split()).isdisjoint(key.split()):
            return key, int(distance)  # "topic entertainment": the rest of the name is there word for word
        if word in self._ordinary or _is_ordinary_word(word):
            return None
        return key, int(distance)


def fuzzy_words(plain_text: str, *, parts: bool = True) -> list[str]:
    """Words for misspelling search: transliterated, punctuation inside a word dropped ('da-lite' -> 'dalite')."""
    text = transliterate(plain_text)
    words = text.encode("ascii").translate(None, _NOT_WORD).decode("ascii").split()
    # "new-scosch": the parts too (appended, so indexes of whole words stay put), split in one call; looked
    # for only in the words with a hyphen, which the regex engine reads several times faster than the text
    if parts and "-" in text and (runs := _HYPHENATED.findall(" ".join([w for w in text.split() if "-" in w]))):
        words += "-".join(runs).split("-")
    return words


def _has_mask(text: str) -> bool:
    # One substring search per character of _MASK_CLASS (C, memchr): several times faster than a regex class
    # search, and a set test would walk the whole text in Python objects.
    return "*" in text or "#" in text or "_" in text


def _by_length(keys: Iterable[str]) -> dict[int, str]:
    """Keys grouped by length, each group one newline-separated string for a multi-line regex search."""
    groups: dict[int, list[str]] = {}
    for key in keys:
        groups.setdefault(len(key), []).append(key)
    return {length: "\n".join(sorted(group)) for length, group in groups.items()}


def _names_of(brand: Brand) -> list[str]:
    names = [brand.name, *brand.aliases]
    words = plain(brand.name).split()
    if len(words) > 1 and words[-1] in GENERIC_SUFFIXES:
        names.append(" ".join(words[:-1]))
    return [n for n in dict.fromkeys(names) if n.strip()]


def _plain_offsets(plain_text: str, skel: str, raw: str | None) -> list[int]:
    """For each skeleton character, the plain character it came from; empty if they cannot be lined up
    (then a match is quoted as the whole plain text)."""
    source = plain_folded(raw, plain_text) if raw is not None else plain_text
    rebuilt, offsets = skeleton_with_offsets(source)
    return offsets if rebuilt == skel and len(source) == len(plain_text) else []


def _disguise_kind(surface: str, name: _Name, key: str) -> MentionKind | None:
    """How a skeleton match counts: "disguised" only if the writing shows a trick; plain words never count.

    Two-letter names ("HP", "V7") count as disguised only with a look-alike or leet character; split by
    mere punctuation ("V.7") they are an ordinary mention.
    """
    if surface == plain(name.name):
        return None
    if surface == plain(name.name).replace(" ", ""):  # "caselogic": the name, written without its space
        return "exact"
    if len(key.replace(" ", "")) < 3:
        if not any(c.isalnum() for c in surface):
            return None
        if any(not c.isascii() or c in "\\/|@$!" for c in surface):
            return "disguised"
        return "exact" if any(not c.isalnum() for c in surface) else None
    if sum(c.isalpha() for c in surface) < 2:
        return None
    if any(not ("a" <= c <= "z") for c in surface):  # look-alike, digit, symbol or separator
        return "disguised"
    lowered = plain(name.name)
    if ("rn" in surface and "m" in lowered) or ("vv" in surface and "w" in lowered):
        return "disguised"
    return None


def _short_misspellings(name: str) -> set[str]:
    """Misspellings of a two- or three-character name that are still recognisable: a doubled character
    ("hpp", "v77") or two neighbours swapped ("vjc" for JVC). Other edits of so short a name are noise."""
    variants = {name[:i] + name[i] + name[i:] for i in range(len(name))}
    variants |= {name[:i] + name[i + 1] + name[i] + name[i + 2:] for i in range(len(name) - 1)}
    variants.discard(name)
    return variants


def _written_with_special_characters(exact: list[Mention], raw: str) -> list[Mention]:
    """Exact mentions that only appear after normalisation: invisible characters inside the name
    ("Ver<zero-width space>batim") or full-width / mathematical letters ("Ｅｎｃｏｒｅ"). Full-width Latin is
    ordinary in Chinese and Japanese text, so there only invisible characters count."""
    if not exact:
        return []
    casefolded = raw.casefold()
    invisible = has_invisible(raw)
    if not invisible and _CJK_CHARACTERS.search(raw):
        return []
    composed = unicodedata.normalize("NFC", casefolded)
    written = {surface: surface in casefolded or surface in composed for surface in {m.surface for m in exact}}
    out: list[Mention] = []
    for m in exact:
        if not written[m.surface]:
            how = "invisible" if invisible else "full-width or stylised"
            out.append(Mention(m.brand_id, m.name, "disguised", m.field, f"{m.surface} (with {how} characters)",
                               m.start, m.end, m.searched))
    return out


def _load_word_frequencies() -> None:
    """Load the English word frequencies (~0.3 s) when an index is built rather than at the first word looked
    up: scan workers forked after the engine is built then share one copy instead of each loading its own."""
    from wordfreq import zipf_frequency

    zipf_frequency("the", "en")


@lru_cache(maxsize=65_536)
def _is_ordinary_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    return all(zipf_frequency(w, "en") >= ORDINARY_WORD_ZIPF for w in word.split())
