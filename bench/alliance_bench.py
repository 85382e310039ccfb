"""Alliance feeds at scale: publish and pull N confirmed-counterfeit hash signals between two instances.

    python bench/alliance_bench.py [--n 1000000]

Two instances on loopback (SQLite each, real HTTP). Prints seconds and bytes on the wire per signal,
and, measured in the same run, a floor: fetching the same pages over the same HTTP server and
parsing their JSON with no verification and no storage; and the bytes of the same hashes as a bare
ThreatExchange-style file (`pdq <hex>` per line).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.alliance.conftest import start_instance, stop_instances  # noqa: E402

from countermark.alliance.feed import Draft, append  # noqa: E402
from countermark.alliance.pull import http_fetch  # noqa: E402
from countermark.alliance.service import add_peer, pull_peer  # noqa: E402
from countermark.storage.engine import transaction  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        running: list = []
        try:
            a = start_instance(tmp, "market-a", running)
            b = start_instance(tmp, "market-b", running)
            drafts = [Draft("counterfeit_hash", f"pdq:{h}", {"pdq": h, "quality": 100, "brand_id": None})
                      for h in (secrets.token_hex(32) for _ in range(n))]
            start = time.perf_counter()
            with transaction(a.engine) as session:
                append(session, a.identity, drafts)
            t_publish = time.perf_counter() - start

            wire = 0

            def counting_fetch(url: str, limit: int) -> bytes:
                nonlocal wire
                body = http_fetch(url, limit)
                wire += len(body)
                return body

            with transaction(b.engine) as session:
                add_peer(session, "market-a", a.url, a.identity.public_key, max_feed_bytes=2**31 - 1)
            start = time.perf_counter()
            report = pull_peer(b.engine, "market-a", fetch=counting_fetch)
            t_pull = time.perf_counter() - start
            assert report.imported == n, report

            start = time.perf_counter()
            after = 0
            while True:
                page = json.loads(http_fetch(f"{a.url}/alliance/v1/feed?after={after}", 2**31 - 1))
                if not page["entries"]:
                    break
                after = page["entries"][-1]["seq"]
                if not page["has_more"]:
                    break
            t_floor = time.perf_counter() - start
        finally:
            stop_instances(running)
    bare = n * len("pdq ") + n * 65
    print(f"signals: {n:,}")
    print(f"publish (sign + chain + store): {t_publish:8.1f} s  {n / t_publish:>10,.0f} signals/s")
    print(f"pull (fetch + verify + store):  {t_pull:8.1f} s  {n / t_pull:>10,.0f} signals/s")
    print(f"floor (fetch + parse only):     {t_floor:8.1f} s  {n / t_floor:>10,.0f} signals/s   "
          f"pull/floor {t_pull / t_floor:.1f}x")
    print(f"bytes on the wire: {wire / n:.0f} per signal (bare `pdq <hex>` file: {bare / n:.0f}; "
          f"ratio {wire / bare:.1f}x)")


if __name__ == "__main__":
    main()
