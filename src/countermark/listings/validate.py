"""Turn one decoded JSON object of a bundle file into a record, or say exactly what is wrong."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from countermark.listings.records import IDENTIFIER_KINDS, Brand, Listing, Product, Seller, Trademark

# Limits of countermark (the spec sets none): a record beyond them is rejected, never truncated.
MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_TITLE_CHARS = 1_000
MAX_DESCRIPTION_CHARS = 100_000
MAX_ID_CHARS = 200
MAX_IMAGES = 50


class RecordError(ValueError):
    """The record breaks the bundle spec; the message names the field."""


def _str(obj: dict[str, Any], key: str, *, required: bool = True, max_chars: int = 10_000) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise RecordError(f"missing field '{key}'")
        return ""
    if not isinstance(value, str):
        raise RecordError(f"field '{key}' must be a string, got {type(value).__name__}")
    if len(value) > max_chars:
        raise RecordError(f"field '{key}' is {len(value):,} characters long; the limit is {max_chars:,}")
    return value


def _id(obj: dict[str, Any], key: str) -> str:
    value = _str(obj, key, max_chars=MAX_ID_CHARS)
    if not value.strip():
        raise RecordError(f"field '{key}' is empty")
    return value


def _str_list(obj: dict[str, Any], key: str, *, max_items: int = 10_000) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"field '{key}' must be a list of strings")
    if len(value) > max_items:
        raise RecordError(f"field '{key}' has {len(value):,} items; the limit is {max_items:,}")
    return tuple(value)


def _number(obj: dict[str, Any], key: str) -> float:
    value = obj.get(key)
    if value is None:
        raise RecordError(f"missing field '{key}'")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(f"field '{key}' must be a number, got {value!r:.40}")
    return float(value)


def _positive_price(obj: dict[str, Any], key: str) -> float:
    value = _number(obj, key)
    if value <= 0:
        raise RecordError(f"field '{key}' must be > 0, got {value:g}")
    return value


def _iso_date(obj: dict[str, Any], key: str) -> str:
    value = _str(obj, key, required=False, max_chars=40)
    if value:
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            raise RecordError(f"field '{key}' is not an ISO date: {value!r}") from None
    return value


def _iso_datetime(obj: dict[str, Any], key: str) -> str:
    value = _str(obj, key, required=False, max_chars=40)
    if value:
        try:
            datetime.fromisoformat(value)  # Python >= 3.11 reads the "Z" suffix
        except ValueError:
            raise RecordError(f"field '{key}' is not an ISO-8601 timestamp: {value!r}") from None
    return value


def _object(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RecordError(f"{what} must be a JSON object, got {type(obj).__name__}")
    return obj


def parse_brand(obj: Any) -> Brand:
    obj = _object(obj, "brand")
    trademarks = []
    for i, tm in enumerate(obj.get("trademarks") or []):
        tm = _object(tm, f"trademarks[{i}]")
        classes = tm.get("classes") or []
        if not isinstance(classes, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
            raise RecordError(f"trademarks[{i}].classes must be a list of integers")
        trademarks.append(
            Trademark(
                mark=_str(tm, "mark"),
                office=_str(tm, "office", required=False),
                registration_number=_str(tm, "registration_number", required=False),
                classes=tuple(classes),
            )
        )
    products = []
    for i, p in enumerate(obj.get("products") or []):
        p = _object(p, f"products[{i}]")
        try:
            products.append(
                Product(
                    sku=_id(p, "sku"),
                    title=_str(p, "title", max_chars=MAX_TITLE_CHARS),
                    msrp=_positive_price(p, "msrp"),
                    currency=_str(p, "currency", required=False) or "USD",
                    category=_str(p, "category", required=False),
                    model_numbers=_str_list(p, "model_numbers"),
                    images=_str_list(p, "images", max_items=MAX_IMAGES),
                )
            )
        except RecordError as e:
            raise RecordError(f"products[{i}]: {e}") from None
    skus = [p.sku for p in products]
    if len(set(skus)) != len(skus):
        raise RecordError("products: duplicate sku")
    return Brand(
        brand_id=_id(obj, "brand_id"),
        name=_str(obj, "name", max_chars=MAX_TITLE_CHARS),
        owner=_str(obj, "owner", required=False),
        aliases=_str_list(obj, "aliases"),
        trademarks=tuple(trademarks),
        categories=_str_list(obj, "categories"),
        authorized_sellers=_str_list(obj, "authorized_sellers"),
        red_flag_terms=_str_list(obj, "red_flag_terms"),
        reference_images=_str_list(obj, "reference_images"),
        products=tuple(products),
    )


def parse_seller(obj: Any) -> Seller:
    obj = _object(obj, "seller")
    raw_ids = obj.get("identifiers") or {}
    if not isinstance(raw_ids, dict):
        raise RecordError("field 'identifiers' must be an object")
    identifiers = {kind: _str_list(raw_ids, kind, max_items=1_000) for kind in IDENTIFIER_KINDS}
    return Seller(
        seller_id=_id(obj, "seller_id"),
        display_name=_str(obj, "display_name", required=False, max_chars=MAX_TITLE_CHARS),
        country=_str(obj, "country", required=False, max_chars=8),
        registered_at=_iso_date(obj, "registered_at"),
        identifiers={k: v for k, v in identifiers.items() if v},
    )


def _text(limit: int) -> Any:
    return Annotated[str, msgspec.Meta(max_length=limit)]


class _ListingFields(msgspec.Struct, gc=False):
    """Field types and length limits of a listing, checked in C by msgspec (listings are the
    high-volume record). gc=False: one lives only until its line's `Listing` is built, in no cycle."""

    listing_id: _text(MAX_ID_CHARS)
    seller_id: _text(MAX_ID_CHARS)
    title: _text(MAX_TITLE_CHARS)
    price: float
    currency: _text(8) | None = None
    description: _text(MAX_DESCRIPTION_CHARS) | None = None
    category: _text(MAX_ID_CHARS) | None = None
    quantity: int | None = None
    ships_from: _text(8) | None = None
    created_at: _text(40) | None = None
    images: Annotated[list[str], msgspec.Meta(max_length=MAX_IMAGES)] | None = None


