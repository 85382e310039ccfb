"""Hash many image files on every core, in input order, never stopping at a bad file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from countermark.images.hashing import MAX_PIXELS, CropMode, HashResult, hash_file

# Files picked up when a directory is walked (a file named explicitly is always tried).
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".ico"}
)
# Below this many files a process pool costs more than it saves.
MIN_FILES_FOR_POOL = 16


class MissingPathError(Exception):
    """A path given on the command line does not exist (the whole run cannot start)."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to hash: files as given, directories walked recursively (image suffixes only, sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise MissingPathError(f"{path}: no such file or directory")
    return found


def hash_files(
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    dihedral: bool = False,
    crops: CropMode | None = None,
    max_pixels: int = MAX_PIXELS,
    chunksize: int | None = None,
) -> Iterator[HashResult]:
    """One HashResult per path, in input order, using `workers` processes (default: every core)."""
    paths = list(paths)
    workers = available_cores() if workers is None else max(1, workers)
    job = partial(hash_file, dihedral=dihedral, crops=crops, max_pixels=max_pixels)
    if workers == 1 or len(paths) < MIN_FILES_FOR_POOL:
        yield from map(job, paths)
        return
    if chunksize is None:  # big enough to amortise inter-process traffic, small enough to balance the cores
        chunksize = max(1, min(64, len(paths) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(job, paths, chunksize=chunksize)
