"""User administration (admins only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from countermark.accounts.models import User
from countermark.accounts.service import AccountError, create_user
from countermark.rights.models import Brand
from countermark.web.deps import CurrentPrincipal, Page, PageDep, SessionDep, allow
from countermark.web.problems import Problem
from countermark.web.roles import ADMIN

router = APIRouter(tags=["users"])

Role = Literal["admin", "reviewer", "rights_holder", "notifier", "seller", "investigator"]


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    brands: list[str]
    storefronts: list[str]

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active, brands=sorted(s.brand_id for s in user.brand_scopes),
                   storefronts=sorted(s.seller_id for s in user.storefront_scopes))


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=1000)
    role: Role
    display_name: str = Field(default="", max_length=1000)
    brands: list[str] = Field(default_factory=list, max_length=1000)
    storefronts: list[str] = Field(default_factory=list, max_length=1000)


@router.get("/users", response_model=Page[UserOut], dependencies=allow(*ADMIN))
def list_users(db: SessionDep, page: PageDep, role: Annotated[Role | None, Query()] = None) -> Page[UserOut]:
    query = select(User)
    if role:
        query = query.where(User.role == role)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = db.scalars(query.order_by(User.username).limit(page.limit).offset(page.offset))
    return Page(items=[UserOut.of(u) for u in users], total=total, limit=page.limit, offset=page.offset)


@router.post("/users", status_code=201, response_model=UserOut, dependencies=allow(*ADMIN))
def add_user(db: SessionDep, principal: CurrentPrincipal, body: Annotated[UserIn, Body()]) -> UserOut:
    unknown = [b for b in body.brands if db.get(Brand, b) is None]
    if unknown:
        raise Problem(422, f"unknown brands: {', '.join(unknown)}")
    try:
        user = create_user(db, username=body.username, password=body.password, role=body.role,
                           brands=body.brands, storefronts=body.storefronts, display_name=body.display_name,
                           actor=principal.actor)
    except AccountError as e:
        raise Problem(409 if "taken" in str(e) else 422, str(e)) from e
    return UserOut.of(user)
