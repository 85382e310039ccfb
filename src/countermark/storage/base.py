"""Declarative base shared by every domain's models; all tables live in one metadata."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON, list: JSON}


def utcnow() -> datetime:
    return datetime.now(UTC)


def all_models() -> MetaData:
    """Import every domain's models so that `Base.metadata` holds all tables."""
    import importlib
    import pkgutil

    import countermark

    for module in pkgutil.iter_modules(countermark.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"countermark.{module.name}.models")
            except ModuleNotFoundError as e:
                if e.name != f"countermark.{module.name}.models":
                    raise
    return Base.metadata