_LISTING_JSON = msgspec.json.Decoder(_ListingFields)
_MSGSPEC_MISSING = re.compile(r"missing required field `([^`]+)`")
_MSGSPEC_AT = re.compile(r"^(.*) - at `\$\.?([^`]*)`$")


def _type_error(e: msgspec.ValidationError) -> RecordError:
    text = str(e)
    if m := _MSGSPEC_MISSING.search(text):
        return RecordError(f"missing field '{m.group(1)}'")
    if m := _MSGSPEC_AT.match(text):
        return RecordError(f"field '{m.group(2)}': {m.group(1).replace('`', '')}")
    return RecordError(f"listing must be a JSON object ({text.replace('`', '')})")


def _checked_listing(f: _ListingFields) -> Listing:
    if not f.listing_id.strip() or not f.seller_id.strip():
        raise RecordError(f"field '{'listing_id' if not f.listing_id.strip() else 'seller_id'}' is empty")
    if not f.price > 0 or not math.isfinite(f.price):
        raise RecordError(f"field 'price' must be > 0, got {f.price:g}")
    quantity = 1 if f.quantity is None else f.quantity
    if quantity < 0:
        raise RecordError(f"field 'quantity' must be a non-negative integer, got {quantity}")
    if f.created_at:
        try:
            datetime.fromisoformat(f.created_at)  # Python >= 3.11 reads the "Z" suffix
        except ValueError:
            raise RecordError(f"field 'created_at' is not an ISO-8601 timestamp: {f.created_at!r}") from None
    return Listing(  # by position, in `Listing`'s order: a Struct takes keywords slower
        f.listing_id, f.seller_id, f.title, f.price, f.currency or "USD", f.description or "", f.category or "",
        quantity, f.ships_from or "", f.created_at or "", tuple(f.images) if f.images else (),
    )


def parse_listing(obj: Any) -> Listing:
    """A listing from a decoded object (e.g. a Parquet row)."""
    try:
        return _checked_listing(msgspec.convert(obj, _ListingFields))
    except msgspec.ValidationError as e:
        raise _type_error(e) from None


def decode_listing(raw: bytes) -> Listing:
    """A listing straight from one JSONL line (UTF-8 already checked); JSON errors raise ValueError."""
    try:
        return _checked_listing(_LISTING_JSON.decode(raw))
    except msgspec.ValidationError as e:
        raise _type_error(e) from None
    except msgspec.DecodeError as e:
        raise ValueError(str(e)) from None
