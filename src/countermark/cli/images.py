"""Commands of countermark.images: hash image files, manage hash banks, match images against banks."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, fail, progress

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

