"""One local[2] SparkSession for every Spark test (starting one takes 5-20 s), set up for many small jobs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_CONF = {
    # Splits of 256 KiB: the dev bundle's files are read by several tasks, so line numbering across file splits
    # is exercised.
    "spark.sql.files.maxPartitionBytes": str(256 * 1024),
    # The tests run a few hundred small jobs: the JVM's time goes to compiling, not to data. The client
    # compiler only, a serial collector and interpreted expressions (no Janino code generation) halve its CPU.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    pytest.importorskip("pyspark")
    from countermark.spark.session import spark_session

    session = spark_session("local[2]", conf=TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dirty_bundle(dev_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev bundle with every kind of bad record spread through its files."""
    root = tmp_path_factory.mktemp("dirty")
    for name in ("bundle.json", "brands.jsonl"):
        shutil.copy(dev_bundle / name, root / name)
    sellers = (dev_bundle / "sellers.jsonl").read_bytes().split(b"\n")
    sellers.insert(3, sellers[1])  # duplicate seller_id
    sellers.insert(50, b'{"seller_id": "S-BAD", "registered_at": "yesterday"}')
    (root / "sellers.jsonl").write_bytes(b"\n".join(sellers))
    listings = (dev_bundle / "listings.jsonl").read_bytes().split(b"\n")
    bad = {
        5: b"",
        10: b"{not json",
        20: b'{"listing_id": "X-UNKNOWN", "seller_id": "nobody", "title": "t", "price": 3}',
        30: b'{"listing_id": "X-NEG", "seller_id": "nobody", "title": "t", "price": -3}',
        40: b"\xff\xfe not utf-8",
        50: b"[1, 2]",
        60: listings[60] + b"\r",  # a CRLF line: valid
        1500: listings[100],  # duplicate listing_id (in another file split)
        2500: b"   ",
    }
    for line, text in sorted(bad.items(), reverse=True):
        listings.insert(line, text)
    (root / "listings.jsonl").write_bytes(b"\n".join(listings))
    return root
