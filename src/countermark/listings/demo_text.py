"""Text of the demo marketplace: how counterfeiters disguise a brand, and the words every kind of seller uses.

Every function takes the caller's `random.Random`, so the demo stays deterministic per seed.
"""

from __future__ import annotations

import random
import re

# Look-alike characters: Cyrillic and Greek letters that render like Latin ones.
HOMOGLYPHS: dict[str, str] = {
    "a": "аα", "c": "сϲ", "e": "еε", "i": "іι", "j": "ј", "k": "κ", "o": "оο", "p": "рρ", "s": "ѕ",
    "v": "ν", "x": "хχ", "y": "уγ", "h": "һ", "n": "п", "u": "υ",
    "A": "АΑ", "B": "ВΒ", "C": "С", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "K": "КΚ", "M": "МΜ", "N": "Ν",
    "O": "ОΟ", "P": "РΡ", "S": "Ѕ", "T": "ТΤ", "V": "Ѵ", "X": "ХΧ", "Y": "ҮΥ", "Z": "Ζ",
}
ACCENTED: dict[str, str] = {
    "a": "àáâäå", "e": "èéêë", "i": "ìíîï", "o": "òóôöø", "u": "ùúûü", "n": "ñ", "c": "ç", "y": "ýÿ",
    "A": "ÀÁÂÄÅ", "E": "ÈÉÊË", "I": "ÌÍÎÏ", "O": "ÒÓÔÖØ", "U": "ÙÚÛÜ", "N": "Ñ", "C": "Ç",
}
LEET: dict[str, tuple[str, ...]] = {
    "a": ("4", "@"), "e": ("3",), "i": ("1", "!"), "o": ("0",), "s": ("5", "$"), "t": ("7", "+"), "l": ("1", "|"),
    "g": ("9",), "b": ("8",), "z": ("2",), "h": ("#", "|-|"), "p": ("|*",), "k": ("|<",), "c": ("(",), "v": ("\\/",),
    "n": ("|\\|",), "u": ("|_|",), "d": ("|)",), "r": ("|2",), "m": ("|\\/|",), "w": ("\\/\\/",),
}
SEPARATORS = (".", "-", " ", "_", "*", "·", "\u200b", "\u00ad", "/")
KEYBOARD_NEIGHBOURS: dict[str, str] = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo",
    "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad",
    "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}

