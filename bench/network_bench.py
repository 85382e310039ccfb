"""Seller linkage at scale: our sparse kernel vs a networkx connected-components baseline, same graph, same run.

    .venv/bin/python bench/network_bench.py                 # 1,000,000 sellers, ~3M identifiers
    .venv/bin/python bench/network_bench.py --n 100000       # quick run
    .venv/bin/python bench/network_bench.py --nx-n 100000    # networkx on a 100k-seller graph only

The synthetic marketplace: every seller holds ~3 identifier keys of mixed kinds; 6% of sellers
are in operator rings of 2-6 accounts sharing keys; a few hub keys (fulfilment centres, marketplace
IPs) are held by thousands; /24 keys collide by chance. Each approach runs in its own process on
the same arrays (saved to a temporary directory), so its peak memory (max RSS) is its own:

- ours: `linkage.link_graph` on the incidence matrix: df, hub limit, weights, components, names;
- networkx: a `networkx.Graph` of every seller-key edge of a strong non-hub key plus the weak pairs
  our kernel found, then `connected_components`; it is handed the weighting, not asked to do it.
Both must find the same clusters; the ratio of seconds is printed.
A separate line times the whole path from raw identifiers (normalisation included) on --e2e-n sellers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

KINDS = ("email", "phone", "payout", "device", "address", "ip", "ip24")


def synthesise(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(rows, cols, raw_codes, keys, kinds): ~3 keys per seller, rings, hubs, chance /24 collisions."""
    rng = np.random.default_rng(seed)
    per_seller = rng.integers(2, 5, size=n)  # 2-4 own keys: ~3 on average
    rows = np.repeat(np.arange(n), per_seller)
    cols = np.arange(len(rows))  # every own key unique to start with
    n_keys = len(rows)
    kind_of = rng.integers(0, len(KINDS) - 1, size=n_keys)  # exact keys of the first six kinds
    # /24 keys: one per IP key, drawn from a space where chance collisions happen.
    ip_rows = rows[kind_of == KINDS.index("ip")]
    ip24_cols = n_keys + rng.integers(0, max(n * 4, 1), size=len(ip_rows))
    # Rings: 6% of sellers, in groups of 2-6, each member also holds one key of the group's first account.
    ring_sellers = rng.permutation(n)[: int(n * 0.06)]
    sizes = rng.integers(2, 7, size=len(ring_sellers) // 4 + 1)
    bounds = np.cumsum(sizes)
    bounds = bounds[bounds < len(ring_sellers)]
    groups = np.split(ring_sellers, bounds)
    first_key = np.searchsorted(rows, np.arange(n))  # index of each seller's first own key
    ring_rows = np.concatenate([g[1:] for g in groups if len(g) > 1])
    ring_cols = np.concatenate([np.full(len(g) - 1, first_key[g[0]]) for g in groups if len(g) > 1])
    # Hubs: 5 keys held by 0.3% of all sellers each.
    hub_base = n_keys + n * 4
    hub_rows = rng.integers(0, n, size=(5, max(n * 3 // 1000, 1))).ravel()
    hub_cols = hub_base + np.repeat(np.arange(5), max(n * 3 // 1000, 1))
    all_rows = np.concatenate([rows, ip_rows, ring_rows, hub_rows])
    all_cols = np.concatenate([cols, ip24_cols, ring_cols, hub_cols])
    # Dense key numbering and names with kind prefixes (what the kernel reads the kind from).
    used, dense = np.unique(all_cols, return_inverse=True)
    kinds = np.where(used >= hub_base, KINDS.index("address"),
                     np.where(used >= n_keys, KINDS.index("ip24"), kind_of[np.minimum(used, n_keys - 1)]))
    names = [f"{KINDS[k]}:{c}" for k, c in zip(kinds.tolist(), used.tolist(), strict=True)]
    # Raw spellings: each seller writes its keys its own way (distinct codes), hubs are pasted verbatim.
    raw = np.where(all_cols >= hub_base, -1 - (all_cols - hub_base), np.arange(len(all_rows)))
    return all_rows.astype(np.int64), dense.astype(np.int64), raw.astype(np.int64), names, kinds.astype(np.int16)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _load(directory: Path):
    data = np.load(directory / "graph.npz")
    keys = (directory / "keys.txt").read_text().split("\n")
    return data["rows"], data["cols"], data["raw"], data["kinds"], keys, int(data["n"])


def run_ours(directory: Path, queue) -> None:  # noqa: ANN001 (multiprocessing queue)
    from countermark.network.linkage import KeyGraph, LinkageRules, link_graph

    rows, cols, raw, kinds, keys, n = _load(directory)
    seller_ids = [f"S{i:07d}" for i in range(n)]
    start_mb = _peak_mb()
    start = time.perf_counter()
    rules = LinkageRules()
    graph = KeyGraph.from_codes(seller_ids, keys, rows, cols, raw, kinds, KINDS)
    linkage = link_graph(graph, rules)
    assignments = linkage.assignments()
    seconds = time.perf_counter() - start
    assert len(assignments) == n
    np.save(directory / "ours.npy", linkage.labels)
    # The baseline's graph: every seller-key edge of a strong, non-hub key (shared or not, as a plain
    # networkx program would add them), plus the weak-key pairs that reach the threshold.
    kind_weight = np.array([rules.weights.get(name, 0.0) for name in KINDS])
    strong = (linkage.weights >= 1.0) | ((linkage.df == 1) & (kind_weight[graph.kinds] >= 1.0))
    bipartite = graph.incidence[:, np.flatnonzero(strong)].tocoo()
    weak = (linkage.weights > 0) & ~strong
    weak_incidence = graph.incidence[:, np.flatnonzero(weak)]
    pairs = (weak_incidence.multiply(linkage.weights[weak]).tocsr() @ weak_incidence.T).tocoo()
    keep = (pairs.data >= 1.0 - 1e-9) & (pairs.row != pairs.col)
    np.savez(directory / "edges.npz", seller=bipartite.row, key=bipartite.col + n,
             a=pairs.row[keep], b=pairs.col[keep])
    queue.put(("ours", seconds, _peak_mb(), _peak_mb() - start_mb, int(linkage.labels.max()) + 1,
               len(linkage.hub_keys()), linkage.hub_limit))


def run_networkx(directory: Path, queue) -> None:  # noqa: ANN001
    import networkx as nx

    n = int(np.load(directory / "graph.npz")["n"])
    edges = np.load(directory / "edges.npz")
    start_mb = _peak_mb()
    start = time.perf_counter()
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(edges["seller"].tolist(), edges["key"].tolist(), strict=True))
    graph.add_edges_from(zip(edges["a"].tolist(), edges["b"].tolist(), strict=True))
    components = [c for c in nx.connected_components(graph)]
    seconds = time.perf_counter() - start
    labels = np.empty(n, dtype=np.int64)
    count = 0
    for component in components:
        sellers = [v for v in component if v < n]
        if sellers:
            labels[sellers] = count
            count += 1
    np.save(directory / "networkx.npy", labels)
    queue.put(("networkx", seconds, _peak_mb(), _peak_mb() - start_mb, count, None, None))


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(np.stack([a, b]), axis=1)
    return len(pairs[0]) == len(np.unique(a)) == len(np.unique(b))


def in_process(target, directory: Path) -> tuple:  # noqa: ANN001
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=target, args=(directory, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def graph_run(n: int, baseline: bool) -> dict[str, tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        rows, cols, raw, keys, kinds = synthesise(n)
        np.savez(directory / "graph.npz", rows=rows, cols=cols, raw=raw, kinds=kinds, n=n)
        (directory / "keys.txt").write_text("\n".join(keys))
        print(f"graph: {n:,} sellers, {len(keys):,} keys, {len(rows):,} seller-key identifiers", flush=True)
        results = {"ours": in_process(run_ours, directory)}
        if baseline:
            results["networkx"] = in_process(run_networkx, directory)
            agree = same_partition(np.load(directory / "ours.npy"), np.load(directory / "networkx.npy"))
            print(f"same clusters from both: {agree}")
            if not agree:
                raise SystemExit("the baseline found different clusters")
        return results


def end_to_end(n: int) -> None:
    """Raw identifiers -> normalisation -> clusters, on synthetic seller records."""
    from countermark.listings.records import Seller
    from countermark.network.linkage import link

    rng = np.random.default_rng(3)
    sellers = []
    for i in range(n):
        j = int(rng.integers(0, n)) if rng.random() < 0.06 else i  # 6% re-use another seller's phone
        sellers.append(Seller(f"S{i}", f"Shop {i}", "US", "2025-01-01", {
            "emails": (f"Shop.Owner{i}+store@gmail.com",),
            "phones": (f"+1 206 {200 + j // 10000:03d} {j % 10000:04d}",),
            "ip_addresses": (f"::ffff:{10 + i % 200}.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",),
        }))
    start = time.perf_counter()
    linkage = link(sellers)
    seconds = time.perf_counter() - start
    print(f"end to end (normalise + cluster), {n:,} sellers, {3 * n:,} raw identifiers: {seconds:.1f} s "
          f"({3 * n / seconds:,.0f} identifiers/s); {int(linkage.labels.max()) + 1:,} clusters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="sellers (default 1,000,000)")
    parser.add_argument("--nx-n", type=int, default=None,
                        help="run networkx on a graph of this many sellers instead (when 1M is too slow)")
    parser.add_argument("--e2e-n", type=int, default=100_000, help="sellers for the end-to-end line (0: skip)")
    args = parser.parse_args()

    results = graph_run(args.n, baseline=args.nx_n is None)
    if args.nx_n is not None:
        print(f"networkx measured on {args.nx_n:,} sellers (ours again on the same graph):")
        results_small = graph_run(args.nx_n, baseline=True)
        results = {"ours": results["ours"], "ours@nx-n": results_small["ours"], "networkx": results_small["networkx"]}
    print(f"{'':12}{'seconds':>10}{'peak RSS MB':>14}{'added MB':>11}{'clusters':>12}")
    for name, (_, seconds, peak, added, clusters, *_rest) in results.items():
        print(f"{name:12}{seconds:>10.2f}{peak:>14.0f}{added:>11.0f}{clusters:>12,}")
    ours_key = "ours@nx-n" if "ours@nx-n" in results else "ours"
    ratio = results["networkx"][1] / results[ours_key][1]
    print(f"hub keys suppressed: {results['ours'][5]} (hub limit {results['ours'][6]} sellers)")
    print(f"speed-up vs networkx: {ratio:.1f}x faster (same graph, same clusters)")
    if args.e2e_n:
        end_to_end(args.e2e_n)


if __name__ == "__main__":
    main()
