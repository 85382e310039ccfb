"""Evidence packages for law enforcement: one seller cluster as a self-verifying zip.

Contents: `manifest.json` (what the case is, counts, and the SHA-256 of every other file),
`manifest.sha256` (the manifest's own hash), `sellers.csv`, `identifiers.csv`, `links.csv`,
`listings.csv`, `images/...`, `test_buys.csv`, `testbuys/...` (photos), `decisions.csv`,
`sanctions.csv`, `ban_evasion.csv`, `audit.jsonl` (every audit entry about the case's sellers,
listings and test buys, with their hashes) and `audit_chain.csv` (seq, prev_hash, hash of every entry
from the first to the last one excerpted, without content) so the excerpt can be checked against
the unbroken chain. Exporting writes a `case.exported` audit entry holding the manifest's SHA-256,
which anchors the package in the platform's own log.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.enforcement.models import AuditEntry, Decision, Sanction
from countermark.listings.models import Listing, ListingImage, Seller, SellerIdentifier
from countermark.network.identifiers import normalise
from countermark.network.models import BanEvasionFlag, NetworkHub, NetworkRun, TestBuy
from countermark.network.service import NetworkError, cluster_links, cluster_members

FORMAT = "countermark-case"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
_READ_IN_FULL = frozenset({MANIFEST, MANIFEST_HASH, "audit.jsonl", "audit_chain.csv"})


@dataclass(frozen=True)
class CaseReport:
    path: Path
    cluster_id: str
    sellers: int
    listings: int
    files: int
    manifest_sha256: str
    missing_media: list[str]


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(moment: datetime | None) -> str:
    return audit.iso(moment) if moment else ""


class _Package:
    """Files of the package in memory-light form: bytes for tables, source paths for media."""

    def __init__(self) -> None:
        self.files: dict[str, bytes | Path] = {}

    def add(self, name: str, content: bytes | Path) -> None:
        self.files[name] = content

    def read(self, name: str) -> bytes:
        content = self.files[name]
        return content.read_bytes() if isinstance(content, Path) else content


def _media(package: _Package, media_root: Path, relative: str, prefix: str, missing: list[str]) -> None:
    source = (media_root / relative).resolve()
    if source.is_relative_to(media_root.resolve()) and source.is_file():
        package.add(f"{prefix}/{PurePosixPath(relative).as_posix().lstrip('/')}", source)
    else:
        missing.append(relative)


def export_case(session: Session, cluster_id: str, out: Path, *, media_root: Path, actor: str,
                now: datetime | None = None) -> CaseReport:
    members = cluster_members(session, cluster_id)
    if not members:
        raise NetworkError(f"no cluster {cluster_id!r} (run `countermark network --db` first)")
    now = now or datetime.now(UTC)
    package = _Package()
    missing: list[str] = []

    sellers = list(session.scalars(select(Seller).where(Seller.seller_id.in_(members)).order_by(Seller.seller_id)))
    package.add("sellers.csv", _csv(
        ["seller_id", "display_name", "country", "registered_at", "status", "cluster_id"],
        [(s.seller_id, s.display_name, s.country, s.registered_at, s.status, cluster_id) for s in sellers]))

    links = cluster_links(session, cluster_id)
    linking = {link["key"] for link in links}
    by_id = {s.seller_id: s for s in sellers}
    identifiers = list(session.scalars(select(SellerIdentifier).where(SellerIdentifier.seller_id.in_(members))
                                       .order_by(SellerIdentifier.seller_id, SellerIdentifier.kind,
                                                 SellerIdentifier.position)))
    keyed = [(i, normalise(i.kind, i.value, country=by_id[i.seller_id].country)) for i in identifiers]
    all_keys = {k for _, keys in keyed for k in keys}
    hubs = set(session.scalars(select(NetworkHub.key).where(NetworkHub.key.in_(all_keys)))) if all_keys else set()
    package.add("identifiers.csv", _csv(
        ["seller_id", "kind", "raw", "keys", "links_cluster", "hub"],
        [(i.seller_id, i.kind, i.value, ";".join(keys), any(k in linking for k in keys), any(k in hubs for k in keys))
         for i, keys in keyed]))
    package.add("links.csv", _csv(["key", "weight", "seller_ids"],
                                  [(link["key"], link["weight"], ";".join(link["sellers"])) for link in links]))

    listings = list(session.scalars(select(Listing).where(Listing.seller_id.in_(members))
                                    .order_by(Listing.listing_id)))
    listing_ids = [x.listing_id for x in listings]
    images: dict[str, list[str]] = {}
    for image in session.scalars(select(ListingImage).where(ListingImage.listing_id.in_(listing_ids))
                                 .order_by(ListingImage.listing_id, ListingImage.position)):
        images.setdefault(image.listing_id, []).append(image.path)
        _media(package, media_root, image.path, "images", missing)
    package.add("listings.csv", _csv(
        ["listing_id", "seller_id", "title", "price", "currency", "quantity", "category", "ships_from",
         "created_at", "status", "images"],
        [(x.listing_id, x.seller_id, x.title, x.price, x.currency, x.quantity, x.category, x.ships_from,
          x.created_at, x.status, ";".join(images.get(x.listing_id, []))) for x in listings]))

    buys = list(session.scalars(select(TestBuy).where(TestBuy.seller_id.in_(members)).order_by(TestBuy.id)))
    for buy in buys:
        for photo in buy.photos:
            _media(package, media_root, photo, "testbuys", missing)
    package.add("test_buys.csv", _csv(
        ["id", "ordered_on", "listing_id", "seller_id", "price_paid", "currency", "item_received", "received_on",
         "authentication", "photos", "shipped_from", "declared_supplier", "brand_id", "brand_verdict", "notes",
         "recorded_by", "recorded_at"],
        [(b.id, b.ordered_on, b.listing_id, b.seller_id, b.price_paid, b.currency, b.item_received, b.received_on,
          b.authentication, ";".join(b.photos), b.shipped_from, b.declared_supplier, b.brand_id, b.brand_verdict,
          b.notes, b.recorded_by, _iso(b.recorded_at)) for b in buys]))

    decisions = list(session.scalars(select(Decision).where(Decision.listing_id.in_(listing_ids))
                                     .order_by(Decision.id))) if listing_ids else []
    package.add("decisions.csv", _csv(
        ["id", "listing_id", "action", "reason", "ground", "reviewer", "automated", "decided_at"],
        [(d.id, d.listing_id, d.action, d.reason, d.ground, d.reviewer, d.automated, _iso(d.decided_at))
         for d in decisions]))
    sanctions = list(session.scalars(select(Sanction).where(Sanction.subject_kind == "seller",
                                                            Sanction.subject_id.in_(members)).order_by(Sanction.id)))
    package.add("sanctions.csv", _csv(
        ["id", "seller_id", "kind", "reason", "at", "until", "lifted_at"],
        [(s.id, s.subject_id, s.kind, s.reason, _iso(s.at), _iso(s.until), _iso(s.lifted_at)) for s in sanctions]))
    flags = list(session.scalars(select(BanEvasionFlag).where(BanEvasionFlag.seller_id.in_(members))
                                 .order_by(BanEvasionFlag.seller_id)))
    package.add("ban_evasion.csv", _csv(
        ["seller_id", "status", "banned_seller_ids", "evidence_keys", "flagged_at", "resolved_at", "resolved_by"],
        [(f.seller_id, f.status, ";".join(f.banned_seller_ids), ";".join(e["key"] for e in f.evidence),
          _iso(f.flagged_at), _iso(f.resolved_at), f.resolved_by) for f in flags]))

    subjects = ([f"seller:{s}" for s in members] + [f"listing:{x}" for x in listing_ids]
                + [f"testbuy:{b.id}" for b in buys])
    entries = _audit_excerpt(session, subjects)
    package.add("audit.jsonl", "".join(json.dumps(audit.as_dict(e), ensure_ascii=False, sort_keys=True) + "\n"
                                       for e in entries).encode("utf-8"))
    chain = list(session.execute(select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.hash)
                                 .where(AuditEntry.seq.between(entries[0].seq, entries[-1].seq))
                                 .order_by(AuditEntry.seq))) if entries else []
    package.add("audit_chain.csv", _csv(["seq", "prev_hash", "hash"], chain))

    run = session.scalars(select(NetworkRun).order_by(NetworkRun.id.desc()).limit(1)).first()
    manifest = {
        "format": FORMAT, "version": VERSION, "cluster_id": cluster_id, "created_at": audit.iso(now),
        "created_by": actor, "sellers": members,
        "counts": {"sellers": len(members), "identifiers": len(identifiers), "links": len(links),
                   "listings": len(listings), "removed_listings": sum(x.status == "removed" for x in listings),
                   "test_buys": len(buys), "failed_authentications": sum(b.authentication == "counterfeit"
                                                                         for b in buys),
                   "decisions": len(decisions), "sanctions": len(sanctions), "audit_entries": len(entries)},
        "network_run": {"id": run.id, "computed_at": _iso(run.computed_at), "hub_limit": run.hub_limit,
                        "rules": run.rules} if run else None,
        "audit": {"first_seq": entries[0].seq if entries else None, "last_seq": entries[-1].seq if entries else None},
        "missing_media": sorted(set(missing)),
    }
    manifest_sha = _write_zip(out, package, manifest)
    audit.record(session, actor=actor, action="case.exported", subject=f"cluster:{cluster_id}", at=now,
                 details={"manifest_sha256": manifest_sha, "file": out.name, "files": len(package.files) + 2})
    return CaseReport(out, cluster_id, len(members), len(listings), len(package.files) + 2, manifest_sha,
                      sorted(set(missing)))


def _audit_excerpt(session: Session, subjects: list[str], batch: int = 2_000) -> list[AuditEntry]:
    found: dict[int, AuditEntry] = {}
    for start in range(0, len(subjects), batch):
        chunk = subjects[start:start + batch]
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.subject.in_(chunk))):
            found[entry.seq] = entry
    return [found[seq] for seq in sorted(found)]


def _write_zip(out: Path, package: _Package, manifest: dict[str, Any]) -> str:
    """Write every file, then the manifest with their SHA-256; returns the manifest's SHA-256.

    The zip appears whole or not at all; fixed timestamps keep it reproducible.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    stamp = (1980, 1, 1, 0, 0, 0)
    digests: dict[str, str] = {}
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(package.files):
            content = package.read(name)
            digests[name] = _sha256(content)
            archive.writestr(zipfile.ZipInfo(name, stamp), content, compress_type=zipfile.ZIP_DEFLATED)
        manifest_bytes = json.dumps({**manifest, "files": digests}, indent=2, ensure_ascii=False,
                                    sort_keys=True).encode("utf-8") + b"\n"
        manifest_sha = _sha256(manifest_bytes)
        archive.writestr(zipfile.ZipInfo(MANIFEST, stamp), manifest_bytes, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(MANIFEST_HASH, stamp), _manifest_hash_line(manifest_sha))
    os.replace(tmp, out)
    return manifest_sha


