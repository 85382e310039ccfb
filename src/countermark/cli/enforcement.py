"""Commands of countermark.enforcement: audit log, notices, review queue, decisions, counter-notices,
strikes, sanctions and the expedited lane."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, progress, settings, waiting_notice

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from countermark.enforcement.policy import Policy

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

EXIT_BROKEN_CHAIN = 1


@audit_app.command("export")
def audit_export(out: Path = typer.Option(..., "--out", help="JSON lines file to write")) -> None:
    """Write the whole audit log, in chain order, as JSON lines."""
    from countermark.enforcement import audit
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session, progress() as bar:
        task = bar.add_task("exporting audit log", total=None)
        count = audit.export_jsonl(session, out, on_entry=lambda: bar.advance(task))
    console.print(f"{count} audit entries written to {out}")


@audit_app.command("verify")
def audit_verify(
    file: Path | None = typer.Option(None, "--file", help="Verify this export instead of the database"),
) -> None:
    """Check the hash chain; exit 0 when intact, 1 naming the first broken entry."""
    from countermark.enforcement import audit
    from countermark.storage.engine import transaction

    if file is not None:
        if not file.is_file():
            raise fail(f"{file}: no such file", EXIT_UNREADABLE)
        try:
            result = audit.verify_export(file)
        except audit.UnreadableExport as e:
            raise fail(str(e), EXIT_UNREADABLE) from e
    else:
        with database() as engine, transaction(engine) as session:
            result = audit.verify_stored(session)
    if result.broken is None:
        console.print(f"audit chain intact: {result.entries} entries")
        return
    broken = result.broken
    raise fail(f"audit chain broken at entry seq={broken.seq} ({result.where}): {broken.reason}", EXIT_BROKEN_CHAIN)


# --- shared helpers -------------------------------------------------------------------------------------------------

EXIT_REFUSED = 1


def _policy() -> Policy:
    from countermark.enforcement.policy import policy_from_settings

    try:
        return policy_from_settings(settings())
    except (OSError, ValueError) as e:
        raise fail(f"enforcement policy: {e}", EXIT_UNREADABLE) from e


def _actor(name: str) -> str:
    return name if ":" in name else f"user:{name}"


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A migrated database and one transaction; refused operations exit 1 with the reason."""
    from countermark.enforcement.errors import EnforcementError
    from countermark.storage.engine import transaction

    try:
        with database() as engine, transaction(engine) as session:
            yield session
    except EnforcementError as e:
        raise fail(str(e), EXIT_REFUSED) from e


# --- notifiers and notices ------------------------------------------------------------------------------------------

notifiers_app = typer.Typer(help="Notifiers (who may send notices, for which brands).", no_args_is_help=True)
notices_app = typer.Typer(help="Notices (DSA Art. 16): submit, bulk import, export.", no_args_is_help=True)
app.add_typer(notifiers_app, name="notifiers")
app.add_typer(notices_app, name="notices")


