"""Commands of countermark.alliance: keys, peers, publish, pull, status, shared terms, exports."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from countermark.cli.app import app
from countermark.cli.common import console, database, fail, settings

EXIT_REJECTED = 4
alliance_app = typer.Typer(help="Share brand profiles and counterfeit signals with other marketplaces.",
                           no_args_is_help=True)
peers_app = typer.Typer(help="Peer marketplaces whose feeds this instance pulls.", no_args_is_help=True)
app.add_typer(alliance_app, name="alliance")
alliance_app.add_typer(peers_app, name="peers")


@alliance_app.command("keys")
def keys(new_secret: bool = typer.Option(False, help="Print a fresh alliance secret to share with members")) -> None:
    """Show this instance's name and Ed25519 public key (the key is created on first use)."""
    from countermark.alliance.config import load_identity
    from countermark.alliance.config import new_secret as make_secret

    identity = load_identity(settings())
    print(f"instance   {identity.name}\npublic key {identity.public_key}")
    print(f"secret     {'set' if identity.secret else 'NOT SET (identifiers are neither published nor matched)'}")
    if new_secret:
        print(f"new secret {make_secret()}  (set COUNTERMARK_ALLIANCE_SECRET on every member)")


@peers_app.command("add")
def peers_add(
    name: str,
    url: str = typer.Argument(..., help="Base URL of the peer, e.g. https://market-b.example"),
    public_key: str = typer.Option(..., help="The peer's Ed25519 public key (from `alliance keys` there)"),
    trust: str = typer.Option("profiles,hashes,actors,vocabulary", help="Signal kinds accepted from this peer"),
    max_bytes: int = typer.Option(64 * 1024 * 1024, min=1024, help="Largest feed page accepted"),
) -> None:
    """Pin a peer: its URL, its public key, what is trusted from it."""
    from countermark.alliance.service import add_peer
    from countermark.storage.engine import transaction

    with database() as engine:
        try:
            with transaction(engine) as session:
                add_peer(session, name, url, public_key, trust=[t.strip() for t in trust.split(",") if t.strip()],
                         max_feed_bytes=max_bytes)
        except ValueError as e:
            raise fail(str(e), 2) from None
    console.print(f"peer {name} added")


@alliance_app.command("publish")
def publish_command(brand: list[str] = typer.Option(None, help="Only these brands' profiles")) -> None:
    """Append what changed (profiles, confirmed-counterfeit hashes, banned actors) to this instance's feed."""
    from countermark.alliance.config import load_identity
    from countermark.alliance.service import publish
    from countermark.storage.engine import transaction

    identity = load_identity(settings())
    with database() as engine, transaction(engine) as session:
        added = publish(session, identity, brand_ids=brand or None)
    kinds: dict[str, int] = {}
    for entry in added:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "nothing new"
    console.print(f"published {len(added)} entries: {summary}")


@alliance_app.command("pull")
def pull_command(peer: list[str] = typer.Argument(None, help="Peers to pull [default: all]")) -> None:
    """Fetch, verify and import new entries from peers' feeds."""
    from sqlalchemy import select

    from countermark.alliance.models import Peer
    from countermark.alliance.pull import FeedRejected
    from countermark.alliance.service import pull_peer
    from countermark.storage.engine import transaction

    rejected = 0
    with database() as engine:
        with transaction(engine) as session:
            names = peer or list(session.scalars(select(Peer.name).order_by(Peer.name)))
        for name in names:
            try:
                report = pull_peer(engine, name)
            except FeedRejected as e:
                console.print(f"[red]rejected[/] {e}", highlight=False)
                rejected += 1
                continue
            except ValueError as e:
                raise fail(str(e), 2) from None
            console.print(f"{name}: imported {report.imported} entries {report.kinds or ''} "
                          f"(skipped untrusted {report.skipped_untrusted}, retracted {report.retracted})",
                          highlight=False)
    if rejected:
        raise typer.Exit(EXIT_REJECTED)


@alliance_app.command("status")
def status_command() -> None:
    """Peers, how far each was pulled, active signals, last error."""
    from countermark.alliance.service import status
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        rows = status(session)
    table = Table("peer", "url", "last seq", "active signals", "last pulled", "last error")
    for r in rows:
        table.add_row(r.name, r.url, str(r.last_seq), str(r.active_signals), r.last_pulled_at, r.last_error)
    Console().print(table)


@alliance_app.command("share-term")
def share_term_command(term: str, brand: str | None = typer.Option(None, help="Only for this brand")) -> None:
    """Share a replica-vocabulary term with the alliance."""
    from countermark.alliance.config import load_identity
    from countermark.alliance.service import share_term
    from countermark.storage.engine import transaction

    with database() as engine:
        try:
            with transaction(engine) as session:
                added = share_term(session, load_identity(settings()), term, brand)
        except ValueError as e:
            raise fail(str(e), 2) from None
    console.print(f"shared {term!r}" if added else f"{term!r} was already shared")


@alliance_app.command("retract")
def retract_command(subject: str = typer.Argument(..., help="Subject of a published entry, e.g. pdq:<hex>")) -> None:
    """Withdraw a published signal; peers deactivate it on their next pull."""
    from countermark.alliance.config import load_identity
    from countermark.alliance.service import retract
    from countermark.storage.engine import transaction

    with database() as engine:
        try:
            with transaction(engine) as session:
                retract(session, load_identity(settings()), subject)
        except ValueError as e:
            raise fail(str(e), 2) from None
    console.print(f"retracted {subject}")


@alliance_app.command("export-hashes")
def export_hashes(out: Path = typer.Option(..., help="CSV file to write"),
                  peers: bool = typer.Option(True, help="Include hashes imported from peers")) -> None:
    """Counterfeit PDQ hashes in ThreatExchange-compatible CSV (signal_type,signal,tags,origin)."""
    from countermark.alliance.service import export_threatexchange
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        n = export_threatexchange(session, out, include_peers=peers)
    console.print(f"{n} hashes written to {out}")
