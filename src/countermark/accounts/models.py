"""Users, their scopes, API tokens, browser sessions, webhook subscriptions and the delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from countermark.storage.base import Base, utcnow

ROLES = ("admin", "reviewer", "rights_holder", "notifier", "seller", "investigator")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(1000), default="")
    email: Mapped[str] = mapped_column(String(1000), default="")
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    brand_scopes: Mapped[list[BrandScope]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    storefront_scopes: Mapped[list[StorefrontScope]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class BrandScope(Base):
    """A brand a rights holder or notifier acts for."""

    __tablename__ = "user_brand_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)


class StorefrontScope(Base):
    """A seller account a seller user operates (the seller need not be imported yet)."""

    __tablename__ = "user_storefront_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class ApiToken(Base):
    """A bearer token for systems; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A browser login; the cookie carries the token, the database only its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class WebhookSubscription(Base):
    """An HTTPS endpoint a rights holder registered for events about one of its brands."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # HMAC key shared with the receiver: it must be kept in clear to sign, and is shown once on creation.
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list] = mapped_column(JSON, default=list)  # empty means every event
    # Audit sequence number at registration: only later events are sent.
    from_seq: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscription, retried with backoff until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    # An event is queued once per subscription, even if two relays race.
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON)
    # pending | delivered | failed
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookRelayState(Base):
    """How far the webhook relay has read the audit log (events are derived from audit entries)."""

    __tablename__ = "webhook_relay_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
