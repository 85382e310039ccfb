"""Every metric against hand-computed expectations (fixture: tests/reporting/enforcement_fixture.py)."""

from datetime import date

import pytest

from countermark.reporting.metrics import (
    LaneTimes,
    SeriesPoint,
    compute_metrics,
    metrics_by_brand,
    notifier_accuracy,
    percentile,
    period_bounds,
    time_series,
)
from countermark.storage.engine import transaction
from tests.reporting.enforcement_fixture import MARCH, at, build_march


@pytest.fixture
def march(engine):
    build_march(engine)
    return engine


def test_overall_metrics(march):
    with transaction(march) as s:
        m = compute_metrics(s, *MARCH)
    # Notices 1, 2, 4 were received in March (3 in February); their items 1-5 and 7.
    assert (m.notices_received, m.notified_listings, m.flags_raised) == (3, 6, 4)
    # First actions in March on notice items: 1, 2, 6 (remove), 3 (removed with L3's proactive removal), 4 (reject),
    # 5 (remove; request_info is not an action) -> 5 upheld of 6.
    assert (m.notice_actions, m.notice_upheld) == (6, 5)
    assert m.takedown_rate == pytest.approx(5 / 6)
    # expedited [0.5, 1.5, 216] h: p50 1.5; p95 at rank 1.9 = 1.5 + 0.9 * 214.5 = 194.55
    # normal [17, 48, 96]: p50 48, p95 = 48 + 0.9 * 48 = 91.2; proactive [2, 3, 6]: p50 3, p95 = 3 + 0.9 * 3 = 5.7
    assert m.time_to_action == {
        "expedited": LaneTimes("expedited", 3, 1.5, 194.55),
        "normal": LaneTimes("normal", 3, 48.0, 91.2),
        "proactive": LaneTimes("proactive", 3, 3.0, 5.7),
    }
    # Removals in March: L6 (item 6), L1, L2, L3 (items 13 and 3 at one instant: one removal), L8, L5 -> 6;
    # automated: L1, L2, L6 (L3's was a reviewer's; item 3's duplicate closure does not make it automated).
    # Proactive (no notice before): L8 only (L3 was notified the day before its proactive removal).
    # Within 24 h of posting: L1 (1.5 h) and L8 (7 h); L2 has no posting date.
    assert (m.removals, m.removals_automated, m.proactive_removals, m.removed_before_sale) == (6, 3, 1, 2)
    assert m.proactive_share == pytest.approx(1 / 6) and m.before_sale_share == pytest.approx(2 / 6)
    assert m.counter_notices == 3 and m.counter_notice_rate == pytest.approx(3 / 6)
    assert m.counter_notice_outcomes == {"restored": 1, "upheld": 1, "open": 1}
    assert m.counter_notices_successful == 1
    # S2 suspended and S3 banned in March (S1's suspension was in February; N2's warning is a notifier's).
    # Reopenings: S3 (banned as linked to S9) and S4 (held by ban-evasion screening; S1's hold was dismissed).
    assert (m.storefronts_suspended, m.storefronts_banned, m.reopenings_caught) == (1, 1, 2)


def test_per_brand_metrics_agree_with_the_brand_filter(march):
    with transaction(march) as s:
        by_brand = metrics_by_brand(s, *MARCH)
        b1, b2 = compute_metrics(s, *MARCH, brand_id="B1"), compute_metrics(s, *MARCH, brand_id="B2")
    assert set(by_brand) == {"", "B1", "B2"}
    assert by_brand["B1"] == b1 and by_brand["B2"] == b2
    assert (b1.notices_received, b1.notified_listings, b1.flags_raised) == (1, 2, 1)
    assert (b1.notice_actions, b1.notice_upheld, b1.takedown_rate) == (3, 3, 1.0)
    assert b1.time_to_action["expedited"] == LaneTimes("expedited", 3, 1.5, 194.55)
    assert b1.time_to_action["proactive"] == LaneTimes("proactive", 1, 6.0, 6.0)
    assert (b1.removals, b1.removals_automated, b1.proactive_removals, b1.removed_before_sale) == (4, 3, 1, 2)
    assert (b1.counter_notices, b1.counter_notice_outcomes) == (2, {"upheld": 1, "open": 1})
    assert (b1.storefronts_suspended, b1.storefronts_banned, b1.reopenings_caught) == (0, 1, 1)

    assert (b2.notices_received, b2.notified_listings, b2.flags_raised) == (2, 4, 2)
    assert (b2.notice_actions, b2.notice_upheld) == (3, 2)
    # proactive [2, 3]: p50 2.5, p95 = 2 + 0.95 * 1 = 2.95
    assert b2.time_to_action == {"normal": LaneTimes("normal", 3, 48.0, 91.2),
                                 "proactive": LaneTimes("proactive", 2, 2.5, 2.95)}
    assert (b2.removals, b2.proactive_removals, b2.removed_before_sale) == (2, 0, 0)
    assert (b2.counter_notices, b2.counter_notices_successful, b2.counter_notice_rate) == (1, 1, pytest.approx(1 / 2))
    assert (b2.storefronts_suspended, b2.storefronts_banned) == (1, 0)

    unbranded = by_brand[""]
    assert unbranded.flags_raised == 1 and unbranded.removals == 0 and unbranded.takedown_rate is None


