"""DSA Transparency Database export: every exported statement validates against the official schema."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from countermark.reporting.dsa import (
    EU_MEMBER_STATES,
    ExportError,
    SorExportConfig,
    SorRecord,
    export_jsonl,
    parse_day,
    records_from_db,
    to_submission,
)
from countermark.storage.engine import transaction
from tests.conftest import SHARED
from tests.reporting.enforcement_fixture import MARCH, build_march

SPEC = SHARED / "spec"
SCHEMA = json.loads((SPEC / "dsa-sor.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(statement: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(statement)]


def test_validator_accepts_the_valid_examples_and_rejects_the_invalid_ones():
    examples = sorted((SPEC / "dsa-sor-examples").glob("*.json"))
    assert examples
    for path in examples:
        problems = errors(json.loads(path.read_text(encoding="utf-8")))
        assert bool(problems) == path.name.startswith("invalid-"), (path.name, problems)


NOTICE_REMOVAL = SorRecord(
    key="sor-1", restriction="listing_removed", ground="trademark_law", ground_detail="EUTM 018000001 (Acme)",
    facts="Notified by the trade mark holder; a reviewer confirmed the infringement.", source="notice",
    automated_detection=False, automated_decision=False, application_date=date(2025, 3, 5),
    content_date=date(2025, 3, 2), rights_holder="Acme",
)


def test_notice_removal_maps_like_the_spec_example():
    statement = to_submission(NOTICE_REMOVAL)
    assert errors(statement) == []
    assert statement["puid"] == "cm-sor-1"
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "EUTM 018000001" in statement["illegal_content_legal_ground"]
    assert statement["content_type"] == ["CONTENT_TYPE_PRODUCT"]
    assert statement["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert statement["category_specification"] == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert statement["source_type"] == "SOURCE_ARTICLE_16"
    assert statement["source_identity"] == "Trade mark holder (Acme)"
    assert (statement["automated_detection"], statement["automated_decision"]) == (
        "No", "AUTOMATED_DECISION_NOT_AUTOMATED")
    assert (statement["content_date"], statement["application_date"]) == ("2025-03-02", "2025-03-05")
    assert statement["territorial_scope"] == sorted(EU_MEMBER_STATES)


def test_proactive_automated_suspension_maps_like_the_spec_example():
    record = SorRecord(
        key="sanction-9", restriction="account_suspended", ground="terms_of_service", ground_detail="",
        facts="Third upheld infringement in 90 days.", source="proactive", automated_detection=True,
        automated_decision=True, application_date=date(2025, 3, 10), content_date=date(2024, 1, 5),
        restriction_end=date(2025, 4, 9), rights_holder="ignored for own-initiative decisions",
    )
    config = SorExportConfig(puid_prefix="shop", territorial_scope=("FR", "BE", "LU"),
                             terms_url="https://marketplace.example.com/terms#section-7-2")
    statement = to_submission(record, config)
    assert errors(statement) == []
    assert statement["puid"] == "shop-sanction-9"
    assert "decision_visibility" not in statement
    assert statement["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert statement["end_date_account_restriction"] == "2025-04-09"
    assert statement["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert statement["incompatible_content_illegal"] == "Yes"
    assert statement["decision_ground_reference_url"] == config.terms_url
    assert statement["source_type"] == "SOURCE_VOLUNTARY" and "source_identity" not in statement
    assert (statement["automated_detection"], statement["automated_decision"]) == ("Yes", "AUTOMATED_DECISION_FULLY")
    assert statement["territorial_scope"] == ["BE", "FR", "LU"]


def test_unknown_or_implausible_content_date_falls_back_to_the_decision_date():
    for content_date in (None, date(1999, 12, 31), date(2026, 1, 1)):
        record = SorRecord(**{**_fields(NOTICE_REMOVAL), "content_date": content_date})
        assert to_submission(record)["content_date"] == "2025-03-05"


def test_rules_the_schema_cannot_express_are_checked_in_code():
    with pytest.raises(ExportError, match="no facts"):
        to_submission(SorRecord(**{**_fields(NOTICE_REMOVAL), "facts": " \u200b\ufeff "}))
    with pytest.raises(ExportError, match="ends before it applies"):
        to_submission(SorRecord(**{**_fields(NOTICE_REMOVAL), "restriction": "account_suspended",
                                   "restriction_end": date(2025, 3, 1)}))


def _fields(record: SorRecord) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(" \u200b\u200e\ufeff\n"),
               max_size=6000)


@given(
    key=st.text(max_size=600),
    restriction=st.sampled_from(["listing_removed", "account_suspended", "account_terminated"]),
    ground=st.sampled_from(["trademark_law", "terms_of_service"]),
    ground_detail=text,
    facts=text.filter(lambda t: re.search(r"[^\s\u200b\u200e\ufeff]", t)),
    source=st.sampled_from(["notice", "proactive"]),
    automated_detection=st.booleans(),
    automated_decision=st.booleans(),
    application_date=st.dates(date(2020, 1, 1), date(2037, 12, 31)),
    content_date=st.none() | st.dates(date(1990, 1, 1), date(2037, 12, 31)),
    end_days=st.none() | st.integers(0, 365),
    rights_holder=st.none() | text,
)
def test_every_record_exports_to_a_schema_valid_statement(end_days, application_date, **fields):
    from datetime import timedelta

    end = None if end_days is None else min(application_date + timedelta(days=end_days), date(2038, 1, 1))
    record = SorRecord(application_date=application_date, restriction_end=end, **fields)
    assert errors(to_submission(record)) == []


def test_export_from_enforcement_tables(engine, tmp_path: Path):
    build_march(engine)
    out = tmp_path / "sor.jsonl"
    with transaction(engine) as s:
        written, problems = export_jsonl(s, out)
        march_only = [r.key for r in records_from_db(s, *MARCH)]
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (written, problems) == (5, [])
    for statement in lines:
        assert errors(statement) == [], statement
    assert [s["puid"] for s in lines] == ["cm-sor-1", "cm-sor-2", "cm-sanction-1", "cm-sanction-2", "cm-sanction-4"]
    notice, proactive, suspension, ban, _ = lines
    assert notice["source_type"] == "SOURCE_ARTICLE_16" and notice["source_identity"] == "Trade mark holder (Acme)"
    assert notice["automated_decision"] == "AUTOMATED_DECISION_FULLY" and notice["content_date"] == "2026-03-02"
    assert proactive["source_type"] == "SOURCE_VOLUNTARY" and proactive["automated_detection"] == "Yes"
    assert proactive["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert suspension["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert suspension["end_date_account_restriction"] == "2026-04-09" and suspension["content_date"] == "2025-06-01"
    assert ban["decision_account"] == "DECISION_ACCOUNT_TERMINATED" and "end_date_account_restriction" not in ban
    assert len({s["puid"] for s in lines}) == len(lines)
    assert march_only == ["sor-1", "sor-2", "sanction-1", "sanction-2"]  # S1's February suspension is outside


def test_parse_day():
    assert parse_day("2026-03-02T09:00:00+00:00") == date(2026, 3, 2)
    assert parse_day("") is None and parse_day("yesterday") is None
