"""What the text, the catalogue and the context say about one listing, computed once for all signals.

`Analyser` holds everything compiled from the brands (matchers, catalogue, word lists); `ListingView`
is its reading of one listing. Signals only turn a view into features and reasons.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from countermark.detection.brands import BrandIndex, Field, Mention, fuzzy_words
from countermark.detection.catalogue import Catalogue, DescriptionModels, ProductMatch
from countermark.detection.context import ImageMatch, ScanContext, SellerFacts
from countermark.detection.normalise import name_skeleton, plain, plain_folded, skeleton
from countermark.detection.record import Record
from countermark.detection.vocabulary import (
    Hit,
    Lexicon,
    Match,
    SharedAutomaton,
    Term,
    data_file_terms,
    data_terms,
    tagged,
)
from countermark.listings.records import Brand, Listing

# Words allowed between a nominative cue and the brand: "compatible with the Sony", "for all Apple".
_FILLERS = r"(?:(?:the|your|a|an|all|any|most|original|genuine|el|la|le|les|der|die|das|il|o|os)\s+)?"
_EMPTY_CONTEXT = ScanContext()
_DESCRIPTION_CACHE_LIMIT = 20_000
_CUE_WINDOW = 60  # characters before and after a mention where a cue counts
_NO_CUES = (None, None, None, None)
_NO_START = sys.maxsize  # after every hit's start


class Cues:
    """Words that change what a brand mention means when they stand right before or right after it."""

    def __init__(self, before: list[str], after: list[str], *, model_between: bool) -> None:
        self.before_forms = _cue_forms(before)
        self.after_forms = _cue_forms(after)
        self._before = _cue_pattern(self.before_forms, rf"\s*[:\-]?\s+{_FILLERS}$", prefix=r"(?:^|[\s(\[,;:/-])")
        # After the brand, a model number may come first: "Samsung LN32A550 compatible".
        between = r"(?:(?:[\w./-]*\d[\w./-]*|[\w-]{1,4})\s+){0,3}" if model_between else ""
        self._after = _cue_pattern(self.after_forms, r"(?=$|[\s).,;:!/\]])", prefix=rf"^[\s-]*{between}")

    def around(self, before: str, after: str) -> str | None:
        """The cue in the windows of text right before and right after a mention."""
        found = (self._before.search(before) if self._before and before else None) or (
            self._after.search(after) if self._after and after else None)
        return found.group(1) if found else None


def _cue_forms(cues: list[str]) -> set[str]:
    """Each cue as it reads in each form of the text a mention may be found in."""
    return {form for cue in cues for form in (plain(cue), name_skeleton(cue), " ".join(fuzzy_words(cue, parts=False)))
            if form}


def _cue_pattern(forms: set[str], suffix: str, *, prefix: str) -> re.Pattern[str] | None:
    alternatives = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"{prefix}({alternatives}){suffix}") if alternatives else None


def _cue_list(name: str) -> list[str]:
    return [t.text for t in data_file_terms("context", name)]


class WordCues(Record):
    """What one field's word-list hits say before the listing's brand is known."""

    first: dict[str, str]  # per kind, the term of the earliest hit (the first found at one start)
    replica: tuple[Hit, ...]  # replica hits not inside an innocent phrase ("copy" in "copy of receipt")
    disguised: bool  # some hit found only on the look-alike skeleton


_NO_WORD_CUES = WordCues({}, (), False)


class FieldReading(Record):
    """One field (title or description) as the matchers read it; offsets of mentions and words point into it."""

    plain: str
    skeleton: str
    mentions: tuple[Mention, ...]
    words: tuple[Hit, ...]  # vocabulary hits
    word_cues: WordCues  # kept with a description's cached reading: its part of a listing's cues is worked out once
    plain_cue_words: tuple[Sequence[Match], Sequence[Match]]  # where words of the cues before and after a mention are
    skeleton_cue_words: tuple[Sequence[Match], Sequence[Match]]

    def around(self, m: Mention) -> tuple[str, str]:
        """The windows of text right before and right after a mention where cues count, in the form it was
        found in."""
        if m.searched == "words":
            words = fuzzy_words(self.plain)
            return " ".join(words[:m.start])[-_CUE_WINDOW:], " ".join(words[m.end:])[:_CUE_WINDOW]
        source = self.plain if m.searched == "plain" else self.skeleton
        start = m.start - _CUE_WINDOW
        return source[start if start > 0 else 0:m.start], source[m.end:m.end + _CUE_WINDOW]

    def cue_words_near(self, m: Mention) -> tuple[bool, bool]:
        """Whether a cue word is in the window before and in the window after a mention found in the plain form
        or the skeleton."""
        before, after = self.plain_cue_words if m.searched == "plain" else self.skeleton_cue_words
        if not before and not after:  # most texts have no cue word at all
            return False, False
        first, last = m.start - _CUE_WINDOW, m.end + _CUE_WINDOW
        return (any(start >= first and end <= m.start for start, end, _ in before),
                any(start >= m.end and end <= last for start, end, _ in after))


class ListingView(Record):
    listing: Listing
    title: str  # plain form
    description: str
    mentions: tuple[Mention, ...]
    brand: Brand | None  # the brand the listing is about, if any
    mention: Mention | None  # its strongest mention
    nominative_cue: str | None  # "compatible with" right before the brand: it is only named, not sold
    lookalike_cue: str | None  # "like Netgear", "Tribeca-style": sold as an imitation of the brand
    accessory_cue: str | None  # "not made by", "aftermarket"
    used_cue: str | None
    defective_cue: str | None  # sold broken or for parts
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
        # One matcher for every word list: one pass over the text and one over its skeleton.
        self.vocabulary = Lexicon([
            *tagged([*data_terms("replica"), *red_flags], "replica", disguisable=True),
            *tagged(data_file_terms("replica", "benign.txt"), "benign", disguisable=True),
            *tagged(data_file_terms("context", "accessory.txt"), "accessory", disguisable=False),
            *tagged(data_file_terms("context", "used.txt"), "used", disguisable=False),
            *tagged(data_file_terms("context", "defective.txt"), "defective", disguisable=False),
            *tagged(data_file_terms("context", "sale.txt"), "sale", disguisable=False),
        ])
        self.nominative = Cues(_cue_list("nominative.txt"), _cue_list("nominative_after.txt"), model_between=True)
        self.lookalike = Cues(_cue_list("lookalike_before.txt"), _cue_list("lookalike_after.txt"),
                              model_between=False)
        # Most mentions have no cue word near them at all: where the cue words are shows it several times
        # faster than the cue patterns' searches do.
        before_cue_words = dict.fromkeys(self.nominative.before_forms | self.lookalike.before_forms)
        after_cue_words = dict.fromkeys(self.nominative.after_forms | self.lookalike.after_forms)
        # One pass over each form of a text finds the brand names, the terms of every word list and the cue words.
        self._on_plain = SharedAutomaton([self.brand_index.plain_keys, self.vocabulary.plain_keys,
                                          before_cue_words, after_cue_words])
        self._on_skeleton = SharedAutomaton([self.brand_index.skeleton_keys, self.vocabulary.skeleton_keys,
                                             before_cue_words, after_cue_words])
        # Mentions found among the words of a text are rare: their windows are searched for cue words themselves.
        self._before_cue_words = SharedAutomaton([before_cue_words])
        self._after_cue_words = SharedAutomaton([after_cue_words])
        self._descriptions: dict[str, tuple[FieldReading, DescriptionModels]] = {}

    def read(self, field: Field, raw: str) -> FieldReading:
        plain_text = plain(raw)
        skeleton_text = skeleton(plain_folded(raw, plain_text)) if plain_text else ""
        names, terms, plain_before, plain_after = self._on_plain.find(plain_text)
        skeleton_names, skeleton_terms, skeleton_before, skeleton_after = self._on_skeleton.find(skeleton_text)
        mentions = self.brand_index.find(field, plain_text, skeleton_text, raw, on_plain=names,
                                         on_skeleton=skeleton_names)
        if terms or skeleton_terms:
            words = tuple(self.vocabulary.find(plain_text, skeleton_text, on_plain=terms, on_skeleton=skeleton_terms))
            word_cues = _word_cues(words) if words else _NO_WORD_CUES
        else:  # most texts: no term of any word list
            words, word_cues = (), _NO_WORD_CUES
        return FieldReading(plain_text, skeleton_text, tuple(mentions), words, word_cues,
                            (plain_before, plain_after), (skeleton_before, skeleton_after))

    def _description(self, raw: str) -> tuple[FieldReading, DescriptionModels]:
        """Descriptions are mostly shop templates that repeat across listings: read each one once, and work out
        once what it adds to the title where model numbers are looked for."""
        found = self._descriptions.get(raw)
        if found is None:
            if len(self._descriptions) >= _DESCRIPTION_CACHE_LIMIT:
                self._descriptions.clear()  # bounded memory on endless streams
            reading = self.read("description", raw)
            found = self._descriptions[raw] = (reading, self.catalogue.description_models(reading.plain))
        return found

    def view(self, listing: Listing, context: ScanContext | None = None) -> ListingView:
        context = context or _EMPTY_CONTEXT
        in_title = self.read("title", listing.title)
        in_description, description_models = self._description(listing.description)
        title = in_title.plain
        mentions = in_title.mentions + in_description.mentions
        if len(mentions) == 1:  # most listings: the one mention is the listing's brand, its cues the listing's
            mention = mentions[0]
            nominative_cue, lookalike_cue = self._cues(in_title if mention.field == "title" else in_description,
                                                       mention)
            brand_ids = [mention.brand_id]
        elif mentions:
            mention, brand_ids, nominative_cue, lookalike_cue = self._strongest(mentions, in_title, in_description)
        else:
            mention, brand_ids, nominative_cue, lookalike_cue = None, [], None, None
        image_matches = context.image_matches
        images = tuple(image_matches.get(listing.listing_id, ())) if image_matches else ()
        if not brand_ids:  # no brand named: an official picture still says whose product it is
            brand_ids = [b for b in (_image_brand(images),) if b in self.brands]
        product = self.catalogue.match(title, description_models, listing.category, brand_ids)
        if mention is None and product is not None and product.how == "model_number" and _distinctive(product):
            brand_ids = [product.brand_id]
        if not brand_ids:  # no brand named: the title may still be a genuine product's own, brand cut out
            copied = self.catalogue.match_copied_title(title)
            if copied is not None:
                product, brand_ids = copied, [copied.brand_id]
        brand = self.brands[brand_ids[0]] if brand_ids else None
        if product is not None and (brand is None or product.brand_id != brand.brand_id):
            product = None
        seller = context.sellers.get(listing.seller_id)
        (accessory_cue, used_cue, defective_cue, sale_cue), replica_hits = _vocabulary_cues(in_title, in_description,
                                                                                            brand_ids)
        if replica_hits and any(h.term.strength == "strong" for h in replica_hits):
            nominative_cue = None  # "compatible" does not excuse "AAA replica": sellers of fakes write both
        # Positional: msgspec takes these eighteen fields several times slower as keywords, on every listing.
        return ListingView(listing, title, in_description.plain, mentions, brand, mention,
                           nominative_cue, lookalike_cue, accessory_cue, used_cue, defective_cue, sale_cue,
                           replica_hits, product, seller,
                           brand is not None and (listing.seller_id, brand.brand_id) in self._authorised,
                           _age_days(seller, listing), images)

    def _cues(self, reading: FieldReading, m: Mention) -> tuple[str | None, str | None]:
        """The nominative and the look-alike cue next to a mention."""
        if m.searched == "words":
            before, after = reading.around(m)
            cue_before = bool(before) and self._before_cue_words.any_in(before)
            cue_after = bool(after) and self._after_cue_words.any_in(after)
        else:
            cue_before, cue_after = reading.cue_words_near(m)
        if not cue_before and not cue_after:
            return None, None
        before, after = reading.around(m)
        if not cue_before:
            before = ""
        if not cue_after:
            after = ""
        return self.nominative.around(before, after), self.lookalike.around(before, after)

    def _strongest(self, mentions: tuple[Mention, ...], in_title: FieldReading, in_description: FieldReading
                   ) -> tuple[Mention, list[str], str | None, str | None]:
        """Of several mentions, the one of the brand the listing is about, the brands named (that one first),
        and that brand's nominative and look-alike cues."""
        cues = {id(m): self._cues(in_title if m.field == "title" else in_description, m) for m in mentions}
        nominative = _brands_with_cue(mentions, {key: found[0] for key, found in cues.items()})
        ranked = sorted(mentions, key=lambda m: _rank(m, m.brand_id in nominative, cues[id(m)][1] is not None))
        mention = ranked[0]
        lookalike_cue = next((cues[id(m)][1] for m in ranked if cues[id(m)][1] and m.brand_id == mention.brand_id),
                             None)
        return mention, list(dict.fromkeys(m.brand_id for m in ranked)), nominative.get(mention.brand_id), lookalike_cue


