"""Bundle import and export.

Import is streaming (one batch of records in memory), idempotent (upserts keyed by the bundle's ids)
and crash-safe: each batch commits as one transaction, so a killed import leaves whole batches only,
and re-running it completes the data set. Rows only the platform changes (seller and listing
`status`, trademark verification) are never overwritten by an import. Imports into one database run one
after another (`import_lock`): a second one waits for the first, so the result is that of a sequential run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, selectinload

from countermark.listings import records
from countermark.listings.bundle import Bundle, BundleWriter, batched, write_rejects
from countermark.listings.models import Listing, ListingImage, Seller
from countermark.rights.bundle_io import brand_records, upsert_brand
from countermark.storage.engine import transaction
from countermark.storage.locks import OnWait, exclusive

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


def _marks(conn: Connection, n: int) -> str:
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def _upsert_sql(conn: Connection, table: str, columns: Sequence[str], key: str, updated: Sequence[str],
                source: str | None = None) -> str:
    """INSERT ... ON CONFLICT (key) DO UPDATE of `updated` only (the rest is kept as stored)."""
    sets = ", ".join(f"{c} = excluded.{c}" for c in updated)
    values = source or f"VALUES ({_marks(conn, len(columns))})"
    return f"INSERT INTO {table} ({', '.join(columns)}) {values} ON CONFLICT ({key}) DO UPDATE SET {sets}"


SELLER_COLUMNS = ("seller_id", "display_name", "country", "registered_at")


def _store(conn: Connection, table: str, columns: Sequence[str], key: str, updated: Sequence[str],
           rows: list[tuple[Any, ...]], child: str, child_columns: Sequence[str],
           child_rows: list[tuple[Any, ...]]) -> None:
    """Upsert `rows` into `table` and replace their rows in `child` (keyed by the same `key` column).

    PostgreSQL: a batch of new rows is COPY'd straight in; otherwise COPY into a session-local staging
    table, then one set-based upsert. SQLite: driver-level executemany (INSERT for new rows, upsert for
    the rest). Checking for existing rows, then inserting, is safe because imports hold `import_lock`: no
    other writer adds sellers or listings meanwhile.
    """
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(f"SELECT 1 FROM {table} WHERE {key} = ANY(%s) LIMIT 1", ([row[0] for row in rows],))
        if cursor.fetchone() is None:  # a fresh batch: straight COPY, nothing to merge or replace
            for name, cols, data in ((table, columns, rows), (child, child_columns, child_rows)):
                with cursor.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            return
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} (LIKE {table}) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY stage_{table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        source = f"SELECT {', '.join(columns)} FROM stage_{table}"
        cursor.execute(_upsert_sql(conn, table, columns, key, updated, source))
        cursor.execute(f"DELETE FROM {child} USING stage_{table} s WHERE {child}.{key} = s.{key}")
        with cursor.copy(f"COPY {child} ({', '.join(child_columns)}) FROM STDIN") as copy:
            for row in child_rows:
                copy.write_row(row)
        return
    ids = [row[0] for row in rows]
    existing = [found for i in range(0, len(ids), 500) for found in conn.exec_driver_sql(
        f"SELECT {key} FROM {table} WHERE {key} IN ({_marks(conn, len(ids[i:i + 500]))})",
        tuple(ids[i:i + 500])).scalars()]
    # Rows new to the database take a plain INSERT (a fresh import); only the others need the upsert.
    known = set(existing)
    fresh = [row for row in rows if row[0] not in known]
    if fresh:
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(conn, len(columns))})", fresh)
    if known:
        conn.exec_driver_sql(_upsert_sql(conn, table, columns, key, updated), [r for r in rows if r[0] in known])
    for i in range(0, len(existing), 500):  # only on re-import: a fresh import has nothing to replace
        part = existing[i:i + 500]
        conn.exec_driver_sql(f"DELETE FROM {child} WHERE {key} IN ({_marks(conn, len(part))})", tuple(part))
    if child_rows:
        conn.exec_driver_sql(f"INSERT INTO {child} ({', '.join(child_columns)}) "
                             f"VALUES ({_marks(conn, len(child_columns))})", child_rows)


def _store_sellers(conn: Connection, sellers: list[records.Seller]) -> None:
    """Upsert a batch of sellers and replace their identifiers (status, set by enforcement, is kept)."""
    if not sellers:
        return
    now = datetime.now(UTC)
    rows = [(s.seller_id, s.display_name, s.country, s.registered_at, "active", now) for s in sellers]
    identifiers = [(s.seller_id, kind, i, v) for s in sellers for kind, values in s.identifiers.items()
                   for i, v in enumerate(values)]
    _store(conn, "sellers", (*SELLER_COLUMNS, "status", "imported_at"), "seller_id", SELLER_COLUMNS[1:], rows,
           "seller_identifiers", ("seller_id", "kind", "position", "value"), identifiers)


LISTING_COLUMNS = ("listing_id", "seller_id", "title", "description", "price", "currency", "category", "quantity",
                   "ships_from", "created_at")


def _listing_tuple(x: records.Listing) -> tuple[Any, ...]:
    return (x.listing_id, x.seller_id, x.title, x.description, x.price, x.currency, x.category, x.quantity,
            x.ships_from, x.created_at, "active")


def _store_listings(conn: Connection, listings: list[records.Listing]) -> None:
    """Upsert a batch of listings and replace their images (status, set by enforcement, is kept)."""
    if not listings:
        return
    images = [(x.listing_id, i, p) for x in listings for i, p in enumerate(x.images)]
    _store(conn, "listings", (*LISTING_COLUMNS, "status"), "listing_id", LISTING_COLUMNS[1:],
           [_listing_tuple(x) for x in listings], "listing_images", ("listing_id", "position", "path"), images)


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


def import_lock(engine: Engine, on_wait: OnWait | None = None) -> AbstractContextManager[None]:
    """The database's import lock: held by every import for its whole write phase (re-entrant per thread).

    Concurrent imports therefore run one after another, whatever bundles they read: two imports of overlapping
    bundles never interleave batch by batch (which would leave a mix of both), never deadlock on rows the other
    holds, and the straight-COPY path never meets rows another import is writing. `on_wait` is called once
    when the lock is taken and this import has to wait for it.
    """
    return exclusive(engine, "import", on_wait)


def import_bundle(engine: Engine, bundle: Bundle, rejects_path: Path, *, media_root: Path | None = None,
                  batch_size: int = BATCH, progress: Progress | None = None,
                  on_wait: OnWait | None = None) -> ImportReport:
    """Import brands, sellers and listings; every bad record goes to `rejects_path`, the rest is stored.

    Holds `import_lock` throughout: when another import into the same database is running, `on_wait` is
    called and this one starts when that one has finished.
    """
    with import_lock(engine, on_wait):
        return _import(engine, bundle, rejects_path, media_root, batch_size, progress or (lambda _stage, _n: None))


def _import(engine: Engine, bundle: Bundle, rejects_path: Path, media_root: Path | None, batch_size: int,
            tick: Progress) -> ImportReport:
    report = ImportReport()
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    rejects_path.write_text("", encoding="utf-8")
    media = _Media(bundle.root, media_root, report)

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

    seller_ids: set[str] = set()
    for batch in batched(bundle.sellers(), batch_size):
        sellers = keep_rejects(batch)
        with engine.begin() as conn:
            _store_sellers(conn, sellers)
        seller_ids.update(s.seller_id for s in sellers)
        report.sellers += len(sellers)
        tick("sellers", len(batch))

    for batch in bundle.listing_batches(batch_size, known_sellers=frozenset(seller_ids)):
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
        yield _as_records(session, rows)
        session.expunge_all()
        after = rows[-1].listing_id


def listing_records_by_id(session: Session, listing_ids: Sequence[str], batch_size: int = BATCH
                          ) -> Iterator[records.Listing]:
    """The named listings (whatever their status) as plain records, in id order; unknown ids are skipped."""
    ids = sorted(set(listing_ids))
    for start in range(0, len(ids), batch_size):
        rows = list(session.scalars(select(Listing).where(Listing.listing_id.in_(ids[start:start + batch_size]))
                                    .order_by(Listing.listing_id)))
        yield from _as_records(session, rows)


def _as_records(session: Session, rows: Sequence[Listing]) -> list[records.Listing]:
    images: dict[str, list[str]] = {}
    for image in session.scalars(select(ListingImage).where(ListingImage.listing_id.in_([r.listing_id for r in rows]))
                                 .order_by(ListingImage.listing_id, ListingImage.position)):
        images.setdefault(image.listing_id, []).append(image.path)
    return [records.Listing(
        listing_id=r.listing_id, seller_id=r.seller_id, title=r.title, price=r.price, currency=r.currency,
        description=r.description, category=r.category, quantity=r.quantity, ships_from=r.ships_from,
        created_at=r.created_at, images=tuple(images.get(r.listing_id, ())),
    ) for r in rows]


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
