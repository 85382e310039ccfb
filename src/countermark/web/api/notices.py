"""Notice intake (single and bulk CSV, idempotent) and tracking of each notice to its outcome."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Body, File, Header, Query, Response, UploadFile
from pydantic import BaseModel, Field

from countermark.accounts.service import AccountError, notifier_for
from countermark.enforcement import service as enforcement
from countermark.enforcement.models import Notice
from countermark.enforcement.policy import Policy
from countermark.web.deps import (
    CurrentPrincipal,
    EnforcementPolicyDep,
    MediaRootDep,
    Page,
    PageDep,
    SessionDep,
    allow,
)
from countermark.web.enforcement_errors import as_problem
from countermark.web.policy import brand_filter, check_brand
from countermark.web.problems import Problem
from countermark.web.queries import notice_items, notices_page
from countermark.web.roles import NOTICE_READERS, NOTICE_SENDERS
from countermark.web.scoped import ScopedNotice

router = APIRouter(tags=["notices"])

MAX_CSV_BYTES = 20 * 1024 * 1024
# A bound on the request, not the policy: the enforcement policy's max_listings_per_notice (300 by default,
# COUNTERMARK_ENFORCEMENT_POLICY) is applied by the service, below this ceiling.
MAX_LISTINGS_PER_REQUEST = 10_000


class NoticeIn(BaseModel):
    brand_id: str = Field(min_length=1, max_length=200)
    trademark_registration: str = Field(min_length=1, max_length=100, description="Registration number relied on")
    listings: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        min_length=1, max_length=MAX_LISTINGS_PER_REQUEST,
        description="Listing ids or marketplace URLs; at most the enforcement policy's max_listings_per_notice "
                    "(300 by default)")
    explanation: str = Field(min_length=1, max_length=20000, description="Why the listings infringe")
    good_faith: bool = Field(description="Statement that the notice is submitted in good faith and is accurate")
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200,
                                        description="Or the Idempotency-Key header; a retry returns the first notice")
    notifier_name: str = Field(default="", max_length=1000)
    notifier_email: str = Field(default="", max_length=1000)


class NoticeSummary(BaseModel):
    id: int
    brand_id: str
    status: str
    lane: str
    channel: str
    received_at: datetime
    closed_at: datetime | None
    listings: int
    removed: int


class NoticeItemOut(BaseModel):
    listing_id: str
    location: str | None
    status: str
    outcome: str | None
    decided_at: datetime | None
    automated: bool
    restored_at: datetime | None
    counter_notice: str | None = Field(description="Status of the seller's counter-notice, if any")


class NoticeOut(NoticeSummary):
    notifier_name: str
    notifier_email: str
    trademark_registration: str
    explanation: str
    items: list[NoticeItemOut]


class BulkReject(BaseModel):
    line: int
    reason: str


class BulkReportOut(BaseModel):
    rows: int
    accepted: int
    notice_ids: list[int]
    duplicates: list[int]
    repeated_lines: list[int]
    auto_removed: int
    rejects: list[BulkReject]


def notice_out(db, notice: Notice) -> NoticeOut:  # noqa: ANN001 (Session)
    items = notice_items(db, notice.id)
    return NoticeOut(
        id=notice.id, brand_id=notice.brand_id, status=notice.status, lane=notice.lane, channel=notice.channel,
        received_at=notice.received_at, closed_at=notice.closed_at, listings=len(items),
        removed=sum(1 for i, _ in items if i.outcome == "removed"), notifier_name=notice.notifier_name,
        notifier_email=notice.notifier_email, trademark_registration=notice.trademark_registration,
        explanation=notice.explanation,
        items=[NoticeItemOut(listing_id=i.listing_id, location=i.location, status=i.status, outcome=i.outcome,
                             decided_at=i.decided_at, automated=i.automated, restored_at=i.restored_at,
                             counter_notice=c.status if c else None) for i, c in items])


def sender_notifier(db, principal, name: str = "", email: str = "") -> str:  # noqa: ANN001
    try:
        return notifier_for(db, principal.username, name=name, email=email)
    except AccountError as e:
        raise Problem(422, str(e)) from e
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e


@router.post("/notices", status_code=201, response_model=NoticeOut, dependencies=allow(*NOTICE_SENDERS),
             responses={200: {"description": "A retry: the notice first created with this idempotency key"}})
def submit_notice(
    db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep, media: MediaRootDep,
    response: Response, body: Annotated[NoticeIn, Body()],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> NoticeOut:
    """Submit one notice (DSA Art. 16). Send an idempotency key so that a retry never creates a duplicate."""
    check_brand(principal, body.brand_id, "brand")
    key = body.idempotency_key or idempotency_key
    if not key:
        raise Problem(422, "an idempotency key is required (field idempotency_key or header Idempotency-Key)")
    notifier_id = sender_notifier(db, principal, body.notifier_name, body.notifier_email)
    notice = enforcement.NoticeInput(
        notifier_id=notifier_id, idempotency_key=key, brand_id=body.brand_id,
        trademark_registration=body.trademark_registration, listings=body.listings, explanation=body.explanation,
        good_faith=body.good_faith, notifier_name=body.notifier_name, notifier_email=body.notifier_email)
    try:
        notice_id, created = enforcement.submit_notice(db, notice, channel="api", actor=principal.actor,
                                                       policy=policy, media_root=media)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    if not created:
        response.status_code = 200
    return notice_out(db, db.get(Notice, notice_id))


def bulk_report(report: enforcement.BulkReport) -> BulkReportOut:
    return BulkReportOut(
        rows=report.rows, accepted=report.accepted, notice_ids=report.result.notice_ids,
        duplicates=report.result.duplicates, repeated_lines=report.repeated_lines,
        auto_removed=report.result.auto_removed,
        rejects=[BulkReject(line=r.line, reason=r.reason) for r in sorted(report.rejects, key=lambda r: r.line)])


def import_bulk(db, principal, data: bytes, filename: str, policy: Policy,  # noqa: ANN001
                media_root: Path) -> enforcement.BulkReport:
    if len(data) > MAX_CSV_BYTES:
        raise Problem(413, f"CSV larger than {MAX_CSV_BYTES // (1024 * 1024)} MiB; split it")
    notifier_id = sender_notifier(db, principal)
    try:
        return enforcement.import_notices_csv(db, data, notifier_id=notifier_id, name=filename or "upload.csv",
                                              actor=principal.actor, policy=policy, media_root=media_root)
    except enforcement.UnreadableCSV as e:
        raise Problem(422, str(e), title="Unreadable CSV") from e
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e


@router.post("/notices/bulk", response_model=BulkReportOut, dependencies=allow(*NOTICE_SENDERS))
def submit_bulk(db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep, media: MediaRootDep,
                file: Annotated[UploadFile, File(description="CSV: idempotency_key,brand_id,trademark_registration,"
                                                             "listings,explanation,good_faith[,notifier_name,"
                                                             "notifier_email]")]) -> BulkReportOut:
    """Up to the policy's max_csv_rows notices per file (10,000 by default): every row is validated, valid rows
    accepted, bad rows reported by line."""
    report = import_bulk(db, principal, file.file.read(MAX_CSV_BYTES + 1), file.filename or "upload.csv", policy,
                         media)
    return bulk_report(report)


@router.get("/notices", response_model=Page[NoticeSummary], dependencies=allow(*NOTICE_READERS))
def list_notices(
    db: SessionDep, principal: CurrentPrincipal, page: PageDep,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    brand_id: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[NoticeSummary]:
    rows, total = notices_page(db, brands=brand_filter(principal), status=status, brand_id=brand_id,
                               limit=page.limit, offset=page.offset)
    items = [NoticeSummary(id=n.id, brand_id=n.brand_id, status=n.status, lane=n.lane, channel=n.channel,
                           received_at=n.received_at, closed_at=n.closed_at, listings=named, removed=removed)
             for n, named, removed in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/notices/{notice_id}", response_model=NoticeOut, dependencies=allow(*NOTICE_READERS))
def get_notice(db: SessionDep, notice: ScopedNotice) -> NoticeOut:
    return notice_out(db, notice)


class LegalActionIn(BaseModel):
    counter_notice_id: int = Field(ge=1, le=2**31 - 1)
    details: str = Field(min_length=1, max_length=5000, description="Court, case number, date filed")


class LegalActionOut(BaseModel):
    counter_notice_id: int
    listing_id: str
    status: str


def legal_action(db, principal, notice: Notice, counter_notice_id: int, details: str) -> LegalActionOut:  # noqa: ANN001
    """The notifier went to court over a contested removal: the listing stays down."""
    counters = {c.id: c for _, c in notice_items(db, notice.id) if c is not None}
    if counter_notice_id not in counters:
        raise Problem(404, f"no counter-notice {counter_notice_id} on notice {notice.id}")
    try:
        counter = enforcement.record_legal_action(db, counter_notice_id, notifier_id=sender_notifier(db, principal),
                                                  details=details)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return LegalActionOut(counter_notice_id=counter.id, listing_id=counter.listing_id, status=counter.status)


@router.post("/notices/{notice_id}/legal-action", response_model=LegalActionOut,
             dependencies=allow(*NOTICE_SENDERS))
def record_legal_action(db: SessionDep, principal: CurrentPrincipal, notice: ScopedNotice,
                        body: Annotated[LegalActionIn, Body()]) -> LegalActionOut:
    """Record that legal proceedings were started, so the contested listing is not restored automatically."""
    return legal_action(db, principal, notice, body.counter_notice_id, body.details)


class InformationIn(BaseModel):
    listing_id: str = Field(min_length=1, max_length=200)
    information: str = Field(min_length=1, max_length=20000, description="The answer to the reviewer's question")


def provide_information(db, principal, notice: Notice, listing_id: str, information: str) -> NoticeOut:  # noqa: ANN001
    """Answer a reviewer's request for information; the item returns to the queue."""
    item = next((i for i, _ in notice_items(db, notice.id) if i.listing_id == listing_id), None)
    if item is None:
        raise Problem(404, f"listing {listing_id} is not part of notice {notice.id}")
    try:
        enforcement.provide_information(db, item.id, notifier_id=sender_notifier(db, principal),
                                        information=information)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return notice_out(db, notice)


@router.post("/notices/{notice_id}/information", response_model=NoticeOut, dependencies=allow(*NOTICE_SENDERS))
def answer_request(db: SessionDep, principal: CurrentPrincipal, notice: ScopedNotice,
                   body: Annotated[InformationIn, Body()]) -> NoticeOut:
    """Provide the information a reviewer asked for about one listing of the notice."""
    return provide_information(db, principal, notice, body.listing_id, body.information)
