"""The base of the records the kernel builds for every listing it scans (mentions, hits, views, reasons...)."""

from __future__ import annotations

import msgspec


class Record(msgspec.Struct, frozen=True, gc=False):
    """An immutable record: a frozen msgspec Struct, about ten times cheaper to build than a frozen dataclass.

    gc=False: records hold only immutable values made before them, so they are never part of a reference
    cycle and the garbage collector need not track them.
    """
