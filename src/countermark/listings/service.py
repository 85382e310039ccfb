"""Bundle import and export.

Import is streaming (one batch of records in memory), idempotent (upserts keyed by the bundle's ids)
and crash-safe: each batch commits as one transaction, so a killed import leaves whole batches only,
and re-running it completes the data set. Rows only the platform changes (seller and listing
`status`, trademark verification) are never overwritten by an import.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session, selectinload

from countermark.listings import records
from countermark.listings.bundle import Bundle, BundleWriter, batched, write_rejects
from countermark.listings.models import Listing, ListingImage, Seller, SellerIdentifier
from countermark.rights.bundle_io import brand_records, upsert_brand
from countermark.storage.engine import transaction

BATCH = 5_000
Progress = Callable[[str, int], None]


@dataclass
class ImportReport:
    brands: int = 0
    sellers: int = 0
    listings: int = 0
    rejects: int = 0
    media_copied: int = 0
    media_missing: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.rejects == 0


def _upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: Sequence[str],
            keep: Sequence[str] = ()) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, leaving `keep` columns as they are."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys and c not in keep}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=update), rows)


def _existing(conn: Connection, column: Any, ids: list[str]) -> list[str]:
    return list(conn.scalars(select(column).where(column.in_(ids))))


def _seller_row(s: records.Seller) -> dict[str, Any]:
    return {"seller_id": s.seller_id, "display_name": s.display_name, "country": s.country,
            "registered_at": s.registered_at}


def _store_sellers(conn: Connection, sellers: list[records.Seller]) -> None:
    ids = [s.seller_id for s in sellers]
    _upsert(conn, Seller.__table__, [_seller_row(s) for s in sellers], ["seller_id"], keep=["status"])
    if existing := _existing(conn, Seller.seller_id, ids):
        conn.execute(delete(SellerIdentifier).where(SellerIdentifier.seller_id.in_(existing)))
    rows = [{"seller_id": s.seller_id, "kind": kind, "position": i, "value": v}
            for s in sellers for kind, values in s.identifiers.items() for i, v in enumerate(values)]
    if rows:
        conn.execute(insert(SellerIdentifier), rows)


LISTING_COLUMNS = ("listing_id", "seller_id", "title", "description", "price", "currency", "category", "quantity",
                   "ships_from", "created_at")


def _listing_tuple(x: records.Listing) -> tuple[Any, ...]:
    return (x.listing_id, x.seller_id, x.title, x.description, x.price, x.currency, x.category, x.quantity,
            x.ships_from, x.created_at, "active")


def _listing_upsert_sql(source: str) -> str:
    cols = ", ".join(LISTING_COLUMNS)
    update = ", ".join(f"{c} = excluded.{c}" for c in LISTING_COLUMNS[1:])
    return f"INSERT INTO listings ({cols}, status) {source} ON CONFLICT (listing_id) DO UPDATE SET {update}"


def _store_listings(conn: Connection, listings: list[records.Listing]) -> None:
    """Upsert a batch of listings and replace their images (status, set by enforcement, is kept)."""
    if not listings:
        return
    images = [(x.listing_id, i, p) for x in listings for i, p in enumerate(x.images)]
    if conn.dialect.name == "postgresql":
        _store_listings_postgres(conn, listings, images)
        return
    existing = _existing(conn, Listing.listing_id, [x.listing_id for x in listings])
    marks = ", ".join("?" * (len(LISTING_COLUMNS) + 1))
    conn.exec_driver_sql(_listing_upsert_sql(f"VALUES ({marks})"), [_listing_tuple(x) for x in listings])
    if existing:
        conn.execute(delete(ListingImage).where(ListingImage.listing_id.in_(existing)))
    if images:
        conn.exec_driver_sql("INSERT INTO listing_images (listing_id, position, path) VALUES (?, ?, ?)", images)


def _store_listings_postgres(conn: Connection, listings: list[records.Listing],
                             images: list[tuple[str, int, str]]) -> None:
    """COPY into a session-local staging table, then one set-based upsert: near COPY speed."""
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS stage_listings (LIKE listings) ON COMMIT DELETE ROWS")
    with cursor.copy(f"COPY stage_listings ({', '.join(LISTING_COLUMNS)}, status) FROM STDIN") as copy:
        for x in listings:
            copy.write_row(_listing_tuple(x))
    cols = ", ".join(LISTING_COLUMNS)
    cursor.execute(_listing_upsert_sql(f"SELECT {cols}, status FROM stage_listings"))
    cursor.execute("DELETE FROM listing_images USING stage_listings s WHERE listing_images.listing_id = s.listing_id")
    with cursor.copy("COPY listing_images (listing_id, position, path) FROM STDIN") as copy:
        for row in images:
            copy.write_row(row)


class _Media:
    """Copies image files a bundle refers to into the platform's media store."""

    def __init__(self, bundle_root: Path, media_root: Path | None, report: ImportReport) -> None:
        self.src, self.dst, self.report = bundle_root.resolve(), media_root, report

    def copy(self, paths: Iterator[str]) -> None:
        if self.dst is None:
            return
        for rel in paths:
            src = (self.src / rel).resolve()
            if not src.is_relative_to(self.src):  # a path escaping the bundle is never followed
                self.report.media_missing.append(rel)
                continue
            if not src.is_file():
                self.report.media_missing.append(rel)
                continue
            dst = self.dst / rel
            if dst.is_file() and dst.stat().st_size == src.stat().st_size:
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            self.report.media_copied += 1


