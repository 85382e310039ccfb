"""Concurrent imports into one database end exactly as if run one after another: nothing duplicated, lost or mixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, make_url, select

from countermark.listings.bundle import Bundle
from countermark.listings.models import Listing
from countermark.listings.service import import_bundle, import_lock
from countermark.storage.engine import make_engine
from tests.conftest import fresh_sqlite
from tests.listings.helpers import copy_bundle, dump

BATCH = 100  # many transactions per import, so unserialised imports would interleave
Dump = dict[str, list[tuple[Any, ...]]]


def changed(src: Path, dst: Path) -> Path:
    """A bundle overlapping `src`: every third listing and every other seller changed, 200 listings added."""
    bundle = copy_bundle(src, dst)
    listings = [json.loads(line) for line in (bundle / "listings.jsonl").read_text().splitlines()]
    for listing in listings[::3]:
        listing.update(title=listing["title"] + " (relisted)", price=listing["price"] + 1, images=["images/new.jpg"])
    listings += [dict(x, listing_id=f"NEW{i:04d}") for i, x in enumerate(listings[:200])]
    sellers = [json.loads(line) for line in (bundle / "sellers.jsonl").read_text().splitlines()]
    for seller in sellers[::2]:
        seller.update(display_name=seller["display_name"] + " II", identifiers={"emails": ["new@example.com"]})
    for name, rows in (("listings", listings), ("sellers", sellers)):
        (bundle / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return bundle


@pytest.fixture
def new_database(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Callable[[str, bool], str]:
    """More databases of the kind `db_url` is (SQLite or PostgreSQL): migrated, or entirely empty."""
    def make(name: str, migrated: bool = True) -> str:
        if db_url.startswith("sqlite"):
            (tmp_path / name).mkdir()
            if not migrated:
                return f"sqlite:///{tmp_path / name / 'countermark.db'}"
            return fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / name)
        cluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database(f"{make_url(db_url).database}_{name}",
                                       template="countermark_template" if migrated else None)
    return make


def imported_one_after_another(url: str, bundles: Sequence[Path], tmp_path: Path) -> Dump:
    engine = make_engine(url)
    try:
        for bundle in bundles:
            import_bundle(engine, Bundle.open(bundle), tmp_path / "sequential.rejects.jsonl", batch_size=BATCH)
        return dump(engine)
    finally:
        engine.dispose()


def import_concurrently(url: str, bundles: Sequence[Path], tmp_path: Path) -> list[int]:
    """Import each bundle in a thread of its own (own engine, own connections), all starting at once.

    Returns the indexes of the imports that had to wait for another one.
    """
    start = threading.Barrier(len(bundles))
    waited: list[int] = []

    def run(i: int, bundle: Path) -> None:
        engine = make_engine(url)
        try:
            start.wait()
            import_bundle(engine, Bundle.open(bundle), tmp_path / f"concurrent{i}.rejects.jsonl", batch_size=BATCH,
                          on_wait=lambda: waited.append(i))
        finally:
            engine.dispose()

    with ThreadPoolExecutor(len(bundles)) as pool:
        for future in [pool.submit(run, i, bundle) for i, bundle in enumerate(bundles)]:
            future.result()
    return waited


def test_concurrent_imports_of_one_bundle_equal_one_import(db_url, engine, new_database, dev_bundle, tmp_path):
    waited = import_concurrently(db_url, [dev_bundle, dev_bundle], tmp_path)
    assert len(waited) == 1, "the imports did not overlap"
    assert dump(engine) == imported_one_after_another(new_database("sequential"), [dev_bundle], tmp_path)


@pytest.mark.parametrize("preloaded", [False, True], ids=["empty", "preloaded"])
def test_concurrent_imports_of_overlapping_bundles_equal_a_sequential_run(
        preloaded, db_url, engine, new_database, dev_bundle, tmp_path):
    bundles = [copy_bundle(dev_bundle, tmp_path / "a"), changed(dev_bundle, tmp_path / "b")]
    before = [dev_bundle] if preloaded else []
    imported_one_after_another(db_url, before, tmp_path)  # preloaded: the batches already exist (merge path)
    waited = import_concurrently(db_url, bundles, tmp_path)
    assert len(waited) == 1, "the imports did not overlap"
    second = bundles[waited[0]]  # the one that waited ran after the other
    first = bundles[1 - waited[0]]
    expected = imported_one_after_another(new_database("sequential"), [*before, first, second], tmp_path)
    assert dump(engine) == expected


def import_command(url: str, bundle: Path, tmp_path: Path, tag: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`countermark import` in a process of its own; returns it and the file its stderr goes to."""
    stderr = tmp_path / f"{tag}.stderr"
    cmd = [sys.executable, "-c", "from countermark.cli import main; main()", "import", str(bundle),
           "--batch-size", str(BATCH), "--no-media", "--rejects", str(tmp_path / f"{tag}.rejects.jsonl")]
    with stderr.open("wb") as err:
        proc = subprocess.Popen(cmd, env=dict(os.environ, COUNTERMARK_DATABASE_URL=url),
                                stdout=subprocess.DEVNULL, stderr=err)
    return proc, stderr


def listing_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Listing))


@pytest.mark.slow
def test_an_import_waits_for_the_running_one_and_says_so(db_url, engine, dev_bundle, tmp_path):
    with import_lock(engine):  # another import is running
        proc, stderr = import_command(db_url, dev_bundle, tmp_path, "second")
        deadline = time.monotonic() + 60
        while "waiting for it to finish" not in stderr.read_text():
            assert proc.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "no waiting message"
            time.sleep(0.05)
        assert listing_count(engine) == 0, "the waiting import wrote"
    assert proc.wait(timeout=120) == 0, stderr.read_text()
    assert listing_count(engine) == 3000


@pytest.mark.slow
def test_two_import_commands_into_a_new_database_both_succeed(db_url, engine, new_database, dev_bundle, tmp_path):
    url = new_database("new", migrated=False)  # both commands also create the schema first
    runs = [import_command(url, dev_bundle, tmp_path, tag) for tag in ("one", "two")]
    for proc, stderr in runs:
        assert proc.wait(timeout=300) == 0, stderr.read_text()
    concurrent = make_engine(url)
    try:
        assert dump(concurrent) == imported_one_after_another(db_url, [dev_bundle], tmp_path)
    finally:
        concurrent.dispose()
