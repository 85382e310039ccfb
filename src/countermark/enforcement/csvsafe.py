"""CSV fields that spreadsheets would run as formulas (`=HYPERLINK(...)`, `+cmd`, `@SUM`) are neutralised
on export by a leading apostrophe (OWASP "CSV injection")."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(out: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a CSV for spreadsheets with every field neutralised; returns the number of rows."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
    return count
