"""Errors raised by enforcement services; the web and CLI layers map them to responses and exit codes."""

from __future__ import annotations


class EnforcementError(ValueError):
    """A request the workflow refuses; the message says why."""


class NotFound(EnforcementError):
    pass


class NotAllowed(EnforcementError):
    """The request conflicts with the current state (already decided, window closed, wrong reviewer...)."""


class InvalidNotice(EnforcementError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class IntakeSuspended(EnforcementError):
    """The notifier's notice intake is suspended (Art. 23 sanction)."""
