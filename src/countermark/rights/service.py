"""Brand operations for the portal: registration, trademarks, authentication profile, catalogue, images.

Trademark verification is set only through `set_verification` (an admin's decision); everything a
rights holder submits starts unverified. Every change writes an audit entry.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.rights.models import (
    AuthorizedSeller,
    Brand,
    BrandAlias,
    Product,
    RedFlagTerm,
    ReferenceImage,
    Trademark,
)

VERIFICATION_STATUSES = ("unverified", "verified", "rejected")
BRAND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
CATALOGUE_COLUMNS = ("sku", "title", "model_numbers", "msrp", "currency", "category", "images")
MAX_CATALOGUE_ROWS = 50_000
MAX_IMAGE_BYTES = 10 * 1024 * 1024


class BrandError(ValueError):
    """A request that breaks a brand rule (duplicate id, bad CSV header, not an image)."""


@dataclass(frozen=True)
class TrademarkInput:
    mark: str
    office: str = ""
    registration_number: str = ""
    classes: Sequence[int] = ()


def register_brand(
    session: Session,
    *,
    brand_id: str,
    name: str,
    owner: str = "",
    categories: Sequence[str] = (),
    trademarks: Sequence[TrademarkInput] = (),
    actor: str,
) -> Brand:
    if not BRAND_ID.match(brand_id):
        raise BrandError("brand_id must be 1-200 letters, digits, '.', '_' or '-' and start with a letter or digit")
    if not name.strip():
        raise BrandError("name must not be empty")
    if session.get(Brand, brand_id) is not None:
        raise BrandError(f"brand {brand_id!r} already exists")
    brand = Brand(brand_id=brand_id, name=name.strip(), owner=owner.strip(), categories=list(categories))
    session.add(brand)
    session.flush()
    audit.record(session, actor=actor, action="brand.registered", subject=f"brand:{brand_id}",
                 details={"brand_id": brand_id, "name": brand.name, "owner": brand.owner})
    for mark in trademarks:
        add_trademark(session, brand, mark, actor=actor)
    return brand


def add_trademark(session: Session, brand: Brand, mark: TrademarkInput, *, actor: str) -> Trademark:
    if not mark.mark.strip():
        raise BrandError("trademark mark must not be empty")
    trademark = Trademark(
        mark=mark.mark.strip(),
        office=mark.office.strip(),
        registration_number=mark.registration_number.strip(),
        classes=[int(c) for c in mark.classes],
        position=len(brand.trademarks),
        verification_status="unverified",
    )
    brand.trademarks.append(trademark)
    session.flush()
    audit.record(session, actor=actor, action="trademark.added", subject=f"trademark:{trademark.id}",
                 details={"brand_id": brand.brand_id, "mark": trademark.mark, "office": trademark.office,
                          "registration_number": trademark.registration_number})
    return trademark


def set_verification(session: Session, trademark: Trademark, status: str, *, actor: str) -> Trademark:
    if status not in VERIFICATION_STATUSES:
        raise BrandError(f"verification status must be one of {', '.join(VERIFICATION_STATUSES)}")
    previous, trademark.verification_status = trademark.verification_status, status
    audit.record(session, actor=actor, action="trademark.verification_set", subject=f"trademark:{trademark.id}",
                 details={"brand_id": trademark.brand_id, "from": previous, "to": status})
    return trademark


def _clean(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def update_profile(
    session: Session,
    brand: Brand,
    *,
    aliases: Sequence[str],
    red_flag_terms: Sequence[str],
    authorized_sellers: Sequence[str],
    actor: str,
) -> Brand:
    """Replace the authentication profile the detection engine reads."""
    aliases, terms, sellers = _clean(aliases), _clean(red_flag_terms), _clean(authorized_sellers)
    brand.aliases = [BrandAlias(position=i, alias=a) for i, a in enumerate(aliases)]
    brand.red_flag_terms = [RedFlagTerm(position=i, term=t) for i, t in enumerate(terms)]
    brand.authorized_sellers = [AuthorizedSeller(position=i, seller_id=s) for i, s in enumerate(sellers)]
    session.flush()
    audit.record(session, actor=actor, action="brand.profile_updated", subject=f"brand:{brand.brand_id}",
                 details={"brand_id": brand.brand_id, "aliases": aliases, "red_flag_terms": terms,
                          "authorized_sellers": sellers})
    return brand


@dataclass
class CatalogueReport:
    accepted: int = 0
    created: int = 0
    updated: int = 0
    rejects: list[dict] = field(default_factory=list)  # {"line", "sku", "reason"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;|]", value or "") if v.strip()]


def import_catalogue_csv(session: Session, brand: Brand, data: bytes, *, actor: str) -> CatalogueReport:
    """Upsert products by SKU from CSV; every bad row is reported with its line, valid rows are applied."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BrandError(f"catalogue CSV is not UTF-8 (byte {e.start})") from e
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("sku", "title", "msrp") if c not in header]
    if missing:
        raise BrandError(f"catalogue CSV header lacks {', '.join(missing)}; expected {','.join(CATALOGUE_COLUMNS)}")
    reader.fieldnames = header
    existing = {p.sku: p for p in brand.products}
    report, seen = CatalogueReport(), set()
    position = len(brand.products)
    for row in reader:
        line = reader.line_num
        if len(seen) >= MAX_CATALOGUE_ROWS:
            raise BrandError(f"catalogue CSV has more than {MAX_CATALOGUE_ROWS} rows")
        sku = (row.get("sku") or "").strip()
        reason = _product_problem(row, sku, seen)
        if reason:
            report.rejects.append({"line": line, "sku": sku, "reason": reason})
            continue
        seen.add(sku)
        product = existing.get(sku)
        if product is None:
            product = Product(sku=sku, position=position)
            position += 1
            brand.products.append(product)
            existing[sku] = product
            report.created += 1
        else:
            report.updated += 1
        product.title = row["title"].strip()
        product.msrp = float(row["msrp"])
        product.model_numbers = _split(row.get("model_numbers") or "")
        product.currency = (row.get("currency") or "USD").strip().upper() or "USD"
        product.category = (row.get("category") or "").strip()
        product.images = _split(row.get("images") or "")
        report.accepted += 1
    session.flush()
    audit.record(session, actor=actor, action="catalogue.imported", subject=f"brand:{brand.brand_id}",
                 details={"brand_id": brand.brand_id, "accepted": report.accepted, "created": report.created,
                          "updated": report.updated, "rejected": len(report.rejects)})
    return report


