"""Differential check of the detection kernel: this tree's decisions against another commit's.

Optimising the kernel must not change a single decision. This builds hostile listings from a bundle's
real ones (titles with letters swapped for look-alikes, invisible and control characters, overrides,
separators, upside-down letters, pictographs, other scripts; pure noise; a brand name repeated many times),
scans them with this tree's `src` and with `git archive BASE src`, each in its own process, and compares
the output lines (`json.dumps(Decision.as_json())`) byte for byte. Exits 1 and shows the listings that
differ when any does; a change meant to alter decisions shows exactly which ones.

    .venv/bin/python bench/kernel_diff.py --base 0458b32             # dev bundle, seeds 1 2, 6,000 each
    .venv/bin/python bench/kernel_diff.py --base main~3 --n 20000 --seeds 7

A listing's text depends only on the seed and the bundle, never on the code under test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "bundles" / "dev"
_POOLS = (
    "".join(map(chr, range(0x20, 0x7F))),
    "ЅоnуАВСЕНІКМОРТХаеорсхуԀԁ",
    "ｓｏｎｙ𝐒𝐨𝐧𝐲ⓢⓞⓝⓨ🅢🅞",
    "\u200b\u200d\u202e\u202c\ufe0f\u0336\u0301",
    "ɐqɔpǝɟƃɥᴉɾʞlɯuodbɹsʇnʌʍxʎz∀",
    "|+[](){}*#_.-–·•/\\@$!€",
    "東京ソニー한국어ไทยالعربية",
    "\t\n\r\x00\x1f\x7f\u2028",
    "ßİıﬁﬂ™℠®©",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--bundle", type=Path, default=DEV, help="bundle whose brands and listings are used")
    parser.add_argument("--n", type=int, default=6000, help="listings per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scan", nargs=2, metavar=("SEED", "N"), help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    if args.scan:
        _scan(args.bundle, int(args.scan[0]), int(args.scan[1]))
        return 0
    from countermark.listings.bundle import Bundle, BundleError

    try:
        Bundle.open(args.bundle)
    except BundleError as e:
        raise SystemExit(f"--bundle: {e}") from None
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base, "src"], capture_output=True,
                                 check=False)
        if archive.returncode != 0:
            raise SystemExit(f"--base {args.base}: {archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        differing = 0
        for seed in args.seeds:
            base = _run(Path(tmp) / "src", args.bundle, seed, args.n)
            head = _run(ROOT / "src", args.bundle, seed, args.n)
            changed = [(old, new) for old, new in zip(base, head, strict=True) if old != new]
            differing += len(changed)
            print(f"seed {seed}: {len(base):,} listings, {len(changed)} decisions differ")
            for old, new in changed[:10]:
                print(f"  {args.base}: {old[:300]}\n  this tree: {new[:300]}")
    return 1 if differing else 0


def _run(src: Path, bundle: Path, seed: int, n: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, __file__, "--base", "-", "--bundle", str(bundle), "--scan", str(seed),
                           str(n)], env=env, capture_output=True, text=True, encoding="utf-8", check=False)
    if done.returncode != 0:
        raise SystemExit(f"scan with {src} failed:\n{done.stderr[-3000:]}")
    return done.stdout.splitlines()


def _scan(bundle_path: Path, seed: int, n: int) -> None:
    from countermark.detection.context import ScanContext, SellerFacts
    from countermark.detection.engine import DetectionEngine
    from countermark.listings.bundle import Bundle
    from countermark.listings.records import Brand, Listing, Seller

    bundle = Bundle.open(bundle_path)
    brands = [b for b in bundle.brands() if isinstance(b, Brand)]
    sellers = {s.seller_id: SellerFacts(s.seller_id, s.registered_at)
               for s in bundle.sellers() if isinstance(s, Seller)}
    real = [x for x in bundle.listings() if isinstance(x, Listing)][:5000]
    rng = random.Random(seed)
    names = [name for b in brands for name in (b.name, *b.aliases)]
    listings = []
    for i in range(n):
        like = rng.choice(real)
        description = _mutated(rng, like.description) if rng.random() < 0.3 else like.description
        listings.append(Listing(f"K{i}", like.seller_id, _hostile_title(rng, like.title, names),
                                like.price * rng.choice((1, 0.1, 0.5, 2)), like.currency, description,
                                like.category, like.quantity, like.ships_from, like.created_at, ()))
    engine = DetectionEngine(brands)
    out = sys.stdout
    for decision in engine.scan(listings, ScanContext(sellers=sellers)):
        out.write(json.dumps(decision.as_json(), ensure_ascii=False) + "\n")


def _hostile_title(rng: random.Random, title: str, names: list[str]) -> str:
    kind = rng.random()
    if kind < 0.3:
        return _mutated(rng, title)
    if kind < 0.5:
        return f"{_noise(rng, rng.randint(0, 10))} {_mutated(rng, rng.choice(names))} {_noise(rng, rng.randint(0, 20))}"
    if kind < 0.6:
        return _noise(rng, rng.randint(0, 300))
    if kind < 0.7:
        return (_mutated(rng, rng.choice(names)) + rng.choice((" ", "", "-", "."))) * rng.randint(1, 50)
    return title


def _mutated(rng: random.Random, text: str) -> str:
    out: list[str] = []
    for ch in text:
        r = rng.random()
        if r < 0.08:
            out.append(_noise(rng, 1))
        elif r < 0.12:
            out.append(ch + rng.choice(_POOLS[5]))
        elif r >= 0.14:
            out.append(ch)
    return "".join(out)


def _noise(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(rng.choice(_POOLS)) for _ in range(k))


if __name__ == "__main__":
    raise SystemExit(main())
