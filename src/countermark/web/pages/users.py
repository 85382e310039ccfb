"""User administration page (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from countermark.accounts.models import ROLES
from countermark.accounts.service import AccountError, create_user, get_user, issue_token, list_users
from countermark.web.deps import CurrentPrincipal, SessionDep, allow_page
from countermark.web.pages.portal import back
from countermark.web.pages.render import render
from countermark.web.problems import Problem, not_found
from countermark.web.roles import ADMIN

router = APIRouter(include_in_schema=False)


@router.get("/users", dependencies=allow_page(*ADMIN))
def users(request: Request, db: SessionDep) -> Response:
    return render(request, "users.html", users=list_users(db), roles=ROLES)


@router.post("/users", dependencies=allow_page(*ADMIN))
def add_user(
    db: SessionDep, principal: CurrentPrincipal,
    username: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form(max_length=20)], brands: Annotated[str, Form(max_length=10_000)] = "",
    storefronts: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    try:
        create_user(db, username=username, password=password, role=role, brands=brands.replace(",", " ").split(),
                    storefronts=storefronts.replace(",", " ").split(), actor=principal.actor)
    except AccountError as e:
        raise Problem(422, str(e)) from e
    return back("/users", f"User {username} created.")


@router.post("/users/token", dependencies=allow_page(*ADMIN))
def token(request: Request, db: SessionDep, principal: CurrentPrincipal,
          username: Annotated[str, Form(max_length=200)]) -> Response:
    user = get_user(db, username)
    if user is None:
        raise not_found("user")
    plain, _ = issue_token(db, user, "issued in the web UI", actor=principal.actor)
    return render(request, "users.html", users=list_users(db), roles=ROLES, token=plain, token_user=username)
