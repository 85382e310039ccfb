"""The normaliser: disguised brand names are still found, ordinary words are not."""

from __future__ import annotations

import re

from anyascii import anyascii
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from countermark.detection.analysis import Analyser
from countermark.detection.brands import _is_ordinary_word
from countermark.detection.normalise import (
    _HOMOGLYPH_TABLE,
    _SHAPES,
    _SPACED_END,
    _SPACED_LETTERS,
    CAPITAL_HOMOGLYPHS,
    HOMOGLYPHS,
    LEET,
    has_invisible,
    plain,
    skeleton,
    skeleton_with_offsets,
    transliterate,
)
from countermark.listings.records import Brand, Listing


def mentions(brand_names: list[str], title: str) -> set[tuple[str, str]]:
    analyser = _analyser(tuple(brand_names))
    view = analyser.view(Listing("L", "S", title, 10.0))
    return {(m.brand_id, m.kind) for m in view.mentions}


_cache: dict[tuple[str, ...], Analyser] = {}


def _analyser(names: tuple[str, ...]) -> Analyser:
    if names not in _cache:
        _cache[names] = Analyser([Brand(brand_id=n.lower(), name=n) for n in names])
    return _cache[names]


def found(name: str, title: str) -> bool:
    return name.lower() in {b for b, _ in mentions([name], title)}


def test_plain_is_nfkc_casefold_without_invisible_characters() -> None:
    assert plain("Ｓｏｎｙ  𝐁𝐑𝐀𝐕𝐈𝐀") == "sony bravia"
    assert plain("Sam\u200bsung") == "samsung"
    assert plain("STRASSE Straße") == "strasse strasse"


def test_skeleton_folds_lookalikes_leetspeak_and_separators() -> None:
    for disguised in ("Ѕоnу", "S0NY", "5ony", "S.o.n.y", "S o n y", "S-o-n-y", "s_o_n_y", "Sοny"):
        assert skeleton(plain(disguised)) == skeleton("sony"), disguised
    assert skeleton("sarnsung") == skeleton("samsung")
    # A space between dotted groups is a word break, not one more separator.
    assert skeleton(plain("S.o.n.y B.R.A.V.I.A")) == "sony bravia"
    assert skeleton(plain("К.і.n.g.ѕ.t.о.n 2 gb")) == "kingston 2 gb"


def test_each_supported_disguise_is_found() -> None:
    cases = ["Ѕоnу TV", "S0NY TV", "$ony tv", "S.o.n.y tv", "S o n y tv", "Ｓｏｎｙ tv", "So\u200bny tv", "SÖNY tv",
             "ЅОNY tv", "buy s-o-n-y now"]
    for title in cases:
        assert "sony" in {brand for brand, _ in mentions(["Sony"], title)}, title


def test_unicode_lookalike_families_are_found() -> None:
    """Families the demo never uses: enclosed letters, other scripts' confusables, pictograph and leet-symbol
    separators, letters in brackets, combining marks, trademark signs, masked letters, reversed and
    upside-down text."""
    cases = {
        "🅢🅞🅝🅨 headphones": "disguised",  # negative circled
        "🆂🅾🅽🆈 headphones": "disguised",  # negative squared
        "🇸🇴🇳🇾 headphones": "disguised",  # regional indicators
        "⒮⒪⒩⒴ headphones": "disguised",  # parenthesized
        "ᏚONY headphones": "disguised",  # Cherokee
        "Ѕօոу headphones": "disguised",  # Armenian
        "S🔥O🔥N🔥Y headphones": "disguised",
        "S♥O♥N♥Y headphones": "disguised",
        "S̶o̶n̶y̶ headphones": "disguised",
        "Sony™ headphones": "exact",
        "Sony® headphones": "exact",
        "S*ny headphones": "disguised",
        "*ony headphones": "disguised",
        "S#ny headphones": "disguised",
        "S|o|n|y headphones": "disguised",
        "S+o+n+y headphones": "disguised",
        "[S][o][n][y] headphones": "disguised",
        "\u202eynoS\u202c headphones": "disguised",  # shown as "Sony" by a right-to-left override
        "sǝuoɥdpɐǝɥ ʎuoS": "disguised",  # upside down
        "💲⭕ny headphones": "disguised",  # emoji drawn as letters
        "🆂\ufe0f🅾\ufe0fny headphones": "disguised",  # with emoji variation selectors
        "new-Ѕоnу headphones": "disguised",  # glued to a neighbour by punctuation
        "Ѕоnу.com headphones": "disguised",
        "So\U000e0020ny headphones": "disguised",  # an invisible tag character
    }
    for title, kind in cases.items():
        assert ("sony", kind) in mentions(["Sony"], title), title
    assert ("adobe", "disguised") in mentions(["Adobe"], "Aժօbe reader")  # Armenian zhe: not in Unicode's list


