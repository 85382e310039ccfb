"""The webhook dispatcher that runs beside the server: relay audit events, post due deliveries."""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy.orm import Session, sessionmaker

from countermark.accounts.webhooks import deliver_due, relay_events

log = logging.getLogger(__name__)


class WebhookDispatcher:
    def __init__(self, sessions: sessionmaker[Session], *, interval: float = 2.0) -> None:
        self.sessions = sessions
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

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
