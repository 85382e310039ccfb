"""The demo marketplace generator: a valid, deterministic, realistic labelled bundle."""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import msgspec
import phonenumbers
import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.listings.bundle import Bundle
from countermark.listings.demo import COUNTERFEIT_TACTICS, LEGITIMATE_TACTICS, generate, load_catalogue
from countermark.listings.demo_sellers import build_sellers
from countermark.listings.records import Brand, Listing, Reject, Seller
from tests.conftest import SHARED

EVALBUNDLE = SHARED / "tools" / "evalbundle.py"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    generate(out, listings=400, seed=11)
    return out


@pytest.fixture(scope="module")
def text_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    generate(out, listings=6000, seed=5, with_images=False)
    return out


def _labels(root: Path) -> list[dict[str, str]]:
    with (root / "labels" / "listings.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read_all(root: Path) -> tuple[list[Brand], list[Seller], list[Listing]]:
    bundle = Bundle.open(root)
    brands, sellers, listings = list(bundle.brands()), list(bundle.sellers()), list(bundle.listings())
    rejects = [r for r in (*brands, *sellers, *listings) if isinstance(r, Reject)]
    assert rejects == []
    return brands, sellers, listings  # type: ignore[return-value]


def test_bundle_reads_back_with_zero_rejects_and_every_image_exists(small: Path) -> None:
    brands, sellers, listings = _read_all(small)
    assert len(listings) == 400 and len(brands) == 30
    seller_ids = {s.seller_id for s in sellers}
    paths = [p for b in brands for p in b.reference_images]
    paths += [p for b in brands for pr in b.products for p in pr.images] + [p for x in listings for p in x.images]
    assert paths and all((small / p).is_file() for p in paths)
    assert all(set(b.authorized_sellers) <= seller_ids for b in brands)
    labels = _labels(small)
    assert [r["listing_id"] for r in labels] == [x.listing_id for x in listings]
    with (small / "labels" / "sellers.csv").open(encoding="utf-8") as f:
        assert {r["seller_id"] for r in csv.DictReader(f)} == seller_ids
    manifest = json.loads((small / "bundle.json").read_text())
    assert manifest["format"] == "countermark-bundle" and manifest["version"] == 1


def test_packaged_catalogue_holds_real_priced_products() -> None:
    catalogue = load_catalogue()
    majors = [b for b in catalogue if b["tier"] == "major"]
    assert len(majors) == 40 and len(catalogue) > 60
    products = [p for b in catalogue for p in b["products"]]
    assert len({p["sku"] for p in products}) == len(products) > 3000
    assert all(p["msrp"] > 0 and p["title"] and p["source"] and p["record_id"] for p in products)
    assert sum(bool(p["model_numbers"]) for p in products) > 0.7 * len(products)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path, small: Path) -> None:
    generate(tmp_path / "again", listings=400, seed=11)
    assert _digest(tmp_path / "again") == _digest(small)
    generate(tmp_path / "other", listings=400, seed=12)
    assert (tmp_path / "other" / "listings.jsonl").read_bytes() != (small / "listings.jsonl").read_bytes()


def test_rerun_into_a_previous_demo_replaces_it(tmp_path: Path) -> None:
    generate(tmp_path / "b", listings=300, seed=1)
    generate(tmp_path / "b", listings=50, seed=2, with_images=False)
    assert not (tmp_path / "b" / "images").exists()
    assert len(_labels(tmp_path / "b")) == 50


def test_label_and_tactic_mix(text_only: Path) -> None:
    labels = _labels(text_only)
    tactics = Counter((r["label"], r["tactic"]) for r in labels)
    expected = {("counterfeit", t) for t in COUNTERFEIT_TACTICS} | {("legitimate", t) for t in LEGITIMATE_TACTICS}
    assert set(tactics) == expected
    counterfeit = sum(n for (label, _), n in tactics.items() if label == "counterfeit")
    assert 0.25 < counterfeit / len(labels) < 0.35
    brand_ids = {b.brand_id for b in _read_all(text_only)[0]}
    for r in labels:
        assert (r["brand_id"] == "") == (r["tactic"] == "generic")
        assert r["brand_id"] in brand_ids | {""}


