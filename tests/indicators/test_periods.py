"""Periods on Asia/Shanghai's calendar: ISO weeks across years, months, quarters, local-midnight edges."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analysis.periods import (
    Period,
    PeriodKind,
    bucket_label,
    last_complete,
    parse_period,
    period_of,
    recent,
    trend_weeks,
)

TZ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def test_the_last_local_second_of_march_is_q1_and_local_midnight_is_q2():
    before = local(2026, 3, 31, 23, 59, 59)
    assert period_of(PeriodKind.quarter, before, TZ).key == "2026-Q1"
    assert period_of(PeriodKind.month, before, TZ).key == "2026-03"
    midnight = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 April local
    assert period_of(PeriodKind.quarter, midnight, TZ).key == "2026-Q2"
    assert period_of(PeriodKind.month, midnight, TZ).key == "2026-04"
    assert period_of(PeriodKind.quarter, midnight - timedelta(microseconds=1), TZ).key == "2026-Q1"
    q2 = parse_period("2026-Q2")
    assert q2.start_at(TZ) == midnight
    assert q2.end_at(TZ) == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert q2.contains(midnight, TZ) and not q2.contains(before, TZ)


@pytest.mark.parametrize(
    ("moment", "key", "start", "end"),
    [
        (local(2026, 11, 25, 12), "2026-W48", date(2026, 11, 23), date(2026, 11, 30)),
        # 2026 has 53 ISO weeks; 1 January 2027 (a Friday) is in 2026's week 53.
        (local(2027, 1, 1, 9), "2026-W53", date(2026, 12, 28), date(2027, 1, 4)),
        (local(2027, 1, 4, 0), "2027-W01", date(2027, 1, 4), date(2027, 1, 11)),
        # 29 December 2025 (a Monday) starts 2026's week 1.
        (local(2025, 12, 31, 23, 59), "2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
        # Sunday 23:59 local is the same week; UTC says Sunday 15:59.
        (local(2026, 11, 29, 23, 59, 59), "2026-W48", date(2026, 11, 23), date(2026, 11, 30)),
        (datetime(2026, 11, 29, 16, 0, tzinfo=UTC), "2026-W49", date(2026, 11, 30), date(2026, 12, 7)),
    ],
)
def test_iso_weeks_run_monday_to_sunday_across_year_ends(moment, key, start, end):
    week = period_of(PeriodKind.week, moment, TZ)
    assert (week.key, week.start, week.end) == (key, start, end)
    assert week.start.weekday() == 0 and week.days == 7
    assert parse_period(key) == week


def test_keys_labels_and_neighbours():
    assert parse_period("2026-W48").label == "2026年第48周（11月23日—11月29日）"
    assert parse_period("2026-W53").label == "2026年第53周（12月28日—2027年1月3日）"
    assert parse_period("2026-11").label == "2026年11月"
    assert parse_period("2026-Q4").label == "2026年第四季度"
    assert parse_period("2026-Q1").label == "2026年第一季度"
    assert parse_period("2026-12").next().key == "2027-01"
    assert parse_period("2026-01").previous().key == "2025-12"
    assert parse_period("2026-Q1").previous().key == "2025-Q4"
    assert parse_period("2027-W01").previous().key == "2026-W53"
    assert parse_period("2026-W53").next().key == "2027-W01"
    assert parse_period("2024-02").days == 29
    assert parse_period("2026-Q3").days == 92


@pytest.mark.parametrize(
    "key",
    ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "2025-W53", "2026-W00", "26-11", "", "2026/11", "1999-01"],
)
def test_bad_keys_are_refused_in_chinese(key):
    with pytest.raises(ValueError) as exc:
        parse_period(key)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))


def test_last_complete_is_what_the_monday_and_first_of_month_jobs_report_on():
    monday_morning = local(2026, 11, 30, 1, 0)
    assert last_complete(PeriodKind.week, monday_morning, TZ).key == "2026-W48"
    assert last_complete(PeriodKind.month, local(2026, 12, 1, 0, 30), TZ).key == "2026-11"
    assert last_complete(PeriodKind.quarter, local(2026, 10, 1, 8), TZ).key == "2026-Q3"
    # 1 December 00:30 local is still 30 November in UTC: the local calendar decides.
    assert last_complete(PeriodKind.month, datetime(2026, 11, 30, 16, 30, tzinfo=UTC), TZ).key == "2026-11"
    keys = [p.key for p in recent(PeriodKind.month, local(2026, 2, 10, 8), TZ, 4)]
    assert keys == ["2026-02", "2026-01", "2025-12", "2025-11"]


def test_trend_buckets_cover_the_period_exactly():
    month = parse_period("2026-11")
    buckets = trend_weeks(month)
    assert buckets[0].start == month.start and buckets[-1].end == month.end
    assert all(a.end == b.start for a, b in itertools.pairwise(buckets))
    assert sum(b.days for b in buckets) == 30
    assert bucket_label(buckets[0]) == "11月1日—11月1日"  # 1 November 2026 is a Sunday
    assert bucket_label(buckets[1]) == "11月2日—11月8日"
    weeks = trend_weeks(parse_period("2026-W48"))
    assert len(weeks) == 8 and weeks[-1].key == "2026-W48" and weeks[0].key == "2026-W41"
    quarter = trend_weeks(parse_period("2026-Q4"))
    assert sum(b.days for b in quarter) == 92


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        period_of(PeriodKind.month, datetime(2026, 1, 1), TZ)
    assert isinstance(parse_period("2026-11"), Period)
