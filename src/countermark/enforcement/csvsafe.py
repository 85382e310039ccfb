"""CSV fields that spreadsheets would run as formulas (`=HYPERLINK(...)`, `+cmd`, `@SUM`) are neutralised
on export by a leading apostrophe (OWASP "CSV injection")."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
