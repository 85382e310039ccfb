"""Commands of countermark.images: hash image files, manage hash banks, match images against banks."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.console import Console

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, progress

stdout = Console(soft_wrap=True)
images_app = typer.Typer(help="PDQ image hashes, hash banks and image matching.", no_args_is_help=True)
app.add_typer(images_app, name="images")


@images_app.command("hash")
def hash_command(
    paths: list[Path] = typer.Argument(..., help="Image files or directories (walked recursively)"),
    out: Path = typer.Option(..., "--out", help="CSV file to write: path,pdq_hex,quality"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Processes to use (default: every core)"),
    dihedral: bool = typer.Option(
        False, "--dihedral", help="Also write the 7 other orientations: adds a `transform` column, 8 rows per image"
    ),
) -> None:
    """Hash images with PDQ. Unreadable images go to OUT.rejects.jsonl (exit 3); the rest are written."""
    from countermark.images.batch import MissingPathError, discover, hash_files
    from countermark.images.hashing import DIHEDRAL_TRANSFORMS
    from countermark.listings.bundle import rejects_path_for, write_rejects
    from countermark.listings.records import Reject

    try:
        files = discover(paths)
    except MissingPathError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    rejects_path = rejects_path_for(out)
    rejects_path.unlink(missing_ok=True)
    rejects: list[Reject] = []
    written = 0
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle, progress() as bar:
        writer = csv.writer(handle)
        writer.writerow(["path", "pdq_hex", "quality", *(["transform"] if dihedral else [])])
        task = bar.add_task("hashing images", total=len(files))
        for result in hash_files(files, workers=workers, dihedral=dihedral):
            bar.advance(task)
            if not result.ok:
                rejects.append(Reject(result.path, 0, result.error or "unreadable", result.path))
                continue
            if dihedral:
                for pdq_hex, transform in zip(result.dihedral, DIHEDRAL_TRANSFORMS, strict=True):
                    writer.writerow([result.path, pdq_hex, result.quality, transform or ""])
            else:
                writer.writerow([result.path, result.pdq_hex, result.quality])
            written += 1
    tmp.replace(out)
    console.print(f"{written} of {len(files)} images hashed to {out}")
    if rejects:
        write_rejects(rejects_path, rejects)
        console.print(f"[yellow]{len(rejects)} images could not be hashed: see {rejects_path}[/]")
        raise typer.Exit(EXIT_REJECTS)



bank_app = typer.Typer(help="Hash banks: brand reference, known counterfeit and allow banks.", no_args_is_help=True)
images_app.add_typer(bank_app, name="bank")

ACTOR = "cli"


@bank_app.command("add")
def bank_add(
    name: str = typer.Argument(..., help="Bank name (brand-reference, known-counterfeit and allow are well known)"),
    paths: list[Path] = typer.Argument(None, help="Image files or directories to hash into the bank"),
    kind: str | None = typer.Option(None, "--kind", help="reference | counterfeit | allow (for a new bank)"),
    brand: str | None = typer.Option(None, "--brand", help="Brand the images belong to (reference banks)"),
    ref_id: list[str] = typer.Option(None, "--ref-id", help="Entry ids, one per image (default: file name stem)"),
    from_csv: Path | None = typer.Option(None, "--csv", help="Add hashes from a `images hash` CSV instead"),
    bundle: Path | None = typer.Option(None, "--bundle", help="Add every brand's reference and catalogue images"),
) -> None:
    """Add images (hashed now), hashes from a CSV, or a bundle's brand images to a bank (created if needed)."""
    from countermark.hashbanks import service
    from countermark.images.batch import MissingPathError, discover
    from countermark.images.scan import brand_image_refs
    from countermark.storage.engine import transaction

    try:
        files = discover(paths or [])
        if from_csv is None and bundle is None and not files:
            raise service.BankError("nothing to add: give image paths, --csv or --bundle")
        entries = _csv_entries(from_csv, brand) if from_csv is not None else []
        brands = _bundle_brands(bundle) if bundle is not None else []
    except (MissingPathError, service.BankError, OSError, ValueError) as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    with progress() as bar:
        task = bar.add_task("hashing images", total=len(files) + len(brand_image_refs(brands)))

        def tick() -> None:
            bar.advance(task)

        try:
            hashed, failed = service.hash_entries(files, ref_ids=ref_id or None, brand_id=brand, on_hashed=tick)
        except service.BankError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
        with database() as engine, transaction(engine) as session:
            try:
                report = service.add_entries(session, name, [*hashed, *entries], actor=ACTOR, kind=kind)
                if bundle is not None:
                    more = service.add_brand_references(session, brands, bundle, actor=ACTOR, bank_name=name,
                                                        on_hashed=tick)
                    report.added += more.added
                    report.skipped += more.skipped
            except service.BankError as e:
                raise fail(str(e), EXIT_UNREADABLE) from None
    report.skipped = failed + report.skipped
    console.print(f"{len(report.added)} hashes added to bank {name}")
    for item, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {item}: {reason}", highlight=False)
    if report.skipped:
        raise typer.Exit(EXIT_REJECTS)


