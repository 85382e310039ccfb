"""Commands of countermark.network."""

from __future__ import annotations

from countermark.cli.app import app  # noqa: F401
