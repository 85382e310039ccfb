"""Each normaliser: any disguise it supports maps to the same key; different identifiers stay apart."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from countermark.network.identifiers import normalise

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + "0123456789"


def random_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


def key(kind: str, raw: str, country: str = "") -> list[str]:
    return normalise(kind, raw, country=country)


# ---------------------------------------------------------------- e-mails

@st.composite
def gmail_disguise(draw):
    local = draw(st.text(ALNUM, min_size=2, max_size=12))
    dotted = ""
    for i, ch in enumerate(local):
        dotted += ch
        if 0 < i < len(local) - 1 and draw(st.booleans()):
            dotted += "."
    tag = draw(st.sampled_from(["", "+shop", "+hk", "+x.y"]))
    domain = draw(st.sampled_from(["gmail.com", "googlemail.com", "GMail.com", "GOOGLEMAIL.COM"]))
    return local, random_case(draw, dotted + tag) + "@" + domain


@given(gmail_disguise())
def test_gmail_dots_tags_case_and_googlemail_fold(case):
    local, disguised = case
    assert key("emails", disguised) == [f"email:{local}@gmail.com"]


@given(st.text(ALNUM, min_size=1, max_size=10), st.sampled_from(["outlook.com", "163.com", "qq.com"]),
       st.sampled_from(["", "+sales", "+biz"]), st.data())
def test_other_providers_fold_case_and_tag_but_keep_dots(local, domain, tag, data):
    raw = data.draw(st.builds(lambda s: s, st.just(f"{local}{tag}@{domain}")))
    assert key("emails", random_case(data.draw, raw)) == [f"email:{local}@{domain}"]
    assert key("emails", f"a.b@{domain}") != key("emails", f"ab@{domain}")


def test_email_display_form_and_distinct_mailboxes():
    assert key("emails", "John <John.Smith@GMAIL.com>") == ["email:johnsmith@gmail.com"]
    assert key("emails", "jsmith@gmail.com") != key("emails", "jsmith2@gmail.com")
    assert key("emails", "   ") == []


# ---------------------------------------------------------------- phones

REGIONS = ["CN", "HK", "US", "GB", "DE", "VN", "TR", "ID", "KR", "TH", "FR", "JP"]


@st.composite
def phone_disguise(draw):
    region = draw(st.sampled_from(REGIONS))
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = str(number.national_number)
    cc = str(number.country_code)
    sep = draw(st.sampled_from([" ", ".", "-", ""]))
    grouped = sep.join(national[i:i + 3] for i in range(0, len(national), 3))
    written = draw(st.sampled_from([
        e164,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        f"+{cc}{sep}{grouped}",
        f"00{cc}{sep}{grouped}",
        f"({cc}) {national}",
        f"{cc} {national}",
    ]))
    # The seller's registered country may differ from the number's.
    country = draw(st.sampled_from([region, "", "US"]))
    return e164, written, country


@given(phone_disguise())
def test_phone_formats_map_to_e164(case):
    e164, written, country = case
    assert key("phones", written, country) == [f"phone:{e164}"]


@pytest.mark.parametrize("region", REGIONS)
def test_phone_national_format_uses_seller_country(region):
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert key("phones", national, region) == [f"phone:{e164}"]


def test_phone_garbage_keeps_a_key_and_empty_has_none():
    assert key("phones", "call me") == ["phone:call me"]
    assert key("phones", "") == []


# ---------------------------------------------------------------- payout accounts

# Published example IBANs (valid checksums).
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606", "NL91ABNA0417164300"]


@st.composite
def iban_disguise(draw):
    iban = IBAN(draw(st.sampled_from(IBANS)))
    spaced = draw(st.sampled_from([iban.compact, iban.formatted, " ".join(iban.compact),
                                   iban.formatted.replace(" ", "-")]))
    label = draw(st.sampled_from(["", "IBAN ", "iban: "]))
    return iban.compact, label + random_case(draw, spaced)


@given(iban_disguise())
def test_iban_spacing_case_and_label(case):
    compact, written = case
    assert key("payout_accounts", written) == [f"payout:iban:{compact}"]


@given(st.sampled_from(["PAYONEER", "ACH", ""]), st.text("0123456789", min_size=6, max_size=18), st.data())
def test_other_accounts_ignore_spacing_punctuation_and_case(provider, digits, data):
    sep = data.draw(st.sampled_from([" ", "  ", "-", ""]))
    written = provider + data.draw(st.sampled_from([" ", ": ", ":"])) + sep.join(digits[i:i + 4]
                                                                               for i in range(0, len(digits), 4))
    assert key("payout_accounts", random_case(data.draw, written)) == [f"payout:{provider.lower()}{digits}"]


def test_paypal_account_is_the_login_email():
    assert key("payout_accounts", "PayPal: Yan.Luo5.5825+hk@gmail.com") == ["email:yanluo55825@gmail.com"]
    assert key("payout_accounts", "paypal:yanluo55825@googlemail.com") == key("emails", "yanluo55825@gmail.com")


# ---------------------------------------------------------------- addresses

SUFFIXES = [("Street", "St"), ("Road", "Rd"), ("Avenue", "Ave"), ("Boulevard", "Blvd"), ("Lane", "Ln"),
            ("Drive", "Dr"), ("Court", "Ct")]


@st.composite
def address_disguise(draw):
    number = draw(st.integers(1, 9999))
    name = draw(st.sampled_from(["Queen", "Market", "Church", "Huaqiang North", "Commerce"]))
    full, short = draw(st.sampled_from(SUFFIXES))
    room = draw(st.integers(1, 3000))
    building = draw(st.integers(1, 40))
    city = draw(st.sampled_from(["Guangzhou", "New York", "Izmir"]))
    postcode = draw(st.integers(10000, 99999))
    canonical = f"Room {room}, Building {building}, {number} {name} {full}, {city} {postcode}"
    suffix = draw(st.sampled_from([full, short, short + "."]))
    rm = draw(st.sampled_from(["Room", "Rm", "Rm."]))
    bldg = draw(st.sampled_from(["Building", "Bldg", "Bldg."]))
    comma = draw(st.sampled_from([", ", " ", " ,  "]))
    disguised = f"{rm} {room}{comma}{bldg} {building}{comma}{number} {name} {suffix}{comma}{city} {postcode}"
    return canonical, random_case(draw, disguised)


@given(address_disguise())
def test_address_case_punctuation_and_abbreviations(case):
    canonical, disguised = case
    assert key("addresses", disguised) == key("addresses", canonical)


def test_address_country_names_and_distinct_addresses():
    assert key("addresses", "5 Main St, New York, USA") == key("addresses", "5 Main Street New York United States")
    assert key("addresses", "5 Main St") != key("addresses", "6 Main St")


# ---------------------------------------------------------------- devices

@given(st.uuids(), st.data())
def test_device_case_separators_braces_and_label(uuid, data):
    text = str(uuid)
    written = data.draw(st.sampled_from([text, text.replace("-", ""), "{" + text + "}", "dev-" + text.replace("-", ""),
                                         "DEVICE:" + text, text.replace("-", ":")]))
    assert key("devices", random_case(data.draw, written)) == [f"device:{uuid.hex}"]


# ---------------------------------------------------------------- IP addresses

@given(st.ip_addresses(v=4), st.data())
def test_ipv4_and_its_mapped_ipv6_forms(address, data):
    mapped = int(address).to_bytes(4, "big").hex()
    written = data.draw(st.sampled_from([str(address), f"::ffff:{address}", f"::FFFF:{mapped[:4]}:{mapped[4:]}",
                                         f"[::ffff:{address}]", f"0:0:0:0:0:ffff:{address}"]))
    network = ".".join(str(address).split(".")[:3]) + ".0/24"
    assert key("ip_addresses", written) == [f"ip:{address}", f"ip24:{network}"]


def test_ip_slash24_links_neighbours_and_ipv6_has_exact_key_only():
    assert key("ip_addresses", "81.113.205.242")[1] == key("ip_addresses", "81.113.205.7")[1]
    assert key("ip_addresses", "081.113.205.007") == key("ip_addresses", "81.113.205.7")
    assert key("ip_addresses", "2001:DB8::1") == ["ip:2001:db8::1"]


# ---------------------------------------------------------------- websites

@given(st.text(LOWER, min_size=1, max_size=12), st.sampled_from(["com", "shop", "co.uk"]), st.data())
def test_website_domain_only(name, tld, data):
    scheme = data.draw(st.sampled_from(["", "http://", "https://", "HTTPS://"]))
    www = data.draw(st.sampled_from(["", "www.", "WWW."]))
    rest = data.draw(st.sampled_from(["", "/", "/shop?id=3", ":8080/x", "./"]))
    assert key("websites", random_case(data.draw, f"{scheme}{www}{name}.{tld}") + rest) == [f"web:{name}.{tld}"]


@settings(max_examples=200)
@given(st.sampled_from(["emails", "phones", "payout_accounts", "addresses", "devices", "ip_addresses", "websites"]),
       st.text(max_size=60), st.sampled_from(["", "US", "CN", "ZZ"]))
def test_any_text_gives_keys_of_its_kind_and_never_raises(kind, raw, country):
    for k in normalise(kind, raw, country=country):
        assert ":" in k and k.split(":", 1)[1] != ""


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        normalise("fax", "123")


def test_very_long_values_are_keyed_by_their_hash():
    (long_key,) = normalise("addresses", "1 Main Street " + "x" * 5000)
    assert long_key.startswith("address:sha256:") and len(long_key) < 100
    assert normalise("addresses", "1 MAIN ST. " + "X" * 5000) == [long_key]
