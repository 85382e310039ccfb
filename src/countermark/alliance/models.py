"""Alliance tables: our published feed, our peers, and the signals imported from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from countermark.storage.base import Base, utcnow

FEED_KINDS = ("profile", "counterfeit_hash", "banned_actor", "vocabulary", "retraction")


class FeedEntry(Base):
    """One entry of this instance's append-only feed, signed when appended."""

    __tablename__ = "alliance_feed"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    # What the entry is about (e.g. "brand:sony", "pdq:<hex>", "actor:<hash>"); a newer entry on the same
    # subject supersedes an older one, a retraction withdraws it.
    subject: Mapped[str] = mapped_column(String(300), index=True)
    content_digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    prev: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)


class Peer(Base):
    __tablename__ = "alliance_peers"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    public_key: Mapped[str] = mapped_column(String(100))
    trust_profiles: Mapped[bool] = mapped_column(Boolean, default=True)
    trust_hashes: Mapped[bool] = mapped_column(Boolean, default=True)
    trust_actors: Mapped[bool] = mapped_column(Boolean, default=True)
    trust_vocabulary: Mapped[bool] = mapped_column(Boolean, default=True)
    max_feed_bytes: Mapped[int] = mapped_column(Integer, default=64 * 1024 * 1024)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    last_pulled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerSignal(Base):
    """A signal imported from a peer; `active` is false once its publisher retracted or superseded it."""

    __tablename__ = "alliance_signals"
    __table_args__ = (UniqueConstraint("peer", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    peer: Mapped[str] = mapped_column(ForeignKey("alliance_peers.name", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
