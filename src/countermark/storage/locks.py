"""Named locks that serialise whole operations (an import, a migration) on one database across processes.

PostgreSQL: a session-level advisory lock, held on a connection of its own for as long as the operation runs
(advisory locks are per database, so other databases on the same server are not affected). SQLite: an
exclusive `flock` on a lock file beside the database file (`countermark.db-import.lock`); an in-memory
database needs none. Either way the lock dies with its holder: a killed process never leaves it behind.

A lock is re-entrant within one thread (a command holding it may call services that take it again);
other threads and processes wait for it (`exclusive`, after `on_wait` has been called once to say so) or
go without it (`try_exclusive`, for work that may simply be skipped when someone else is doing it).
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

OnWait = Callable[[], None]


class _Held(threading.local):
    """The locks this thread holds, as (database URL, lock name)."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()


_held = _Held()


@contextmanager
def exclusive(engine: Engine, name: str, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the database-wide lock `name` for the duration of the block, waiting for it when taken."""
    with _holding(engine, name, on_wait or (lambda: None)):
        yield


@contextmanager
def try_exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Hold the lock `name` for the block if it is free, without waiting: yields whether it is held.

    False means another thread or process holds it; the block then runs without the lock (and should skip
    the work the lock guards).
    """
    with _holding(engine, name, None) as taken:
        yield taken


@contextmanager
def _holding(engine: Engine, name: str, on_wait: OnWait | None) -> Iterator[bool]:
    """Take the lock (waiting when `on_wait` is given, else giving up at once); yields whether it is held."""
    key = (engine.url.render_as_string(hide_password=False), name)
    held = _held.keys
    if key in held:  # re-entered by the thread that holds it
        yield True
        return
    with _acquire(engine, name, on_wait) as taken:
        if not taken:
            yield False
            return
        held.add(key)
        try:
            yield True
        finally:
            held.discard(key)


def _acquire(engine: Engine, name: str, on_wait: OnWait | None) -> AbstractContextManager[bool]:
    if engine.dialect.name == "postgresql":
        return _advisory_lock(engine, name, on_wait)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return _file_lock(Path(f"{database}-{name}.lock"), on_wait)
    return _no_lock()


def advisory_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of `name` (stable across processes and versions)."""
    digest = hashlib.blake2b(f"countermark:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(engine: Engine, name: str, on_wait: OnWait | None) -> Iterator[bool]:
    key = {"key": advisory_key(name)}
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    taken = False
    try:
        taken = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), key))
        if not taken and on_wait is not None:
            on_wait()
            conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
            taken = True
        yield taken
    finally:
        # Released explicitly first: the server ends a dropped session a moment after the client has gone, so
        # the next taker could otherwise still find the lock held.
        if taken:
            with suppress(DBAPIError):
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
        conn.invalidate()  # ending the session releases the lock whatever happened, even mid-wait
        conn.close()


@contextmanager
def _file_lock(path: Path, on_wait: OnWait | None) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:  # left in place afterwards: removing a lock file races with its next user
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is None:
                yield False
                return
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _no_lock() -> Iterator[bool]:
    yield True
