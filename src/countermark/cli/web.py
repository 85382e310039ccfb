"""Commands of countermark.web."""

from __future__ import annotations

from countermark.cli.app import app  # noqa: F401