def test_a_name_glued_to_a_word_or_model_number_is_found() -> None:
    for title in ("SonyHeadphones wireless", "#sonyheadphones", "brand newSony tv", "sonydvpns57p dvd player"):
        assert ("sony", "exact") in mentions(["Sony"], title), title
    assert not found("MAC", "MacBook Pro 13")  # three letters: too short to look for inside words
    assert not found("Ever", "evergreen hedge")  # the whole is an ordinary word
    assert not found("Sony", "sonyxq wireless")  # glued to something that is neither word nor model number
    assert not found("Sony", "sonyex earbuds")  # "ex": too short to tell a word from noise


def test_a_name_glued_to_a_number_is_found() -> None:
    glued = (("Samsung", "samsung6 series tv"), ("Lexmark", "lexmark34 high yield"), ("Canon", "canon5d body"))
    for name, title in glued:
        assert (name.lower(), "exact") in mentions([name], title), title


def test_a_name_of_several_words_or_parts_glued_to_a_word_is_found() -> None:
    assert ("case logic", "exact") in mentions(["Case Logic"], "caselogicbackpack 16 inch")
    assert ("da-lite", "exact") in mentions(["Da-Lite"], "Da-LiteHigh power screen")
    assert ("buffalo technology", "exact") in mentions(["Buffalo Technology"], "#buffalotechnologydrive 640gb")


def test_masks_and_pictographs_alone_are_not_brands() -> None:
    assert not found("Sony", "**ny headphones")  # as many asterisks as letters left: says nothing
    assert not found("Sony", "5* rating, s* sizes")
    assert not found("Sony", "🔥 song 🔥 remix")
    assert not found("Sony", "🇸🇪 Swedish design, 🇳🇴 Norwegian wool")
    assert not found("Nike", "n*ked truth")  # the mask stands for one character
    assert not found("Sony", "size (s) (o) (n)")
    assert plain("Ɔdɔ ne asomdwoeɛ") == "ɔdɔ ne asomdwoeɛ"  # Akan's open o is a letter, not a turned c


def test_hostile_texts_are_read_whole() -> None:
    """Long and degenerate texts through the new folds: unterminated overrides, masks and pictographs only,
    a brand named thousands of times in every disguise (each read once per distinct form, not per mention)."""
    for text in ("\u202e" * 5000, "*#_" * 20_000, "🔥" * 20_000, "ʎ" * 20_000, "(" * 20_000 + "s|o|n|y",
                 "\u202e" + "ynos " * 20_000, "ѕony é " * 20_000, "s*ny " * 20_000, "sonyheadphones " * 5000):
        assert not has_invisible(plain(text))
        listing = Listing("L", "S", "tv", 10.0, description=text)
        view = _analyser(("Sony",)).view(listing)
        assert len(view.mentions) <= 6  # one per brand and kind of mention, however often it is named
    assert found("Sony", "tv " + "s*ny " * 20_000)


def test_ordinary_words_are_not_brands() -> None:
    assert not found("Avery", "every day carry bag")
    assert not found("Corning", "coming soon: new arrivals")
    assert not found("Canon", "cannon model kit")
    assert not found("3M", "em dash")


def test_short_names_need_a_real_disguise() -> None:
    assert ("hp", "disguised") in mentions(["HP"], "НP 61 ink cartridge")  # Cyrillic capital En
    assert ("v7", "disguised") in mentions(["V7"], "\\/7 usb mouse")
    assert not found("HP", "the hip hop album")
    assert ("hp", "fuzzy") in mentions(["HP"], "HPP toner cartridge")


