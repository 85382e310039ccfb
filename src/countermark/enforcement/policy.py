"""The enforcement policy: every number the workflow depends on, in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

from countermark.settings import Settings

ENV_VAR = "COUNTERMARK_ENFORCEMENT_POLICY"

# Settings that must be at least 1 (0 would refuse every notice or file, or act on no evidence at all);
# every other count of days or items may be 0. Rates are shares between 0 and 1.
_AT_LEAST_ONE = frozenset({"max_listings_per_notice", "max_csv_rows", "lane_window_days", "lane_min_decided",
                           "strikes_to_suspend", "unfounded_to_warn", "unfounded_to_suspend"})


class PolicyError(ValueError):
    """A policy file that cannot be used: unreadable, not JSON, unknown settings or values out of range.

    The message names the file and every problem found."""


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
        """A JSON object overriding any of the defaults, e.g. {"strikes_to_suspend": 5}.

        Raises `PolicyError` naming the file and the problem: every value is checked here, so a wrong one
        is found when the policy is loaded rather than in the middle of some later operation."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError(f"{path}: cannot read the policy file ({_reason(e)})") from e
        try:
            overrides = json.loads(text)
        except json.JSONDecodeError as e:
            raise PolicyError(f"{path}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
        if not isinstance(overrides, dict):
            raise PolicyError(f"{path}: must be a JSON object of policy settings, e.g. "
                              '{"strikes_to_suspend": 5}, not ' + type(overrides).__name__)
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise PolicyError(f"{path}: unknown policy settings {', '.join(unknown)} "
                              f"(known: {', '.join(known)})")
        values: dict[str, int | float] = {}
        problems: list[str] = []
        for name, value in overrides.items():
            checked = _check(name, getattr(DEFAULT_POLICY, name), value)
            if isinstance(checked, str):
                problems.append(checked)
            else:
                values[name] = checked
        if problems:
            raise PolicyError(f"{path}: {'; '.join(problems)}")
        return replace(cls(), **values)


def _check(name: str, default: int | float, value: object) -> int | float | str:
    """The value to use (of the default's type), or why it cannot be used."""
    whole = isinstance(default, int)
    if isinstance(value, bool) or not isinstance(value, int | float):
        expected = "a whole number" if whole else "a number between 0 and 1"
        return f"{name} must be {expected}, not {json.dumps(value)}"
    if whole:
        if not isinstance(value, int):
            if not float(value).is_integer():
                return f"{name} must be a whole number, not {value}"
            value = int(value)
        least = 1 if name in _AT_LEAST_ONE else 0
        return value if value >= least else f"{name} must be at least {least}, not {value}"
    if not 0 <= value <= 1:
        return f"{name} must be between 0 and 1, not {value}"
    return float(value)


def _reason(e: BaseException) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else str(e)


DEFAULT_POLICY = Policy()


def policy_from_settings(settings: Settings) -> Policy:
    """The policy named by `settings.enforcement_policy` (COUNTERMARK_ENFORCEMENT_POLICY), or the defaults.

    The CLI, the web application and the server's housekeeping all load it through here."""
    if not settings.enforcement_policy:
        return DEFAULT_POLICY
    try:
        return Policy.load(settings.enforcement_policy)
    except PolicyError as e:
        raise PolicyError(f"{ENV_VAR}={e}") from e
