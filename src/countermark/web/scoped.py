"""Loaders for objects named in a URL, each checked against the caller's scope (404 when out of scope).

Routes take these as parameters (`brand: ScopedBrand`), so scope checks are never forgotten in a handler.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path
from sqlalchemy.orm import Session, selectinload

from countermark.accounts.models import WebhookSubscription
from countermark.enforcement.models import CounterNotice, Notice, ReviewItem, StatementOfReasons
from countermark.listings.models import Listing, Seller
from countermark.rights.models import Brand, Product, Trademark
from countermark.web.deps import CurrentPrincipal, SessionDep
from countermark.web.policy import check_brand, check_storefront
from countermark.web.problems import not_found

BrandId = Annotated[str, Path(min_length=1, max_length=200)]


M = TypeVar("M")


def existing(db: Session, model: type[M], key: Any, what: str, **get_options: Any) -> M:
    """The row with this primary key, or a 404 problem naming what was not found."""
    row = db.get(model, key, **get_options)
    if row is None:
        raise not_found(what)
    return row


def load_brand(brand_id: BrandId, db: SessionDep, principal: CurrentPrincipal) -> Brand:
    check_brand(principal, brand_id, "brand")
    return existing(db, Brand, brand_id, "brand", options=[selectinload("*")])


ScopedBrand = Annotated[Brand, Depends(load_brand)]


def load_trademark(trademark_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                   principal: CurrentPrincipal) -> Trademark:
    trademark = existing(db, Trademark, trademark_id, "trademark")
    check_brand(principal, trademark.brand_id, "trademark")
    return trademark


ScopedTrademark = Annotated[Trademark, Depends(load_trademark)]


def load_seller(seller_id: Annotated[str, Path(min_length=1, max_length=200)], db: SessionDep,
                principal: CurrentPrincipal) -> Seller:
    check_storefront(principal, seller_id, "seller")
    return existing(db, Seller, seller_id, "seller")


ScopedSeller = Annotated[Seller, Depends(load_seller)]


def load_listing(listing_id: Annotated[str, Path(min_length=1, max_length=200)], db: SessionDep,
                 principal: CurrentPrincipal) -> Listing:
    """Listings are public marketplace pages, except that sellers see only their own storefronts'."""
    listing = existing(db, Listing, listing_id, "listing")
    if principal.role == "seller":
        check_storefront(principal, listing.seller_id, "listing")
    return listing


ScopedListing = Annotated[Listing, Depends(load_listing)]


def load_webhook(webhook_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                 principal: CurrentPrincipal) -> WebhookSubscription:
    subscription = existing(db, WebhookSubscription, webhook_id, "webhook")
    check_brand(principal, subscription.brand_id, "webhook")
    return subscription


ScopedWebhook = Annotated[WebhookSubscription, Depends(load_webhook)]


def load_notice(notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                principal: CurrentPrincipal) -> Notice:
    notice = existing(db, Notice, notice_id, "notice")
    check_brand(principal, notice.brand_id, "notice")
    return notice


ScopedNotice = Annotated[Notice, Depends(load_notice)]


def load_item(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep) -> ReviewItem:
    """Review items are seen by reviewers only (the route's `Allow`), so there is no narrower scope."""
    return existing(db, ReviewItem, item_id, "review item")


ScopedItem = Annotated[ReviewItem, Depends(load_item)]


def load_statement(statement_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                   principal: CurrentPrincipal) -> StatementOfReasons:
    statement = existing(db, StatementOfReasons, statement_id, "statement of reasons")
    check_storefront(principal, statement.seller_id, "statement of reasons")
    return statement


ScopedStatement = Annotated[StatementOfReasons, Depends(load_statement)]


def load_product(product_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep,
                 principal: CurrentPrincipal) -> Product:
    product = existing(db, Product, product_id, "product")
    check_brand(principal, product.brand_id, "product")
    return product


ScopedProduct = Annotated[Product, Depends(load_product)]


def load_cluster(cluster_id: Annotated[str, Path(min_length=1, max_length=220)], db: SessionDep) -> str:
    """Clusters are seen by investigators only (the route's `Allow`)."""
    from countermark.network.models import NetworkCluster

    existing(db, NetworkCluster, cluster_id, "cluster")
    return cluster_id


ClusterId = Annotated[str, Depends(load_cluster)]


def load_counter_notice(counter_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: SessionDep) -> CounterNotice:
    """Appeals are decided by reviewers only (the route's `Allow`), so there is no narrower scope."""
    return existing(db, CounterNotice, counter_id, "counter-notice")


ScopedCounterNotice = Annotated[CounterNotice, Depends(load_counter_notice)]