def test_native_script_alias_and_transliteration() -> None:
    analyser = Analyser([Brand(brand_id="sony", name="Sony", aliases=("索尼",))])
    view = analyser.view(Listing("L", "S", "索尼电视 全新", 10.0))
    assert view.brand is not None and view.brand.brand_id == "sony"


# --- property tests -------------------------------------------------------------------------------

_LOOKALIKE_OF: dict[str, list[str]] = {}
for _glyph, _letter in {**HOMOGLYPHS}.items():
    _LOOKALIKE_OF.setdefault(_letter, []).append(_glyph)
_CAPITAL_OF: dict[str, list[str]] = {}
for _glyph, _letter in CAPITAL_HOMOGLYPHS.items():
    _CAPITAL_OF.setdefault(_letter, []).append(_glyph)
_LEET_OF: dict[str, list[str]] = {}
for _symbol, _letter in LEET.items():
    _LEET_OF.setdefault(_letter, []).append(_symbol)
_LEET_OF.setdefault("l", []).append("1")

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9)
letter_tricks = st.sampled_from(["keep", "upper", "lookalike", "capital", "leet", "fullwidth", "bold", "circled",
                                 "negative circled", "negative squared", "parenthesized", "strike"])
separators = st.sampled_from(["", ".", " ", "-", "_", "*", "\u200b", "🔥", "♥", "★", "–"])
contexts = st.sampled_from([("", ""), ("brand new ", " tv"), ("[hot] ", " 2024 model"), ("buy ", " today")])


def _disguise_letter(letter: str, trick: str) -> str:
    if trick == "upper":
        return letter.upper()
    if trick == "lookalike" and letter in _LOOKALIKE_OF:
        return _LOOKALIKE_OF[letter][0]
    if trick == "capital" and letter in _CAPITAL_OF:
        return _CAPITAL_OF[letter][0]
    if trick == "leet" and letter in _LEET_OF:
        return _LEET_OF[letter][0]
    if trick == "fullwidth":
        return chr(ord(letter) - ord("a") + 0xFF41)
    if trick == "bold":
        return chr(ord(letter) - ord("a") + 0x1D41A)
    enclosed = {"circled": 0x24D0, "negative circled": 0x1F150, "negative squared": 0x1F170, "parenthesized": 0x249C}
    if trick in enclosed:
        return chr(ord(letter) - ord("a") + enclosed[trick])
    if trick == "strike":
        return letter + "\u0336"
    return letter


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, tricks=st.lists(letter_tricks, min_size=9, max_size=9), separator=separators, context=contexts)
def test_any_disguised_brand_name_is_found(name: str, tricks: list[str], separator: str,
                                          context: tuple[str, str]) -> None:
    letters = [_disguise_letter(c, t) for c, t in zip(name, tricks, strict=False)]
    # A name written with fewer than two letters left ("a444") is a number, and numbers never match.
    assume(sum(c.isalpha() for c in letters) >= 2)
    written = separator.join(letters)
    title = f"{context[0]}{written}{context[1]}"
    assert found(name.capitalize(), title), (name, title)


