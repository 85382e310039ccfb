"""Look-alike characters taken from Unicode's own data, beyond the hand-picked tables in `normalise`.

- confusables (UTS #39, via confusable-homoglyphs): letters of other scripts drawn like one Latin letter
  (Cherokee "Ꮪ", Armenian "օ", Coptic, Lisu, Canadian syllabics...);
- enclosed letters that NFKC leaves alone or wraps in brackets: negative circled and squared "🅢🅾",
  regional indicators "🇸", parenthesized "⒮"; look-alikes that NFKC turns into another letter (the
  lunate sigma "ϲ" reads c, NFKC makes it σ); emoji drawn as letters ("⭕", "❌"); trademark signs,
  which NFKC glues to the name as "tm";
- pictographs and dingbats ("🔥", "♥"): never letters, so between letters they separate like punctuation;
- upside-down writing ("ʎuoS"): a word holding letters turned upside down reads back to front.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

# Scripts whose look-alikes of Latin letters are used to disguise names. Scripts with many everyday
# readers outside them (Indic, CJK, Ethiopic, Georgian...) are left out: their text is not a disguise.
_DISGUISE_SCRIPTS = frozenset({
    "LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU", "CANADIAN", "DESERET", "OSAGE",
    "WARANG", "CARIAN", "LYCIAN", "OLD", "ELBASAN", "MIAO", "TIFINAGH", "RUNIC", "GOTHIC", "VAI", "NKO",
})
# First code point (a) of each enclosed a-z run: parenthesized ⒜, negative circled 🅐, negative squared 🅰.
_LETTER_BLOCKS = (0x249C, 0x1F150, 0x1F170)
# Letters of those scripts drawn like a Latin letter in common fonts that Unicode's list leaves out.
_UNLISTED_LOOKALIKES = {"\u056a": "d"}  # Armenian zhe ժ
_REGIONAL_INDICATOR_A = 0x1F1E6
_TRADEMARK_SIGNS = ("\u2122", "\u2120")  # ™ ℠
_NFKC_CHANGES = {"\u03f2": "c", "\u03f9": "c"}  # lunate sigma ϲ Ϲ
# Emoji drawn as a letter or a leet symbol.
_EMOJI_LETTERS = {"⭕": "o", "❌": "x", "❎": "x", "✖": "x", "💲": "$", "〰": "w"}
_PICTOGRAPH_RANGES = ((0x2190, 0x2BFF), (0x1F000, 0x1FAFF))
# Letters as they look upside down. The non-Latin ones give a word away as turned; the Latin pairs
# (b/q, d/p, n/u) swap only inside such a word.
_TURNED = {"ɐ": "a", "ɔ": "c", "ǝ": "e", "ɟ": "f", "ƃ": "g", "ɥ": "h", "ᴉ": "i", "ɾ": "j", "ʞ": "k",
           "ɯ": "m", "ɹ": "r", "ʇ": "t", "ʌ": "v", "ʍ": "w", "ʎ": "y", "∀": "a", "Ɔ": "c", "Ǝ": "e",
           "Ⅎ": "f", "⅁": "g", "˥": "l", "Ԁ": "p", "⊥": "t", "∩": "u", "Λ": "v", "⅄": "y"}
_TURNED_LATIN = {"b": "q", "q": "b", "d": "p", "p": "d", "n": "u", "u": "n"}
_TURNED_TABLE = str.maketrans({**_TURNED_LATIN, **_TURNED})
# Turned back only beside a tell-tale letter: "ɔ" is an everyday letter in Akan, Ewe and Lingala, and
# "Ԁ" (Komi De) is also a look-alike of d the right way up ("aԀidas").
TURNED_LETTERS = frozenset(_TURNED) - {"ɔ", "Ɔ", "Ԁ"}
_TURNED_WORD = re.compile(rf"\S*[{''.join(sorted(TURNED_LETTERS))}]\S*")


@cache
def confusable_letters() -> tuple[dict[str, str], dict[str, str]]:
    """(capitals, small letters) -> Latin letter. Capitals are folded before casefolding, because the
    small form of a capital look-alike can look like another letter (Cherokee and Greek are not alike)."""
    source = resources.files("confusable_homoglyphs") / "confusables.json"
    confusables: dict[str, list[dict[str, str]]] = json.loads(source.read_text(encoding="utf-8"))
    capitals: dict[str, str] = {}
    small: dict[str, str] = {}
    for char, alikes in confusables.items():
        if len(char) != 1 or char.isascii() or unicodedata.normalize("NFKC", char) != char:
            continue
        if unicodedata.name(char, "").split(" ", 1)[0] not in _DISGUISE_SCRIPTS:
            continue
        letters = {a["c"] for a in alikes if len(a["c"]) == 1 and a["c"].isascii() and a["c"].isalpha()}
        if len(letters) != 1:
            continue
        letter = letters.pop()
        table = capitals if char.casefold() != char else small
        table.setdefault(char, letter.lower())
    for char, letter in _UNLISTED_LOOKALIKES.items():
        small.setdefault(char, letter)
    return capitals, small


@cache
def enclosed_letters() -> dict[int, str]:
    """A `str.translate` table applied before NFKC: enclosed letters, emoji drawn as letters ("⭕") and
    look-alikes NFKC would change to letters; trademark signs to spaces.

    Regional indicators become separate letters: two of them are a flag ("🇺🇸"), not part of a word.
    """
    table: dict[int, str] = {}
    for first in _LETTER_BLOCKS:
        table.update({first + i: chr(ord("a") + i) for i in range(26)})
    table.update({_REGIONAL_INDICATOR_A + i: f" {chr(ord('a') + i)} " for i in range(26)})
    table.update({ord(sign): " " for sign in _TRADEMARK_SIGNS})
    table.update({ord(char): letter for char, letter in (*_NFKC_CHANGES.items(), *_EMOJI_LETTERS.items())})
    return table


@cache
def pictograph_separators() -> dict[int, str]:
    """A `str.translate` table of symbols that are pictures, not letters or digits, to spaces."""
    table: dict[int, str] = {}
    letters = enclosed_letters()
    for low, high in _PICTOGRAPH_RANGES:
        for point in range(low, high + 1):
            char = chr(point)
            if unicodedata.category(char) != "So" or point in letters:
                continue
            name = unicodedata.name(char, "")
            if not any(word in name for word in ("LETTER", "DIGIT", "NUMBER")):
                table[point] = " "
    return table


def turned_back(text: str) -> str:
    """Words written upside down ("ʎuoS") read the right way up ("Sony"); other words as they are."""
    return _TURNED_WORD.sub(lambda m: m.group(0)[::-1].translate(_TURNED_TABLE), text)
