"""Dashboard figures: computed by the same `countermark.reporting` functions as `countermark report`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from countermark.accounts.service import Principal
from countermark.reporting import metrics
from countermark.web.deps import CurrentPrincipal, SessionDep, allow
from countermark.web.policy import brand_filter, check_brand
from countermark.web.problems import Problem, not_found
from countermark.web.roles import DASHBOARD_VIEWERS

router = APIRouter(tags=["metrics"])

From = Annotated[date | None, Query(alias="from", description="First day (inclusive); default 30 days ago")]
To = Annotated[date | None, Query(alias="to", description="Last day (inclusive); default today")]
BrandParam = Annotated[str | None, Query(max_length=200, description="One brand; brand users see only theirs")]


class SeriesPointOut(BaseModel):
    bucket: date
    brand_id: str | None
    notices: int
    flags: int
    removals: int


def period(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=29)
    if start > end:
        raise Problem(422, "from is after to")
    if (end - start).days > 3660:
        raise Problem(422, "the period is longer than ten years")
    return metrics.period_bounds(start, end)


def dashboard_brand(principal: Principal, brand_id: str | None) -> str | None:
    """Brand users always get one of their brands (their first by default); platform roles may see all."""
    visible = brand_filter(principal)
    if visible is None:
        return brand_id
    if brand_id is None:
        if not visible:
            raise not_found("brand")
        return sorted(visible)[0]
    check_brand(principal, brand_id, "brand")
    return brand_id


@router.get("/metrics", dependencies=allow(*DASHBOARD_VIEWERS))
def get_metrics(db: SessionDep, principal: CurrentPrincipal, start: From = None, end: To = None,
                brand_id: BrandParam = None) -> dict[str, Any]:
    """Notices, take-down rate, time to action by lane, proactive share, counter-notices, sanctions."""
    lo, hi = period(start, end)
    return metrics.compute_metrics(db, lo, hi, dashboard_brand(principal, brand_id)).as_dict()


@router.get("/metrics/series", response_model=list[SeriesPointOut], dependencies=allow(*DASHBOARD_VIEWERS))
def get_series(db: SessionDep, principal: CurrentPrincipal, start: From = None, end: To = None,
               brand_id: BrandParam = None, bucket: Literal["day", "week"] = "day") -> list[SeriesPointOut]:
    """Notified listings, proactive flags and removals per day or week (per brand)."""
    lo, hi = period(start, end)
    brand = dashboard_brand(principal, brand_id)
    points = metrics.time_series(db, lo, hi, bucket=bucket, brand_id=brand, by_brand=brand is None)
    return [SeriesPointOut(bucket=p.bucket, brand_id=p.brand_id, notices=p.notices, flags=p.flags,
                           removals=p.removals) for p in points]
