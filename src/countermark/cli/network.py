"""Commands of countermark.network: network (seller clusters), holds (ban evasion), case, testbuy, sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, progress, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from countermark.network.models import BanEvasionFlag

EXIT_REFUSED = 1


def _actor(name: str) -> str:
    """Audit actor: "cli", an explicit "kind:name", or a user name."""
    return name if name == "cli" or ":" in name else f"user:{name}"


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A migrated database and one transaction; refused requests exit 1 with the reason, nothing written."""
    from countermark.network.service import NetworkError
    from countermark.network.testbuys import TestBuyError
    from countermark.storage.engine import transaction

    try:
        with database() as engine, transaction(engine) as session:
            yield session
    except (NetworkError, TestBuyError) as e:
        raise fail(str(e), EXIT_REFUSED) from None


# --- network --------------------------------------------------------------------------------------------------------

@app.command("network")
def network_command(
    bundle: Path | None = typer.Argument(None, help="Bundle directory (shared/spec/bundle.md); omit with --db"),
    out: Path | None = typer.Option(None, "--out", help="Write seller_id,cluster_id CSV here"),
    db: bool = typer.Option(False, "--db", help="Cluster the sellers in the database and store the clusters"),
    actor: str = typer.Option("cli", help="Who runs it (audit log)"),
    engine: str = typer.Option("local", help="local, or spark: distributed linkage on Apache Spark (docs/spark.md)"),
    master: str = typer.Option("local[2]", help="Spark master URL, with --engine spark"),
) -> None:
    """Link seller accounts run by one party: sellers sharing identifiers form clusters."""
    if (bundle is None) == (not db):
        raise fail("give either a BUNDLE or --db", EXIT_UNREADABLE)
    if bundle is not None:
        if out is None:
            raise fail("--out FILE.csv is required with a BUNDLE", EXIT_UNREADABLE)
        if engine != "local":
            from countermark.cli.spark import network_on_spark  # Spark area: Parquet unless OUT is .csv

            network_on_spark(bundle, out, engine=engine, master=master)
            return
        _network_bundle(bundle, out)
    else:
        _network_database(out, _actor(actor))


def _network_bundle(path: Path, out: Path) -> None:
    from countermark.listings.bundle import Bundle, BundleError
    from countermark.network.batch import cluster_bundle

    try:
        opened = Bundle.open(path)
        with progress() as bar:
            task = bar.add_task("normalising sellers' identifiers", total=None)
            report = cluster_bundle(opened, out, on_seller=lambda: bar.advance(task))
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(f"{report.sellers} sellers in {report.clusters} clusters "
                  f"({report.linked_clusters} of two or more accounts): {out}")
    if report.rejects:
        console.print(f"[yellow]{report.rejects} seller record(s) rejected[/]: see {report.rejects_path}")
        raise typer.Exit(EXIT_REJECTS)


def _network_database(out: Path | None, actor: str) -> None:
    from countermark.network.batch import write_assignments
    from countermark.network.service import cluster_assignments, cluster_database

    with _unit_of_work() as session:
        with console.status("clustering sellers"):
            report = cluster_database(session, actor=actor)
        if out is not None:
            write_assignments(out, cluster_assignments(session))
    console.print(f"{report.sellers} sellers in {report.clusters} clusters ({report.linked_clusters} of two or more "
                  f"accounts); {report.hub_keys} hub identifier(s) ignored (held by more than {report.hub_limit} "
                  f"sellers); stored as network run {report.run_id}")
    if report.flagged:
        console.print(f"[yellow]{len(report.flagged)} seller(s) linked to banned accounts, held for review:[/] "
                      + ", ".join(report.flagged[:20]) + (" ..." if len(report.flagged) > 20 else ""))


# --- ban-evasion holds ----------------------------------------------------------------------------------------------

holds_app = typer.Typer(help="Ban-evasion holds: sellers linked to banned accounts, held for review.",
                        no_args_is_help=True)
app.add_typer(holds_app, name="holds")


