"""Match listing images against hash banks; the result is `detection.context.ImageMatch` records.

Listing images are hashed in all 8 orientations (PDQ's dihedral hashes), so a mirrored or rotated copy
of a bank image matches and the match says how it was transformed. Rules, in order, per listing image:

- an image whose PDQ quality is below `min_quality` (flat, featureless pictures) matches nothing: its
  hash is unreliable and would collide with every other blank image;
- an image that matches the allow bank (e.g. generic stock photos) yields only its allow matches, so it
  can never count against a seller;
- otherwise the best (smallest distance) match per bank entry, nearest first, at most `max_per_image`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from countermark.detection.context import ImageMatch, ImageMatchKind
from countermark.images.batch import hash_files
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
    ) -> None:
        self.entries = [e for e in entries if e.quality >= min_quality]
        self.min_quality = min_quality
        self.dihedral = dihedral
        self.max_per_image = max_per_image
        self.index = HashIndex.build([e.pdq_hex for e in self.entries], radius=radius, approximate=approximate)

    def __len__(self) -> int:
        return len(self.entries)

    def match_hashes(self, image: str, hashes: Sequence[str], quality: int) -> list[ImageMatch]:
        """Matches of one image given its hashes: one plain hash, or 8 in DIHEDRAL_TRANSFORMS order."""
        return self.match_many([(image, hashes, quality)])[0]

    def match_many(self, images: Sequence[tuple[str, Sequence[str], int]]) -> list[list[ImageMatch]]:
        """Matches of many images, given (image, hashes, quality) each, with one index query for all."""
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
        return found

    def _select(self, image: str, best: dict[int, tuple[int, int]]) -> list[ImageMatch]:
        allowed = [i for i in best if self.entries[i].kind == "allow"]
        chosen = allowed or list(best)
        chosen.sort(key=lambda i: (best[i][0], best[i][1], self.entries[i].bank, self.entries[i].ref_id))
        return [self._record(image, i, *best[i]) for i in chosen[: self.max_per_image]]

    def match_result(self, image: str, result: HashResult) -> list[ImageMatch]:
        return self.match_results([(image, result)])[0]

    def match_results(self, results: Sequence[tuple[str, HashResult]]) -> list[list[ImageMatch]]:
        """Matches of hashed images, given (image name, HashResult) each; unreadable images match nothing."""
        return self.match_many([
            (image, (r.dihedral or (r.pdq_hex,)) if r.ok and r.pdq_hex else (), r.quality) for image, r in results
        ])

    def match_files(self, paths: Sequence[str | Path], *, workers: int | None = None) -> list[list[ImageMatch]]:
        """Matches of each file (an unreadable file matches nothing; hash it to see why)."""
        results = hash_files(paths, workers=workers, dihedral=self.dihedral)
        return self.match_results([(str(path), r) for path, r in zip(paths, results, strict=True)])

    def match_listings(
        self, listings: Iterable[Listing], root: str | Path, *, workers: int | None = None
    ) -> dict[str, list[ImageMatch]]:
        """Matches of every listing with images (paths relative to the bundle `root`), by listing id."""
        root = Path(root)
        wanted = [(listing.listing_id, image) for listing in listings for image in listing.images]
        if not wanted or not self.entries:
            return {}
        results = hash_files([root / image for _, image in wanted], workers=workers, dihedral=self.dihedral)
        found = self.match_results([(image, r) for (_, image), r in zip(wanted, results, strict=True)])
        by_listing: dict[str, list[ImageMatch]] = {}
        for (listing_id, _), matches in zip(wanted, found, strict=True):
            if matches:
                by_listing.setdefault(listing_id, []).extend(matches)
        return by_listing

    def _record(self, image: str, entry_id: int, distance: int, orientation: int) -> ImageMatch:
        entry = self.entries[entry_id]
        return ImageMatch(
            listing_image=image,
            bank=entry.bank,
            kind=entry.kind,
            brand_id=entry.brand_id,
            ref_id=entry.ref_id,
            distance=distance,
            transform=DIHEDRAL_TRANSFORMS[orientation],
            source=entry.source,
        )

