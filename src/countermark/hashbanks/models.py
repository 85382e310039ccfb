"""Hash banks and their PDQ hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from countermark.storage.base import Base, utcnow


class HashBank(Base):
    """A named set of image hashes of one kind: reference (a brand's official images), counterfeit
    (images of confirmed fakes) or allow (images that must never count against anyone)."""

    __tablename__ = "hash_banks"

    bank_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[HashBankEntry]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class HashBankEntry(Base):
    __tablename__ = "hash_bank_entries"
    __table_args__ = (UniqueConstraint("bank_id", "ref_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("hash_banks.bank_id", ondelete="CASCADE"), index=True)
    ref_id: Mapped[str] = mapped_column(String(200))  # unique within its bank, e.g. "sony-ref-2", "L0001234-1"
    pdq_hex: Mapped[str] = mapped_column(String(64), index=True)
    quality: Mapped[int] = mapped_column(Integer)
    brand_id: Mapped[str | None] = mapped_column(String(200), index=True)  # not a foreign key: banks may come first
    listing_id: Mapped[str | None] = mapped_column(String(200), index=True)  # the confirmed fake it came from
    source: Mapped[str] = mapped_column(String(2000), default="")  # file it was hashed from, as given
    # Crop hashes of the image's sub-windows (images.crops.window_codes), when it was hashed from a file here.
    crop_windows: Mapped[bytes | None] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank: Mapped[HashBank] = relationship(back_populates="entries")
