"""Paths of the shared PDQ conformance data (ThreatExchange reference images)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import SHARED

PDQ_DATA = SHARED / "data" / "pdq"
BRIDGE = PDQ_DATA / "bridge-mods" / "aaa-orig.jpg"
UNRELATED = sorted([
    *(PDQ_DATA / "reg-test-input" / "labelme-subset").glob("*.jpg"),
    PDQ_DATA / "reg-test-input" / "pen-and-coaster.png",
    PDQ_DATA / "misc-images" / "c.png",
    PDQ_DATA / "misc-images" / "wee.jpg",
])


@pytest.fixture(scope="session")
def pdq_data() -> Path:
    if not PDQ_DATA.is_dir():
        pytest.fail(f"{PDQ_DATA} not found: tests need ../shared beside the repository")
    return PDQ_DATA


@pytest.fixture(scope="session")
def expected(pdq_data: Path) -> list[dict[str, str]]:
    with (pdq_data / "expected.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
