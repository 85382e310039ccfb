"""Commands of countermark.reporting: `report metrics|transparency|sor-export`, `audit-sample draw|label|estimate`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, progress

if TYPE_CHECKING:
    from countermark.listings.records import Reject
    from countermark.reporting.sampling import LabelInput

report_app = typer.Typer(help="Enforcement metrics, transparency report, DSA statement-of-reasons export.",
                         no_args_is_help=True)
audit_sample_app = typer.Typer(help="Prevalence audit: sample active listings, label them, estimate the "
                                    "counterfeit share.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(audit_sample_app, name="audit-sample")

EXIT_BAD_REQUEST = 1
stdout = Console()  # results go to standard output; progress and messages to standard error


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class BucketOption(StrEnum):
    day = "day"
    week = "week"


class AllocationOption(StrEnum):
    proportional = "proportional"
    per_stratum = "per_stratum"


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date YYYY-MM-DD, got {value!r}", EXIT_BAD_REQUEST) from None


def _period(start: str, end: str) -> tuple[datetime, datetime]:
    from countermark.reporting.metrics import period_bounds

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise fail(f"--to {last} is before --from {first}", EXIT_BAD_REQUEST)
    return period_bounds(first, last)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"written to {out}")


def _csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _metrics_table(results: dict[str, object]) -> Table:
    table = Table(title="Enforcement metrics")
    table.add_column("metric")
    scopes = list(results)
    for scope in scopes:
        table.add_column(scope, justify="right")
    rows = [m.as_row() for m in results.values()]  # type: ignore[attr-defined]
    for key in rows[0]:
        if key in ("period_start", "period_end", "brand_id"):
            continue
        cells = []
        for row in rows:
            value = row[key]
            cells.append("" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value))
        table.add_row(key, *cells)
    return table


@report_app.command("metrics")
def report_metrics(
    start: str = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD, UTC)"),
    end: str = typer.Option(..., "--to", help="Last day of the period, inclusive"),
    brand: str | None = typer.Option(None, "--brand", help="Only this brand (brand_id)"),
    by_brand: bool = typer.Option(False, "--by-brand", help="Also one column/row per brand"),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv"),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of standard output"),
) -> None:
    """Notices, take-down rate, time to action, proactive share, counter-notices, storefront measures."""
    from countermark.reporting import metrics
    from countermark.storage.engine import transaction

    period = _period(start, end)
    with database() as engine, transaction(engine) as session:
        overall = metrics.compute_metrics(session, *period, brand_id=brand)
        results: dict[str, metrics.Metrics] = {"overall" if brand is None else f"brand:{brand}": overall}
        if by_brand and brand is None:
            results.update({f"brand:{b}": m for b, m in metrics.metrics_by_brand(session, *period).items()})
    if output_format is OutputFormat.json:
        _emit(json.dumps({scope: m.as_dict() for scope, m in results.items()}, indent=2) + "\n", out)
    elif output_format is OutputFormat.csv:
        _emit(_csv_text([{"scope": scope, **m.as_row()} for scope, m in results.items()]), out)
    elif out is not None:
        raise fail("--out needs --format json or csv", EXIT_BAD_REQUEST)
    else:
        stdout.print(_metrics_table(results))


@report_app.command("transparency")
def report_transparency(
    start: str = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD, UTC)"),
    end: str = typer.Option(..., "--to", help="Last day of the period, inclusive"),
    out: Path = typer.Option(..., "--out", help="Directory to write transparency.html/.json and CSV tables to"),
    bucket: BucketOption = typer.Option(BucketOption.week, "--bucket", help="Chart resolution: day or week"),
    audit_sample: int | None = typer.Option(None, "--audit-sample", help="Include this prevalence audit's estimate"),
) -> None:
    """Write the transparency report (self-contained HTML with charts, JSON, CSV)."""
    from countermark.reporting.sampling import AuditError
    from countermark.reporting.transparency import build_report, write_report
    from countermark.storage.engine import transaction

    period = _period(start, end)
    with database() as engine, transaction(engine) as session:
        try:
            report = build_report(session, *period, bucket=bucket.value, audit_sample_id=audit_sample)
        except AuditError as e:
            raise fail(str(e), EXIT_BAD_REQUEST) from e
    for path in write_report(report, out):
        console.print(f"wrote {path}")


@report_app.command("sor-export")
def report_sor_export(
    out: Path = typer.Option(..., "--out", help="JSON lines file: one Transparency Database statement per line"),
    start: str | None = typer.Option(None, "--from", help="Only statements issued from this day (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="... up to and including this day"),
    puid_prefix: str = typer.Option("cm", "--puid-prefix", help="Prefix of every PUID (keep it stable)"),
    territory: str | None = typer.Option(None, "--territory", help="Comma-separated EU/EEA country codes "
                                         "where restrictions apply (default: the 27 EU member states)"),
    terms_url: str | None = typer.Option(None, "--terms-url", help="URL of the terms clause on counterfeits"),
) -> None:
    """Export statements of reasons in the EU DSA Transparency Database submission schema."""
    from countermark.listings.bundle import rejects_path_for, write_rejects
    from countermark.listings.records import Reject
    from countermark.reporting import dsa
    from countermark.storage.engine import transaction

    config = dsa.SorExportConfig(puid_prefix=puid_prefix, terms_url=terms_url)
    if territory:
        config = dsa.SorExportConfig(
            puid_prefix=puid_prefix, terms_url=terms_url,
            territorial_scope=tuple(code.strip().upper() for code in territory.split(",") if code.strip()),
        )
    from countermark.reporting.metrics import period_bounds

    first = period_bounds(_day(start, "--from"), _day(start, "--from"))[0] if start else None
    last = period_bounds(_day(end, "--to"), _day(end, "--to"))[1] if end else None
    with database() as engine, transaction(engine) as session:
        written, problems = dsa.export_jsonl(session, out, config, first, last)
    console.print(f"{written} statements written to {out}")
    if problems:
        rejects = rejects_path_for(out)
        write_rejects(rejects, (Reject(str(out), 0, why, key) for key, why in problems))
        raise fail(f"{len(problems)} statements could not be exported; see {rejects}", EXIT_REJECTS)


# --- prevalence audit ----------------------------------------------------------------------------------


@audit_sample_app.command("draw")
def audit_sample_draw(
    margin: float = typer.Option(0.05, "--margin", help="Target margin of error of the overall share (0-1)"),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals"),
    allocation: AllocationOption = typer.Option(AllocationOption.proportional, "--allocation",
                                                help="proportional, or per_stratum (each category to the margin)"),
    min_per_stratum: int = typer.Option(2, "--min-per-stratum", help="Smallest sample of any category"),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (stored; default: random)"),
    name: str = typer.Option("", "--name", help="A label for this audit, e.g. 2026-Q1"),
    out: Path | None = typer.Option(None, "--out", help="Write the review worksheet (CSV) here"),
    actor: str = typer.Option("cli", "--actor", help="Who draws the sample (audit log actor)"),
) -> None:
    """Draw a stratified random sample of active listings (strata: categories)."""
    from countermark.reporting import sampling
    from countermark.storage.engine import transaction

    if not 0 < margin < 1 or not 0 < confidence < 1 or min_per_stratum < 1:
        raise fail("--margin and --confidence must be between 0 and 1, --min-per-stratum at least 1",
                   EXIT_BAD_REQUEST)
    with database() as engine, transaction(engine) as session, progress() as bar:
        bar.add_task("drawing the sample", total=None)
        try:
            summary = sampling.draw_sample(session, margin=margin, confidence=confidence,
                                           allocation=allocation.value, min_per_stratum=min_per_stratum,
                                           seed=seed, name=name, actor=actor)
        except sampling.AuditError as e:
            raise fail(str(e), EXIT_BAD_REQUEST) from e
        items = sampling.sample_items(session, summary.sample_id)
    table = Table(title=f"Audit sample {summary.sample_id} (seed {summary.seed})")
    table.add_column("category")
    table.add_column("sample", justify="right")
    for stratum, size in sorted(summary.sizes.items()):
        table.add_row(stratum, str(size))
    table.add_row("total", str(summary.total))
    console.print(table)
    if out is not None:
        rows = [{"position": i.position, "listing_id": i.listing_id, "category": i.stratum, "label": "",
                 "reviewer": "", "note": ""} for i in items]
        out.write_text(_csv_text(rows), encoding="utf-8")
        console.print(f"review worksheet: {out} (fill label with counterfeit or legitimate, and reviewer)")
    typer.echo(summary.sample_id)


def _read_label_file(path: Path, sample_items: set[str]) -> tuple[list[LabelInput], list[Reject]]:
    """(valid labels, rejects) from a CSV with columns listing_id,label,reviewer[,note]; blank labels skipped."""
    from countermark.listings.records import Reject
    from countermark.reporting.sampling import LabelInput, check_label

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise fail(f"{path}: cannot read ({e.__class__.__name__}: {e})", EXIT_UNREADABLE) from e
    reader = csv.DictReader(io.StringIO(text))
    missing = {"listing_id", "label", "reviewer"} - set(reader.fieldnames or ())
    if missing:
        raise fail(f"{path}: header lacks {', '.join(sorted(missing))}", EXIT_UNREADABLE)
    labels, rejects = [], []
    try:
        for row in reader:
            line = reader.line_num
            if not (row.get("label") or "").strip():
                continue  # not reviewed yet
            label = LabelInput((row["listing_id"] or "").strip(), row["label"].strip().lower(),
                               (row["reviewer"] or "").strip(), (row.get("note") or "").strip())
            problem = check_label(sample_items, label)
            if problem:
                rejects.append(Reject(str(path), line, problem, json.dumps(row, ensure_ascii=False)))
            else:
                labels.append(label)
    except csv.Error as e:
        raise fail(f"{path}:{reader.line_num}: not CSV ({e})", EXIT_UNREADABLE) from e
    return labels, rejects


@audit_sample_app.command("label")
def audit_sample_label(
    sample_id: int = typer.Argument(..., help="The audit sample"),
    file: Path | None = typer.Option(None, "--file", help="Review worksheet CSV: listing_id,label,reviewer[,note]"),
    listing: str | None = typer.Option(None, "--listing", help="Label one listing ..."),
    label: str | None = typer.Option(None, "--label", help="... as counterfeit or legitimate"),
    reviewer: str | None = typer.Option(None, "--reviewer", help="... by this reviewer"),
    note: str = typer.Option("", "--note"),
    actor: str = typer.Option("cli", "--actor", help="Who records the labels (audit log actor)"),
) -> None:
    """Record reviewers' labels; a bad row is reported (FILE.rejects.jsonl, exit 3), valid rows are kept."""
    from countermark.listings.bundle import rejects_path_for, write_rejects
    from countermark.reporting import sampling
    from countermark.storage.engine import transaction

    if (file is None) == (listing is None):
        raise fail("give either --file or --listing with --label and --reviewer", EXIT_BAD_REQUEST)
    with database() as engine, transaction(engine) as session:
        try:
            in_sample = {i.listing_id for i in sampling.sample_items(session, sample_id)}
            if file is not None:
                if not file.is_file():
                    raise fail(f"{file}: no such file", EXIT_UNREADABLE)
                labels, rejects = _read_label_file(file, in_sample)
            else:
                labels = [sampling.LabelInput(listing or "", (label or "").lower(), reviewer or "", note)]
                rejects = []
            count = sampling.record_labels(session, sample_id, labels, actor=actor)
        except sampling.AuditError as e:
            raise fail(str(e), EXIT_BAD_REQUEST) from e
    console.print(f"{count} labels recorded for audit sample {sample_id}")
    if rejects:
        path = rejects_path_for(file)  # type: ignore[arg-type]
        write_rejects(path, rejects)
        raise fail(f"{len(rejects)} rows rejected; see {path}", EXIT_REJECTS)


