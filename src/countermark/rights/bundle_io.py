"""Brands between bundle records and rows: upsert on import, records on export and for kernels."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from countermark.listings import records
from countermark.rights.models import (
    AuthorizedSeller,
    Brand,
    BrandAlias,
    Product,
    RedFlagTerm,
    ReferenceImage,
    Trademark,
)


def upsert_brand(session: Session, record: records.Brand) -> Brand:
    """Make the stored brand equal to `record`, keeping what only the platform knows (verification)."""
    brand = session.get(Brand, record.brand_id, options=[selectinload("*")])
    if brand is None:
        brand = Brand(brand_id=record.brand_id)
        session.add(brand)
    brand.name = record.name
    brand.owner = record.owner
    brand.categories = list(record.categories)
    brand.aliases = [BrandAlias(position=i, alias=a) for i, a in enumerate(record.aliases)]
    brand.red_flag_terms = [RedFlagTerm(position=i, term=t) for i, t in enumerate(record.red_flag_terms)]
    brand.reference_images = [ReferenceImage(position=i, path=p) for i, p in enumerate(record.reference_images)]
    brand.authorized_sellers = [
        AuthorizedSeller(position=i, seller_id=s) for i, s in enumerate(record.authorized_sellers)
    ]
    _sync_trademarks(brand, record.trademarks)
    _sync_products(brand, record.products)
    session.flush()
    return brand


def _sync_trademarks(brand: Brand, marks: Sequence[records.Trademark]) -> None:
    existing = {(t.mark, t.office, t.registration_number): t for t in brand.trademarks}
    kept = []
    for position, mark in enumerate(marks):
        row = existing.pop((mark.mark, mark.office, mark.registration_number), None) or Trademark(
            mark=mark.mark, office=mark.office, registration_number=mark.registration_number
        )
        row.position = position
        row.classes = list(mark.classes)
        kept.append(row)
    brand.trademarks = kept


def _sync_products(brand: Brand, products: Sequence[records.Product]) -> None:
    existing = {p.sku: p for p in brand.products}
    kept = []
    for position, product in enumerate(products):
        row = existing.pop(product.sku, None) or Product(sku=product.sku)
        row.position = position
        row.title = product.title
        row.model_numbers = list(product.model_numbers)
        row.msrp = product.msrp
        row.currency = product.currency
        row.category = product.category
        row.images = list(product.images)
        kept.append(row)
    brand.products = kept


def to_record(brand: Brand) -> records.Brand:
    return records.Brand(
        brand_id=brand.brand_id,
        name=brand.name,
        owner=brand.owner,
        aliases=tuple(a.alias for a in brand.aliases),
        trademarks=tuple(
            records.Trademark(t.mark, t.office, t.registration_number, tuple(t.classes)) for t in brand.trademarks
        ),
        categories=tuple(brand.categories),
        authorized_sellers=tuple(s.seller_id for s in brand.authorized_sellers),
        red_flag_terms=tuple(t.term for t in brand.red_flag_terms),
        reference_images=tuple(r.path for r in brand.reference_images),
        products=tuple(
            records.Product(
                sku=p.sku,
                title=p.title,
                msrp=p.msrp,
                currency=p.currency,
                category=p.category,
                model_numbers=tuple(p.model_numbers),
                images=tuple(p.images),
            )
            for p in brand.products
        ),
    )


def brand_records(session: Session) -> list[records.Brand]:
    """Every stored brand as a plain record (what the detection kernel takes)."""
    brands = session.scalars(select(Brand).options(selectinload("*")).order_by(Brand.brand_id))
    return [to_record(b) for b in brands]
