"""Enforcement tables: audit log, notifiers, notices, review queue, decisions, statements of reasons,
counter-notices, strikes, sanctions. Timestamps, lanes, automation flags and outcomes are explicit
columns so that reporting is plain SQL (see docs/enforcement.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from countermark.storage.base import Base


class AuditEntry(Base):
    """One append-only, hash-chained audit entry (written only by `enforcement.audit`)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