def _product_problem(row: dict, sku: str, seen: set[str]) -> str | None:
    if None in row:
        return "more fields than the header"
    if not sku:
        return "sku is empty"
    if sku in seen:
        return f"sku {sku!r} repeats an earlier row"
    if not (row.get("title") or "").strip():
        return "title is empty"
    try:
        msrp = float(row.get("msrp") or "")
    except ValueError:
        return f"msrp {row.get('msrp')!r} is not a number"
    if not msrp > 0 or msrp != msrp or msrp == float("inf"):
        return "msrp must be a positive number"
    return None


def add_reference_image(
    session: Session, brand: Brand, data: bytes, *, media_root: Path, actor: str
) -> ReferenceImage:
    """Store an uploaded official picture in the media store (re-encoded as PNG: nothing but pixels is kept)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise BrandError(f"image larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise BrandError("not a readable image (PNG, JPEG, WebP, GIF)") from e
    relative = f"uploads/brands/{brand.brand_id}/{uuid.uuid4().hex}.png"
    (media_root / relative).parent.mkdir(parents=True, exist_ok=True)
    picture.save(media_root / relative, format="PNG")
    position = max((r.position for r in brand.reference_images), default=-1) + 1
    image_row = ReferenceImage(position=position, path=relative)
    brand.reference_images.append(image_row)
    session.flush()
    audit.record(session, actor=actor, action="brand.reference_image_added", subject=f"brand:{brand.brand_id}",
                 details={"brand_id": brand.brand_id, "path": relative})
    return image_row


def products_page(
    session: Session, brand_id: str, *, q: str = "", limit: int, offset: int
) -> tuple[list[Product], int]:
    query = select(Product).where(Product.brand_id == brand_id)
    if q:
        query = query.where(Product.title.ilike(f"%{q}%") | Product.sku.ilike(f"%{q}%"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Product.position, Product.id).limit(limit).offset(offset))
    return list(rows), total


def brands_page(
    session: Session, visible: frozenset[str] | None, *, q: str = "", limit: int, offset: int
) -> tuple[list[Brand], int]:
    query = select(Brand)
    if visible is not None:
        query = query.where(Brand.brand_id.in_(sorted(visible)))
    if q:
        query = query.where(Brand.name.ilike(f"%{q}%") | Brand.brand_id.ilike(f"%{q}%"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Brand.brand_id).limit(limit).offset(offset))
    return list(rows), total
