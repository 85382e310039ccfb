"""Enforcement's refusals as HTTP problems."""

from __future__ import annotations

from countermark.enforcement.errors import EnforcementError, IntakeSuspended, InvalidNotice, NotAllowed, NotFound
from countermark.web.problems import Problem


def as_problem(error: EnforcementError) -> Problem:
    if isinstance(error, NotFound):
        return Problem(404, str(error))
    if isinstance(error, NotAllowed):
        return Problem(409, str(error))
    if isinstance(error, IntakeSuspended):
        return Problem(403, str(error), title="Notice intake suspended")
    if isinstance(error, InvalidNotice):
        return Problem(422, str(error), title="Invalid notice", problems=error.problems)
    return Problem(422, str(error))