def _csv_entries(path: Path, brand: str | None) -> list:
    from countermark.hashbanks.service import NewEntry

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"path", "pdq_hex", "quality"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected the columns path,pdq_hex,quality")
        return [NewEntry(Path(row["path"]).stem, row["pdq_hex"], int(row["quality"]), brand, None, row["path"])
                for row in reader if not row.get("transform")]


def _bundle_brands(root: Path) -> list:
    from countermark.listings.bundle import Bundle
    from countermark.listings.records import Brand

    return [b for b in Bundle.open(root).brands() if isinstance(b, Brand)]


@bank_app.command("list")
def bank_list(name: str | None = typer.Argument(None, help="Show this bank's entries instead of every bank")) -> None:
    """List banks with their sizes, or the entries of one bank."""
    from rich.table import Table

    from countermark.hashbanks import service
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        if name is None:
            table = Table("bank", "kind", "hashes", "description")
            for bank in service.list_banks(session):
                table.add_row(bank.name, bank.kind, str(bank.entries), bank.description)
        else:
            try:
                entries = service.list_entries(session, name)
            except service.BankError as e:
                raise fail(str(e), EXIT_UNREADABLE) from None
            table = Table("ref_id", "brand", "quality", "pdq_hex", "source")
            for e in entries:
                table.add_row(e.ref_id, e.brand_id or "", str(e.quality), e.pdq_hex, e.listing_id or e.source)
    stdout.print(table)


@bank_app.command("remove")
def bank_remove(
    name: str = typer.Argument(..., help="Bank name"),
    ref_ids: list[str] = typer.Argument(None, help="Entries to remove"),
    whole_bank: bool = typer.Option(False, "--whole-bank", help="Remove the bank and every hash in it"),
) -> None:
    """Remove entries from a bank, or (with --whole-bank and no entries) the bank itself."""
    from countermark.hashbanks import service
    from countermark.storage.engine import transaction

    if bool(ref_ids) == whole_bank:
        raise fail("give entry ref_ids to remove, or --whole-bank alone", EXIT_UNREADABLE)
    with database() as engine, transaction(engine) as session:
        try:
            if whole_bank:
                count = service.remove_bank(session, name, actor=ACTOR)
                message = f"bank {name} removed with its {count} hashes"
            else:
                count = service.remove_entries(session, name, ref_ids, actor=ACTOR)
                message = f"{count} of {len(ref_ids)} entries removed from bank {name}"
        except service.BankError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(message)


@images_app.command("match")
def match_command(
    paths: list[Path] = typer.Argument(..., help="Image files or directories"),
    bank: list[str] = typer.Option(None, "--bank", help="Bank to match against (repeatable; default: every bank)"),
    radius: int | None = typer.Option(None, "--radius", min=0, max=255, help="Hamming distance (default: settings)"),
    approximate: bool = typer.Option(False, "--approximate", help="Faster; may miss matches above distance 15"),
    dihedral: bool = typer.Option(True, "--dihedral/--no-dihedral", help="Also match rotated and mirrored copies"),
    out: Path | None = typer.Option(None, "--out", help="Write matches as JSON lines instead of a table"),
) -> None:
    """Match images against hash banks. Unreadable images are listed (OUT.rejects.jsonl with --out), exit 3."""
    import json
    from dataclasses import asdict

    from rich.table import Table

    from countermark.cli.common import settings
    from countermark.hashbanks import service
    from countermark.images.batch import MissingPathError, discover, hash_files
    from countermark.images.matcher import ImageMatcher
    from countermark.listings.bundle import rejects_path_for, write_rejects
    from countermark.listings.records import Reject
    from countermark.storage.engine import transaction

    try:
        files = discover(paths)
    except MissingPathError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    with database() as engine, transaction(engine) as session:
        try:
            entries = service.bank_entries(session, bank or None)
        except service.BankError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
    matcher = ImageMatcher(entries, radius=settings().image_match_distance if radius is None else radius,
                           approximate=approximate, dihedral=dihedral)
    rejects: list[Reject] = []
    matches = []
    with progress() as bar:
        task = bar.add_task("matching images", total=len(files))
        crops = "query" if matcher.matches_crops else None
        for path, result in zip(files, hash_files(files, dihedral=dihedral, crops=crops), strict=True):
            bar.advance(task)
            if not result.ok:
                rejects.append(Reject(result.path, 0, result.error or "unreadable", result.path))
            matches += matcher.match_result(str(path), result)
    if out is not None:
        rejects_path_for(out).unlink(missing_ok=True)
        with out.open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(asdict(m), ensure_ascii=False) + "\n" for m in matches)
        if rejects:
            write_rejects(rejects_path_for(out), rejects)
    else:
        table = Table("image", "bank", "kind", "brand", "ref_id", "distance", "transform")
        for m in matches:
            table.add_row(m.listing_image, m.bank, m.kind, m.brand_id or "", m.ref_id, str(m.distance),
                          m.transform or "")
        stdout.print(table)
    console.print(f"{len(files)} images, {len(matches)} matches against {len(matcher)} hashes")
    for reject in rejects:
        console.print(f"[yellow]unreadable[/] {reject.file}: {reject.reason}", highlight=False)
    if rejects:
        raise typer.Exit(EXIT_REJECTS)
