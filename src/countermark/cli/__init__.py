"""`countermark` command line: one module per area, all registered on one Typer app."""

from __future__ import annotations

import importlib

from countermark.cli.app import app

COMMAND_MODULES = (
    "data",
    "detection",
    "images",
    "network",
    "enforcement",
    "reporting",
    "web",
    "alliance",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"countermark.cli.{_name}")


def main() -> None:
    app()