def test_period_bounds_are_respected(march):
    with transaction(march) as s:
        early = compute_metrics(s, *period_bounds(date(2026, 3, 1), date(2026, 3, 2)))
        empty = compute_metrics(s, *period_bounds(date(2025, 1, 1), date(2025, 1, 31)))
    # 1-2 March: notice 1 (items 1, 2); removals of items 6 (1 March) and 1, 2 (2 March); counter-notice on item 6.
    assert (early.notices_received, early.notified_listings, early.removals, early.counter_notices) == (1, 2, 3, 1)
    assert early.time_to_action == {"expedited": LaneTimes("expedited", 3, 1.5, 194.55)}
    assert empty.removals == 0 and empty.takedown_rate is None and empty.time_to_action == {}
    with pytest.raises(ValueError, match="period is empty"), transaction(march) as s:
        compute_metrics(s, at(2), at(1))


def test_notifier_accuracy(march):
    with transaction(march) as s:
        rows = notifier_accuracy(s, *MARCH)
    n1, n2 = rows
    assert (n1.notifier_id, n1.name, n1.expedited) == ("N1", "Acme legal", True)
    assert (n1.actions, n1.upheld, n1.accuracy, n1.manifestly_unfounded) == (3, 3, 1.0, 0)
    assert (n1.counter_notices, n1.counter_notices_successful) == (1, 0)
    assert (n2.actions, n2.upheld, n2.accuracy, n2.manifestly_unfounded) == (3, 2, pytest.approx(2 / 3), 1)
    assert (n2.counter_notices, n2.counter_notices_successful) == (1, 1)


def test_daily_and_weekly_series(march):
    with transaction(march) as s:
        daily = time_series(s, *MARCH, bucket="day")
        weekly = time_series(s, *MARCH, bucket="week")
        b2_weekly = time_series(s, *MARCH, bucket="week", brand_id="B2", by_brand=False)
    d = date
    assert daily == [
        SeriesPoint(d(2026, 3, 1), "B1", 0, 0, 1),
        SeriesPoint(d(2026, 3, 2), "B1", 2, 0, 2),
        SeriesPoint(d(2026, 3, 3), "B2", 3, 0, 0),
        SeriesPoint(d(2026, 3, 4), "B2", 0, 1, 1),
        SeriesPoint(d(2026, 3, 5), "B1", 0, 1, 1),
        SeriesPoint(d(2026, 3, 6), "B2", 0, 1, 0),
        SeriesPoint(d(2026, 3, 7), "B2", 0, 0, 1),
        SeriesPoint(d(2026, 3, 10), None, 0, 1, 0),
        SeriesPoint(d(2026, 3, 30), "B2", 1, 0, 0),
    ]
    # Weeks start on Monday: 1 March (a Sunday) belongs to the week of 23 February.
    assert weekly == [
        SeriesPoint(d(2026, 2, 23), "B1", 0, 0, 1),
        SeriesPoint(d(2026, 3, 2), "B1", 2, 1, 3),
        SeriesPoint(d(2026, 3, 2), "B2", 3, 2, 2),
        SeriesPoint(d(2026, 3, 9), None, 0, 1, 0),
        SeriesPoint(d(2026, 3, 30), "B2", 1, 0, 0),
    ]
    assert b2_weekly == [SeriesPoint(d(2026, 3, 2), None, 3, 2, 2), SeriesPoint(d(2026, 3, 30), None, 1, 0, 0)]


def test_percentile_matches_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([0.0, 10.0], 0.95) == pytest.approx(9.5)


def test_csv_row_is_flat(march):
    with transaction(march) as s:
        row = compute_metrics(s, *MARCH).as_row()
    assert row["tta_normal_p95_hours"] == 91.2 and row["counter_notices_restored"] == 1
    assert row["counter_notices_reversed"] == 0
    assert all(not isinstance(v, dict | list) for v in row.values())
