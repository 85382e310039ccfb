"""Fixtures shared by the whole suite: real SQLite and PostgreSQL databases, the dev bundle."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine

from countermark.storage.engine import make_engine
from countermark.storage.migrate import upgrade
from tests.pgcluster import PgCluster

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEV_BUNDLE = SHARED / "data" / "bundles" / "dev"

_counter = itertools.count()

# Speed is measured in bench/, never asserted by tests: on a loaded 2-core machine one slow example must
# not fail a property test (hypothesis's default is a 200 ms deadline per example).
settings.register_profile("countermark", deadline=None)
settings.load_profile("countermark")


@pytest.fixture(scope="session")
def dev_bundle() -> Path:
    if not DEV_BUNDLE.is_dir():
        pytest.fail(f"{DEV_BUNDLE} not found: tests need ../shared beside the repository")
    return DEV_BUNDLE


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster().start()
    try:
        # Migrate once into a template; each test gets a copy (CREATE DATABASE ... TEMPLATE is fast).
        template_url = cluster.create_database("countermark_template")
        engine = make_engine(template_url)
        upgrade(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "countermark.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    path = directory / "countermark.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, fully migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{os.getpid()}_{next(_counter)}", template="countermark_template")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Heavy shared resources (one Spark session, one browser) stay on one xdist worker each."""
    for item in items:
        for marker in ("spark", "browser"):
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.xdist_group(marker))
