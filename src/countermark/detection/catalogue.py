"""Matching a listing to the genuine catalogue: model numbers first, then title similarity.

The match gives the list price (MSRP) the price signal compares with. When no single product matches,
the typical list price of the brand's products in the listing's category is the fallback.
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, filterfalse
from typing import Literal, NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

from countermark.detection.normalise import plain
from countermark.detection.record import Record
from countermark.listings.records import Brand, Product

MatchHow = Literal["model_number", "title", "category", "title_copy"]

MIN_MODEL_NUMBER = 4
MIN_NUMERIC_MODEL_NUMBER = 5
TITLE_SIMILARITY = 75.0  # token-set: the catalogue title's words are (nearly) all in the listing's
TITLE_ORDER_SIMILARITY = 70.0  # token-sort: and the listing is not mostly about something else
MODEL_TITLE_AGREEMENT = 50.0
MIN_CATEGORY_PRODUCTS = 3
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGIT = re.compile(r"\d")
_TOKEN_CACHE_LIMIT = 65_536
_CANDIDATE_LIMIT = 24
_MAX_LANES = 512  # titles; with more, a lane per title costs more than counting the postings a text hits
_BYTE = [bytes((n,)) for n in range(256)]
# A title that names no brand but is a catalogue title with the brand cut out, nearly word for word.
COPY_SIMILARITY = 92.0
MIN_COPY_WORDS = 4
COMMON_WORD_SHARE = 0.02  # words in more of all catalogue titles than this do not shortlist


class ProductMatch(Record):
    brand_id: str
    product: Product | None  # None for a category-level reference price
    how: MatchHow
    reference_price: float
    evidence: str  # the model number, the catalogue title or the category
    evidence_in_title: bool = False  # a model number written in the listing's title (not only its description)

    @property
    def sku(self) -> str | None:
        return self.product.sku if self.product else None


@dataclass(frozen=True, slots=True)
class DescriptionModels:
    """What a description adds to its listing's model-number candidates, worked out once per description: its
    words from the second on have the same neighbours whatever the title, only its first meets the title's last."""

    head: tuple[str, ...]  # its first two words: the first, and the first's neighbour within the description
    tail: tuple[str, ...]  # the catalogue's model keys among the candidates of its words from the second on


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed as itself: a product's place in the catalogue
class _Entry:
    brand_id: str
    product: Product
    title: str
    models: tuple[tuple[str, str], ...]  # the product's model numbers that have a key, with the key
    keys: frozenset[str]  # those keys


