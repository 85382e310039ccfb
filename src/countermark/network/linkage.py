"""Linkage kernel: sellers sharing normalised identifiers form clusters (pure: no database, no web).

Four separable steps, each reproducible in Spark SQL (docs/network.md gives the exact rule):

1. `seller_keys`: normalise every raw identifier into keys (`identifiers.normalise`).
2. `KeyGraph.build`: the sparse seller x key incidence matrix (one 1 per distinct seller-key pair);
   a key's document frequency (df) is the number of sellers holding it, its spellings the number
   of distinct raw texts it was written as.
3. `hub_limit` + `key_weights`: each key kind has a weight (strong kinds 1.0, a shared /24 0.5);
   a key held by more sellers than the hub limit is infrastructure (a fulfilment centre, a
   marketplace IP), not an operator, and gets weight 0; a key held by three or more sellers all
   spelling it identically (copied from a published source) counts half.
4. `components`: strong keys (weight >= threshold) join sellers through the bipartite graph; weak
   keys join two sellers only when the weights of the weak keys they share add up to the threshold.
   Connected components (scipy.sparse.csgraph) of that graph are the clusters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from countermark.listings.records import Seller
from countermark.network.identifiers import (
    ADDRESS,
    DEVICE,
    EMAIL,
    IP,
    IP24,
    PAYOUT,
    PHONE,
    WEBSITE,
    key_kind,
    normalise,
)

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({
    EMAIL: 1.0, PHONE: 1.0, PAYOUT: 1.0, DEVICE: 1.0, ADDRESS: 1.0, WEBSITE: 1.0, IP: 1.0, IP24: 0.5,
})
_EPSILON = 1e-9


@dataclass(frozen=True)
class LinkageRules:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: float = 1.0  # total weight of shared keys that links two sellers
    # A key held by at most this many sellers is never a hub (the largest operator rings seen hold ~6 accounts).
    min_hub_sellers: int = 8
    # Above that, a key is a hub when its df is beyond Q3 + hub_fence x IQR of shared keys (see `hub_limit`)
    # or beyond `max_hub_sellers` (small data sets, where a few hubs are most of the shared keys).
    hub_fence: float = 3.0
    max_hub_sellers: int = 25
    # A key held by this many sellers or more, all spelling it identically, counts `verbatim_factor` of
    # its weight: alone it no longer links (see `key_weights`).
    verbatim_min_sellers: int = 3
    verbatim_factor: float = 0.5

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "weights": dict(self.weights)}


@dataclass(frozen=True, slots=True)
class SellerKey:
    seller_id: str
    key: str
    field: str  # the bundle identifier kind it came from (emails, phones, ...)
    raw: str


def seller_keys(sellers: Iterable[Seller]) -> Iterator[SellerKey]:
    """Step 1: every key of every raw identifier of every seller."""
    for seller in sellers:
        for kind, values in seller.identifiers.items():
            for raw in values:
                for key in normalise(kind, raw, country=seller.country):
                    yield SellerKey(seller.seller_id, key, kind, raw)


@dataclass
class KeyGraph:
    """Step 2: `incidence[i, j] == 1` when seller `seller_ids[i]` holds key `keys[j]`.

    `kinds[j]` indexes `kind_names` (the key's prefix: email, phone, ...); `spellings[j]` counts the
    distinct ways key j is written (raw text, trimmed) across its holders.
    """

    seller_ids: list[str]
    keys: list[str]
    incidence: sparse.csr_matrix
    spellings: np.ndarray
    kinds: np.ndarray
    kind_names: tuple[str, ...]

    @classmethod
    def build(cls, seller_ids: Iterable[str], items: Iterable[tuple[str, str, str]]) -> KeyGraph:
        """`items` are (seller_id, key, raw); every seller of `seller_ids` is a node, with keys or not."""
        seller_index = {sid: i for i, sid in enumerate(seller_ids)}
        key_index: dict[str, int] = {}
        raw_index: dict[str, int] = {}
        kind_index: dict[str, int] = {}
        kinds: list[int] = []
        rows: list[int] = []
        cols: list[int] = []
        raws: list[int] = []
        for seller_id, key, raw in items:
            rows.append(seller_index[seller_id])
            col = key_index.setdefault(key, len(key_index))
            if col == len(kinds):
                kinds.append(kind_index.setdefault(key_kind(key), len(kind_index)))
            cols.append(col)
            raws.append(raw_index.setdefault(raw.strip(), len(raw_index)))
        return cls.from_codes(list(seller_index), list(key_index), np.asarray(rows, np.int64),
                              np.asarray(cols, np.int64), np.asarray(raws, np.int64),
                              np.asarray(kinds, np.int16), tuple(kind_index))

    @classmethod
    def from_codes(cls, seller_ids: list[str], keys: list[str], rows: np.ndarray, cols: np.ndarray,
                   raw_codes: np.ndarray, kinds: np.ndarray, kind_names: tuple[str, ...]) -> KeyGraph:
        """The graph from integer codes: row = seller, col = key, raw_code = the raw text as written."""
        ones = np.ones(len(rows), dtype=np.int32)
        incidence = sparse.csr_matrix((ones, (rows, cols)), shape=(len(seller_ids), len(keys)))
        incidence.sum_duplicates()
        incidence.data[:] = 1  # a seller holding a key twice (two disguises) still holds it once
        spellings = np.zeros(len(keys), dtype=np.int64)
        if len(cols):
            raw = raw_codes - raw_codes.min()
            base = int(raw.max()) + 1
            pairs = np.sort(cols * base + raw)  # (key, spelling) as one integer; sorted, then deduplicated
            distinct = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
            spellings = np.bincount(distinct // base, minlength=len(keys))
        return cls(seller_ids, keys, incidence, spellings, kinds, kind_names)

    def document_frequency(self) -> np.ndarray:
        return np.asarray(self.incidence.sum(axis=0)).ravel()


def hub_limit(df: np.ndarray, rules: LinkageRules) -> int:
    """Step 3a: the largest number of sellers a key may hold and still link them.

    Operator rings are small, so the number of sellers holding a shared key (df >= 2) is small too;
    shared infrastructure is a far outlier above them. Tukey's far-out fence over the df of shared
    keys, Q3 + `hub_fence` x IQR, marks it; quartiles ignore a few huge hubs, and the fence does not
    grow with the number of sellers. The limit is kept within [`min_hub_sellers`, `max_hub_sellers`]:
    the upper bound matters only where hubs are most of the shared keys (a tiny data set).
    """
    shared = df[df >= 2]
    if not len(shared):
        return rules.min_hub_sellers
    q1, q3 = np.percentile(shared, [25, 75])
    fence = math.floor(q3 + rules.hub_fence * (q3 - q1))
    return min(max(rules.min_hub_sellers, fence), rules.max_hub_sellers)


def key_weights(df: np.ndarray, spellings: np.ndarray, kinds: np.ndarray, kind_names: Sequence[str], limit: int,
                rules: LinkageRules) -> np.ndarray:
    """Step 3b: the weight of each key.

    Its kind's weight; times `verbatim_factor` when `verbatim_min_sellers` or more sellers hold it all
    spelt exactly alike (published infrastructure, such as a fulfilment centre's address or a payment
    agent's account, is copied verbatim; an operator re-entering its own identifier across accounts
    tends to vary it, the very disguise the normalisers undo); 0 for a hub or an unshared key.
    """
    kind_weight = np.array([rules.weights.get(name, 0.0) for name in kind_names] or [0.0], dtype=np.float64)
    weights = kind_weight[kinds]
    weights[(df >= rules.verbatim_min_sellers) & (spellings == 1)] *= rules.verbatim_factor
    weights[(df < 2) | (df > limit)] = 0.0
    return weights


def components(incidence: sparse.csr_matrix, weights: np.ndarray, threshold: float) -> np.ndarray:
    """Step 4: the component label of every seller."""
    n_sellers = incidence.shape[0]
    strong = weights >= threshold - _EPSILON
    weak = (weights > 0) & ~strong
    # Sellers joined through strong keys: the bipartite seller-key graph.
    bipartite = incidence[:, np.flatnonzero(strong)].tocoo()
    rows = [bipartite.row]
    cols = [bipartite.col + n_sellers]
    # Sellers joined through weak keys: pairs whose shared weak weights reach the threshold.
    if weak.any():
        weak_incidence = incidence[:, np.flatnonzero(weak)]
        pair_weight = (weak_incidence.multiply(weights[weak]).tocsr() @ weak_incidence.T).tocoo()
        keep = (pair_weight.data >= threshold - _EPSILON) & (pair_weight.row != pair_weight.col)
        rows.append(pair_weight.row[keep])
        cols.append(pair_weight.col[keep])
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    size = n_sellers + int(strong.sum())  # strong keys are nodes numbered after the sellers
    graph = sparse.coo_matrix((np.ones(len(row), dtype=np.int8), (row, col)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return labels[:n_sellers]


@dataclass
class Linkage:
    """The result of clustering: labels per seller plus what is needed to explain them."""

    graph: KeyGraph
    labels: np.ndarray
    weights: np.ndarray
    df: np.ndarray
    hub_limit: int
    rules: LinkageRules

    @cached_property
    def cluster_ids(self) -> list[str]:
        return _cluster_names(self.graph.seller_ids, self.labels)

    def assignments(self) -> dict[str, str]:
        return dict(zip(self.graph.seller_ids, self.cluster_ids, strict=True))

    def cluster_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for cluster_id in self.cluster_ids:
            sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
        return sizes

    def hub_keys(self) -> list[tuple[str, int]]:
        """Keys suppressed as hubs, with how many sellers hold them."""
        return [(self.graph.keys[j], int(self.df[j])) for j in np.flatnonzero(self.df > self.hub_limit)]

    def shared_keys(self) -> Iterator[tuple[str, str, float, list[str]]]:
        """(cluster_id, key, weight, seller_ids): each linking key and the cluster members holding it."""
        by_key = self.graph.incidence.tocsc()
        for j in np.flatnonzero(self.weights > 0):
            members = by_key.indices[by_key.indptr[j]:by_key.indptr[j + 1]]
            by_cluster: dict[str, list[str]] = {}
            for i in members:
                by_cluster.setdefault(self.cluster_ids[i], []).append(self.graph.seller_ids[i])
            for cluster_id, sellers in by_cluster.items():
                if len(sellers) >= 2:
                    yield cluster_id, self.graph.keys[j], float(self.weights[j]), sorted(sellers)


def _cluster_names(seller_ids: list[str], labels: np.ndarray) -> list[str]:
    """A cluster is named after its smallest seller id, so names are stable across runs."""
    names = [f"C-{sid}" for sid in seller_ids]
    sizes = np.bincount(labels) if len(labels) else labels
    linked = np.flatnonzero(sizes[labels] > 1) if len(labels) else labels
    smallest: dict[int, str] = {}
    for i in sorted(linked.tolist(), key=seller_ids.__getitem__):
        smallest.setdefault(int(labels[i]), names[i])
    for i in linked.tolist():
        names[i] = smallest[int(labels[i])]
    return names


def link_graph(graph: KeyGraph, rules: LinkageRules = LinkageRules()) -> Linkage:
    df = graph.document_frequency()
    limit = hub_limit(df, rules)
    weights = key_weights(df, graph.spellings, graph.kinds, graph.kind_names, limit, rules)
    labels = components(graph.incidence, weights, rules.threshold)
    return Linkage(graph, labels, weights, df, limit, rules)


def link_keys(seller_ids: Iterable[str], keys: Iterable[SellerKey], rules: LinkageRules = LinkageRules()) -> Linkage:
    """Steps 2-4 over already normalised keys."""
    return link_graph(KeyGraph.build(seller_ids, ((k.seller_id, k.key, k.raw) for k in keys)), rules)


def link(sellers: Iterable[Seller], rules: LinkageRules = LinkageRules()) -> Linkage:
    sellers = list(sellers)
    return link_keys((s.seller_id for s in sellers), seller_keys(sellers), rules)


def cluster(sellers: Iterable[Seller], rules: LinkageRules = LinkageRules()) -> dict[str, str]:
    """seller_id -> cluster_id for every seller (a seller linked to nobody is a cluster of one)."""
    return link(sellers, rules).assignments()
