"""The Spark engine gives the local engine's output, byte for byte: scans and seller clusters, on the dev
bundle and on a demo bundle of another seed (with Parquet listings), and the same rejects; an interrupted
scan resumed gives the same files as an uninterrupted one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.detection.batch import scan_bundle
from countermark.detection.model import save_model
from countermark.listings.bundle import Bundle, rejects_path_for
from countermark.listings.demo import generate
from countermark.network.batch import cluster_bundle
from countermark.spark import jobs
from countermark.spark.parts import PartsDir

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one SparkSession


def _same_scan(spark, bundle: Path, tmp_path: Path, listings: str | None = None) -> None:
    """`listings`: the bundle's listings as a URI, read beside the bundle (as on a cluster)."""
    local = tmp_path / "local.jsonl"
    scan_bundle(bundle, local, workers=1)
    on_spark = tmp_path / "spark.jsonl"
    summary = jobs.scan(spark, bundle, on_spark) if listings is None else jobs.scan(spark, listings, on_spark,
                                                                                     bundle=bundle)
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
    _same_scan(spark, bundle, tmp_path, listings=f"file://{bundle / 'listings.parquet'}")
    _same_clusters(spark, bundle, tmp_path)


@pytest.fixture(scope="module")
def dirty_scan(spark, dirty_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The dirty bundle scanned by the CLI on Spark into a Parquet directory, and locally: (out, local)."""
    root = tmp_path_factory.mktemp("dirty-scan")
    local = root / "local.jsonl"
    scan_bundle(dirty_bundle, local, workers=1)
    out = root / "decisions"
    result = _scan_cli(dirty_bundle, out)
    assert result.exit_code == 3, result.output
    return out, local


def _scan_cli(bundle: Path, out: Path, *options: str):
    return CliRunner().invoke(app, ["scan", str(bundle), "--out", str(out), "--transparent", "--engine", "spark",
                                    "--master", "local[2]", *options])


def test_cli_engine_spark_writes_parquet_partitions_and_rejects(dirty_scan: tuple[Path, Path]) -> None:
    out, local = dirty_scan
    assert rejects_path_for(out).read_text() == rejects_path_for(local).read_text()
    rows = pq.read_table(out).to_pylist()
    assert len(list(out.glob("part-*.parquet"))) > 1
    expected = {d["listing_id"]: d for d in map(json.loads, local.read_text().splitlines())}
    assert {r["listing_id"]: r for r in rows} == expected
    assert not PartsDir.beside(out).path.exists()


def test_resume_scans_only_the_missing_parts_and_gives_the_same_output(
        dirty_scan: tuple[Path, Path], dirty_bundle: Path, tmp_path: Path) -> None:
    out, _ = dirty_scan
    finished = tmp_path / "finished"
    shutil.copytree(out, finished)
    # A run killed after committing some parts: its working directory holds the others' files or nothing.
    parts = PartsDir.beside(out)
    os.replace(out, parts.path)
    committed = parts.committed()
    lost = sorted(committed)[1::2]
    for part in lost:
        parts.marker_path(part).unlink()
    parts.part_path(lost[0]).write_bytes(b"half a file")  # written, never committed
    (parts.path / ".part-00000.3f2a.tmp").write_bytes(b"")  # a writer's temporary file
    rejects_path_for(out).unlink()

    result = _scan_cli(dirty_bundle, out, "--resume")
    assert result.exit_code == 3, result.output
    resumed_from = sum(c.listings for part, c in committed.items() if part not in lost)
    assert f"{resumed_from:,} of them by the interrupted run" in result.output
    assert _files(out) == _files(finished)
    assert rejects_path_for(out).read_text() == rejects_path_for(dirty_scan[1]).read_text()

    # Other settings cannot resume this output; it is left as it is.
    result = _scan_cli(dirty_bundle, out, "--resume", "--threshold", "0.3")
    assert result.exit_code == 2, result.output
    assert "cannot resume" in result.output
    assert _files(out) == _files(finished)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_unreadable_bundle_exits_2_before_spark_starts(tmp_path: Path) -> None:
    for command in (["scan", str(tmp_path / "missing"), "--out", str(tmp_path / "out")],
                    ["network", str(tmp_path), "--out", str(tmp_path / "out.csv")]):
        result = CliRunner().invoke(app, [*command, "--engine", "spark"])
        assert result.exit_code == 2, result.output


def test_model_of_other_features_fails_before_any_spark_job(spark, dev_bundle: Path, tmp_path: Path) -> None:
    model = save_model({}, ["not.a_feature"], tmp_path / "model.joblib", trained_on="test", examples=0)
    out = tmp_path / "out.jsonl"
    with pytest.raises(ValueError, match="retrain"):
        jobs.scan(spark, dev_bundle, out, model_path=model)
    assert not out.exists()
