"""API tokens for systems and the caller's own identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from countermark.accounts.service import authenticate, issue_token
from countermark.web.deps import CurrentPrincipal, SessionDep, allow
from countermark.web.problems import Problem
from countermark.web.roles import EVERYONE

router = APIRouter(tags=["auth"])


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    name: str = Field(default="", max_length=200, description="A label to recognise the token by")


class TokenOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once")
    token_id: int


class Me(BaseModel):
    username: str
    role: str
    brands: list[str]
    storefronts: list[str]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/token", status_code=201, response_model=TokenOut)
def create_token(request: Request, db: SessionDep, body: Annotated[TokenRequest, Body()]) -> TokenOut:
    """Exchange a username and password for an API token (rate limited like the login form)."""
    limiter = request.app.state.login_limiter
    address = client_address(request)
    wait = limiter.retry_after(body.username, address)
    if wait:
        raise Problem(429, f"too many failed logins; retry in {wait} s", headers={"Retry-After": str(wait)})
    user = authenticate(db, body.username, body.password)
    if user is None:
        limiter.failed(body.username, address)
        raise Problem(401, "wrong username or password")
    limiter.succeeded(body.username)
    plain, token = issue_token(db, user, body.name, actor=f"user:{user.username}")
    return TokenOut(token=plain, token_id=token.id)


@router.get("/me", response_model=Me, dependencies=allow(*EVERYONE))
def me(principal: CurrentPrincipal) -> Me:
    return Me(username=principal.username, role=principal.role, brands=sorted(principal.brands),
              storefronts=sorted(principal.storefronts))
