"""The root Typer application; command modules register themselves on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="countermark",
    help="Open anti-counterfeiting platform for online marketplaces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Exit codes shared by every batch command (shared/spec/bundle.md).
EXIT_OK = 0
EXIT_UNREADABLE = 2
EXIT_REJECTS = 3
