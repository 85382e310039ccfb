"""Read-only views shared by API and pages: review cards, notice tracking, seller standing.

They compose rows of several areas for display; every state change goes through the areas' services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from countermark.enforcement.models import (
    CounterNotice,
    Decision,
    Notice,
    ReviewItem,
    Sanction,
    StatementOfReasons,
    Strike,
)
from countermark.enforcement.policy import Policy
from countermark.enforcement.strikes import active_strikes
from countermark.listings.models import Listing, Seller
from countermark.rights.models import Product, ReferenceImage


@dataclass
class ReviewCard:
    """One queue item as a reviewer sees it: the listing beside the genuine product it resembles."""

    item: ReviewItem
    listing: Listing | None
    seller: Seller | None
    product: Product | None
    notice: Notice | None
    price_ratio: float | None
    reasons: list[dict] = field(default_factory=list)
    # Positions of the brand's official reference pictures, shown when the product has none.
    reference_images: list[int] = field(default_factory=list)


def review_cards(session: Session, items: list[ReviewItem]) -> list[ReviewCard]:
    listing_ids = [i.listing_id for i in items]
    listings = {x.listing_id: x for x in session.scalars(
        select(Listing).where(Listing.listing_id.in_(listing_ids)).options(selectinload(Listing.images)))}
    sellers = {s.seller_id: s for s in session.scalars(
        select(Seller).where(Seller.seller_id.in_({i.seller_id for i in items})))}
    notice_ids = {i.notice_id for i in items if i.notice_id}
    notices = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
    wanted = {(i.brand_id, i.matched_sku) for i in items if i.brand_id and i.matched_sku}
    products = {}
    for brand_id in {b for b, _ in wanted}:
        skus = [s for b, s in wanted if b == brand_id]
        for p in session.scalars(select(Product).where(Product.brand_id == brand_id, Product.sku.in_(skus))):
            products[(p.brand_id, p.sku)] = p
    references: dict[str, list[int]] = {}
    for brand_id, position in session.execute(
            select(ReferenceImage.brand_id, ReferenceImage.position)
            .where(ReferenceImage.brand_id.in_({i.brand_id for i in items if i.brand_id}))
            .order_by(ReferenceImage.brand_id, ReferenceImage.position)):
        references.setdefault(brand_id, []).append(position)
    catalogues: dict[str, dict[int, str]] = {}
    cards = []
    for item in items:
        listing = listings.get(item.listing_id)
        product = products.get((item.brand_id, item.matched_sku))
        if product is None and item.brand_id and listing is not None:
            if item.brand_id not in catalogues:
                catalogues[item.brand_id] = dict(session.execute(
                    select(Product.id, Product.title).where(Product.brand_id == item.brand_id)).all())
            product = _closest_product(session, catalogues[item.brand_id], listing.title)
        ratio = round(listing.price / product.msrp, 3) if listing and product and product.msrp > 0 else None
        cards.append(ReviewCard(item=item, listing=listing, seller=sellers.get(item.seller_id), product=product,
                                notice=notices.get(item.notice_id) if item.notice_id else None, price_ratio=ratio,
                                reasons=list(item.reasons or []), reference_images=references.get(item.brand_id, [])))
    return cards


def _closest_product(session: Session, catalogue: dict[int, str], title: str) -> Product | None:
    """For items without a matched SKU (notices): the brand's catalogue item whose title is most alike."""
    best = process.extractOne(title, catalogue, scorer=fuzz.token_set_ratio) if catalogue else None
    return session.get(Product, best[2]) if best and best[1] >= 50 else None


def queue_page(
    session: Session, *, statuses: tuple[str, ...], source: str | None, brand_id: str | None, lane: str | None,
    limit: int, offset: int,
) -> tuple[list[ReviewItem], int]:
    query = select(ReviewItem).where(ReviewItem.status.in_(statuses))
    if source:
        query = query.where(ReviewItem.source == source)
    if brand_id:
        query = query.where(ReviewItem.brand_id == brand_id)
    if lane:
        query = query.where(ReviewItem.lane == lane)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Expedited first, then oldest first: the order a reviewer should work in.
    ordered = query.order_by((ReviewItem.lane == "expedited").desc(), ReviewItem.created_at, ReviewItem.id)
    return list(session.scalars(ordered.limit(limit).offset(offset))), total


