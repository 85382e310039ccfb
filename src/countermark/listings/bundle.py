"""Read and write marketplace bundles (shared/spec/bundle.md, version 1), streaming.

Reading never stops at a bad record: each is yielded as a `Reject` naming file, line and
reason, and every valid record is yielded as a plain record. Cross-record rules (unique ids,
listings whose seller exists) are checked here too, so every consumer applies the same spec.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from countermark.listings.records import IDENTIFIER_KINDS, Brand, Listing, Reject, Seller
from countermark.listings.validate import (
    MAX_RECORD_BYTES,
    RecordError,
    decode_listing,
    parse_brand,
    parse_listing,
    parse_seller,
)

FORMAT = "countermark-bundle"
VERSION = 1
DEFAULT_BATCH = 5_000

R = TypeVar("R", Brand, Seller, Listing)


class BundleError(Exception):
    """The bundle as a whole cannot be read (exit 2); the message is one line naming the file."""


class Bundle:
    def __init__(self, root: Path, manifest: dict[str, Any], listings_path: Path) -> None:
        self.root = root
        self.manifest = manifest
        self.listings_path = listings_path
        self._seller_ids: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.root.name)

    @classmethod
    def open(cls, path: str | Path) -> Bundle:
        root = Path(path)
        if not root.is_dir():
            raise BundleError(f"{root}: not a bundle directory")
        manifest_path = root / "bundle.json"
        try:
            manifest = json.loads(manifest_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise BundleError(f"{manifest_path}: required file missing") from None
        except (UnicodeDecodeError, ValueError) as e:
            raise BundleError(f"{manifest_path}: not valid UTF-8 JSON ({e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleError(f"{manifest_path}: format must be '{FORMAT}'")
        if manifest.get("version") != VERSION:
            raise BundleError(f"{manifest_path}: unsupported version {manifest.get('version')!r} (expected {VERSION})")
        for required in ("brands.jsonl", "sellers.jsonl"):
            if not (root / required).is_file():
                raise BundleError(f"{root / required}: required file missing")
        for candidate in ("listings.jsonl", "listings.parquet"):
            if (root / candidate).is_file():
                return cls(root, manifest, root / candidate)
        raise BundleError(f"{root / 'listings.jsonl'}: required file missing (nor listings.parquet)")

    def brands(self) -> Iterator[Brand | Reject]:
        for _, item in _unique(_read_jsonl(self.root / "brands.jsonl", json_decoder(parse_brand)), "brand_id"):
            yield item

    def sellers(self) -> Iterator[Seller | Reject]:
        for _, item in _unique(_read_jsonl(self.root / "sellers.jsonl", json_decoder(parse_seller)), "seller_id"):
            yield item

    def seller_ids(self) -> frozenset[str]:
        if self._seller_ids is None:
            self._seller_ids = frozenset(s.seller_id for s in self.sellers() if isinstance(s, Seller))
        return self._seller_ids

    def listings(self, known_sellers: frozenset[str] | None = None) -> Iterator[Listing | Reject]:
        """Listings of the bundle; `known_sellers` saves re-reading sellers.jsonl when the caller has its ids."""
        if self.listings_path.suffix == ".parquet":
            raw = _read_parquet(self.listings_path, parse_listing)
        else:
            raw = _read_jsonl(self.listings_path, decode_listing)
        gate = ListingGate(self.seller_ids() if known_sellers is None else known_sellers)
        for line, item in raw:
            reason = gate.check(line, item.listing_id, item.seller_id) if isinstance(item, Listing) else None
            yield item if reason is None else listing_reject(self.listings_path.name, line, reason, item)

    def listing_batches(self, size: int = DEFAULT_BATCH, known_sellers: frozenset[str] | None = None
                        ) -> Iterator[list[Listing | Reject]]:
        yield from batched(self.listings(known_sellers), size)


class ListingGate:
    """The cross-record rules for listings, applied in file order: ids are unique, sellers exist."""

    def __init__(self, known_sellers: Container[str]) -> None:
        self._known = known_sellers
        self._first_line: dict[str, int] = {}

    def check(self, line: int, listing_id: str, seller_id: str) -> str | None:
        """None if the listing may be processed, else the reason it is rejected."""
        first = self._first_line.setdefault(listing_id, line)
        if first != line:
            return f"duplicate listing_id {listing_id!r} (first at line {first})"
        if seller_id not in self._known:
            return f"unknown seller_id {seller_id!r}"
        return None

    def admits_all(self, lines: Sequence[int], listing_ids: Sequence[str], seller_ids: Iterable[str]) -> bool:
        """`check` for a batch of listings at once, in C loops: True if it admits every one of them (it then
        records them), else False without recording anything (then `check` them one by one)."""
        first_line = self._first_line
        if (len(set(listing_ids)) != len(listing_ids) or not first_line.keys().isdisjoint(listing_ids)
                or not all(map(self._known.__contains__, seller_ids))):
            return False
        first_line.update(zip(listing_ids, lines, strict=True))
        return True


def listing_reject(file: str, line: int, reason: str, listing: Listing) -> Reject:
    return Reject(file, line, reason, json.dumps(listing_to_json(listing), ensure_ascii=False))


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _unique(records: Iterator[tuple[int, R | Reject]], key: str) -> Iterator[tuple[int, R | Reject]]:
    """Passes records through, turning a repeated id into a reject naming the first line."""
    first_line: dict[str, int] = {}
    for line, item in records:
        if not isinstance(item, Reject):
            ident = getattr(item, key)
            if ident in first_line:
                reason = f"duplicate {key} {ident!r} (first at line {first_line[ident]})"
                item = Reject(_FILES[type(item)], line, reason, json.dumps(_to_json(item), ensure_ascii=False))
            else:
                first_line[ident] = line
        yield line, item


_FILES: dict[type, str] = {Brand: "brands.jsonl", Seller: "sellers.jsonl", Listing: "listings.jsonl"}


def parse_line(file: str, line_no: int, raw: bytes, decode: Callable[[bytes], R]) -> R | Reject | None:
    """One JSONL line under the bundle's rules: the record, a Reject saying why not, or None when blank.

    `decode` turns the line's bytes into a record, raising RecordError (the record breaks the spec) or
    ValueError (not JSON). Also used by the Spark reader, so both apply exactly the same rules.
    """
    content = raw.rstrip(b"\r\n")
    if not content or content.isspace():  # `not content.strip()`, without copying the line
        return None
    if len(content) > MAX_RECORD_BYTES:
        return Reject(file, line_no, f"record is {len(content):,} bytes; the limit is {MAX_RECORD_BYTES:,}",
                      content.decode("utf-8", "backslashreplace"))
    if not content.isascii():  # ASCII is valid UTF-8: most lines need no decoding before `decode` reads them
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as e:
            return Reject(file, line_no, f"not valid UTF-8 (byte {e.start})",
                          content.decode("utf-8", "backslashreplace"))
    try:
        return decode(content)
    except RecordError as e:
        return Reject(file, line_no, str(e), content.decode("utf-8"))
    except ValueError as e:
        return Reject(file, line_no, f"not valid JSON ({e})", content.decode("utf-8"))


def json_decoder(parse: Callable[[Any], R]) -> Callable[[bytes], R]:
    """A line decoder for records parsed from a decoded JSON object (brands, sellers)."""
    return lambda raw: parse(json.loads(raw))


def _read_jsonl(path: Path, decode: Callable[[bytes], R]) -> Iterator[tuple[int, R | Reject]]:
    try:
        handle = path.open("rb")
    except OSError as e:
        raise BundleError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        for line_no, raw in enumerate(handle, 1):
            item = parse_line(path.name, line_no, raw, decode)
            if item is not None:
                yield line_no, item


def _read_parquet(path: Path, parse: Callable[[Any], R]) -> Iterator[tuple[int, R | Reject]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a corrupt file
        raise BundleError(f"{path}: not a readable Parquet file ({e})") from None
    row = 0
    for batch in parquet.iter_batches(batch_size=DEFAULT_BATCH):
        for obj in batch.to_pylist():
            row += 1
            try:
                yield row, parse(obj)
            except RecordError as e:
                yield row, Reject(path.name, row, str(e), json.dumps(obj, ensure_ascii=False, default=str))


def _to_json(item: Brand | Seller | Listing) -> dict[str, Any]:
    if isinstance(item, Brand):
        return brand_to_json(item)
    if isinstance(item, Seller):
        return seller_to_json(item)
    return listing_to_json(item)


def brand_to_json(brand: Brand) -> dict[str, Any]:
    out = asdict(brand)
    return _lists(out)


def seller_to_json(seller: Seller) -> dict[str, Any]:
    out = asdict(seller)
    out["identifiers"] = {k: list(seller.identifiers.get(k, ())) for k in IDENTIFIER_KINDS}
    return _lists(out)


def listing_to_json(x: Listing) -> dict[str, Any]:
    # Field by field rather than `asdict`: this runs once per listing of every bundle written.
    return {"listing_id": x.listing_id, "seller_id": x.seller_id, "title": x.title, "description": x.description,
            "price": x.price, "currency": x.currency, "category": x.category, "quantity": x.quantity,
            "ships_from": x.ships_from, "created_at": x.created_at, "images": list(x.images)}


def _lists(value: Any) -> Any:
    """Tuples (immutable records) become JSON lists, recursively."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


