"""Two countermark instances, each with its own database and its own HTTP server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from countermark.alliance.config import AllianceIdentity, load_identity
from countermark.settings import Settings
from countermark.storage.engine import make_engine
from countermark.storage.migrate import upgrade
from countermark.web.app import create_app
from tests.conftest import fresh_sqlite

SECRET = "test-alliance-secret"


@dataclass
class Instance:
    name: str
    settings: Settings
    engine: Engine
    url: str
    identity: AllianceIdentity


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_instance(root: Path, name: str, running: list, db_url: str | None = None,
                   template: Path | None = None) -> Instance:
    """An instance with its own database and HTTP server; `running` collects what to stop."""
    data = root / name
    data.mkdir(parents=True)
    if db_url is None and template is not None:
        db_url = fresh_sqlite(template, data)
    settings = Settings(database_url=db_url or "", data_dir=data, instance_name=name, alliance_secret=SECRET)
    engine = make_engine(settings.resolved_database_url())
    if template is None and db_url is None:
        upgrade(engine)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine, webhooks=False, housekeeping=False),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    running.append((server, thread, engine))
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/alliance/v1/key", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    return Instance(name, settings, engine, url, load_identity(settings))


def stop_instances(running: list) -> None:
    for server, thread, engine in running:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def instance(tmp_path: Path, sqlite_template: Path) -> Iterator:
    running: list = []
    yield lambda name, db_url=None: start_instance(tmp_path, name, running, db_url, sqlite_template)
    stop_instances(running)
