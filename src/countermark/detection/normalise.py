"""Text normalisation for matching brands and vocabulary however the seller disguised them.

Two forms of every text:

- `plain`: NFKC + casefold with invisible characters removed. Full-width, mathematical, circled and
  other enclosed letters (`lookalikes.enclosed_letters`) and ligatures become ordinary letters here;
  right-to-left overrides and upside-down words are read back. Exact brand names, native-script
  aliases, vocabulary and model numbers are matched on it.
- `skeleton`: the plain form folded further so that look-alikes coincide: homoglyphs of other scripts to
  Latin (hand-picked tables, then Unicode's confusables), any other script transliterated (anyascii),
  pictographs made separators, digits and symbols used as letters (leetspeak), punctuation inside a word
  and separators between single letters ("S.o.n.y", "S o n y", "S|o|n|y") removed, and letter classes
  that are easy to confuse merged (i/l/1/|/!, "rn"/"m", "vv"/"w"). Brand names are folded the same way,
  so matching is a plain substring search on both sides.

Everything here is whole-string `str.translate`/regex work (C speed): it runs on every listing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

from anyascii import anyascii

from countermark.detection.lookalikes import (
    TURNED_LETTERS,
    confusable_letters,
    enclosed_letters,
    pictograph_separators,
    turned_back,
)

# Invisible characters, removed: every Unicode "format" character (zero-width space/joiner, soft hyphen,
# bidi marks, tags), the combining grapheme joiner and variation selectors ("🅰️" is 🅰 + U+FE0F).
_FORMAT_CHARS = dict.fromkeys([
    0x034F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0),
    *(cp for cp in chain(range(0x20000), range(0xE0000, 0xE1000)) if unicodedata.category(chr(cp)) == "Cf"),
])
_INVISIBLE = frozenset(map(chr, _FORMAT_CHARS))

# Look-alike letters of other scripts, after casefolding (so only lower-case forms are needed).
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "ɡ": "g", "п": "n", "г": "r", "ь": "b", "һ": "h", "ү": "y", "ҡ": "k", "ԍ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "ά": "a", "έ": "e",
    "ί": "i", "ό": "o", "ύ": "u", "ώ": "w", "ή": "n",
    # Latin look-alikes that anyascii would not fold to the intended letter
    "ѵ": "v", "ѡ": "w", "ԃ": "d", "ɩ": "i", "ʏ": "y", "ǃ": "i", "ı": "i", "ł": "l", "ø": "o", "đ": "d",
    "ǀ": "l", "ɑ": "a", "ℓ": "l", "ɢ": "g", "ʜ": "h", "ɴ": "n", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴋ": "k",
}

# Capital letters of other scripts look like different Latin letters than their lower-case forms do
# (Greek capital eta "Η" reads H, small "η" reads n), so capitals are folded before casefolding.
CAPITAL_HOMOGLYPHS: dict[str, str] = {
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h",
    "О": "o", "Р": "p", "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j", "Ѵ": "v",
    "Ԁ": "d", "Ԛ": "q", "Ԝ": "w", "Ү": "y", "Һ": "h",
}

# Several symbols drawing one letter: "\/" is V, "|-|" is H.
MULTI_CHAR_LEET: tuple[tuple[str, str], ...] = (
    ("|\\/|", "m"), ("/\\/\\", "m"), ("|\\|", "n"), ("/\\/", "n"), ("\\/\\/", "w"), ("\\/", "v"),
    ("|-|", "h"), ("|<", "k"), ("|)", "d"), ("()", "o"), ("[]", "o"), ("/\\", "a"),
)

# Digits and symbols standing for letters. Applied only to the skeleton, never to model numbers.
LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "£": "l", "¡": "i",
}

# Letter classes merged in the skeleton (i and l look alike; 1 and ! stand for either).
_CLASS_FOLD = {"l": "i"}

# Non-ASCII leet symbols are folded with the homoglyphs, before transliteration turns "£" into "GBP";
# pictographs become spaces before transliteration turns "🔥" into ":fire:". The hand-picked tables
# above win over Unicode's confusables where they differ.
_CONFUSABLE_CAPITALS, _CONFUSABLE_SMALL = confusable_letters()
_HOMOGLYPH_TABLE = {**pictograph_separators(), **str.maketrans(
    {**_CONFUSABLE_SMALL, **HOMOGLYPHS, **{k: v for k, v in LEET.items() if not k.isascii()}})}
_CAPITALS_TABLE = str.maketrans({**_CONFUSABLE_CAPITALS, **CAPITAL_HOMOGLYPHS})
_ENCLOSED_TABLE = enclosed_letters()
# str.translate with a dict looks every character up, the ones it does not change too (raising and catching
# a KeyError for each): ~5x slower than a set test of the text (a regex class of so many characters is slower
# still), so the tables apply only to the texts the test finds one of their characters in, which few are.
_CAPITALS = frozenset(map(chr, _CAPITALS_TABLE))
_ENCLOSED = frozenset(map(chr, _ENCLOSED_TABLE))
# Pre-checks for a handful of rare characters are regex character-class searches: for so few, the regex scan
# is several times faster than a set test, which walks the text in Python objects (for the big tables above
# it is the other way round).
_LEET_SYMBOL = re.compile(r"[\\|()\[\]/<]")
# Transliterated text is ASCII (non-ASCII leet symbols went with the homoglyphs), so the one-to-one folds
# of the skeleton run as a bytes table: several times faster than str.translate's per-character dict lookups.
_SKELETON_FOLDS = {k: v for k, v in {**{k: _CLASS_FOLD.get(v, v) for k, v in LEET.items()}, **_CLASS_FOLD}.items()
                   if k.isascii()}
_SKELETON_BYTES = bytes.maketrans("".join(_SKELETON_FOLDS).encode(), "".join(_SKELETON_FOLDS.values()).encode())

# Punctuation a seller puts inside a word to break matching: "so.ny", "sam_sung", "da-lite". The pattern
# opens with the punctuation itself (then looks back for the letter) so that the regex engine skips
# straight to punctuation instead of trying every position.
_PUNCT = r"[.\-_*·•'`’~+^=/]"
_INWORD_PUNCT = re.compile(rf"{_PUNCT}(?<=[a-z0-9]{_PUNCT}){_PUNCT}*+(?=[a-z0-9])")
# Runs of single characters separated by spaces or punctuation: "s o n y", "s . o . n . y".
_SEPARATORS = r"[\s.\-_*·•/\\,;:'`’~+^=]"
_SPACED_LETTERS = re.compile(rf"(?<![a-z0-9])(?:[a-z0-9]{_SEPARATORS}+){{2,}}[a-z0-9](?![a-z0-9])")


def _shape(point: int) -> int:
    char = chr(point)
    return ord("a") if re.fullmatch("[a-z0-9]", char) else ord(" ") if re.fullmatch(_SEPARATORS, char) else ord("#")


# Such a run has its second character between separators and a third after them ("o", "n" in "s o n y"), and
# its first follows no letter or digit ("usb 2.0" fails; checked only where one separator stands after it).
# Looked for on the text's shape (each character as "a" for a letter or digit, " " for a separator, "#" for
# anything else): there it opens with a literal, " a ", which the regex engine skips straight to instead of
# trying every separator.
_SHAPES = bytes(map(_shape, range(256)))
_SPACED_END = re.compile(rb" a (?:(?<=[ #]a a )|(?<=^a a )|(?<=  a )) *a(?!a)")
_SEPARATOR = re.compile(rf"{_SEPARATORS}+")
_WHITESPACE_CHARS = frozenset(" \t\n\r\f\v")
# Single letters between symbols that are leet letters elsewhere ("s|o|n|y", "s+o+n+y"), or in brackets
# ("[s][o][n][y]"): the symbols go before they would be read as letters.
_SYMBOL_SPACED = re.compile(
    r"(?<![a-z0-9])[a-z0-9](?P<sep>[|+])[a-z0-9](?:(?P=sep)[a-z0-9])+(?![a-z0-9])|(?:[\[({][a-z0-9][\])}]){3,}")
# Tested first, cheaply: the first kind needs a | or +, the second a bracketed character. The pattern opens
# with one character class (the regex engine skips straight to those characters; an alternation would not).
_MAY_BE_SYMBOL_SPACED = re.compile(r"[|+\[({](?:(?<=[|+])|[a-z0-9][\])}])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Every symbol the steps above and _CONTEXT_LEET below start from: most texts have none, one search says so.
_LETTER_SYMBOL = re.compile(r"[\\|()\[\]/<+{]")
# Right-to-left override: the text shows reversed, so "\u202eynoS" reads "Sony".
_REVERSED_RUN = re.compile("\u202e([^\u202a\u202b\u202c\u202d]*)")
# "(" for c and "+" for t only where they cannot be punctuation: "JV(", "(ase logic", "+ribeca", not "(sony)".
# Every branch opens with the symbol (the letter before is looked back for), so the search skips to it.
_CONTEXT_LEET = re.compile(r"\((?<=[a-z]\()(?![a-z0-9]*\))|\((?=[a-z@$]+(?![a-z@$]*\)))|\+(?=[a-z@$!|])")
_CONTEXT_LEET_LETTERS = {"(": "c", "+": "t"}
_CONFUSED_PAIRS = (("rn", "m"), ("vv", "w"))



def plain(text: str) -> str:
    """NFKC + casefold, invisible characters removed, enclosed letters unwrapped, whitespace collapsed."""
    if text.isascii():
        folded = text.lower()
    else:
        if "\u202e" in text:
            text = _REVERSED_RUN.sub(lambda m: m.group(1)[::-1], text)
        if not TURNED_LETTERS.isdisjoint(text):
            text = turned_back(text)
        if not _ENCLOSED.isdisjoint(text):
            text = text.translate(_ENCLOSED_TABLE)
        folded = unicodedata.normalize("NFKC", text).casefold()
        if has_invisible(folded):
            folded = folded.translate(_FORMAT_CHARS)
        folded = unicodedata.normalize("NFKC", folded)
    return " ".join(folded.split())  # whitespace collapsed: str.split() knows the same spaces as regex \s


def has_invisible(text: str) -> bool:
    """Whether the text holds characters that `plain` removes as invisible."""
    return not _INVISIBLE.isdisjoint(text)


def fold_capitals(text: str) -> str:
    """Raw text with other scripts' capital look-alikes made Latin; feed to `plain` then `skeleton`."""
    return text if text.isascii() or _CAPITALS.isdisjoint(text) else text.translate(_CAPITALS_TABLE)


