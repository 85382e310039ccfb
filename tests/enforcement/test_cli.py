"""Operators can drive the whole workflow from the command line."""

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.enforcement.models import ReviewItem
from countermark.storage.engine import transaction


@pytest.fixture
def cli(market, db_url, monkeypatch):
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(app, [str(a) for a in args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_operator_workflow(cli, market, tmp_path):
    cli("notifiers", "add", "acme-legal", "--name", "Acme Legal", "--email", "legal@acme.example", "--brand", "acme")
    data = tmp_path / "notices.csv"
    data.write_text("idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
                    "a1,acme,EU-001,L0-1;L0-2,fake,yes\n"
                    "a2,acme,EU-001,NOPE,fake,yes\n")
    output = cli("notices", "import", data, "--notifier", "acme-legal", code=3)
    assert "1 notices accepted" in output and "line 3: unknown listing 'NOPE'" in output
    rejects = [json.loads(line) for line in (tmp_path / "notices.rejects.jsonl").read_text().splitlines()]
    assert rejects == [{"file": str(data), "line": 3, "reason": "unknown listing 'NOPE'",
                        "record": "a2,acme,EU-001,NOPE,fake,yes"}]
    assert "already received" in cli("notices", "submit", "--notifier", "acme-legal", "--brand", "acme", "--trademark",
                                      "EU-001", "--listing", "L0-1", "--listing", "L0-2", "--explanation", "fake",
                                      "--good-faith", "--key", "a1")
    queue = cli("queue", "list")
    assert "L0-1" in queue and "L0-2" in queue
    with transaction(market) as session:
        first, second = session.scalars(select(ReviewItem.id).order_by(ReviewItem.id)).all()
    cli("decide", "remove", first, "--reviewer", "alice", "--reason", "fake logo")
    assert "cannot be decided" in cli("decide", "remove", first, "--reviewer", "alice", code=1)
    assert "one of them" in cli("decide", "reject", "--reviewer", "alice", "--reason", "genuine", code=1)
    cli("decide", "reject", "--notice", 1, "--reviewer", "alice", "--reason", "genuine")
    with transaction(market) as session:
        assert session.get(ReviewItem, second).outcome == "rejected"
    assert "restored on" in cli("counter-notices", "submit", "L0-1", "--seller", "S0", "--explanation", "genuine")
    assert "another reviewer" in cli("counter-notices", "complaint", 1, "--reviewer", "alice", "--outcome", "upheld",
                                     "--reason", "x", code=1)
    cli("counter-notices", "complaint", 1, "--reviewer", "bob", "--outcome", "upheld", "--reason", "logo is fake")
    assert "S0" in cli("strikes", "list")
    cli("sanctions", "list")
    assert "0 lane changes" in cli("lane", "recheck")
    assert "restored 0 listings" in cli("enforcement", "daily")
    cli("notices", "export", "--out", tmp_path / "export.csv")
    assert (tmp_path / "export.csv").read_text().count("\n") == 3
    cli("audit", "verify")
    assert "wrong header" in cli("notices", "import", tmp_path / "export.csv", "--notifier", "acme-legal", code=2)