def notices_page(
    session: Session, *, brands: frozenset[str] | None, status: str | None, brand_id: str | None,
    limit: int, offset: int,
) -> tuple[list[tuple[Notice, int, int]], int]:
    """Notices with (listings named, listings removed), newest first."""
    query = select(Notice)
    if brands is not None:
        query = query.where(Notice.brand_id.in_(sorted(brands)))
    if status:
        query = query.where(Notice.status == status)
    if brand_id:
        query = query.where(Notice.brand_id == brand_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    notices = list(session.scalars(query.order_by(Notice.received_at.desc(), Notice.id.desc())
                                   .limit(limit).offset(offset)))
    counts = {nid: (n, r) for nid, n, r in session.execute(
        select(ReviewItem.notice_id, func.count(), func.count().filter(ReviewItem.outcome == "removed"))
        .where(ReviewItem.notice_id.in_([n.id for n in notices])).group_by(ReviewItem.notice_id))}
    return [(n, *counts.get(n.id, (0, 0))) for n in notices], total


def notice_items(session: Session, notice_id: int) -> list[tuple[ReviewItem, CounterNotice | None]]:
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.notice_id == notice_id)
                                 .order_by(ReviewItem.position, ReviewItem.id)))
    # A listing's removal is contested once, whichever notice or flag it was removed under.
    counters = {c.listing_id: c for c in session.scalars(
        select(CounterNotice).where(CounterNotice.listing_id.in_([i.listing_id for i in items]))
        .order_by(CounterNotice.submitted_at))}
    return [(i, counters.get(i.listing_id) if i.outcome == "removed" else None) for i in items]


def open_questions(session: Session, items: list[ReviewItem]) -> dict[int, str]:
    """The reviewer's latest question for each item waiting for information."""
    waiting = [i.id for i in items if i.status == "info_requested"]
    rows = session.execute(select(Decision.review_item_id, Decision.reason)
                           .where(Decision.review_item_id.in_(waiting), Decision.action == "request_info")
                           .order_by(Decision.id))
    return dict(rows.all())


@dataclass
class Standing:
    """A storefront's enforcement record as its seller sees it."""

    seller: Seller
    active_strikes: int
    strikes: list[Strike]
    sanctions: list[Sanction]
    statements: list[StatementOfReasons]
    counter_notices: dict[str, CounterNotice]  # listing id -> its counter-notice


def standing(session: Session, seller: Seller, policy: Policy) -> Standing:
    """The storefront's record; active strikes are counted over `policy`'s strike window."""
    strikes = list(session.scalars(select(Strike).where(Strike.seller_id == seller.seller_id)
                                   .order_by(Strike.at.desc())))
    active = active_strikes(session, seller.seller_id, now=datetime.now(UTC), policy=policy)
    sanctions = list(session.scalars(select(Sanction).where(Sanction.subject_kind == "seller",
                                                            Sanction.subject_id == seller.seller_id)
                                     .order_by(Sanction.at.desc())))
    statements = list(session.scalars(select(StatementOfReasons).where(StatementOfReasons.seller_id == seller.seller_id)
                                      .order_by(StatementOfReasons.issued_at.desc(), StatementOfReasons.id.desc())))
    counters = {c.listing_id: c for c in session.scalars(
        select(CounterNotice).where(CounterNotice.seller_id == seller.seller_id))}
    return Standing(seller, active, strikes, sanctions, statements, counters)


@dataclass
class ClusterRow:
    cluster_id: str
    size: int
    banned: int
    suspended: int


def clusters_page(session: Session, *, min_size: int, limit: int, offset: int) -> tuple[list[ClusterRow], int]:
    """Seller clusters (accounts believed to be run by one party), those with banned members first."""
    from countermark.network.models import NetworkCluster, NetworkMember

    banned = func.count().filter(Seller.status == "banned")
    suspended = func.count().filter(Seller.status == "suspended")
    query = (select(NetworkCluster.cluster_id, NetworkCluster.size, banned.label("banned"),
                    suspended.label("suspended"))
             .join(NetworkMember, NetworkMember.cluster_id == NetworkCluster.cluster_id)
             .join(Seller, Seller.seller_id == NetworkMember.seller_id)
             .where(NetworkCluster.size >= min_size)
             .group_by(NetworkCluster.cluster_id, NetworkCluster.size))
    total = session.scalar(select(func.count()).select_from(
        select(NetworkCluster.cluster_id).where(NetworkCluster.size >= min_size).subquery())) or 0
    rows = session.execute(query.order_by(banned.desc(), NetworkCluster.size.desc(), NetworkCluster.cluster_id)
                           .limit(limit).offset(offset))
    return [ClusterRow(*row) for row in rows], total
