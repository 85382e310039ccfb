"""Housekeeping beside the server: the daily enforcement job at start-up, then every interval.

Counter-notice deadlines, expired suspensions and the expedited lane are enforced even where nobody set up
cron. A round that finds the job running elsewhere (another worker, another server on the same database,
`countermark enforcement daily` from cron) skips; a round that fails is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.daily import try_run_daily
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.enforcement.service import DailyReport
from countermark.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Round:
    """One round: the job's report, or none when it was skipped (running elsewhere) or failed (`error`)."""

    report: DailyReport | None
    error: Exception | None = None

    @property
    def skipped(self) -> bool:
        return self.report is None and self.error is None


class Housekeeper:
    """A thread that runs the daily job now and then every `interval` seconds until stopped."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float,
        load_policy: Callable[[], Policy] = lambda: DEFAULT_POLICY,
        clock: Clock = system_clock,
        on_round: Callable[[Round], None] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the housekeeping interval must be positive")
        self.engine = engine
        self.interval = interval
        self.load_policy = load_policy  # called each round
        self.clock = clock
        self.on_round = on_round
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="housekeeping", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop waiting for the next round; a round in progress finishes its transaction first."""
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("a round was still running after %.0f s; leaving it to finish", timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def run_once(self) -> Round:
        """One round: run the job unless it is running elsewhere; never raises."""
        try:
            report = try_run_daily(self.engine, clock=self.clock, policy=self.load_policy())
        except Exception as e:  # the database may be down for a moment: the next round tries again
            log.exception("the daily enforcement job failed; next try in %s", _minutes(self.interval))
            return Round(None, e)
        if report is None:
            log.info("the daily enforcement job is running elsewhere; skipped this round")
        else:
            lanes = "".join(f", {notifier} {change}" for notifier, change in report.lane_changes)
            log.info("restored %d listings, reinstated %d sellers, %d lane changes%s",
                     len(report.restored), len(report.reinstated), len(report.lane_changes), lanes)
            if report.restored or report.reinstated:
                log.debug("restored %s; reinstated %s", report.restored, report.reinstated)
        return Round(report)

    def _run(self) -> None:
        while not self._stop.is_set():
            done = self.run_once()
            if self.on_round is not None:
                try:
                    self.on_round(done)
                except Exception:
                    log.exception("on_round failed")
            if self._stop.wait(self.interval):
                return


def housekeeper_for(settings: Settings, engine: Engine, policy: Policy) -> Housekeeper | None:
    """The server's housekeeper: every `housekeeping_interval_minutes`, or none when that is 0; it applies
    `policy`, the one the app loaded at start-up, so its rounds and the web's requests agree."""
    minutes = settings.housekeeping_interval_minutes
    if minutes <= 0:
        return None
    return Housekeeper(engine, interval=minutes * 60, load_policy=lambda: policy)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"
