"""Seller accounts with their raw identifiers, and their listings with images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from countermark.storage.base import Base, utcnow


class Seller(Base):
    __tablename__ = "sellers"

    seller_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(1000), default="")
    country: Mapped[str] = mapped_column(String(8), default="")
    registered_at: Mapped[str] = mapped_column(String(40), default="")  # ISO date as given
    # active | suspended | banned (changed only by enforcement)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    identifiers: Mapped[list[SellerIdentifier]] = relationship(
        cascade="all, delete-orphan", order_by="(SellerIdentifier.kind, SellerIdentifier.position)"
    )


class SellerIdentifier(Base):
    """One identifier exactly as the seller entered it (normalisation belongs to `network`)."""

    __tablename__ = "seller_identifiers"

    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # one of records.IDENTIFIER_KINDS
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(2000))


class Listing(Base):
    __tablename__ = "listings"

    listing_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("sellers.seller_id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    category: Mapped[str] = mapped_column(String(200), default="", index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    ships_from: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[str] = mapped_column(String(40), default="")  # ISO-8601 as given
    # active | removed (by enforcement; restored listings are active again)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)

    images: Mapped[list[ListingImage]] = relationship(cascade="all, delete-orphan", order_by="ListingImage.position")


class ListingImage(Base):
    __tablename__ = "listing_images"

    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(2000))
