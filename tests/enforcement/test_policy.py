"""The policy file (COUNTERMARK_ENFORCEMENT_POLICY): read and checked whole when loaded, refused with the file and
every problem named; and a policy given to intake reaches the removals the expedited lane makes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli import app
from countermark.enforcement import service
from countermark.enforcement.models import Sanction, StatementOfReasons
from countermark.enforcement.policy import DEFAULT_POLICY, Policy, PolicyError, policy_from_settings
from countermark.listings.models import Seller
from countermark.settings import Settings
from countermark.storage.engine import transaction
from tests.enforcement.helpers import items_of, notice, register, submit


def test_a_policy_file_overrides_only_what_it_names(tmp_path: Path):
    path = tmp_path / "policy.json"
    path.write_text('{"counter_notice_window_days": 10, "strikes_to_suspend": 5.0, "lane_min_upheld_rate": 1}')
    policy = policy_from_settings(Settings(enforcement_policy=path))
    assert policy == replace(DEFAULT_POLICY, counter_notice_window_days=10, strikes_to_suspend=5,
                             lane_min_upheld_rate=1.0)
    assert isinstance(policy.strikes_to_suspend, int) and isinstance(policy.lane_min_upheld_rate, float)
    assert policy_from_settings(Settings()) is DEFAULT_POLICY
    path.write_text('{"restore_after_business_days": 0, "counter_notice_window_days": 0}')  # allowed: restore at
    assert Policy.load(path).restore_after_business_days == 0  # the next daily run; no counter-notices at all


@pytest.mark.parametrize(("content", "problems"), [
    ('{"strikes_to_suspend": ', ["not valid JSON", "line 1 column 24"]),
    ('[["strikes_to_suspend", 5]]', ["must be a JSON object"]),
    ('{"strikes_to_suspend": 5, "strike_to_suspend": 5}', ["unknown policy settings strike_to_suspend"]),
    ('{"strikes_to_suspend": "5", "seller_suspension_days": true, "restore_after_business_days": 2.5}',
     ['strikes_to_suspend must be a whole number, not "5"', "seller_suspension_days must be a whole number, not true",
      "restore_after_business_days must be a whole number, not 2.5"]),
    ('{"lane_min_upheld_rate": 90, "lane_max_counter_rate": -0.1}',
     ["lane_min_upheld_rate must be between 0 and 1, not 90", "lane_max_counter_rate must be between 0 and 1"]),
    ('{"strikes_to_suspend": 0, "counter_notice_window_days": -1, "restore_after_business_days": 0}',
     ["strikes_to_suspend must be at least 1, not 0", "counter_notice_window_days must be at least 0, not -1"]),
    (b"\xff\xfe{}", ["cannot read the policy file"]),
], ids=["truncated", "not an object", "unknown", "wrong types", "rates", "ranges", "not utf-8"])
def test_a_broken_policy_file_is_refused_naming_the_file_and_every_problem(tmp_path: Path, content, problems):
    path = tmp_path / "policy.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(PolicyError) as raised:
        policy_from_settings(Settings(enforcement_policy=path))
    message = str(raised.value)
    assert message.startswith(f"COUNTERMARK_ENFORCEMENT_POLICY={path}: ")
    for problem in problems:
        assert problem in message
    assert isinstance(raised.value, ValueError)  # callers that caught ValueError still do


def test_a_missing_policy_file_is_named():
    with pytest.raises(PolicyError, match=r"^/nonexistent/policy\.json: cannot read the policy file \(No such file"):
        Policy.load(Path("/nonexistent/policy.json"))


@pytest.mark.parametrize("channel", ["single", "csv"])
def test_expedited_removals_apply_the_policy_given_to_intake(market, clock, channel):
    """A notifier in the expedited lane: its notice removes at once, and the removal follows the caller's policy
    (statement of reasons, strikes to suspend), not the defaults."""
    register(market, clock)
    policy = replace(DEFAULT_POLICY, lane_min_decided=2, counter_notice_window_days=5,
                     restore_after_business_days=4, strikes_to_suspend=2)
    earned = items_of(market, submit(market, clock, ["L0-1", "L1-1"], policy=policy))
    with transaction(market) as session:
        service.remove(session, [i.id for i in earned], reviewer="user:alice", clock=clock, policy=policy)
        assert service.run_daily(session, clock=clock, policy=policy).lane_changes == [("acme-legal", "granted")]
    with transaction(market) as session:
        if channel == "single":
            _, created = service.submit_notice(session, notice(["L2-1", "L2-2"]), clock=clock, policy=policy)
            assert created
        else:
            csv = (b"idempotency_key,brand_id,trademark_registration,listings,explanation,good_faith\n"
                   b"c-1,acme,EU-001,L2-1 L2-2,Counterfeit Acme goods.,yes\n")
            report = service.import_notices_csv(session, csv, notifier_id="acme-legal", clock=clock, policy=policy)
            assert report.result.auto_removed == 2
    with transaction(market) as session:
        statement = session.scalars(select(StatementOfReasons).where(StatementOfReasons.listing_id == "L2-1")).one()
        assert statement.automated_decision
        assert "within 5 days" in statement.redress and "after 4 business days" in statement.redress
        assert session.get(Seller, "S2").status == "suspended"  # 2 strikes: the policy's threshold, not 3
        suspension = session.scalars(select(Sanction).where(Sanction.subject_id == "S2")).one()
        assert suspension.reason == "2 upheld infringements within 180 days"


def test_the_cli_refuses_a_broken_policy_file_before_acting(market, db_url, tmp_path, monkeypatch):
    path = tmp_path / "policy.json"
    path.write_text('{"strikes_to_suspend": "three"}')
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", db_url)
    monkeypatch.setenv("COUNTERMARK_ENFORCEMENT_POLICY", str(path))
    result = CliRunner().invoke(app, ["enforcement", "daily"])
    assert result.exit_code == 2, result.output
    assert "enforcement policy: COUNTERMARK_ENFORCEMENT_POLICY=" in result.output
    assert 'strikes_to_suspend must be a whole number, not "three"' in result.output.replace("\n", "")
