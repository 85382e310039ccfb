"""Demo logins, one per role, scoped to data that exists in the demo marketplace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.accounts.models import ROLES
from countermark.accounts.service import create_user, get_user
from countermark.enforcement.models import ReviewItem
from countermark.listings.models import Listing
from countermark.rights.models import Brand

PLATFORM_ROLES = ("admin", "reviewer", "investigator")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str


def _demo_scopes(session: Session) -> tuple[list[str], list[str]]:
    """The brand and the storefront with most flagged listings (after a scan), so every page has content."""
    brand = session.scalar(select(ReviewItem.brand_id).where(ReviewItem.brand_id.is_not(None))
                           .group_by(ReviewItem.brand_id).order_by(func.count().desc(), ReviewItem.brand_id).limit(1))
    brand = brand or session.scalar(select(Brand.brand_id).order_by(Brand.brand_id).limit(1))
    seller = session.scalar(select(ReviewItem.seller_id).group_by(ReviewItem.seller_id)
                            .order_by(func.count().desc(), ReviewItem.seller_id).limit(1))
    seller = seller or session.scalar(
        select(Listing.seller_id).group_by(Listing.seller_id).order_by(func.count().desc(), Listing.seller_id).limit(1)
    )
    return ([brand] if brand else []), ([seller] if seller else [])


def ensure_demo_accounts(session: Session, password: str) -> list[DemoAccount]:
    """Create `demo-<role>` users that do not exist yet; existing ones are left as they are."""
    brands, storefronts = _demo_scopes(session)
    accounts = []
    for role in ROLES:
        username = f"demo-{role.replace('_', '-')}"
        user = get_user(session, username)
        if user is None:
            user = create_user(
                session, username=username, password=password, role=role,
                brands=brands if role in ("rights_holder", "notifier") else (),
                storefronts=storefronts if role == "seller" else (), actor="cli",
            )
        scope = ", ".join([s.brand_id for s in user.brand_scopes] + [s.seller_id for s in user.storefront_scopes])
        accounts.append(DemoAccount(username, role, scope or ("all" if role in PLATFORM_ROLES else "none")))
    return accounts
