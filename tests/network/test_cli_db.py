"""The database-side commands: network --db, testbuy, sources, case export/verify."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from countermark.cli import app
from countermark.listings.models import Seller
from countermark.storage.engine import transaction
from tests.network.conftest import draw


@pytest.fixture
def cli(ring, db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(ring.media_root.parent))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_network_db_testbuy_sources_and_case(cli, ring, tmp_path: Path):
    with transaction(ring.engine) as session:
        session.get(Seller, "R1").status = "banned"
    out = tmp_path / "clusters.csv"
    result = cli("network", "--db", "--out", out)
    assert result.exit_code == 0, result.output
    assert "held for review" in result.output and "R2" in result.output
    with out.open() as handle:
        assert {r["seller_id"]: r["cluster_id"] for r in csv.DictReader(handle)} == {
            "R1": "C-R1", "R2": "C-R1", "R3": "C-R3"}

    photo = draw(tmp_path / "item.png", (5, 5, 5))
    result = cli("testbuy", "add", "--listing", "L-R2-1", "--date", "2026-04-01", "--price", "12.5",
                 "--result", "counterfeit", "--photo", photo, "--supplier", "Yiwu Trading", "--actor", "alice")
    assert result.exit_code == 0, result.output
    assert cli("testbuy", "add", "--listing", "L-R2-1", "--date", "April 1", "--price", "1",
               "--actor", "alice").exit_code == 1
    assert cli("testbuy", "authenticate", "1", "--result", "genuine", "--actor", "bob").exit_code == 0
    assert cli("testbuy", "authenticate", "1", "--result", "counterfeit", "--actor", "bob").exit_code == 0
    listed = [json.loads(line) for line in cli("testbuy", "list", "--cluster", "C-R1").stdout.splitlines()]
    assert [(b["listing_id"], b["authentication"]) for b in listed] == [("L-R2-1", "counterfeit")]

    sources = cli("sources", "--by", "supplier", "--json")
    assert sources.exit_code == 0
    assert json.loads(sources.stdout.splitlines()[0])["value"] == "Yiwu Trading"
    assert cli("sources", "--by", "cluster").exit_code == 0
    assert cli("sources", "--by", "weather").exit_code == 2

    package = tmp_path / "case.zip"
    assert cli("case", "export", "C-R1", "--out", package).exit_code == 0
    assert cli("case", "verify", package).exit_code == 0
    refused = cli("case", "export", "C-none", "--out", tmp_path / "none.zip")
    assert refused.exit_code == 1 and "no cluster" in refused.output


def test_holds_list_and_resolve(cli, ring):
    from countermark.enforcement.audit import find_break, stored_entries

    with transaction(ring.engine) as session:
        session.get(Seller, "R1").status = "banned"
    assert cli("holds", "list").exit_code == 0  # nothing held yet
    assert cli("network", "--db").exit_code == 0
    table = cli("holds", "list")
    assert table.exit_code == 0 and "R2" in table.output and "R1" in table.output
    (held,) = [json.loads(line) for line in cli("holds", "list", "--json").stdout.splitlines()]
    assert (held["seller_id"], held["status"], held["banned_seller_ids"]) == ("R2", "open", ["R1"])
    assert held["evidence"][0]["key"].startswith("payout:") and held["evidence"][0]["sellers"] == ["R1", "R2"]

    assert cli("holds", "resolve", "R2").exit_code == 2  # neither --confirm nor --dismiss
    assert cli("holds", "resolve", "R2", "--confirm", "--dismiss").exit_code == 2
    assert cli("holds", "list", "--status", "maybe").exit_code == 2
    refused = cli("holds", "resolve", "R3", "--dismiss")
    assert refused.exit_code == 1 and "no ban-evasion flag" in refused.output
    result = cli("holds", "resolve", "R2", "--confirm", "--note", "same payout account", "--actor", "alice")
    assert result.exit_code == 0, result.output
    assert cli("holds", "list", "--json").stdout == ""
    confirmed = cli("holds", "list", "--status", "confirmed", "--json").stdout
    (decided,) = [json.loads(line) for line in confirmed.splitlines()]
    assert (decided["seller_id"], decided["resolved_by"]) == ("R2", "user:alice")
    assert len(cli("holds", "list", "--status", "all", "--json").stdout.splitlines()) == 1
    with transaction(ring.engine) as session:
        entries = list(stored_entries(session))
        (entry,) = [e for e in entries if e.action == "network.ban_evasion_confirmed"]
        assert (entry.actor, entry.subject) == ("user:alice", "seller:R2")
        assert entry.details["reason"] == "same payout account"
        assert find_break(entries) is None