@notifiers_app.command("add")
def notifiers_add(
    notifier_id: str = typer.Argument(..., help="Stable id, e.g. acme-legal"),
    name: str = typer.Option(..., help="Name of the person or entity"),
    email: str = typer.Option(..., help="Contact e-mail"),
    brand: list[str] = typer.Option(..., help="Brand id it represents (repeat for several)"),
    address: str = typer.Option("", help="Postal address"),
    account: str | None = typer.Option(None, help="Web username that acts for this notifier"),
) -> None:
    """Create or update a notifier."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.register_notifier(session, notifier_id=notifier_id, name=name, email=email, brands=brand,
                                  address=address, account=account, actor="cli")
    console.print(f"notifier {notifier_id} registered for {', '.join(brand)}")


@notices_app.command("submit")
def notices_submit(
    notifier: str = typer.Option(..., help="Notifier id"),
    brand: str = typer.Option(..., help="Brand id relied on"),
    trademark: str = typer.Option(..., help="Trademark registration number relied on"),
    listing: list[str] = typer.Option(..., help="Listing id or URL (repeat, up to 300)"),
    explanation: str = typer.Option(..., help="Why the listings infringe"),
    good_faith: bool = typer.Option(False, "--good-faith", help="State that the notice is accurate and in good faith"),
    key: str = typer.Option(..., help="Idempotency key: a retry with the same key never duplicates the notice"),
) -> None:
    """Submit one notice."""
    from countermark.enforcement import service

    notice = service.NoticeInput(notifier_id=notifier, idempotency_key=key, brand_id=brand,
                                 trademark_registration=trademark, listings=listing, explanation=explanation,
                                 good_faith=good_faith)
    with _unit_of_work() as session:
        notice_id, created = service.submit_notice(session, notice, actor="cli", policy=_policy(),
                                                    media_root=settings().media_root)
    console.print(f"notice {notice_id} {'received' if created else 'already received (same idempotency key)'}")


@notices_app.command("import")
def notices_import(
    csv_file: Path = typer.Argument(..., help="CSV: idempotency_key,brand_id,trademark_registration,listings,"
                                              "explanation,good_faith[,notifier_name,notifier_email]"),
    notifier: str = typer.Option(..., help="Notifier id the notices come from"),
) -> None:
    """Bulk intake (up to 10,000 rows): valid rows accepted, bad rows to CSV.rejects.jsonl (exit 3)."""
    from countermark.enforcement import service
    from countermark.listings.bundle import rejects_path_for, write_rejects

    if not csv_file.is_file():
        raise fail(f"{csv_file}: no such file", EXIT_UNREADABLE)
    try:
        with _unit_of_work() as session, progress() as bar:
            bar.add_task(f"importing {csv_file.name}", total=None)
            report = service.import_notices_csv(session, csv_file, notifier_id=notifier, actor="cli",
                                                policy=_policy(), media_root=settings().media_root)
    except service.UnreadableCSV as e:
        raise fail(str(e), EXIT_UNREADABLE) from e
    result = report.result
    console.print(f"{report.rows} rows: {report.accepted} notices accepted, {len(result.duplicates)} already received, "
                  f"{len(report.rejects)} rejected; {result.auto_removed} listings removed automatically")
    rejects = rejects_path_for(csv_file)
    rejects.unlink(missing_ok=True)
    if report.rejects:
        write_rejects(rejects, report.rejects)
        for r in report.rejects[:10]:
            console.print(f"  line {r.line}: {r.reason}", highlight=False)
        console.print(f"rejected rows (file, line, reason) written to {rejects}")
        raise typer.Exit(EXIT_REJECTS)


@notices_app.command("export")
def notices_export(out: Path = typer.Option(..., "--out", help="CSV file to write")) -> None:
    """Every notice, one row per listing, safe to open in a spreadsheet (formulas neutralised)."""
    from countermark.enforcement.export import export_notices

    with _unit_of_work() as session:
        count = export_notices(session, out)
    console.print(f"{count} rows written to {out}")


# --- review queue and decisions -------------------------------------------------------------------------------------

queue_app = typer.Typer(help="The review queue (notices and proactive flags).", no_args_is_help=True)
decide_app = typer.Typer(help="Decide review items: remove, reject, request information.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")
app.add_typer(decide_app, name="decide")


@queue_app.command("list")
def queue_list(
    status: list[str] = typer.Option(["open", "info_requested"], help="Item status (repeatable)"),
    source: str | None = typer.Option(None, help="notice | proactive"),
    brand: str | None = typer.Option(None, help="Only this brand"),
    limit: int = typer.Option(50, min=1, help="Rows to show"),
) -> None:
    """Items waiting for review, oldest first."""
    from rich.table import Table

    from countermark.enforcement import service

    table = Table("item", "source", "lane", "listing", "seller", "brand", "notice", "score", "status", "received")
    with _unit_of_work() as session:
        for item in service.list_queue(session, statuses=status, source=source, brand_id=brand, limit=limit):
            table.add_row(str(item.id), item.source, item.lane, item.listing_id, item.seller_id, item.brand_id or "",
                          str(item.notice_id or ""), f"{item.score:.2f}" if item.score is not None else "",
                          item.status, f"{item.created_at:%Y-%m-%d %H:%M}")
    Console().print(table)


def _chosen(session: Session, items: list[int] | None, notice: int | None) -> list[int]:
    from countermark.enforcement import service

    if bool(items) == (notice is not None):
        raise fail("give review item ids or --notice N (one of them)", EXIT_REFUSED)
    return list(items) if items else service.open_items_of_notice(session, notice)


@decide_app.command("remove")
def decide_remove(
    items: list[int] | None = typer.Argument(None, help="Review item ids"),
    notice: int | None = typer.Option(None, help="Instead of item ids: every open item of this notice"),
    reviewer: str = typer.Option(..., help="Who decides (e.g. alice)"),
    reason: str = typer.Option("", help="Note added to the statement of reasons"),
    ground: str = typer.Option("trademark_law", help="trademark_law | terms_of_service"),
) -> None:
    """Remove the listings; a statement of reasons is issued to each seller."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        decisions = service.remove(session, _chosen(session, items, notice), reviewer=_actor(reviewer),
                                   reason=reason, ground=ground, policy=_policy(), media_root=settings().media_root)
    console.print(f"{len(decisions)} listings removed")