@audit_sample_app.command("estimate")
def audit_sample_estimate(
    sample_id: int = typer.Argument(..., help="The audit sample"),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv"),
) -> None:
    """Estimate the counterfeit share with confidence intervals, per category and overall, and state the method."""
    from countermark.reporting import sampling
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        try:
            report = sampling.estimate_sample(session, sample_id)
        except sampling.AuditError as e:
            raise fail(str(e), EXIT_BAD_REQUEST) from e
    e = report.estimate
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    if output_format is OutputFormat.csv:
        rows = [{"stratum": s.name, "population": s.population, "labelled": s.labelled, "counterfeit": s.counterfeit,
                 "share": s.share, "low": s.low, "high": s.high} for s in e.strata]
        rows.append({"stratum": "overall", "population": e.population, "labelled": e.labelled,
                     "counterfeit": "", "share": e.share, "low": e.low, "high": e.high})
        typer.echo(_csv_text(rows), nl=False)
        return
    table = Table(title=f"Audit sample {report.sample_id}: counterfeit share ({e.confidence:.0%} intervals)")
    for column in ("category", "active", "labelled", "counterfeit", "share", "interval"):
        table.add_column(column, justify="left" if column == "category" else "right")

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.1%}"

    for s in e.strata:
        table.add_row(s.name, str(s.population), str(s.labelled), str(s.counterfeit), pct(s.share),
                      f"{pct(s.low)} - {pct(s.high)}" if s.low is not None else "n/a")
    table.add_row("overall (stratified)", str(e.population), str(e.labelled), "", pct(e.share),
                  f"{pct(e.low)} - {pct(e.high)}")
    stdout.print(table)
    stdout.print(f"{report.unlabelled} of {report.sampled} sampled listings not labelled yet; "
                 f"{report.disputed} disputed (no majority) left out.")
    stdout.print(f"Method: {report.method}", highlight=False)