def _vocabulary_cues(title: FieldReading, description: FieldReading, brand_ids: list[str]
                     ) -> tuple[tuple[str | None, str | None, str | None, str | None], tuple[Hit, ...]]:
    """The term of the earliest accessory, used, defective and sale hit, and the replica hits that count for
    these brands, as if found in "title description"."""
    in_title, in_description = title.word_cues, description.word_cues
    if in_title is _NO_WORD_CUES and in_description is _NO_WORD_CUES:  # most listings
        return _NO_CUES, ()
    if in_title.disguised or in_description.disguised:  # rare: the two fields' hits are weighed hit by hit
        in_title, in_description = _word_cues(_words(title, description)), _NO_WORD_CUES
    # Any title hit comes before any description hit: each field's earliest of a kind is worked out alone.
    first = {**in_description.first, **in_title.first} if in_description.first else in_title.first
    replica = [h for h in in_title.replica if h.term.brand_id is None or h.term.brand_id in brand_ids]
    if in_description.replica:
        offset = len(title.plain) + 1
        replica.extend(Hit(h.term, h.start + offset, h.end + offset, False) for h in in_description.replica
                       if h.term.brand_id is None or h.term.brand_id in brand_ids)
    return (first.get("accessory"), first.get("used"), first.get("defective"), first.get("sale")), tuple(replica)