@decide_app.command("reject")
def decide_reject(
    items: list[int] | None = typer.Argument(None, help="Review item ids"),
    notice: int | None = typer.Option(None, help="Instead of item ids: every open item of this notice"),
    reviewer: str = typer.Option(..., help="Who decides"),
    reason: str = typer.Option(..., help="Why the listings stay (told to the notifier)"),
    unfounded: bool = typer.Option(False, "--unfounded", help="Manifestly unfounded notice (counts to sanctions)"),
) -> None:
    """Keep the listings online."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        decisions = service.reject(session, _chosen(session, items, notice), reviewer=_actor(reviewer),
                                   reason=reason, manifestly_unfounded=unfounded, policy=_policy())
    console.print(f"{len(decisions)} items rejected")


@decide_app.command("request-info")
def decide_request_info(
    items: list[int] = typer.Argument(..., help="Review item ids"),
    reviewer: str = typer.Option(..., help="Who asks"),
    question: str = typer.Option(..., help="What the notifier must add"),
) -> None:
    """Ask the notifier for more information before deciding."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.request_information(session, items, reviewer=_actor(reviewer), question=question)
    console.print(f"information requested on {len(items)} items")


# --- counter-notices, strikes, sanctions, lane ----------------------------------------------------------------------

counter_app = typer.Typer(help="Counter-notices and internal complaints.", no_args_is_help=True)
strikes_app = typer.Typer(help="Strikes against sellers.", no_args_is_help=True)
sanctions_app = typer.Typer(help="Sanctions against sellers and notifiers.", no_args_is_help=True)
lane_app = typer.Typer(help="The expedited lane for accurate notifiers.", no_args_is_help=True)
enforcement_app = typer.Typer(help="Scheduled enforcement jobs.", no_args_is_help=True)
app.add_typer(counter_app, name="counter-notices")
app.add_typer(strikes_app, name="strikes")
app.add_typer(sanctions_app, name="sanctions")
app.add_typer(lane_app, name="lane")
app.add_typer(enforcement_app, name="enforcement")


@counter_app.command("submit")
def counter_submit(
    listing: str = typer.Argument(..., help="The removed listing"),
    seller: str = typer.Option(..., help="Seller id (must own the listing)"),
    explanation: str = typer.Option(..., help="Why the removal is wrong"),
) -> None:
    """The seller contests a removal (within the policy window)."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        counter = service.submit_counter_notice(session, listing, seller_id=seller, explanation=explanation,
                                                policy=_policy())
        due = f"; restored on {counter.restore_due_at:%Y-%m-%d} unless legal action" if counter.restore_due_at else ""
        console.print(f"counter-notice {counter.id} received{due}")


@counter_app.command("legal-action")
def counter_legal_action(
    counter_id: int = typer.Argument(...),
    notifier: str = typer.Option(..., help="The notifier recording court action"),
    details: str = typer.Option(..., help="Court and case reference"),
) -> None:
    """The notifier records legal action: the listing is not restored automatically."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.record_legal_action(session, counter_id, notifier_id=notifier, details=details)
    console.print(f"legal action recorded on counter-notice {counter_id}")


