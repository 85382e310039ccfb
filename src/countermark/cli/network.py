"""Commands of countermark.network: network (seller clusters)."""

from __future__ import annotations

from pathlib import Path

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, fail


@app.command("network")
def network_command(
    bundle: Path | None = typer.Argument(None, help="Bundle directory (shared/spec/bundle.md); omit with --db"),
    out: Path | None = typer.Option(None, "--out", help="Write seller_id,cluster_id CSV here"),
    db: bool = typer.Option(False, "--db", help="Cluster the sellers in the database and store the clusters"),
) -> None:
    """Link seller accounts run by one party: sellers sharing identifiers form clusters."""
    if (bundle is None) == (not db):
        raise fail("give either a BUNDLE or --db", EXIT_UNREADABLE)
    if bundle is not None:
        if out is None:
            raise fail("--out FILE.csv is required with a BUNDLE", EXIT_UNREADABLE)
        _network_bundle(bundle, out)


def _network_bundle(path: Path, out: Path) -> None:
    from countermark.listings.bundle import Bundle, BundleError
    from countermark.network.batch import cluster_bundle

    try:
        report = cluster_bundle(Bundle.open(path), out)
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(f"{report.sellers} sellers in {report.clusters} clusters "
                  f"({report.linked_clusters} of two or more accounts): {out}")
    if report.rejects:
        console.print(f"[yellow]{report.rejects} seller record(s) rejected[/]: see {report.rejects_path}")
        raise typer.Exit(EXIT_REJECTS)