@holds_app.command("list")
def holds_list(
    status: str = typer.Option("open", help="open | confirmed | dismissed | all"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines (with the full evidence) instead of a table"),
) -> None:
    """Sellers held for review as ban evasion, oldest first, with the banned accounts and linking identifiers."""
    from rich.table import Table

    from countermark.network.service import FLAG_STATUSES, ban_evasion_flags

    if status not in (*FLAG_STATUSES, "all"):
        raise fail(f"--status must be one of {', '.join(FLAG_STATUSES)}, all", EXIT_UNREADABLE)
    with _unit_of_work() as session:
        flags = [_flag_json(f) for f in ban_evasion_flags(session, None if status == "all" else status)]
    if as_json:
        for flag in flags:
            typer.echo(json.dumps(flag))
        return
    table = Table(title=f"Ban-evasion holds ({status}): {len(flags)} (the shared keys themselves: --json)")
    for column in ("seller", "status", "cluster", "banned", "shared keys", "flagged (UTC)", "decided by"):
        table.add_column(column, overflow="fold")
    for flag in flags:
        kinds = sorted({link["key"].split(":", 1)[0] for link in flag["evidence"]})
        table.add_row(flag["seller_id"], flag["status"], flag["cluster_id"], ", ".join(flag["banned_seller_ids"]),
                      f"{len(flag['evidence'])}: {', '.join(kinds)}", flag["flagged_at"][:16].replace("T", " "),
                      flag["resolved_by"] or "")
    console.print(table)


def _flag_json(flag: BanEvasionFlag) -> dict:
    return {"seller_id": flag.seller_id, "status": flag.status, "cluster_id": flag.cluster_id,
            "banned_seller_ids": list(flag.banned_seller_ids), "evidence": list(flag.evidence),
            "flagged_at": flag.flagged_at.isoformat(),
            "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None,
            "resolved_by": flag.resolved_by}


@holds_app.command("resolve")
def holds_resolve(
    seller: str = typer.Argument(..., help="Seller held for review"),
    confirm: bool = typer.Option(False, "--confirm", help="Ban evasion confirmed (then sanction via enforcement)"),
    dismiss: bool = typer.Option(False, "--dismiss", help="Not ban evasion: release the hold"),
    note: str = typer.Option("", help="Why (kept in the audit log)"),
    actor: str = typer.Option("cli", help="Reviewer (audit log), e.g. alice"),
) -> None:
    """Decide a hold: --confirm or --dismiss (writes an audit entry)."""
    from countermark.network.service import resolve_flag

    if confirm == dismiss:
        raise fail("give exactly one of --confirm or --dismiss", EXIT_UNREADABLE)
    with _unit_of_work() as session:
        flag = resolve_flag(session, seller, "confirmed" if confirm else "dismissed", actor=_actor(actor), reason=note)
        console.print(f"seller {flag.seller_id}: ban evasion {flag.status} by {flag.resolved_by}")


# --- case packages --------------------------------------------------------------------------------------------------

case_app = typer.Typer(help="Evidence packages for law enforcement.", no_args_is_help=True)
app.add_typer(case_app, name="case")


@case_app.command("export")
def case_export(
    cluster: str = typer.Argument(..., help="Cluster id (e.g. C-S000001; see `countermark network --db --out`)"),
    out: Path = typer.Option(..., "--out", help="Zip file to write"),
    actor: str = typer.Option("cli", help="Who exports it (audit log)"),
) -> None:
    """Write one seller cluster's evidence as a self-verifying zip (manifest with SHA-256 of every file)."""
    from countermark.network.case import export_case

    with _unit_of_work() as session:
        report = export_case(session, cluster, out, media_root=settings().media_root,
                             actor=_actor(actor))
    console.print(f"case {report.cluster_id}: {report.sellers} sellers, {report.listings} listings, "
                  f"{report.files} files -> {report.path}\nmanifest SHA-256 {report.manifest_sha256}")
    if report.missing_media:
        console.print(f"[yellow]{len(report.missing_media)} image(s) not in the media store[/] (see the manifest)")


@case_app.command("verify")
def case_verify(package: Path = typer.Argument(..., help="Case zip to check")) -> None:
    """Check every file against the manifest and the audit excerpt against its hash chain (exit 1 if not intact)."""
    from countermark.network.case import UnreadableCase, verify_case

    try:
        problems = verify_case(package)
    except UnreadableCase as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    if problems:
        for problem in problems:
            console.print(f"[bold red]FAIL[/] {problem}", highlight=False)
        raise typer.Exit(EXIT_REFUSED)
    console.print(f"[green]OK[/] {package}: every file matches its SHA-256; audit excerpt verifies")


# --- test buys ------------------------------------------------------------------------------------------------------

testbuy_app = typer.Typer(help="Test buys: orders placed to authenticate a seller's goods.", no_args_is_help=True)
app.add_typer(testbuy_app, name="testbuy")


@testbuy_app.command("add")
def testbuy_add(
    listing: str = typer.Option(..., help="Listing ordered"),
    ordered_on: str = typer.Option(..., "--date", help="Order date, YYYY-MM-DD"),
    price: float = typer.Option(..., help="Price paid"),
    currency: str = typer.Option("USD"),
    received: bool = typer.Option(False, "--received/--not-received", help="Item received"),
    received_on: str | None = typer.Option(None, help="Date received, YYYY-MM-DD"),
    result: str = typer.Option("pending", help="Authentication: pending|genuine|counterfeit|inconclusive"),
    photo: list[Path] = typer.Option([], help="Photo of the item or parcel (repeatable)"),
    shipped_from: str | None = typer.Option(None, help="Origin country on the parcel"),
    supplier: str | None = typer.Option(None, help="Supplier declared on invoice or customs form"),
    brand: str | None = typer.Option(None, help="Brand whose goods were examined"),
    verdict: str | None = typer.Option(None, help="The brand's verdict, as stated"),
    notes: str = typer.Option(""),
    actor: str = typer.Option(..., help="Investigator (audit log), e.g. alice"),
) -> None:
    """Record a test buy."""
    from countermark.network.testbuys import TestBuyInput, record_test_buy

    data = TestBuyInput(listing_id=listing, ordered_on=ordered_on, price_paid=price, currency=currency,
                        item_received=received, received_on=received_on, authentication=result, photos=photo,
                        shipped_from=shipped_from, declared_supplier=supplier, brand_id=brand, brand_verdict=verdict,
                        notes=notes)
    with _unit_of_work() as session:
        buy = record_test_buy(session, data, media_root=settings().media_root, actor=_actor(actor))
        console.print(f"test buy {buy.id}: listing {buy.listing_id} of seller {buy.seller_id}, {buy.authentication}")


@testbuy_app.command("authenticate")
def testbuy_authenticate(
    test_buy: int = typer.Argument(..., help="Test buy id"),
    result: str = typer.Option(..., help="genuine|counterfeit|inconclusive"),
    photo: list[Path] = typer.Option([], help="Photo of the item (repeatable)"),
    verdict: str | None = typer.Option(None, help="The brand's verdict, as stated"),
    received_on: str | None = typer.Option(None, help="Date received, YYYY-MM-DD"),
    actor: str = typer.Option(..., help="Who authenticated (audit log)"),
) -> None:
    """Record the authentication result of a received item."""
    from countermark.network.testbuys import record_authentication

    with _unit_of_work() as session:
        buy = record_authentication(session, test_buy, result=result, photos=photo, brand_verdict=verdict,
                                    received_on=received_on, media_root=settings().media_root,
                                    actor=_actor(actor))
        console.print(f"test buy {buy.id}: {buy.authentication}")


@testbuy_app.command("list")
def testbuy_list(
    seller: str | None = typer.Option(None, help="Only this seller's"),
    cluster: str | None = typer.Option(None, help="Only this cluster's"),
) -> None:
    """Test buys as JSON lines."""
    from countermark.network.testbuys import list_test_buys

    with _unit_of_work() as session:
        for b in list_test_buys(session, seller_id=seller, cluster_id=cluster):
            typer.echo(json.dumps({"id": b.id, "ordered_on": b.ordered_on, "listing_id": b.listing_id,
                                   "seller_id": b.seller_id, "price_paid": b.price_paid, "currency": b.currency,
                                   "item_received": b.item_received, "authentication": b.authentication,
                                   "photos": b.photos, "shipped_from": b.shipped_from,
                                   "declared_supplier": b.declared_supplier, "brand_verdict": b.brand_verdict}))


# --- source tracing -------------------------------------------------------------------------------------------------

@app.command("sources")
def sources_command(
    by: str = typer.Option("cluster", "--by", help="cluster | origin | payout | supplier"),
    limit: int = typer.Option(20, min=1, help="How many sources"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
) -> None:
    """Rank the largest sources of confirmed counterfeits (removed listings, failed test buys)."""
    from rich.table import Table

    from countermark.network.sources import DIMENSIONS, trace_sources

    if by not in DIMENSIONS:
        raise fail(f"--by must be one of {', '.join(DIMENSIONS)}", EXIT_UNREADABLE)
    with _unit_of_work() as session:
        sources = trace_sources(session, by, limit=limit)
    if as_json:
        for source in sources:
            typer.echo(json.dumps(source.as_json()))
        return
    table = Table(title=f"Sources of confirmed counterfeits by {by}")
    for column in ("rank", by, "listings", "sellers", "units", "value offered", "examples"):
        table.add_column(column)
    for rank, source in enumerate(sources, 1):
        row = source.as_json()
        table.add_row(str(rank), source.value, str(row["listings"]), str(row["sellers"]), str(row["units"]),
                      f"{row['value_offered']:,.2f}", ", ".join(row["example_listings"][:3]))
    console.print(table)