def plain_folded(raw: str, plain_raw: str) -> str:
    """`plain` of the raw text with capital look-alikes folded (what `skeleton` reads); `plain_raw`, the
    raw text's `plain`, when there are none."""
    folded = fold_capitals(raw)
    return plain_raw if folded == raw else plain(folded)


class _AsciiFolds(dict[int, str]):
    """`str.translate` table of each character's ASCII transliteration, homoglyphs first, filled in as
    characters are met: anyascii reads a text character by character in Python, the table at C speed."""

    _LIMIT = 65_536  # bounded memory whatever the texts

    def __missing__(self, point: int) -> str:
        if len(self) >= self._LIMIT:
            self.clear()
        folded = self[point] = anyascii(chr(point).translate(_HOMOGLYPH_TABLE)).lower()
        return folded


_ASCII_FOLDS = _AsciiFolds()


def transliterate(plain_text: str) -> str:
    """Other scripts to ASCII, homoglyphs first so that 'Ѕоnу' reads 'sony' and not 'sonu'."""
    if plain_text.isascii():
        return plain_text
    return plain_text.translate(_ASCII_FOLDS)


def skeleton(plain_text: str, *, words_apart: bool = False) -> str:
    """The folded form in which disguised and genuine spellings of a name coincide.

    Punctuation inside a word is dropped ("so.ny" reads "sony"); `words_apart` reads it as a space
    instead, for a disguised name glued to a neighbour by punctuation ("new-ѕmеаԁ", "ѕtаrtесһ.com").
    """
    text = transliterate(plain_text)
    if _LETTER_SYMBOL.search(text):
        text = _symbols_read(text)
    folded = _fold_letters(text)
    text = folded.decode("ascii")
    if _SPACED_END.search(folded.translate(_SHAPES)):
        text = _SPACED_LETTERS.sub(_join_spaced, text)
    text = _INWORD_PUNCT.sub(" " if words_apart else "", text)
    for confusable, letter in _CONFUSED_PAIRS:
        if confusable in text:
            text = text.replace(confusable, letter)
    return text


