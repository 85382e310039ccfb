"""Linkage kernel: clusters from shared keys, weights, hub suppression; agrees with networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from countermark.listings.records import Seller
from countermark.network.linkage import KeyGraph, LinkageRules, cluster, components, hub_limit, link


def seller(seller_id: str, country: str = "US", **identifiers: list[str]) -> Seller:
    return Seller(seller_id, seller_id, country, "2024-01-01", {k: tuple(v) for k, v in identifiers.items()})


def background(n: int, start: int = 1000) -> list[Seller]:
    """Unrelated sellers with identifiers of their own, and some two-account rings among them."""
    out = []
    for i in range(start, start + n):
        out.append(seller(f"S{i}", emails=[f"user{i}@example.com"], devices=[f"dev-{i:016x}"],
                          ip_addresses=[f"10.{i // 256 % 256}.{i % 256}.1"]))
    return out


def test_disguised_shared_identifiers_link_and_others_stay_single():
    sellers = [
        seller("A1", emails=["John.Smith+shop@gmail.com"]),
        seller("A2", emails=["johnsmith@googlemail.com"]),
        seller("B1", country="CN", phones=["(86) 13496932796"]),
        seller("B2", country="US", phones=["+86 134 9693 2796"]),
        seller("C1", emails=["someone@else.com"]),
    ]
    clusters = cluster(sellers)
    assert clusters == {"A1": "C-A1", "A2": "C-A1", "B1": "C-B1", "B2": "C-B1", "C1": "C-C1"}


def test_every_seller_once_even_without_identifiers():
    clusters = cluster([seller("X"), seller("Y", emails=[])])
    assert clusters == {"X": "C-X", "Y": "C-Y"}
    assert cluster([]) == {}


def test_one_shared_slash24_is_weak_two_link():
    one = [seller("P", ip_addresses=["81.2.3.4"]), seller("Q", ip_addresses=["81.2.3.99"])]
    assert len(set(cluster(one).values())) == 2
    two = [seller("P", ip_addresses=["81.2.3.4", "92.1.1.1"]), seller("Q", ip_addresses=["81.2.3.99", "92.1.1.200"])]
    assert len(set(cluster(two).values())) == 1


def test_exact_ip_links_including_ipv4_mapped_ipv6():
    sellers = [seller("P", ip_addresses=["36.39.15.57"]), seller("Q", ip_addresses=["::ffff:36.39.15.57"])]
    assert len(set(cluster(sellers).values())) == 1


def test_hub_identifier_does_not_merge_unrelated_sellers():
    """A fulfilment-centre address and a marketplace IP held by many sellers link nobody."""
    hub_address = "Unit 4, 1 Logistics Park Road, Leipzig 04435, Germany"
    unrelated = [
        seller(f"H{i:03d}", addresses=[hub_address if i % 2 else hub_address.upper().replace("Road", "Rd.")],
               ip_addresses=["203.0.113.10"], emails=[f"shop{i}@example.com"])
        for i in range(40)
    ]
    # Genuine rings elsewhere in the data: pairs sharing a device (so the data has a normal ring-size profile).
    rings = []
    for i in range(30):
        rings += [seller(f"R{i:03d}a", devices=[f"dev-{i:08x}"]), seller(f"R{i:03d}b", devices=[f"DEV-{i:08X}"])]
    # One real operator among the hub's users: two of them also share a phone.
    unrelated[0] = seller("H000", addresses=[hub_address], phones=["+44 7911 123456"])
    unrelated[1] = seller("H001", addresses=[hub_address], phones=["07911 123456"], country="GB")
    linkage = link(unrelated + rings + background(200))
    clusters = linkage.assignments()
    hub_cluster_sizes = {}
    for s in unrelated:
        hub_cluster_sizes[clusters[s.seller_id]] = hub_cluster_sizes.get(clusters[s.seller_id], 0) + 1
    assert sorted(hub_cluster_sizes.values(), reverse=True)[:2] == [2, 1]
    assert clusters["H000"] == clusters["H001"]
    assert all(clusters[f"R{i:03d}a"] == clusters[f"R{i:03d}b"] for i in range(30))
    hubs = dict(linkage.hub_keys())
    assert hubs["ip:203.0.113.10"] == 38  # H000 and H001 were given no IP
    assert any(k.startswith("address:unit 4") for k in hubs)


def test_hub_limit_is_a_far_outlier_fence_with_a_floor():
    rules = LinkageRules(min_hub_sellers=8, hub_fence=3.0, max_hub_sellers=25)
    assert hub_limit(np.array([1, 1, 2, 2, 2, 2, 3, 5000]), rules) == 8  # fence 3 + 3 x 1 is below the floor
    assert hub_limit(np.array([2] * 50 + [6] * 50 + [400]), rules) == 18  # Q3 6 + 3 x IQR 4
    assert hub_limit(np.array([40, 40, 40]), rules) == 25  # only hubs are shared: the cap
    assert hub_limit(np.array([1, 1]), rules) == 8


def test_key_copied_verbatim_by_many_needs_corroboration_but_disguised_reuse_links():
    """A payment agent's account pasted by 5 unrelated sellers vs. one operator's e-mail re-typed 5 ways."""
    agent = [seller(f"P{i}", payout_accounts=["PAYAGENT 2761595308"]) for i in range(5)]
    operator = [seller(f"O{i}", emails=[spelling]) for i, spelling in enumerate(
        ["li.wei@gmail.com", "LiWei@gmail.com", "liwei+shop@googlemail.com", "l.i.wei@gmail.com", "liwei@gmail.com"])]
    # Two of the agent's customers are also one operator: the agent account plus a shared device link them.
    agent[0] = seller("P0", payout_accounts=["PAYAGENT 2761595308"], devices=["dev-77aa"])
    agent[1] = seller("P1", payout_accounts=["PAYAGENT 2761595308"], devices=["DEV-77AA"])
    clusters = cluster(agent + operator)
    assert len({clusters[f"O{i}"] for i in range(5)}) == 1
    assert len({clusters[f"P{i}"] for i in range(2, 5)}) == 3
    assert clusters["P0"] == clusters["P1"]
    pasted_pair = [seller("X", phones=["+852 6304 7233"]), seller("Y", phones=["+852 6304 7233"])]
    assert len(set(cluster(pasted_pair).values())) == 1  # two accounts: strong as before


def test_weights_are_configurable():
    sellers = [seller("P", websites=["https://shop.example"]), seller("Q", websites=["shop.example/about"])]
    assert len(set(cluster(sellers).values())) == 1
    no_websites = LinkageRules(weights={"web": 0.0})
    assert len(set(cluster(sellers, no_websites).values())) == 2


def test_shared_keys_explain_each_cluster():
    sellers = [seller("A1", emails=["a@x.com"]), seller("A2", emails=["A@X.com"], devices=["d1"]),
               seller("A3", devices=["D-1"]), seller("B", emails=["b@x.com"])]
    evidence = sorted(link(sellers).shared_keys())
    assert evidence == [("C-A1", "device:d1", 1.0, ["A2", "A3"]), ("C-A1", "email:a@x.com", 1.0, ["A1", "A2"])]


@settings(max_examples=60)
@given(st.integers(1, 40), st.lists(st.tuples(st.integers(0, 39), st.integers(0, 59)), max_size=120))
def test_components_match_networkx(n_sellers, pairs):
    pairs = [(s % n_sellers, k) for s, k in pairs]
    graph = KeyGraph.build([f"s{i}" for i in range(n_sellers)], [(f"s{s}", f"email:k{k}", f"{s}") for s, k in pairs])
    labels = components(graph.incidence, np.ones(len(graph.keys)), 1.0)
    reference = nx.Graph()
    reference.add_nodes_from(f"s{i}" for i in range(n_sellers))
    reference.add_edges_from((f"s{s}", f"email:k{k}") for s, k in pairs)
    expected = {frozenset(c) - {n for n in c if n.startswith("email:")} for c in nx.connected_components(reference)}
    ours: dict[int, set[str]] = {}
    for i, label in enumerate(labels):
        ours.setdefault(int(label), set()).add(f"s{i}")
    assert {frozenset(c) for c in ours.values()} == {c for c in expected if c}
