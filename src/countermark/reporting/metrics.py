"""Enforcement metrics over a period, overall and per brand, as SQL aggregations over enforcement's tables.

Every figure is event-based so a closed period always gives the same answer (decisions and counter-notices
are append-only): a metric counts what *happened* in [start, end), in UTC. Definitions (also in
docs/reporting.md):

* notices received: notices with `received_at` in the period; notified listings: their review items.
* first action: an item's earliest decision that is `remove` or `reject` (requests for information are not
  actions). Take-down rate = notice items whose first action in the period was a removal / notice items
  with a first action in the period.
* time to action: first action time minus the item's `created_at` (notice received / flag raised), in
  hours; p50 and p95 per lane (expedited, normal, proactive) by linear interpolation (percentile_cont).
* removals: `remove` decisions in the period, one per listing and instant (enforcement closes a removed
  listing's other open items with simultaneous `remove` decisions). Proactive = no notice named the listing
  before the removal (so the removal came from the platform's own detection). Before any sale (proxy, no
  sales data): removed within `before_sale_hours` (24) of the listing being posted (its `created_at`).
* counter-notices: submitted in the period, by status; rate = counter-notices / removals in the period.
* storefronts: seller suspensions and bans imposed in the period (per brand: sellers with a strike on an
  item of that brand); reopenings caught: sellers sanctioned in the period because they are linked to a
  banned account (`evidence.linked_to`) and, marketplace-wide, sellers held by network's ban-evasion
  screening in the period (holds not dismissed), each seller once.
* notifier accuracy: per notifier, upheld / first actions on their notice items in the period, manifestly
  unfounded decisions, counter-notices against their removals and how many succeeded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from countermark.enforcement.models import CounterNotice, Decision, Notice, Notifier, ReviewItem, Sanction, Strike
from countermark.listings.models import Listing
from countermark.network.models import BanEvasionFlag

LANES = ("expedited", "normal", "proactive")
COUNTER_NOTICE_STATUSES = ("open", "restored", "legal_action", "upheld", "reversed")
Bucket = Literal["day", "week"]


# --- portable SQL pieces -------------------------------------------------------------------------------


class seconds_between(FunctionElement):  # lower case: used like a SQL function
    """later - earlier in seconds, for timestamp expressions (or ISO strings on SQLite)."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


class posted_at(FunctionElement):
    """A listing's `created_at` (ISO-8601 text as given) as a timestamp; NULL when empty."""

    type = DateTime(timezone=True)
    inherit_cache = True


@compiles(posted_at)
def _posted_at_sqlite(element, compiler, **kw):
    return f"NULLIF({compiler.process(list(element.clauses)[0], **kw)}, '')"


@compiles(posted_at, "postgresql")
def _posted_at_pg(element, compiler, **kw):
    return f"CAST(NULLIF({compiler.process(list(element.clauses)[0], **kw)}, '') AS TIMESTAMPTZ)"


class day_start(FunctionElement):
    """The UTC day a timestamp falls in, as YYYY-MM-DD."""

    type = String()
    inherit_cache = True


class week_start(FunctionElement):
    """The Monday of the ISO week a timestamp falls in, as YYYY-MM-DD."""

    type = String()
    inherit_cache = True


@compiles(day_start)
def _day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"


@compiles(week_start)
def _week_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, 'weekday 0', '-6 days')"


@compiles(day_start, "postgresql")
def _day_pg(element, compiler, **kw):
    return f"to_char(({compiler.process(list(element.clauses)[0], **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(week_start, "postgresql")
def _week_pg(element, compiler, **kw):
    moment = compiler.process(list(element.clauses)[0], **kw)
    return f"to_char(date_trunc('week', ({moment}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def bucket_start(moment: Any, bucket: Bucket) -> FunctionElement:
    return week_start(moment) if bucket == "week" else day_start(moment)


