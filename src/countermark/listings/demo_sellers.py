"""Seller accounts of the demo marketplace: who they are, who runs them, and the identifiers they typed.

Counterfeit rings (one actor, 2-6 accounts) share identifiers only in disguised forms; a few legitimate
companies run two storefronts; hub identifiers (fulfilment centres, freight forwarders, shared NAT
addresses, a payment agent) are shared by many unrelated sellers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from countermark.listings import demo_identity as ident
from countermark.listings.records import IDENTIFIER_KINDS, Seller

LEGIT_COUNTRIES = {"US": 28, "GB": 10, "DE": 9, "FR": 6, "JP": 6, "CN": 10, "HK": 5, "NL": 4, "ES": 4, "IT": 4,
                   "CA": 5, "AU": 4, "KR": 3, "TR": 2}
COUNTERFEIT_COUNTRIES = {"CN": 42, "HK": 18, "TR": 6, "TH": 4, "VN": 4, "MY": 3, "US": 7, "GB": 4, "AE": 4, "RU": 4,
                         "BR": 4}
ROLE_SHARES = {"reseller": 0.30, "used": 0.15, "accessory": 0.17, "generic": 0.38}
COUNTERFEIT_SHARE = 0.30
AUTHORIZED_SHARE = 0.10
RING_ACTOR_SHARE = 0.3  # about 60% of counterfeit accounts end up in rings of 2-6
LEGIT_PAIR_SHARE = 0.04

NAME_WORDS = ("Daily", "Prime", "Global", "Smart", "Bright", "Urban", "Star", "Blue", "Golden", "Happy", "Trend", "Top",
              "Best", "Royal", "Nova", "Eco", "Metro", "Pixel", "Swift", "Lucky", "Silver", "Zen", "Apex", "Harbor")
NAME_NOUNS = ("Distribution", "Electronics", "Trading", "Mart", "Store", "Outlet", "Emporium", "Supply", "Depot",
              "Goods", "Tech", "Gadgets", "Shop", "Market", "Warehouse", "Direct", "Deals", "House", "Closet", "Hub")
NAME_SUFFIXES = ("", "", "LLC", "Ltd", "Co.", "GmbH", "Inc.", "Store", "Official", "Online")


@dataclass
class DemoSeller:
    record: Seller
    actor_id: str
    role: str  # authorized | reseller | used | accessory | generic | counterfeit
    tactics: tuple[str, ...] = ()


@dataclass
class _Account:
    role: str
    country: str
    actor: int
    identifiers: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in IDENTIFIER_KINDS})
    display_name: str = ""
    tactics: tuple[str, ...] = ()


@dataclass
class SellerWorld:
    sellers: list[DemoSeller]
    authorized: dict[str, list[str]]  # brand_id -> seller ids
    by_role: dict[str, list[str]]
    by_tactic: dict[str, list[str]]


def _weighted(table: dict[str, int], rng: random.Random) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _display_name(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.15:
        return f"{rng.choice(ident.GIVEN).capitalize()}'s {rng.choice(NAME_NOUNS)}"
    if style < 0.35:
        place = rng.choice(("House", "Mart", "World", "Zone", "Factory"))
        return f"{rng.choice(NAME_NOUNS)} {place} {rng.randrange(1, 999)}"
    return " ".join(p for p in (rng.choice(NAME_WORDS), rng.choice(NAME_NOUNS), rng.choice(NAME_SUFFIXES)) if p)


def _fresh(kind: str, acc: _Account, rng: random.Random) -> str:
    if kind == "emails":
        return ident.new_email(rng, acc.country)
    if kind == "phones":
        return ident.render_phone(ident.new_phone(acc.country, rng), rng)
    if kind == "payout_accounts":
        return ident.new_payout(acc.country, rng)
    if kind == "addresses":
        return ident.render_address(ident.new_address(acc.country, rng), rng, plain=rng.random() < 0.5)
    if kind == "devices":
        return ident.new_device(rng)
    if kind == "ip_addresses":
        return ident.new_ip(rng)
    return ident.new_website(acc.display_name, rng)


def _fill(acc: _Account, rng: random.Random) -> None:
    """Own identifiers for every kind the account has none of yet (websites only for some)."""
    counts = {"emails": rng.choice((1, 1, 2)), "phones": 1, "payout_accounts": 1, "addresses": 1,
              "devices": rng.choice((1, 1, 2)), "ip_addresses": rng.choice((1, 2, 2, 3)),
              "websites": 1 if acc.role not in ("counterfeit",) and rng.random() < 0.35 else 0}
    for kind, n in counts.items():
        while len(acc.identifiers[kind]) < n:
            acc.identifiers[kind].append(_fresh(kind, acc, rng))


def _shared_items(country: str, rng: random.Random) -> list[tuple[str, object]]:
    """The canonical identifiers one counterfeit actor reuses across its accounts."""
    items: list[tuple[str, object]] = [
        ("emails", ident.new_email(rng, country, "gmail.com" if rng.random() < 0.7 else None)),
        ("phones", ident.new_phone(country, rng)),
        ("payout_accounts", ident.new_payout(country, rng)),
        ("addresses", ident.new_address(country, rng)),
        ("devices", ident.new_device(rng)),
        ("ip_addresses", ident.new_ip(rng)),
    ]
    if rng.random() < 0.5:
        items.append(("emails", ident.new_email(rng, country, "gmail.com")))
    if rng.random() < 0.5:
        items.append(("devices", ident.new_device(rng)))
    return items


def _disguised(kind: str, value: object, rng: random.Random, home: str) -> str:
    if kind == "emails":
        return ident.disguise_email(str(value), rng)
    if kind == "phones":
        assert isinstance(value, ident.Phone)
        return ident.render_phone(value, rng, home=home)
    if kind == "payout_accounts":
        return ident.disguise_payout(str(value), rng)
    if kind == "addresses":
        assert isinstance(value, ident.Address)
        return ident.render_address(value, rng)
    if kind == "devices":
        return ident.disguise_device(str(value), rng)
    if kind == "ip_addresses":
        return ident.disguise_ip(str(value), rng)
    return ident.disguise_website(str(value), rng)


def _ring(accounts: list[_Account], rng: random.Random) -> None:
    """Link a ring: every account after the first reuses (disguised) at least one identifier already used."""
    items = _shared_items(accounts[0].country, rng)
    written: dict[int, set[str]] = {}  # item -> the forms already used: each account writes it differently

    def reuse(acc: _Account, i: int) -> bool:
        kind, value = items[i]
        forms = written.setdefault(i, set())
        form = _plain(kind, value) if not forms and rng.random() < 0.5 else _disguised(kind, value, rng, acc.country)
        for _ in range(30):
            if form not in forms:
                forms.add(form)
                acc.identifiers[kind].append(form)
                return True
            form = _disguised(kind, value, rng, acc.country)
        return False  # every disguise of this item is taken

    shared: list[int] = []  # items some account already wrote, in first-use order
    for j, acc in enumerate(accounts):
        candidates = shared[:]
        rng.shuffle(candidates)
        linked = next((i for i in candidates if reuse(acc, i)), None) if shared else -1
        if linked is None:  # every identifier used so far is written in all its forms: share a new one
            linked = rng.choice([i for i in range(len(items)) if i not in shared])
            reuse(rng.choice(accounts[:j]), linked)
            reuse(acc, linked)
            shared.append(linked)
        for i in rng.sample(range(len(items)), rng.choice((1, 1, 2, 2, 3))):
            if i != linked and reuse(acc, i) and i not in shared:
                shared.append(i)


def _plain(kind: str, value: object) -> str:
    if isinstance(value, ident.Phone):
        return ident.render_phone(value, random.Random(0), plain=True)
    if isinstance(value, ident.Address):
        return ident.render_address(value, random.Random(0), plain=True)
    return str(value)


def _pair(accounts: list[_Account], rng: random.Random) -> None:
    """A legitimate company with two storefronts: same website, phone and payout account, written plainly."""
    a, b = accounts
    b.country = a.country
    site = ident.new_website(a.display_name, rng)
    phone = ident.render_phone(ident.new_phone(a.country, rng), rng)
    payout = ident.new_payout(a.country, rng)
    for acc in accounts:
        acc.identifiers["websites"].append(site)
        acc.identifiers["phones"].append(phone)
        acc.identifiers["payout_accounts"].append(payout)
    domain = site.split("://", 1)[1].removeprefix("www.")
    a.identifiers["emails"].append(f"sales@{domain}")
    b.identifiers["emails"].append(f"outlet@{domain}")


def _hubs(rng: random.Random) -> list[tuple[str, str, float]]:
    """Identifiers many unrelated sellers share: (kind, value, share of sellers using it)."""
    hubs: list[tuple[str, str, float]] = []
    for country, name in (("CN", "Fulfilment Centre"), ("US", "Fulfillment Center"), ("GB", "Fulfilment Centre")):
        a = ident.new_address(country, rng)
        hubs.append(("addresses", f"{name} {rng.randrange(1, 9)}, {a.number} {a.street} {a.street_type}, {a.city} "
                                  f"{a.postcode}, {a.country}", 0.03))
    for country in ("CN", "HK"):
        hubs.append(("phones", ident.render_phone(ident.new_phone(country, rng), rng, plain=True), 0.015))
    for _ in range(2):
        hubs.append(("ip_addresses", ident.new_ip(rng), 0.02))
    hubs.append(("payout_accounts", f"PAYAGENT {ident.digits('dddddddddd', rng)}", 0.01))
    return hubs


def build_sellers(n_sellers: int, brands: dict[str, str], tactics: list[str], rng: random.Random) -> SellerWorld:
    """About `n_sellers` accounts; `brands` maps each protected brand_id to its name (for official stores)."""
    n_auth = max(int(n_sellers * AUTHORIZED_SHARE), len(brands) * 2)
    n_fake = max(int(n_sellers * COUNTERFEIT_SHARE), len(tactics) * 2)
    n_rest = max(n_sellers - n_auth - n_fake, 8)
    accounts: list[_Account] = []
    actors = 0

    def new_actor(role: str, size: int, countries: dict[str, int]) -> list[_Account]:
        nonlocal actors
        actors += 1
        home = _weighted(countries, rng)
        group = []
        for _ in range(size):
            country = home if rng.random() < 0.8 else _weighted(countries, rng)
            group.append(_Account(role, country, actors, display_name=_display_name(rng)))
        accounts.extend(group)
        return group

    # counterfeit actors: rings and lone accounts, each actor with a few favourite tactics
    remaining = n_fake
    while remaining > 0:
        size = min(remaining, rng.randint(2, 6)) if rng.random() < RING_ACTOR_SHARE else 1
        group = new_actor("counterfeit", size, COUNTERFEIT_COUNTRIES)
        favourite = tuple(sorted(rng.sample(tactics, rng.randint(3, min(6, len(tactics))))))
        for acc in group:
            acc.tactics = favourite
        if size > 1:
            _ring(group, rng)
        remaining -= size
    for _ in range(n_auth):
        new_actor("authorized", 1, LEGIT_COUNTRIES)
    roles = list(ROLE_SHARES)
    for i in range(n_rest):
        role = roles[i % len(roles)] if i < len(roles) else rng.choices(roles, weights=list(ROLE_SHARES.values()))[0]
        if rng.random() < LEGIT_PAIR_SHARE:
            _pair(new_actor(role, 2, LEGIT_COUNTRIES), rng)
        else:
            new_actor(role, 1, LEGIT_COUNTRIES)

    hubs = _hubs(rng)
    for acc in accounts:
        for kind, value, share in hubs:
            if rng.random() < share:
                acc.identifiers[kind].append(value)
        _fill(acc, rng)
    rng.shuffle(accounts)

    width = max(6, len(str(len(accounts))))
    seller_ids = [f"S{i:0{width}d}" for i in range(1, len(accounts) + 1)]
    authorized = _authorise(accounts, seller_ids, brands, rng)
    actor_ids: dict[int, str] = {}
    sellers: list[DemoSeller] = []
    by_role: dict[str, list[str]] = {}
    by_tactic: dict[str, list[str]] = {t: [] for t in tactics}
    for seller_id, acc in zip(seller_ids, accounts, strict=True):
        actor_id = actor_ids.setdefault(acc.actor, f"A{len(actor_ids) + 1:0{width}d}")
        registered = _registered_at(acc.role, rng)
        record = Seller(seller_id, acc.display_name, acc.country, registered,
                        {k: tuple(dict.fromkeys(v)) for k, v in acc.identifiers.items()})
        sellers.append(DemoSeller(record, actor_id, acc.role, acc.tactics))
        by_role.setdefault(acc.role, []).append(seller_id)
        for t in acc.tactics:
            by_tactic[t].append(seller_id)
    return SellerWorld(sellers, authorized, by_role, by_tactic)


def _authorise(accounts: list[_Account], seller_ids: list[str], brands: dict[str, str],
               rng: random.Random) -> dict[str, list[str]]:
    """2-5 authorised accounts per brand, the first being its official store; distributors serve several brands."""
    pool = [i for i, acc in enumerate(accounts) if acc.role == "authorized"]
    authorized: dict[str, list[str]] = {}
    for k, (brand_id, name) in enumerate(brands.items()):
        store, distributor = pool[(2 * k) % len(pool)], pool[(2 * k + 1) % len(pool)]
        if 2 * k < len(pool):
            slug = "".join(ch for ch in name.lower() if ch.isalnum())
            accounts[store].display_name = f"{name} Official Store"
            accounts[store].identifiers["websites"] = [f"https://store.{slug}.com"]
            accounts[store].identifiers["emails"] = [f"marketplace@{slug}.com"]
        extra = rng.sample(pool, min(len(pool), rng.randint(0, 3)))
        authorized[brand_id] = [seller_ids[i] for i in dict.fromkeys([store, distributor, *extra])]
    return authorized


def _registered_at(role: str, rng: random.Random) -> str:
    year = rng.randint(2024, 2026) if role == "counterfeit" and rng.random() < 0.8 else rng.randint(2012, 2026)
    return f"{year}-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
