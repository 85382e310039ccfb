"""Append-only, hash-chained audit log: every state change in every area is recorded here.

Each entry stores the SHA-256 of the previous entry's canonical JSON (`prev_hash`) and its own
(`hash`), so an edit, deletion or reordering anywhere breaks the chain from that entry on.
Writers are serialised (PostgreSQL advisory lock; SQLite's single writer) and `seq` is the primary
key, so two concurrent writers can never fork the chain: the loser fails and rolls back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from countermark.enforcement.bulkdb import insert_rows
from countermark.enforcement.models import AuditEntry

GENESIS = "0" * 64
# Arbitrary constant identifying the audit-log writer lock (pg_advisory_xact_lock key).
_PG_LOCK_KEY = 0x636D_6175_6469_74  # "cmaudit"
FIELDS = ("seq", "at", "actor", "action", "subject", "details", "prev_hash")


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds; naive values (SQLite drops the zone) are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(entry: Mapping[str, Any]) -> str:
    """The exact bytes that are hashed: chained fields only, sorted keys, no whitespace."""
    return json.dumps({k: entry[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(entry).encode("utf-8")).hexdigest()


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as exported: the chained fields plus its hash."""
    return {
        "seq": entry.seq,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _lock_and_read_head(session: Session) -> AuditEntry | None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    else:
        # Take SQLite's write lock before reading the head, so no other writer can append in between.
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0 = 1"))
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction (it commits or rolls back with the change)."""
    (row,) = _chain(session, [(actor, action, subject, details)], at)
    entry = AuditEntry(**{**row, "at": datetime.fromisoformat(row["at"])})
    session.add(entry)
    session.flush()
    return entry


def record_many(
    session: Session,
    events: Iterable[tuple[str, str, str, dict | None]],
    *,
    at: datetime | None = None,
) -> int:
    """Append several (actor, action, subject, details) entries under one lock, in order (bulk insert)."""
    rows = _chain(session, events, at)
    if rows:
        insert_rows(session, AuditEntry, [{**row, "at": datetime.fromisoformat(row["at"])} for row in rows])
    return len(rows)


def _chain(
    session: Session, events: Iterable[tuple[str, str, str, dict | None]], at: datetime | None
) -> list[dict[str, Any]]:
    head = _lock_and_read_head(session)
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    moment = iso(at or datetime.now(UTC))
    rows = []
    for actor, action, subject, details in events:
        seq += 1
        row = {
            "seq": seq,
            "at": moment,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": _json_native(details or {}),
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    return rows


def _json_native(details: dict) -> dict:
    """Details exactly as they will be stored and read back, so the stored entry re-hashes the same."""
    try:
        json.dumps(details, allow_nan=False, sort_keys=True)
        return details
    except (TypeError, ValueError):
        return json.loads(json.dumps(details, default=str))


@dataclass(frozen=True)
class Break:
    index: int  # position in the sequence checked (0-based)
    seq: Any  # the entry's own sequence number, as found
    reason: str


def find_break(entries: Iterable[AuditEntry | Mapping[str, Any]]) -> Break | None:
    """The first entry where the chain is broken, with why; None when intact."""
    prev_hash, prev_seq = GENESIS, 0
    for index, raw in enumerate(entries):
        entry = as_dict(raw) if isinstance(raw, AuditEntry) else raw
        seq = entry.get("seq")
        missing = [k for k in (*FIELDS, "hash") if k not in entry]
        if missing:
            return Break(index, seq, f"missing fields {', '.join(missing)}")
        if entry["prev_hash"] != prev_hash:
            return Break(index, seq, "prev_hash does not match the previous entry (entry deleted, inserted or moved)")
        if entry_hash(entry) != entry["hash"]:
            return Break(index, seq, "content does not match its hash (entry edited)")
        if seq != prev_seq + 1:
            return Break(index, seq, f"sequence number {seq} follows {prev_seq}")
        prev_hash, prev_seq = entry["hash"], seq
    return None


def verify_chain(entries: Iterable[AuditEntry | Mapping[str, Any]]) -> int | None:
    """Index of the first broken entry, or None when the whole chain verifies."""
    broken = find_break(entries)
    return None if broken is None else broken.index


def stored_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    """Every stored entry in chain order, streamed."""
    yield from session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch))


def export_jsonl(session: Session, out: Path, on_entry: Callable[[], None] | None = None) -> int:
    """Write the whole log as JSON lines (one entry per line); returns the number written."""
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for entry in stored_entries(session):
            fh.write(json.dumps(as_dict(entry), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
            if on_entry:
                on_entry()
    return count


class UnreadableExport(ValueError):
    """The export file is not JSON lines."""


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, entry) for every non-blank line of an export."""
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError as e:
                raise UnreadableExport(f"{path}:{line_no}: not UTF-8") from e
            except json.JSONDecodeError as e:
                raise UnreadableExport(f"{path}:{line_no}: not JSON ({e.msg})") from e
            if not isinstance(entry, dict):
                raise UnreadableExport(f"{path}:{line_no}: not a JSON object")
            yield line_no, entry


@dataclass(frozen=True)
class Verification:
    entries: int  # entries read (up to and including the first broken one)
    broken: Break | None
    where: str  # where the broken entry is: "line N" of an export or "position N" in the database


def verify_export(path: Path) -> Verification:
    """Stream an export file through the chain check."""
    seen = {"count": 0, "line": 0}

    def entries() -> Iterator[dict[str, Any]]:
        for line_no, entry in read_jsonl(path):
            seen["count"], seen["line"] = seen["count"] + 1, line_no
            yield entry

    broken = find_break(entries())
    return Verification(seen["count"], broken, f"line {seen['line']}")


def verify_stored(session: Session) -> Verification:
    """Stream the stored log through the chain check."""
    seen = {"count": 0}

    def entries() -> Iterator[AuditEntry]:
        for entry in stored_entries(session):
            seen["count"] += 1
            yield entry

    broken = find_break(entries())
    return Verification(seen["count"], broken, f"position {seen['count']}")
