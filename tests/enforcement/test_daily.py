"""The daily job is idempotent and its runs take turns (a database-wide lock): CLI, cron and servers alike."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from countermark.enforcement.daily import daily_lock, run_daily_exclusively, try_run_daily
from countermark.enforcement.models import AuditEntry, Decision, Notification
from countermark.storage.engine import make_engine, transaction
from tests.enforcement.helpers import chain_ok, contested_removal, listing_status


def _count(engine, column) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count(column)))


def test_running_the_job_again_changes_nothing(market):
    listing = contested_removal(market)
    first = run_daily_exclusively(market)
    assert first.restored == [listing] and listing_status(market, listing) == "active"
    entries, notes = _count(market, AuditEntry.seq), _count(market, Notification.id)
    again = run_daily_exclusively(market)
    assert (again.restored, again.reinstated, again.lane_changes) == ([], [], [])
    assert (_count(market, AuditEntry.seq), _count(market, Notification.id)) == (entries, notes)


def test_concurrent_runs_take_turns_and_restore_once(market, db_url):
    listing = contested_removal(market)
    start = threading.Barrier(4)
    waited: list[int] = []

    def run(i: int) -> list[str]:
        engine = make_engine(db_url)  # as if four processes
        try:
            start.wait()
            return run_daily_exclusively(engine, on_wait=lambda: waited.append(i)).restored
        finally:
            engine.dispose()

    with ThreadPoolExecutor(4) as pool:
        restored = [r for f in [pool.submit(run, i) for i in range(4)] for r in f.result()]
    assert restored == [listing]
    with transaction(market) as session:
        assert session.scalar(select(func.count()).select_from(Decision).where(Decision.action == "restore")) == 1
    assert waited, "the runs did not overlap"
    assert chain_ok(market)


def test_a_try_skips_while_a_run_is_in_progress(market):
    listing = contested_removal(market)
    holder = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with daily_lock(market):
            holder.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holder.wait(10)
        assert try_run_daily(market) is None
        assert listing_status(market, listing) == "removed"
    finally:
        release.set()
        thread.join()
    assert try_run_daily(market).restored == [listing]


@pytest.mark.slow  # a countermark process of its own (~3 s)
def test_the_daily_command_waits_for_a_run_in_progress_and_says_so(market, db_url, tmp_path):
    listing = contested_removal(market)
    stderr = tmp_path / "daily.stderr"
    cmd = [sys.executable, "-c", "from countermark.cli import main; main()", "enforcement", "daily"]
    with daily_lock(market):  # e.g. a server's housekeeping round
        with stderr.open("wb") as err:
            proc = subprocess.Popen(cmd, env=dict(os.environ, COUNTERMARK_DATABASE_URL=db_url),
                                    stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 60
        while "waiting for another run of the daily job" not in stderr.read_text():
            assert proc.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "no waiting message"
            time.sleep(0.05)
        assert listing_status(market, listing) == "removed", "the waiting command ran the job"
    assert proc.wait(timeout=60) == 0, stderr.read_text()
    assert "restored 1 listings" in stderr.read_text()
    assert listing_status(market, listing) == "active"


def _race(engine, first, second) -> Exception | None:
    """`first` runs in a transaction that stays open 0.5 s after it wrote; `second` starts meanwhile, reads
    before `first` commits and writes after. Returns what `second` raised, if anything."""
    wrote, outcome = threading.Event(), []

    def run_first() -> None:
        with transaction(engine) as session:
            first(session)
            session.flush()
            wrote.set()
            time.sleep(0.5)

    def run_second() -> None:
        try:
            with transaction(engine) as session:
                second(session)
        except Exception as e:  # noqa: BLE001 (reported to the test)
            outcome.append(e)

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    threads[0].start()
    assert wrote.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join(30)
    return outcome[0] if outcome else None


@pytest.mark.parametrize("first", ["complaint", "daily job"])
def test_a_complaint_racing_the_deadline_resolves_the_counter_notice_once(market, first):
    """A reviewer upholds the removal just as the job finds the deadline passed: exactly one of them wins."""
    from countermark.enforcement import service
    from countermark.enforcement.models import CounterNotice

    listing = contested_removal(market)
    with transaction(market) as session:
        counter_id = session.scalar(select(CounterNotice.id))

    def complaint(session) -> None:
        service.decide_complaint(session, counter_id, reviewer="user:bob", outcome="upheld", reason="logo is fake")

    def job(session) -> None:
        service.run_daily(session)

    error = _race(market, complaint, job) if first == "complaint" else _race(market, job, complaint)
    with transaction(market) as session:
        status = session.get(CounterNotice, counter_id).status
        actions = session.scalars(select(Decision.action).order_by(Decision.id)).all()
    if first == "complaint":
        assert error is None
        assert (status, actions, listing_status(market, listing)) == ("upheld", ["remove", "uphold"], "removed")
    else:
        assert isinstance(error, service.NotAllowed), error
        assert (status, actions, listing_status(market, listing)) == ("restored", ["remove", "restore"], "active")
    assert chain_ok(market)
