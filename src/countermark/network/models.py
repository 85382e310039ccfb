"""Seller-network tables: linkage keys, clusters with their evidence, ban-evasion flags, test buys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from countermark.storage.base import Base, utcnow


class NetworkRun(Base):
    """One clustering of all sellers in the database: when, with which rules and hub limit."""

    __tablename__ = "network_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sellers: Mapped[int] = mapped_column(Integer)
    clusters: Mapped[int] = mapped_column(Integer)
    hub_limit: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict] = mapped_column(JSON)


class NetworkKey(Base):
    """A normalised key of one raw identifier of a seller (a raw value may give several keys)."""

    __tablename__ = "network_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(2100), index=True)
    field: Mapped[str] = mapped_column(String(40))  # the identifier kind it came from (emails, phones, ...)
    raw: Mapped[str] = mapped_column(String(2000))


class NetworkCluster(Base):
    __tablename__ = "network_clusters"

    cluster_id: Mapped[str] = mapped_column(String(220), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class NetworkMember(Base):
    __tablename__ = "network_members"

    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("network_clusters.cluster_id", ondelete="CASCADE"),
                                            index=True)


class NetworkLink(Base):
    """Evidence: a key held by two or more members of a cluster (hub keys never appear here)."""

    __tablename__ = "network_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(ForeignKey("network_clusters.cluster_id", ondelete="CASCADE"),
                                            index=True)
    key: Mapped[str] = mapped_column(String(2100))
    weight: Mapped[float] = mapped_column(Float)
    seller_ids: Mapped[list] = mapped_column(JSON)


class NetworkHub(Base):
    """A key held by so many sellers that it is infrastructure (fulfilment centre, marketplace IP)."""

    __tablename__ = "network_hubs"

    key: Mapped[str] = mapped_column(String(2100), primary_key=True)
    sellers: Mapped[int] = mapped_column(Integer)


class BanEvasionFlag(Base):
    """A seller linked to a banned account; held for review until someone decides."""

    __tablename__ = "network_ban_evasion_flags"

    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(String(220), index=True)
    banned_seller_ids: Mapped[list] = mapped_column(JSON)
    evidence: Mapped[list] = mapped_column(JSON)  # [{"key", "sellers": [...]}, ...]
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | confirmed | dismissed
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class TestBuy(Base):
    """An order placed with a seller to authenticate the goods; a failed authentication is strong evidence."""

    __tablename__ = "network_test_buys"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ordered_on: Mapped[str] = mapped_column(String(10), index=True)  # ISO date
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), index=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id"), index=True)
    price_paid: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    item_received: Mapped[bool] = mapped_column(Boolean, default=False)
    received_on: Mapped[str | None] = mapped_column(String(10))
    # pending | genuine | counterfeit | inconclusive
    authentication: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    photos: Mapped[list] = mapped_column(JSON, default=list)  # paths in the media store
    shipped_from: Mapped[str | None] = mapped_column(String(8))  # origin country on the parcel
    declared_supplier: Mapped[str | None] = mapped_column(String(1000), index=True)  # invoice / customs form
    brand_id: Mapped[str | None] = mapped_column(String(200))
    brand_verdict: Mapped[str | None] = mapped_column(Text)  # the rights holder's statement on the item
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
