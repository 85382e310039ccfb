"""kill -9 in the middle of an import leaves whole batches only; re-running completes the data set once."""

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from countermark.listings.models import Listing, ListingImage
from tests.listings.helpers import copy_bundle, enlarge

BATCH = 250


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.scalar(select(func.count()).select_from(Listing)),
                conn.scalar(select(func.count()).select_from(ListingImage)))


def test_killed_import_is_consistent_and_rerun_completes(db_url, engine, dev_bundle, tmp_path):
    bundle = copy_bundle(dev_bundle, tmp_path / "big")
    total = enlarge(bundle, 10)
    images = {}
    for line in (bundle / "listings.jsonl").read_text().splitlines():
        obj = json.loads(line)
        images[obj["listing_id"]] = len(obj["images"])
    cmd = [sys.executable, "-c", "from countermark.cli import main; main()", "import", str(bundle),
           "--batch-size", str(BATCH), "--no-media", "--rejects", str(tmp_path / "r.jsonl")]
    env = dict(os.environ, COUNTERMARK_DATABASE_URL=db_url)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and counts(engine)[0] < total // 4:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    stored, stored_images = counts(engine)
    assert 0 < stored < total, "the import was not interrupted mid-way"
    assert stored % BATCH == 0, "a batch was half-written"
    with engine.connect() as conn:
        ids = conn.scalars(select(Listing.listing_id)).all()
    assert stored_images == sum(images[i] for i in ids)

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(engine) == (total, sum(images.values()))