class Catalogue:
    def __init__(self, brands: Sequence[Brand]) -> None:
        self._by_model: dict[str, list[_Entry]] = {}
        self._titles: dict[str, _BrandTitles] = {}
        self._category_price: dict[tuple[str, str], float] = {}
        self._brand_words: dict[str, frozenset[str]] = {}
        for brand in brands:
            names = (brand.name, *brand.aliases)
            self._brand_words[brand.brand_id] = frozenset(w for n in names for w in plain(n).split())
            entries = [_entry(brand.brand_id, p) for p in brand.products if p.msrp > 0]
            self._titles[brand.brand_id] = _BrandTitles(entries, self._brand_words[brand.brand_id])
            for e in entries:
                for _, key in e.models:
                    self._by_model.setdefault(key, []).append(e)
            by_category: dict[str, list[float]] = {}
            for e in entries:
                if e.product.category:
                    by_category.setdefault(plain(e.product.category), []).append(e.product.msrp)
            for category, prices in by_category.items():
                if len(prices) >= MIN_CATEGORY_PRODUCTS:
                    self._category_price[(brand.brand_id, category)] = statistics.median(prices)
        # Every product's model keys, generic ones included: a match's model number is its first key in the text.
        self._models = _ModelKeys(set(self._by_model))
        self._drop_generic_model_numbers(brands)
        # Each product once per key (a product may write one model number two ways): no deduplicating per listing.
        self._by_model = {key: list(dict.fromkeys(entries)) for key, entries in self._by_model.items()}
        self._copies = _CopyIndex([e for titles in self._titles.values() for e in titles.entries], self._brand_words)

    def _drop_generic_model_numbers(self, brands: Sequence[Brand]) -> None:
        """A "model number" that many other products' titles also contain ('cat-5e') identifies nothing."""
        in_titles: dict[str, int] = {}
        for brand in brands:
            for p in brand.products:
                for key in set(self._models.in_words(plain(p.title).split())):
                    in_titles[key] = in_titles.get(key, 0) + 1
        for key, count in in_titles.items():
            if count > len(self._by_model[key]) + 1:
                del self._by_model[key]

    def description_models(self, description: str) -> DescriptionModels:
        """What a plain-normalised description adds to model-number matching (for `match`)."""
        return self._models.of_description(description)

    def match(self, title: str, description: DescriptionModels, category: str, brand_ids: Sequence[str]
              ) -> ProductMatch | None:
        """Best catalogue product for a listing; `title` is plain-normalised, brands in preference order."""
        words = title.split()
        by_model = self._match_model_number(title, words, description, brand_ids)
        if by_model is not None and by_model.evidence_in_title:
            return by_model
        by_title = self._match_title(title, words, brand_ids)
        if by_model is not None and (by_title is None or not _title_contradicts(title, by_model, by_title)):
            return by_model
        if by_title is not None:
            return by_title
        if category:
            key_category = plain(category)
            for brand_id in brand_ids:
                price = self._category_price.get((brand_id, key_category))
                if price is not None:
                    return ProductMatch(brand_id, None, "category", price, category)
        return None

    def match_copied_title(self, title: str) -> ProductMatch | None:
        """The catalogue product whose own title, without its brand's name, this title reproduces."""
        entry = self._copies.find(title)
        if entry is None:
            return None
        return ProductMatch(entry.brand_id, entry.product, "title_copy", entry.product.msrp, entry.product.title)

    def _match_model_number(self, title: str, words: list[str], description: DescriptionModels,
                            brand_ids: Sequence[str]) -> ProductMatch | None:
        """The product of a model number in "title description" (`words` are the title's)."""
        in_text, in_title_alone = self._models.in_listing(words, description)
        by_model = self._by_model
        if by_model.keys().isdisjoint(in_text):
            return None
        keys = dict.fromkeys(in_text)  # text order: results must not depend on hashing
        found = [by_model[key] for key in keys if key in by_model]
        candidates = found[0] if len(found) == 1 else list(dict.fromkeys(chain.from_iterable(found)))
        if brand_ids:
            candidates = [e for e in candidates if e.brand_id in brand_ids]
            if not candidates:
                return None
        # The first of the most alike: max keeps the first of equal maxima.
        best = (candidates[0] if len(candidates) == 1
                else max(candidates, key=lambda e: fuzz.token_set_ratio(title, e.title)))
        in_title = not best.keys.isdisjoint(in_title_alone)
        if not in_title and fuzz.token_set_ratio(title, best.title) < MODEL_TITLE_AGREEMENT:
            return None  # a number in the description alone, for a product the title does not describe
        # Its model number first among the text's keys; a product with only one was found by it.
        model = best.models[0][0] if len(best.models) == 1 else next(m for m, key in best.models if key in keys)
        return ProductMatch(best.brand_id, best.product, "model_number", best.product.msrp, model, in_title)

    def _match_title(self, title: str, words: list[str], brand_ids: Sequence[str]) -> ProductMatch | None:
        """The product of the first brand (in preference order) with a catalogue title like this one."""
        for brand_id in brand_ids:
            titles = self._titles.get(brand_id)
            entry = titles.find(title, words) if titles is not None else None
            if entry is not None:
                return ProductMatch(brand_id, entry.product, "title", entry.product.msrp, entry.product.title)
        return None


