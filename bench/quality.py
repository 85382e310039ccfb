"""Detection quality: precision / recall / F1, recall per counterfeit tactic, false-positive rate per
legitimate kind, on the dev bundle and on unseen demo bundles (other seeds), for the transparent scorer
and for trained models; plus leave-one-tactic-out generalisation of a trained model.

Baseline in the same run: a naive keyword filter (brand named + an English replica word, or brand named
+ price below 40% of the cheapest catalogue product of the brand).

    python bench/quality.py                         # dev + demo seeds 101, 202, 303 (3000 listings each)
    python bench/quality.py --n 1000 --seeds 11     # quick run
    python bench/quality.py --json results.json

Goals (issue 4): precision >= 0.97 and recall >= 0.95 on unseen bundles; FPR on used, compatible and
clearance listings <= 2%. Demo bundles are generated text-only (no images), so tactics that only show in
pictures (image_copy) are scored without image evidence.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from countermark.detection.context import ScanContext
from countermark.detection.engine import DetectionEngine
from countermark.detection.model import TrainedScorer, fit
from countermark.detection.training import bundle_records, training_set_from_bundle
from countermark.listings.records import Brand, Listing

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "bundles" / "dev"
WATCHED_KINDS = ("used", "compatible", "clearance")


@dataclass
class Labelled:
    name: str
    path: Path
    brands: list[Brand]
    context: ScanContext
    listings: list[Listing]
    labels: dict[str, tuple[bool, str]]  # listing_id -> (counterfeit?, tactic)


def load(path: Path, name: str) -> Labelled:
    brands, sellers, bundle = bundle_records(path)
    listings = [x for x in bundle.listings() if isinstance(x, Listing)]
    with (path / "labels" / "listings.csv").open(newline="", encoding="utf-8") as f:
        labels = {r["listing_id"]: (r["label"] == "counterfeit", r["tactic"]) for r in csv.DictReader(f)}
    return Labelled(name, path, brands, ScanContext(sellers=sellers), listings, labels)


def metrics(data: Labelled, flagged: dict[str, bool]) -> dict:
    tp = fp = fn = tn = 0
    per: dict[tuple[bool, str], list[int]] = defaultdict(lambda: [0, 0])
    for x in data.listings:
        counterfeit, tactic = data.labels[x.listing_id]
        flag = flagged[x.listing_id]
        per[(counterfeit, tactic)][0] += 1
        per[(counterfeit, tactic)][1] += flag
        tp += counterfeit and flag
        fp += (not counterfeit) and flag
        fn += counterfeit and not flag
        tn += (not counterfeit) and not flag
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "recall_by_tactic": {t: f / n for (c, t), (n, f) in sorted(per.items()) if c},
        "fpr_by_kind": {t: f / n for (c, t), (n, f) in sorted(per.items()) if not c},
        "counts": {t: n for (_, t), (n, _) in per.items()},
    }


def engine_flags(engine: DetectionEngine, data: Labelled) -> dict[str, bool]:
    return {d.listing_id: d.flagged for d in engine.scan(data.listings, data.context)}


_NAIVE_WORDS = re.compile(r"\b(replica|fake|copy|aaa|1:1|counterfeit|knockoff)\b")


def naive_flags(data: Labelled) -> dict[str, bool]:
    """The baseline: exact brand name + replica word, or exact brand name + very low price."""
    cheapest = {b.brand_id: min((p.msrp for p in b.products), default=0.0) for b in data.brands}
    names = [(b.brand_id, b.name.lower()) for b in data.brands]
    out = {}
    for x in data.listings:
        text = f"{x.title} {x.description}".lower()
        hit = next((bid for bid, name in names if re.search(rf"\b{re.escape(name)}\b", text)), None)
        out[x.listing_id] = hit is not None and (bool(_NAIVE_WORDS.search(text)) or x.price < 0.4 * cheapest[hit])
    return out


def trained_engine(train_on: Path, brands: Sequence[Brand], exclude: Sequence[str] = ()) -> DetectionEngine:
    training, _ = training_set_from_bundle(train_on, exclude_tactics=set(exclude))
    scorer = TrainedScorer(fit(training), training.feature_names, name="model:bench")
    return DetectionEngine(brands, model=scorer)


def row(name: str, m: dict) -> str:
    watched = max((m["fpr_by_kind"].get(k, 0.0) for k in WATCHED_KINDS), default=0.0)
    return (f"  {name:34s} P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}  "
            f"FP {m['fp']:4d}  FN {m['fn']:4d}  max FPR used/compatible/clearance {watched:.3f}")


def detail(m: dict) -> str:
    lines = ["      recall per tactic:   " + ", ".join(f"{t} {v:.3f}" for t, v in m["recall_by_tactic"].items()),
             "      FPR per legit kind:  " + ", ".join(f"{t} {v:.3f}" for t, v in m["fpr_by_kind"].items())]
    return "\n".join(lines)


def generate_demo(root: Path, seed: int, n: int) -> Path:
    from countermark.listings.demo import generate

    out = root / f"demo-s{seed}"
    generate(out, listings=n, seed=seed, with_images=False)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="listings per demo bundle")
    parser.add_argument("--seeds", type=int, nargs="*", default=[101, 202, 303], help="demo seeds (unseen bundles)")
    parser.add_argument("--train-seed", type=int, default=909, help="demo seed of the training bundle for models")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    args = parser.parse_args(argv)

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bundles = [load(DEV, "dev")]
        try:
            for seed in args.seeds:
                bundles.append(load(generate_demo(Path(tmp), seed, args.n), f"demo seed {seed}"))
            train_bundle = generate_demo(Path(tmp), args.train_seed, args.n)
        except ImportError:
            print("countermark demo is not available: reporting on dev only", file=sys.stderr)
            train_bundle = None

        scorers: list[tuple[str, Callable[[Labelled], dict[str, bool]]]] = [
            ("naive keyword baseline", naive_flags),
            ("transparent (no training)", lambda d: engine_flags(DetectionEngine(d.brands), d)),
            ("model trained on dev", lambda d: engine_flags(trained_engine(DEV, d.brands), d)),
        ]
        if train_bundle is not None:
            scorers.append((f"model trained on demo s{args.train_seed}",
                            lambda d: engine_flags(trained_engine(train_bundle, d.brands), d)))
        for data in bundles:
            print(f"\n== {data.name}: {len(data.listings)} listings, "
                  f"{sum(c for c, _ in data.labels.values())} counterfeit")
            for name, run in scorers:
                if name == "model trained on dev" and data.name == "dev":
                    name += " (seen: optimistic)"
                m = metrics(data, run(data))
                results[f"{data.name} / {name}"] = m
                print(row(name, m))
                print(detail(m))

        if train_bundle is not None and len(bundles) > 1:
            results["leave_one_tactic_out"] = leave_one_tactic_out(train_bundle, bundles[1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def leave_one_tactic_out(train_bundle: Path, evaluate: Labelled) -> dict[str, dict[str, float]]:
    """Train without one counterfeit tactic, report that tactic's recall on an unseen bundle."""
    train = load(train_bundle, "train")
    tactics = sorted({t for c, t in train.labels.values() if c})
    full = metrics(evaluate, engine_flags(trained_engine(train_bundle, evaluate.brands), evaluate))
    transparent = metrics(evaluate, engine_flags(DetectionEngine(evaluate.brands), evaluate))
    print(f"\n== leave one tactic out: train on {train_bundle.name}, evaluate on {evaluate.name}")
    print(f"  {'tactic left out':18s} {'recall (left out)':>18s} {'recall (all in)':>16s} {'transparent':>12s}"
          f" {'overall P/R without it':>24s}")
    out: dict[str, dict[str, float]] = {}
    for tactic in tactics:
        m = metrics(evaluate, engine_flags(trained_engine(train_bundle, evaluate.brands, exclude=[tactic]), evaluate))
        left_out = m["recall_by_tactic"].get(tactic, float("nan"))
        out[tactic] = {"recall_left_out": left_out, "recall_all_in": full["recall_by_tactic"].get(tactic, float("nan")),
                       "recall_transparent": transparent["recall_by_tactic"].get(tactic, float("nan")),
                       "precision": m["precision"], "recall": m["recall"]}
        print(f"  {tactic:18s} {left_out:18.3f} {out[tactic]['recall_all_in']:16.3f} "
              f"{out[tactic]['recall_transparent']:12.3f} {m['precision']:12.4f} / {m['recall']:.4f}")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
