"""What a scan says about one listing: a decision and the reasons behind it.

Plain frozen dataclasses, no SQLAlchemy: they cross from the pure kernel to the CLI, the
review queue and Spark unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from countermark.detection.record import Record

DecisionKind = Literal["flag", "clear"]

_string = json.encoder.encode_basestring  # a str as json.dumps(..., ensure_ascii=False) writes it (in C)


class Reason(Record):
    """One piece of evidence: a stable machine code, a sentence for a human, and its weight.

    A positive weight raises the risk, a negative one (legitimate context) lowers it.
    """

    code: str
    message: str
    weight: float

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "weight": round(float(self.weight), 4)}

    def as_json_text(self) -> str:
        """`json.dumps(self.as_json(), ensure_ascii=False)`, written directly."""
        return _SHARED_TEXTS.get(id(self)) or _reason_text(self)


def _reason_text(reason: Reason) -> str:
    return (f'{{"code": {_string(reason.code)}, "message": {_string(reason.message)}, '
            f'"weight": {_number(reason.weight)}}}')


# The JSON texts of the reasons that signals build once and give to many listings (a brand's mention, an
# authorised seller...), written once, by the reason's id: `_SHARED` holds the reasons, so no other object
# can take one of their ids.
_SHARED_TEXTS: dict[int, str] = {}
_SHARED: list[Reason] = []
_SHARED_LIMIT = 16_384


def shared(reason: Reason) -> Reason:
    """`reason`, registered as one that many listings will share: its JSON text is written now, once."""
    if len(_SHARED) >= _SHARED_LIMIT:  # reasons no longer registered are written each time, as any other
        _SHARED_TEXTS.clear()
        _SHARED.clear()
    _SHARED.append(reason)
    _SHARED_TEXTS[id(reason)] = _reason_text(reason)
    return reason


class Decision(Record):
    listing_id: str
    decision: DecisionKind
    score: float
    brand_id: str | None
    matched_sku: str | None
    reasons: tuple[Reason, ...]
    engine_version: str

    @property
    def flagged(self) -> bool:
        return self.decision == "flag"

    def as_json(self) -> dict[str, Any]:
        """Exactly the scan output object of shared/spec/bundle.md."""
        return {
            "listing_id": self.listing_id,
            "decision": self.decision,
            "score": round(float(self.score), 4),
            "brand_id": self.brand_id,
            "matched_sku": self.matched_sku,
            "reasons": [r.as_json() for r in self.reasons],
        }

    def as_json_text(self) -> str:
        """`json.dumps(self.as_json(), ensure_ascii=False)`, byte for byte, written directly: a scan writes one
        per listing, and building the dicts and running the generic encoder cost more than scoring does."""
        shared_texts = _SHARED_TEXTS
        reasons = ", ".join([shared_texts.get(id(r)) or _reason_text(r) for r in self.reasons])
        return (f'{{"listing_id": {_string(self.listing_id)}, "decision": {_string(self.decision)}, '
                f'"score": {_number(self.score)}, "brand_id": {_optional_string(self.brand_id)}, '
                f'"matched_sku": {_optional_string(self.matched_sku)}, "reasons": [{reasons}]}}')


# A weight is one of the signals' constants and a transparent score a function of the weights: a scan meets
# few distinct values, and rounding and writing a float costs more than looking it up.
_NUMBER_TEXTS: dict[float, str] = {}
_NUMBER_TEXTS_LIMIT = 4096


def _number(value: float) -> str:
    """A score or weight as as_json() rounds it and json.dumps writes it."""
    text = _NUMBER_TEXTS.get(value)
    if text is None:
        rounded = round(float(value), 4)
        text = repr(rounded) if math.isfinite(rounded) else json.dumps(rounded)
        if value:  # 0.0 and -0.0 are one key but two texts
            if len(_NUMBER_TEXTS) >= _NUMBER_TEXTS_LIMIT:
                _NUMBER_TEXTS.clear()
            _NUMBER_TEXTS[value] = text
    return text


def _optional_string(value: str | None) -> str:
    return "null" if value is None else _string(value)
