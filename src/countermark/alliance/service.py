"""Alliance operations: peers, publishing, pulling, and the imported signals as detection inputs."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from countermark.alliance.config import AllianceIdentity
from countermark.alliance.feed import Draft, append
from countermark.alliance.keyed import SHARED_KINDS, identifier_hashes
from countermark.alliance.models import FeedEntry, Peer, PeerSignal
from countermark.alliance.publish import PUBLISHED_KINDS, all_drafts
from countermark.alliance.pull import FeedRejected, Fetch, PullReport, active_signals, http_fetch, pull
from countermark.alliance.signing import parse_public_key
from countermark.enforcement import audit
from countermark.images.matcher import BankEntry
from countermark.listings import records
from countermark.listings.service import seller_records
from countermark.rights.bundle_io import brand_records
from countermark.storage.engine import transaction

TRUST_KINDS = ("profiles", "hashes", "actors", "vocabulary")


def add_peer(session: Session, name: str, url: str, public_key: str, *, trust: Sequence[str] = TRUST_KINDS,
             max_feed_bytes: int = 64 * 1024 * 1024, actor: str = "cli") -> Peer:
    parse_public_key(public_key)
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"peer url must be http(s)://..., got {url!r}")
    unknown = set(trust) - set(TRUST_KINDS)
    if unknown:
        raise ValueError(f"unknown trust kind(s) {sorted(unknown)}; choose from {', '.join(TRUST_KINDS)}")
    if session.get(Peer, name) is not None:
        raise ValueError(f"peer {name!r} already exists")
    peer = Peer(name=name, url=url, public_key=public_key, max_feed_bytes=max_feed_bytes,
                trust_profiles="profiles" in trust, trust_hashes="hashes" in trust,
                trust_actors="actors" in trust, trust_vocabulary="vocabulary" in trust)
    session.add(peer)
    session.flush()
    audit.record(session, actor=actor, action="alliance.peer_added", subject=f"peer:{name}",
                 details={"url": url, "trust": list(trust), "max_feed_bytes": max_feed_bytes})
    return peer


def publish(session: Session, identity: AllianceIdentity, *, brand_ids: Iterable[str] | None = None,
            actor: str = "cli") -> list[dict]:
    """Append what changed since the last publication; subjects no longer present are retracted."""
    return append(session, identity, all_drafts(session, identity, brand_ids), actor=actor,
                  retract_missing_kinds=PUBLISHED_KINDS if brand_ids is None else ("counterfeit_hash", "banned_actor"))


def share_term(session: Session, identity: AllianceIdentity, term: str, brand_id: str | None = None, *,
               actor: str = "cli") -> list[dict]:
    if not term.strip():
        raise ValueError("the term is empty")
    subject = f"term:{brand_id or '*'}:{term.strip().casefold()}"
    return append(session, identity, [Draft("vocabulary", subject, {"term": term.strip(), "brand_id": brand_id})],
                  actor=actor)


def retract(session: Session, identity: AllianceIdentity, subject: str, *, actor: str = "cli") -> list[dict]:
    if session.scalar(select(FeedEntry.seq).where(FeedEntry.subject == subject).limit(1)) is None:
        raise ValueError(f"nothing was published about {subject!r}")
    return append(session, identity, [Draft("retraction", subject, {"subject": subject})], actor=actor)


def pull_peer(engine: Engine, name: str, *, fetch: Fetch = http_fetch, actor: str = "cli") -> PullReport:
    """Pull in one transaction; a rejected feed imports nothing and is recorded on the peer and in the audit log."""
    try:
        with transaction(engine) as session:
            return pull(session, name, fetch=fetch, actor=actor)
    except FeedRejected as e:
        with transaction(engine) as session:
            peer = session.get(Peer, name)
            if peer is not None:
                peer.last_error = str(e)
            audit.record(session, actor=actor, action="alliance.pull_rejected", subject=f"peer:{name}",
                         details={"error": str(e)})
        raise


@dataclass(frozen=True)
class PeerStatus:
    name: str
    url: str
    last_seq: int
    active_signals: int
    last_pulled_at: str
    last_error: str


def status(session: Session) -> list[PeerStatus]:
    counts = dict(session.execute(select(PeerSignal.peer, func.count()).where(PeerSignal.active.is_(True))
                                  .group_by(PeerSignal.peer)).all())
    return [PeerStatus(p.name, p.url, p.last_seq, counts.get(p.name, 0),
                       p.last_pulled_at.isoformat() if p.last_pulled_at else "never", p.last_error)
            for p in session.scalars(select(Peer).order_by(Peer.name))]


# ------------------------------------------------------------- imported signals as detection inputs

def peer_bank_entries(session: Session) -> list[BankEntry]:
    """Counterfeit hashes and brands' reference hashes from peers, named by their source."""
    entries = [BankEntry(bank=f"peer:{s.peer}", kind="counterfeit", ref_id=f"{s.peer}-{s.seq}",
                         pdq_hex=s.payload["pdq"], brand_id=s.payload.get("brand_id"), source=f"peer {s.peer}",
                         quality=int(s.payload.get("quality") or 100))
               for s in active_signals(session, "counterfeit_hash")]
    for s in active_signals(session, "profile"):
        for ref in s.payload.get("reference_hashes", []):
            entries.append(BankEntry(bank=f"peer:{s.peer}", kind="reference", ref_id=ref["ref_id"],
                                     pdq_hex=ref["pdq"], brand_id=s.payload["brand_id"], source=f"peer {s.peer}"))
    return entries