HIDDEN_MARK = {"misspelling", "homoglyph", "leetspeak", "separators", "description_only", "image_copy", "local_script"}
PLAIN_MARK = {"price_only", "replica_words", "foreign_replica", "inspired_style", "compatible"}


def test_each_tactic_shows_or_hides_the_mark_as_it_should(text_only: Path) -> None:
    brands, sellers, listings = _read_all(text_only)
    by_id = {b.brand_id: b for b in brands}
    authorised = {b.brand_id: set(b.authorized_sellers) for b in brands}
    any_authorised = set().union(*authorised.values())
    for listing, row in zip(listings, _labels(text_only), strict=True):
        tactic = row["tactic"]
        if tactic == "generic":
            continue
        mark = re.compile(rf"(?<![^\W_]){re.escape(by_id[row['brand_id']].name)}(?![^\W_])", re.IGNORECASE)
        if tactic in HIDDEN_MARK:
            assert not mark.search(listing.title), (tactic, listing.title)
        elif tactic in PLAIN_MARK:
            assert mark.search(listing.title), (tactic, listing.title)
        if tactic in ("authorized", "clearance"):
            assert listing.seller_id in authorised[row["brand_id"]]
        if row["label"] == "counterfeit":
            assert listing.seller_id not in any_authorised
            assert listing.price < max(p.msrp for p in by_id[row["brand_id"]].products)
        if tactic == "homoglyph":
            assert any(ord(ch) > 0x7F for ch in listing.title)


def _normalised(kind: str, raw: str, country: str) -> str:
    """A deliberately simple normaliser: enough to show that ring accounts share identifiers underneath."""
    if kind == "emails":
        local, domain = raw.lower().split("@")
        local = local.split("+")[0]
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.replace(".", ""), "gmail.com"
        return f"{local}@{domain}"
    if kind == "phones":
        cleaned = "+" + raw[2:] if raw.startswith("00") else raw
        bracketed = re.match(r"\((\d{1,3})\)\s*(.*)", raw)
        if bracketed and not (len(bracketed.group(1)) == 3 and country in ("US", "CA")):
            cleaned = f"+{bracketed.group(1)} {bracketed.group(2)}"  # "(86) 135..." is a country code
        number = phonenumbers.parse(cleaned, None if cleaned.startswith("+") else country)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == "ip_addresses":
        ip = ipaddress.ip_address(raw)
        return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    if kind == "devices":
        return re.sub(r"[^0-9a-f]", "", re.sub(r"^dev[-_]", "", raw.lower()))
    if kind == "addresses":
        return " ".join(re.findall(r"\d+", raw))
    return re.sub(r"[^0-9a-z]", "", raw.lower().replace("ach", ""))


def test_ring_accounts_share_identifiers_only_in_disguised_forms(text_only: Path) -> None:
    _, sellers, _ = _read_all(text_only)
    with (text_only / "labels" / "sellers.csv").open(encoding="utf-8") as f:
        actor = {r["seller_id"]: r["actor_id"] for r in csv.DictReader(f)}
    _check_rings(sellers, actor)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rings_stay_linked_and_disguised_for_other_seeds(seed: int) -> None:
    brands = {f"b{i}": f"Brand {i}" for i in range(30)}
    world = build_sellers(3000, brands, list(COUNTERFEIT_TACTICS), random.Random(seed))
    _check_rings([s.record for s in world.sellers], {s.record.seller_id: s.actor_id for s in world.sellers})