@counter_app.command("complaint")
def counter_complaint(
    counter_id: int = typer.Argument(...),
    reviewer: str = typer.Option(..., help="A reviewer other than the one who decided"),
    outcome: str = typer.Option(..., help="upheld (removal stands) | reversed (listing restored)"),
    reason: str = typer.Option(..., help="Reason told to the seller"),
) -> None:
    """Decide the internal complaint."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.decide_complaint(session, counter_id, reviewer=_actor(reviewer), outcome=outcome, reason=reason)
    console.print(f"complaint {counter_id}: {outcome}")


@strikes_app.command("list")
def strikes_list(seller: str | None = typer.Option(None, help="Only this seller")) -> None:
    from rich.table import Table
    from sqlalchemy import select

    from countermark.enforcement.models import Strike

    table = Table("strike", "seller", "listing", "decision", "at", "lifted")
    with _unit_of_work() as session:
        query = select(Strike).order_by(Strike.id)
        for s in session.scalars(query.where(Strike.seller_id == seller) if seller else query):
            table.add_row(str(s.id), s.seller_id, s.listing_id, str(s.decision_id), f"{s.at:%Y-%m-%d}",
                          f"{s.lifted_at:%Y-%m-%d} {s.lifted_reason}" if s.lifted_at else "")
    Console().print(table)


@strikes_app.command("lift")
def strikes_lift(
    strike_id: int = typer.Argument(...),
    reason: str = typer.Option(..., help="Why (e.g. appeal granted)"),
    actor: str = typer.Option("cli", help="Who lifts it"),
) -> None:
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.lift_strike(session, strike_id, reason=reason, actor=_actor(actor))
    console.print(f"strike {strike_id} lifted")


@sanctions_app.command("list")
def sanctions_list() -> None:
    from rich.table import Table
    from sqlalchemy import select

    from countermark.enforcement.models import Sanction

    table = Table("sanction", "subject", "kind", "reason", "at", "until", "lifted", "automated")
    with _unit_of_work() as session:
        for s in session.scalars(select(Sanction).order_by(Sanction.id)):
            table.add_row(str(s.id), f"{s.subject_kind}:{s.subject_id}", s.kind, s.reason, f"{s.at:%Y-%m-%d}",
                          f"{s.until:%Y-%m-%d}" if s.until else "", f"{s.lifted_at:%Y-%m-%d}" if s.lifted_at else "",
                          "yes" if s.automated else "no")
    Console().print(table)


@sanctions_app.command("lift")
def sanctions_lift(
    sanction_id: int = typer.Argument(...),
    reason: str = typer.Option(...),
    actor: str = typer.Option("cli"),
) -> None:
    """Lift a sanction early: the seller or notifier is reinstated."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        service.lift_sanction(session, sanction_id, reason=reason, actor=_actor(actor))
    console.print(f"sanction {sanction_id} lifted")


@sanctions_app.command("ban")
def sanctions_ban(
    seller: str = typer.Argument(...),
    reason: str = typer.Option(...),
    actor: str = typer.Option("cli"),
) -> None:
    """Ban a storefront permanently, with the accounts linked to it."""
    from countermark.enforcement import service

    with _unit_of_work() as session:
        banned = service.ban_seller(session, seller, reason=reason, actor=_actor(actor))
    console.print(f"banned: {', '.join(banned) or 'nobody (already banned or unknown)'}")


@lane_app.command("recheck")
def lane_recheck() -> None:
    """Grant or revoke the expedited lane from each notifier's trailing accuracy (run daily)."""
    from countermark.enforcement import service
    from countermark.enforcement.daily import daily_lock
    from countermark.storage.engine import transaction

    policy = _policy()
    with database() as engine, daily_lock(engine, _waiting_for_daily(engine)), transaction(engine) as session:
        changes = service.recheck_lanes(session, policy=policy)
    for notifier, change, s in changes:
        console.print(f"{notifier}: lane {change} (upheld {s.upheld}/{s.decided}, "
                      f"{s.countered} successful counter-notices)")
    console.print(f"{len(changes)} lane changes")


@enforcement_app.command("daily")
def enforcement_daily() -> None:
    """Restore listings past their counter-notice deadline, end expired suspensions, re-check lanes.

    `countermark serve` runs this by itself (housekeeping); running it from cron as well is safe: runs on one
    database take turns (a lock), and this one waits for a run in progress.
    """
    from countermark.enforcement.daily import run_daily_exclusively

    policy = _policy()
    with database() as engine:
        report = run_daily_exclusively(engine, policy=policy, on_wait=_waiting_for_daily(engine))
    console.print(f"restored {len(report.restored)} listings, reinstated {len(report.reinstated)} sellers, "
                  f"{len(report.lane_changes)} lane changes")


def _waiting_for_daily(engine: Engine) -> Callable[[], None]:
    """What the daily job's commands say when a run is already in progress on the same database."""
    return waiting_notice(engine, "waiting for another run of the daily job on {database} (a server's housekeeping "
                                  "or another `countermark enforcement daily`) to finish")