_UPSIDE_DOWN = dict(zip("abcdefghijklmnopqrstuvwxyz", "ɐqɔpǝɟƃɥᴉɾʞlɯuodbɹsʇnʌʍxʎz", strict=True))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, data=st.data())
def test_masked_or_upside_down_names_are_found(name: str, data: st.DataObject) -> None:
    """One letter in three at most masked by *, # or _, or the whole name written upside down."""
    masked = list(name)
    for i in data.draw(st.sets(st.integers(0, len(name) - 1), min_size=1, max_size=len(name) // 3 or 1)):
        masked[i] = data.draw(st.sampled_from("*#_"))
    assume(sum(c.isalpha() for c in masked) > len(name) - sum(c.isalpha() for c in masked))
    assert found(name.capitalize(), f"brand new {''.join(masked)} speaker"), masked
    upside_down = "".join(_UPSIDE_DOWN[c] for c in reversed(name))
    assume(any(c in "ɐǝɟƃɥᴉɾʞɯɹʇʌʍʎ" for c in upside_down))  # else it is just the name backwards
    assert found(name.capitalize(), f"speaker {upside_down}"), upside_down


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=10), data=st.data())
def test_one_edit_misspellings_are_found(name: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(name) - 1))
    edit = data.draw(st.sampled_from(["delete", "double", "swap", "replace"]))
    if edit == "delete":
        misspelt = name[:i] + name[i + 1:]
    elif edit == "double":
        misspelt = name[:i] + name[i] + name[i:]
    elif edit == "swap" and i < len(name) - 1:
        misspelt = name[:i] + name[i + 1] + name[i] + name[i + 2:]
    else:
        misspelt = name[:i] + data.draw(st.sampled_from("aeiouxz")) + name[i + 1:]
    assume(misspelt != name and len(misspelt) >= 4 and not _is_ordinary_word(misspelt))
    assert found(name.capitalize(), f"{misspelt.capitalize()} wireless speaker")


_TRICKY = [*"abcilmnorstvw0134578 .-_*/\\|()+@$![]", "Ѕ", "о", "Η", "索", "é", "\u200b", "🔥", "🅢", "\u202e"]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=40))
def test_skeleton_offsets_agree_with_skeleton(text: str) -> None:
    """The offsets used to quote a disguised name describe exactly the skeleton that was searched."""
    folded = plain(text)
    for words_apart in (False, True):
        rebuilt, offsets = skeleton_with_offsets(folded, words_apart=words_apart)
        assert rebuilt == skeleton(folded, words_apart=words_apart)
        assert len(offsets) == len(rebuilt) and all(0 <= o < len(folded) for o in offsets)
        assert offsets == sorted(offsets)


@given(st.text(max_size=30))
def test_transliteration_table_reads_as_anyascii_does(text: str) -> None:
    """The table is filled character by character; anyascii reads the whole text: the same result."""
    expected = text if text.isascii() else anyascii(text.translate(_HOMOGLYPH_TABLE)).lower()
    assert transliterate(text) == expected


@given(st.text(alphabet=st.sampled_from(" \t\n\x0b\x1c\x85\xa0\u1680\u2028\u3000ab"), max_size=20))
def test_plain_collapses_every_kind_of_white_space(text: str) -> None:
    assert plain(text) == re.sub(r"\s+", " ", plain(text)).strip()


def test_komi_de_is_a_d_unless_the_word_is_upside_down() -> None:
    """"Ԁ" is both a d look-alike and a turned P: only a word with other turned letters reads back to front."""
    assert found("Adaa", "aԀaa")
    assert found("Aaaaaaabd", "aaaaaaabԀ")
    assert found("Pepsi", "ᴉsdǝԀ cola")


_SEP = r"[\s.\-_*·•/\\,;:'`’~+^=]"
_SPACED_END_ON_TEXT = re.compile(
    rf"{_SEP}[a-z0-9]{_SEP}(?:(?<=[^a-z0-9][a-z0-9]{_SEP}[a-z0-9]{_SEP})|(?<=^[a-z0-9]{_SEP}[a-z0-9]{_SEP})"
    rf"|(?<={_SEP}{_SEP}[a-z0-9]{_SEP})){_SEP}*[a-z0-9](?![a-z0-9])")
_SPACED_ALPHABET = " \t.-_*/\\,;:'`~+^=ab09#(&|"


@given(st.text(alphabet=_SPACED_ALPHABET, max_size=20))
def test_spaced_letters_are_looked_for_on_the_shape_as_on_the_text(text: str) -> None:
    shape = text.encode("ascii").translate(_SHAPES)

    assert (_SPACED_END.search(shape) is not None) == (_SPACED_END_ON_TEXT.search(text) is not None)


@given(st.text(alphabet=_SPACED_ALPHABET, max_size=20))
def test_the_spaced_letters_pre_check_passes_every_text_with_spaced_letters(text: str) -> None:
    if _SPACED_LETTERS.search(text):
        assert _SPACED_END.search(text.encode("ascii").translate(_SHAPES))