def _symbols_read(text: str) -> str:
    """Symbols drawn as letters: several making one ("|\\/|"), between single letters ("s|o|n|y"), or
    standing for a letter where they cannot be punctuation ("(ase")."""
    text = _multi_char_leet(text)
    if _MAY_BE_SYMBOL_SPACED.search(text):
        text = _SYMBOL_SPACED.sub(lambda m: _NOT_ALNUM.sub("", m.group(0)), text)
    return _context_leet(text)


def skeleton_with_offsets(plain_text: str, *, words_apart: bool = False) -> tuple[str, list[int]]:
    """`skeleton()` plus, for each of its characters, the offset of the plain character it came from.

    Slower (per character); used only to quote what the seller wrote when a disguised match is found.
    """
    text, offsets = _transliterate_with_offsets(plain_text)
    if _LEET_SYMBOL.search(text):
        for symbols, letter in MULTI_CHAR_LEET:
            text, offsets = _merge(text, offsets, symbols, letter)
    if _MAY_BE_SYMBOL_SPACED.search(text):
        text, offsets = _drop(text, offsets, {j for m in _SYMBOL_SPACED.finditer(text)
                                              for j in range(m.start(), m.end()) if not text[j].isalnum()})
    text = _fold_letters(_context_leet(text)).decode("ascii")  # both keep the length
    # Spaced letters lose only their separators.
    removed: set[int] = set()
    breaks: set[int] = set()
    for m in _SPACED_LETTERS.finditer(text):
        for start, end, word_break in _separators(m):
            if word_break:  # kept as one space
                breaks.add(start)
                start += 1
            removed.update(range(start, end))
    text = _spaces_at(text, breaks)
    text, offsets = _drop(text, offsets, removed)
    punctuation = list(_INWORD_PUNCT.finditer(text))
    kept = 0
    if words_apart:  # each run of punctuation becomes one space
        kept = 1
        text = _spaces_at(text, {m.start() for m in punctuation})
    text, offsets = _drop(text, offsets, {j for m in punctuation for j in range(m.start() + kept, m.end())})
    for confusable, letter in _CONFUSED_PAIRS:
        text, offsets = _merge(text, offsets, confusable, letter)
    return text, offsets


