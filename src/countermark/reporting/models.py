"""Prevalence audit tables: drawn samples, their strata and items, and reviewers' labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from countermark.storage.base import Base, utcnow

LABELS = ("counterfeit", "legitimate")


class AuditSample(Base):
    """One stratified random sample of active listings, with everything needed to redraw it."""

    __tablename__ = "audit_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    seed: Mapped[int] = mapped_column(BigInteger)
    margin: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    allocation: Mapped[str] = mapped_column(String(20))  # proportional | per_stratum
    min_per_stratum: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)  # active listings when drawn

    strata: Mapped[list[AuditStratum]] = relationship(cascade="all, delete-orphan", order_by="AuditStratum.stratum")


class AuditStratum(Base):
    __tablename__ = "audit_strata"

    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id", ondelete="CASCADE"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(200), primary_key=True)  # listing category
    population: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)


class AuditSampleItem(Base):
    __tablename__ = "audit_sample_items"

    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.listing_id"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)  # review order within the sample


class AuditLabel(Base):
    """One reviewer's verdict on one sampled listing; several reviewers may label the same item."""

    __tablename__ = "audit_labels"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sample_id", "listing_id"],
            ["audit_sample_items.sample_id", "audit_sample_items.listing_id"],
            ondelete="CASCADE",
        ),
    )

    sample_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(20))  # one of LABELS
    note: Mapped[str] = mapped_column(Text, default="")
    labelled_at: Mapped[datetime] = mapped_column(default=utcnow)
