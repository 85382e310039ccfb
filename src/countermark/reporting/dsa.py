"""Statements of reasons in the EU DSA Transparency Database submission format (shared/spec/dsa-sor.md).

`to_submission` maps one plain `SorRecord` to one API statement; `records_from_db` builds the records from
enforcement's tables: one per stored statement of reasons (listing removals) and one per seller
suspension or ban (account restrictions, which enforcement records as sanctions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement.models import Decision, ReviewItem, Sanction, StatementOfReasons
from countermark.listings.models import Listing, Seller
from countermark.rights.models import Brand

EU_MEMBER_STATES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)
IP_CATEGORY = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
TRADEMARK_LAW = "Trade mark law: Art. 9(2) Regulation (EU) 2017/1001 on the EU trade mark and national equivalents"
TRADEMARK_EXPLANATION = (
    "The listing offers goods bearing a sign identical with, or confusingly similar to, the registered trade "
    "mark relied on, for goods of the same kind, without the proprietor's consent (counterfeit goods)."
)
TERMS_EXPLANATION = "The listing offers counterfeit or replica goods, which the marketplace terms prohibit."
REPEAT_INFRINGER_EXPLANATION = (
    "The storefront repeatedly offered counterfeit goods: its upheld infringements reached the repeat-infringer "
    "threshold of the marketplace terms."
)
PUID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
VISIBLE = re.compile(r"[^\s\u200b\u200e\ufeff]")  # the schema's test for "not blank"
EARLIEST_CONTENT_DATE = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class SorExportConfig:
    """Platform facts that are not stored per statement."""

    puid_prefix: str = "cm"
    territorial_scope: tuple[str, ...] = EU_MEMBER_STATES
    terms_clause: str = "Marketplace terms of service: counterfeit and replica goods are prohibited"
    terms_url: str | None = None
    law_url: str | None = "https://eur-lex.europa.eu/eli/reg/2017/1001/oj"


@dataclass(frozen=True, slots=True)
class SorRecord:
    """One restriction, in countermark's terms, ready to be expressed in the Transparency Database schema."""

    key: str  # stable and unique per restriction, e.g. "sor-17" (becomes the PUID)
    restriction: Literal["listing_removed", "account_suspended", "account_terminated"]
    ground: Literal["trademark_law", "terms_of_service"]
    ground_detail: str  # the right or clause relied on
    facts: str
    source: Literal["notice", "proactive"]
    automated_detection: bool
    automated_decision: bool
    application_date: date
    content_date: date | None  # listing posted / storefront registered; None when unknown
    restriction_end: date | None = None  # last day of a time-bound account suspension
    rights_holder: str | None = None  # the brand whose right was relied on (no personal data)


class ExportError(ValueError):
    """A statement that cannot be expressed in the Transparency Database schema."""


