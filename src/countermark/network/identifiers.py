"""Normalise a seller's raw identifiers into linkage keys (pure: no database, no web).

A key is `<kind>:<canonical value>`, e.g. `email:johnsmith@gmail.com`, `phone:+8613496932796`,
`ip24:81.113.205.0/24`. Two raw values that are disguises of one identifier map to the same key;
one raw value may give several keys (an IPv4 address gives its exact key and its /24 key; a PayPal
payout account gives the e-mail key of the PayPal login, so it links to the same address used as a
contact e-mail). Each rule is documented in docs/network.md so it can be reproduced in Spark SQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
import unicodedata
from email.utils import parseaddr
from urllib.parse import urlsplit

import phonenumbers
from schwifty import IBAN

# Key prefixes; linkage weights are keyed by these.
EMAIL = "email"
PHONE = "phone"
PAYOUT = "payout"
ADDRESS = "address"
DEVICE = "device"
IP = "ip"
IP24 = "ip24"
WEBSITE = "web"
KEY_KINDS: tuple[str, ...] = (EMAIL, PHONE, PAYOUT, ADDRESS, DEVICE, IP, IP24, WEBSITE)

# Providers whose mailboxes ignore dots in the local part, and their domain aliases.
_DOTLESS_DOMAINS = {"gmail.com"}
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

MAX_VALUE_CHARS = 200

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"\D+")


def key_kind(key: str) -> str:
    return key.split(":", 1)[0]


def normalise(kind: str, raw: str, *, country: str = "") -> list[str]:
    """Keys of one raw identifier of bundle kind `kind` (emails, phones, ...); [] when it holds none.

    `country` (ISO alpha-2 of the seller) is the default region for phone numbers written nationally.
    """
    try:
        rule = _RULES[kind]
    except KeyError:
        raise ValueError(f"unknown identifier kind {kind!r}") from None
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return []
    return [_bounded(key) for key in rule(text, country) if not key.endswith(":")]


def _bounded(key: str) -> str:
    """A very long value is keyed by its SHA-256, so keys stay small enough to index."""
    kind, _, value = key.partition(":")
    if len(value) <= MAX_VALUE_CHARS:
        return key
    return f"{kind}:sha256:{hashlib.sha256(value.encode('utf-8')).hexdigest()}"


def email_value(text: str) -> str:
    """Canonical mailbox: case folded, +tag dropped, dots dropped at Gmail, googlemail.com = gmail.com."""
    text = text.removeprefix("mailto:")
    if any(c in text for c in '<" ('):  # a display form such as "Name <user@host>"
        text = parseaddr(text)[1] or text
    address = text.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return address
    domain = domain.rstrip(".")
    domain = _DOMAIN_ALIASES.get(domain, domain)
    # RFC 5233 sub-addressing: nearly every large provider delivers user+tag to user.
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def _email(text: str, _country: str) -> list[str]:
    return [f"{EMAIL}:{email_value(text)}"]


def phone_value(text: str, country: str = "") -> str:
    """E.164 when `phonenumbers` can read the number, else its digits.

    Two readings are tried: as written with the seller's country as default region, and as an
    international number without its '+' (e.g. "(852) 61995897" from a US seller). The second goes
    first when the digits start with the region's own country code ("86 184..." in China: national
    numbers are written with a trunk prefix, not the country code). A valid reading beats a merely
    possible one. A leading international prefix "00" is read as "+".
    """
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = _NON_DIGIT.sub("", text)
    if not digits:
        return text.lower()
    region = country.upper() or None
    readings = [(text, region), ("+" + digits, None)]
    if region and digits.startswith(str(phonenumbers.country_code_for_region(region) or "-")):
        readings.reverse()
    possible = None
    for attempt, default_region in readings:
        try:
            number = phonenumbers.parse(attempt, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if possible is None and phonenumbers.is_possible_number(number):
            possible = number
    if possible is not None:
        return phonenumbers.format_number(possible, phonenumbers.PhoneNumberFormat.E164)
    return digits


def _phone(text: str, country: str) -> list[str]:
    return [f"{PHONE}:{phone_value(text, country)}"]


_PAYPAL = re.compile(r"^paypal\s*[:\-]?\s*(?P<login>.+)$", re.IGNORECASE)
_ACCOUNT_LABEL = re.compile(r"^(iban|account|acct|a/c)\s*[:.#]?\s*", re.IGNORECASE)
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def _payout(text: str, _country: str) -> list[str]:
    paypal = _PAYPAL.match(text)
    if paypal and "@" in paypal["login"]:
        return [f"{EMAIL}:{email_value(paypal['login'])}"]
    text = _ACCOUNT_LABEL.sub("", text)
    compact = re.sub(r"[\s\-./]+", "", text).upper()
    if _IBAN_SHAPE.match(compact):
        # schwifty canonicalises (and validates; a bad checksum still keys the same account text).
        return [f"{PAYOUT}:iban:{IBAN(compact, allow_invalid=True).compact}"]
    return [f"{PAYOUT}:{_NON_ALNUM.sub('', text.lower())}"]


# Postal abbreviations: each token maps to one spelling (USPS Publication 28 style, plus the
# unit/building words of Asian addresses).
_ADDRESS_WORDS = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "ln": "lane", "dr": "drive", "ct": "court", "pl": "place", "sq": "square", "hwy": "highway",
    "pkwy": "parkway", "cres": "crescent", "ter": "terrace", "cir": "circle", "trl": "trail", "mt": "mount",
    "rm": "room", "bldg": "building", "blk": "block", "fl": "floor", "flr": "floor", "ste": "suite",
    "apt": "apartment", "dist": "district", "ind": "industrial", "n": "north", "s": "south", "e": "east",
    "w": "west", "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
    "usa": "us", "uk": "gb",
}
_ADDRESS_PHRASES = (("united states of america", "us"), ("united states", "us"), ("united kingdom", "gb"),
                    ("hong kong", "hk"), ("u s a", "us"), ("u s", "us"), ("u k", "gb"))


def address_value(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    spaced = " " + " ".join(_NON_ALNUM.sub(" ", folded).split()) + " "
    for phrase, replacement in _ADDRESS_PHRASES:
        spaced = spaced.replace(f" {phrase} ", f" {replacement} ")
    return " ".join(_ADDRESS_WORDS.get(token, token) for token in spaced.split())


def _address(text: str, _country: str) -> list[str]:
    return [f"{ADDRESS}:{address_value(text)}"]


_DEVICE_LABEL = re.compile(r"^(device[\s_-]?id|device|dev|did|id)\s*[:=_\-\s]\s*", re.IGNORECASE)


def device_value(text: str) -> str:
    """Case and separators dropped, as are braces and a leading type label ("dev-", "device:")."""
    text = text.strip("{}()[] ")
    text = _DEVICE_LABEL.sub("", text)
    return _NON_ALNUM.sub("", text.lower())


def _device(text: str, _country: str) -> list[str]:
    return [f"{DEVICE}:{device_value(text)}"]


_DOTTED_QUAD = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def ip_value(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip("[] ")
    if _DOTTED_QUAD.match(text):
        text = ".".join(str(int(octet)) for octet in text.split("."))  # "010.001.002.003"
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _ip(text: str, _country: str) -> list[str]:
    address = ip_value(text)
    if address is None:
        return [f"{IP}:{text.lower()}"]
    keys = [f"{IP}:{address.compressed}"]
    if address.version == 4:
        keys.append(f"{IP24}:{ipaddress.IPv4Address(int(address) & 0xFFFFFF00)}/24")
    return keys


def website_value(text: str) -> str:
    """Host name: no scheme, user, port, path, trailing dot or leading "www."; IDNs in punycode."""
    url = text if "//" in text else "//" + text
    host = (urlsplit(url).hostname or "").rstrip(".")
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    return host.removeprefix("www.")


def _website(text: str, _country: str) -> list[str]:
    try:
        value = website_value(text)
    except ValueError:  # e.g. an invalid IPv6 literal in brackets
        value = ""
    return [f"{WEBSITE}:{value}"]


_RULES = {
    "emails": _email,
    "phones": _phone,
    "payout_accounts": _payout,
    "addresses": _address,
    "devices": _device,
    "ip_addresses": _ip,
    "websites": _website,
}
