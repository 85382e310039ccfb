"""Disguise robustness of brand detection: tricks a seller may use that the demo generator never produces.

Labelled counterfeit listings whose title names their brand plainly (the name or an alias as a whole
word, any case) get ONLY that name rewritten in the title by each disguise family ("Sony" -> "Ѕоnу",
"S🔥o🔥n🔥y", "🅂🄾🄽🅈", ...); everything else of the listing is kept. For each family:

- mention recall: the engine's view still mentions the right brand (`Analyser.view(...).mentions`,
  title or description; "title" counts title mentions only, since a few descriptions name the brand too);
- flag recall: `DetectionEngine.scan` still flags the listing (text only, no image matches; a listing
  can stay flagged without any mention when its model number or catalogue title gives the brand away);
- false-positive guard: legitimate listings whose title names no brand get one ordinary word of the
  title disguised the same way; "new mention" is the fraction that gains a brand mention (should be ~0).

Rates are over the listings the family actually changed (n): a family that has nothing to rewrite in a
name (a Greek look-alike map and a name without a, i, o, ...) is not counted as a success. Dropping,
replacing a letter and splitting a name apply to one-word names of 4+ letters only ("HP" less a letter
is nobody's name).

    .venv/bin/python bench/disguises.py                       # dev bundle, 400 listings
    .venv/bin/python bench/disguises.py --bundle DIR --limit 100 --json out.json

Families are the `FAMILIES` dict: one line each, a function str -> str applied to the name as written
(`Glued(...)` families get the name and the next word: "sony headphones" -> "SonyHeadphones").
Always exits 0: it is a report, not a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from countermark.detection.context import ScanContext
from countermark.detection.engine import DetectionEngine
from countermark.detection.training import bundle_records
from countermark.listings.records import Brand, Listing

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "bundles" / "dev"
FAIL_BELOW = 0.9
Rewrite = Callable[[str], str]


# ---------------------------------------------------------------- building blocks of the families


class Glued:
    """A family that rewrites the name together with the word after it ("sony headphones")."""

    def __init__(self, rewrite: Rewrite) -> None:
        self.rewrite = rewrite

    def __call__(self, text: str) -> str:
        return self.rewrite(text)


def per_char(mapping: dict[str, str], *, fold: Callable[[str], str] = str) -> Rewrite:
    """Each character through `mapping` (after `fold`, e.g. str.lower); unmapped characters stay."""
    return lambda s: "".join(mapping.get(fold(c), c) for c in s)


def pairs(plain: str, disguised: Iterable[str]) -> dict[str, str]:
    return dict(zip(plain, disguised, strict=True))


def block(upper: int | None, lower: int | None = None) -> dict[str, str]:
    """ASCII letters -> a contiguous Unicode block (a capitals-only block serves both cases)."""
    table: dict[str, str] = {}
    for i in range(26):
        cap, small = chr(65 + i), chr(97 + i)
        if upper is not None:
            table[cap] = table[small] = chr(upper + i)
        if lower is not None:
            table[small] = chr(lower + i)
    return table


def math_style(style: str) -> dict[str, str]:
    """Mathematical alphanumeric letters by Unicode name, with the Letterlike-block holes (ℬ, ℂ, ℎ, ...)."""
    table: dict[str, str] = {}
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        case = "CAPITAL" if c.isupper() else "SMALL"
        names = (f"MATHEMATICAL {style} {case} {c.upper()}", f"{style} {case} {c.upper()}",
                 f"{style.replace('FRAKTUR', 'BLACK-LETTER')} {case} {c.upper()}",
                 "PLANCK CONSTANT" if (style, c) == ("ITALIC", "h") else "")
        table[c] = next((unicodedata.lookup(n) for n in names if n and _named(n)), c)
    return table


def _named(name: str) -> bool:
    try:
        unicodedata.lookup(name)
    except KeyError:
        return False
    return True


def between(sep: str) -> Rewrite:
    """`sep` between the characters of each word: "sony" -> "s.o.n.y", "case logic" -> "c.a.s.e l.o.g.i.c"."""
    return lambda s: " ".join(sep.join(w) for w in s.split(" "))


def spaced(rewrite: Rewrite) -> Rewrite:
    """A per-letter rewrite with a space after every letter (regional indicators would form flags)."""
    return lambda s: " ".join(" ".join(rewrite(c) for c in w) for w in s.split(" "))


def marks(*combining: str) -> Rewrite:
    """Combining marks after every letter, cycling through `combining` (several per letter: zalgo)."""
    def apply(s: str) -> str:
        out, k = [], 0
        for c in s:
            out.append(c)
            if c.isalpha():
                out.append(combining[k % len(combining)])
                k += 1
        return "".join(out)
    return apply


def suffix(tail: str) -> Rewrite:
    return lambda s: s + tail


def wrap(before: str, after: str) -> Rewrite:
    return lambda s: "".join(f"{before}{c}{after}" if c.isalnum() else c for c in s)


def compose(*rewrites: Rewrite) -> Rewrite:
    def apply(s: str) -> str:
        for r in rewrites:
            s = r(s)
        return s
    return apply


def _middle(s: str) -> int:
    """Index of a letter in the middle of the (first word of the) name, never the first one."""
    word = s.split(" ")[0]
    return max(1, len(word) // 2) if len(word) > 1 else 0


def _long(s: str) -> bool:
    """Names of 4+ letters only: a dropped or replaced letter leaves nothing of "HP" or "V7" to recognise."""
    return s.isalpha() and len(s) >= 4


def drop_letter(s: str) -> str:
    i = _middle(s)
    return s[:i] + s[i + 1:] if _long(s) else s


def double_letter(s: str) -> str:
    i = _middle(s)
    return s[:i + 1] + s[i:]


def swap_letters(s: str) -> str:
    i = _middle(s)
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:] if i >= 1 and i < len(s) and s[i].isalpha() else s


_QWERTY_NEIGHBOUR = pairs("abcdefghijklmnopqrstuvwxyz", "sxvfrgthojlkmbpowtdyiceuta")


def neighbour_key(s: str) -> str:
    if not _long(s):
        return s
    i = _middle(s)
    c = s[i]
    repl = _QWERTY_NEIGHBOUR.get(c.lower(), c)
    return s[:i] + (repl.upper() if c.isupper() else repl) + s[i + 1:]


def mask_vowel(mask: str) -> Rewrite:
    """The first vowel after the first letter masked: "Sony" -> "S*ny", "Gucci" -> "G*cci"."""
    def apply(s: str) -> str:
        i = next((k for k, c in enumerate(s) if k > 0 and c.lower() in "aeiouy"), -1)
        return s if i < 0 else s[:i] + mask + s[i + 1:]
    return apply


def split_half(sep: str) -> Rewrite:
    return lambda s: s[:_middle(s)] + sep + s[_middle(s):] if _long(s) else s


def alternate_case(s: str) -> str:
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(s))


def camel(s: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in s.split())


def hashtag(s: str) -> str:
    return "#" + "".join(s.split()).lower()


def upside_down(s: str) -> str:
    return per_char(_UPSIDE_DOWN, fold=str.lower)(s)[::-1]


def rtl_override(s: str) -> str:
    """Reversed text inside RIGHT-TO-LEFT OVERRIDE ... POP: displayed as the name, stored backwards."""
    return "\u202e" + s[::-1] + "\u202c"


def first_letter(rewrite: Rewrite) -> Rewrite:
    """Only one letter disguised (the first one the rewrite changes): mixed-script words."""
    def apply(s: str) -> str:
        for i, c in enumerate(s):
            if (d := rewrite(c)) != c:
                return s[:i] + d + s[i + 1:]
        return s
    return apply


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_CYRILLIC = {**pairs("aceopxyijshdqwlk", "асеорхуіјѕһԁԛԝӏк"), **pairs("ABCEHIJKMOPSTXY", "АВСЕНІЈКМОРЅТХУ")}
_GREEK = {**pairs("aoivukptynxe", "αοινυκρτγηχε"), **pairs("ABEHIKMNOPTXYZ", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ")}
_ARMENIAN = pairs("ounhqgd", "օսոհզցժ")
_CHEROKEE = pairs("ABCDEGHJKLMPRSTVWZ", "ᎪᏴᏟᎠᎬᏀᎻᏠᏦᏞᎷᏢᏒᏚᎢᏙᏔᏃ")
_LATIN_LOOKALIKE = pairs("agijluy", "ɑɡıȷǀʋʏ")
_ACCENTED = pairs("aceinosuyzACEINOSUYZ", "áçéíñóšüýžÁÇÉÍÑÓŠÜÝŽ")
_SMALL_CAPS = pairs(_LOWER, "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡxʏᴢ")
_SUPERSCRIPT = pairs(_LOWER, "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖqʳˢᵗᵘᵛʷˣʸᶻ")
_SUBSCRIPT = pairs("aehijklmnoprstuvx", "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_UPSIDE_DOWN = pairs(_LOWER, "ɐqɔpǝɟƃɥᴉɾʞlɯuodbɹsʇnʌʍxʎz")
_LEET = pairs("aeiostbglz", "4310578912")
_LEET_SYMBOLS = pairs("asielct", "@$!€|(+")
_EMOJI_LETTERS = {"o": "⭕", "s": "💲", "i": "ℹ️", "x": "❌", "a": "🅰️", "b": "🅱️", "m": "Ⓜ️", "p": "🅿️"}
_ZALGO = ("\u030d\u0316", "\u0350\u0324", "\u0346\u0353", "\u0315\u0330", "\u0352\u0359")

FAMILIES: dict[str, Rewrite] = {
    "homoglyph Cyrillic": per_char(_CYRILLIC),
    "homoglyph Cyrillic, one letter": first_letter(per_char(_CYRILLIC)),
    "homoglyph Greek": per_char(_GREEK),
    "homoglyph Armenian": per_char(_ARMENIAN, fold=str.lower),
    "homoglyph Cherokee (capitals)": compose(str.upper, per_char(_CHEROKEE)),
    "Latin look-alikes ɑ ɡ ı ȷ ǀ ʋ ʏ": per_char(_LATIN_LOOKALIKE, fold=str.lower),
    "accented letters (precomposed)": per_char(_ACCENTED),
    "leetspeak digits, every letter": per_char(_LEET, fold=str.lower),
    "leetspeak digit, one letter": first_letter(per_char(_LEET, fold=str.lower)),
    "leetspeak symbols @ $ ! € | ( +": per_char(_LEET_SYMBOLS, fold=str.lower),
    "leetspeak symbol, one letter": first_letter(per_char(_LEET_SYMBOLS, fold=str.lower)),
    "emoji for letters ⭕ 💲": per_char(_EMOJI_LETTERS, fold=str.lower),
    "alternating case": alternate_case,
    **{f"separator '{sep}'": between(sep) for sep in (".", " ", "-", "_", "*", "·", "–", "/", "|", "~", "+")},
    "separator ' . '": between(" . "),
    "separator NBSP": between("\u00a0"),
    "separator ideographic space": between("\u3000"),
    "separator braille blank ⠀": between("\u2800"),
    **{f"separator {sym}": between(sym) for sym in ("🔥", "♥", "★", "❤️", "•", "✨")},
    "letters in brackets [S][o]": wrap("[", "]"),
    "zero-width space": between("\u200b"),
    "zero-width non-joiner": between("\u200c"),
    "zero-width joiner": between("\u200d"),
    "word joiner": between("\u2060"),
    "soft hyphen": between("\u00ad"),
    "BOM / ZWNBSP": between("\ufeff"),
    "LRM / RLM marks": between("\u200e\u200f"),
    "variation selector-16": between("\ufe0f"),
    "tag characters": between("\U000e0020"),
    "combining grapheme joiner": between("\u034f"),
    "strike-through U+0336": marks("\u0336"),
    "short stroke U+0335": marks("\u0335"),
    "slash overlay U+0338": marks("\u0338"),
    "underline U+0332": marks("\u0332"),
    "double underline U+0333": marks("\u0333"),
    "combining acute": marks("\u0301"),
    "combining dot below": marks("\u0323"),
    "zalgo": marks(*_ZALGO),
    "enclosing circle U+20DD": marks("\u20dd"),
    "keycap U+20E3": marks("\ufe0f\u20e3"),
    "full-width": per_char(block(0xFF21, 0xFF41)),
    "full-width, spaced": compose(per_char(block(0xFF21, 0xFF41)), between(" ")),
    **{f"math {s.lower()}": per_char(math_style(s)) for s in (
        "BOLD", "ITALIC", "SCRIPT", "BOLD SCRIPT", "DOUBLE-STRUCK", "FRAKTUR", "SANS-SERIF BOLD", "MONOSPACE")},
    "circled ⓐ": per_char(block(0x24B6, 0x24D0)),
    "negative circled 🅐": per_char(block(0x1F150)),
    "squared 🄰": per_char(block(0x1F130)),
    "negative squared 🅰": per_char(block(0x1F170)),
    "regional indicators 🇦": per_char(block(0x1F1E6)),
    "regional indicators, spaced": spaced(per_char(block(0x1F1E6))),
    "parenthesized ⒜": per_char(block(None, 0x249C), fold=str.lower),
    "small capitals ᴀʙᴄ": per_char(_SMALL_CAPS, fold=str.lower),
    "superscript letters": per_char(_SUPERSCRIPT, fold=str.lower),
    "subscript letters (partial)": per_char(_SUBSCRIPT, fold=str.lower),
    "upside-down": upside_down,
    "RTL override, reversed": rtl_override,
    **{f"trademark glued {mark}": suffix(mark) for mark in ("™", "®", "©", "℠", "(R)", "(TM)")},
    "vowel masked *": mask_vowel("*"),
    "vowel masked #": mask_vowel("#"),
    "vowel masked _": mask_vowel("_"),
    "dropped letter": drop_letter,
    "doubled letter": double_letter,
    "swapped letters": swap_letters,
    "keyboard-neighbour letter": neighbour_key,
    "split in two (space)": split_half(" "),
    "split in two (hyphen)": split_half("-"),
    "camelCase + next word": Glued(camel),
    "glued lowercase + next word": Glued(lambda s: "".join(s.split()).lower()),
    "hashtag #sony": hashtag,
    "hashtag glued + next word": Glued(hashtag),
    "Cyrillic + dots": compose(per_char(_CYRILLIC), between(".")),
    "leet + spaces": compose(per_char(_LEET, fold=str.lower), between(" ")),
    "full-width + zero-width": compose(per_char(block(0xFF21, 0xFF41)), between("\u200b")),
    "math bold + strike-through": compose(per_char(math_style("BOLD")), marks("\u0336")),
}


# ---------------------------------------------------------------- listings to disguise


@dataclass(frozen=True)
class Case:
    listing: Listing
    brand_id: str  # the labelled brand ("" for ordinary-word cases)
    target: re.Pattern[str]  # what gets disguised in the title: the brand's names, or one ordinary word


@dataclass(frozen=True)
class Data:
    engine: DetectionEngine
    context: ScanContext
    counterfeit: list[Case]
    ordinary: list[Case]


def names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def load(path: Path, limit: int, seed: int) -> Data:
    brands, sellers, bundle = bundle_records(path)
    listings = [x for x in bundle.listings() if isinstance(x, Listing)]
    with (path / "labels" / "listings.csv").open(newline="", encoding="utf-8") as f:
        labels = {r["listing_id"]: r for r in csv.DictReader(f)}
    engine, context = DetectionEngine(brands), ScanContext(sellers=sellers)
    patterns = {b.brand_id: names_pattern([b.name, *b.aliases]) for b in brands}
    counterfeit = [Case(x, labels[x.listing_id]["brand_id"], patterns[labels[x.listing_id]["brand_id"]])
                   for x in listings if _names_own_brand(labels.get(x.listing_id), x, patterns)]
    legitimate = [x for x in listings if x.listing_id in labels and labels[x.listing_id]["label"] != "counterfeit"]
    ordinary = _ordinary_cases(engine, context, legitimate, patterns.values(), brands, random.Random(seed))
    return Data(engine, context, _sample(counterfeit, limit, seed), _sample(ordinary, limit, seed))


def _names_own_brand(label: dict[str, str] | None, listing: Listing, patterns: dict[str, re.Pattern[str]]) -> bool:
    return (label is not None and label["label"] == "counterfeit" and label["brand_id"] in patterns
            and patterns[label["brand_id"]].search(listing.title) is not None)


_WORD = re.compile(r"(?<![\w#@$*])[A-Za-z]{4,}(?![\w*])")


def _ordinary_cases(engine: DetectionEngine, context: ScanContext, listings: Sequence[Listing],
                    patterns: Iterable[re.Pattern[str]], brands: Sequence[Brand], rng: random.Random) -> list[Case]:
    """Legitimate listings whose title names no brand, each with one ordinary word to disguise."""
    patterns = list(patterns)
    brand_words = {w.casefold() for b in brands for n in (b.name, *b.aliases) for w in re.findall(r"\w+", n)}
    cases = []
    for x in listings:
        if any(p.search(x.title) for p in patterns):
            continue
        if any(m.field == "title" for m in engine.analyser.view(x, context).mentions):
            continue
        words = sorted({w for w in _WORD.findall(x.title) if w.casefold() not in brand_words})
        if words:
            cases.append(Case(x, "", names_pattern([rng.choice(words)])))
    return cases


def _sample(cases: list[Case], limit: int, seed: int) -> list[Case]:
    chosen = random.Random(seed).sample(cases, min(limit, len(cases)))
    return sorted(chosen, key=lambda c: c.listing.listing_id)


# ---------------------------------------------------------------- measuring


def disguise(case: Case, family: Rewrite | None) -> Listing | None:
    """The listing with its target disguised in the title; None when the family changes nothing."""
    if family is None:
        return case.listing
    target = case.target
    if isinstance(family, Glued):
        target = re.compile(target.pattern + r"(?:\s+\w+)?", target.flags)
    title = target.sub(lambda m: family(m.group(0)), case.listing.title)
    return None if title == case.listing.title else msgspec.structs.replace(case.listing, title=title)


def brands_mentioned(data: Data, listing: Listing, *, title_only: bool = False) -> set[str]:
    mentions = data.engine.analyser.view(listing, data.context).mentions
    return {m.brand_id for m in mentions if not title_only or m.field == "title"}


def recall(data: Data, family: Rewrite | None) -> dict[str, Any]:
    pairs_ = [(c, x) for c in data.counterfeit if (x := disguise(c, family)) is not None]
    if not pairs_:
        return {"n": 0, "mention": float("nan"), "title_mention": float("nan"), "flag": float("nan"), "missed": []}
    flagged = sum(d.flagged for d in data.engine.scan([x for _, x in pairs_], data.context))
    missed = [x.title for c, x in pairs_ if c.brand_id not in brands_mentioned(data, x)]
    title = sum(c.brand_id in brands_mentioned(data, x, title_only=True) for c, x in pairs_)
    n = len(pairs_)
    return {"n": n, "mention": 1 - len(missed) / n, "title_mention": title / n, "flag": flagged / n,
            "missed": missed[:5]}


def new_mentions(data: Data, family: Rewrite | None, before: dict[str, set[str]]) -> dict[str, Any]:
    pairs_ = [(c, x) for c in data.ordinary if (x := disguise(c, family)) is not None]
    gained = [x.title for c, x in pairs_ if brands_mentioned(data, x) - before[c.listing.listing_id]]
    n = len(pairs_)
    return {"n_ordinary": n, "new_mention": len(gained) / n if n else float("nan"), "gained": gained[:5]}


def measure(data: Data, families: dict[str, Rewrite]) -> dict[str, dict[str, Any]]:
    before = {c.listing.listing_id: brands_mentioned(data, c.listing) for c in data.ordinary}
    results: dict[str, dict[str, Any]] = {}
    for name, family in [("baseline (no rewrite)", None), *families.items()]:
        results[name] = {"example": example(family), **recall(data, family), **new_mentions(data, family, before)}
    return results


# ---------------------------------------------------------------- report


def example(family: Rewrite | None) -> str:
    if family is None:
        return "Sony"
    return visible(family("Sony headphones" if isinstance(family, Glued) else "Sony"))


def visible(text: str) -> str:
    """Invisible characters and combining marks spelled out, so the example can be read."""
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) in ("Cf", "Mn", "Me") or c in "\u00a0\u3000"
                   else c for c in text)


def table(results: dict[str, dict[str, Any]]) -> str:
    head = ("| family | example | n | mention recall | title mention | flag recall | n ordinary | "
            "new mention on ordinary word |")
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        cell = visible(name).replace("|", "\\|")
        shown = r["example"].replace("|", "\\|")
        mark = " **<0.9**" if r["mention"] < FAIL_BELOW else ""
        lines.append(f"| {cell} | `{shown}` | {r['n']} | {r['mention']:.3f}{mark} | {r['title_mention']:.3f} | "
                     f"{r['flag']:.3f} | {r['n_ordinary']} | {r['new_mention']:.3f} |")
    return "\n".join(lines)


def commit() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=DEV, help="labelled bundle (default: shared dev bundle)")
    parser.add_argument("--limit", type=int, default=400, help="listings per group (counterfeit, ordinary)")
    parser.add_argument("--seed", type=int, default=7, help="sampling seed")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = load(args.bundle, args.limit, args.seed)
    results = measure(data, FAMILIES)
    failing = [n for n, r in results.items() if r["mention"] < FAIL_BELOW]
    print(f"bundle {args.bundle}, commit {commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"{len(data.counterfeit)} counterfeit listings naming their brand, {len(data.ordinary)} legitimate "
          f"listings naming none (seed {args.seed}); {len(FAMILIES)} families\n")
    print(table(results))
    print(f"\nmention recall < {FAIL_BELOW}: {len(failing)} families: {'; '.join(failing) or 'none'}")
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.json:
        payload = {"bundle": str(args.bundle), "commit": commit(), "seed": args.seed, "limit": args.limit,
                   "counterfeit": len(data.counterfeit), "ordinary": len(data.ordinary), "families": results}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
