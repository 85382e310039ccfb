"""Resumable Parquet output of a Spark scan: one part file per scan partition, each committed by a marker.

A scan whose `--out` is a Parquet directory NAME is written into `.NAME.parts/` beside it:

    _manifest.json                what the run scans (inputs, engine, threshold, number of partitions)
    part-00007.parquet            the decisions of partition 7 in input order (written as a temporary file,
                                  then renamed, by the executor that scanned the partition)
    _committed/part-00007.json    {"listings": n, "flagged": f}, written after the rename: part 7 is done

When every part is committed the directory is renamed to NAME, so the output appears whole or not at all
(the manifest and markers stay in it; Spark, pyarrow and pandas skip names starting with "_" or ".").
A part is a fixed set of listings: Spark's hash partitioning of `listing_id` into the manifest's number of
partitions, which is deterministic. So `--resume` keeps the committed parts of a matching manifest, scans
only the listings of the other parts, and gives the same files as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "_manifest.json"
COMMITTED = "_committed"
SUMMARY_SCHEMA = pa.schema([("part", pa.int32()), ("listings", pa.int64()), ("flagged", pa.int64())])


class CannotResume(ValueError):
    """The partial output was written from other inputs or settings."""


@dataclass(frozen=True, slots=True)
class PartCounts:
    listings: int
    flagged: int


@dataclass(frozen=True, slots=True)
class PartsDir:
    """The working directory of one Parquet output (picklable: executors write into it)."""

    root: str

    @staticmethod
    def beside(out: Path) -> PartsDir:
        return PartsDir(str(out.with_name(f".{out.name}.parts")))

    @property
    def path(self) -> Path:
        return Path(self.root)

    def part_path(self, part: int) -> Path:
        return self.path / f"part-{part:05d}.parquet"

    def marker_path(self, part: int) -> Path:
        return self.path / COMMITTED / f"part-{part:05d}.json"

    # -- driver side -------------------------------------------------------------------------------

    def start(self, out: Path, fingerprint: dict[str, Any], partitions: int, resume: bool
              ) -> tuple[int, dict[int, PartCounts]]:
        """Prepare the directory for a run: (number of partitions, parts already committed).

        Without `resume`, or with nothing to resume, the directory starts empty with a manifest of
        `fingerprint` (what the run scans) and `partitions`. With `resume`, the committed parts of a partial
        output of the same fingerprint are kept, and its number of partitions is used (a part is the same
        set of listings only for the same number). Resuming a finished output (`out` holds a matching
        manifest) moves it back here: every part is committed and nothing is scanned again. Raises
        CannotResume when the partial or finished output was written from other inputs or settings."""
        if resume and not self.path.exists() and _fingerprint(out) is not None:
            self._check(out, fingerprint)
            os.replace(out, self.path)
        if resume and self.path.exists():
            self._check(self.path, fingerprint)
            self.clean()
            return int(_manifest(self.path)["partitions"]), self.committed()
        shutil.rmtree(self.path, ignore_errors=True)
        (self.path / COMMITTED).mkdir(parents=True)
        manifest = {"fingerprint": fingerprint, "partitions": partitions}
        (self.path / MANIFEST).write_text(json.dumps(manifest, sort_keys=True) + "\n", encoding="utf-8")
        return partitions, {}

    @staticmethod
    def _check(directory: Path, fingerprint: dict[str, Any]) -> None:
        if _fingerprint(directory) != fingerprint:
            raise CannotResume(f"{directory}: cannot resume: it was written from other inputs or settings (run "
                               f"without --resume to start again)")

    def committed(self) -> dict[int, PartCounts]:
        found = {}
        for marker in (self.path / COMMITTED).glob("part-*.json"):
            counts = json.loads(marker.read_text(encoding="utf-8"))
            found[int(marker.stem.removeprefix("part-"))] = PartCounts(counts["listings"], counts["flagged"])
        return found

    def clean(self) -> None:
        """Remove what interrupted writers left: temporary files, and part files without a marker."""
        for path in self.path.glob(".*.tmp"):
            path.unlink(missing_ok=True)
        done = self.committed()
        for path in self.path.glob("part-*.parquet"):
            if int(path.stem.removeprefix("part-")) not in done:
                path.unlink()

    def finish(self, out: Path, parts: int, schema: pa.Schema) -> dict[int, PartCounts]:
        """Commit an empty file for every part that had no listings, then swap the directory in as `out`."""
        done = self.committed()
        for part in range(parts):
            if part not in done:
                done[part] = self.write_part(part, iter(()), schema, lambda batch: 0)
        self.clean()
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            os.replace(out, old)
        os.replace(self.path, out)
        shutil.rmtree(old, ignore_errors=True)
        return done

    # -- executor side -----------------------------------------------------------------------------

    def write_part(self, part: int, batches: Iterable[pa.RecordBatch], schema: pa.Schema,
                   flagged: Callable[[pa.RecordBatch], int]) -> PartCounts:
        """Write one part's batches (streaming, so memory holds one batch), then commit it. A retried or
        speculative attempt writes the same content and renames over it."""
        tmp = self.path / f".part-{part:05d}.{uuid.uuid4().hex}.tmp"
        listings = flags = 0
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
                    listings += batch.num_rows
                    flags += flagged(batch)
            os.replace(tmp, self.part_path(part))
        finally:
            tmp.unlink(missing_ok=True)
        counts = PartCounts(listings, flags)
        marker = self.marker_path(part)
        marker_tmp = marker.with_name(f".{marker.name}.{uuid.uuid4().hex}.tmp")
        marker_tmp.write_text(json.dumps({"listings": listings, "flagged": flags}) + "\n", encoding="utf-8")
        os.replace(marker_tmp, marker)
        return counts


def _manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _fingerprint(directory: Path) -> dict[str, Any] | None:
    """The fingerprint in a directory's manifest, as JSON gives it back (compared with `json` round trips)."""
    return _manifest(directory).get("fingerprint")


def summary_batch(part: int, counts: PartCounts) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"part": part, "listings": counts.listings, "flagged": counts.flagged}],
                                      schema=SUMMARY_SCHEMA)


class watching:
    """While the block runs, call `on_progress(committed parts)` whenever that number grows (polled)."""

    def __init__(self, parts: PartsDir, on_progress: Callable[[int], None] | None, every: float = 0.5) -> None:
        self.parts = parts
        self.on_progress = on_progress
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> watching:
        if self.on_progress is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.on_progress is not None:
            self.on_progress(self._count())

    def _count(self) -> int:
        return sum(1 for _ in (self.parts.path / COMMITTED).glob("part-*.json"))

    def _poll(self) -> None:
        seen = -1
        while not self._stop.wait(self.every):
            count = self._count()
            if count != seen and self.on_progress is not None:
                self.on_progress(count)
                seen = count

