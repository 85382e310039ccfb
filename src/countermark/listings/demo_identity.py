"""Raw seller identifiers of the demo marketplace, and the disguises one actor uses across its accounts.

An identity is generated once in a canonical form; `disguise_*` render the same identifier the way a
seller types it on another account (gmail dots/+tags/case, phone formats and country codes, payout
spacing, device-id case, street abbreviations, IPv4-mapped IPv6), so a linkage engine has to normalise
before it can match. Every function takes the caller's `random.Random` (deterministic per seed).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

# country: calling code, national significant number pattern (d = digit, fixed digits as given), trunk prefix
PHONE_PLANS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "CN": ("86", ("13ddddddddd", "15ddddddddd", "18ddddddddd", "17ddddddddd"), "0"),
    "HK": ("852", ("5ddddddd", "6ddddddd", "9ddddddd"), ""),
    "US": ("1", ("206nddpddd", "212nddpddd", "415nddpddd", "312nddpddd", "305nddpddd", "713nddpddd"), "1"),
    "CA": ("1", ("416nddpddd", "604nddpddd", "514nddpddd"), "1"),
    "GB": ("44", ("7700dddddd", "7911dddddd", "7480dddddd", "2079dddddd"), "0"),
    "DE": ("49", ("151dddddddd", "160ddddddd", "170dddddddd", "3012345ddd"), "0"),
    "FR": ("33", ("6dddddddd", "7dddddddd", "1dddddddd"), "0"),
    "NL": ("31", ("6dddddddd",), "0"),
    "ES": ("34", ("6dddddddd", "9dddddddd"), ""),
    "IT": ("39", ("3dddddddd", "3ddddddddd"), ""),
    "JP": ("81", ("90dddddddd", "80dddddddd", "70dddddddd"), "0"),
    "KR": ("82", ("10dddddddd",), "0"),
    "AU": ("61", ("4dddddddd",), "0"),
    "TR": ("90", ("5ddddddddd",), "0"),
    "TH": ("66", ("8dddddddd", "9dddddddd"), "0"),
    "VN": ("84", ("9dddddddd", "3dddddddd"), "0"),
    "MY": ("60", ("12ddddddd", "17ddddddd"), "0"),
    "AE": ("971", ("50ddddddd", "55ddddddd"), "0"),
    "RU": ("7", ("9ddddddddd",), "8"),
    "BR": ("55", ("119dddddddd", "219dddddddd"), "0"),
}
IBAN_BBAN: dict[str, str] = {  # L = letter, d = digit
    "DE": "dddddddddddddddddd", "GB": "LLLLdddddddddddddd", "NL": "LLLLdddddddddd", "FR": "ddddddddddddddddddddddd",
    "ES": "dddddddddddddddddddd", "IT": "Ldddddddddddddddddddddd", "TR": "ddddd0dddddddddddddddd",
    "AE": "ddddddddddddddddddd", "BR": "dddddddddddddddddddddddLd",
}
CITIES: dict[str, tuple[tuple[str, ...], str]] = {
    "CN": (("Shenzhen", "Guangzhou", "Yiwu", "Dongguan", "Shanghai", "Putian"), "China"),
    "HK": (("Kowloon", "Kwun Tong", "Mong Kok", "Tsuen Wan", "Sheung Wan"), "Hong Kong"),
    "US": (("Seattle", "New York", "Los Angeles", "Chicago", "Miami", "Houston"), "USA"),
    "CA": (("Toronto", "Vancouver", "Montreal"), "Canada"),
    "GB": (("London", "Manchester", "Birmingham", "Leeds"), "United Kingdom"),
    "DE": (("Berlin", "Hamburg", "Munich", "Cologne"), "Germany"),
    "FR": (("Paris", "Lyon", "Marseille", "Lille"), "France"),
    "NL": (("Amsterdam", "Rotterdam", "Utrecht"), "Netherlands"),
    "ES": (("Madrid", "Barcelona", "Valencia"), "Spain"),
    "IT": (("Milan", "Rome", "Naples", "Turin"), "Italy"),
    "JP": (("Tokyo", "Osaka", "Nagoya"), "Japan"),
    "KR": (("Seoul", "Busan", "Incheon"), "South Korea"),
    "AU": (("Sydney", "Melbourne", "Brisbane"), "Australia"),
    "TR": (("Istanbul", "Izmir", "Ankara"), "Turkey"),
    "TH": (("Bangkok", "Chiang Mai"), "Thailand"),
    "VN": (("Ho Chi Minh City", "Hanoi"), "Vietnam"),
    "MY": (("Kuala Lumpur", "Penang"), "Malaysia"),
    "AE": (("Dubai", "Sharjah"), "United Arab Emirates"),
    "RU": (("Moscow", "Saint Petersburg"), "Russia"),
    "BR": (("Sao Paulo", "Rio de Janeiro"), "Brazil"),
}
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "China": ("CN", "P.R. China", "PRC", "CHINA"), "Hong Kong": ("HK", "Hong Kong SAR", "HONG KONG"),
    "USA": ("US", "United States", "U.S.A."), "United Kingdom": ("UK", "GB", "England"),
    "Germany": ("DE", "Deutschland"), "Turkey": ("TR", "Türkiye"),
}
STREET_WORDS = ("Church", "Market", "Nathan", "Canal", "Oak", "Harbour", "Station", "Park", "Industrial", "Garden",
                "Science", "Century", "Lotus", "Golden", "Pearl", "Lake", "Mill", "King", "Queen", "Victoria")
STREET_TYPES: dict[str, tuple[str, ...]] = {
    "Street": ("St", "St.", "Str."), "Road": ("Rd", "Rd."), "Avenue": ("Ave", "Ave.", "Av."),
    "Boulevard": ("Blvd", "Blvd."), "Lane": ("Ln", "Ln."), "Drive": ("Dr", "Dr."),
}
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "Room": ("Rm", "Rm.", "RM"), "Building": ("Bldg", "Bldg.", "Blk"), "Suite": ("Ste", "Ste."),
    "Floor": ("Fl", "F", "Flr"), "Unit": ("Unit", "U"), "District": ("Dist.", "Dist", "Qu"),
}
EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "CN": ("gmail.com", "qq.com", "163.com", "126.com", "outlook.com", "hotmail.com"),
    "HK": ("gmail.com", "outlook.com", "yahoo.com.hk", "hotmail.com"),
    "default": ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me", "gmx.net"),
}
GIVEN = ("min", "lei", "jun", "xiu", "wei", "li", "hao", "ying", "john", "maria", "david", "anna", "ali", "mehmet",
         "james", "sofia", "lucas", "emma", "noah", "mia", "kenji", "yuki", "minh", "somchai", "ivan", "olga",
         "carlos", "ana", "pierre", "julia", "marco", "giulia", "hans", "lena", "jin", "seo")
FAMILY = ("wang", "li", "zhang", "liu", "chen", "luo", "sun", "huang", "smith", "garcia", "mueller", "rossi", "martin",
          "kaya", "yilmaz", "tanaka", "sato", "nguyen", "kim", "park", "ivanov", "silva", "santos", "dubois", "brown")


PATTERN_CHARS = {"d": string.digits, "n": "23456789", "p": "0123456789", "L": string.ascii_uppercase}


def digits(pattern: str, rng: random.Random) -> str:
    """Fill a pattern: d/p any digit, n a digit 2-9 (NANP exchange), L an upper-case letter."""
    return "".join(rng.choice(PATTERN_CHARS[ch]) if ch in PATTERN_CHARS else ch for ch in pattern)


@dataclass(frozen=True)
class Phone:
    country: str
    number: str  # national significant number


@dataclass(frozen=True)
class Address:
    unit: str  # e.g. "Room 150, Building 27" (may be empty)
    number: int
    street: str  # e.g. "Church"
    street_type: str  # key of STREET_TYPES
    district: str  # e.g. "Nanshan" (may be empty)
    city: str
    postcode: str
    country: str  # full name


def new_phone(country: str, rng: random.Random) -> Phone:
    return Phone(country, digits(rng.choice(PHONE_PLANS[country][1]), rng))


def new_email(rng: random.Random, country: str, domain: str | None = None) -> str:
    domain = domain or rng.choice(EMAIL_DOMAINS.get(country, EMAIL_DOMAINS["default"]))
    if domain == "qq.com":
        return f"{rng.randrange(10**8, 10**10)}@qq.com"
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    sep = rng.choice(("", "", ".", "_"))
    return f"{given}{sep}{family}{rng.randrange(10, 9999)}@{domain}"


def new_payout(country: str, rng: random.Random) -> str:
    if country in IBAN_BBAN:
        return iban(country, digits(IBAN_BBAN[country], rng))
    if country == "US":
        return f"ACH {digits('0dddddddd', rng)}-{digits('dddddddddd', rng)}"
    if country == "HK":
        return f"{digits('ddd', rng)}-{digits('dddddd', rng)}-{digits('ddd', rng)}"
    if country == "JP":
        return f"{digits('dddd', rng)}-{digits('ddd', rng)}-{digits('ddddddd', rng)}"
    return luhn_complete("62" + digits("dddddddddddddddd", rng))  # UnionPay-style card number


def iban(country: str, bban: str) -> str:
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def luhn_complete(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return partial + str((10 - total % 10) % 10)


def new_address(country: str, rng: random.Random) -> Address:
    cities, country_name = CITIES[country]
    asian = country in ("CN", "HK")
    unit = f"Room {rng.randrange(101, 2500)}, Building {rng.randrange(1, 40)}" if asian else (
        f"Suite {rng.randrange(100, 900)}" if rng.random() < 0.4 else "")
    district = ""
    if asian and rng.random() < 0.6:
        district = rng.choice(("Nanshan", "Baiyun", "Futian", "Longgang", "Yau Tsim Mong"))
    return Address(unit, rng.randrange(1, 999), rng.choice(STREET_WORDS), rng.choice(tuple(STREET_TYPES)), district,
                   rng.choice(cities), digits("ddddd", rng), country_name)


def new_device(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "dev-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_ip(rng: random.Random) -> str:
    first = rng.choice((1, 14, 27, 36, 39, 42, 58, 61, 77, 91, 101, 112, 121, 171, 183, 203, 219, 223))
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def new_website(name: str, rng: random.Random) -> str:
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24] or "shop"
    return f"https://www.{slug}.{rng.choice(('com', 'shop', 'store', 'net', 'co.uk'))}"


# ----------------------------------------------------------------------------------------------- rendering

def render_phone(phone: Phone, rng: random.Random, plain: bool = False, home: str | None = None) -> str:
    """`phone` as a seller types it; the national form (no country code) only for sellers of that country."""
    cc, _, trunk = PHONE_PLANS[phone.country]
    n = phone.number
    if plain:
        return f"+{cc} {n}"
    style = rng.randrange(8 if (home or phone.country) == phone.country else 6)
    if style == 0:
        return f"+{cc}{n}"
    if style == 1:
        return f"({cc}) {n}"
    if style == 2:
        return f"00{cc}-{n}"
    if style == 3:
        return f"+{cc} {_grouped(n, ' ')}"
    if style == 4:
        return f"+{cc}.{_grouped(n, '.')}"
    if style == 5:
        return f"+{cc}-{_grouped(n, '-')}"
    if cc == "1":
        return f"({n[:3]}) {n[3:6]}-{n[6:]}"
    return f"{trunk}{_grouped(n, rng.choice((' ', '-', '')))}"  # national form (no country code)


def _grouped(n: str, sep: str) -> str:
    if len(n) == 10 and n[0] != "0":
        return f"{n[:3]}{sep}{n[3:6]}{sep}{n[6:]}"
    if len(n) <= 8:
        return f"{n[:4]}{sep}{n[4:]}"
    head = len(n) - 8
    return f"{n[:head]}{sep}{n[head:head + 4]}{sep}{n[head + 4:]}"


def disguise_email(email: str, rng: random.Random) -> str:
    local, domain = email.split("@", 1)
    if domain in ("gmail.com", "googlemail.com"):
        bare = local.replace(".", "")
        if rng.random() < 0.6 and len(bare) > 3:
            cuts = set(rng.sample(range(1, len(bare)), rng.choice((1, 2))))
            bare = "".join(("." if i in cuts else "") + ch for i, ch in enumerate(bare))
        local = bare
        if rng.random() < 0.5:
            local += "+" + rng.choice(("shop", "store", "sales", "ebay", "2", "biz", "new"))
        if rng.random() < 0.2:
            domain = "googlemail.com"
    elif domain in ("outlook.com", "hotmail.com") and rng.random() < 0.4:
        local += "+" + rng.choice(("shop", "sales", "1"))
    if rng.random() < 0.4:
        local = rng.choice((local.upper(), local.capitalize(), local.title()))
        domain = domain.upper() if rng.random() < 0.3 else domain.capitalize() if rng.random() < 0.3 else domain
    return f"{local}@{domain}"


def disguise_payout(account: str, rng: random.Random) -> str:
    """IBANs re-spaced or re-cased; other accounts with their separators changed."""
    compact = "".join(ch for ch in account if ch.isalnum())
    if account[:2].isalpha() and account[2:4].isdigit() and " " not in account[4:]:  # an IBAN
        return rng.choice((
            compact, compact.lower(), " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)),
            "-".join(compact[i:i + 4] for i in range(0, len(compact), 4)),
        ))
    numbers = "".join(ch if ch.isdigit() else " " for ch in account).split()
    if len(numbers) == 1:
        numbers = [compact[i:i + 4] for i in range(0, len(compact), 4)]
    return rng.choice(("".join(numbers), " ".join(numbers), "-".join(numbers), " / ".join(numbers)))


def render_address(a: Address, rng: random.Random, plain: bool = False) -> str:
    if plain:
        parts = [a.unit, f"{a.number} {a.street} {a.street_type}",
                 f"{a.district} District" if a.district else "", f"{a.city} {a.postcode}", a.country]
        return ", ".join(p for p in parts if p)
    street_type = rng.choice((a.street_type, *STREET_TYPES[a.street_type]))
    unit = a.unit
    district = f"{a.district} District" if a.district else ""
    for word, abbreviations in UNIT_WORDS.items():
        if rng.random() < 0.6:
            abbrev = rng.choice(abbreviations)
            unit = unit.replace(word, abbrev)
            district = district.replace(word, abbrev)
    country = rng.choice((a.country, *COUNTRY_ALIASES.get(a.country, ())))
    parts = [unit, f"{a.number} {a.street} {street_type}", district, f"{a.city} {a.postcode}", country]
    sep = rng.choice((", ", " ", ",", ", "))
    text = sep.join(p for p in parts if p)
    if rng.random() < 0.2:
        text = text.upper()
    return text


def disguise_device(device: str, rng: random.Random) -> str:
    if device.startswith("dev-"):
        h = device[4:]
        return rng.choice((device.upper(), "Dev-" + h.upper(), "DEV-" + h, "dev-" + h.upper(), "dev_" + h,
                           "DEV_" + h.upper()))
    return rng.choice((device.upper(), device.replace("-", ""), device.replace("-", "").upper(),
                       "{" + device.upper() + "}", "{" + device + "}"))


def disguise_ip(ip: str, rng: random.Random) -> str:
    """The same IPv4 address written as an IPv4-mapped IPv6 address."""
    a, b, c, d = (int(x) for x in ip.split("."))
    hex_form = f"{a * 256 + b:x}:{c * 256 + d:x}"
    return rng.choice((f"::ffff:{ip}", f"::FFFF:{ip}", f"::ffff:{hex_form}", f"::FFFF:{hex_form.upper()}",
                       f"0:0:0:0:0:ffff:{ip}", f"0000:0000:0000:0000:0000:ffff:{ip}", f"0:0:0:0:0:ffff:{hex_form}"))


def disguise_website(url: str, rng: random.Random) -> str:
    host = url.split("://", 1)[1].removeprefix("www.")
    style = rng.randrange(4)
    if style == 0:
        return f"http://{host}/"
    if style == 1:
        return host.upper()
    if style == 2:
        return f"www.{host}"
    return f"https://{host}/index.html"
