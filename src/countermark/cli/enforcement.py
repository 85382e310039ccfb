"""Commands of countermark.enforcement."""

from __future__ import annotations

from countermark.cli.app import app  # noqa: F401
