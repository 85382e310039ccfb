"""`countermark network BUNDLE --out FILE.csv`: quality on the labelled dev bundle, and the bad-input contract."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import app
from tests.conftest import SHARED

EVALBUNDLE = SHARED / "tools" / "evalbundle.py"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def read_clusters(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len({r["seller_id"] for r in rows})
    return {r["seller_id"]: r["cluster_id"] for r in rows}


def assert_quality(bundle: Path, out: Path) -> None:
    """B-cubed goals of issue 7, scored by the shared evaluator: precision >= 0.98, F1 >= 0.95."""
    result = run("network", str(bundle), "--out", str(out))
    assert result.exit_code == 0, result.output
    scored = subprocess.run([sys.executable, str(EVALBUNDLE), "network", str(bundle), str(out), "--json"],
                            capture_output=True, text=True, check=True)
    report = json.loads(scored.stdout)
    text = json.dumps(report)
    assert report["coverage"]["missing"] == 0, text
    assert report["bcubed_precision"] >= 0.98 and report["bcubed_f1"] >= 0.95, text
    assert report["multi_account"]["bcubed_f1"] >= 0.95, text


def test_dev_bundle_b_cubed_quality(dev_bundle: Path, tmp_path: Path):
    assert_quality(dev_bundle, tmp_path / "clusters.csv")


@pytest.mark.parametrize("seed", [3, 21])
def test_demo_bundles_of_other_seeds_b_cubed_quality(seed: int, tmp_path: Path):
    """Demo marketplaces include hub identifiers (fulfilment centres, agents, shared IPs)."""
    bundle = tmp_path / "demo"
    assert run("demo", str(bundle), "--seed", str(seed), "--no-images", "--listings", "1500").exit_code == 0
    assert_quality(bundle, tmp_path / "clusters.csv")


def small_bundle(root: Path, dev_bundle: Path, seller_lines: list[str]) -> Path:
    root.mkdir()
    for name in ("bundle.json", "brands.jsonl"):
        shutil.copy(dev_bundle / name, root / name)
    (root / "sellers.jsonl").write_text("\n".join(seller_lines) + "\n", encoding="utf-8")
    (root / "listings.jsonl").write_text("", encoding="utf-8")
    return root


def test_bad_seller_records_go_to_rejects_and_exit_3(dev_bundle: Path, tmp_path: Path):
    good = {"seller_id": "S1", "display_name": "a", "country": "US", "registered_at": "2024-01-01",
            "identifiers": {"emails": ["a@x.com"]}}
    twin = {**good, "seller_id": "S2", "identifiers": {"emails": ["A@X.com"]}}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "identifiers": {"emails": "not a list"}}),
             json.dumps(twin), json.dumps(good), "x" * 5_000_000]
    bundle = small_bundle(tmp_path / "b", dev_bundle, lines)
    out = tmp_path / "out.csv"
    result = run("network", str(bundle), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert read_clusters(out) == {"S1": "C-S1", "S2": "C-S1"}
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [2, 3, 5, 6]
    assert all(r["file"] == "sellers.jsonl" and r["reason"] for r in rejects)


def test_clean_run_exits_0_and_removes_stale_rejects(dev_bundle: Path, tmp_path: Path):
    bundle = small_bundle(tmp_path / "b", dev_bundle, [json.dumps({"seller_id": "S1", "display_name": "a"})])
    out = tmp_path / "out.csv"
    (tmp_path / "out.rejects.jsonl").write_text("stale\n")
    assert run("network", str(bundle), "--out", str(out)).exit_code == 0
    assert read_clusters(out) == {"S1": "C-S1"}
    assert not (tmp_path / "out.rejects.jsonl").exists()


def test_unreadable_bundle_exits_2_with_one_line(tmp_path: Path):
    (tmp_path / "b").mkdir()
    result = run("network", str(tmp_path / "b"), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "bundle.json" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_usage_errors_exit_2(tmp_path: Path):
    assert run("network").exit_code == 2
    assert run("network", str(tmp_path)).exit_code == 2  # no --out