class _BrandTitles:
    """One brand's catalogue titles, shortlisted by the words they share with a listing's title."""

    def __init__(self, entries: list[_Entry], brand_words: frozenset[str]) -> None:
        self.entries = entries
        titles = [e.title for e in entries]
        self._brand_words = brand_words
        # Token-sort form without the brand, once: compared per listing.
        self._unbranded = [_sorted_words(_without(t, brand_words)) for t in titles]
        self._word_sets = [frozenset(t.split()) for t in titles]
        # Token-set form, once: token_set_ratio compares sets of words, and has less to sort given each once, sorted.
        self._distinct_words = [_distinct_sorted_words(t) for t in titles]
        words: dict[str, list[int]] = {}
        for i, title in enumerate(titles):
            for w in set(title.split()):
                words.setdefault(w, []).append(i)
        # Words in half the brand's titles or more do not tell its products apart: left out.
        self._words = {w: ps for w, ps in words.items() if len(ps) < 0.5 * len(entries) + 2}
        self._lanes = _WordLanes(self._words, len(entries)) if _WordLanes.fit(self._words, len(entries)) else None

    def find(self, title: str, words: list[str]) -> _Entry | None:
        """The catalogue title most like this one (`words` are its words), if alike enough."""
        if self._lanes is None:
            return self._most_alike(title, words, _most_shared(self._words, set(words)))
        counts, most = self._lanes.counts(words)
        if most and self._word_sets[first := counts.index(most)].issubset(words):
            # Most listings: the first choice's words are all in the title, its token-set score the most there is,
            # so the other choices need not be ranked nor scored.
            return self._in_order(words, first)
        return self._most_alike(title, words, self._lanes.ranked(counts))

    def _most_alike(self, title: str, words: list[str], choices: list[int]) -> _Entry | None:
        if not choices:
            return None
        best = extractOne(title, [self._distinct_words[i] for i in choices], scorer=fuzz.token_set_ratio,
                          score_cutoff=TITLE_SIMILARITY)
        return self._in_order(words, choices[best[2]]) if best is not None else None

    def _in_order(self, words: list[str], position: int) -> _Entry | None:
        """The title's entry, unless the listing's title (its `words`; both without the brand) has its words in
        another order."""
        # token_sort_ratio is the ratio of the words sorted (plain text splits as rapidfuzz splits it): the
        # catalogue's are sorted already, and the listing's are split already.
        unbranded = " ".join(sorted(filterfalse(self._brand_words.__contains__, words)))
        ordered = fuzz.ratio(unbranded, self._unbranded[position])
        return self.entries[position] if ordered >= TITLE_ORDER_SIMILARITY else None


class _WordLanes:
    """`_most_shared` for one brand's titles, several times faster.

    One integer per word has a byte (a lane) per title, 1 where the title has the word: adding a text's words'
    integers counts every title's shared words at once in C arithmetic, and its bytes are the counts.
    """

    def __init__(self, postings: dict[str, list[int]], size: int) -> None:
        self._size = size
        self._positions = range(size)
        self._words = {w: sum(1 << (8 * p) for p in ps) for w, ps in postings.items()}

    @staticmethod
    def fit(postings: dict[str, list[int]], size: int) -> bool:
        """Each title's count fits its byte; few titles, as every one is looked at per text."""
        counts = Counter(chain.from_iterable(postings.values()))
        return size <= _MAX_LANES and max(counts.values(), default=0) < 256

    def counts(self, words: Iterable[str]) -> tuple[bytes, int]:
        """How many of these words each title has, by position, and the most any title has."""
        hits = self._words.keys() & words
        counts = sum(map(self._words.__getitem__, hits)).to_bytes(self._size, "little")
        # No title has more than all the words counted (nor more than a byte holds), and most often one has them
        # all: a byte search or two from there down is several times cheaper than max() over every title's byte.
        most = min(len(hits), 255)
        while most and _BYTE[most] not in counts:
            most -= 1
        return counts, most

    def ranked(self, counts: bytes) -> list[int]:
        """The positions sharing the most words (`counts`), lowest position first on ties."""
        # A stable sort: equal counts keep position order.
        return sorted(compress(self._positions, counts), key=counts.__getitem__, reverse=True)[:_CANDIDATE_LIMIT]


