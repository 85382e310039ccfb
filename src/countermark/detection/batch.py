"""Scanning a whole bundle: streaming, on several processes, in constant memory, resumable.

The main process reads the bundle in batches (the reader applies the spec and yields rejects) and
writes results; worker processes hold one `DetectionEngine` each and score batches. Results are
written in input order, so the output file is always a prefix of the final one: `resume` counts its
complete lines, skips that many listings (and as many rejects as the rejects file holds) and appends.
At most `2 x workers` batches are in flight, so memory does not grow with the bundle.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from countermark.detection.context import ImageMatch, ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.detection.model import load_model
from countermark.listings.bundle import Bundle, BundleError, rejects_path_for, write_rejects
from countermark.listings.records import Brand, Listing, Reject, Seller

BATCH_SIZE = 2_000


class ImageMatcherHook(Protocol):
    """What the images area plugs into a scan: image matches for a batch of listings (picklable)."""

    def matches(self, listings: Sequence[Listing]) -> Mapping[str, Sequence[ImageMatch]]: ...


@dataclass(frozen=True, slots=True)
class ScanSummary:
    listings: int  # decisions in the output file, including those of an interrupted earlier run
    flagged: int  # flagged in this run
    rejects: int  # lines in the rejects file
    resumed_from: int  # listings already in the output when this run started
    engine_version: str


@dataclass(frozen=True, slots=True)
class _EngineSpec:
    brands: tuple[Brand, ...]
    sellers: Mapping[str, SellerFacts]
    threshold: float
    model_path: Path | None
    image_matcher: ImageMatcherHook | None


_worker: tuple[DetectionEngine, _EngineSpec] | None = None


def scan_bundle(
    bundle_path: str | Path,
    out_path: str | Path,
    *,
    threshold: float = 0.5,
    model_path: Path | None = None,
    resume: bool = False,
    workers: int = 1,
    batch_size: int = BATCH_SIZE,
    image_matcher: ImageMatcherHook | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ScanSummary:
    """Scan every listing of a bundle into `out_path` (JSONL); rejects go beside it. Raises BundleError."""
    bundle = Bundle.open(bundle_path)
    out = Path(out_path)
    rejects_path = rejects_path_for(out)
    done, done_rejects = (_complete_lines(out), _complete_lines(rejects_path)) if resume else (0, 0)
    if not resume:
        out.unlink(missing_ok=True)
        rejects_path.unlink(missing_ok=True)
    last_done_id = _last_listing_id(out) if done else None

    rejects_seen = 0
    pending_rejects: list[Reject] = []

    def reject(r: Reject) -> None:
        nonlocal rejects_seen
        rejects_seen += 1
        if rejects_seen > done_rejects:
            pending_rejects.append(r)

    brands: list[Brand] = []
    for item in bundle.brands():
        brands.append(item) if isinstance(item, Brand) else reject(item)
    sellers: dict[str, SellerFacts] = {}
    for item in bundle.sellers():
        if isinstance(item, Seller):
            sellers[item.seller_id] = SellerFacts(item.seller_id, item.registered_at)
        else:
            reject(item)
    spec = _EngineSpec(tuple(brands), sellers, threshold, model_path, image_matcher)
    engine_version = _engine(spec).version  # fails early (bad model) before any work is started

    flagged = 0
    skipped = 0
    with out.open("a", encoding="utf-8") as sink:
        for batch, lines in _score(_listing_batches(bundle, batch_size, reject), spec, workers):
            if pending_rejects:
                write_rejects(rejects_path, pending_rejects)
                pending_rejects.clear()
            if skipped < done:  # already written by an interrupted run
                take = min(done - skipped, len(batch))
                skipped += take
                if skipped == done and last_done_id is not None and batch[take - 1].listing_id != last_done_id:
                    raise BundleError(f"{out}: cannot resume: it was not written from this bundle "
                                      f"(line {done} is {last_done_id!r}, expected {batch[take - 1].listing_id!r})")
                lines = lines[take:]
            if lines:
                sink.write("".join(lines))
                sink.flush()
                flagged += sum(1 for line in lines if '"decision": "flag"' in line)
            if on_progress is not None:
                on_progress(len(batch))
        if pending_rejects:
            write_rejects(rejects_path, pending_rejects)
    if done > skipped:
        raise BundleError(f"{out}: cannot resume: it holds {done} results but the bundle has {skipped} listings")
    total_rejects = _complete_lines(rejects_path) if rejects_path.exists() else 0
    return ScanSummary(_complete_lines(out), flagged, total_rejects, done, engine_version)


def count_listings(bundle_path: str | Path) -> int | None:
    """Cheap upper bound on the number of listings (for a progress bar); None if unknown."""
    bundle = Bundle.open(bundle_path)
    path = bundle.listings_path
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            count += chunk.count(b"\n")
    return count


def _listing_batches(bundle: Bundle, size: int, reject: Callable[[Reject], None]) -> Iterator[list[Listing]]:
    batch: list[Listing] = []
    for item in bundle.listings():
        if isinstance(item, Listing):
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        else:
            reject(item)
    if batch:
        yield batch


def _score(batches: Iterator[list[Listing]], spec: _EngineSpec, workers: int
           ) -> Iterator[tuple[list[Listing], list[str]]]:
    """(batch, output lines) in input order; on `workers` processes with bounded look-ahead."""
    if workers <= 1:
        engine = _engine(spec)
        for batch in batches:
            yield batch, _scan_lines(engine, spec, batch)
        return
    in_flight: deque[tuple[list[Listing], Future[list[str]]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(spec,)) as pool:
        for batch in batches:
            in_flight.append((batch, pool.submit(_worker_scan, batch)))
            if len(in_flight) >= 2 * workers:
                done_batch, future = in_flight.popleft()
                yield done_batch, future.result()
        while in_flight:
            done_batch, future = in_flight.popleft()
            yield done_batch, future.result()


def _engine(spec: _EngineSpec) -> DetectionEngine:
    model = load_model(spec.model_path) if spec.model_path is not None else None
    return DetectionEngine(spec.brands, threshold=spec.threshold, model=model)


def _init_worker(spec: _EngineSpec) -> None:
    global _worker
    _worker = (_engine(spec), spec)


def _worker_scan(batch: list[Listing]) -> list[str]:
    assert _worker is not None, "worker not initialised"
    engine, spec = _worker
    return _scan_lines(engine, spec, batch)


def _scan_lines(engine: DetectionEngine, spec: _EngineSpec, batch: Sequence[Listing]) -> list[str]:
    images = spec.image_matcher.matches(batch) if spec.image_matcher is not None else {}
    sellers = {x.seller_id: spec.sellers[x.seller_id] for x in batch if x.seller_id in spec.sellers}
    decisions = engine.scan(batch, ScanContext(sellers=sellers, image_matches=images))
    return [json.dumps(d.as_json(), ensure_ascii=False) + "\n" for d in decisions]


def _complete_lines(path: Path) -> int:
    """Complete lines of a file; a torn last line (crash mid-write) is cut off so appending is safe."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    count = 0
    last_newline = -1
    with path.open("rb") as f:
        offset = 0
        while chunk := f.read(1 << 22):
            count += chunk.count(b"\n")
            pos = chunk.rfind(b"\n")
            if pos >= 0:
                last_newline = offset + pos
            offset += len(chunk)
    if last_newline + 1 < size:
        with path.open("r+b") as f:
            f.truncate(last_newline + 1)
            os.fsync(f.fileno())
    return count


def _last_listing_id(path: Path) -> str | None:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65_536))
        tail = f.read().splitlines()
    for line in reversed(tail):
        if line.strip():
            try:
                return str(json.loads(line)["listing_id"])
            except (ValueError, KeyError, TypeError):
                return None
    return None
