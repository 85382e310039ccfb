"""Keyed hashes of normalised identifiers: peers can compare them, nobody can read them back. Pure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from countermark.network.identifiers import normalise

# Identifier kinds strong enough to name an actor across marketplaces (IP ranges and devices are not).
SHARED_KINDS = ("emails", "phones", "payout_accounts", "addresses", "websites")


def keyed_hash(secret: bytes, key: str) -> str:
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()


def identifier_hashes(secret: bytes, identifiers: Mapping[str, Iterable[str]], country: str = "") -> set[str]:
    """HMAC-SHA-256 of every normalised key of a seller's shareable identifiers."""
    out: set[str] = set()
    for kind in SHARED_KINDS:
        for raw in identifiers.get(kind, ()):
            out.update(keyed_hash(secret, key) for key in normalise(kind, raw, country=country))
    return out
