"""Transparency report (DSA Art. 15 and 24 style) for a period: one self-contained HTML file with inline
SVG charts, the same figures as JSON, and CSV tables. Every number comes from `metrics` (and, when an
audit sample is named, `sampling.estimate_sample`), the functions the web dashboards also call.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from countermark.reporting import charts, metrics
from countermark.reporting.sampling import AuditReport, estimate_sample

METHOD_NOTES = (
    "All figures are computed from the enforcement records by countermark.reporting.metrics and count events "
    "that happened in the period (UTC): notices by receipt, actions by the first remove/reject decision, "
    "removals by the first removal, counter-notices by submission, storefront measures by imposition. "
    "Take-down rate = notified listings removed at first action / notified listings acted on. Time to action "
    "runs from receipt of the notice (or the proactive flag) to the first action; p50/p95 by linear "
    "interpolation. Proactive = removed on the platform's own detection with no earlier notice for the listing. "
    "'Before any sale' is a proxy (no sales data): removed within {hours:g} hours of the listing being posted."
)


@dataclass(frozen=True)
class TransparencyReport:
    generated_at: datetime
    period_start: datetime
    period_end: datetime
    bucket: metrics.Bucket
    overall: metrics.Metrics
    by_brand: dict[str, metrics.Metrics]
    series: list[metrics.SeriesPoint]  # marketplace-wide, every bucket of the period (zeros included)
    notifiers: list[metrics.NotifierAccuracy]
    prevalence: AuditReport | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "overall": self.overall.as_dict(),
            "by_brand": {brand: m.as_dict() for brand, m in self.by_brand.items()},
            "series": {"bucket": self.bucket, "points": [
                {**asdict(p), "bucket": p.bucket.isoformat()} for p in self.series
            ]},
            "notifiers": [public_notifier(n) for n in self.notifiers],
            "prevalence": self.prevalence.as_dict() if self.prevalence else None,
            "method": METHOD_NOTES.format(hours=self.overall.before_sale_hours),
        }


def public_notifier(row: metrics.NotifierAccuracy) -> dict[str, Any]:
    """A notifier's figures without its name: a public report carries no personal data (Art. 24(5) spirit)."""
    return {k: v for k, v in asdict(row).items() if k != "name"}


def _buckets(start: datetime, end: datetime, bucket: metrics.Bucket) -> list[date]:
    first = start.astimezone(UTC).date()
    if bucket == "week":
        first -= timedelta(days=first.weekday())
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    step = timedelta(days=7 if bucket == "week" else 1)
    days = []
    while first <= last:
        days.append(first)
        first += step
    return days


def build_report(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    bucket: metrics.Bucket = "week",
    audit_sample_id: int | None = None,
    generated_at: datetime | None = None,
) -> TransparencyReport:
    overall = metrics.compute_metrics(session, start, end)
    observed = {p.bucket: p for p in metrics.time_series(session, start, end, bucket=bucket, by_brand=False)}
    series = [observed.get(day, metrics.SeriesPoint(day, None, 0, 0, 0)) for day in _buckets(start, end, bucket)]
    return TransparencyReport(
        generated_at=generated_at or datetime.now(UTC),
        period_start=overall.period_start,
        period_end=overall.period_end,
        bucket=bucket,
        overall=overall,
        by_brand=metrics.metrics_by_brand(session, start, end),
        series=series,
        notifiers=metrics.notifier_accuracy(session, start, end),
        prevalence=estimate_sample(session, audit_sample_id) if audit_sample_id is not None else None,
    )


def _charts(report: TransparencyReport) -> dict[str, str]:
    m = report.overall
    labels = [p.bucket.isoformat() for p in report.series]
    lanes = list(m.time_to_action.values())
    notice_removals = m.removals - m.proactive_removals
    return {
        "activity": charts.line_chart(
            f"Notified listings, proactive flags and removals per {report.bucket}",
            labels,
            {"notified listings": [p.notices for p in report.series],
             "proactive flags": [p.flags for p in report.series],
             "removals": [p.removals for p in report.series]},
        ),
        "time_to_action": charts.bar_chart(
            "Time to action by lane (hours)",
            [t.lane for t in lanes],
            {"median (p50)": [t.p50_hours for t in lanes], "p95": [t.p95_hours for t in lanes]},
        ),
        "removals": charts.bar_chart(
            "Removals by what triggered them",
            ["removals"],
            {"proactive, no notice": [m.proactive_removals], "after a notice or flag": [notice_removals]},
        ),
    }


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} h"


def render_html(report: TransparencyReport) -> str:
    env = Environment(loader=PackageLoader("countermark.reporting"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["percent"] = _percent
    env.filters["hours"] = _hours
    return env.get_template("transparency.html.j2").render(
        report=report, m=report.overall, charts=_charts(report),
        method=METHOD_NOTES.format(hours=report.overall.before_sale_hours),
    )


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        if not rows:
            return
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_report(report: TransparencyReport, out_dir: Path) -> list[Path]:
    """transparency.html, transparency.json, metrics.csv (overall + one row per brand), series.csv,
    notifiers.csv. Each file is written beside itself first and renamed, so none is ever half-written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    metric_rows = [{"scope": "overall", **report.overall.as_row()}]
    metric_rows += [{"scope": f"brand:{brand}", **m.as_row()} for brand, m in report.by_brand.items()]
    writers = {
        "transparency.html": lambda p: p.write_text(render_html(report), encoding="utf-8"),
        "transparency.json": lambda p: p.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False),
                                                    encoding="utf-8"),
        "metrics.csv": lambda p: _write_csv(p, metric_rows),
        "series.csv": lambda p: _write_csv(p, [{**asdict(s), "bucket": s.bucket.isoformat()} for s in report.series]),
        "notifiers.csv": lambda p: _write_csv(p, [public_notifier(n) for n in report.notifiers]),
    }
    written = []
    for name, write in writers.items():
        target = out_dir / name
        part = out_dir / f".{name}.part"
        write(part)
        part.replace(target)
        written.append(target)
    return written
