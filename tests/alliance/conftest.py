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


@pytest.fixture
def instance(tmp_path: Path, sqlite_template: Path) -> Iterator:
    servers: list[tuple[uvicorn.Server, threading.Thread, Engine]] = []

    def start(name: str, db_url: str | None = None) -> Instance:
        data = tmp_path / name
        data.mkdir()
        settings = Settings(database_url=db_url or fresh_sqlite(sqlite_template, data), data_dir=data,
                            instance_name=name, alliance_secret=SECRET)
        engine = make_engine(settings.resolved_database_url())
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine, webhooks=False),
                                               host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{url}/alliance/v1/key", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        servers.append((server, thread, engine))
        return Instance(name, settings, engine, url, load_identity(settings))

    yield start
    for server, thread, engine in servers:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
