"""The scan hook: a bundle's brand images as the reference bank, picklable into scan workers."""

from __future__ import annotations

import pickle
import shutil

from countermark.images.scan import BundleImageMatcher, brand_image_refs, scan_hook
from countermark.listings.bundle import BundleWriter
from countermark.listings.records import Brand, Listing, Product, Seller
from tests.images.conftest import BRIDGE, PDQ_DATA, UNRELATED

SONY = Brand("sony", "Sony", authorized_sellers=("S1",), reference_images=("images/brands/sony/ref.jpg",),
             products=(Product("WH1", "headphones", 300.0, images=("images/brands/sony/wh1.jpg",)),))


def _bundle(tmp_path, with_images: bool = True):
    writer = BundleWriter(tmp_path / "b", "test")
    writer.write_brands([SONY])
    writer.write_sellers([Seller("S1", "Sony Store"), Seller("S2", "Shop")])
    writer.write_listings([
        Listing("L1", "S2", "sony headphones", 30.0, images=("images/listings/L1.jpg",)),
        Listing("L2", "S2", "a lamp", 30.0, images=("images/listings/L2.jpg",)),
        Listing("L3", "S1", "sony headphones", 300.0, images=("images/brands/sony/ref.jpg",)),
    ])
    if with_images:
        for target, source in [("brands/sony/ref.jpg", BRIDGE), ("brands/sony/wh1.jpg", UNRELATED[3]),
                               ("listings/L1.jpg", PDQ_DATA / "reg-test-input" / "dih" / "bridge-6-flipy.jpg"),
                               ("listings/L2.jpg", UNRELATED[0])]:
            (tmp_path / "b" / "images" / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp_path / "b" / "images" / target)
    return tmp_path / "b"


def test_brand_image_refs_names_reference_and_catalogue_images():
    assert brand_image_refs([SONY]) == [("sony-ref-1", "sony", "images/brands/sony/ref.jpg"),
                                        ("sony-WH1-1", "sony", "images/brands/sony/wh1.jpg")]


def test_hook_matches_listings_and_survives_pickling(tmp_path):
    hook = scan_hook(_bundle(tmp_path), radius=31)
    assert isinstance(hook, BundleImageMatcher) and len(hook.entries) == 2
    listings = [
        Listing("L1", "S2", "t", 1.0, images=("images/listings/L1.jpg",)),
        Listing("L2", "S2", "t", 1.0, images=("images/listings/L2.jpg",)),
        Listing("L3", "S1", "t", 1.0, images=("images/brands/sony/ref.jpg",)),
    ]
    for matcher in (hook, pickle.loads(pickle.dumps(hook))):
        found = matcher.matches(listings)
        assert sorted(found) == ["L1", "L3"]
        [mirrored] = found["L1"]
        assert (mirrored.brand_id, mirrored.ref_id, mirrored.transform) == ("sony", "sony-ref-1", "mirrored")
        assert (found["L3"][0].distance, found["L3"][0].transform) == (0, None)


def test_no_images_no_hook(tmp_path):
    assert scan_hook(_bundle(tmp_path, with_images=False)) is None


def test_scan_explains_image_matches(tmp_path):
    import json

    from countermark.detection.batch import scan_bundle

    bundle = _bundle(tmp_path)
    out = tmp_path / "scan.jsonl"
    scan_bundle(bundle, out, image_matcher=scan_hook(bundle))
    decisions = {d["listing_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    codes = {k: [r["code"] for r in d["reasons"] if r["code"].startswith("image")] for k, d in decisions.items()}
    assert codes == {"L1": ["image.reference"], "L2": [], "L3": []}  # L3: the brand's own authorised store
    assert "mirrored" in next(r["message"] for r in decisions["L1"]["reasons"] if r["code"] == "image.reference")


def test_scan_command_uses_the_hook(tmp_path):
    import json

    from typer.testing import CliRunner

    from countermark.cli import app

    out = tmp_path / "scan.jsonl"
    result = CliRunner().invoke(app, ["scan", str(_bundle(tmp_path)), "--out", str(out), "--workers", "1",
                                      "--transparent"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    decisions = {d["listing_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert any(r["code"] == "image.reference" for r in decisions["L1"]["reasons"])
