"""This instance's feed: append signed entries (deduplicated by content), serve pages of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.alliance.config import AllianceIdentity
from countermark.alliance.models import FEED_KINDS, FeedEntry
from countermark.alliance.signing import digest, sign
from countermark.enforcement import audit

FORMAT = "countermark-alliance-feed"
VERSION = 1
GENESIS = "0" * 64
PAGE_LIMIT = 10_000


@dataclass(frozen=True)
class Draft:
    kind: str
    subject: str
    payload: dict[str, Any]


def unsigned_entry(seq: int, kind: str, subject: str, published_at: str, payload: dict[str, Any],
                   prev: str) -> dict[str, Any]:
    return {"seq": seq, "kind": kind, "subject": subject, "published_at": published_at, "payload": payload,
            "prev": prev}


def entry_json(entry: FeedEntry) -> dict[str, Any]:
    return unsigned_entry(entry.seq, entry.kind, entry.subject, entry.published_at, entry.payload,
                          entry.prev) | {"signature": entry.signature}


def _latest_by_subject(session: Session) -> dict[str, FeedEntry]:
    latest: dict[str, FeedEntry] = {}
    for entry in session.scalars(select(FeedEntry).order_by(FeedEntry.seq)):
        latest[entry.subject] = entry
    return latest


def append(session: Session, identity: AllianceIdentity, drafts: Iterable[Draft], *, actor: str = "cli",
           retract_missing_kinds: Iterable[str] = ()) -> list[FeedEntry]:
    """Append the drafts whose content changed since their subject's last entry; with
    `retract_missing_kinds`, subjects of those kinds that are no longer drafted are retracted."""
    latest = _latest_by_subject(session)
    last = session.scalar(select(FeedEntry).order_by(FeedEntry.seq.desc()).limit(1))
    seq, prev = (last.seq, digest(entry_json(last))) if last else (0, GENESIS)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    drafts = list(drafts)
    drafted = {d.subject for d in drafts}
    retract = set(retract_missing_kinds)
    for subject, entry in latest.items():
        if entry.kind in retract and subject not in drafted:
            drafts.append(Draft("retraction", subject, {"retracts": entry.seq}))
    added: list[FeedEntry] = []
    for draft in drafts:
        if draft.kind not in FEED_KINDS:
            raise ValueError(f"unknown feed kind {draft.kind!r}")
        content = digest({"kind": draft.kind, "payload": draft.payload})
        current = latest.get(draft.subject)
        if current is not None and current.content_digest == content:
            continue
        if draft.kind == "retraction" and (current is None or current.kind == "retraction"):
            continue
        seq += 1
        body = unsigned_entry(seq, draft.kind, draft.subject, now, draft.payload, prev)
        entry = FeedEntry(seq=seq, kind=draft.kind, subject=draft.subject, content_digest=content, published_at=now,
                          payload=draft.payload, prev=prev, signature=sign(identity.signing_key, body))
        session.add(entry)
        latest[draft.subject] = entry
        prev = digest(body | {"signature": entry.signature})
        added.append(entry)
    if added:
        session.flush()
        audit.record(session, actor=actor, action="alliance.published", subject=f"alliance:{identity.name}",
                     details={"entries": len(added), "first_seq": added[0].seq, "last_seq": added[-1].seq})
    return added


def page(session: Session, identity: AllianceIdentity, after: int, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    limit = max(1, min(limit, PAGE_LIMIT))
    entries = list(session.scalars(select(FeedEntry).where(FeedEntry.seq > after).order_by(FeedEntry.seq)
                                   .limit(limit + 1)))
    head = session.scalar(select(func.max(FeedEntry.seq))) or 0
    return {"format": FORMAT, "version": VERSION, "instance": identity.name, "public_key": identity.public_key,
            "head": head, "entries": [entry_json(e) for e in entries[:limit]], "has_more": len(entries) > limit}