REPLICA_EN = (
    "replica", "AAA quality", "1:1", "mirror quality", "copy", "super copy", "high imitation", "grade AAA",
    "master copy", "top replica", "1:1 copy", "fake", "imitation", "OEM copy", "A+ replica",
)
# Replica vocabulary in the languages counterfeit listings are written in (title term, description).
REPLICA_FOREIGN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "zh": (("高仿", "复刻", "原单", "A货", "精仿", "一比一", "超A", "顶级复刻"),
           ("原厂品质，一比一复刻，支持验货。", "高仿精品，细节做工一样。", "原单尾货，品质保证，假一赔十。")),
    "es": (("réplica", "imitación", "copia 1:1", "calidad AAA", "réplica exacta", "copia"),
           ("Réplica de alta calidad, idéntica al original.", "Copia exacta, envío rápido.")),
    "pt": (("réplica", "primeira linha", "cópia", "réplica perfeita", "linha AAA"),
           ("Réplica perfeita, igual à original.", "Produto primeira linha, cópia fiel.")),
    "fr": (("réplique", "copie", "imitation", "qualité miroir", "copie conforme"),
           ("Réplique de haute qualité, identique à l'original.", "Copie conforme, livraison rapide.")),
    "it": (("replica", "imitazione", "copia", "qualità specchio", "replica perfetta"),
           ("Replica perfetta, identica all'originale.", "Imitazione di alta qualità, spedizione veloce.")),
    "de": (("Nachbildung", "Imitat", "Kopie", "1:1 Kopie", "Replik", "Spiegelqualität"),
           ("Hochwertige 1:1 Kopie, wie das Original.", "Nachbildung in Top-Qualität, schneller Versand.")),
    "tr": (("çakma", "replika", "A kalite", "birebir kopya", "muadil"),
           ("Birebir kopya, orijinal ile aynı kalite.", "A kalite replika ürün, hızlı kargo.")),
    "ru": (("реплика", "копия", "люкс копия", "1:1 копия", "качество ААА"),
           ("Копия высокого качества, как оригинал.", "Реплика люкс, отправка в день заказа.")),
    "ja": (("スーパーコピー", "N級品", "コピー品", "レプリカ"),
           ("本物と同じ品質のスーパーコピー。", "N級品、高品質、送料無料。")),
    "ko": (("레플리카", "미러급", "짝퉁", "이미테이션"),
           ("정품과 똑같은 미러급 레플리카.", "최고급 이미테이션, 빠른 배송.")),
}
INSPIRED = (
    "inspired by {b}", "{b} style", "{b}-style", "{b} type", "like {b}", "{b} look-alike", "dupe of {b}",
    "{b} inspired", "{b}-like", "in the style of {b}", "same design as {b}", "{b} dupe",
)
DESCRIPTION_ONLY = (
    "Brand: {b}. Original quality, same as in the shop.", "{b} logo on the product and on the box.",
    "Looks exactly like {b}, nobody can tell the difference.", "Made in the same factory as {b}.",
    "Same as {b} original, much cheaper.", "Tags: {b}, {b} original, {b} official", "Keywords: {b} genuine new",
    "Comes with {b} box and manual.", "#{b} #original #sale", "Quality like {b}, price like no-name.",
    "Logo: {b}", "Fits everything the {b} one does, same parts inside.",
)
COUNTERFEIT_DESCRIPTIONS = (
    "Best price, high quality, free shipping worldwide.", "Factory direct, wholesale price, bulk orders welcome.",
    "Fast delivery. Contact us for more styles.", "100% satisfaction. Large stock, ships in 24h.",
    "Top quality, cheap price, no tax.", "Wholesale: contact WhatsApp or WeChat for a better price.",
    "Order 5+ pieces for a discount. Pay outside the platform for an extra 10% off.", "",
)
GENUINE_DESCRIPTIONS = (
    "Genuine product, purchased from an authorised retailer.", "Brand new and sealed. Invoice provided.",
    "100% authentic, full manufacturer warranty.", "Original retail packaging. Ships same day.",
    "Official product. Copy of receipt on request.",
)
# Genuine sellers write in their own language too (a detector must not flag foreign text as such).
GENUINE_FOREIGN = (
    "Neu und originalverpackt, mit Rechnung.", "Nuevo, original, con factura y garantía.",
    "Neuf, authentique, facture fournie.", "Nuovo, originale, con garanzia ufficiale.",
    "Novo, original, com nota fiscal.", "Sıfır, orijinal ürün, faturalı.", "Новый, оригинал, с гарантией.",
    "全新正品，带发票，全国联保。", "新品・正規品・メーカー保証付き。", "새 상품, 정품, 영수증 있음.",
)
AUTHORIZED_DESCRIPTIONS = (
    "Official store. Manufacturer warranty included.", "Sold and shipped by an authorised distributor.",
    "Brand new, factory sealed, full warranty.", "Authorised reseller. VAT invoice available.",
)
CLEARANCE_WORDS = ("Clearance", "Sale", "Outlet", "Last units", "End of line", "Special offer")
USED_WORDS = ("Used", "Pre-owned", "Refurbished", "Open box", "Second hand", "Renewed", "Ex-display")
USED_DESCRIPTIONS = (
    "Second hand, lightly used. See photos.", "Refurbished and tested, 90-day warranty.",
    "Open box, all accessories included.", "Used, works perfectly. No box.", "Minor scratches, fully working.",
    "Pre-owned in good condition, original packaging missing.",
)
FOR_PARTS_WORDS = ("for parts", "not working", "spares or repair", "faulty", "for parts or repair", "as is")
FOR_PARTS_DESCRIPTIONS = (
    "Genuine unit, does not power on. Sold as is for parts.", "Broken screen, everything else original.",
    "Untested, no returns. Original item from an office clearance.",
)
RESALE_WORDS = ("New", "Sealed", "Genuine", "Brand new", "Authentic", "NIB")
COMPATIBLE = (
    "compatible with {b} {m}", "for {b} {m}", "replacement for {b} {m}", "fits {b} {m}", "works with {b} {m}",
    "{b} {m} compatible", "suitable for {b} {m}",
)
ACCESSORY_NOUNS = (
    "replacement battery", "charger", "protective case", "screen protector", "USB cable", "power adapter",
    "carrying bag", "remote control", "ink cartridge (compatible)", "toner (compatible)", "mount", "stylus",
    "cleaning kit", "dust cover", "wall bracket", "silicone skin", "imitation leather folio case",
    "faux leather sleeve", "OEM-grade replacement cable",
)
ACCESSORY_DESCRIPTIONS = (
    "Third-party accessory, not made by the brand. Brand names are for compatibility only.",
    "Compatible replacement part. All trademarks belong to their owners.",
    "Aftermarket product, high quality, 12-month warranty.",
)
UNBRANDED_ITEMS = (
    ("USB-C cable 2m braided", 8.0), ("HDMI cable 3m 4K", 9.0), ("wireless mouse 2.4GHz", 12.0),
    ("laptop sleeve 15 inch", 18.0), ("phone stand aluminium", 11.0), ("LED desk lamp", 24.0),
    ("bluetooth speaker mini", 19.0), ("webcam 1080p", 29.0), ("mechanical keyboard RGB", 45.0),
    ("power bank 10000mAh", 22.0), ("microSD card reader", 7.0), ("ethernet cable cat6 5m", 6.5),
    ("monitor arm single", 35.0), ("wired earphones with mic", 9.5), ("A4 copy paper 500 sheets", 6.0),
    ("label maker tape 12mm", 8.0), ("surge protector 6 outlets", 17.0), ("tripod 50 inch", 21.0),
)


