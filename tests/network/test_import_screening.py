"""`countermark import` screens the imported sellers against the stored network: ban evasion is held at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.enforcement.models import AuditEntry
from countermark.listings.models import Seller
from countermark.network.models import BanEvasionFlag
from countermark.storage.engine import transaction


def write_bundle(root: Path, sellers: dict[str, dict[str, list[str]]]) -> Path:
    root.mkdir()
    (root / "bundle.json").write_text(json.dumps({"format": "countermark-bundle", "version": 1, "name": root.name,
                                                  "created_at": "2026-05-01T00:00:00Z", "currency": "USD"}))
    (root / "brands.jsonl").write_text("")
    (root / "listings.jsonl").write_text("")
    (root / "sellers.jsonl").write_text("".join(
        json.dumps({"seller_id": s, "display_name": s, "country": "US", "registered_at": "2026-01-01",
                    "identifiers": identifiers}) + "\n" for s, identifiers in sellers.items()))
    return root


@pytest.fixture
def cli(engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_import_holds_a_new_seller_linked_to_a_banned_one(cli, engine, tmp_path: Path):
    first = write_bundle(tmp_path / "first", {
        "OLD1": {"emails": ["John.Smith+shop@gmail.com"], "phones": ["+1 206 555 0100"]},
        "OLD2": {"emails": ["other@example.com"]},
    })
    result = cli("import", first, "--no-media", "--rejects", tmp_path / "r1.jsonl")
    assert result.exit_code == 0, result.output
    assert "screened" not in result.output  # never clustered: nothing to screen against, nothing read
    assert cli("network", "--db").exit_code == 0
    with transaction(engine) as session:
        session.get(Seller, "OLD1").status = "banned"

    second = write_bundle(tmp_path / "second", {
        "NEW": {"emails": ["j.o.h.n.smith@googlemail.com"]},  # OLD1's address in disguise
        "FRESH": {"emails": ["fresh@example.com"]},
        "OLD2": {"emails": ["other@example.com"]},  # re-imported, still unlinked
    })
    result = cli("import", second, "--no-media", "--rejects", tmp_path / "r2.jsonl")
    assert result.exit_code == 0, result.output
    assert "screened 3 sellers" in result.output and "1 newly held" in result.output
    with transaction(engine) as session:
        (flag,) = session.scalars(select(BanEvasionFlag))
        assert (flag.seller_id, flag.status, flag.banned_seller_ids, flag.cluster_id) == ("NEW", "open", ["OLD1"],
                                                                                           "C-OLD1")
        assert flag.evidence == [{"key": "email:johnsmith@gmail.com", "sellers": ["NEW", "OLD1"]}]
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "network.ban_evasion_flagged"))
        assert (entry.actor, entry.subject) == ("system:import", "seller:NEW")
    held = [json.loads(line) for line in cli("holds", "list", "--json").stdout.splitlines()]
    assert [h["seller_id"] for h in held] == ["NEW"]

    again = cli("import", second, "--no-media", "--rejects", tmp_path / "r3.jsonl")
    assert again.exit_code == 0 and "0 newly held" in again.output  # idempotent: the open hold stays one
    with transaction(engine) as session:
        assert len(session.scalars(select(BanEvasionFlag)).all()) == 1
