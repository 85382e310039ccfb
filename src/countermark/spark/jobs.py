"""The Spark engine of `countermark scan` and `countermark network`: same inputs, outputs and rejects.

Input (inputs.py): a bundle directory (its listings.jsonl or listings.parquet), or a Parquet file/directory
(or URI) of listings together with the bundle that gives their brands and sellers. Output: `FILE.jsonl` /
`FILE.csv` (the local commands' files, line for line, in input order, collected on the driver) or any
other path: a directory of Parquet part files written by the executors (for inputs too big for one
machine; a scan's parts are committed one by one and an interrupted scan resumes, parts.py). Rejects go to
`OUT.rejects.jsonl` in the local order: brands, sellers, then listings by line.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

from countermark.detection.batch import ScanSummary
from countermark.detection.engine import DetectionEngine
from countermark.listings.bundle import Bundle, BundleError, rejects_path_for, write_rejects
from countermark.listings.records import Reject
from countermark.network.batch import BatchReport, write_assignments
from countermark.network.linkage import LinkageRules
from countermark.spark.inputs import Inputs, fingerprint, local_uri, open_inputs
from countermark.spark.linkage import cluster_frame
from countermark.spark.partitioning import input_bytes, scan_partitions, with_parts
from countermark.spark.parts import CannotResume, PartCounts, PartsDir, watching
from countermark.spark.reading import LISTING, SELLER, known_sellers, read_jsonl, read_parquet
from countermark.spark.scan import DECISION_SCHEMA, broadcast_spec, decisions_frame, part_files_frame


def scan(spark, source: Path | str, out: Path, *, bundle: Path | None = None, threshold: float = 0.5,
         model_path: Path | None = None, image_matcher=None, resume: bool = False,
         on_progress: Callable[[int, int], None] | None = None) -> ScanSummary:
    """Scan into `out`: a `.jsonl` file (collected on the driver, in input order) or a Parquet directory of
    committed parts (parts.py; `resume` continues an interrupted run, `on_progress(parts done, parts)` is
    called as parts are committed). Raises BundleError (also when a run cannot be resumed)."""
    from countermark.detection.model import load_model

    inputs = open_inputs(source, bundle)
    model = load_model(model_path) if model_path is not None else None  # a bad model fails before any work
    # The version, and the check that the model fits the signals, do not depend on the brands: an engine of none
    # is built in milliseconds, one of the bundle's brands in seconds (workers build that one).
    version = DetectionEngine((), threshold=threshold, model=model).version
    as_lines = out.suffix == ".jsonl"
    if as_lines and resume:
        raise BundleError(f"{out}: --resume with --engine spark needs a Parquet directory as --out (a .jsonl "
                          f"output is collected through the driver in one go)")
    # Before any Spark job, so that a run that cannot be resumed fails at once.
    target = None if as_lines else _start_parts(spark, inputs, out, resume, version, threshold, model_path,
                                                image_matcher is not None)
    sellers = read_jsonl(spark, inputs.sellers, SELLER)
    read = read_parquet if inputs.listings_parquet else read_jsonl
    listings = known_sellers(read(spark, inputs.listings, LISTING),
                             sellers.valid.select("seller_id", "registered_at"))
    spec = broadcast_spec(spark, inputs.brands, threshold=threshold, model_path=model_path,
                          image_matcher=image_matcher)
    if target is None:
        count, flagged = _scan_to_lines(listings.valid, spec, out)
        resumed = 0
    else:
        count, flagged, resumed = _scan_to_parts(listings.valid, spec, out, target, on_progress)
    rejects = _write_rejects(out, inputs.brand_rejects, _ordered(sellers.rejects, listings.rejects))
    return ScanSummary(count, flagged, rejects, resumed, version)


def _scan_to_lines(listings, spec, out: Path) -> tuple[int, int]:
    """The local engine's file: listings sorted by file and line before the scan (sorting its output would
    make Spark run the scan twice, once to sample the sort keys), decisions collected in that order."""
    count = flagged = 0
    lines = decisions_frame(listings.orderBy("_file", "_line"), spec, as_json_lines=True).select("json")
    with _replacing(out) as tmp, tmp.open("w", encoding="utf-8") as sink:
        for row in lines.toLocalIterator():
            sink.write(row["json"] + "\n")
            count += 1
            flagged += '"decision": "flag"' in row["json"]
    return count, flagged


@dataclass(frozen=True)
class _Parts:
    dir: PartsDir
    partitions: int
    done: dict[int, PartCounts]  # committed by an interrupted run


def _start_parts(spark, inputs: Inputs, out: Path, resume: bool, version: str, threshold: float,
                 model_path: Path | None, images: bool) -> _Parts:
    parts = PartsDir.beside(out)
    size = input_bytes(spark, inputs.listings)
    run = fingerprint(inputs, size, engine=version, threshold=threshold, model_path=model_path, images=images,
                      spark_version=spark.version)
    try:
        partitions, done = parts.start(out, run, scan_partitions(spark, size), resume)
    except CannotResume as e:
        raise BundleError(str(e)) from None
    return _Parts(parts, partitions, done)


def _scan_to_parts(listings, spec, out: Path, target: _Parts, on_progress: Callable[[int, int], None] | None
                   ) -> tuple[int, int, int]:
    """(listings in the output, flagged in this run, listings of parts an earlier run had committed)."""
    parts, partitions, done = target.dir, target.partitions, target.done
    if len(done) < partitions:
        frame = part_files_frame(with_parts(listings, partitions, skip=done), spec, parts)
        report = None if on_progress is None else (lambda n: on_progress(n, partitions))
        with watching(parts, report):
            frame.collect()
    counts = parts.finish(out, partitions, DECISION_SCHEMA)
    new = [c for part, c in counts.items() if part not in done]
    return (sum(c.listings for c in counts.values()), sum(c.flagged for c in new),
            sum(c.listings for c in done.values()))


def network(spark, source: Path, out: Path, rules: LinkageRules = LinkageRules()) -> BatchReport:
    from pyspark.sql import functions as F

    opened = Bundle.open(source)
    sellers = read_jsonl(spark, local_uri(opened.root / "sellers.jsonl"), SELLER)
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
            clusters.write.parquet(local_uri(tmp))
        sizes = spark.read.parquet(local_uri(out)).groupBy("cluster_id").count()
        total, n_clusters, linked = sizes.agg(F.sum("count"), F.count("*"), F.count_if(F.col("count") > 1)).first()
    rejects = _write_rejects(out, _ordered(sellers.rejects))
    return BatchReport(int(total or 0), int(n_clusters), int(linked), rejects, rejects_path_for(out))


def _ordered(*frames) -> Iterator[Reject]:
    """The rejects of each frame by file and line, one frame after the other (one Spark query)."""
    from pyspark.sql import functions as F

    tagged = [frame.withColumn("_group", F.lit(n)) for n, frame in enumerate(frames)]
    union = reduce(lambda a, b: a.unionByName(b), tagged)
    for row in union.orderBy("_group", "file", "line").toLocalIterator():
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
