"""Commands of countermark.enforcement: audit log, notices, review queue, decisions, counter-notices,
strikes, sanctions and the expedited lane."""

from __future__ import annotations

from pathlib import Path

import typer

from countermark.cli.app import EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, progress
from countermark.storage.engine import transaction

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

EXIT_BROKEN_CHAIN = 1


@audit_app.command("export")
def audit_export(out: Path = typer.Option(..., "--out", help="JSON lines file to write")) -> None:
    """Write the whole audit log, in chain order, as JSON lines."""
    from countermark.enforcement import audit

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

    if file is not None:
        if not file.is_file():
            raise fail(f"{file}: no such file", EXIT_UNREADABLE)
        try:
            entries = list(audit.read_jsonl(file))
        except (audit.UnreadableExport, UnicodeDecodeError) as e:
            raise fail(str(e), EXIT_UNREADABLE) from e
        _report(audit.find_break(entries), len(entries), where=f"{file} line ")
        return
    with database() as engine, transaction(engine) as session:
        entries = list(audit.stored_entries(session))
        _report(audit.find_break(entries), len(entries), where="position ")


def _report(broken, count: int, where: str) -> None:  # noqa: ANN001 (audit.Break | None)
    if broken is None:
        console.print(f"audit chain intact: {count} entries")
        return
    raise fail(f"audit chain broken at entry seq={broken.seq} ({where}{broken.index + 1}): {broken.reason}",
               EXIT_BROKEN_CHAIN)