def _transliterate_with_offsets(plain_text: str) -> tuple[str, list[int]]:
    if plain_text.isascii():
        return plain_text, list(range(len(plain_text)))
    parts = [ch if ch.isascii() else transliterate(ch) for ch in plain_text]
    return "".join(parts), [i for i, part in enumerate(parts) for _ in part]


def _separators(run: re.Match[str]) -> list[tuple[int, int, bool]]:
    """(start, end, word break) of each separator in a run of spaced letters. A space between groups
    dotted or dashed together ("S.o.n.y B.R.A.V.I.A") separates words; every other separator goes."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _SEPARATOR.finditer(run.string, run.start(), run.end())]
    kinds = [sep for _, _, sep in spans]
    usual = max(kinds, key=kinds.count)  # the first of the most common: deterministic
    apart = _WHITESPACE_CHARS.isdisjoint(usual)
    return [(start, end, apart and not _WHITESPACE_CHARS.isdisjoint(sep)) for start, end, sep in spans]


def _join_spaced(run: re.Match[str]) -> str:
    parts: list[str] = []
    at = run.start()
    for start, end, word_break in _separators(run):
        parts.append(run.string[at:start] + (" " if word_break else ""))
        at = end
    parts.append(run.string[at:run.end()])
    return "".join(parts)


def _spaces_at(text: str, positions: set[int]) -> str:
    """The text with the characters at `positions` made spaces (the length, so the offsets, kept)."""
    if not positions:
        return text
    chars = list(text)
    for j in positions:
        chars[j] = " "
    return "".join(chars)


def _drop(text: str, offsets: list[int], removed: set[int]) -> tuple[str, list[int]]:
    """The text and its offsets without the characters at `removed`, copied a slice between two of them at a
    time (few are removed: a test per character would cost more)."""
    if not removed:
        return text, offsets
    kept_text: list[str] = []
    kept_offsets: list[int] = []
    at = 0
    for j in sorted(removed):
        kept_text.append(text[at:j])
        kept_offsets += offsets[at:j]
        at = j + 1
    kept_text.append(text[at:])
    kept_offsets += offsets[at:]
    return "".join(kept_text), kept_offsets


def _merge(text: str, offsets: list[int], sequence: str, letter: str) -> tuple[str, list[int]]:
    """Replace each `sequence` in text with `letter`, keeping the offset of its first character."""
    if sequence not in text:
        return text, offsets
    out_text: list[str] = []
    out_offsets: list[int] = []
    j = 0
    while (found := text.find(sequence, j)) >= 0:
        out_text.append(text[j:found] + letter)
        out_offsets.extend(offsets[j:found + 1])
        j = found + len(sequence)
    out_text.append(text[j:])
    out_offsets.extend(offsets[j:])
    return "".join(out_text), out_offsets


def _fold_letters(ascii_text: str) -> bytes:
    return ascii_text.encode("ascii").translate(_SKELETON_BYTES)


def _context_leet(text: str) -> str:
    if "(" not in text and "+" not in text:
        return text
    return _CONTEXT_LEET.sub(lambda m: _CONTEXT_LEET_LETTERS[m.group(0)], text)


def _multi_char_leet(text: str) -> str:
    if not _LEET_SYMBOL.search(text):
        return text
    for symbols, letter in MULTI_CHAR_LEET:
        if symbols in text:
            text = text.replace(symbols, letter)
    return text


@lru_cache(maxsize=4096)
def name_skeleton(name: str) -> str:
    """Skeleton of a brand name or vocabulary term (cached: names are few)."""
    return skeleton(plain(name))


def has_word_boundaries(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not glued to letters/digits on either side.

    Scripts written without spaces (Chinese, Japanese, Thai, Khmer...) have no word boundaries: a match
    whose own edge character is of such a script always counts.
    """
    if start > 0 and text[start - 1].isalnum() and not _is_unspaced(text[start]):
        return False
    return not (end < len(text) and text[end].isalnum() and not _is_unspaced(text[end - 1]))


# Scripts of South-East Asia written without spaces between words: Thai, Lao, Myanmar, Khmer.
_UNSPACED_BLOCKS = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))


def _is_unspaced(ch: str) -> bool:
    point = ord(ch)
    if point < 0x0E00:
        return False
    if point >= 0x2E80:
        return unicodedata.category(ch).startswith("L")
    return any(low <= point <= high for low, high in _UNSPACED_BLOCKS)

