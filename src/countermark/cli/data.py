"""Database and bundle commands: db upgrade, import, export, demo."""

from __future__ import annotations

from pathlib import Path

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, waiting_notice

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Create or migrate the schema (the only way it is ever created)."""
    from countermark.storage.migrate import current, upgrade

    with database(upgrade=False) as engine:
        upgrade(engine, revision)
        console.print(f"database at revision {current(engine)}: {engine.url.render_as_string(hide_password=True)}")


@app.command("import")
def import_command(
    bundle: Path = typer.Argument(..., help="Bundle directory (shared/spec/bundle.md)"),
    rejects: Path | None = typer.Option(None, help="Where bad records go [default: ./<bundle>.rejects.jsonl]"),
    media: bool = typer.Option(True, help="Copy the bundle's images into the media store (data_dir/media)"),
    batch_size: int = typer.Option(5_000, min=1, help="Records per transaction"),
) -> None:
    """Import a bundle into the database: idempotent, streaming, safe to re-run after a crash."""
    from countermark.cli.common import progress, settings
    from countermark.listings.bundle import Bundle, BundleError
    from countermark.listings.service import import_bundle, import_lock
    from countermark.network.service import screen_import

    try:
        opened = Bundle.open(bundle)
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    rejects_path = rejects or Path(f"{bundle.resolve().name}.rejects.jsonl")
    media_root = settings().media_root if media else None
    with database() as engine, import_lock(engine, on_wait=waiting_notice(
            engine, "another import into {database} is running: waiting for it to finish "
            "(imports into one database run one after another)")), progress() as bar:
        tasks = {stage: bar.add_task(stage, total=None) for stage in ("brands", "sellers", "listings")}
        try:
            report = import_bundle(engine, opened, rejects_path, media_root=media_root, batch_size=batch_size,
                                   progress=lambda stage, n: bar.advance(tasks[stage], n))
        except BundleError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
        screened = screen_import(engine, opened)  # ban evasion: imported sellers vs the stored seller network
    console.print(f"imported {report.brands} brands, {report.sellers} sellers, {report.listings} listings "
                  f"from {opened.name} into {engine.url.render_as_string(hide_password=True)}")
    if screened is not None:
        console.print(f"screened {screened.screened} sellers against the seller network: {len(screened.held)} newly "
                      "held for review as linked to banned accounts (countermark holds list)")
    if report.media_missing:
        console.print(f"[yellow]{len(report.media_missing)} referenced image(s) not in the bundle[/], "
                      f"e.g. {report.media_missing[0]}")
    if report.rejects:
        console.print(f"[yellow]{report.rejects} record(s) rejected[/]: see {rejects_path}")
        raise typer.Exit(EXIT_REJECTS)


@app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="Directory to write the bundle into"),
    name: str = typer.Option("countermark-export", help="Bundle name in bundle.json"),
    parquet: bool = typer.Option(False, help="Write listings.parquet instead of listings.jsonl"),
    media: bool = typer.Option(True, help="Copy stored images into the bundle"),
) -> None:
    """Export the database as a bundle (import -> export -> import gives identical content)."""
    from countermark.cli.common import settings
    from countermark.listings.service import export_bundle

    with database() as engine:
        report = export_bundle(engine, out, name=name, parquet=parquet,
                               media_root=settings().media_root if media else None)
    console.print(f"exported {report.brands} brands, {report.sellers} sellers, {report.listings} listings, "
                  f"{report.media_copied} images to {out}")


@app.command("demo")
def demo_command(
    out: Path = typer.Argument(..., help="Directory to write the demo bundle into (new, empty, or a previous demo)"),
    listings: int = typer.Option(3000, "--listings", "-n", min=1, help="Number of listings"),
    seed: int = typer.Option(1, help="Random seed: the same seed gives byte-identical files"),
    images: bool = typer.Option(True, "--images/--no-images", help="Draw product photos (--no-images: text only)"),
    parquet: bool = typer.Option(False, help="Write listings.parquet instead of listings.jsonl"),
    brands: int = typer.Option(30, min=1, help="How many catalogue brands are protected"),
) -> None:
    """Write a realistic labelled demo marketplace bundle (real catalogue, synthetic sellers and listings)."""
    from countermark.cli.common import progress
    from countermark.listings.demo import DemoError, generate

    with progress() as bar:
        task = bar.add_task("listings", total=listings)
        try:
            summary = generate(out, listings=listings, seed=seed, with_images=images, parquet=parquet,
                               n_brands=brands, on_progress=lambda n: bar.advance(task, n))
        except DemoError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
    counterfeit = sum(n for (label, _), n in summary.by_tactic.items() if label == "counterfeit")
    console.print(f"wrote {summary.path}: {summary.brands} brands, {summary.sellers} sellers, {summary.listings} "
                  f"listings ({counterfeit} counterfeit), {summary.images} images; labels in {out / 'labels'}")