def _word_cues(words: Sequence[Hit]) -> WordCues:
    """The earliest term of each kind and the replica hits not inside an innocent phrase, among hits of one
    text in the order found."""
    starts: dict[str, int] = {}
    first: dict[str, str] = {}
    replica: list[Hit] = []
    benign: list[Hit] = []
    for hit in words:  # one pass over a text's few hits
        term = hit.term
        kind = term.kind
        if hit.start < starts.get(kind, _NO_START):
            starts[kind] = hit.start
            first[kind] = term.text
        if kind == "replica":
            replica.append(hit)
        elif kind == "benign":
            benign.append(hit)
    if benign:
        replica = [h for h in replica if not _inside(h, benign)]
    return WordCues(first, tuple(replica), words[-1].disguised)  # look-alike hits come after the plain ones


def _words(title: FieldReading, description: FieldReading) -> list[Hit]:
    """Vocabulary hits of both fields as if found in "title description" (plain hits first, then the
    look-alike ones of terms not written plainly anywhere)."""
    plain_offset, skeleton_offset = len(title.plain) + 1, len(title.skeleton) + 1
    shifted = [Hit(h.term, h.start + (skeleton_offset if h.disguised else plain_offset),
                   h.end + (skeleton_offset if h.disguised else plain_offset), h.disguised)
               for h in description.words]
    found = [*title.words, *shifted]
    plainly = {h.term for h in found if not h.disguised}
    return [*(h for h in found if not h.disguised), *(h for h in found if h.disguised and h.term not in plainly)]