def _hash_owners(session: Session, secret: bytes) -> dict[str, set[str]]:
    """keyed identifier hash -> local seller ids (computed once per scan)."""
    owners: dict[str, set[str]] = {}
    if secret:
        for seller in seller_records(session):
            for h in identifier_hashes(secret, seller.identifiers, seller.country):
                owners.setdefault(h, set()).add(seller.seller_id)
    return owners


def scan_brands(session: Session, secret: bytes) -> list[records.Brand]:
    """Local brands, plus peers' brand profiles that are not local, plus shared vocabulary as red-flag terms."""
    brands = {b.brand_id: b for b in brand_records(session)}
    profiles = active_signals(session, "profile")
    owners = _hash_owners(session, secret) if profiles else {}
    for s in profiles:
        p = s.payload
        if p["brand_id"] in brands:
            continue
        authorised = sorted({sid for hashes in p.get("authorized_sellers", []) for h in hashes
                             for sid in owners.get(h, ())})
        brands[p["brand_id"]] = records.Brand(
            brand_id=p["brand_id"], name=p["name"], owner=p.get("owner", ""), aliases=tuple(p.get("aliases", [])),
            categories=tuple(p.get("categories", [])), authorized_sellers=tuple(authorised),
            red_flag_terms=tuple(p.get("red_flag_terms", [])),
            products=tuple(records.Product(sku=x["sku"], title=x["title"], msrp=float(x["msrp"]),
                                           currency=x.get("currency", "USD"), category=x.get("category", ""),
                                           model_numbers=tuple(x.get("model_numbers", [])))
                           for x in p.get("products", [])),
        )
    for s in active_signals(session, "vocabulary"):
        term, only = s.payload["term"], s.payload.get("brand_id")
        for brand_id, brand in brands.items():
            if only in (None, brand_id) and term not in brand.red_flag_terms:
                brands[brand_id] = replace(brand, red_flag_terms=(*brand.red_flag_terms, term))
    return [brands[k] for k in sorted(brands)]


def banned_actor_links(session: Session, secret: bytes, sellers: Iterable[records.Seller]) -> dict[str, str]:
    """seller_id -> evidence, for sellers sharing an identifier with an actor a peer has banned."""
    index: dict[str, str] = {}
    for s in active_signals(session, "banned_actor"):
        for h in s.payload.get("identifiers", []):
            index.setdefault(h, s.peer)
    if not index or not secret:
        return {}
    found: dict[str, str] = {}
    for seller in sellers:
        for kind in SHARED_KINDS:
            hits = identifier_hashes(secret, {kind: seller.identifiers.get(kind, ())}, seller.country)
            peers = sorted({index[h] for h in hits if h in index})
            if peers:
                found[seller.seller_id] = (f"shares {kind.replace('_', ' ')} with an actor banned by peer "
                                           f"{', '.join(peers)}")
                break
    return found


def export_threatexchange(session: Session, out: Path, *, include_peers: bool = True) -> int:
    """Counterfeit PDQ hashes as ThreatExchange-style CSV: `signal_type,signal,tags,origin`."""
    rows: list[tuple[str, str, str, str]] = []
    for entry in session.scalars(select(FeedEntry).where(FeedEntry.kind == "counterfeit_hash")):
        rows.append(("pdq", entry.payload["pdq"], "counterfeit", "local"))
    if include_peers:
        rows += [("pdq", s.payload["pdq"], "counterfeit", f"peer:{s.peer}")
                 for s in active_signals(session, "counterfeit_hash")]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["signal_type", "signal", "tags", "origin"])
        writer.writerows(sorted(set(rows)))
    return len(set(rows))
