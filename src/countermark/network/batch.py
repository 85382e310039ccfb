"""`countermark network BUNDLE --out FILE.csv`: cluster a bundle's sellers into a CSV (no database)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from countermark.listings.bundle import Bundle, rejects_path_for, write_rejects
from countermark.listings.records import Reject
from countermark.network.linkage import LinkageRules, SellerKey, link_keys, seller_keys


@dataclass(frozen=True)
class BatchReport:
    sellers: int
    clusters: int
    linked_clusters: int  # clusters of two or more sellers
    rejects: int
    rejects_path: Path


def cluster_bundle(bundle: Bundle, out: Path, rules: LinkageRules = LinkageRules(),
                   on_seller: Callable[[], None] | None = None) -> BatchReport:
    """Writes `seller_id,cluster_id` for every valid seller; bad seller records go to the rejects file.

    `on_seller` is called once per seller record read and normalised (for progress display).
    """
    seller_ids: list[str] = []
    keys: list[SellerKey] = []
    rejects: list[Reject] = []
    for item in bundle.sellers():
        if isinstance(item, Reject):
            rejects.append(item)
        else:
            seller_ids.append(item.seller_id)
            keys.extend(seller_keys([item]))
        if on_seller is not None:
            on_seller()
    linkage = link_keys(seller_ids, keys, rules)
    write_assignments(out, linkage.assignments())
    rejects_path = rejects_path_for(out)
    rejects_path.unlink(missing_ok=True)
    if rejects:
        write_rejects(rejects_path, rejects)
    sizes = linkage.cluster_sizes()
    return BatchReport(len(seller_ids), len(sizes), sum(1 for n in sizes.values() if n > 1), len(rejects),
                       rejects_path)


def write_assignments(out: Path, assignments: Mapping[str, str]) -> None:
    """The CSV appears whole or not at all (written beside it, then renamed)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seller_id", "cluster_id"])
        writer.writerows(assignments.items())
    os.replace(tmp, out)
