"""`countermark images bank add|list|remove` and `countermark images match` against a real database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from countermark.cli import app
from tests.images.conftest import BRIDGE, PDQ_DATA, UNRELATED

DIH = PDQ_DATA / "reg-test-input" / "dih"
runner = CliRunner()


def _run(db_url: str, *args: str):
    return runner.invoke(app, ["images", *args], env={"COUNTERMARK_DATABASE_URL": db_url, "COLUMNS": "200"},
                         catch_exceptions=False)


def test_bank_lifecycle_and_match(db_url, tmp_path):
    assert _run(db_url, "bank", "add", "brand-reference", str(BRIDGE), "--brand", "sony",
                "--ref-id", "sony-ref-2").exit_code == 0
    assert _run(db_url, "bank", "add", "stock", str(UNRELATED[0]), "--kind", "allow").exit_code == 0
    listing = _run(db_url, "bank", "list")
    assert "brand-reference" in listing.output and "stock" in listing.output
    assert "sony-ref-2" in _run(db_url, "bank", "list", "brand-reference").output

    out = tmp_path / "matches.jsonl"
    (tmp_path / "broken.jpg").write_bytes(b"")
    result = _run(db_url, "match", "--bank", "brand-reference", "--bank", "stock", str(DIH / "bridge-6-flipy.jpg"),
                  str(UNRELATED[0]), str(UNRELATED[1]), str(tmp_path / "broken.jpg"), "--out", str(out))
    assert result.exit_code == 3
    matches = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(m["ref_id"], m["kind"], m["transform"]) for m in matches] == [
        ("sony-ref-2", "reference", "mirrored"), (UNRELATED[0].stem, "allow", None)]
    assert "empty file" in (tmp_path / "matches.rejects.jsonl").read_text()

    assert _run(db_url, "bank", "remove", "brand-reference", "sony-ref-2").exit_code == 0
    assert _run(db_url, "bank", "remove", "stock", "--whole-bank").exit_code == 0
    assert "stock" not in _run(db_url, "bank", "list").output


def test_add_from_csv_and_bad_requests(db_url, tmp_path):
    csv_file = tmp_path / "h.csv"
    assert runner.invoke(app, ["images", "hash", str(BRIDGE), "--out", str(csv_file)]).exit_code == 0
    assert _run(db_url, "bank", "add", "known-counterfeit", "--csv", str(csv_file)).exit_code == 0
    assert "aaa-orig" in _run(db_url, "bank", "list", "known-counterfeit").output
    assert _run(db_url, "bank", "add", "mine", str(BRIDGE)).exit_code == 2  # a new bank needs --kind
    assert _run(db_url, "bank", "add", "allow").exit_code == 2  # nothing to add
    assert _run(db_url, "bank", "remove", "ghost", "x").exit_code == 2
    assert _run(db_url, "match", "--bank", "ghost", str(BRIDGE)).exit_code == 2


def test_add_a_bundles_brand_images(db_url, tmp_path):
    from tests.images.test_scan_hook import _bundle

    result = _run(db_url, "bank", "add", "brand-reference", "--bundle", str(_bundle(tmp_path)))
    assert result.exit_code == 0, result.output
    listing = _run(db_url, "bank", "list", "brand-reference").output
    assert "sony-ref-1" in listing and "sony-WH1-1" in listing


def test_match_finds_a_cropped_copy_of_a_bank_image(db_url, tmp_path):
    from PIL import Image

    photo = Image.open(BRIDGE).convert("RGB")
    w, h = int(photo.width * 0.84), int(photo.height * 0.84)
    photo.crop((0, 0, w, h)).save(tmp_path / "cropped.jpg", quality=90)
    assert _run(db_url, "bank", "add", "brand-reference", str(BRIDGE), "--ref-id", "sony-ref-2").exit_code == 0
    out = tmp_path / "matches.jsonl"
    assert _run(db_url, "match", str(tmp_path / "cropped.jpg"), "--out", str(out)).exit_code == 0
    [match] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (match["ref_id"], match["transform"]) == ("sony-ref-2", "cropped")
