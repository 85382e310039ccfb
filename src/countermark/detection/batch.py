"""Scanning a whole bundle: streaming, on several processes, in constant memory, resumable.

The main process builds the `DetectionEngine`, reads the bundle in batches (the reader applies the spec
and yields rejects) and writes results; worker processes hold a copy of the engine each and score
batches. Results are written in input order, so the output file is always a prefix of the final one:
`resume` counts its complete lines, skips that many listings (and as many rejects as the rejects file
holds) and appends. At most `2 x workers` batches are in flight, so memory does not grow with the bundle.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

from countermark.detection.context import ImageMatch, ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.detection.model import load_model
from countermark.listings.bundle import (
    Bundle,
    BundleError,
    ListingGate,
    batched,
    listing_reject,
    parse_line,
    rejects_path_for,
    write_rejects,
)
from countermark.listings.records import Brand, Listing, Reject, Seller
from countermark.listings.validate import decode_listing

BATCH_SIZE = 2_000
_FLAG = b'"decision": "flag"'  # as a flag's output line holds it (nothing else in a line can: strings are escaped)


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
    listings_file: str


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
    rejects = _RejectSink(rejects_path, already_written=done_rejects)

    brands: list[Brand] = []
    for item in bundle.brands():
        brands.append(item) if isinstance(item, Brand) else rejects.add(item)
    sellers: dict[str, SellerFacts] = {}
    for item in bundle.sellers():
        if isinstance(item, Seller):
            sellers[item.seller_id] = SellerFacts(item.seller_id, item.registered_at)
        else:
            rejects.add(item)
    spec = _EngineSpec(tuple(brands), sellers, threshold, model_path, image_matcher, bundle.listings_path.name)
    engine = _engine(spec)  # fails early (bad model) before any work is started

    written_lines = flagged = 0
    read = _read_jsonl if bundle.listings_path.suffix == ".jsonl" else _read_records
    skip = _Skip(out, done)
    with out.open("ab") as sink:
        for lines_read, written in read(bundle, spec, engine, workers, batch_size, skip, rejects):
            rejects.flush()
            if written.output:
                sink.write(written.output)
                sink.flush()
                written_lines += written.lines
                flagged += written.flagged
            if on_progress is not None:
                on_progress(lines_read)
        rejects.flush()
    skip.check_finished()
    return ScanSummary(done + written_lines, flagged, rejects.lines, done, engine.version)


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


class _RejectSink:
    """Rejects in file order; on resume the first `already_written` are in the rejects file already."""

    def __init__(self, path: Path, already_written: int) -> None:
        self.path = path
        self.lines = already_written  # in the rejects file
        self._to_skip = already_written
        self._pending: list[Reject] = []

    def add(self, reject: Reject) -> None:
        if self._to_skip:
            self._to_skip -= 1
        else:
            self._pending.append(reject)

    def flush(self) -> None:
        if self._pending:
            self.lines += write_rejects(self.path, self._pending)
            self._pending.clear()


class _Skip:
    """On resume: the listings whose results the output already holds are read again but not scanned."""

    def __init__(self, out: Path, done: int) -> None:
        self.out = out
        self.remaining = done
        self.done = done
        self._last_id = _last_listing_id(out) if done else None

    def passed(self, listing_id: str) -> bool:
        """True while `listing_id` is one of the already-scanned listings (call once per admitted listing)."""
        if not self.remaining:
            return False
        self.remaining -= 1
        if not self.remaining and self._last_id is not None and listing_id != self._last_id:
            raise BundleError(f"{self.out}: cannot resume: it was not written from this bundle "
                              f"(line {self.done} is {self._last_id!r}, expected {listing_id!r})")
        return True

    def check_finished(self) -> None:
        if self.remaining:
            raise BundleError(f"{self.out}: cannot resume: it holds {self.done} results but the bundle has "
                              f"{self.done - self.remaining} listings")


class _Output(NamedTuple):
    """Output lines of a batch, as they are written: UTF-8 (workers encode them, so this process neither decodes
    nor encodes them again), how many lines and how many of them are flags."""

    output: bytes
    lines: int
    flagged: int


_NO_OUTPUT = _Output(b"", 0, 0)


class _ScannedLines(NamedTuple):
    """A batch of JSONL lines as a worker returns it: the lines that are listings (line numbers, ids and
    sellers: what the cross-record rules need), one output line each, and the lines that are not."""

    lines: list[int]
    listing_ids: list[str]
    seller_ids: list[str]
    output: _Output
    rejects: list[Reject]  # in line order


# Each reader yields (input records read, output) per batch, in input order.

def _read_jsonl(bundle: Bundle, spec: _EngineSpec, engine: DetectionEngine, workers: int, batch_size: int,
                skip: _Skip, rejects: _RejectSink) -> Iterator[tuple[int, _Output]]:
    """JSONL: workers get raw lines and parse, validate and scan them; this process only applies the
    cross-record rules (unique ids, known sellers) and writes. Raw bytes are far cheaper to send to a
    worker than parsed records."""
    path = bundle.listings_path
    gate = ListingGate(spec.sellers)
    try:
        handle = path.open("rb")
    except OSError as e:
        raise BundleError(f"{path}: cannot read ({e.strerror})") from None
    with handle:
        numbered = enumerate(handle, 1)
        skipped = 0
        while skip.remaining:  # resume: read without scanning up to the first listing not in the output
            try:
                line_no, raw = next(numbered)
            except StopIteration:
                break
            skipped += 1
            item = parse_line(path.name, line_no, raw, decode_listing)
            if isinstance(item, Reject):
                rejects.add(item)
            elif item is not None:
                reason = gate.check(line_no, item.listing_id, item.seller_id)
                if reason is not None:
                    rejects.add(listing_reject(path.name, line_no, reason, item))
                else:
                    skip.passed(item.listing_id)
        if skipped:
            yield skipped, _NO_OUTPUT
        for first_line, raws, scanned in _map(_raw_batches(numbered, batch_size), _scan_raw, spec, engine, workers):
            if not scanned.rejects and gate.admits_all(scanned.lines, scanned.listing_ids, scanned.seller_ids):
                yield len(raws), scanned.output  # almost every batch
            else:
                yield len(raws), _admitted(scanned, gate, rejects, raws, first_line, path.name)


def _admitted(scanned: _ScannedLines, gate: ListingGate, rejects: _RejectSink, raws: list[bytes], first_line: int,
              file: str) -> _Output:
    """The output of the batch's listings that the cross-record rules admit, one by one; the others and the
    lines that are not listings go to the rejects, in line order."""
    pending = deque(scanned.rejects)
    kept: list[bytes] = []
    flagged = 0
    for line_no, listing_id, seller_id, line in zip(scanned.lines, scanned.listing_ids, scanned.seller_ids,
                                                    scanned.output.output.splitlines(keepends=True), strict=True):
        while pending and pending[0].line < line_no:
            rejects.add(pending.popleft())
        reason = gate.check(line_no, listing_id, seller_id)
        if reason is not None:  # rare: the line is decoded again to quote it
            listing = decode_listing(raws[line_no - first_line].rstrip(b"\r\n"))
            rejects.add(listing_reject(file, line_no, reason, listing))
        else:
            kept.append(line)
            flagged += _FLAG in line
    for reject in pending:
        rejects.add(reject)
    return _Output(b"".join(kept), len(kept), flagged)


def _read_records(bundle: Bundle, spec: _EngineSpec, engine: DetectionEngine, workers: int, batch_size: int,
                  skip: _Skip, rejects: _RejectSink) -> Iterator[tuple[int, _Output]]:
    """Parquet: this process reads records (Arrow batches) and workers scan them."""
    def to_scan() -> Iterator[Listing]:
        for item in bundle.listings(known_sellers=frozenset(spec.sellers)):
            if isinstance(item, Reject):
                rejects.add(item)
            elif not skip.passed(item.listing_id):
                yield item

    for _, batch, output in _map(((0, b) for b in batched(to_scan(), batch_size)), _scan_records, spec, engine,
                                workers):
        yield len(batch), output


def _raw_batches(numbered: Iterator[tuple[int, bytes]], size: int) -> Iterator[tuple[int, list[bytes]]]:
    while chunk := list(islice(numbered, size)):
        yield chunk[0][0], [raw for _, raw in chunk]


_Work = TypeVar("_Work")
_Result = TypeVar("_Result")


def _map(items: Iterator[tuple[int, _Work]], work: Callable[[DetectionEngine, _EngineSpec, int, _Work], _Result],
         spec: _EngineSpec, engine: DetectionEngine, workers: int) -> Iterator[tuple[int, _Work, _Result]]:
    """(key, item, work result) in input order; on `workers` processes with bounded look-ahead."""
    if workers <= 1:
        for key, item in items:
            yield key, item, work(engine, spec, key, item)
        return
    in_flight: deque[tuple[int, _Work, Future[_Result]]] = deque()
    # Forked workers inherit this process's engine (copy-on-write, frozen out of the collector's way):
    # none spends its start (~0.1 s CPU) building one. Spawned workers (other platforms) build their own.
    inherited = engine if multiprocessing.get_start_method() == "fork" else None
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(spec, inherited)) as pool:
        for key, item in items:
            in_flight.append((key, item, pool.submit(_in_worker, work, key, item)))
            if len(in_flight) >= 2 * workers:
                done_key, done_item, future = in_flight.popleft()
                yield done_key, done_item, future.result()
        while in_flight:
            done_key, done_item, future = in_flight.popleft()
            yield done_key, done_item, future.result()


def _engine(spec: _EngineSpec) -> DetectionEngine:
    model = load_model(spec.model_path) if spec.model_path is not None else None
    engine = DetectionEngine(spec.brands, threshold=spec.threshold, model=model)
    gc.freeze()  # the engine's tables live as long as the scan: full collections need not walk them again
    return engine


def _init_worker(spec: _EngineSpec, engine: DetectionEngine | None) -> None:
    global _worker
    _worker = (engine if engine is not None else _engine(spec), spec)


def _in_worker(work: Callable[[DetectionEngine, _EngineSpec, int, _Work], _Result], key: int, item: _Work) -> _Result:
    assert _worker is not None, "worker not initialised"
    engine, spec = _worker
    return work(engine, spec, key, item)


def _scan_raw(engine: DetectionEngine, spec: _EngineSpec, first_line: int, raws: list[bytes]) -> _ScannedLines:
    """Parse, validate and scan raw JSONL lines."""
    lines: list[int] = []
    listings: list[Listing] = []
    rejects: list[Reject] = []
    for line_no, raw in enumerate(raws, first_line):
        item = parse_line(spec.listings_file, line_no, raw, decode_listing)
        if isinstance(item, Listing):
            lines.append(line_no)
            listings.append(item)
        elif item is not None:
            rejects.append(item)
    return _ScannedLines(lines, [x.listing_id for x in listings], [x.seller_id for x in listings],
                         _scan_records(engine, spec, 0, listings), rejects)


def _scan_records(engine: DetectionEngine, spec: _EngineSpec, _key: int, batch: Sequence[Listing]) -> _Output:
    if not batch:
        return _NO_OUTPUT
    images = spec.image_matcher.matches(batch) if spec.image_matcher is not None else {}
    decisions = engine.scan(batch, ScanContext(sellers=spec.sellers, image_matches=images))
    text = "\n".join([d.as_json_text() for d in decisions]) + "\n"
    return _Output(text.encode("utf-8"), len(decisions), sum([d.decision == "flag" for d in decisions]))


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
