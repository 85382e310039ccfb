"""Seams to capabilities owned by other areas, used only when those areas provide them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session


def _optional(module: str, name: str) -> Callable | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise


def feed_counterfeit_bank(session: Session, listing_id: str, *, brand_id: str | None, actor: str,
                          media_root: Path | None = None) -> None:
    """A confirmed takedown adds the listing's images (stored under `media_root`, the caller's
    `<data_dir>/media`) to the known-counterfeit hash bank."""
    add = _optional("countermark.hashbanks.service", "add_confirmed_counterfeit")
    if add is not None:
        add(session, listing_id, image_root=media_root, brand_id=brand_id, actor=actor)


def linked_sellers(session: Session, seller_id: str) -> list[str]:
    """Accounts the network area believes are run by the same party ([] until that capability exists)."""
    linked = _optional("countermark.network.service", "linked_sellers")
    return [s for s in linked(session, seller_id) if s != seller_id] if linked is not None else []
