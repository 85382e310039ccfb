"""Work that runs beside the server in daemon threads: the webhook dispatcher (and the housekeeper)."""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy.orm import Session, sessionmaker

from countermark.accounts.webhooks import deliver_due, relay_events

log = logging.getLogger(__name__)


class BackgroundThread:
    """A daemon thread running `_run` until `stop` is called; `_run` waits on `_stop` between rounds."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop waiting for the next round; a round in progress finishes first."""
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("%s: a round was still running after %.0f s; leaving it to finish",
                        self._thread.name, timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        raise NotImplementedError


class WebhookDispatcher(BackgroundThread):
    def __init__(self, sessions: sessionmaker[Session], *, interval: float = 2.0) -> None:
        super().__init__("webhook-dispatcher")
        self.sessions = sessions
        self.interval = interval

    def run_once(self, client: httpx.Client) -> None:
        with self.sessions() as session, session.begin():
            relay_events(session)
        deliver_due(self.sessions, client)

    def _run(self) -> None:
        with httpx.Client() as client:
            while not self._stop.wait(self.interval):
                try:
                    self.run_once(client)
                except Exception:  # keep dispatching after a transient database error
                    log.exception("webhook dispatch failed")
