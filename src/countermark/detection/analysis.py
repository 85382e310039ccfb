"""What the text, the catalogue and the context say about one listing, computed once for all signals.

`Analyser` holds everything compiled from the brands (matchers, catalogue, word lists); `ListingView`
is its reading of one listing. Signals only turn a view into features and reasons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from countermark.detection.brands import BrandIndex, Mention, fuzzy_words
from countermark.detection.catalogue import Catalogue, ProductMatch
from countermark.detection.context import ImageMatch, ScanContext, SellerFacts
from countermark.detection.normalise import name_skeleton, plain, skeleton
from countermark.detection.vocabulary import Hit, Lexicon, Term, blank, data_file_terms, data_terms
from countermark.listings.records import Brand, Listing

# Words allowed between a nominative cue and the brand: "compatible with the Sony", "for all Apple".
_FILLERS = r"(?:(?:the|your|a|an|all|any|most|original|genuine|el|la|le|les|der|die|das|il|o|os)\s+)?"
_EMPTY_CONTEXT = ScanContext()


@dataclass(frozen=True, slots=True)
class ListingView:
    listing: Listing
    title: str  # plain form
    description: str
    mentions: tuple[Mention, ...]
    brand: Brand | None  # the brand the listing is about, if any
    mention: Mention | None  # its strongest mention
    nominative_cue: str | None  # "compatible with" right before the brand: it is only named, not sold
    accessory_cue: str | None  # "not made by", "aftermarket"
    used_cue: str | None
    sale_cue: str | None
    replica_hits: tuple[Hit, ...]
    product: ProductMatch | None
    seller: SellerFacts | None
    authorised: bool
    seller_age_days: int | None
    image_matches: tuple[ImageMatch, ...]

    @property
    def nominative(self) -> bool:
        return self.nominative_cue is not None


class Analyser:
    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = {b.brand_id: b for b in brands}
        catalogue_words = {w for b in brands for p in b.products for w in fuzzy_words(plain(p.title))}
        self.brand_index = BrandIndex(brands, catalogue_words)
        self.catalogue = Catalogue(brands)
        self._authorised = {(s, b.brand_id) for b in brands for s in b.authorized_sellers}
        red_flags = [Term(t, "strong", b.brand_id) for b in brands for t in b.red_flag_terms]
        self.replica = Lexicon([*data_terms("replica"), *red_flags])
        self.benign = Lexicon(data_file_terms("replica", "benign.txt"), disguise=False)
        self.accessory = Lexicon(data_file_terms("context", "accessory.txt"), disguise=False)
        self.used = Lexicon(data_file_terms("context", "used.txt"), disguise=False)
        self.sale = Lexicon(data_file_terms("context", "sale.txt"), disguise=False)
        cues = [t.text for t in data_file_terms("context", "nominative.txt")]
        forms = {form for cue in cues for form in (plain(cue), name_skeleton(cue), " ".join(fuzzy_words(cue)))}
        alternatives = "|".join(sorted((re.escape(f) for f in forms if f), key=len, reverse=True))
        self._nominative = re.compile(rf"(?:^|[\s(\[,;:/-])({alternatives})\s*[:\-]?\s+{_FILLERS}$")

    def view(self, listing: Listing, context: ScanContext | None = None) -> ListingView:
        context = context or _EMPTY_CONTEXT
        title = plain(listing.title)
        description = plain(listing.description)
        title_skeleton = skeleton(title)
        description_skeleton = skeleton(description) if description else ""
        mentions = (*self.brand_index.find("title", title, title_skeleton),
                    *self.brand_index.find("description", description, description_skeleton))
        cues = {id(m): self._nominative_cue(m, title, description, title_skeleton, description_skeleton)
                for m in mentions}
        nominative = _nominative_brands(mentions, cues)
        text = f"{title} {description}"
        ranked = sorted(mentions, key=lambda m: _rank(m, m.brand_id in nominative))
        mention = ranked[0] if ranked else None
        brand_ids = list(dict.fromkeys(m.brand_id for m in ranked))
        product = self.catalogue.match(title, text, listing.category, brand_ids)
        if mention is None and product is not None and product.how == "model_number":
            brand_ids = [product.brand_id]
        brand = self.brands[brand_ids[0]] if brand_ids else None
        if brand is not None and product is not None and product.brand_id != brand.brand_id:
            product = None
        seller = context.sellers.get(listing.seller_id)
        replica_text = blank(text, self.benign.spans(text))
        if replica_text is text:
            replica_skeleton = f"{title_skeleton} {description_skeleton}"
        else:
            replica_skeleton = skeleton(replica_text)
        replica_hits = tuple(h for h in self.replica.find(replica_text, replica_skeleton)
                             if h.term.brand_id is None or h.term.brand_id in brand_ids)
        return ListingView(
            listing=listing,
            title=title,
            description=description,
            mentions=mentions,
            brand=brand,
            mention=mention,
            nominative_cue=nominative.get(mention.brand_id) if mention is not None else None,
            accessory_cue=_first(self.accessory.find(text)),
            used_cue=_first(self.used.find(text)),
            sale_cue=_first(self.sale.find(text)),
            replica_hits=replica_hits,
            product=product,
            seller=seller,
            authorised=brand is not None and (listing.seller_id, brand.brand_id) in self._authorised,
            seller_age_days=_age_days(seller, listing),
            image_matches=tuple(context.image_matches.get(listing.listing_id, ())),
        )

    def _nominative_cue(self, m: Mention, title: str, description: str, title_skeleton: str,
                        description_skeleton: str) -> str | None:
        if m.searched == "plain":
            source = title if m.field == "title" else description
            before = source[:m.start]
        elif m.searched == "skeleton":
            source = title_skeleton if m.field == "title" else description_skeleton
            before = source[:m.start]
        else:
            before = " ".join(fuzzy_words(title if m.field == "title" else description)[:m.start])
        found = self._nominative.search(before[-60:])
        return found.group(1) if found else None


def _nominative_brands(mentions: Sequence[Mention], cues: dict[int, str | None]) -> dict[str, str]:
    """Brands named only nominatively: every mention in the title (else in the description) has a cue."""
    out: dict[str, str] = {}
    for brand_id in {m.brand_id for m in mentions}:
        own = [m for m in mentions if m.brand_id == brand_id]
        decisive = [m for m in own if m.field == "title"] or own
        found = [cues[id(m)] for m in decisive]
        if all(found):
            out[brand_id] = str(found[0])
    return out


def _rank(m: Mention, nominative: bool) -> tuple[int, int, int, int]:
    kind_order = {"disguised": 0, "fuzzy": 1, "exact": 2}
    return (nominative, m.field != "title", kind_order[m.kind], m.start)


def _first(hits: list[Hit]) -> str | None:
    return min(hits, key=lambda h: h.start).term.text if hits else None


def _age_days(seller: SellerFacts | None, listing: Listing) -> int | None:
    if seller is None or not seller.registered_at:
        return None
    try:
        registered = date.fromisoformat(seller.registered_at[:10])
        at = date.fromisoformat(listing.created_at[:10]) if listing.created_at else date.today()
    except ValueError:
        return None
    return max((at - registered).days, 0)