def _blank(text: str) -> bool:
    return VISIBLE.search(text) is None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def to_submission(record: SorRecord, config: SorExportConfig = SorExportConfig()) -> dict:
    """The API statement object for one record (POST /api/v1/statement body)."""
    if _blank(record.facts):
        raise ExportError(f"{record.key}: no facts recorded")
    if record.restriction_end and record.restriction_end < record.application_date:
        raise ExportError(f"{record.key}: restriction ends before it applies")
    statement: dict = {"puid": PUID_UNSAFE.sub("-", f"{config.puid_prefix}-{record.key}")[:500]}
    if record.restriction == "listing_removed":
        statement["decision_visibility"] = ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    else:
        statement["decision_account"] = (
            "DECISION_ACCOUNT_SUSPENDED" if record.restriction == "account_suspended" else "DECISION_ACCOUNT_TERMINATED"
        )
        if record.restriction == "account_suspended" and record.restriction_end:
            statement["end_date_account_restriction"] = record.restriction_end.isoformat()

    account_level = record.restriction != "listing_removed"
    if account_level:
        explanation = REPEAT_INFRINGER_EXPLANATION
    else:
        explanation = TRADEMARK_EXPLANATION if record.ground == "trademark_law" else TERMS_EXPLANATION
    if record.ground == "trademark_law":
        statement["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        relied_on = "" if _blank(record.ground_detail) else f"; right relied on: {record.ground_detail}"
        statement["illegal_content_legal_ground"] = _clip(TRADEMARK_LAW + relied_on, 500)
        statement["illegal_content_explanation"] = explanation
        reference_url = config.law_url
    else:
        statement["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        clause = config.terms_clause if _blank(record.ground_detail) else record.ground_detail
        statement["incompatible_content_ground"] = _clip(clause, 500)
        statement["incompatible_content_explanation"] = explanation
        statement["incompatible_content_illegal"] = "Yes"
        reference_url = config.terms_url
    if reference_url:
        statement["decision_ground_reference_url"] = reference_url

    statement["content_type"] = ["CONTENT_TYPE_PRODUCT"]
    statement["category"] = IP_CATEGORY
    statement["category_specification"] = ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    statement["territorial_scope"] = sorted(set(config.territorial_scope))
    # The schema needs a content date; when the listing's own date is unknown or implausible, the
    # decision date is the latest it can have been.
    content_date = record.content_date
    if content_date is None or not EARLIEST_CONTENT_DATE <= content_date <= record.application_date:
        content_date = record.application_date
    statement["content_date"] = content_date.isoformat()
    statement["application_date"] = record.application_date.isoformat()
    statement["decision_facts"] = _clip(record.facts, 5000)
    if record.source == "notice":
        statement["source_type"] = "SOURCE_ARTICLE_16"
        if record.rights_holder and not _blank(record.rights_holder):
            statement["source_identity"] = _clip(f"Trade mark holder ({record.rights_holder})", 500)
    else:
        statement["source_type"] = "SOURCE_VOLUNTARY"
    statement["automated_detection"] = "Yes" if record.automated_detection else "No"
    statement["automated_decision"] = (
        "AUTOMATED_DECISION_FULLY" if record.automated_decision else "AUTOMATED_DECISION_NOT_AUTOMATED"
    )
    return statement


def _day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite drops the zone; stored values are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def parse_day(raw: str | None) -> date | None:
    """A date from an ISO date or datetime string as given in the bundle; None when absent or unreadable."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def records_from_db(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> Iterator[SorRecord]:
    """Every restriction issued in [start, end): listing removals, then seller suspensions and bans."""
    sor = (
        select(StatementOfReasons, ReviewItem.source, Brand.name, Listing.created_at)
        .join(Decision, Decision.id == StatementOfReasons.decision_id)
        .join(ReviewItem, ReviewItem.id == Decision.review_item_id)
        .outerjoin(Brand, Brand.brand_id == ReviewItem.brand_id)
        .outerjoin(Listing, Listing.listing_id == StatementOfReasons.listing_id)
        .order_by(StatementOfReasons.id)
    )
    if start is not None:
        sor = sor.where(StatementOfReasons.issued_at >= start)
    if end is not None:
        sor = sor.where(StatementOfReasons.issued_at < end)
    for statement, source, brand_name, created_at in session.execute(sor.execution_options(yield_per=2000)):
        yield SorRecord(
            key=f"sor-{statement.id}",
            restriction="listing_removed",
            ground="trademark_law" if statement.ground == "trademark_law" else "terms_of_service",
            ground_detail=statement.ground_detail,
            facts=statement.facts,
            source="notice" if statement.source == "notice" else "proactive",
            automated_detection=statement.automated_detection,
            automated_decision=statement.automated_decision,
            application_date=_day(statement.issued_at),
            content_date=parse_day(created_at),
            rights_holder=brand_name if source == "notice" else None,
        )

    sanctions = (
        select(Sanction, Seller.registered_at)
        .outerjoin(Seller, Seller.seller_id == Sanction.subject_id)
        .where(Sanction.subject_kind == "seller", Sanction.kind.in_(("suspension", "ban")))
        .order_by(Sanction.id)
    )
    if start is not None:
        sanctions = sanctions.where(Sanction.at >= start)
    if end is not None:
        sanctions = sanctions.where(Sanction.at < end)
    for sanction, registered_at in session.execute(sanctions):
        yield SorRecord(
            key=f"sanction-{sanction.id}",
            restriction="account_suspended" if sanction.kind == "suspension" else "account_terminated",
            ground="terms_of_service",
            ground_detail="",
            facts=sanction.reason,
            source="proactive",
            automated_detection=False,
            automated_decision=sanction.automated,
            application_date=_day(sanction.at),
            content_date=parse_day(registered_at),  # for an account: when it was created
            restriction_end=_day(sanction.until) if sanction.until else None,
        )


def export_jsonl(
    session: Session,
    out: Path,
    config: SorExportConfig = SorExportConfig(),
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Write one statement per line; returns (written, [(record key, why it was left out)])."""
    written, problems = 0, []
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records_from_db(session, start, end):
            try:
                statement = to_submission(record, config)
            except ExportError as e:
                problems.append((record.key, str(e)))
                continue
            fh.write(json.dumps(statement, ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    tmp.replace(out)  # a reader never sees a half-written export
    return written, problems
