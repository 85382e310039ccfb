"""Database and bundle commands: db upgrade, import, export, demo."""

from __future__ import annotations

import typer

from countermark.cli.app import app
from countermark.cli.common import console, database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Create or migrate the schema (the only way it is ever created)."""
    from countermark.storage.migrate import current, upgrade

    with database(upgrade=False) as engine:
        upgrade(engine, revision)
        console.print(f"database at revision {current(engine)}: {engine.url.render_as_string(hide_password=True)}")
