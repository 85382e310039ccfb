"""`countermark images hash`: CSV per spec, directories walked, rejects and exit codes."""

from __future__ import annotations

import csv
import json
import shutil

from typer.testing import CliRunner

from countermark.cli import app
from countermark.images.hashing import hamming
from tests.images.conftest import PDQ_DATA

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, ["images", "hash", *args], catch_exceptions=False)


def test_hashes_a_directory_tree_and_files(tmp_path, expected):
    out = tmp_path / "hashes.csv"
    result = _invoke(str(PDQ_DATA / "bridge-mods"), str(PDQ_DATA / "misc-images"), "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["path", "pdq_hex", "quality"]
    assert len(rows) == 12 + 3 + 12  # bridge-mods, misc-images, misc-images/modes (README.md is not an image)
    by_path = {row["path"]: row for row in rows}
    for row in expected:
        path = str(PDQ_DATA / row["path"])
        if path in by_path:
            assert hamming(by_path[path]["pdq_hex"], row["pdqhash_hex"]) <= 4
            assert by_path[path]["quality"] == row["quality"]
    assert not (tmp_path / "hashes.rejects.jsonl").exists()


def test_bad_images_are_rejected_and_the_rest_written(tmp_path):
    images = tmp_path / "in"
    shutil.copytree(PDQ_DATA / "bridge-mods", images)
    (images / "empty.jpg").write_bytes(b"")
    (images / "junk.png").write_bytes(b"\x00junk" * 20)
    out = tmp_path / "hashes.csv"
    result = _invoke(str(images), "--out", str(out), "--workers", "2")
    assert result.exit_code == 3
    assert len(out.read_text().splitlines()) == 1 + 12
    rejects = [json.loads(line) for line in (tmp_path / "hashes.rejects.jsonl").read_text().splitlines()]
    assert {(r["file"].rsplit("/", 1)[-1], r["reason"].split(" (")[0]) for r in rejects} == {
        ("empty.jpg", "empty file"),
        ("junk.png", "not a recognised image format"),
    }


def test_dihedral_rows(tmp_path):
    out = tmp_path / "d.csv"
    assert _invoke(str(PDQ_DATA / "bridge-mods" / "aaa-orig.jpg"), "--out", str(out), "--dihedral").exit_code == 0
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["transform"] for row in rows][:2] == ["", "rotated 90° clockwise"] and len(rows) == 8


def test_missing_path_exits_2_without_output(tmp_path):
    out = tmp_path / "h.csv"
    result = _invoke(str(tmp_path / "nope"), "--out", str(out))
    assert result.exit_code == 2
    assert "no such file or directory" in result.output
    assert not out.exists()