class _CopyIndex:
    """Every brand's catalogue titles with the brand's own words cut out, searchable by shared words."""

    def __init__(self, entries: list[_Entry], brand_words: dict[str, frozenset[str]]) -> None:
        self._entries: list[_Entry] = []
        self._titles: list[str] = []
        words: dict[str, list[int]] = {}
        for e in entries:
            stripped = _without(e.title, brand_words.get(e.brand_id, frozenset()))
            if len(stripped.split()) < MIN_COPY_WORDS:
                continue  # too short to be recognisable
            for w in set(stripped.split()):
                words.setdefault(w, []).append(len(self._entries))
            self._entries.append(e)
            self._titles.append(_sorted_words(stripped))  # token-sort form, once: compared per listing
        limit = max(COMMON_WORD_SHARE * len(self._entries), 3)
        self._words = {w: ps for w, ps in words.items() if len(ps) <= limit}

    def find(self, title: str) -> _Entry | None:
        words = title.split()
        distinct = set(words)
        if len(distinct) < MIN_COPY_WORDS or self._words.keys().isdisjoint(distinct):
            return None
        choices = _most_shared(self._words, distinct)
        # token_sort_ratio is the ratio of the words sorted (plain text splits as rapidfuzz splits it): the
        # catalogue's are sorted already.
        best = extractOne(" ".join(sorted(words)), [self._titles[i] for i in choices], scorer=fuzz.ratio,
                          score_cutoff=COPY_SIMILARITY)
        return self._entries[choices[best[2]]] if best is not None else None


def _most_shared(postings: dict[str, list[int]], words: set[str]) -> list[int]:
    """Positions (from an inverted index) sharing the most of `words`, lowest position first on ties."""
    counts = Counter(chain.from_iterable(map(postings.__getitem__, postings.keys() & words)))
    # A stable sort of the positions in order: equal counts keep position order.
    return sorted(sorted(counts), key=counts.__getitem__, reverse=True)[:_CANDIDATE_LIMIT]


def _title_contradicts(title: str, by_model: ProductMatch, by_title: ProductMatch) -> bool:
    """The title is (nearly) another product's and little like the model number's one: trust the title."""
    if by_model.product is None or by_title.product is None or by_model.product == by_title.product:
        return False
    model_similarity = fuzz.token_set_ratio(title, plain(by_model.product.title))
    return fuzz.token_set_ratio(title, plain(by_title.product.title)) >= 90 and model_similarity < 70


def _without(text: str, words: frozenset[str]) -> str:
    return " ".join(filterfalse(words.__contains__, text.split())) if words else text


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _distinct_sorted_words(text: str) -> str:
    return " ".join(sorted(set(text.split())))


@lru_cache(maxsize=65_536)
def model_key(model: str) -> str | None:
    """Model numbers compared without case, spaces or punctuation ('KDL-52V4100' == 'kdl52v4100')."""
    key = _NOT_ALNUM.sub("", model.lower())
    digits = sum(c.isdigit() for c in key)
    if len(key) < MIN_MODEL_NUMBER or digits == 0 or (digits == 1 and len(key) < 6):  # "4-pack" is no model
        return None
    if key.isdigit() and len(key) < MIN_NUMERIC_MODEL_NUMBER:  # "2006" is more likely a year
        return None
    return key


class _TokenRole(NamedTuple):
    """What a word with a digit can be in a model key."""

    key: str  # its letters and digits
    whole: bool  # a model key
    starts: bool  # the start of one (or all of it): joined with the next word's, it may be one
    ends: bool  # the end of one (or all of it)


