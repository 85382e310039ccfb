"""Loaders for objects named in a URL, each checked against the caller's scope (404 when out of scope).

Routes take these as parameters (`brand: ScopedBrand`), so scope checks are never forgotten in a handler.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.orm import selectinload

from countermark.accounts.models import WebhookSubscription
from countermark.listings.models import Listing, Seller
from countermark.rights.models import Brand, Trademark
from countermark.web.deps import CurrentPrincipal, SessionDep
from countermark.web.policy import check_brand, check_storefront
from countermark.web.problems import not_found

BrandId = Annotated[str, Path(min_length=1, max_length=200)]


def load_brand(brand_id: BrandId, db: SessionDep, principal: CurrentPrincipal) -> Brand:
    check_brand(principal, brand_id, "brand")
    brand = db.get(Brand, brand_id, options=[selectinload("*")])
    if brand is None:
        raise not_found("brand")
    return brand


ScopedBrand = Annotated[Brand, Depends(load_brand)]


def load_trademark(trademark_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                   principal: CurrentPrincipal) -> Trademark:
    trademark = db.get(Trademark, trademark_id)
    if trademark is None:
        raise not_found("trademark")
    check_brand(principal, trademark.brand_id, "trademark")
    return trademark


ScopedTrademark = Annotated[Trademark, Depends(load_trademark)]


def load_seller(seller_id: Annotated[str, Path(min_length=1, max_length=200)], db: SessionDep,
                principal: CurrentPrincipal) -> Seller:
    check_storefront(principal, seller_id, "seller")
    seller = db.get(Seller, seller_id)
    if seller is None:
        raise not_found("seller")
    return seller


ScopedSeller = Annotated[Seller, Depends(load_seller)]


def load_listing(listing_id: Annotated[str, Path(min_length=1, max_length=200)], db: SessionDep,
                 principal: CurrentPrincipal) -> Listing:
    """Listings are public marketplace pages, except that sellers see only their own storefronts'."""
    listing = db.get(Listing, listing_id)
    if listing is None:
        raise not_found("listing")
    if principal.role == "seller":
        check_storefront(principal, listing.seller_id, "listing")
    return listing


ScopedListing = Annotated[Listing, Depends(load_listing)]


def load_webhook(webhook_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                 principal: CurrentPrincipal) -> WebhookSubscription:
    subscription = db.get(WebhookSubscription, webhook_id)
    if subscription is None:
        raise not_found("webhook")
    check_brand(principal, subscription.brand_id, "webhook")
    return subscription


ScopedWebhook = Annotated[WebhookSubscription, Depends(load_webhook)]
