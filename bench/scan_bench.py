"""Scan throughput and memory: `countermark scan` on a text-only bundle of 500,000 listings.

Floor, measured in the same run on the same file: read listings.jsonl, parse each line, and do
NFKC + casefold + whitespace tokenisation of title and description, in one process. The scan is the
real command (`countermark scan BUNDLE --out FILE --no-images --transparent --workers W`) in a child
process; its peak RSS (main process + workers) is sampled, on the first 100,000 listings and on all.

The bundle: a text-only `countermark demo` bundle of --base listings (default 20,000), repeated with
fresh ids up to --n listings (the demo generator would take ~10 minutes for 500k on this machine).

    python bench/scan_bench.py                  # 500,000 and 100,000 listings (issue 4)
    python bench/scan_bench.py --n 50000 --small 10000 --base 5000   # quick run

Goals: scan time <= 3x the floor; peak RSS flat between 100k and 500k listings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import psutil

from countermark.listings.demo import generate


def build_bundle(root: Path, n: int, base: int, seed: int = 4242) -> Path:
    """A demo bundle of `base` listings, its listings repeated with new ids up to `n`."""
    source = root / "base"
    generate(source, listings=base, seed=seed, with_images=False)
    target = root / f"bundle-{n}"
    target.mkdir()
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl"):
        (target / name).write_bytes((source / name).read_bytes())
    lines = (source / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    with (target / "listings.jsonl").open("w", encoding="utf-8") as out:
        for i in range(n):
            record = json.loads(lines[i % len(lines)])
            record["listing_id"] = f"B{i:08d}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target


def head(bundle: Path, root: Path, n: int) -> Path:
    """The same bundle cut to its first n listings."""
    target = root / f"bundle-head-{n}"
    target.mkdir()
    for name in ("bundle.json", "brands.jsonl", "sellers.jsonl"):
        (target / name).write_bytes((bundle / name).read_bytes())
    with (bundle / "listings.jsonl").open("rb") as src, (target / "listings.jsonl").open("wb") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return target


def floor(bundle: Path) -> tuple[float, int]:
    """Read + parse + NFKC + casefold + whitespace tokens: the least any text scan must do."""
    start = time.perf_counter()
    count = tokens = 0
    with (bundle / "listings.jsonl").open("rb") as f:
        for line in f:
            record = json.loads(line)
            text = unicodedata.normalize("NFKC", f"{record['title']} {record['description']}").casefold()
            tokens += len(text.split())
            count += 1
    return time.perf_counter() - start, count


def scan(bundle: Path, out: Path, workers: int) -> tuple[float, int]:
    """Wall time and peak RSS (bytes, whole process tree) of the real command."""
    executable = Path(sys.executable).with_name("countermark")
    command = [str(executable), "scan", str(bundle), "--out", str(out), "--no-images", "--transparent",
               "--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parent = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"scan failed ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500_000, help="listings in the large bundle")
    parser.add_argument("--small", type=int, default=100_000, help="listings in the small bundle (memory check)")
    parser.add_argument("--base", type=int, default=20_000, help="distinct demo listings repeated up to --n")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"building a {args.n:,}-listing text-only bundle ({args.base:,} distinct demo listings) ...")
        large = build_bundle(root, args.n, args.base)
        small = head(large, root, args.small)
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        floor_time, count = floor(large)
        scan_time, peak_large = scan(large, root / "large.jsonl", args.workers)
        written = sum(1 for _ in (root / "large.jsonl").open("rb"))
        assert written == count, f"scan wrote {written} lines for {count} listings"
        small_time, peak_small = scan(small, root / "small.jsonl", args.workers)

    print(f"\nlistings                       {count:,}")
    print(f"floor (1 process: read, parse, NFKC, casefold, split)  {floor_time:8.1f} s  "
          f"{count / floor_time:10,.0f} listings/s")
    print(f"countermark scan ({args.workers} workers)              {scan_time:8.1f} s  "
          f"{count / scan_time:10,.0f} listings/s")
    print(f"ratio scan / floor             {scan_time / floor_time:.2f}x   (goal <= 3x)")
    print(f"peak RSS, {args.small:,} listings    {peak_small / 2**20:8.1f} MiB  ({small_time:.1f} s)")
    print(f"peak RSS, {count:,} listings    {peak_large / 2**20:8.1f} MiB  (ratio {peak_large / peak_small:.2f})")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
