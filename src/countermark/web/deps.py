"""Request-scoped dependencies: the database session, who is calling, CSRF, pagination, settings and the
enforcement policy."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from countermark.accounts.service import Principal, principal_for, resolve_session, user_for_token
from countermark.enforcement.policy import Policy
from countermark.settings import Settings
from countermark.web.policy import Allow
from countermark.web.problems import Problem

SESSION_COOKIE = "cm_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on any error."""
    with request.app.state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(db_session, scope="function")]


def identify(request: Request, db: SessionDep) -> None:
    """Who is calling: an API token (systems) or a session cookie (browsers); anonymous otherwise."""
    request.state.principal = None
    request.state.csrf_token = None
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        user = user_for_token(db, authorization[7:].strip())
        if user is None:
            raise Problem(401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"})
        request.state.principal = principal_for(user)
        request.state.via_cookie = False
        return
    cookie = request.cookies.get(SESSION_COOKIE)
    found = resolve_session(db, cookie) if cookie else None
    if found:
        user, web_session = found
        request.state.principal = principal_for(user)
        request.state.csrf_token = web_session.csrf_token
        request.state.via_cookie = True


async def csrf_guard(request: Request, _: Annotated[None, Depends(identify)]) -> None:
    """State changes made with a session cookie must carry the session's CSRF token (header or form field)."""
    expected = request.state.csrf_token
    if request.method in SAFE_METHODS or expected is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent, expected):
        raise Problem(403, "missing or wrong CSRF token; reload the page and try again")


def current_principal(request: Request) -> Principal:
    """The caller, after a route's `Allow` has admitted them."""
    principal = request.state.principal
    if principal is None:  # a route without `Allow`: treat as unauthenticated
        raise Problem(401, "log in or send an API token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def media_root(request: Request) -> Path:
    """The app's media store, `<data_dir>/media` of the settings `create_app` was given: services that read
    stored images (e.g. a removal feeding the known-counterfeit bank) are passed this one."""
    return request.app.state.settings.media_root


MediaRootDep = Annotated[Path, Depends(media_root)]


def enforcement_policy(request: Request) -> Policy:
    """The enforcement policy `create_app` loaded from the app's settings (COUNTERMARK_ENFORCEMENT_POLICY):
    every route that calls an enforcement service taking `policy=` passes this one, as the CLI passes its own."""
    return request.app.state.enforcement_policy


EnforcementPolicyDep = Annotated[Policy, Depends(enforcement_policy)]


def allow(*roles: str) -> list:
    """`dependencies=allow(...)` on an API route: decorator dependencies run before parameter loaders."""
    return [Depends(Allow(*roles))]


def allow_page(*roles: str) -> list:
    return [Depends(Allow(*roles, page=True))]


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
