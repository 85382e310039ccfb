"""The demo marketplace: a realistic, labelled bundle built around the packaged real catalogue.

`generate(out, listings=N, seed=S)` writes a bundle per shared/spec/bundle.md with ground truth in
`labels/`. Same seed and options give byte-identical files. Listings are streamed (constant memory in
N); sellers (about N/10) and the catalogue are held in memory. See docs/demo.md for the tactic table.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image

from countermark.listings import demo_images as images
from countermark.listings import demo_text as text
from countermark.listings.bundle import BundleWriter
from countermark.listings.demo_sellers import SellerWorld, build_sellers
from countermark.listings.records import Brand, Listing, Product, Trademark

# tactic -> share of all listings, in percent (labels/listings.csv: label, tactic)
COUNTERFEIT_TACTICS: dict[str, float] = {
    "price_only": 4.0, "misspelling": 3.0, "replica_words": 3.5, "foreign_replica": 3.0, "homoglyph": 3.0,
    "leetspeak": 2.5, "separators": 2.5, "description_only": 2.5, "inspired_style": 2.0, "image_copy": 2.0,
    "local_script": 2.0,
}
LEGITIMATE_TACTICS: dict[str, float] = {
    "authorized": 20.0, "resale": 14.0, "used": 10.0, "clearance": 6.0, "compatible": 9.0, "generic": 11.0,
}
DEFAULT_BRANDS = 30
DEMO_DATE = datetime(2026, 11, 20, tzinfo=UTC)
RED_FLAG_POOL = ("super copy", "tester", "original quality", "grade AAA", "OEM version", "master copy",
                 "factory seconds", "unbranded", "no box", "mirror image", "high imitation", "AAA+", "copy version")
PRODUCT_LINE_ALIASES = frozenset({"PlayStation", "Bravia", "Xbox", "Lumix", "Galaxy", "iPhone", "iPad", "MacBook",
                                  "iPod", "HyperX", "Photoshop", "Moto"})
BUNDLE_FILES = ("bundle.json", "brands.jsonl", "sellers.jsonl", "listings.jsonl", "listings.parquet", "labels",
                "images")


class DemoError(Exception):
    """The demo cannot be written where asked (message is one line)."""


@dataclass
class DemoBrand:
    brand: Brand  # products without images; images are added once listings have used them
    pattern: re.Pattern[str]  # the mark (and its Latin company aliases) as written in titles
    scripts: tuple[str, ...]  # non-Latin aliases (local-script names)
    weight: float


@dataclass
class DemoSummary:
    path: Path
    brands: int
    sellers: int
    listings: int
    images: int
    by_tactic: Counter[tuple[str, str]] = field(default_factory=Counter)


@cache
def load_catalogue() -> tuple[dict, ...]:
    """The packaged catalogue (scripts/build_demo_catalogue.py): one dict per brand."""
    raw = resources.files("countermark.listings").joinpath("data/catalogue.jsonl.gz").read_bytes()
    return tuple(json.loads(line) for line in gzip.decompress(raw).decode("utf-8").splitlines() if line)


class _Pool:
    """Seller ids with skewed (Zipf-like) activity: a few accounts carry many listings."""

    def __init__(self, ids: list[str], rng: random.Random) -> None:
        self.ids = list(ids)
        weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(self.ids))]
        rng.shuffle(weights)
        self.cum = [0.0] * len(weights)
        total = 0.0
        for i, w in enumerate(weights):
            total += w
            self.cum[i] = total

    def pick(self, rng: random.Random) -> str:
        return self.ids[min(bisect.bisect_left(self.cum, rng.random() * self.cum[-1]), len(self.ids) - 1)]


def _latin(s: str) -> bool:
    return all(ord(ch) < 0x250 for ch in s)


class _Market:
    def __init__(self, root: Path, n_listings: int, seed: int, with_images: bool, n_brands: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.image_rng = random.Random(seed * 1_000_003 + 17)  # own stream: --no-images leaves the text unchanged
        self.with_images = with_images
        self.width = max(7, len(str(n_listings)))
        catalogue = load_catalogue()
        majors = [b for b in catalogue if b["tier"] == "major"]
        if not 1 <= n_brands <= len(majors):
            raise DemoError(f"--brands must be between 1 and {len(majors)}")
        chosen = {b["brand_id"] for b in self.rng.sample(majors, n_brands)}
        self.protected_meta = [b for b in majors if b["brand_id"] in chosen]
        self.generic_products = [(b, p) for b in catalogue if b["brand_id"] not in chosen for p in b["products"]]
        n_sellers = max(200, n_listings // 10)
        tactics = list(COUNTERFEIT_TACTICS)
        self.world: SellerWorld = build_sellers(
            n_sellers, {b["brand_id"]: b["name"] for b in self.protected_meta}, tactics, self.rng)
        self.brands = [self._brand(meta) for meta in self.protected_meta]
        self.brand_cum = _cumulative([b.weight for b in self.brands])
        self.script_brands = [b for b in self.brands if b.scripts]
        self.pools = {role: _Pool(ids, self.rng) for role, ids in self.world.by_role.items()}
        self.tactic_pools = {t: _Pool(ids or self.world.by_role["counterfeit"], self.rng)
                             for t, ids in self.world.by_tactic.items()}
        self.authorized_pools = {bid: _Pool(ids, self.rng) for bid, ids in self.world.authorized.items()}
        self.country = {s.record.seller_id: s.record.country for s in self.world.sellers}
        kinds = [("counterfeit", t, w) for t, w in COUNTERFEIT_TACTICS.items()]
        kinds += [("legitimate", t, w) for t, w in LEGITIMATE_TACTICS.items()]
        self.kinds = [(label, tactic) for label, tactic, _ in kinds]
        self.kind_cum = _cumulative([w for *_, w in kinds])
        self.official: set[tuple[str, str]] = set()  # (brand_id, sku) whose official photo was written
        self.image_count = 0
        self._photo_cache: dict[str, Image.Image] = {}

    # ------------------------------------------------------------------ brands

    def _brand(self, meta: dict) -> DemoBrand:
        rng = self.rng
        name = meta["name"]
        scripts = tuple(a for a in meta["aliases"] if not _latin(a))
        trademarks = [Trademark(name, "USPTO", text_digits(rng, 7), tuple(meta["classes"])),
                      Trademark(name.upper(), "EUIPO", "0" + text_digits(rng, 8), tuple(meta["classes"]))]
        for alias in scripts[:1]:
            trademarks.append(Trademark(alias, "CNIPA" if any("\u4e00" <= c <= "\u9fff" for c in alias) else "JPO",
                                        text_digits(rng, 8), tuple(meta["classes"][:1])))
        categories = [c for c, _ in Counter(p["category"] for p in meta["products"]).most_common(5)]
        brand = Brand(
            brand_id=meta["brand_id"], name=name, owner=meta["owner"], aliases=tuple(meta["aliases"]),
            trademarks=tuple(trademarks), categories=tuple(categories),
            authorized_sellers=tuple(self.world.authorized[meta["brand_id"]]),
            red_flag_terms=tuple(rng.sample(RED_FLAG_POOL, rng.choice((0, 1, 1, 2)))),
            reference_images=(), products=tuple(
                Product(p["sku"], p["title"], p["msrp"], "USD", p["category"], tuple(p["model_numbers"]))
                for p in meta["products"]),
        )
        names = [name] + [a for a in meta["aliases"] if _latin(a) and a not in PRODUCT_LINE_ALIASES]
        return DemoBrand(brand, text.brand_pattern(names), scripts, len(meta["products"]) ** 0.7)

    def final_brands(self) -> Iterator[Brand]:
        for db in self.brands:
            b = db.brand
            refs: tuple[str, ...] = ()
            if self.with_images:
                refs = tuple(self._reference(db, k) for k in (1, 2))
            products = tuple(
                Product(p.sku, p.title, p.msrp, p.currency, p.category, p.model_numbers,
                        (self._official_path(b.brand_id, p.sku),) if (b.brand_id, p.sku) in self.official else ())
                for p in b.products)
            yield Brand(b.brand_id, b.name, b.owner, b.aliases, b.trademarks, b.categories, b.authorized_sellers,
                        b.red_flag_terms, refs, products)

    # ------------------------------------------------------------------ images

    def _official_path(self, brand_id: str, sku: str) -> str:
        return f"images/brands/{brand_id}/{sku}.jpg"

    def _official_photo(self, db: DemoBrand, p: Product) -> Image.Image:
        photo = self._photo_cache.get(p.sku)
        if photo is None:
            if len(self._photo_cache) > 256:
                self._photo_cache.clear()
            photo = images.draw_product(p.sku, p.category, db.brand.name.upper(), p.model_numbers[0]
                                        if p.model_numbers else "")
            self._photo_cache[p.sku] = photo
        key = (db.brand.brand_id, p.sku)
        if key not in self.official:
            self.official.add(key)
            self._save(self._official_path(*key), images.jpeg_bytes(photo))
        return photo

    def _reference(self, db: DemoBrand, k: int) -> str:
        path = f"images/brands/{db.brand.brand_id}/reference-{k}.jpg"
        p = db.brand.products[(k - 1) % len(db.brand.products)]
        photo = images.draw_product(f"{db.brand.brand_id}/reference-{k}", p.category, db.brand.name.upper())
        self._save(path, images.jpeg_bytes(photo, 92))
        return path

    def _save(self, rel: str, data: bytes) -> None:
        images.write(self.root / rel, data)
        self.image_count += 1

    def _listing_images(self, lid: str, label: str, tactic: str, db: DemoBrand | None, p: Product | None,
                        category: str, mark: str) -> tuple[str, ...]:
        if not self.with_images:
            return ()
        rng = self.image_rng
        own = f"images/listings/{lid}-1.jpg"
        roll = rng.random()
        if db is not None and p is not None and label == "counterfeit" and (tactic == "image_copy" or roll < 0.4):
            photo = self._official_photo(db, p)
            n_edits = rng.choice((1, 1, 2, 2, 3))
            self._save(own, images.edited_copy(photo, tuple(rng.sample(images.EDITS, n_edits)), rng))
            return (own,)
        if db is not None and p is not None and (
                (label == "counterfeit" and roll < 0.65) or (tactic in ("authorized", "clearance") and roll < 0.6)
                or (tactic == "resale" and roll < 0.4)):
            self._official_photo(db, p)
            return (self._official_path(db.brand.brand_id, p.sku),)
        if db is not None and p is not None and tactic in ("authorized", "clearance"):  # re-encoded official photo
            self._save(own, images.jpeg_bytes(self._official_photo(db, p), rng.randint(70, 90)))
            return (own,)
        model = p.model_numbers[0] if p is not None and p.model_numbers else ""
        self._save(own, images.jpeg_bytes(images.draw_product(lid, category, mark, model)))
        return (own,)

    # ------------------------------------------------------------------ listings

    def listings(self, n: int, labels: _Counting, on_progress: Callable[[int], None] | None) -> Iterator[Listing]:
        for i in range(1, n + 1):
            lid = f"L{i:0{self.width}d}"
            label, tactic = self.kinds[bisect.bisect_left(self.kind_cum, self.rng.random() * self.kind_cum[-1])]
            listing, brand_id = self._listing(lid, label, tactic)
            labels.writerow((lid, label, brand_id, tactic))
            yield listing
            if on_progress is not None and i % 10_000 == 0:
                on_progress(10_000)
        if on_progress is not None and n % 10_000:
            on_progress(n % 10_000)

    def _pick_brand(self, tactic: str) -> DemoBrand:
        if tactic == "local_script" and self.script_brands:
            return self.rng.choice(self.script_brands)
        return self.brands[bisect.bisect_left(self.brand_cum, self.rng.random() * self.brand_cum[-1])]

    def _pick_product(self, db: DemoBrand) -> Product:
        products = db.brand.products
        return products[int(len(products) * self.rng.random() ** 1.6)]

    def _listing(self, lid: str, label: str, tactic: str) -> tuple[Listing, str]:
        rng = self.rng
        if tactic == "generic":
            return self._generic(lid), ""
        db = self._pick_brand(tactic)
        p = self._pick_product(db)
        name = db.brand.name
        if label == "counterfeit":
            seller = self.tactic_pools[tactic].pick(rng)
            title, description = self._counterfeit_text(tactic, db, p)
            roll = rng.random()  # most fakes are cheap; some are priced like used goods, a few like retail
            factor = rng.uniform(0.65, 0.9) if roll < 0.03 else rng.uniform(0.4, 0.65) if roll < 0.12 \
                else rng.uniform(0.08, 0.35)
            quantity = rng.randint(50, 5000) if rng.random() < 0.7 else rng.randint(1, 20)
            mark = "" if rng.random() < 0.5 else name.upper()
        elif tactic == "compatible":
            seller = self.pools["accessory"].pick(rng)
            model = p.model_numbers[0] if p.model_numbers else " ".join(text.strip_brand(p.title, db.pattern)
                                                                        .split()[:3])
            phrase = rng.choice(text.COMPATIBLE).format(b=name, m=model)
            title = f"{rng.choice(text.ACCESSORY_NOUNS)} {phrase}"
            description = rng.choice(text.ACCESSORY_DESCRIPTIONS)
            factor, quantity, mark = 0.0, rng.randint(10, 500), ""
        else:
            title, description, factor, quantity, seller = self._genuine_text(tactic, db, p)
            mark = name.upper()
        price = round(rng.uniform(3.0, 35.0), 2) if tactic == "compatible" else _price(p.msrp * factor, rng)
        category = p.category if not (label == "counterfeit" and rng.random() < 0.1) else ""
        listing = Listing(
            listing_id=lid, seller_id=seller, title=title, price=price, currency="USD", description=description,
            category=category, quantity=quantity, ships_from=self._ships_from(seller, label),
            created_at=self._created_at(),
            images=self._listing_images(lid, label, tactic, db if tactic != "compatible" else None,
                                        p if tactic != "compatible" else None, p.category, mark),
        )
        return listing, db.brand.brand_id

    def _counterfeit_text(self, tactic: str, db: DemoBrand, p: Product) -> tuple[str, str]:
        rng = self.rng
        name = db.brand.name
        pattern = db.pattern
        description = rng.choice(text.COUNTERFEIT_DESCRIPTIONS)
        if tactic == "price_only":
            return text.with_brand(p.title, pattern, name), rng.choice(text.GENUINE_DESCRIPTIONS + ("",))
        if tactic == "misspelling":
            return text.with_brand(p.title, pattern, text.misspelt(name, rng)), description
        if tactic == "homoglyph":
            return text.with_brand(p.title, pattern, text.homoglyph(name, rng)), description
        if tactic == "leetspeak":
            return text.with_brand(p.title, pattern, text.leetspeak(name, rng)), description
        if tactic == "separators":
            return text.with_brand(p.title, pattern, text.separated(name, rng)), description
        if tactic == "replica_words":
            terms = text.REPLICA_EN + db.brand.red_flag_terms
            term = rng.choice(terms)
            title = text.with_brand(p.title, pattern, name)
            title = f"[{term}] {title}" if rng.random() < 0.5 else f"{title} {term}"
            return title, f"Top quality {rng.choice(text.REPLICA_EN)}, looks same as original. {description}"
        if tactic == "foreign_replica":
            words, sentences = text.REPLICA_FOREIGN[rng.choice(tuple(text.REPLICA_FOREIGN))]
            term = rng.choice(words)
            title = text.with_brand(p.title, pattern, name)
            title = f"【{term}】{title}" if rng.random() < 0.4 else f"{title} {term}"
            return title, rng.choice(sentences)
        if tactic == "local_script" and db.scripts:
            alias = rng.choice(db.scripts)
            rest = text.strip_brand(p.title, pattern)
            suffix = rng.choice(("", "", " 原装正品", " 正規品", " 全新"))
            return f"{alias} {rest}{suffix}", description
        if tactic == "description_only":
            hint = rng.choice(text.DESCRIPTION_ONLY).format(b=name)
            return text.strip_brand(p.title, pattern), f"{hint} {description}"
        if tactic == "inspired_style":
            phrase = rng.choice(text.INSPIRED).format(b=name)
            rest = text.strip_brand(p.title, pattern)
            return (f"{rest} {phrase}" if rng.random() < 0.6 else f"{phrase} {rest}"), description
        if tactic == "image_copy":
            return text.strip_brand(p.title, pattern), description
        return text.with_brand(p.title, pattern, text.homoglyph(name, rng)), description  # local_script fallback

    def _genuine_text(self, tactic: str, db: DemoBrand, p: Product) -> tuple[str, str, float, int, str]:
        rng = self.rng
        title = p.title if db.pattern.search(p.title) or rng.random() < 0.5 else f"{db.brand.name} {p.title}"
        if tactic in ("authorized", "clearance"):
            seller = self.authorized_pools[db.brand.brand_id].pick(rng)
            if db.scripts and rng.random() < 0.08:
                title = f"{rng.choice(db.scripts)} {title}"  # official store in the local market
            if tactic == "authorized":
                return (title, rng.choice(text.AUTHORIZED_DESCRIPTIONS), rng.uniform(0.85, 1.05),
                        rng.randint(5, 500), seller)
            word = rng.choice(text.CLEARANCE_WORDS)
            title = f"{word} - {title}" if rng.random() < 0.5 else f"{title} ({word})"
            return title, "Clearance of discontinued stock. Official warranty.", rng.uniform(0.45, 0.6), \
                rng.randint(1, 100), seller
        if tactic == "resale":
            seller = self.pools["reseller"].pick(rng)
            word = rng.choice(text.RESALE_WORDS)
            title = f"{title} - {word}" if rng.random() < 0.6 else title
            factor = rng.uniform(1.05, 1.3) if rng.random() < 0.1 else rng.uniform(0.7, 1.0)
            descriptions = text.GENUINE_FOREIGN if rng.random() < 0.15 else text.GENUINE_DESCRIPTIONS
            return title, rng.choice(descriptions), factor, rng.randint(1, 30), seller
        # used
        seller = (self.pools["used"] if rng.random() < 0.7 else self.pools["reseller"]).pick(rng)
        if rng.random() < 0.1:  # broken goods: genuine, and as cheap as a fake
            word = rng.choice(text.FOR_PARTS_WORDS)
            return f"{title} - {word}", rng.choice(text.FOR_PARTS_DESCRIPTIONS), rng.uniform(0.1, 0.3), 1, seller
        word = rng.choice(text.USED_WORDS)
        title = f"{title} ({word})" if rng.random() < 0.6 else f"{word} {title}"
        return title, rng.choice(text.USED_DESCRIPTIONS), rng.uniform(0.35, 0.7), rng.randint(1, 3), seller

    def _generic(self, lid: str) -> Listing:
        rng = self.rng
        roll = rng.random()
        seller = (self.pools["generic"] if roll < 0.75 else self.pools["reseller"] if roll < 0.95
                  else self.pools["counterfeit"]).pick(rng)
        if rng.random() < 0.75 and self.generic_products:
            meta, p = self.generic_products[int(len(self.generic_products) * rng.random())]
            title, category, price = p["title"], p["category"], _price(p["msrp"] * rng.uniform(0.8, 1.1), rng)
            mark, model = meta["name"].upper(), (p["model_numbers"] or [""])[0]
        else:
            item, base = rng.choice(text.UNBRANDED_ITEMS)
            title, category, price = item, "electronics - general", _price(base * rng.uniform(0.6, 1.5), rng)
            mark, model = "", ""
        imgs: tuple[str, ...] = ()
        if self.with_images:
            rel = f"images/listings/{lid}-1.jpg"
            self._save(rel, images.jpeg_bytes(images.draw_product(lid, category, mark, model)))
            imgs = (rel,)
        return Listing(lid, seller, title, price, "USD", rng.choice(("", "Fast shipping.", "New, in stock.")),
                       category, rng.randint(1, 200), self._ships_from(seller, "legitimate"), self._created_at(), imgs)

    def _ships_from(self, seller: str, label: str) -> str:
        roll = self.rng.random()
        if label == "counterfeit" and roll < 0.15:
            return self.rng.choice(("US", "GB", "DE", "NL"))
        return "" if roll > 0.96 else self.country[seller]

    def _created_at(self) -> str:
        moment = DEMO_DATE - timedelta(seconds=self.rng.randrange(365 * 86_400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _price(value: float, rng: random.Random) -> float:
    value = max(value, 0.5)
    return round(int(value) + (0.99 if rng.random() < 0.5 else rng.randrange(100) / 100), 2) if value >= 5 \
        else round(value, 2)


def text_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def prepare_directory(out: Path) -> None:
    """Create `out`, or replace a previous bundle in it; refuse to write into any other non-empty directory."""
    if out.exists() and not out.is_dir():
        raise DemoError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "bundle.json").is_file():
            raise DemoError(f"{out}: directory is not empty and holds no bundle; choose an empty or new directory")
        for name in BUNDLE_FILES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def generate(out: str | Path, listings: int = 3000, seed: int = 1, with_images: bool = True, parquet: bool = False,
             n_brands: int = DEFAULT_BRANDS, on_progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Write the demo bundle to `out`; `on_progress(k)` is called as listings are written."""
    if listings < 1:
        raise DemoError("--listings must be at least 1")
    root = Path(out)
    prepare_directory(root)
    market = _Market(root, listings, seed, with_images, n_brands)
    writer = BundleWriter(root, name=f"countermark-demo-s{seed}", created_at=DEMO_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"))
    writer.write_sellers(s.record for s in market.world.sellers)
    (root / "labels").mkdir(exist_ok=True)
    counts: Counter[tuple[str, str]] = Counter()
    with (root / "labels" / "listings.csv").open("w", encoding="utf-8", newline="") as f:
        labels = csv.writer(f, lineterminator="\n")
        labels.writerow(("listing_id", "label", "brand_id", "tactic"))
        counting = _Counting(labels, counts)
        stream = market.listings(listings, counting, on_progress)
        n = writer.write_listings_parquet(stream) if parquet else writer.write_listings(stream)
    writer.write_brands(market.final_brands())
    with (root / "labels" / "sellers.csv").open("w", encoding="utf-8", newline="") as f:
        rows = csv.writer(f, lineterminator="\n")
        rows.writerow(("seller_id", "actor_id"))
        rows.writerows((s.record.seller_id, s.actor_id) for s in market.world.sellers)
    return DemoSummary(root, len(market.brands), len(market.world.sellers), n, market.image_count, counts)


class _Counting:
    """A csv writer that also counts (label, tactic) of the rows it writes."""

    def __init__(self, writer: Any, counts: Counter[tuple[str, str]]) -> None:  # a csv.writer
        self.writer = writer
        self.counts = counts

    def writerow(self, row: tuple[str, str, str, str]) -> None:
        self.counts[(row[1], row[3])] += 1
        self.writer.writerow(row)
