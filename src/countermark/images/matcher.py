"""Match listing images against hash banks; the result is `detection.context.ImageMatch` records.

Listing images are hashed in all 8 orientations (PDQ's dihedral hashes), so a mirrored or rotated copy
of a bank image matches and the match says how it was transformed. Rules, in order, per listing image:

- an image whose PDQ quality is below `min_quality` (flat, featureless pictures) matches nothing: its
  hash is unreliable and would collide with every other blank image;
- an image that matches the allow bank (e.g. generic stock photos) yields only its allow matches, so it
  can never count against a seller;
- otherwise the best (smallest distance) match per bank entry, nearest first, at most `max_per_image`;
- an image with no PDQ match at all is looked up by its crop hash (`images.crops`, upright and mirrored)
  among the sub-windows of bank entries that carry them: a hit is reported with transform "cropped" (or
  "cropped and mirrored") and the distance in bits of the 143-bit crop hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from countermark.detection.context import ImageMatch, ImageMatchKind
from countermark.images.batch import hash_files
from countermark.images.crops import CROP_BYTES, DEFAULT_CROP_RADIUS, QUERY_ORIENTATIONS, WindowIndex
from countermark.images.hashing import DIHEDRAL_TRANSFORMS, HashResult
from countermark.images.index import DEFAULT_RADIUS, HashIndex
from countermark.listings.records import Listing

# PDQ's authors treat hashes below this quality as too featureless to match on.
DEFAULT_MIN_QUALITY = 50


@dataclass(frozen=True, slots=True)
class BankEntry:
    """One hash of a hash bank, as the matcher needs it (the database rows live in `hashbanks`)."""

    bank: str
    kind: ImageMatchKind
    ref_id: str
    pdq_hex: str
    brand_id: str | None = None
    source: str | None = None
    quality: int = 100
    crop_windows: bytes = b""  # crop hashes of the image's sub-windows (images.crops.window_codes), if known


class ImageMatcher:
    def __init__(
        self,
        entries: Iterable[BankEntry],
        *,
        radius: int = DEFAULT_RADIUS,
        min_quality: int = DEFAULT_MIN_QUALITY,
        dihedral: bool = True,
        approximate: bool = False,
        max_per_image: int = 10,
        crop_radius: int = DEFAULT_CROP_RADIUS,
    ) -> None:
        self.entries = [e for e in entries if e.quality >= min_quality]
        self.min_quality = min_quality
        self.dihedral = dihedral
        self.max_per_image = max_per_image
        self.index = HashIndex.build([e.pdq_hex for e in self.entries], radius=radius, approximate=approximate)
        self.windows = WindowIndex([e.crop_windows for e in self.entries], radius=crop_radius)

    @property
    def matches_crops(self) -> bool:
        """Whether some entry carries sub-window hashes (then query images need their crop hashes)."""
        return len(self.windows) > 0

    def __len__(self) -> int:
        return len(self.entries)

    def match_hashes(self, image: str, hashes: Sequence[str], quality: int) -> list[ImageMatch]:
        """Matches of one image given its hashes: one plain hash, or 8 in DIHEDRAL_TRANSFORMS order."""
        return self.match_many([(image, hashes, quality)])[0]

    def match_many(
        self, images: Sequence[tuple[str, Sequence[str], int]], crop_queries: Sequence[bytes] = ()
    ) -> list[list[ImageMatch]]:
        """Matches of many images, given (image, hashes, quality) each, with one index query for all;
        `crop_queries[n]` (optional) is image n's crop hashes (images.crops.query_codes) for the crop lookup."""
        wanted = [(n, hashes) for n, (_, hashes, quality) in enumerate(images) if quality >= self.min_quality]
        found: list[list[ImageMatch]] = [[] for _ in images]
        if not wanted or not self.entries:
            return found
        owners = [n for n, hashes in wanted for _ in hashes]
        orientations = [o for _, hashes in wanted for o in range(len(hashes))]
        hits_per_query = self.index.query([h for _, hashes in wanted for h in hashes])
        best: dict[int, dict[int, tuple[int, int]]] = {}  # image -> entry id -> (distance, orientation)
        for owner, orientation, hits in zip(owners, orientations, hits_per_query, strict=True):
            per_entry = best.setdefault(owner, {})
            for entry_id, distance in hits:
                if entry_id not in per_entry or (distance, orientation) < per_entry[entry_id]:
                    per_entry[entry_id] = (distance, orientation)
        for owner, per_entry in best.items():
            found[owner] = self._select(images[owner][0], per_entry)
        if crop_queries and self.matches_crops:
            unmatched = [n for n, _ in wanted if not found[n] and crop_queries[n]]
            for n, per_entry in zip(unmatched, self._crop_hits([crop_queries[n] for n in unmatched]), strict=True):
                found[n] = self._select(images[n][0], per_entry, cropped=True)
        return found

    def _crop_hits(self, queries: Sequence[bytes]) -> list[dict[int, tuple[int, int]]]:
        """Per image, entry id -> (distance, orientation) of its best crop-hash hit."""
        codes = [np.frombuffer(q, dtype=np.uint8).reshape(-1, CROP_BYTES) for q in queries]
        hits = self.windows.query(np.concatenate(codes)) if codes else []
        found: list[dict[int, tuple[int, int]]] = []
        start = 0
        for image_codes in codes:
            best: dict[int, tuple[int, int]] = {}
            for orientation, per_entry in zip(QUERY_ORIENTATIONS, hits[start:start + len(image_codes)], strict=True):
                for entry_id, distance in per_entry.items():
                    if entry_id not in best or (distance, orientation) < best[entry_id]:
                        best[entry_id] = (distance, orientation)
            found.append(best)
            start += len(image_codes)
        return found

    def _select(self, image: str, best: dict[int, tuple[int, int]], *, cropped: bool = False) -> list[ImageMatch]:
        allowed = [i for i in best if self.entries[i].kind == "allow"]
        chosen = allowed or list(best)
        chosen.sort(key=lambda i: (best[i][0], best[i][1], self.entries[i].bank, self.entries[i].ref_id))
        return [self._record(image, i, *best[i], cropped=cropped) for i in chosen[: self.max_per_image]]

    def match_result(self, image: str, result: HashResult) -> list[ImageMatch]:
        return self.match_results([(image, result)])[0]

    def match_results(self, results: Sequence[tuple[str, HashResult]]) -> list[list[ImageMatch]]:
        """Matches of hashed images, given (image name, HashResult) each; unreadable images match nothing."""
        return self.match_many(
            [(image, (r.dihedral or (r.pdq_hex,)) if r.ok and r.pdq_hex else (), r.quality) for image, r in results],
            [r.crop_codes for _, r in results],
        )

    def _hash_files(self, paths: Sequence[str | Path], workers: int | None) -> list[HashResult]:
        crops = "query" if self.matches_crops else None
        return list(hash_files(paths, workers=workers, dihedral=self.dihedral, crops=crops))

    def match_files(self, paths: Sequence[str | Path], *, workers: int | None = None) -> list[list[ImageMatch]]:
        """Matches of each file (an unreadable file matches nothing; hash it to see why)."""
        results = self._hash_files(paths, workers)
        return self.match_results([(str(path), r) for path, r in zip(paths, results, strict=True)])

    def match_listings(
        self, listings: Iterable[Listing], root: str | Path, *, workers: int | None = None
    ) -> dict[str, list[ImageMatch]]:
        """Matches of every listing with images (paths relative to the bundle `root`), by listing id."""
        root = Path(root)
        wanted = [(listing.listing_id, image) for listing in listings for image in listing.images]
        if not wanted or not self.entries:
            return {}
        results = self._hash_files([root / image for _, image in wanted], workers)
        found = self.match_results([(image, r) for (_, image), r in zip(wanted, results, strict=True)])
        by_listing: dict[str, list[ImageMatch]] = {}
        for (listing_id, _), matches in zip(wanted, found, strict=True):
            if matches:
                by_listing.setdefault(listing_id, []).extend(matches)
        return by_listing

    def _record(self, image: str, entry_id: int, distance: int, orientation: int, *, cropped: bool) -> ImageMatch:
        entry = self.entries[entry_id]
        transform = DIHEDRAL_TRANSFORMS[orientation]
        if cropped:
            transform = f"cropped and {transform}" if transform else "cropped"
        return ImageMatch(
            listing_image=image,
            bank=entry.bank,
            kind=entry.kind,
            brand_id=entry.brand_id,
            ref_id=entry.ref_id,
            distance=distance,
            transform=transform,
            source=entry.source,
        )

