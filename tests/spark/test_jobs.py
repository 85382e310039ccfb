"""The Spark engine gives the local engine's output, byte for byte: scans and seller clusters, on the dev
bundle and on a demo bundle of another seed (with Parquet listings), and the same rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.detection.batch import scan_bundle
from countermark.listings.bundle import Bundle
from countermark.listings.demo import generate
from countermark.network.batch import cluster_bundle
from countermark.spark import jobs

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one SparkSession


def _same_scan(spark, bundle: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.jsonl"
    scan_bundle(bundle, local, workers=1)
    on_spark = tmp_path / "spark.jsonl"
    summary = jobs.scan(spark, bundle, on_spark)
    assert on_spark.read_bytes() == local.read_bytes()
    assert summary.listings == len(local.read_text().splitlines())


def _same_clusters(spark, bundle: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.csv"
    expected = cluster_bundle(Bundle.open(bundle), local)
    on_spark = tmp_path / "spark.csv"
    got = jobs.network(spark, bundle, on_spark)
    assert (got.sellers, got.clusters, got.linked_clusters, got.rejects) == (
        expected.sellers, expected.clusters, expected.linked_clusters, expected.rejects)
    assert on_spark.read_bytes() == local.read_bytes()


def test_dev_bundle_scan_and_clusters_equal_local(spark, dev_bundle: Path, tmp_path: Path) -> None:
    _same_scan(spark, dev_bundle, tmp_path)
    _same_clusters(spark, dev_bundle, tmp_path)


def test_demo_bundle_of_another_seed_equals_local(spark, tmp_path: Path) -> None:
    bundle = tmp_path / "demo"
    generate(bundle, listings=800, seed=11, with_images=False, parquet=True)
    _same_scan(spark, bundle, tmp_path)
    _same_clusters(spark, bundle, tmp_path)


def test_cli_engine_spark_writes_parquet_partitions_and_rejects(spark, dirty_bundle: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.jsonl"
    scan_bundle(dirty_bundle, local, workers=1)
    out = tmp_path / "decisions"
    result = CliRunner().invoke(app, ["scan", str(dirty_bundle), "--out", str(out), "--transparent",
                                      "--engine", "spark", "--master", "local[2]"])
    assert result.exit_code == 3, result.output
    assert (tmp_path / "decisions.rejects.jsonl").read_text() == (tmp_path / "local.rejects.jsonl").read_text()
    rows = pq.read_table(out).to_pylist()
    assert len(list(out.glob("part-*.parquet"))) > 1
    expected = {d["listing_id"]: d for d in map(json.loads, local.read_text().splitlines())}
    assert {r["listing_id"]: r for r in rows} == expected


def test_unreadable_bundle_exits_2_before_spark_starts(tmp_path: Path) -> None:
    for command in (["scan", str(tmp_path / "missing"), "--out", str(tmp_path / "out")],
                    ["network", str(tmp_path), "--out", str(tmp_path / "out.csv")]):
        result = CliRunner().invoke(app, [*command, "--engine", "spark"])
        assert result.exit_code == 2, result.output
