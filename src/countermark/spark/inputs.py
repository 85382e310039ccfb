"""What a Spark job reads: the bundle's brands (on the driver) and the paths the executors read.

Local paths are handed to Spark as `file://` URIs, so they are read from the local (or shared-mount) file
system whatever `fs.defaultFS` says (on YARN it is HDFS). Listings may also be given as a URI string
(`hdfs://...`, `s3a://...`, `abfss://...`): then they are read where the URI says, and the bundle (brands and
sellers) comes from `bundle`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countermark.listings.bundle import Bundle, BundleError
from countermark.listings.records import Brand, Reject

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Inputs:
    brands: tuple[Brand, ...]
    brand_rejects: tuple[Reject, ...]
    brands_file: Path
    sellers_file: Path
    listings: str  # a path or URI Spark reads
    listings_parquet: bool

    @property
    def sellers(self) -> str:
        return local_uri(self.sellers_file)


def local_uri(path: Path) -> str:
    """A local path as Spark should read it: `file:///abs/path` (not percent-encoded: Hadoop takes it as is)."""
    return f"file://{path.resolve()}"


def open_inputs(source: Path | str, bundle: Path | None = None) -> Inputs:
    """`source` is a bundle, or Parquet listings (a local path, or a URI string) with `bundle` giving brands
    and sellers. Raises BundleError."""
    remote = isinstance(source, str) and _URI.match(source) is not None
    if remote and bundle is None:
        raise BundleError(f"{source}: listings at a URI need the bundle that gives their brands and sellers")
    local = Path(source)
    if bundle is None or (not remote and (local / "bundle.json").is_file()):
        opened = Bundle.open(local)
        listings, parquet = local_uri(opened.listings_path), opened.listings_path.suffix == ".parquet"
    elif remote:
        opened = Bundle.open(bundle)
        listings, parquet = str(source), not str(source).endswith((".jsonl", ".json"))
    else:
        opened = Bundle.open(bundle)
        if not local.exists():
            raise BundleError(f"{local}: no such Parquet file or directory")
        listings, parquet = local_uri(local), _is_parquet(local)
    brands: list[Brand] = []
    rejects: list[Reject] = []
    for item in opened.brands():
        (rejects if isinstance(item, Reject) else brands).append(item)
    root = opened.root.resolve()
    return Inputs(tuple(brands), tuple(rejects), root / "brands.jsonl", root / "sellers.jsonl", listings, parquet)


def _is_parquet(path: Path) -> bool:
    return path.suffix == ".parquet" or (path.is_dir() and not any(path.glob("*.json*")))


def fingerprint(inputs: Inputs, listings_bytes: int | None, *, engine: str, threshold: float,
                model_path: Path | None, images: bool, spark_version: str) -> dict[str, Any]:
    """What a resumed scan must share with the interrupted one (JSON values, compared after a round trip)."""
    def stamp(path: Path) -> list[Any]:
        info = path.stat()
        return [str(path.resolve()), info.st_size, info.st_mtime_ns]

    return {
        "listings": [inputs.listings, listings_bytes],
        "sellers": stamp(inputs.sellers_file),
        "brands": stamp(inputs.brands_file),
        "model": None if model_path is None else stamp(model_path),
        "engine": engine,
        "threshold": threshold,
        "images": images,
        "spark": spark_version,
    }