def import_bundle(engine: Engine, bundle: Bundle, rejects_path: Path, *, media_root: Path | None = None,
                  batch_size: int = BATCH, progress: Progress | None = None) -> ImportReport:
    """Import brands, sellers and listings; every bad record goes to `rejects_path`, the rest is stored."""
    report = ImportReport()
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    rejects_path.write_text("", encoding="utf-8")
    media = _Media(bundle.root, media_root, report)
    tick = progress or (lambda _stage, _n: None)

    def keep_rejects(items: list[Any]) -> list[Any]:
        bad = [r for r in items if isinstance(r, records.Reject)]
        report.rejects += write_rejects(rejects_path, bad) if bad else 0
        return [r for r in items if not isinstance(r, records.Reject)]

    for batch in batched(bundle.brands(), 100):
        brands = keep_rejects(batch)
        with transaction(engine) as session:
            for brand in brands:
                upsert_brand(session, brand)
        for brand in brands:
            media.copy(iter([*brand.reference_images, *(p for prod in brand.products for p in prod.images)]))
        report.brands += len(brands)
        tick("brands", len(batch))

    for batch in batched(bundle.sellers(), batch_size):
        sellers = keep_rejects(batch)
        with engine.begin() as conn:
            _store_sellers(conn, sellers)
        report.sellers += len(sellers)
        tick("sellers", len(batch))

    for batch in bundle.listing_batches(batch_size):
        listings = keep_rejects(batch)
        with engine.begin() as conn:
            _store_listings(conn, listings)
        media.copy(p for x in listings for p in x.images)
        report.listings += len(listings)
        tick("listings", len(batch))
    return report


# ---------------------------------------------------------------- rows back to records

def seller_records(session: Session, seller_ids: Sequence[str] | None = None) -> Iterator[records.Seller]:
    """Sellers (all, or those named) as plain records with their raw identifiers."""
    stmt = select(Seller).options(selectinload(Seller.identifiers)).order_by(Seller.seller_id)
    if seller_ids is not None:
        stmt = stmt.where(Seller.seller_id.in_(list(seller_ids)))
    for seller in session.scalars(stmt):
        identifiers: dict[str, list[str]] = {}
        for ident in seller.identifiers:
            identifiers.setdefault(ident.kind, []).append(ident.value)
        yield records.Seller(seller.seller_id, seller.display_name, seller.country, seller.registered_at,
                             {k: tuple(v) for k, v in identifiers.items()})


def listing_records(session: Session, batch_size: int = BATCH, *,
                    status: str | None = None) -> Iterator[list[records.Listing]]:
    """Listings as plain records, in id order, one batch at a time (keyset pagination)."""
    after = ""
    while True:
        stmt = select(Listing).where(Listing.listing_id > after)
        if status is not None:
            stmt = stmt.where(Listing.status == status)
        rows = list(session.scalars(stmt.order_by(Listing.listing_id).limit(batch_size)))
        if not rows:
            return
        images: dict[str, list[str]] = {}
        ids = [r.listing_id for r in rows]
        for image in session.scalars(select(ListingImage).where(ListingImage.listing_id.in_(ids))
                                     .order_by(ListingImage.listing_id, ListingImage.position)):
            images.setdefault(image.listing_id, []).append(image.path)
        yield [records.Listing(
            listing_id=r.listing_id, seller_id=r.seller_id, title=r.title, price=r.price, currency=r.currency,
            description=r.description, category=r.category, quantity=r.quantity, ships_from=r.ships_from,
            created_at=r.created_at, images=tuple(images.get(r.listing_id, ())),
        ) for r in rows]
        session.expunge_all()
        after = ids[-1]


@dataclass
class ExportReport:
    brands: int
    sellers: int
    listings: int
    media_copied: int


def export_bundle(engine: Engine, out: Path, *, name: str = "countermark-export", parquet: bool = False,
                  media_root: Path | None = None) -> ExportReport:
    """Write the database as a bundle; with `media_root`, referenced images are copied into it."""
    writer = BundleWriter(out, name)
    copied = 0
    with Session(engine) as session:
        brands = brand_records(session)
        n_brands = writer.write_brands(brands)
        n_sellers = writer.write_sellers(seller_records(session))
        listings = (x for batch in listing_records(session) for x in batch)
        n_listings = writer.write_listings_parquet(listings) if parquet else writer.write_listings(listings)
        if media_root is not None:
            paths = {p for b in brands for p in b.reference_images}
            paths |= {p for b in brands for prod in b.products for p in prod.images}
            paths |= set(session.scalars(select(ListingImage.path)))
            for rel in sorted(paths):
                src = media_root / rel
                if src.is_file():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, out / rel)
                    copied += 1
    return ExportReport(n_brands, n_sellers, n_listings, copied)
