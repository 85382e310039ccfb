"""Small hand-made brands, sellers and listings for detection tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from countermark.detection.context import ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.listings.bundle import BundleWriter
from countermark.listings.records import Brand, Listing, Product, Seller

AUTHORISED = "S-AUTH"
RESELLER = "S-OLD"
NEWCOMER = "S-NEW"

SONY = Brand(
    brand_id="sony",
    name="Sony",
    aliases=("索尼", "Bravia"),
    categories=("tv",),
    authorized_sellers=(AUTHORISED,),
    red_flag_terms=("super copy",),
    products=(
        Product("sku-tv", "Sony BRAVIA KDL-40V5100 40 inch LCD TV", 1000.0, category="tv",
                model_numbers=("KDL-40V5100",)),
        Product("sku-cam", "Sony Handycam HDR-CX150 camcorder", 500.0, category="camcorders",
                model_numbers=("HDR-CX150",)),
        Product("sku-ms", "Sony 4GB Memory Stick PRO Duo", 40.0, category="memory cards",
                model_numbers=("MSMT4G",)),
    ),
)
SAMSUNG = Brand(brand_id="samsung", name="Samsung", aliases=("삼성",), products=(
    Product("sku-s1", "Samsung Galaxy S21 smartphone 128GB", 800.0, category="phones", model_numbers=("SM-G991B",)),
))
AVERY = Brand(brand_id="avery", name="Avery", products=(
    Product("sku-a1", "Avery shipping labels 5163 white 100 sheets", 30.0, category="labels", model_numbers=("5163",)),
))
BRANDS = (SONY, SAMSUNG, AVERY)

SELLERS = {
    AUTHORISED: SellerFacts(AUTHORISED, "2015-01-01"),
    RESELLER: SellerFacts(RESELLER, "2016-06-01"),
    NEWCOMER: SellerFacts(NEWCOMER, "2026-10-01"),
}


def listing(title: str, price: float = 100.0, *, description: str = "", seller: str = RESELLER,
            listing_id: str = "L1", category: str = "") -> Listing:
    return Listing(listing_id=listing_id, seller_id=seller, title=title, price=price, description=description,
                   category=category, created_at="2026-11-01T00:00:00Z")


def bundle_head(source: Path, root: Path, n: int) -> Path:
    """A copy of a bundle (with its labels) cut to its first n listings, under root/bundle."""
    target = root / "bundle"
    (target / "labels").mkdir(parents=True)
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl", "labels/listings.csv"):
        shutil.copy(source / name, target / name)
    lines = (source / "listings.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "listings.jsonl").write_text("".join(lines[:n]), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def detector() -> DetectionEngine:
    return DetectionEngine(BRANDS)


@pytest.fixture(scope="session")
def scan_context() -> ScanContext:
    return ScanContext(sellers=SELLERS)


@pytest.fixture
def tiny_bundle(tmp_path: Path) -> Path:
    """A valid bundle of the brands above with a handful of listings."""
    root = tmp_path / "tiny"
    writer = BundleWriter(root, "tiny")
    writer.write_brands(BRANDS)
    writer.write_sellers([Seller(s.seller_id, s.seller_id, "US", s.registered_at) for s in SELLERS.values()])
    writer.write_listings([
        listing("Sony BRAVIA KDL-40V5100 40 inch LCD TV", 999.0, seller=AUTHORISED, listing_id="L1"),
        listing("Sony KDL-40V5100 TV replica AAA quality", 120.0, seller=NEWCOMER, listing_id="L2"),
        listing("Remote control compatible with Sony KDL-40V5100", 9.0, listing_id="L3"),
        listing("Ѕоnу KDL-40V5100 LCD TV", 180.0, listing_id="L4"),
        listing("Garden hose 20m green", 15.0, listing_id="L5"),
    ])
    return root