def _manifest_hash_line(digest: str) -> bytes:
    """`sha256sum` format, so `sha256sum -c manifest.sha256` checks the manifest too."""
    return f"{digest}  {MANIFEST}\n".encode()


class UnreadableCase(ValueError):
    """The file is not a case package at all (exit 2)."""


def verify_case(path: Path) -> list[str]:
    """Problems found (empty when the package is intact): hashes, missing or extra files, audit chain."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise UnreadableCase(f"{path}: not a readable zip ({e})") from None
    problems: list[str] = []
    digests: dict[str, str] = {}  # name -> SHA-256, hashed as streamed (media can be large)
    contents: dict[str, bytes] = {}  # the small files read in full
    with archive:
        names = [info.filename for info in archive.infolist()]
        if MANIFEST not in names or MANIFEST_HASH not in names:
            raise UnreadableCase(f"{path}: not a case package ({MANIFEST} or {MANIFEST_HASH} missing)")
        if len(names) != len(set(names)):
            problems.append("the zip holds the same file name twice")
        for name in sorted(set(names)):
            try:
                if name in _READ_IN_FULL:
                    contents[name] = archive.read(name)
                    digests[name] = _sha256(contents[name])
                else:
                    digests[name] = _stream_sha256(archive, name)
            except (zipfile.BadZipFile, OSError, ValueError) as e:  # CRC mismatch, truncated member
                problems.append(f"{name}: unreadable ({e})")
    manifest_bytes = contents.get(MANIFEST, b"")
    if contents.get(MANIFEST_HASH) != _manifest_hash_line(_sha256(manifest_bytes)):
        problems.append(f"{MANIFEST}: does not match {MANIFEST_HASH} (manifest altered)")
    try:
        manifest = json.loads(manifest_bytes)
        files: dict[str, str] = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as e:
        return [*problems, f"{MANIFEST}: unreadable ({e})"]
    if manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST}: format is not {FORMAT!r}")
    for name, digest in sorted(files.items()):
        if name not in digests:
            problems.append(f"{name}: listed in the manifest but missing")
        elif digests[name] != digest:
            problems.append(f"{name}: SHA-256 does not match the manifest (file altered)")
    for name in sorted(set(digests) - set(files) - {MANIFEST, MANIFEST_HASH}):
        problems.append(f"{name}: not listed in the manifest (file added)")
    problems += _verify_audit(contents.get("audit.jsonl", b""), contents.get("audit_chain.csv", b""))
    return problems


def _stream_sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as member:
        while chunk := member.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_audit(excerpt: bytes, chain_csv: bytes) -> list[str]:
    """Each excerpted entry hashes to its recorded hash, and sits in the unbroken chain of hashes."""
    problems = []
    try:
        entries = [json.loads(line) for line in excerpt.decode("utf-8").splitlines() if line.strip()]
        chain = list(csv.DictReader(io.StringIO(chain_csv.decode("utf-8"))))
    except (UnicodeDecodeError, ValueError) as e:
        return [f"audit excerpt unreadable ({e})"]
    for previous, row in zip(chain, chain[1:], strict=False):
        if row.get("prev_hash") != previous.get("hash") or int(row["seq"]) != int(previous["seq"]) + 1:
            problems.append(f"audit_chain.csv: broken at seq {row.get('seq')}")
            break
    by_seq = {row.get("seq"): row.get("hash") for row in chain}
    for entry in entries:
        if not isinstance(entry, dict) or any(k not in entry for k in (*audit.FIELDS, "hash")):
            problems.append("audit.jsonl: an entry lacks chained fields")
            continue
        if audit.entry_hash(entry) != entry["hash"]:
            problems.append(f"audit.jsonl: entry {entry['seq']} does not match its hash (edited)")
        elif by_seq.get(str(entry["seq"])) != entry["hash"]:
            problems.append(f"audit.jsonl: entry {entry['seq']} is not the chain's entry at that position")
    return problems