def _check_rings(sellers: list[Seller], actor: dict[str, str]) -> None:
    raw_owners: dict[str, set[str]] = defaultdict(set)
    for s in sellers:
        for values in s.identifiers.values():
            for v in values:
                raw_owners[v].add(actor[s.seller_id])
    hubs = {v for v, owners in raw_owners.items() if len(owners) > 1}
    assert hubs, "hub identifiers (fulfilment centres, forwarders) are shared by unrelated sellers"
    accounts: dict[str, list[Seller]] = defaultdict(list)
    for s in sellers:
        accounts[actor[s.seller_id]].append(s)
    rings = [group for group in accounts.values() if len(group) > 1]
    assert len(rings) >= 10
    disguised_links = 0
    for group in rings:
        keys = [{(k, _normalised(k, v, s.country)) for k, vs in s.identifiers.items() for v in vs if v not in hubs}
                for s in group]
        raws = [{v for vs in s.identifiers.values() for v in vs if v not in hubs} for s in group]
        # connected through normalised identifiers ...
        reached, frontier = {0}, [0]
        while frontier:
            i = frontier.pop()
            for j in range(len(group)):
                if j not in reached and keys[i] & keys[j]:
                    reached.add(j)
                    frontier.append(j)
        assert len(reached) == len(group), [s.identifiers for s in group]
        # ... but never through the same raw string (unless the company writes it plainly: legit storefront pairs)
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                shared_raw = raws[i] & raws[j]
                if shared_raw:
                    assert all(k in ("websites", "phones", "payout_accounts", "emails") for k, _ in keys[i] & keys[j])
                else:
                    disguised_links += bool(keys[i] & keys[j])
    assert disguised_links >= 10


def test_no_images_writes_no_image_and_references_none(tmp_path: Path, small: Path) -> None:
    generate(tmp_path / "b", listings=400, seed=11, with_images=False)
    brands, _, listings = _read_all(tmp_path / "b")
    assert not (tmp_path / "b" / "images").exists()
    assert all(not x.images for x in listings)
    assert all(not b.reference_images and all(not p.images for p in b.products) for b in brands)
    # the same marketplace as with images, photos aside
    assert [msgspec.structs.replace(x, images=()) for x in _read_all(small)[2]] == listings
    assert (tmp_path / "b" / "labels" / "listings.csv").read_bytes() == (small / "labels" / "listings.csv").read_bytes()


def test_parquet_listings_match_the_jsonl_ones(tmp_path: Path) -> None:
    generate(tmp_path / "j", listings=300, seed=4, with_images=False)
    generate(tmp_path / "p", listings=300, seed=4, with_images=False, parquet=True)
    assert not (tmp_path / "p" / "listings.jsonl").exists()
    assert _read_all(tmp_path / "p")[2] == _read_all(tmp_path / "j")[2]
    generate(tmp_path / "p2", listings=300, seed=4, with_images=False, parquet=True)
    assert _digest(tmp_path / "p2") == _digest(tmp_path / "p")


def test_cli_demo_and_its_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", str(tmp_path / "b"), "--listings", "120", "--seed", "9", "--no-images"])
    assert result.exit_code == 0, result.output
    assert len(_labels(tmp_path / "b")) == 120
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["demo", str(tmp_path / "busy"), "--listings", "10"])
    assert result.exit_code == 2
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_evalbundle_accepts_the_bundle(tmp_path: Path, small: Path) -> None:
    if not EVALBUNDLE.is_file():
        pytest.skip("../shared/tools/evalbundle.py not available")
    _, sellers, listings = _read_all(small)
    scan = tmp_path / "scan.jsonl"
    scan.write_text("".join(json.dumps({"listing_id": x.listing_id, "decision": "clear", "score": 0.0,
                                        "brand_id": None, "matched_sku": None, "reasons": []}) + "\n"
                            for x in listings))
    clusters = tmp_path / "clusters.csv"
    clusters.write_text("seller_id,cluster_id\n" + "".join(f"{s.seller_id},{s.seller_id}\n" for s in sellers))
    for mode, output in (("scan", scan), ("network", clusters)):
        run = subprocess.run([sys.executable, str(EVALBUNDLE), mode, str(small), str(output), "--json"],
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["ok"] is True