def _positions(word: str, table: dict[str, str]) -> list[int]:
    return [i for i, ch in enumerate(word) if ch in table]


def homoglyph(name: str, rng: random.Random) -> str:
    """Swap 1-2 letters for Cyrillic/Greek look-alikes or accents, or write the whole mark full-width."""
    style = rng.random()
    if style < 0.2:
        return fullwidth(name)
    table = ACCENTED if style < 0.4 else HOMOGLYPHS
    spots = _positions(name, table) or _positions(name, HOMOGLYPHS)
    if not spots:
        return fullwidth(name)
    chars = list(name)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 1, 2)))):
        chars[i] = rng.choice(table.get(chars[i]) or HOMOGLYPHS[chars[i]])
    return "".join(chars)


def fullwidth(name: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in name)


def leetspeak(name: str, rng: random.Random) -> str:
    """1-2 letters written as digits or symbols: "M1cro$oft", "#P", "\\/7"."""
    spots = [i for i, ch in enumerate(name) if ch.lower() in LEET]
    classic = [i for i in spots if len(LEET[name[i].lower()][0]) == 1]
    chars = list(name)
    for i in rng.sample(classic or spots, min(len(classic or spots), rng.choice((1, 1, 2)))):
        chars[i] = rng.choice(LEET[chars[i].lower()])
    return "".join(chars)


def separated(name: str, rng: random.Random) -> str:
    """Letters split by a separator: everywhere ("S.o.n.y") or once ("So\u200bny")."""
    letters = name.replace(" ", "")
    sep = rng.choice(SEPARATORS)
    if rng.random() < 0.6 or len(letters) < 3:
        out = sep.join(letters)
        return out.upper() if rng.random() < 0.3 else out
    cut = rng.randrange(1, len(letters))
    return letters[:cut] + sep + letters[cut:]


def misspelt(name: str, rng: random.Random) -> str:
    """One edit of the mark (delete, duplicate, swap neighbours, or a keyboard-neighbour typo)."""
    words = name.split(" ")
    w = max(range(len(words)), key=lambda i: (len(words[i]), -i)) if rng.random() < 0.7 else rng.randrange(len(words))
    word = words[w]
    for _ in range(10):
        edit = rng.choice(("delete", "duplicate", "swap", "typo")) if len(word) > 2 else "duplicate"
        i = rng.randrange(len(word))
        if edit == "delete":
            new = word[:i] + word[i + 1:]
        elif edit == "duplicate":
            new = word[:i + 1] + word[i] + word[i + 1:]
        elif edit == "swap" and i < len(word) - 1:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            ch = word[i]
            near = KEYBOARD_NEIGHBOURS.get(ch.lower(), "")
            if not near:
                continue
            sub = rng.choice(near)
            new = word[:i] + (sub.upper() if ch.isupper() else sub) + word[i + 1:]
        if new and new.lower() != word.lower():
            words[w] = new
            return " ".join(words)
    return name + name[-1]


def brand_pattern(names: list[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive mentions of any of `names` (longest first)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def with_brand(title: str, pattern: re.Pattern[str], replacement: str) -> str:
    """`replacement` wherever the title names the brand, or in front when it never does."""
    new, found = pattern.subn(lambda _: replacement, title)
    return new if found else f"{replacement} {title}"


def strip_brand(title: str, pattern: re.Pattern[str]) -> str:
    """The title with every mention of the brand removed (for listings that hide the brand)."""
    out = pattern.sub(" ", title)
    return " ".join(out.replace(" - ", " ").split()).strip(" -,/") or "product"
