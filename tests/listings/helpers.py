"""Bundle fixtures for import tests: copies of the dev bundle, corrupted or enlarged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

FOUNDATION_TABLES = ("brands", "trademarks", "brand_aliases", "brand_red_flag_terms", "brand_reference_images",
                     "authorized_sellers", "products", "sellers", "seller_identifiers", "listings", "listing_images")
VOLATILE = {"id", "created_at", "imported_at"}  # surrogate keys and row timestamps, not content


def copy_bundle(src: Path, dst: Path, *, images: bool = False) -> Path:
    dst.mkdir(parents=True)
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl", "listings.jsonl"):
        shutil.copyfile(src / name, dst / name)
    if images:
        shutil.copytree(src / "images", dst / "images")
    return dst


def enlarge(bundle: Path, copies: int) -> int:
    """Repeat every listing `copies` times with new ids; returns the listing count."""
    lines = (bundle / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    with (bundle / "listings.jsonl").open("w", encoding="utf-8") as out:
        for k in range(copies):
            for line in lines:
                obj = json.loads(line)
                obj["listing_id"] = f"{obj['listing_id']}-{k}"
                out.write(json.dumps(obj) + "\n")
    return len(lines) * copies


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every foundation row as sorted tuples of content columns."""
    meta = MetaData()
    meta.reflect(engine, only=FOUNDATION_TABLES)
    out = {}
    with engine.connect() as conn:
        for name in FOUNDATION_TABLES:
            table = meta.tables[name]
            cols = [c for c in table.columns if c.name not in VOLATILE]
            rows = conn.execute(select(*cols)).all()
            out[name] = sorted(tuple(json.dumps(v, sort_keys=True) for v in row) for row in rows)
    return out
