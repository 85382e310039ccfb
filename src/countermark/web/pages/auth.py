"""Login, logout and the start page."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from countermark.accounts.service import authenticate, end_session, start_session
from countermark.web.api.auth import client_address
from countermark.web.deps import SESSION_COOKIE, SessionDep, allow_page
from countermark.web.pages.render import render
from countermark.web.roles import EVERYONE

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "cm_login_csrf"
SESSION_TTL = timedelta(hours=12)


def _safe_next(target: str) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _login_form(request: Request, *, error: str = "", username: str = "", next_: str = "/",
                status_code: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status_code, error=error, username=username,
                      next=_safe_next(next_), login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002 (the query parameter's name)
    return _login_form(request, next_=next)


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_form(request, error="The form expired; please try again.", username=username, next_=next,
                           status_code=403)
    limiter = request.app.state.login_limiter
    address = client_address(request)
    wait = limiter.retry_after(username, address)
    if wait:
        response = _login_form(request, error=f"Too many failed attempts. Try again in {wait} seconds.",
                               username=username, next_=next, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(db, username, password)
    if user is None:
        limiter.failed(username, address)
        return _login_form(request, error="Wrong username or password.", username=username, next_=next,
                           status_code=401)
    limiter.succeeded(username)
    cookie, _csrf = start_session(db, user, ttl=SESSION_TTL)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=int(SESSION_TTL.total_seconds()), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=allow_page(*EVERYONE))
def logout(request: Request, db: SessionDep) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", dependencies=allow_page(*EVERYONE))
def home(request: Request) -> Response:
    return render(request, "home.html")
