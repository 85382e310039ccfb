"""Housekeeping beside the server: the daily enforcement job at start-up, then every interval.

Counter-notice deadlines, expired suspensions and the expedited lane are enforced even where nobody set up
cron. A round that finds the job running elsewhere (another worker, another server on the same database,
`countermark enforcement daily` from cron) skips; a round that fails is logged and the next one tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from countermark.enforcement.clock import Clock, system_clock
from countermark.enforcement.daily import try_run_daily
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.enforcement.service import DailyReport
from countermark.settings import Settings
from countermark.web.background import BackgroundThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Round:
    """One round: the job's report, or none when it was skipped (running elsewhere) or failed (`error`)."""

    report: DailyReport | None
    error: Exception | None = None

    @property
    def skipped(self) -> bool:
        return self.report is None and self.error is None


class Housekeeper(BackgroundThread):
    """A thread that runs the daily job now and then every `interval` seconds until stopped."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float,
        policy: Policy = DEFAULT_POLICY,
        clock: Clock = system_clock,
        on_round: Callable[[Round], None] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the housekeeping interval must be positive")
        super().__init__("housekeeping")
        self.engine = engine
        self.interval = interval
        self.policy = policy
        self.clock = clock
        self.on_round = on_round

    def run_once(self) -> Round:
        """One round: run the job unless it is running elsewhere; never raises."""
        try:
            report = try_run_daily(self.engine, clock=self.clock, policy=self.policy)
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
    return Housekeeper(engine, interval=minutes * 60, policy=policy)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"
