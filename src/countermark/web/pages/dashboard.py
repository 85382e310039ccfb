"""Dashboards: every figure comes from `countermark.reporting.metrics`, as in `countermark report metrics`."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from countermark.reporting import metrics
from countermark.web.api.metrics import dashboard_brand, period
from countermark.web.deps import CurrentPrincipal, SessionDep, allow_page
from countermark.web.pages.charts import bar_chart, line_chart
from countermark.web.pages.render import render
from countermark.web.policy import brand_filter
from countermark.web.problems import Problem
from countermark.web.roles import DASHBOARD_VIEWERS

router = APIRouter(include_in_schema=False)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as e:
        raise Problem(422, f"not a date (YYYY-MM-DD): {value[:40]!r}") from e


@router.get("/dashboard", dependencies=allow_page(*DASHBOARD_VIEWERS))
def dashboard(request: Request, db: SessionDep, principal: CurrentPrincipal, start: str = "", end: str = "",
              brand_id: str = "") -> Response:
    lo, hi = period(_day(start), _day(end))
    brand = dashboard_brand(principal, brand_id[:200] or None)
    figures = metrics.compute_metrics(db, lo, hi, brand)
    by_day = {p.bucket: p for p in metrics.time_series(db, lo, hi, brand_id=brand, by_brand=False)}
    days = [lo.date() + timedelta(days=n) for n in range((hi - lo).days)]
    counts = {day: (p.notices, p.flags, p.removals) if (p := by_day.get(day)) else (0, 0, 0) for day in days}
    over_time = line_chart("Notices, proactive flags and removals per day", [d.strftime("%m-%d") for d in days], {
        "notified listings": [counts[d][0] for d in days], "proactive flags": [counts[d][1] for d in days],
        "removals": [counts[d][2] for d in days]})
    per_brand = metrics.metrics_by_brand(db, lo, hi) if brand is None else {brand: figures}
    visible = brand_filter(principal)
    rows = [(b or "(no brand)", m) for b, m in per_brand.items() if visible is None or b in visible]
    takedown = bar_chart("Take-down rate per brand", [(b, m.takedown_rate or 0.0) for b, m in rows], percent=True)
    lanes = [(lane, t.p50_hours or 0.0) for lane, t in figures.time_to_action.items()]
    time_chart = bar_chart("Median hours to action by lane", lanes, unit=" h")
    return render(request, "dashboard.html", m=figures, rows=rows, over_time=over_time, takedown=takedown,
                  time_chart=time_chart, start=lo.date().isoformat(),
                  end=(hi - timedelta(days=1)).date().isoformat(), brand=brand,
                  brand_choices=sorted(visible) if visible is not None else None)
