"""Who may do what: the one place where roles and brand/storefront scopes are enforced.

- 401: nobody is logged in (pages redirect to the login form instead);
- 403: the role may not use this route at all (declared on the route with `Allow`);
- 404: the object exists but belongs to another brand or storefront: indistinguishable from absent,
  so nothing leaks across brands.
"""

from __future__ import annotations

from fastapi import Request

from countermark.accounts.service import Principal
from countermark.web.problems import Problem, not_found

# Roles that act for the whole marketplace and see every brand.
PLATFORM_ROLES = frozenset({"admin", "reviewer", "investigator"})
BRAND_ROLES = frozenset({"rights_holder", "notifier"})


class LoginRequired(Exception):
    """A page needs a logged-in user: the browser is sent to the login form."""


class Allow:
    """Route dependency declaring the roles that may call it; returns the caller.

    The authorization matrix test reads these declarations, so every route must have one
    (or be listed as public there).
    """

    def __init__(self, *roles: str, page: bool = False) -> None:
        self.roles = frozenset(roles)
        self.page = page

    def __call__(self, request: Request) -> Principal:
        principal: Principal | None = request.state.principal
        if principal is None:
            if self.page:
                raise LoginRequired()
            raise Problem(401, "log in or send an API token (Authorization: Bearer ...)",
                          headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in self.roles:
            raise Problem(403, f"role {principal.role} may not use this")
        return principal


def sees_all_brands(principal: Principal) -> bool:
    return principal.role in PLATFORM_ROLES


def brand_filter(principal: Principal) -> frozenset[str] | None:
    """The brands a caller may see: None means all."""
    if sees_all_brands(principal):
        return None
    if principal.role in BRAND_ROLES:
        return principal.brands
    return frozenset()


def check_brand(principal: Principal, brand_id: str | None, what: str) -> None:
    """404 unless the caller may see objects of this brand."""
    allowed = brand_filter(principal)
    if allowed is not None and brand_id not in allowed:
        raise not_found(what)


def check_storefront(principal: Principal, seller_id: str, what: str) -> None:
    """Sellers see only their own storefronts; platform roles see all; brands see none by id."""
    if principal.role == "seller" and seller_id in principal.storefronts:
        return
    if sees_all_brands(principal):
        return
    raise not_found(what)


def storefront_filter(principal: Principal) -> frozenset[str] | None:
    if principal.role == "seller":
        return principal.storefronts
    return None if sees_all_brands(principal) else frozenset()
