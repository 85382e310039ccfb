"""The enforcement policy: every number the workflow depends on, in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

from countermark.settings import Settings


@dataclass(frozen=True)
class Policy:
    # Intake
    max_listings_per_notice: int = 300
    max_csv_rows: int = 10_000
    # Expedited lane: trailing window, minimum volume, accuracy thresholds
    lane_window_days: int = 90
    lane_min_decided: int = 20
    lane_min_upheld_rate: float = 0.90
    lane_max_counter_rate: float = 0.05
    # Counter-notices
    counter_notice_window_days: int = 14
    restore_after_business_days: int = 10
    # Strikes against sellers
    strike_window_days: int = 180
    strikes_to_suspend: int = 3
    seller_suspension_days: int = 30
    # Sanctions against abusive notifiers (manifestly unfounded notices)
    unfounded_window_days: int = 180
    unfounded_to_warn: int = 3
    unfounded_to_suspend: int = 5
    notifier_suspension_days: int = 30

    @classmethod
    def load(cls, path: Path) -> Policy:
        """A JSON object overriding any of the defaults, e.g. {"strikes_to_suspend": 5}."""
        overrides = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"{path}: unknown policy settings {', '.join(unknown)}")
        return replace(cls(), **overrides)


DEFAULT_POLICY = Policy()


def policy_from_settings(settings: Settings) -> Policy:
    return Policy.load(settings.enforcement_policy) if settings.enforcement_policy else DEFAULT_POLICY
