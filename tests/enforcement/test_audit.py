import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update
from typer.testing import CliRunner

from countermark.cli import app
from countermark.enforcement import audit
from countermark.enforcement.models import AuditEntry
from countermark.storage.engine import transaction


def _write(engine, n, actor="cli"):
    with transaction(engine) as session:
        for i in range(n):
            audit.record(session, actor=actor, action="test.event", subject=f"listing:L{i}", details={"i": i, "ü": "é"})


def _entries(engine):
    with transaction(engine) as session:
        return [audit.as_dict(e) for e in audit.stored_entries(session)]


def test_chain_links_every_entry_to_the_previous(engine):
    _write(engine, 5)
    entries = _entries(engine)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert audit.verify_chain(entries) is None


def test_entry_rolls_back_with_the_callers_transaction(engine):
    with pytest.raises(RuntimeError), transaction(engine) as session:
        audit.record(session, actor="cli", action="x", subject="s")
        raise RuntimeError
    _write(engine, 1)
    assert [e["seq"] for e in _entries(engine)] == [1]


def test_explicit_time_is_kept(engine):
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    with transaction(engine) as session:
        audit.record(session, actor="cli", action="x", subject="s", at=moment)
    assert _entries(engine)[0]["at"] == "2026-01-02T03:04:05.000006Z"


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_tampering_in_the_database_is_found(engine, tamper):
    _write(engine, 6)
    with engine.begin() as conn:
        if tamper == "edit":
            conn.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(subject="listing:OTHER"))
        elif tamper == "delete":
            conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        else:  # move entry 4 before entry 3 (a reordering)
            for old, new in ((3, -1), (4, 3), (-1, 4)):
                conn.execute(update(AuditEntry).where(AuditEntry.seq == old).values(seq=new))
    broken = audit.find_break(_entries(engine))
    assert broken is not None and broken.index == 2


def test_concurrent_writers_never_fork_the_chain(engine):
    errors = []

    def worker(k):
        try:
            for _ in range(10):
                _write(engine, 2, actor=f"worker:{k}")
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = _entries(engine)
    assert errors == []
    assert len(entries) == 60
    assert audit.verify_chain(entries) is None


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    return CliRunner()


def test_cli_export_and_verify(engine, cli, tmp_path):
    _write(engine, 4)
    out = tmp_path / "audit.jsonl"
    result = cli.invoke(app, ["audit", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 4
    assert cli.invoke(app, ["audit", "verify"]).exit_code == 0
    assert cli.invoke(app, ["audit", "verify", "--file", str(out)]).exit_code == 0

    edited = [json.loads(line) for line in lines]
    edited[1]["actor"] = "user:mallory"
    bad = tmp_path / "edited.jsonl"
    bad.write_text("".join(json.dumps(e) + "\n" for e in edited))
    result = cli.invoke(app, ["audit", "verify", "--file", str(bad)])
    assert result.exit_code == 1
    assert "seq=2" in result.output and "edited" in result.output

    for name, kept in (("deleted", lines[:1] + lines[2:]), ("reordered", [lines[0], lines[2], lines[1], lines[3]])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(kept) + "\n")
        result = cli.invoke(app, ["audit", "verify", "--file", str(path)])
        assert result.exit_code == 1 and "line 2" in result.output, result.output

    garbage = tmp_path / "garbage.jsonl"
    for content in (b"not json\n", lines[0].encode() + b"\n\xff\n"):
        garbage.write_bytes(content)
        result = cli.invoke(app, ["audit", "verify", "--file", str(garbage)])
        assert result.exit_code == 2 and "garbage.jsonl:" in result.output, result.output

    spaced = tmp_path / "spaced.jsonl"  # blank lines are skipped; the break is named by its line
    spaced.write_text(lines[0] + "\n\n" + json.dumps({**json.loads(lines[1]), "actor": "x"}) + "\n")
    result = cli.invoke(app, ["audit", "verify", "--file", str(spaced)])
    assert result.exit_code == 1 and "line 3" in result.output, result.output

    with engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(action="test.other"))
    result = cli.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "seq=4" in result.output