class _TokenRoles(dict[str, _TokenRole | None]):
    """Tokens' roles in the catalogue's model keys, None for a token with no digit or in no key; worked out on first
    sight (tokens repeat across listings: cached, bounded)."""

    def __init__(self, keys: set[str]) -> None:
        super().__init__()
        self._keys = keys
        self._sorted = sorted(keys)
        self._sorted_backwards = sorted(key[::-1] for key in keys)

    def __missing__(self, token: str) -> _TokenRole | None:
        if len(self) >= _TOKEN_CACHE_LIMIT:
            self.clear()  # bounded memory on endless streams
        role = self[token] = self._role(token)
        return role

    def _role(self, token: str) -> _TokenRole | None:
        if not _DIGIT.search(token):
            return None
        key = _alnum(token)
        starts = _begins_one(self._sorted, key)
        ends = _begins_one(self._sorted_backwards, key[::-1])
        return _TokenRole(key, key in self._keys, starts, ends) if starts or ends else None


class _ModelKeys:
    """The catalogue's model keys, looked for among a text's model-number candidates: its words with a digit
    (model numbers always have one), alone and joined with a neighbour ("MC359LL/A" written "mc359ll a").
    Only candidates that are keys matter (matches are looked up by them, a match's model number is the first
    of its keys among them)."""

    def __init__(self, keys: set[str]) -> None:
        self._keys = keys
        self._roles = _TokenRoles(keys)

    def of_description(self, description: str) -> DescriptionModels:
        words = description.split()
        return DescriptionModels(tuple(words[:2]), tuple(self._among(words, 1, len(words), 0)[0]))

    def in_words(self, words: Sequence[str]) -> list[str]:
        """The model keys among the candidates of a text of these words, in order."""
        return self._among(words, 0, len(words), 0)[0]

    def in_listing(self, title: list[str], description: DescriptionModels) -> tuple[Sequence[str], list[str]]:
        """The model keys among the candidates of "title description", and those among the title's alone: the
        title's words and the description's first have neighbours across the seam, the rest of the description's
        were found with it."""
        end = len(title)
        if head := description.head:
            found, alone = self._among([*title, *head], 0, end + 1, end)
        else:
            found, alone = self._among(title, 0, end, end)
        if not found:  # most listings
            return description.tail, alone
        found += description.tail
        return found, alone

    def _among(self, words: Sequence[str], start: int, stop: int, end: int) -> tuple[list[str], list[str]]:
        """The model keys among the candidates of words[start:stop], in order, their neighbours in `words`; and
        those among the candidates of words[:end] alone."""
        keys = self._keys
        roles = self._roles
        last = len(words) - 1
        found: list[str] = []
        alone: list[str] = []
        for i in range(start, stop):
            token = words[i]
            if token.isalpha():  # most words: no digit, known without hashing the word for the cache
                continue
            role = roles[token]
            if role is None:
                continue
            key, whole, starts, ends = role
            if whole:
                found.append(key)
                if i < end:
                    alone.append(key)
            if starts and i < last and (pair := key + _alnum(words[i + 1])) in keys:
                found.append(pair)
                if i + 1 < end:
                    alone.append(pair)
            if ends and i and (pair := _alnum(words[i - 1]) + key) in keys:
                found.append(pair)
                if i < end:
                    alone.append(pair)
        return found, alone


def _begins_one(sorted_keys: list[str], prefix: str) -> bool:
    """Whether one of these sorted keys starts with `prefix`."""
    i = bisect_left(sorted_keys, prefix)
    return i < len(sorted_keys) and sorted_keys[i].startswith(prefix)


def _entry(brand_id: str, product: Product) -> _Entry:
    models = tuple((model, key) for model in product.model_numbers if (key := model_key(model)))
    return _Entry(brand_id, product, plain(product.title), models, frozenset(key for _, key in models))


@lru_cache(maxsize=65_536)
def _alnum(token: str) -> str:
    return _NOT_ALNUM.sub("", token)