class BundleWriter:
    """Writes a bundle directory: manifest, then brands, sellers and listings as streams."""

    def __init__(self, root: str | Path, name: str, currency: str = "USD", created_at: str | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "name": name,
            "created_at": created_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "currency": currency,
        }
        (self.root / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    def _write(self, file: str, rows: Iterable[dict[str, Any]]) -> int:
        count = 0
        tmp = self.root / (file + ".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        tmp.replace(self.root / file)
        return count

    def write_brands(self, brands: Iterable[Brand]) -> int:
        return self._write("brands.jsonl", (brand_to_json(b) for b in brands))

    def write_sellers(self, sellers: Iterable[Seller]) -> int:
        return self._write("sellers.jsonl", (seller_to_json(s) for s in sellers))

    def write_listings(self, listings: Iterable[Listing]) -> int:
        return self._write("listings.jsonl", (listing_to_json(x) for x in listings))

    def write_listings_parquet(self, listings: Iterable[Listing], batch_size: int = 50_000) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = listing_arrow_schema()
        count = 0
        tmp = self.root / "listings.parquet.tmp"
        with pq.ParquetWriter(tmp, schema) as writer:
            for batch in batched(listings, batch_size):
                writer.write_table(pa.Table.from_pylist([listing_to_json(x) for x in batch], schema=schema))
                count += len(batch)
        tmp.replace(self.root / "listings.parquet")
        return count


def listing_arrow_schema():  # -> pyarrow.Schema (pyarrow imported lazily)
    import pyarrow as pa

    return pa.schema([
        ("listing_id", pa.string()),
        ("seller_id", pa.string()),
        ("title", pa.string()),
        ("price", pa.float64()),
        ("currency", pa.string()),
        ("description", pa.string()),
        ("category", pa.string()),
        ("quantity", pa.int64()),
        ("ships_from", pa.string()),
        ("created_at", pa.string()),
        ("images", pa.list_(pa.string())),
    ])


def write_rejects(path: str | Path, rejects: Iterable[Reject]) -> int:
    """Append rejects as JSONL; returns how many were written."""
    count = 0
    with Path(path).open("a", encoding="utf-8") as out:
        for r in rejects:
            out.write(json.dumps(r.as_json(), ensure_ascii=False) + "\n")
            count += 1
    return count


def rejects_path_for(output: str | Path) -> Path:
    """`FILE.rejects.jsonl` beside an output FILE (the spec's rule)."""
    out = Path(output)
    return out.with_name(out.stem + ".rejects.jsonl") if out.suffix else out.with_name(out.name + ".rejects.jsonl")