def _brands_with_cue(mentions: Sequence[Mention], cues: dict[int, str | None]) -> dict[str, str]:
    """Brands whose every mention in the title (else in the description) has the cue."""
    out: dict[str, str] = {}
    for brand_id in {m.brand_id for m in mentions}:
        own = [m for m in mentions if m.brand_id == brand_id]
        decisive = [m for m in own if m.field == "title"] or own
        found = [cues[id(m)] for m in decisive]
        if all(found):
            out[brand_id] = str(found[0])
    return out


def _rank(m: Mention, nominative: bool, lookalike: bool) -> tuple[bool, bool, bool, int]:
    """Which brand a listing is about: one it names as such rather than as what a product fits; then one
    named with a trick (disguised, misspelt, "like X") over one plainly named; the title over the description."""
    risky = lookalike or m.kind != "exact"
    return (nominative, not risky, m.field != "title", m.start)


def _image_brand(matches: Sequence[ImageMatch]) -> str | None:
    """The brand of the closest brand-reference image match, if any (allowed images say nothing)."""
    if any(m.kind == "allow" for m in matches):
        return None
    references = [m for m in matches if m.kind in ("reference", "counterfeit") and m.brand_id]
    return min(references, key=lambda m: (m.distance, m.ref_id)).brand_id if references else None


def _distinctive(match: ProductMatch) -> bool:
    """A model number that identifies the brand on its own, with no brand named ('LN32A550', not '4-pack')."""
    key = re.sub(r"[^a-z0-9]", "", match.evidence.lower())
    return len(key) >= 6 and any(c.isdigit() for c in key) and (any(c.isalpha() for c in key) or len(key) >= 7)


def _inside(hit: Hit, innocent: list[Hit]) -> bool:
    """Part of an innocent phrase ("copy" in "copy of receipt"), found in the same form of the text."""
    return any(b.disguised == hit.disguised and b.start <= hit.start and hit.end <= b.end for b in innocent)


def _age_days(seller: SellerFacts | None, listing: Listing) -> int | None:
    if seller is None or not seller.registered_at:
        return None
    registered = _day_number(seller.registered_at[:10])
    at = _day_number(listing.created_at[:10]) if listing.created_at else date.today().toordinal()
    if registered is None or at is None:
        return None
    days = at - registered
    return days if days > 0 else 0


@lru_cache(maxsize=4096)  # listings and sellers of a marketplace share few distinct days
def _day_number(iso: str) -> int | None:
    """An ISO date as a number of days (`date.toordinal`): differences of ints cost less than of dates."""
    try:
        return date.fromisoformat(iso).toordinal()
    except ValueError:
        return None
