"""Loaders for objects named in a URL, each checked against the caller's scope (404 when out of scope).

Routes take these as parameters (`brand: ScopedBrand`), so scope checks are never forgotten in a handler.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.orm import selectinload

from countermark.accounts.models import WebhookSubscription
from countermark.enforcement.models import CounterNotice, Notice, ReviewItem, StatementOfReasons
from countermark.listings.models import Listing, Seller
from countermark.rights.models import Brand, Product, Trademark
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


def load_notice(notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                principal: CurrentPrincipal) -> Notice:
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise not_found("notice")
    check_brand(principal, notice.brand_id, "notice")
    return notice


ScopedNotice = Annotated[Notice, Depends(load_notice)]


def load_item(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep) -> ReviewItem:
    """Review items are seen by reviewers only (the route's `Allow`), so there is no narrower scope."""
    item = db.get(ReviewItem, item_id)
    if item is None:
        raise not_found("review item")
    return item


ScopedItem = Annotated[ReviewItem, Depends(load_item)]


def load_statement(statement_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                   principal: CurrentPrincipal) -> StatementOfReasons:
    statement = db.get(StatementOfReasons, statement_id)
    if statement is None:
        raise not_found("statement of reasons")
    check_storefront(principal, statement.seller_id, "statement of reasons")
    return statement


ScopedStatement = Annotated[StatementOfReasons, Depends(load_statement)]


def load_product(product_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                 principal: CurrentPrincipal) -> Product:
    product = db.get(Product, product_id)
    if product is None:
        raise not_found("product")
    check_brand(principal, product.brand_id, "product")
    return product


ScopedProduct = Annotated[Product, Depends(load_product)]


def load_cluster(cluster_id: Annotated[str, Path(min_length=1, max_length=220)], db: SessionDep) -> str:
    """Clusters are seen by investigators only (the route's `Allow`)."""
    from countermark.network.models import NetworkCluster

    if db.get(NetworkCluster, cluster_id) is None:
        raise not_found("cluster")
    return cluster_id


ClusterId = Annotated[str, Depends(load_cluster)]


def load_counter_notice(counter_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep) -> CounterNotice:
    """Appeals are decided by reviewers only (the route's `Allow`), so there is no narrower scope."""
    counter = db.get(CounterNotice, counter_id)
    if counter is None:
        raise not_found("counter-notice")
    return counter


ScopedCounterNotice = Annotated[CounterNotice, Depends(load_counter_notice)]
