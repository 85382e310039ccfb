"""Pull a peer's feed: fetch within a size limit, verify every entry, then import them in one go.

A page is verified whole before anything is imported: a forged signature, a replayed or missing
sequence number, a broken hash chain, a truncated or oversized response each reject the page with
one clear message, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from countermark.alliance.feed import FORMAT, GENESIS, VERSION
from countermark.alliance.models import FEED_KINDS, Peer, PeerSignal
from countermark.alliance.signing import digest, parse_public_key, verify
from countermark.enforcement import audit

Fetch = Callable[[str, int], bytes]  # (url, max_bytes) -> body


class FeedRejected(Exception):
    """The peer's response cannot be trusted; nothing of it was imported."""


@dataclass
class PullReport:
    peer: str
    imported: int = 0
    skipped_untrusted: int = 0
    retracted: int = 0
    head: int = 0
    pages: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def http_fetch(url: str, max_bytes: int, *, timeout: float = 30.0) -> bytes:
    """GET `url`, refusing bodies over `max_bytes` (checked while streaming, not after)."""
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            if response.status_code != 200:
                raise FeedRejected(f"{url}: HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise FeedRejected(f"{url}: feed of {int(declared):,} bytes exceeds the limit of {max_bytes:,}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FeedRejected(f"{url}: feed exceeds the limit of {max_bytes:,} bytes")
            return bytes(body)
    except httpx.HTTPError as e:
        raise FeedRejected(f"{url}: {e.__class__.__name__}: {e}") from None


def _decode(body: bytes, peer: Peer) -> dict[str, Any]:
    import json

    try:
        page = json.loads(body)
    except ValueError as e:
        raise FeedRejected(f"feed from {peer.name} is truncated or not JSON ({e})") from None
    if not isinstance(page, dict) or page.get("format") != FORMAT or page.get("version") != VERSION:
        raise FeedRejected(f"feed from {peer.name} is not a {FORMAT} v{VERSION} page")
    if page.get("public_key") != peer.public_key:
        raise FeedRejected(f"feed from {peer.name} is signed by another key than the one pinned for it")
    if not isinstance(page.get("entries"), list):
        raise FeedRejected(f"feed from {peer.name} has no entry list")
    return page


def verify_entries(peer: Peer, entries: list[Any], last_seq: int, last_hash: str) -> list[dict[str, Any]]:
    """Entries that extend what we have from `peer`, each checked; raises FeedRejected on the first bad one."""
    key = parse_public_key(peer.public_key)
    expected_seq, prev = last_seq + 1, last_hash or GENESIS
    checked = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            raise FeedRejected(f"feed from {peer.name}: malformed entry {str(entry)[:80]!r}")
        seq = entry["seq"]
        if seq < expected_seq:
            raise FeedRejected(f"feed from {peer.name}: replayed sequence number {seq} "
                               f"(already imported up to {expected_seq - 1})")
        if seq > expected_seq:
            raise FeedRejected(f"feed from {peer.name}: sequence jumps from {expected_seq - 1} to {seq}")
        unsigned = {k: entry.get(k) for k in ("seq", "kind", "subject", "published_at", "payload", "prev")}
        if not verify(key, unsigned, str(entry.get("signature", ""))):
            raise FeedRejected(f"feed from {peer.name}: entry {seq} has an invalid signature")
        if entry["prev"] != prev:
            raise FeedRejected(f"feed from {peer.name}: entry {seq} does not chain to entry {seq - 1}")
        if entry["kind"] not in FEED_KINDS or not isinstance(entry["payload"], dict):
            raise FeedRejected(f"feed from {peer.name}: entry {seq} has unknown kind {entry['kind']!r}")
        checked.append(entry)
        expected_seq, prev = seq + 1, digest(entry)
    return checked


def _trusted(peer: Peer, kind: str) -> bool:
    return {"profile": peer.trust_profiles, "counterfeit_hash": peer.trust_hashes,
            "banned_actor": peer.trust_actors, "vocabulary": peer.trust_vocabulary}.get(kind, True)


def _store(session: Session, peer: Peer, entries: list[dict[str, Any]], report: PullReport) -> None:
    """Store a verified page: newer entries supersede older ones on the same subject, retractions withdraw."""
    kept = []
    for entry in entries:
        if _trusted(peer, entry["kind"]):
            kept.append(entry)
        else:
            report.skipped_untrusted += 1
    retractions = list({e["subject"] for e in kept if e["kind"] == "retraction"})
    for i in range(0, len(retractions), 900):
        report.retracted += session.scalar(select(func.count()).select_from(PeerSignal).where(
            PeerSignal.peer == peer.name, PeerSignal.subject.in_(retractions[i:i + 900]),
            PeerSignal.active.is_(True))) or 0
    subjects = list({e["subject"] for e in kept})
    for i in range(0, len(subjects), 900):
        session.execute(update(PeerSignal).where(
            PeerSignal.peer == peer.name, PeerSignal.subject.in_(subjects[i:i + 900]), PeerSignal.active.is_(True),
        ).values(active=False))
    final = {e["subject"]: e["seq"] for e in kept}  # within a page, the last entry on a subject wins
    rows = [{"peer": peer.name, "seq": e["seq"], "kind": e["kind"], "subject": e["subject"],
             "payload": e["payload"], "active": e["kind"] != "retraction" and final[e["subject"]] == e["seq"]}
            for e in kept]
    for i in range(0, len(rows), 10_000):
        session.execute(insert(PeerSignal), rows[i:i + 10_000])
    report.imported += len(rows)
    for e in kept:
        report.kinds[e["kind"]] = report.kinds.get(e["kind"], 0) + 1


def pull(session: Session, peer_name: str, *, fetch: Fetch = http_fetch, actor: str = "cli",
         page_limit: int = 10_000) -> PullReport:
    """Import every new entry of `peer_name`'s feed within the caller's transaction. Every page is
    verified whole before it is stored; on FeedRejected the caller rolls back, so nothing is imported."""
    peer = session.get(Peer, peer_name)
    if peer is None:
        raise ValueError(f"unknown peer {peer_name!r}")
    report = PullReport(peer_name)
    while True:
        url = f"{peer.url.rstrip('/')}/alliance/v1/feed?after={peer.last_seq}&limit={page_limit}"
        page = _decode(fetch(url, peer.max_feed_bytes), peer)
        entries = verify_entries(peer, page["entries"], peer.last_seq, peer.last_hash)
        _store(session, peer, entries, report)
        report.pages += 1
        report.head = int(page.get("head") or 0)
        if entries:
            peer.last_seq = entries[-1]["seq"]
            peer.last_hash = digest(entries[-1])
        if not page.get("has_more") or not entries:
            break
    peer.last_pulled_at = datetime.now(UTC)
    peer.last_error = ""
    if report.imported or report.skipped_untrusted:
        audit.record(session, actor=actor, action="alliance.pulled", subject=f"peer:{peer.name}",
                     details={"imported": report.imported, "last_seq": peer.last_seq, "kinds": report.kinds})
    return report


def active_signals(session: Session, kind: str) -> list[PeerSignal]:
    return list(session.scalars(select(PeerSignal).where(PeerSignal.kind == kind, PeerSignal.active.is_(True))
                                .order_by(PeerSignal.peer, PeerSignal.seq)))
