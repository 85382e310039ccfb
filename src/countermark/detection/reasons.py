"""What a scan says about one listing: a decision and the reasons behind it.

Plain frozen dataclasses, no SQLAlchemy: they cross from the pure kernel to the CLI, the
review queue and Spark unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

DecisionKind = Literal["flag", "clear"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: a stable machine code, a sentence for a human, and its weight.

    A positive weight raises the risk, a negative one (legitimate context) lowers it.
    """

    code: str
    message: str
    weight: float

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "weight": round(float(self.weight), 4)}


@dataclass(frozen=True, slots=True)
class Decision:
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
