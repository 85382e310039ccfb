"""This instance's feed: append signed entries (deduplicated by content), serve pages of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
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


def _latest_by_subject(session: Session, subjects: Iterable[str]) -> dict[str, tuple[int, str, str]]:
    """subject -> (seq, kind, content digest) of its latest entry, for the given subjects."""
    latest: dict[str, tuple[int, str, str]] = {}
    wanted = list(dict.fromkeys(subjects))
    for i in range(0, len(wanted), 900):
        rows = session.execute(select(FeedEntry.subject, FeedEntry.seq, FeedEntry.kind, FeedEntry.content_digest)
                               .where(FeedEntry.subject.in_(wanted[i:i + 900])).order_by(FeedEntry.seq))
        for subject, seq, kind, content in rows:
            latest[subject] = (seq, kind, content)
    return latest


def _published_subjects(session: Session, kinds: set[str]) -> dict[str, tuple[int, str, str]]:
    """Latest entry of every subject whose entries are of `kinds` (for retracting what is gone)."""
    if not kinds:
        return {}
    subjects = session.scalars(select(FeedEntry.subject).where(FeedEntry.kind.in_(kinds)).distinct())
    return {k: v for k, v in _latest_by_subject(session, subjects).items() if v[1] in kinds}


def append(session: Session, identity: AllianceIdentity, drafts: Iterable[Draft], *, actor: str = "cli",
           retract_missing_kinds: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Append the drafts whose content changed since their subject's last entry, signed and chained;
    with `retract_missing_kinds`, published subjects of those kinds that are no longer drafted are
    retracted. Returns the appended entries as served to peers."""
    drafts = list(drafts)
    latest = _latest_by_subject(session, (d.subject for d in drafts))
    drafted = {d.subject for d in drafts}
    for subject, (seq_of, _, _) in _published_subjects(session, set(retract_missing_kinds)).items():
        if subject not in drafted:
            drafts.append(Draft("retraction", subject, {"retracts": seq_of}))
            latest.setdefault(subject, _latest_by_subject(session, [subject])[subject])
    last = session.scalar(select(FeedEntry).order_by(FeedEntry.seq.desc()).limit(1))
    seq, prev = (last.seq, digest(entry_json(last))) if last else (0, GENESIS)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for draft in drafts:
        if draft.kind not in FEED_KINDS:
            raise ValueError(f"unknown feed kind {draft.kind!r}")
        content = digest({"kind": draft.kind, "payload": draft.payload})
        current = latest.get(draft.subject)
        if current is not None and current[2] == content:
            continue
        if draft.kind == "retraction" and (current is None or current[1] == "retraction"):
            continue
        seq += 1
        body = unsigned_entry(seq, draft.kind, draft.subject, now, draft.payload, prev)
        entry = body | {"signature": sign(identity.signing_key, body)}
        rows.append(entry | {"content_digest": content})
        added.append(entry)
        latest[draft.subject] = (seq, draft.kind, content)
        prev = digest(entry)
    for i in range(0, len(rows), 10_000):
        session.execute(insert(FeedEntry), rows[i:i + 10_000])
    if added:
        audit.record(session, actor=actor, action="alliance.published", subject=f"alliance:{identity.name}",
                     details={"entries": len(added), "first_seq": added[0]["seq"], "last_seq": added[-1]["seq"]})
    return added


def page(session: Session, identity: AllianceIdentity, after: int, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    limit = max(1, min(limit, PAGE_LIMIT))
    entries = list(session.scalars(select(FeedEntry).where(FeedEntry.seq > after).order_by(FeedEntry.seq)
                                   .limit(limit + 1)))
    head = session.scalar(select(func.max(FeedEntry.seq))) or 0
    return {"format": FORMAT, "version": VERSION, "instance": identity.name, "public_key": identity.public_key,
            "head": head, "entries": [entry_json(e) for e in entries[:limit]], "has_more": len(entries) > limit}
