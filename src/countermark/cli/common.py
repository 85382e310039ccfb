"""Helpers shared by command modules: console, errors, progress, database access."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from countermark.settings import Settings

console = Console(stderr=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
        transient=False,
    )


def settings() -> Settings:
    from countermark.settings import get_settings

    return get_settings()


@contextmanager
def database(upgrade: bool = True) -> Iterator[Engine]:
    """The configured database, migrated to the latest schema unless told otherwise."""
    from countermark.storage.engine import engine_from_settings
    from countermark.storage.migrate import upgrade as migrate

    engine = engine_from_settings(settings())
    try:
        if upgrade:
            migrate(engine, on_wait=waiting_notice(
                engine, "waiting for another countermark process to finish checking or migrating the schema of "
                "{database}"))
        yield engine
    finally:
        engine.dispose()


def waiting_notice(engine: Engine, message: str) -> Callable[[], None]:
    """An `on_wait` for a database-wide lock: prints `message`, its `{database}` naming the database."""
    text = message.format(database=engine.url.render_as_string(hide_password=True))
    return lambda: console.print(text, highlight=False, soft_wrap=True)
