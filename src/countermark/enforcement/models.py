"""Enforcement tables: audit log, notifiers, notices, review queue, decisions, statements of reasons,
counter-notices, strikes, sanctions. Timestamps, lanes, automation flags and outcomes are explicit
columns so that reporting is plain SQL (see docs/enforcement.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Notifier(Base):
    """Who sends notices (DSA Art. 16 identity and contact), with earned lane and sanction state."""

    __tablename__ = "notifiers"

    notifier_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    email: Mapped[str] = mapped_column(String(1000))
    address: Mapped[str] = mapped_column(Text, default="")
    # Username of the web account that acts for this notifier (accounts live in the web area).
    account: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime]
    # Expedited lane (automatic removal on notice), earned by accuracy and re-checked daily.
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    expedited_since: Mapped[datetime | None]
    lane_checked_at: Mapped[datetime | None]
    # Art. 23 sanctions: a warning, then intake refused until `intake_suspended_until`.
    warned_at: Mapped[datetime | None]
    intake_suspended_until: Mapped[datetime | None]

    brands: Mapped[list[NotifierBrand]] = relationship(cascade="all, delete-orphan")


class NotifierBrand(Base):
    """A brand the notifier is entitled to send notices for."""

    __tablename__ = "notifier_brands"

    notifier_id: Mapped[str] = mapped_column(ForeignKey("notifiers.notifier_id", ondelete="CASCADE"), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)


class Notice(Base):
    """One notice (DSA Art. 16): who, which right, where (its review items), why, in good faith."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("notifier_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notifier_id: Mapped[str] = mapped_column(ForeignKey("notifiers.notifier_id"), index=True)
    # A retried submission with the same key returns the first notice instead of creating another.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the content, to tell retries from reuse
    # Identity and contact as given in this notice.
    notifier_name: Mapped[str] = mapped_column(String(1000))
    notifier_email: Mapped[str] = mapped_column(String(1000))
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id"), index=True)
    trademark_id: Mapped[int | None] = mapped_column(ForeignKey("trademarks.id"))
    trademark_registration: Mapped[str] = mapped_column(String(100))
    explanation: Mapped[str] = mapped_column(Text)
    good_faith: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(20))  # single | csv | api
    lane: Mapped[str] = mapped_column(String(20), index=True)  # expedited | normal (at receipt)
    received_at: Mapped[datetime] = mapped_column(index=True)
    # open until every listing of the notice is decided, then closed
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    closed_at: Mapped[datetime | None]
    source_file: Mapped[str | None] = mapped_column(String(1000))
    source_line: Mapped[int | None]


class ReviewItem(Base):
    """One listing to review: from a notice (one item per listing named) or a proactive detection flag."""

    __tablename__ = "review_items"
    # Proactive flags are keyed by listing + engine version so a re-scan never duplicates them
    # (notice items have no engine version, and NULLs never collide).
    __table_args__ = (UniqueConstraint("listing_id", "engine_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20), index=True)  # notice | proactive
    lane: Mapped[str] = mapped_column(String(20), index=True)  # expedited | normal | proactive
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within the notice
    location: Mapped[str | None] = mapped_column(String(2000))  # as the notifier gave it (id or URL)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), index=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    brand_id: Mapped[str | None] = mapped_column(String(200), index=True)
    # Proactive flags: detection output.
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list | None] = mapped_column(JSON)
    matched_sku: Mapped[str | None] = mapped_column(String(200))
    engine_version: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)  # received (notice) or flagged (proactive)
    # open | info_requested | decided
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)  # removed | rejected (current)
    decided_at: Mapped[datetime | None]
    automated: Mapped[bool] = mapped_column(Boolean, default=False)  # decided by automatic means
    info_requested_at: Mapped[datetime | None]
    restored_at: Mapped[datetime | None]  # listing reinstated after a counter-notice or complaint


class Decision(Base):
    """A review decision on one item; later decisions (complaints) append, never overwrite."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    listing_id: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(20))  # remove | reject | request_info | restore | uphold
    reason: Mapped[str] = mapped_column(Text, default="")
    ground: Mapped[str | None] = mapped_column(String(40))  # trademark_law | terms_of_service (removals)
    manifestly_unfounded: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer: Mapped[str] = mapped_column(String(200))  # audit actor, e.g. user:alice or system:expedited-lane
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(index=True)


class StatementOfReasons(Base):
    """DSA Art. 17 statement issued to the seller for every restriction."""

    __tablename__ = "statements_of_reasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    listing_id: Mapped[str] = mapped_column(String(200), index=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    restriction: Mapped[str] = mapped_column(String(200))  # e.g. "removal of listing"
    facts: Mapped[str] = mapped_column(Text)  # facts and circumstances relied on
    source: Mapped[str] = mapped_column(String(20))  # notice | proactive
    automated_detection: Mapped[bool] = mapped_column(Boolean)
    automated_decision: Mapped[bool] = mapped_column(Boolean)
    ground: Mapped[str] = mapped_column(String(40))  # trademark_law | terms_of_service
    ground_detail: Mapped[str] = mapped_column(Text)  # the right or clause relied on
    redress: Mapped[str] = mapped_column(Text)  # counter-notice, internal complaint, out-of-court, courts
    issued_at: Mapped[datetime] = mapped_column(index=True)


class CounterNotice(Base):
    """A seller's counter-notice / appeal against a removal, and how it ended."""

    __tablename__ = "counter_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))  # the removal contested
    listing_id: Mapped[str] = mapped_column(String(200), index=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    notifier_id: Mapped[str | None] = mapped_column(String(200), index=True)  # None for proactive removals
    explanation: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    notifier_told_at: Mapped[datetime | None]
    restore_due_at: Mapped[datetime | None]  # business-day deadline; None when there is no notifier
    legal_action_at: Mapped[datetime | None]  # the notifier recorded court action: no automatic restore
    # open | restored (deadline passed) | legal_action | upheld | reversed (internal complaint)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    complaint_reviewer: Mapped[str | None] = mapped_column(String(200))
    complaint_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    successful: Mapped[bool | None] = mapped_column(Boolean)  # listing came back (restored or reversed)


class Strike(Base):
    """An upheld infringement counted against a seller; an appeal can lift it."""

    __tablename__ = "strikes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    listing_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)
    lifted_at: Mapped[datetime | None]
    lifted_reason: Mapped[str | None] = mapped_column(Text)


class Sanction(Base):
    """A measure against a seller (suspension, ban) or an abusive notifier (warning, intake suspension)."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(20), index=True)  # seller | notifier
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # warning | intake_suspension | suspension | ban
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(index=True)
    until: Mapped[datetime | None]  # None: permanent (bans) or not time-bound (warnings)
    lifted_at: Mapped[datetime | None]


class Notification(Base):
    """A message to a notifier or seller (counter-notice received, information requested, decisions)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient_kind: Mapped[str] = mapped_column(String(20))  # notifier | seller
    recipient_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))  # what it is about, e.g. listing:L1
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