def _utc(moment: datetime) -> datetime:
    """Aware UTC (naive input is taken as UTC); SQLite stores the wall clock, so this must be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive_if_sqlite(session: Session, moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else moment


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaneTimes:
    lane: str
    actions: int
    p50_hours: float | None
    p95_hours: float | None


@dataclass(slots=True)
class Metrics:
    """Every headline figure for one period and scope (one brand, or all brands when brand_id is None)."""

    period_start: datetime
    period_end: datetime
    brand_id: str | None = None
    notices_received: int = 0
    notified_listings: int = 0
    notice_actions: int = 0  # notice items with a first action in the period
    notice_upheld: int = 0  # ... that were removals
    takedown_rate: float | None = None
    time_to_action: dict[str, LaneTimes] = field(default_factory=dict)
    flags_raised: int = 0  # proactive review items created
    removals: int = 0
    removals_automated: int = 0
    proactive_removals: int = 0  # proactive item, no notice for the listing before the removal
    proactive_share: float | None = None
    removed_before_sale: int = 0  # proxy: within `before_sale_hours` of posting
    before_sale_share: float | None = None
    before_sale_hours: float = 24.0
    counter_notices: int = 0
    counter_notice_rate: float | None = None
    counter_notice_outcomes: dict[str, int] = field(default_factory=dict)
    counter_notices_successful: int = 0
    storefronts_suspended: int = 0
    storefronts_banned: int = 0
    reopenings_caught: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["period_start"] = self.period_start.isoformat()
        data["period_end"] = self.period_end.isoformat()
        return data

    def as_row(self) -> dict[str, Any]:
        """One flat row (CSV): nested figures spread into their own columns."""
        row = {k: v for k, v in self.as_dict().items() if k not in ("time_to_action", "counter_notice_outcomes")}
        for lane in LANES:
            times = self.time_to_action.get(lane)
            row[f"tta_{lane}_actions"] = times.actions if times else 0
            row[f"tta_{lane}_p50_hours"] = times.p50_hours if times else None
            row[f"tta_{lane}_p95_hours"] = times.p95_hours if times else None
        for status in COUNTER_NOTICE_STATUSES:
            row[f"counter_notices_{status}"] = self.counter_notice_outcomes.get(status, 0)
        return row


@dataclass(frozen=True, slots=True)
class NotifierAccuracy:
    notifier_id: str
    name: str
    expedited: bool
    actions: int
    upheld: int
    accuracy: float | None
    manifestly_unfounded: int
    counter_notices: int
    counter_notices_successful: int


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    bucket: date  # first day of the day/week
    brand_id: str | None
    notices: int  # notified listings
    flags: int  # proactive flags raised
    removals: int


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


# --- queries -------------------------------------------------------------------------------------------


class _Scope:
    """Period bounds as bound for this database, and the optional brand filter / grouping."""

    def __init__(self, session: Session, start: datetime, end: datetime, brand_id: str | None, by_brand: bool):
        self.session = session
        self.start = _naive_if_sqlite(session, _utc(start))
        self.end = _naive_if_sqlite(session, _utc(end))
        self.brand_id = brand_id
        self.by_brand = by_brand

    def during(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)

    def brand(self, column: Any) -> Any:
        """The brand key column: the brand when grouping by brand, else NULL."""
        return (column if self.by_brand else null()).label("brand")

    def group(self, brand_column: Any, *others: Any) -> list[Any]:
        return [brand_column, *others] if self.by_brand else list(others)

    def with_item_brand(self, query: Select, item_id: Any) -> Select:
        """Join the review item for its brand, only when the brand matters (the overall figures skip the join)."""
        if not self.by_brand and self.brand_id is None:
            return query
        return self.filtered(query.join(ReviewItem, ReviewItem.id == item_id), ReviewItem.brand_id)

    def filtered(self, query: Select, column: Any) -> Select:
        return query.where(column == self.brand_id) if self.brand_id is not None else query

    def rows(self, query: Select) -> Iterable[Any]:
        return self.session.execute(query)


def _first_actions(scope: _Scope) -> Any:
    """Items whose first remove/reject decision lies in the period, with that time and whether it removed."""
    first_at = func.min(Decision.decided_at)
    removed_at = func.min(case((Decision.action == "remove", Decision.decided_at)))
    return (
        select(Decision.review_item_id.label("item_id"), first_at.label("first_at"), removed_at.label("removed_at"))
        .where(Decision.action.in_(("remove", "reject")), Decision.decided_at < scope.end)
        .group_by(Decision.review_item_id)
        .having(first_at >= scope.start)
        .subquery("first_actions")
    )


def _removal_events(scope: _Scope) -> Any:
    """Removals in the period, one per listing and moment: enforcement closes every other open item of a
    removed listing with a `remove` decision at the same instant, and those are one removal, not several.
    Automated only when every decision of the event was (the duplicates are always marked automated)."""
    automated = func.min(case((Decision.automated, 1), else_=0))
    query = scope.with_item_brand(
        select(Decision.listing_id.label("listing_id"), Decision.decided_at.label("removed_at"),
               scope.brand(ReviewItem.brand_id), automated.label("automated"))
        .where(Decision.action == "remove", scope.during(Decision.decided_at)),
        Decision.review_item_id,
    ).group_by(*scope.group(ReviewItem.brand_id, Decision.listing_id, Decision.decided_at))
    return query.subquery("removals")


def _notice_counts(scope: _Scope, out: dict[str | None, Metrics]) -> None:
    notices = scope.filtered(
        select(scope.brand(Notice.brand_id), func.count()).where(scope.during(Notice.received_at)), Notice.brand_id
    ).group_by(*scope.group(Notice.brand_id))
    for brand, count in scope.rows(notices):
        out[brand].notices_received = count
    items = scope.filtered(
        select(scope.brand(ReviewItem.brand_id), ReviewItem.source, func.count())
        .where(scope.during(ReviewItem.created_at)),
        ReviewItem.brand_id,
    ).group_by(*scope.group(ReviewItem.brand_id, ReviewItem.source))
    for brand, source, count in scope.rows(items):
        if source == "notice":
            out[brand].notified_listings = count
        else:
            out[brand].flags_raised = count


def _actions(scope: _Scope, out: dict[str | None, Metrics]) -> None:
    first = _first_actions(scope)
    hours = seconds_between(first.c.first_at, ReviewItem.created_at) / 3600.0
    upheld = func.sum(case((first.c.removed_at == first.c.first_at, 1), else_=0))
    base = scope.filtered(
        select(scope.brand(ReviewItem.brand_id), ReviewItem.source, ReviewItem.lane)
        .join(first, first.c.item_id == ReviewItem.id),
        ReviewItem.brand_id,
    )
    postgres = scope.session.get_bind().dialect.name == "postgresql"
    if postgres:
        query = base.add_columns(
            func.count(), upheld,
            func.percentile_cont(0.5).within_group(hours), func.percentile_cont(0.95).within_group(hours),
        ).group_by(*scope.group(ReviewItem.brand_id, ReviewItem.source, ReviewItem.lane))
        for brand, source, lane, count, n_upheld, p50, p95 in scope.rows(query):
            _add_actions(out[brand], source, lane, count, int(n_upheld or 0), p50, p95)
        return
    # No ordered-set aggregates elsewhere (SQLite): stream the durations, same interpolation in Python.
    durations: dict[tuple, list[float]] = defaultdict(list)
    upheld_counts: dict[tuple, int] = defaultdict(int)
    query = base.add_columns(hours, first.c.removed_at == first.c.first_at)
    for brand, source, lane, value, was_removal in scope.rows(query):
        durations[(brand, source, lane)].append(value)
        upheld_counts[(brand, source, lane)] += bool(was_removal)
    for (brand, source, lane), values in durations.items():
        values.sort()
        _add_actions(out[brand], source, lane, len(values), upheld_counts[(brand, source, lane)],
                     percentile(values, 0.5), percentile(values, 0.95))


def _add_actions(metrics: Metrics, source: str, lane: str, count: int, upheld: int, p50: Any, p95: Any) -> None:
    if source == "notice":
        metrics.notice_actions += count
        metrics.notice_upheld += upheld
    metrics.time_to_action[lane] = LaneTimes(
        lane, count, None if p50 is None else round(float(p50), 4), None if p95 is None else round(float(p95), 4)
    )


def _removals(scope: _Scope, out: dict[str | None, Metrics], before_sale_hours: float) -> None:
    removed = _removal_events(scope)
    since_posting = seconds_between(removed.c.removed_at, posted_at(Listing.created_at))
    totals = (
        select(
            removed.c.brand,
            func.count(),
            func.sum(removed.c.automated),
            func.sum(case((since_posting <= before_sale_hours * 3600.0, 1), else_=0)),
        )
        .select_from(removed)
        .join(Listing, Listing.listing_id == removed.c.listing_id)
        .group_by(removed.c.brand)  # a constant NULL unless grouping by brand
    )
    for brand, count, automated, before_sale in scope.rows(totals):
        if count:  # (an aggregate over no rows gives one row of zeros / NULLs)
            m = out[brand]
            m.removals, m.removals_automated, m.removed_before_sale = count, int(automated or 0), int(before_sale or 0)
    # Its own statement so that NOT EXISTS becomes an anti-join the planner can run as a hash join over a
    # year of removals or as index probes over a day's.
    noticed_before = exists().where(
        ReviewItem.listing_id == removed.c.listing_id,
        ReviewItem.source == "notice",
        ReviewItem.created_at <= removed.c.removed_at,
    )
    proactive = select(removed.c.brand, func.count()).where(~noticed_before).group_by(removed.c.brand)
    for brand, count in scope.rows(proactive):
        out[brand].proactive_removals = count


def _counter_notices(scope: _Scope, out: dict[str | None, Metrics]) -> None:
    query = scope.with_item_brand(
        select(
            scope.brand(ReviewItem.brand_id), CounterNotice.status, func.count(),
            func.sum(case((CounterNotice.successful.is_(True), 1), else_=0)),
        ).where(scope.during(CounterNotice.submitted_at)),
        CounterNotice.review_item_id,
    ).group_by(*scope.group(ReviewItem.brand_id, CounterNotice.status))
    for brand, status, count, successful in scope.rows(query):
        m = out[brand]
        m.counter_notices += count
        m.counter_notice_outcomes[status] = count
        m.counter_notices_successful += int(successful or 0)


def _storefronts(scope: _Scope, out: dict[str | None, Metrics]) -> None:
    linked = func.coalesce(Sanction.evidence["linked_to"].as_string(), "") != ""
    counts = [
        func.sum(case((Sanction.kind == "suspension", 1), else_=0)),
        func.sum(case((Sanction.kind == "ban", 1), else_=0)),
        func.sum(case((linked, 1), else_=0)),
    ]
    conditions = (
        Sanction.subject_kind == "seller", Sanction.kind.in_(("suspension", "ban")), scope.during(Sanction.at)
    )
    if scope.by_brand or scope.brand_id is not None:
        # A storefront counts for a brand when it holds a strike for an item of that brand.
        struck = (
            select(Strike.seller_id.label("seller_id"), ReviewItem.brand_id.label("brand_id"))
            .join(Decision, Decision.id == Strike.decision_id)
            .join(ReviewItem, ReviewItem.id == Decision.review_item_id)
            .distinct()
            .subquery("struck")
        )
        query = scope.filtered(
            select(scope.brand(struck.c.brand_id), *counts)
            .join(struck, struck.c.seller_id == Sanction.subject_id)
            .where(*conditions),
            struck.c.brand_id,
        ).group_by(*scope.group(struck.c.brand_id))
    else:  # reopenings are counted by _reopenings_overall
        query = select(null().label("brand"), *counts[:2], literal(0)).where(*conditions)
    for brand, suspended, banned, reopened in scope.rows(query):
        if suspended is None:  # aggregate over no rows
            continue
        m = out[brand]
        m.storefronts_suspended, m.storefronts_banned, m.reopenings_caught = int(suspended), int(banned), int(reopened)


def _reopenings_overall(scope: _Scope, out: dict[str | None, Metrics]) -> None:
    """Marketplace-wide, a caught reopening is also a network ban-evasion hold (not dismissed) raised in the
    period; a seller caught both ways counts once. Holds carry no brand, so per-brand figures omit them."""
    sanctioned = select(Sanction.subject_id.label("seller_id")).where(
        Sanction.subject_kind == "seller", Sanction.kind.in_(("suspension", "ban")), scope.during(Sanction.at),
        func.coalesce(Sanction.evidence["linked_to"].as_string(), "") != "",
    )
    held = select(BanEvasionFlag.seller_id).where(
        scope.during(BanEvasionFlag.flagged_at), BanEvasionFlag.status != "dismissed"
    )
    caught = scope.session.scalar(select(func.count()).select_from(union(sanctioned, held).subquery()))
    if caught:
        out[None].reopenings_caught = caught


def _finish(m: Metrics) -> Metrics:
    m.takedown_rate = _ratio(m.notice_upheld, m.notice_actions)
    m.proactive_share = _ratio(m.proactive_removals, m.removals)
    m.before_sale_share = _ratio(m.removed_before_sale, m.removals)
    m.counter_notice_rate = _ratio(m.counter_notices, m.removals)
    m.time_to_action = {lane: m.time_to_action[lane] for lane in LANES if lane in m.time_to_action}
    return m


def _compute(
    session: Session, start: datetime, end: datetime, brand_id: str | None, by_brand: bool, before_sale_hours: float
) -> dict[str | None, Metrics]:
    if _utc(end) <= _utc(start):
        raise ValueError(f"the period is empty: {start.isoformat()} to {end.isoformat()}")
    scope = _Scope(session, start, end, brand_id, by_brand)
    out: dict[str | None, Metrics] = defaultdict(
        lambda: Metrics(_utc(start), _utc(end), brand_id, before_sale_hours=before_sale_hours)
    )
    _notice_counts(scope, out)
    _actions(scope, out)
    _removals(scope, out, before_sale_hours)
    _counter_notices(scope, out)
    _storefronts(scope, out)
    if not by_brand and brand_id is None:
        _reopenings_overall(scope, out)
    for brand, m in out.items():
        m.brand_id = brand if by_brand else brand_id
    return {brand: _finish(m) for brand, m in out.items()}


# --- public API (CLI, transparency report, web dashboards) ---------------------------------------------


def compute_metrics(
    session: Session, start: datetime, end: datetime, brand_id: str | None = None, *, before_sale_hours: float = 24.0
) -> Metrics:
    """All headline metrics for [start, end), for one brand or (brand_id None) the whole marketplace."""
    result = _compute(session, start, end, brand_id, False, before_sale_hours)
    return result.get(None) or Metrics(_utc(start), _utc(end), brand_id, before_sale_hours=before_sale_hours)


def metrics_by_brand(
    session: Session, start: datetime, end: datetime, *, before_sale_hours: float = 24.0
) -> dict[str, Metrics]:
    """The same metrics for every brand with activity in [start, end), in one grouped pass per metric.

    Items without a brand (proactive flags the engine could not attribute) appear under the key "".
    """
    result = _compute(session, start, end, None, True, before_sale_hours)
    return {brand or "": m for brand, m in sorted(result.items(), key=lambda kv: kv[0] or "")}


def notifier_accuracy(session: Session, start: datetime, end: datetime, brand_id: str | None = None
                      ) -> list[NotifierAccuracy]:
    """Per notifier: how many of their notified listings were removed at first action in [start, end)."""
    scope = _Scope(session, start, end, brand_id, False)
    first = _first_actions(scope)
    unfounded = (
        select(Decision.review_item_id.label("item_id")).where(Decision.manifestly_unfounded.is_(True)).distinct()
        .subquery("unfounded")
    )
    actions = scope.filtered(
        select(
            Notice.notifier_id, func.count(),
            func.sum(case((first.c.removed_at == first.c.first_at, 1), else_=0)),
            func.count(unfounded.c.item_id),
        )
        .select_from(ReviewItem)
        .join(first, first.c.item_id == ReviewItem.id)
        .join(Notice, Notice.id == ReviewItem.notice_id)
        .outerjoin(unfounded, unfounded.c.item_id == ReviewItem.id)
        .where(ReviewItem.source == "notice"),
        Notice.brand_id,
    ).group_by(Notice.notifier_id)
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for notifier_id, count, upheld, n_unfounded in scope.rows(actions):
        stats[notifier_id][:3] = [count, int(upheld or 0), int(n_unfounded or 0)]
    counters = scope.with_item_brand(
        select(CounterNotice.notifier_id, func.count(),
               func.sum(case((CounterNotice.successful.is_(True), 1), else_=0)))
        .where(CounterNotice.notifier_id.is_not(None), scope.during(CounterNotice.submitted_at)),
        CounterNotice.review_item_id,
    ).group_by(CounterNotice.notifier_id)
    for notifier_id, count, successful in scope.rows(counters):
        stats[notifier_id][3:] = [count, int(successful or 0)]
    names = dict(
        (row.notifier_id, (row.name, row.expedited))
        for row in session.execute(select(Notifier.notifier_id, Notifier.name, Notifier.expedited)
                                   .where(Notifier.notifier_id.in_(list(stats))))
    )
    return [
        NotifierAccuracy(notifier_id, *names.get(notifier_id, ("", False)), count, upheld, _ratio(upheld, count),
                         n_unfounded, counters_, successful)
        for notifier_id, (count, upheld, n_unfounded, counters_, successful) in sorted(stats.items())
    ]


def time_series(
    session: Session, start: datetime, end: datetime, *, bucket: Bucket = "day", brand_id: str | None = None,
    by_brand: bool = True,
) -> list[SeriesPoint]:
    """Notified listings, proactive flags and removals per day (or ISO week) and brand, for charts."""
    if bucket not in ("day", "week"):
        raise ValueError(f"bucket must be day or week, got {bucket!r}")
    scope = _Scope(session, start, end, brand_id, by_brand)
    counts: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    day_of_item = bucket_start(ReviewItem.created_at, bucket)
    items = scope.filtered(
        select(day_of_item, scope.brand(ReviewItem.brand_id), ReviewItem.source, func.count())
        .where(scope.during(ReviewItem.created_at)),
        ReviewItem.brand_id,
    ).group_by(*scope.group(ReviewItem.brand_id, day_of_item, ReviewItem.source))
    for day, brand, source, count in scope.rows(items):
        counts[(day, brand)][0 if source == "notice" else 1] += count
    removed = _removal_events(scope)
    day_of_removal = bucket_start(removed.c.removed_at, bucket)
    removals = select(day_of_removal, removed.c.brand, func.count()).group_by(removed.c.brand, day_of_removal)
    for day, brand, count in scope.rows(removals):
        counts[(day, brand)][2] += count
    return [
        SeriesPoint(date.fromisoformat(str(day)[:10]), brand, *values)
        for (day, brand), values in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in UTC: the CLI's --from/--to are inclusive days."""
    return (datetime(start.year, start.month, start.day, tzinfo=UTC),
            datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1))
