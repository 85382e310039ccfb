"""The common shape of a signal: a listing view in, named features and reasons out.

A signal is one small class with a `name`, the names of the numeric `features` it emits (in order; a
trained model uses them) and `evaluate(view)`. Each `Reason.weight` is the signal's contribution to the
default transparent score, in log-odds: positive raises the risk, negative lowers it. Adding a signal
is adding a module here and listing it in `default_signals()`: the engine has no per-signal code.
"""

from __future__ import annotations

from typing import Protocol

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.record import Record


class Evidence(Record):
    features: tuple[float, ...]
    reasons: tuple[Reason, ...] = ()


class Signal(Protocol):
    name: str
    features: tuple[str, ...]

    def evaluate(self, view: ListingView) -> Evidence: ...


def quote(text: str, limit: int = 40) -> str:
    """A listing's words inside a reason sentence, shortened."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
