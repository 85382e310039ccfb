"""Hash-bank operations: create banks, add and remove hashes, feed confirmed fakes, load banks for matching.

Three kinds of bank (`KINDS`): `reference` holds brands' official images (a match from a seller the brand
has not authorised is a signal; detection decides that), `counterfeit` holds images of confirmed fakes
(fed by `add_confirmed_counterfeit` when a takedown is confirmed), `allow` holds images that must never
count against anyone (generic stock photos; the matcher drops every other match of such an image).
Every change writes an audit entry in the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.hashbanks.models import HashBank, HashBankEntry
from countermark.images.batch import hash_files
from countermark.images.hashing import hex_to_bytes
from countermark.images.matcher import BankEntry
from countermark.images.scan import reference_entries
from countermark.listings.models import ListingImage
from countermark.listings.records import Brand
from countermark.settings import get_settings

KINDS = ("reference", "counterfeit", "allow")
REFERENCE_BANK = "brand-reference"
COUNTERFEIT_BANK = "known-counterfeit"
ALLOW_BANK = "allow"
# The well-known banks and their kinds: created on first use.
DEFAULT_BANKS = {REFERENCE_BANK: "reference", COUNTERFEIT_BANK: "counterfeit", ALLOW_BANK: "allow"}
BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class BankError(ValueError):
    """A request that breaks a bank rule (unknown bank, wrong kind, bad name or hash)."""


@dataclass(frozen=True, slots=True)
class NewEntry:
    ref_id: str
    pdq_hex: str
    quality: int
    brand_id: str | None = None
    listing_id: str | None = None
    source: str = ""
    crop_windows: bytes = b""  # images.crops.window_codes of the image, when hashed from a file


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)  # ref_ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (ref_id or file, reason)


@dataclass(frozen=True, slots=True)
class BankSummary:
    name: str
    kind: str
    entries: int
    description: str


def get_bank(session: Session, name: str) -> HashBank:
    bank = session.scalars(select(HashBank).where(HashBank.name == name)).first()
    if bank is None:
        raise BankError(f"no hash bank named {name!r}")
    return bank


def ensure_bank(session: Session, name: str, kind: str | None = None, *, actor: str, description: str = "") -> HashBank:
    """The bank called `name`, created if missing (well-known names know their kind; others need one)."""
    bank = session.scalars(select(HashBank).where(HashBank.name == name)).first()
    kind = kind or (bank.kind if bank else DEFAULT_BANKS.get(name))
    if kind not in KINDS:
        raise BankError(f"bank {name!r} needs a kind: one of {', '.join(KINDS)}")
    if bank is not None:
        if bank.kind != kind:
            raise BankError(f"bank {name!r} is a {bank.kind} bank, not {kind}")
        return bank
    if not BANK_NAME.match(name):
        raise BankError(f"bad bank name {name!r}: letters, digits, '.', '_' and '-', at most 200")
    bank = HashBank(name=name, kind=kind, description=description)
    session.add(bank)
    session.flush()
    audit.record(session, actor=actor, action="hashbank.created", subject=f"hashbank:{name}",
                 details={"kind": kind})
    return bank


def add_entries(
    session: Session, bank_name: str, entries: Iterable[NewEntry], *, actor: str, kind: str | None = None
) -> AddReport:
    """Add hashes to a bank (created if needed); a ref_id already in the bank is skipped, not replaced.
    Nothing to add changes nothing (no bank is created), so a takedown without images leaves no trace here."""
    entries = list(entries)
    if not entries:
        return AddReport()
    bank = ensure_bank(session, bank_name, kind, actor=actor)
    existing = set(session.scalars(select(HashBankEntry.ref_id).where(HashBankEntry.bank_id == bank.bank_id)))
    report = AddReport()
    for entry in entries:
        if entry.ref_id in existing:
            report.skipped.append((entry.ref_id, f"ref_id already in bank {bank_name}"))
            continue
        try:
            pdq_hex = hex_to_bytes(entry.pdq_hex).hex()
        except ValueError as e:
            report.skipped.append((entry.ref_id, str(e)))
            continue
        session.add(HashBankEntry(
            bank_id=bank.bank_id, ref_id=entry.ref_id, pdq_hex=pdq_hex, quality=entry.quality,
            brand_id=entry.brand_id, listing_id=entry.listing_id, source=entry.source, added_by=actor,
            crop_windows=entry.crop_windows or None,
        ))
        existing.add(entry.ref_id)
        report.added.append(entry.ref_id)
    if report.added:
        session.flush()
        audit.record(session, actor=actor, action="hashbank.entries_added", subject=f"hashbank:{bank_name}",
                     details={"ref_ids": report.added})
    return report


def hash_entries(
    paths: Sequence[str | Path],
    *,
    ref_ids: Sequence[str] | None = None,
    brand_id: str | None = None,
    listing_id: str | None = None,
    workers: int | None = None,
    on_hashed: Callable[[], None] | None = None,
) -> tuple[list[NewEntry], list[tuple[str, str]]]:
    """Hash image files into new entries (ref_id: the file name without suffix unless given).

    Returns the entries and the (file, reason) of every file that could not be hashed.
    """
    names = list(ref_ids) if ref_ids is not None else [Path(p).stem for p in paths]
    if len(names) != len(paths):
        raise BankError(f"{len(names)} ref_ids for {len(paths)} images")
    entries: list[NewEntry] = []
    failed: list[tuple[str, str]] = []
    for ref_id, result in zip(names, hash_files(paths, workers=workers, crops="windows"), strict=True):
        if on_hashed is not None:
            on_hashed()
        if result.ok and result.pdq_hex is not None:
            entries.append(NewEntry(ref_id, result.pdq_hex, result.quality, brand_id, listing_id, result.path,
                                    result.crop_codes))
        else:
            failed.append((result.path, result.error or "unreadable"))
    return entries, failed


def add_brand_references(
    session: Session, brands: Iterable[Brand], root: str | Path, *, actor: str, bank_name: str = REFERENCE_BANK,
    workers: int | None = None, on_hashed: Callable[[], None] | None = None,
) -> AddReport:
    """Hash every brand's reference and catalogue images (paths relative to `root`) into the reference
    bank; ref_ids are `<brand_id>-ref-<n>` and `<brand_id>-<sku>-<n>`."""
    found, failed = reference_entries(brands, root, workers=workers, on_hashed=on_hashed)
    entries = [NewEntry(e.ref_id, e.pdq_hex, e.quality, e.brand_id, None, e.source or "", e.crop_windows)
               for e in found]
    report = add_entries(session, bank_name, entries, actor=actor, kind="reference")
    report.skipped += failed
    return report


def add_confirmed_counterfeit(
    session: Session,
    listing_id: str,
    images: Sequence[str | Path] | None = None,
    *,
    image_root: str | Path | None = None,
    brand_id: str | None = None,
    actor: str = "system:enforcement",
    bank_name: str = COUNTERFEIT_BANK,
) -> AddReport:
    """Feed the known-counterfeit bank with a listing whose takedown was confirmed.

    `images` are image files or 64-hex PDQ hashes; when None, the listing's stored images are used
    (their paths resolved against `image_root`, by default the media store `<data_dir>/media` that
    `countermark import` copies images into). ref_ids are `<listing_id>-<n>`, so
    confirming the same takedown again adds nothing. An image that cannot be hashed is reported in
    `skipped` and never fails the takedown.
    """
    if images is None:
        stored = session.scalars(
            select(ListingImage.path).where(ListingImage.listing_id == listing_id).order_by(ListingImage.position)
        ).all()
        base = Path(image_root) if image_root is not None else get_settings().media_root
        images = [base / path for path in stored]
    hashes = [(n, str(item)) for n, item in enumerate(images, 1) if _HEX.match(str(item))]
    files = [(n, Path(item)) for n, item in enumerate(images, 1) if not _HEX.match(str(item))]
    entries = [NewEntry(f"{listing_id}-{n}", h, 100, brand_id, listing_id, f"listing:{listing_id}")
               for n, h in hashes]
    hashed, failed = hash_entries([path for _, path in files], ref_ids=[f"{listing_id}-{n}" for n, _ in files],
                                  brand_id=brand_id, listing_id=listing_id, workers=1)
    entries += hashed
    entries.sort(key=lambda e: e.ref_id)
    report = add_entries(session, bank_name, entries, actor=actor, kind="counterfeit")
    report.skipped += failed
    return report


def remove_entries(session: Session, bank_name: str, ref_ids: Sequence[str], *, actor: str) -> int:
    bank = get_bank(session, bank_name)
    removed = list(session.scalars(
        delete(HashBankEntry)
        .where(HashBankEntry.bank_id == bank.bank_id, HashBankEntry.ref_id.in_(list(ref_ids)))
        .returning(HashBankEntry.ref_id)
    ))
    if removed:
        audit.record(session, actor=actor, action="hashbank.entries_removed", subject=f"hashbank:{bank_name}",
                     details={"ref_ids": sorted(removed)})
    return len(removed)


def remove_bank(session: Session, bank_name: str, *, actor: str) -> int:
    """Delete a bank and all its hashes; returns how many hashes went with it."""
    bank = get_bank(session, bank_name)
    count = session.scalar(select(func.count()).where(HashBankEntry.bank_id == bank.bank_id)) or 0
    session.execute(delete(HashBankEntry).where(HashBankEntry.bank_id == bank.bank_id))
    session.delete(bank)
    session.flush()
    audit.record(session, actor=actor, action="hashbank.removed", subject=f"hashbank:{bank_name}",
                 details={"kind": bank.kind, "entries": count})
    return count


def list_banks(session: Session) -> list[BankSummary]:
    counts = (
        select(HashBank.name, HashBank.kind, HashBank.description, func.count(HashBankEntry.id))
        .outerjoin(HashBankEntry, HashBankEntry.bank_id == HashBank.bank_id)
        .group_by(HashBank.bank_id, HashBank.name, HashBank.kind, HashBank.description)
        .order_by(HashBank.name)
    )
    return [BankSummary(name, kind, count, description) for name, kind, description, count in session.execute(counts)]


def list_entries(session: Session, bank_name: str) -> list[HashBankEntry]:
    bank = get_bank(session, bank_name)
    return list(session.scalars(
        select(HashBankEntry).where(HashBankEntry.bank_id == bank.bank_id).order_by(HashBankEntry.ref_id)
    ))


def bank_entries(session: Session, bank_names: Sequence[str] | None = None) -> list[BankEntry]:
    """Hashes of the named banks (default: every bank) as plain records for `images.matcher.ImageMatcher`."""
    query = select(HashBank.name, HashBank.kind, HashBankEntry).join(HashBankEntry.bank)
    if bank_names:
        for name in bank_names:
            get_bank(session, name)
        query = query.where(HashBank.name.in_(list(bank_names)))
    rows = session.execute(query.order_by(HashBank.name, HashBankEntry.ref_id))
    return [
        BankEntry(bank=name, kind=kind, ref_id=e.ref_id, pdq_hex=e.pdq_hex, brand_id=e.brand_id,
                  source=e.source or None, quality=e.quality, crop_windows=e.crop_windows or b"")
        for name, kind, e in rows
    ]

