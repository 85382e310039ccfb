"""Image matches for `countermark scan BUNDLE`: the bundle's own brand images form the reference bank.

`BundleImageMatcher` is the picklable hook the detection batch calls per batch of listings (inside its
worker processes): it carries plain bank entries and builds its index lazily in each process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from countermark.detection.context import ImageMatch
from countermark.images.batch import hash_files
from countermark.images.index import DEFAULT_RADIUS
from countermark.images.matcher import BankEntry, ImageMatcher
from countermark.listings.records import Brand, Listing

REFERENCE_BANK = "brand-reference"


def brand_image_refs(brands: Iterable[Brand]) -> list[tuple[str, str, str]]:
    """(ref_id, brand_id, path) of every official image: reference images `<brand>-ref-<n>` and
    catalogue images `<brand>-<sku>-<n>`."""
    refs: list[tuple[str, str, str]] = []
    for brand in brands:
        bid = brand.brand_id
        refs += [(f"{bid}-ref-{n}", bid, p) for n, p in enumerate(brand.reference_images, 1)]
        for product in brand.products:
            refs += [(f"{bid}-{product.sku}-{n}", bid, p) for n, p in enumerate(product.images, 1)]
    return refs


def reference_entries(
    brands: Iterable[Brand], root: str | Path, *, workers: int | None = None,
    on_hashed: Callable[[], None] | None = None,
) -> tuple[list[BankEntry], list[tuple[str, str]]]:
    """Hash every official image of the brands (paths relative to `root`) into reference-bank entries, with
    the crop hashes of their sub-windows; also returns the (path, reason) of images that could not be hashed."""
    refs = brand_image_refs(brands)
    results = hash_files([Path(root) / path for _, _, path in refs], workers=workers, crops="windows")
    entries: list[BankEntry] = []
    failed: list[tuple[str, str]] = []
    for (ref_id, brand_id, path), result in zip(refs, results, strict=True):
        if on_hashed is not None:
            on_hashed()
        if result.ok and result.pdq_hex is not None:
            entries.append(BankEntry(REFERENCE_BANK, "reference", ref_id, result.pdq_hex, brand_id, path,
                                     result.quality, result.crop_codes))
        else:
            failed.append((path, result.error or "unreadable"))
    return entries, failed


class BundleImageMatcher:
    """Matches a batch of listings' images (relative to the bundle root) against fixed bank entries."""

    def __init__(self, entries: Sequence[BankEntry], root: str | Path, *, radius: int = DEFAULT_RADIUS) -> None:
        self.entries = tuple(entries)
        self.root = Path(root)
        self.radius = radius
        self._matcher: ImageMatcher | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"entries": self.entries, "root": self.root, "radius": self.radius}  # the index is rebuilt

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._matcher = None

    def matches(self, listings: Sequence[Listing]) -> Mapping[str, Sequence[ImageMatch]]:
        if self._matcher is None:
            self._matcher = ImageMatcher(self.entries, radius=self.radius)
        # One process: the scan already runs one of these per worker.
        return self._matcher.match_listings(listings, self.root, workers=1)


def bundle_image_matcher(
    root: str | Path, brands: Iterable[Brand], *, radius: int = DEFAULT_RADIUS, workers: int | None = None,
    extra_entries: Sequence[BankEntry] = (),
) -> BundleImageMatcher | None:
    """The scan hook for a bundle, or None when it has no images (then a scan uses no image signal)."""
    if not (Path(root) / "images").is_dir() and not extra_entries:
        return None
    entries, _ = reference_entries(brands, root, workers=workers)
    entries += extra_entries
    return BundleImageMatcher(entries, root, radius=radius) if entries else None


def scan_hook(bundle_path: str | Path, *, radius: int = DEFAULT_RADIUS) -> BundleImageMatcher | None:
    """What `countermark scan BUNDLE` passes to the detection batch: the bundle's brand images as the
    reference bank, or None when the bundle has no images. Raises BundleError for an unreadable bundle."""
    from countermark.listings.bundle import Bundle

    bundle = Bundle.open(bundle_path)
    brands = [b for b in bundle.brands() if isinstance(b, Brand)]
    return bundle_image_matcher(bundle.root, brands, radius=radius)
