"""Notice pages: submit single and bulk (CSV with a per-row report), follow each notice to its outcome."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from countermark.enforcement import service as enforcement
from countermark.rights.models import Trademark
from countermark.web.api.notices import (
    MAX_CSV_BYTES,
    import_bulk,
    legal_action,
    provide_information,
    sender_notifier,
)
from countermark.web.deps import CurrentPrincipal, EnforcementPolicyDep, MediaRootDep, PageDep, SessionDep, allow_page
from countermark.web.enforcement_errors import as_problem
from countermark.web.pages.portal import back
from countermark.web.pages.render import render
from countermark.web.policy import brand_filter, check_brand
from countermark.web.queries import notice_items, notices_page, open_questions
from countermark.web.roles import NOTICE_READERS, NOTICE_SENDERS
from countermark.web.scoped import ScopedNotice

router = APIRouter(include_in_schema=False)


@router.get("/notices", dependencies=allow_page(*NOTICE_READERS))
def notices(request: Request, db: SessionDep, principal: CurrentPrincipal, page: PageDep,
            policy: EnforcementPolicyDep, status: str = "") -> Response:
    visible = brand_filter(principal)
    rows, total = notices_page(db, brands=visible, status=status if status in ("open", "closed") else None,
                               brand_id=None, limit=page.limit, offset=page.offset)
    marks = select(Trademark).order_by(Trademark.brand_id, Trademark.position)
    if visible is not None:
        marks = marks.where(Trademark.brand_id.in_(sorted(visible)))
    return render(request, "notices.html", rows=rows, total=total, page=page, status=status,
                  can_send=principal.role in NOTICE_SENDERS, trademarks=list(db.scalars(marks)),
                  idempotency_key=uuid.uuid4().hex, policy=policy)


@router.post("/notices", dependencies=allow_page(*NOTICE_SENDERS))
def submit(
    db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep, media: MediaRootDep,
    brand_trademark: Annotated[str, Form(max_length=400, description="brand_id|registration")],
    listings: Annotated[str, Form(max_length=700_000)],
    explanation: Annotated[str, Form(max_length=20_000)],
    idempotency_key: Annotated[str, Form(max_length=200)],
    good_faith: Annotated[bool, Form()] = False,
    notifier_name: Annotated[str, Form(max_length=1000)] = "",
    notifier_email: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    brand_id, _, registration = brand_trademark.partition("|")
    check_brand(principal, brand_id, "brand")
    notifier_id = sender_notifier(db, principal, notifier_name, notifier_email)
    notice = enforcement.NoticeInput(
        notifier_id=notifier_id, idempotency_key=idempotency_key, brand_id=brand_id,
        trademark_registration=registration, listings=listings.replace(",", " ").split(), explanation=explanation,
        good_faith=good_faith, notifier_name=notifier_name, notifier_email=notifier_email)
    try:
        notice_id, created = enforcement.submit_notice(db, notice, channel="single", actor=principal.actor,
                                                       policy=policy, media_root=media)
    except enforcement.EnforcementError as e:
        raise as_problem(e) from e
    return back(f"/notices/{notice_id}", "Notice received." if created else "This notice was already received.")


@router.post("/notices/bulk", dependencies=allow_page(*NOTICE_SENDERS))
def bulk(request: Request, db: SessionDep, principal: CurrentPrincipal, policy: EnforcementPolicyDep,
         media: MediaRootDep, file: Annotated[UploadFile, File()]) -> Response:
    report = import_bulk(db, principal, file.file.read(MAX_CSV_BYTES + 1), file.filename or "upload.csv", policy,
                         media)
    return render(request, "bulk_report.html", report=report, filename=file.filename or "upload.csv",
                  rejects=sorted(report.rejects, key=lambda r: r.line))


@router.get("/notices/{notice_id}", dependencies=allow_page(*NOTICE_READERS))
def notice_page(request: Request, db: SessionDep, principal: CurrentPrincipal, notice: ScopedNotice) -> Response:
    items = notice_items(db, notice.id)
    return render(request, "notice.html", notice=notice, items=items, can_send=principal.role in NOTICE_SENDERS,
                  questions=open_questions(db, [i for i, _ in items]))


@router.post("/notices/{notice_id}/legal-action", dependencies=allow_page(*NOTICE_SENDERS))
def record_legal_action(db: SessionDep, principal: CurrentPrincipal, notice: ScopedNotice,
                        counter_notice_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
                        details: Annotated[str, Form(max_length=5000)]) -> Response:
    result = legal_action(db, principal, notice, counter_notice_id, details)
    return back(f"/notices/{notice.id}", f"Legal action recorded: {result.listing_id} stays removed.")


@router.post("/notices/{notice_id}/information", dependencies=allow_page(*NOTICE_SENDERS))
def answer_request(db: SessionDep, principal: CurrentPrincipal, notice: ScopedNotice,
                   listing_id: Annotated[str, Form(max_length=200)],
                   information: Annotated[str, Form(max_length=20_000)]) -> Response:
    provide_information(db, principal, notice, listing_id, information)
    return back(f"/notices/{notice.id}", f"Information about {listing_id} sent; the item is back in review.")
