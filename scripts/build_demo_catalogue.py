#!/usr/bin/env python3
"""Build the demo marketplace's packaged catalogue from the shared real product records.

    .venv/bin/python scripts/build_demo_catalogue.py [--products ../shared/data/products/products.csv]

Reads `products.csv` (build time only) and writes `src/countermark/listings/data/catalogue.jsonl.gz`:
one brand per line with its real catalogue (titles, model numbers, list prices, categories). The
curated brand facts below (display name, owner, local-script aliases, Nice classes) are public
knowledge; trademark registration numbers are NOT shipped (the generator makes synthetic ones).
The output is byte-identical for the same input (sorted, gzip mtime 0).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PRODUCTS = REPO.parent / "shared" / "data" / "products" / "products.csv"
OUT_DIR = REPO / "src" / "countermark" / "listings" / "data"

MAX_PRODUCTS_MAJOR = 120
MAX_PRODUCTS_MINOR = 30
MIN_PRODUCTS_MINOR = 8
MAX_MINOR_BRANDS = 45

# brand_id: (display name, owner, aliases, Nice classes, source brand spellings)
MAJOR_BRANDS: dict[str, tuple[str, str, list[str], list[int], list[str]]] = {
    "sony": ("Sony", "Sony Group Corporation", ["ソニー", "索尼", "PlayStation", "Bravia"], [9, 28], ["sony"]),
    "hp": ("HP", "HP Inc.", ["Hewlett-Packard", "惠普"], [9, 2], ["hp", "hewlett-packard", "hewlett packard"]),
    "canon": ("Canon", "Canon Inc.", ["キヤノン", "佳能"], [9, 2], ["canon"]),
    "microsoft": ("Microsoft", "Microsoft Corporation", ["微软", "Xbox"], [9, 42],
                  ["microsoft", "microsoft software", "microsoft licenses"]),
    "panasonic": ("Panasonic", "Panasonic Holdings Corporation", ["パナソニック", "松下", "Lumix"], [9, 7, 11],
                  ["panasonic"]),
    "samsung": ("Samsung", "Samsung Electronics Co., Ltd.", ["삼성", "三星", "Galaxy"], [9], ["samsung"]),
    "epson": ("Epson", "Seiko Epson Corporation", ["エプソン", "爱普生"], [9, 2, 16], ["epson"]),
    "apple": ("Apple", "Apple Inc.", ["苹果", "iPhone", "iPad", "MacBook", "iPod"], [9, 42],
              ["apple", "apple computer", "apple software"]),
    "logitech": ("Logitech", "Logitech International S.A.", ["罗技", "Logi"], [9], ["logitech"]),
    "belkin": ("Belkin", "Belkin International, Inc.", ["贝尔金"], [9], ["belkin"]),
    "kingston": ("Kingston", "Kingston Technology Corporation", ["金士顿", "HyperX"], [9], ["kingston"]),
    "lexmark": ("Lexmark", "Lexmark International, Inc.", ["利盟"], [9, 2, 16], ["lexmark"]),
    "brother": ("Brother", "Brother Industries, Ltd.", ["ブラザー", "兄弟"], [9, 2, 16], ["brother"]),
    "kodak": ("Kodak", "Eastman Kodak Company", ["柯达"], [9, 1, 2], ["kodak"]),
    "nikon": ("Nikon", "Nikon Corporation", ["ニコン", "尼康"], [9], ["nikon"]),
    "netgear": ("Netgear", "NETGEAR, Inc.", ["网件"], [9], ["netgear"]),
    "d-link": ("D-Link", "D-Link Corporation", ["友讯"], [9], ["d-link"]),
    "sandisk": ("SanDisk", "Western Digital Corporation", ["闪迪"], [9], ["sandisk"]),
    "western-digital": ("Western Digital", "Western Digital Corporation", ["WD", "西部数据"], [9],
                        ["western digital"]),
    "motorola": ("Motorola", "Motorola Trademark Holdings, LLC", ["摩托罗拉", "Moto"], [9], ["motorola"]),
    "jvc": ("JVC", "JVCKENWOOD Corporation", ["ビクター", "杰伟世"], [9], ["jvc"]),
    "philips": ("Philips", "Koninklijke Philips N.V.", ["飞利浦"], [9, 10, 11], ["philips"]),
    "targus": ("Targus", "Targus International LLC", [], [9, 18], ["targus"]),
    "kensington": ("Kensington", "ACCO Brands Corporation", [], [9], ["kensington"]),
    "corsair": ("Corsair", "Corsair Gaming, Inc.", ["海盗船"], [9], ["corsair"]),
    "case-logic": ("Case Logic", "Thule Group", [], [9, 18], ["case logic"]),
    "startech": ("StarTech", "StarTech.com Ltd.", ["StarTech.com"], [9], ["startech"]),
    "verbatim": ("Verbatim", "Verbatim Americas LLC", ["威宝"], [9], ["verbatim"]),
    "adobe": ("Adobe", "Adobe Inc.", ["Adobe Systems", "Photoshop"], [9, 42], ["adobe"]),
    "avery": ("Avery", "Avery Products Corporation", ["Avery Dennison"], [16], ["avery"]),
    "smead": ("Smead", "Smead Manufacturing Company", [], [16], ["smead"]),
    "scosche": ("Scosche", "Scosche Industries, Inc.", [], [9, 12], ["scosche"]),
    "griffin-technology": ("Griffin Technology", "Griffin Technology, LLC", ["Griffin"], [9],
                           ["griffin technology"]),
    "buffalo-technology": ("Buffalo Technology", "Buffalo Inc.", ["バッファロー", "Buffalo"], [9],
                           ["buffalo technology"]),
    "v7": ("V7", "Ingram Micro Inc.", ["Videoseven"], [9], ["v7"]),
    "wintec": ("Wintec", "Wintec Industries, Inc.", [], [9], ["wintec"]),
    "da-lite": ("Da-Lite", "Legrand AV Inc.", [], [9, 11], ["da-lite"]),
    "tribeca": ("Tribeca", "Tribeca Brands", [], [9, 18], ["tribeca"]),
    "encore": ("Encore", "Encore Software, LLC", ["Encore Software"], [9], ["encore", "encore software"]),
    "topics-entertainment": ("Topics Entertainment", "Topics Entertainment, Inc.", [], [9],
                             ["topics entertainment"]),
}

# Keyword -> category, for records that come without one (first match wins).
CATEGORY_KEYWORDS: list[tuple[str, str]] = [
    ("toner", "laser printer toner"), ("ink", "inkjet printer ink"), ("printer", "printers"),
    ("projection screen", "projection screens"), ("screen", "projection screens"),
    ("mouse", "mice"), ("keyboard", "keyboards"), ("webcam", "webcams"), ("headphone", "headphones"),
    ("headset", "headsets microphones"), ("earbud", "headphones"), ("speaker", "speaker systems"),
    ("memory card", "memory cards"), ("memory stick", "memory cards"), ("sd ", "memory cards"),
    ("flash drive", "usb flash drives"), ("usb drive", "usb flash drives"), ("hard drive", "external hard drives"),
    ("memory", "memory"), ("ram", "memory"), ("router", "routers"), ("switch", "switches"),
    ("camera", "digital cameras"), ("camcorder", "camcorders"), ("lens", "camera and camcorder accessories"),
    ("tv", "televisions"), ("television", "televisions"), ("dvd", "dvd players"), ("blu-ray", "dvd players"),
    ("cable", "cables interconnects"), ("adapter", "connectors adapters"), ("charger", "chargers"),
    ("battery", "batteries"), ("case", "cases bags"), ("bag", "cases bags"), ("sleeve", "cases sleeves"),
    ("label", "printer labels laser inkjet"), ("folder", "storage presentation materials"),
    ("software", "software"), ("windows", "software"), ("mac", "software"), ("edition", "software"),
    ("phone", "cordless telephones"), ("radio", "radios"), ("receiver", "home audio theater"),
    ("ipod", "mp3 accessories"), ("mp3", "mp3 players"),
]

UNIT = re.compile(r"^\d+(\.\d+)?(gb|mb|tb|mm|cm|in|ghz|mhz|mp|x|w|v|mah|ft|m|p|hz|oz|lb|pk|pack|bit|inch)$")
MODEL_TOKEN = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9][a-z0-9\-/.]{3,}[a-z0-9]$", re.I)
MODELNO = re.compile(r"^modelno:\s*(.+)$", re.I)


def model_numbers(source: str, title: str, description: str) -> list[str]:
    found: list[str] = []
    match = MODELNO.match(description.strip())
    if match and match.group(1).strip():
        found.append(match.group(1).strip())
    if source in ("leipzig-abt", "leipzig-buy") and " - " in title:
        tail = title.rsplit(" - ", 1)[1].strip()
        if MODEL_TOKEN.match(tail) and not UNIT.match(tail.lower()):
            found.append(tail)
    if not found:
        for token in re.split(r"[\s,()\[\]]+", title):
            if MODEL_TOKEN.match(token) and not UNIT.match(token.lower()) and len(token) >= 5:
                found.append(token)
                break
    out: list[str] = []
    for m in found:
        if m.lower() not in (x.lower() for x in out):
            out.append(m)
    return out


def category_for(title: str, category: str, source: str) -> str:
    if category:
        return category
    lowered = f" {title.lower()} "
    for keyword, cat in CATEGORY_KEYWORDS:
        if keyword in lowered:
            return cat
    return "software" if source in ("leipzig-amazon", "leipzig-google") else "electronics - general"


def title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", title.lower())


def sku_for(source: str, record_id: str) -> str:
    return hashlib.sha1(f"{source}|{record_id}".encode()).hexdigest()[:16]


def brand_slug(brand: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", brand.lower()).strip("-")


def read_products(path: Path) -> dict[str, list[dict]]:
    """Priced records grouped by brand slug; Abt titles (no brand column) by their leading brand word(s)."""
    spelling_to_major = {s: bid for bid, meta in MAJOR_BRANDS.items() for s in meta[4]}
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    known_brands = sorted({r["brand"] for r in rows if r["brand"]}, key=len, reverse=True)
    by_brand: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if not row["price"] or not row["title"].strip():
            continue
        price = float(row["price"])
        if price <= 0:
            continue
        brand = row["brand"]
        if not brand and row["source"] == "leipzig-abt":
            lowered = row["title"].lower()
            brand = next((b for b in known_brands if lowered.startswith(b + " ")), "")
        if not brand:
            continue
        slug = spelling_to_major.get(brand, brand_slug(brand))
        by_brand[slug].append(row | {"price": price})
    return by_brand


def catalogue_products(rows: list[dict], limit: int) -> list[dict]:
    seen: set[str] = set()
    products = []
    for row in sorted(rows, key=lambda r: (r["source"], r["record_id"])):
        key = title_key(row["title"])
        if key in seen or len(row["title"]) > 300:
            continue
        seen.add(key)
        products.append({
            "sku": sku_for(row["source"], row["record_id"]),
            "title": row["title"].strip(),
            "model_numbers": model_numbers(row["source"], row["title"], row["description"]),
            "msrp": round(row["price"], 2),
            "category": category_for(row["title"], row["category"], row["source"]),
            "source": row["source"],
            "record_id": row["record_id"],
        })
    # Keep a spread of sources and prices, deterministically: order by a hash of the sku.
    products.sort(key=lambda p: hashlib.sha1(p["sku"].encode()).hexdigest())
    return sorted(products[:limit], key=lambda p: p["sku"])


def build(products_csv: Path) -> list[dict]:
    by_brand = read_products(products_csv)
    brands: list[dict] = []
    for brand_id, (name, owner, aliases, classes, _) in MAJOR_BRANDS.items():
        brands.append({
            "brand_id": brand_id, "name": name, "owner": owner, "aliases": aliases, "classes": classes,
            "tier": "major", "products": catalogue_products(by_brand.get(brand_id, []), MAX_PRODUCTS_MAJOR),
        })
    minor_counts = Counter({b: len(rows) for b, rows in by_brand.items() if b not in MAJOR_BRANDS})
    minor = [b for b, n in sorted(minor_counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= MIN_PRODUCTS_MINOR]
    for slug in minor[:MAX_MINOR_BRANDS]:
        rows = by_brand[slug]
        spelling = Counter(r["brand"] for r in rows if r["brand"]).most_common(1)
        name = (spelling[0][0] if spelling else slug).title()
        brands.append({
            "brand_id": slug, "name": name, "owner": "", "aliases": [], "classes": [9],
            "tier": "minor", "products": catalogue_products(rows, MAX_PRODUCTS_MINOR),
        })
    return brands


def write(brands: list[dict], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "catalogue.jsonl.gz"
    payload = "".join(json.dumps(b, ensure_ascii=False, sort_keys=True) + "\n" for b in brands).encode()
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(payload)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=Path, default=DEFAULT_PRODUCTS)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    brands = build(args.products)
    path = write(brands, args.out)
    n_products = sum(len(b["products"]) for b in brands)
    sources = Counter(p["source"] for b in brands for p in b["products"])
    print(f"{path}: {len(brands)} brands, {n_products} products, {path.stat().st_size:,} bytes")
    print("products by source: " + ", ".join(f"{s} {n}" for s, n in sorted(sources.items())))


if __name__ == "__main__":
    main()
