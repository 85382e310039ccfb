"""The server enforces counter-notice deadlines by itself: the daily job at start-up and every interval, one
runner at a time across processes, surviving failed rounds, stopping with the server."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from countermark.enforcement.daily import daily_lock
from countermark.enforcement.models import Decision
from countermark.enforcement.policy import DEFAULT_POLICY
from countermark.settings import Settings
from countermark.storage.engine import transaction
from countermark.web.app import create_app
from countermark.web.housekeeping import Housekeeper, Round, housekeeper_for
from tests.enforcement.conftest import seed_marketplace
from tests.enforcement.helpers import chain_ok, contested_removal, listing_status

FAST = 0.05  # seconds between rounds in these tests (the server's default is 60 minutes)


@pytest.fixture
def overdue(engine: Engine) -> str:
    """A listing whose counter-notice deadline passed weeks ago, still removed: nobody ran the daily job."""
    seed_marketplace(engine, sellers=1, listings_per_seller=2)
    return contested_removal(engine)


def wait_until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def next_run(rounds: queue.Queue[Round]) -> Round:
    """The next round that ran the job (skipped and failed rounds are passed over)."""
    while True:
        done = rounds.get(timeout=15)
        if done.report is not None:
            return done


def housekeeping_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "housekeeping"]


def test_the_server_restores_an_overdue_listing_at_start_up_and_stops_with_it(engine, overdue, tmp_path):
    settings = Settings(data_dir=tmp_path / "var", housekeeping_interval_minutes=60)
    app = create_app(settings, engine=engine, webhooks=False)  # housekeeping is on unless turned off
    with TestClient(app):
        keeper = app.state.housekeeper
        assert keeper.running
        wait_until(lambda: listing_status(engine, overdue) == "active")
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5, "shutdown waited for the next round"
    assert not keeper.running
    with transaction(engine) as session:
        restore = session.scalars(select(Decision).where(Decision.action == "restore")).one()
        assert (restore.listing_id, restore.reviewer, restore.automated) == (overdue, "system:deadline", True)
    assert chain_ok(engine)


@pytest.mark.parametrize("kwargs", [{"housekeeping": False}, {}], ids=["flag off", "interval 0"])
def test_housekeeping_can_be_turned_off(engine, overdue, tmp_path, kwargs):
    settings = Settings(data_dir=tmp_path / "var", housekeeping_interval_minutes=0 if not kwargs else 60)
    app = create_app(settings, engine=engine, webhooks=False, **kwargs)
    with TestClient(app) as client:
        assert app.state.housekeeper is None and not housekeeping_threads()
        assert client.get("/login").status_code == 200
    assert listing_status(engine, overdue) == "removed"


def test_a_round_skips_while_another_run_holds_the_lock(engine, overdue):
    rounds: queue.Queue[Round] = queue.Queue()
    keeper = Housekeeper(engine, interval=FAST, on_round=rounds.put)
    with daily_lock(engine):  # `countermark enforcement daily` from cron, or another server's round
        keeper.start()
        try:
            assert rounds.get(timeout=15).skipped
            assert rounds.get(timeout=15).skipped
            assert listing_status(engine, overdue) == "removed"
        except BaseException:
            keeper.stop()
            raise
    try:
        assert next_run(rounds).report.restored == [overdue]
        assert listing_status(engine, overdue) == "active"
    finally:
        keeper.stop()
    assert not keeper.running


def test_stop_ends_the_wait_for_the_next_round_at_once(engine, overdue):
    rounds: queue.Queue[Round] = queue.Queue()
    keeper = Housekeeper(engine, interval=3600, on_round=rounds.put)
    keeper.start()
    assert rounds.get(timeout=15).report.restored == [overdue]  # the round at start-up
    stopping = time.monotonic()
    keeper.stop()
    assert time.monotonic() - stopping < 1 and not keeper.running
    assert rounds.empty()


def test_a_database_error_in_a_round_is_logged_and_the_next_round_runs(engine, overdue, caplog):
    """The counter-notice table disappears for a while (a restore, a botched manual change): rounds fail,
    the housekeeper keeps going, releases its lock each time, and catches up once the table is back."""
    rounds: queue.Queue[Round] = queue.Queue()
    keeper = Housekeeper(engine, interval=FAST, on_round=rounds.put)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE counter_notices RENAME TO counter_notices_away"))
    with caplog.at_level(logging.ERROR, logger="countermark.web.housekeeping"):
        keeper.start()
        try:
            failed = [rounds.get(timeout=15) for _ in range(2)]
            assert all(r.error is not None for r in failed)
            assert keeper.running
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE counter_notices_away RENAME TO counter_notices"))
            assert next_run(rounds).report.restored == [overdue]
        finally:
            keeper.stop()
    assert "the daily enforcement job failed" in caplog.text
    assert listing_status(engine, overdue) == "active"


def test_the_server_housekeeper_applies_the_policy_the_app_loaded(engine, tmp_path):
    """One policy for the web's requests and the housekeeper's rounds (a broken file stops start-up)."""
    policy = replace(DEFAULT_POLICY, restore_after_business_days=15)
    keeper = housekeeper_for(Settings(data_dir=tmp_path / "var", housekeeping_interval_minutes=60), engine, policy)
    assert keeper is not None and keeper.policy is policy and keeper.interval == 3600


def test_the_round_logs_what_it_did(engine, overdue, caplog):
    keeper = Housekeeper(engine, interval=3600)
    with caplog.at_level(logging.INFO, logger="countermark.web.housekeeping"):
        done = keeper.run_once()
        again = keeper.run_once()
    assert done.report.restored == [overdue] and again.report.restored == []
    assert [r.getMessage() for r in caplog.records] == [
        "restored 1 listings, reinstated 0 sellers, 0 lane changes",
        "restored 0 listings, reinstated 0 sellers, 0 lane changes",
    ]
