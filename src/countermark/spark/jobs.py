"""The Spark engine of `countermark scan` and `countermark network`: same inputs, outputs and rejects.

Input: a bundle directory (its listings.jsonl or listings.parquet), or a Parquet file/directory of
listings together with the bundle that gives their brands and sellers. Output: `FILE.jsonl` /
`FILE.csv` (the local commands' files, line for line, in input order, collected on the driver) or any
other path: a directory of Parquet part files written by the executors (for inputs too big for one
machine). Rejects go to `OUT.rejects.jsonl` in the local order: brands, sellers, then listings by line.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from countermark.detection.batch import ScanSummary
from countermark.detection.engine import DetectionEngine
from countermark.listings.bundle import Bundle, BundleError, rejects_path_for, write_rejects
from countermark.listings.records import Brand, Reject
from countermark.network.batch import BatchReport, write_assignments
from countermark.network.linkage import LinkageRules
from countermark.spark.linkage import cluster_frame
from countermark.spark.partitioning import scan_partitions
from countermark.spark.reading import LISTING, SELLER, known_sellers, read_jsonl, read_parquet
from countermark.spark.scan import decisions_frame


@dataclass(frozen=True)
class Inputs:
    brands: tuple[Brand, ...]
    brand_rejects: tuple[Reject, ...]
    sellers: Path
    listings: Path


def open_inputs(source: Path, bundle: Path | None = None) -> Inputs:
    """`source` is a bundle, or Parquet listings with `bundle` giving brands and sellers. Raises BundleError."""
    if bundle is None or (source / "bundle.json").is_file():
        opened = Bundle.open(source)
        listings = opened.listings_path
    else:
        opened = Bundle.open(bundle)
        if not source.exists():
            raise BundleError(f"{source}: no such Parquet file or directory")
        listings = source
    brands: list[Brand] = []
    rejects: list[Reject] = []
    for item in opened.brands():
        (rejects if isinstance(item, Reject) else brands).append(item)
    return Inputs(tuple(brands), tuple(rejects), opened.root / "sellers.jsonl", listings.resolve())


def scan(spark, source: Path, out: Path, *, bundle: Path | None = None, threshold: float = 0.5,
         model_path: Path | None = None, image_matcher=None) -> ScanSummary:
    from pyspark.sql import functions as F

    from countermark.detection.model import load_model

    inputs = open_inputs(source, bundle)
    model = load_model(model_path) if model_path is not None else None  # a bad model fails before any work
    version = DetectionEngine(inputs.brands, threshold=threshold, model=model).version
    sellers = read_jsonl(spark, str(inputs.sellers), SELLER)
    read = read_parquet if _is_parquet(inputs.listings) else read_jsonl
    listings = known_sellers(read(spark, str(inputs.listings), LISTING),
                             sellers.valid.select("seller_id", "registered_at"))
    listings.valid = listings.valid.repartition(scan_partitions(spark, str(inputs.listings)), "listing_id")
    as_lines = out.suffix == ".jsonl"
    decisions = decisions_frame(spark, listings, inputs.brands, threshold=threshold, model_path=model_path,
                                image_matcher=image_matcher, as_json_lines=as_lines)
    if as_lines:
        flagged = 0
        count = 0
        lines = decisions.orderBy("_file", "_line").select("json")
        with _replacing(out) as tmp, tmp.open("w", encoding="utf-8") as sink:
            for row in lines.toLocalIterator():
                sink.write(row["json"] + "\n")
                count += 1
                flagged += '"decision": "flag"' in row["json"]
    else:
        with _replacing(out) as tmp:
            decisions.drop("_file", "_line").write.parquet(str(tmp))
        written = spark.read.parquet(str(out))
        count, flagged = written.agg(F.count("*"), F.count_if(F.col("decision") == "flag")).first()
    rejects = _write_rejects(out, inputs.brand_rejects, _ordered(sellers.rejects), _ordered(listings.rejects))
    return ScanSummary(count, flagged, rejects, 0, version)


def network(spark, source: Path, out: Path, rules: LinkageRules = LinkageRules()) -> BatchReport:
    from pyspark.sql import functions as F

    opened = Bundle.open(source)
    sellers = read_jsonl(spark, str(opened.root / "sellers.jsonl"), SELLER)
    clusters, _ = cluster_frame(spark, sellers.valid, rules)
    if out.suffix == ".csv":
        ordered = sellers.valid.select("seller_id", "_file", "_line").join(clusters, "seller_id").orderBy(
            "_file", "_line")
        assignments = {r["seller_id"]: r["cluster_id"] for r in ordered.toLocalIterator()}
        write_assignments(out, assignments)
        sizes = Counter(assignments.values())
        total, n_clusters, linked = len(assignments), len(sizes), sum(1 for n in sizes.values() if n > 1)
    else:
        with _replacing(out) as tmp:
            clusters.write.parquet(str(tmp))
        sizes = spark.read.parquet(str(out)).groupBy("cluster_id").count()
        total, n_clusters, linked = sizes.agg(F.sum("count"), F.count("*"), F.count_if(F.col("count") > 1)).first()
    rejects = _write_rejects(out, _ordered(sellers.rejects))
    return BatchReport(int(total or 0), int(n_clusters), int(linked), rejects, rejects_path_for(out))


def _is_parquet(path: Path) -> bool:
    return path.suffix == ".parquet" or (path.is_dir() and not any(path.glob("*.json*")))


def _ordered(rejects) -> Iterator[Reject]:
    for row in rejects.orderBy("file", "line").toLocalIterator():
        yield Reject(row["file"], row["line"], row["reason"], row["record"])


def _write_rejects(out: Path, *groups: Iterable[Reject]) -> int:
    path = rejects_path_for(out)
    path.unlink(missing_ok=True)
    return sum(write_rejects(path, group) for group in groups)


class _replacing:
    """Write `out` (a file or a directory) beside it, then swap it in: the output appears whole or not at all."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.tmp")

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove(self.tmp)
        return self.tmp

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            _remove(self.tmp)
            return
        if self.out.is_dir():
            old = self.out.with_name(f".{self.out.name}.old")
            _remove(old)
            os.replace(self.out, old)
            os.replace(self.tmp, self.out)
            _remove(old)
        else:
            os.replace(self.tmp, self.out)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
