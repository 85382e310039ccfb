"""Where this instance's alliance keys live, and its name in the alliance."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from countermark.alliance.signing import load_or_create_private_key, public_key_text
from countermark.settings import Settings


@dataclass(frozen=True)
class AllianceIdentity:
    name: str
    signing_key: Ed25519PrivateKey
    secret: bytes  # shared by all members: keys the hashes of identifiers

    @property
    def public_key(self) -> str:
        return public_key_text(self.signing_key)


def alliance_dir(settings: Settings) -> Path:
    return settings.data_dir / "alliance"


def load_secret(settings: Settings) -> bytes:
    """The alliance secret, from `COUNTERMARK_ALLIANCE_SECRET` or `<data_dir>/alliance/secret`; empty when
    unset, and then identifiers are never published or compared."""
    secret = settings.alliance_secret
    path = alliance_dir(settings) / "secret"
    if not secret and path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
    return secret.encode("utf-8")


def load_identity(settings: Settings) -> AllianceIdentity:
    """The instance's signing key (created on first use) and the alliance secret."""
    key = load_or_create_private_key(alliance_dir(settings) / "ed25519.pem")
    return AllianceIdentity(settings.instance_name, key, load_secret(settings))


def new_secret() -> str:
    return secrets.token_hex(32)
