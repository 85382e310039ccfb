"""`try_exclusive`: the non-blocking way into a database-wide lock, on SQLite (lock file) and PostgreSQL (advisory)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from countermark.storage.engine import make_engine
from countermark.storage.locks import exclusive, try_exclusive

HOLD = """
import sys
from countermark.storage.engine import make_engine
from countermark.storage.locks import exclusive
with exclusive(make_engine(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
"""


def other_thread_tries(engine, name: str) -> bool:
    result: list[bool] = []

    def run() -> None:
        with try_exclusive(engine, name) as taken:
            result.append(taken)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return result[0]


@contextmanager
def held_by_another_process(db_url: str, name: str) -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, db_url, name], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_a_free_lock_is_taken_held_for_the_block_and_released(engine):
    with try_exclusive(engine, "job") as taken:
        assert taken
        assert not other_thread_tries(engine, "job")
        assert other_thread_tries(engine, "another-job")  # locks are per name
    assert other_thread_tries(engine, "job")


def test_gives_up_at_once_while_another_process_holds_the_lock(engine, db_url):
    with held_by_another_process(db_url, "job"):
        started = time.monotonic()
        with try_exclusive(engine, "job") as taken:
            assert not taken
        assert time.monotonic() - started < 2
    with try_exclusive(engine, "job") as taken:  # the holder is gone
        assert taken


def test_is_reentrant_in_the_thread_that_holds_the_lock(engine):
    with exclusive(engine, "job"), try_exclusive(engine, "job") as taken:
        assert taken
        with try_exclusive(engine, "job") as again:
            assert again
        assert not other_thread_tries(engine, "job")  # the inner block did not release it
    assert other_thread_tries(engine, "job")


def test_an_exception_in_the_block_releases_the_lock(engine):
    with pytest.raises(RuntimeError), try_exclusive(engine, "job") as taken:
        assert taken
        raise RuntimeError("boom")
    assert other_thread_tries(engine, "job")


def test_a_waiting_exclusive_gets_the_lock_when_the_try_holder_lets_go(engine):
    waited = threading.Event()
    got: list[float] = []

    def wait_for_it() -> None:
        with exclusive(engine, "job", on_wait=waited.set):
            got.append(time.monotonic())

    with try_exclusive(engine, "job") as taken:
        assert taken
        thread = threading.Thread(target=wait_for_it)
        thread.start()
        assert waited.wait(10)
        released = time.monotonic()
    thread.join(10)
    assert got and got[0] >= released


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_needs_no_lock(url: str):
    engine = make_engine(url)
    try:
        with try_exclusive(engine, "job") as taken:
            assert taken and other_thread_tries(engine, "job")
    finally:
        engine.dispose()
