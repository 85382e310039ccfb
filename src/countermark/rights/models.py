"""Brands protected by rights holders, their trademarks, authentication profile and catalogue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from countermark.storage.base import Base, utcnow


class Brand(Base):
    __tablename__ = "brands"

    brand_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(1000), default="")
    categories: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trademarks: Mapped[list[Trademark]] = relationship(
        back_populates="brand", cascade="all, delete-orphan", order_by="Trademark.position"
    )
    aliases: Mapped[list[BrandAlias]] = relationship(cascade="all, delete-orphan", order_by="BrandAlias.position")
    red_flag_terms: Mapped[list[RedFlagTerm]] = relationship(
        cascade="all, delete-orphan", order_by="RedFlagTerm.position"
    )
    reference_images: Mapped[list[ReferenceImage]] = relationship(
        cascade="all, delete-orphan", order_by="ReferenceImage.position"
    )
    authorized_sellers: Mapped[list[AuthorizedSeller]] = relationship(
        cascade="all, delete-orphan", order_by="AuthorizedSeller.position"
    )
    products: Mapped[list[Product]] = relationship(cascade="all, delete-orphan", order_by="Product.position")


class Trademark(Base):
    __tablename__ = "trademarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    mark: Mapped[str] = mapped_column(String(1000))
    office: Mapped[str] = mapped_column(String(100), default="")
    registration_number: Mapped[str] = mapped_column(String(100), default="")
    classes: Mapped[list] = mapped_column(JSON, default=list)
    # unverified | verified | rejected: set by an admin, never by the rights holder
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")

    brand: Mapped[Brand] = relationship(back_populates="trademarks")


class BrandAlias(Base):
    __tablename__ = "brand_aliases"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias: Mapped[str] = mapped_column(String(1000))


class RedFlagTerm(Base):
    __tablename__ = "brand_red_flag_terms"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(1000))


class ReferenceImage(Base):
    __tablename__ = "brand_reference_images"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(2000))


class AuthorizedSeller(Base):
    """A seller account the brand has authorised; the seller need not be imported yet."""

    __tablename__ = "authorized_sellers"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[str] = mapped_column(String(200), index=True)


class Product(Base):
    """One genuine catalogue item with its list price."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("brand_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.brand_id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    model_numbers: Mapped[list] = mapped_column(JSON, default=list)
    msrp: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    category: Mapped[str] = mapped_column(String(200), default="")
    images: Mapped[list] = mapped_column(JSON, default=list)
