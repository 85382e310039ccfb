"""The daily job under its database-wide lock, so runs never overlap: cron, the CLI and every server process.

The job (`service.run_daily`) is idempotent: run twice in a row, the second run finds nothing due. Run
twice *at once*, both could see the same counter-notice due and restore its listing twice; the lock makes
concurrent runs take turns. `run_daily_exclusively` waits for its turn (the CLI); `try_run_daily` skips
when another run is in progress (the server's housekeeping, which simply tries again next round).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine

from countermark.enforcement import service
from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.storage.engine import transaction
from countermark.storage.locks import OnWait, exclusive, try_exclusive

LOCK = "enforcement-daily"


def daily_lock(engine: Engine, on_wait: OnWait | None = None) -> AbstractContextManager[None]:
    """The lock every run of the job (or of a part of it, such as `lane recheck`) holds, waiting for it if taken."""
    return exclusive(engine, LOCK, on_wait)


def run_daily_exclusively(
    engine: Engine, *, on_wait: OnWait | None = None, clock: Clock = system_clock, policy: Policy = DEFAULT_POLICY
) -> service.DailyReport:
    """Run the daily job in one transaction, first waiting for a run in progress (`on_wait` says so) to end."""
    with daily_lock(engine, on_wait):
        return _run(engine, clock, policy)


def try_run_daily(
    engine: Engine, *, clock: Clock = system_clock, policy: Policy = DEFAULT_POLICY
) -> service.DailyReport | None:
    """Run the daily job in one transaction unless another run is in progress: then None, at once."""
    with try_exclusive(engine, LOCK) as taken:
        return _run(engine, clock, policy) if taken else None


def _run(engine: Engine, clock: Clock, policy: Policy) -> service.DailyReport:
    with transaction(engine) as session:  # committed before the lock is released
        return service.run_daily(session, clock=clock, policy=policy)
