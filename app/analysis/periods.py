"""Reporting periods on the county's calendar (Asia/Shanghai): ISO weeks, months, quarters. Pure.

A period is a run of local calendar days, `start` inclusive and `end` exclusive; its instants are the
local midnights at both ends, in UTC. A report belongs to the period in which it was submitted, on the
local calendar: 23:59:59 on 31 March local is Q1, the UTC instant 2026-03-31T16:00Z (00:00 on 1 April
local) is already Q2.

Keys: "2026-W48" (ISO week, Monday to Sunday; its year is the ISO year, so 2027-01-01 is "2026-W53"),
"2026-11" (month), "2026-Q4" (quarter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class PeriodKind(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"


KIND_LABELS = {PeriodKind.week: "周", PeriodKind.month: "月", PeriodKind.quarter: "季度"}
_QUARTER_NAMES = ("一", "二", "三", "四")
_BAD_KEY = "周期格式无效：应为“2026-W48”（周）、“2026-11”（月）或“2026-Q4”（季度）"
_KEY = re.compile(r"^(\d{4})-(?:W(\d{2})|(\d{2})|Q(\d))$")


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date  # first local day
    end: date  # the day after the last local day

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.month:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            last = self.end - timedelta(days=1)
            tail = f"{last.year}年{last.month}月{last.day}日" if last.year != self.start.year else _md(last)
            return f"{year}年第{week}周（{_md(self.start)}—{tail}）"
        if self.kind is PeriodKind.month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年第{_QUARTER_NAMES[(self.start.month - 1) // 3]}季度"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def start_at(self, tz: tzinfo) -> datetime:
        """Local midnight at the start, as an aware UTC datetime."""
        return local_midnight(self.start, tz)

    def end_at(self, tz: tzinfo) -> datetime:
        """Local midnight after the last day (exclusive), as an aware UTC datetime."""
        return local_midnight(self.end, tz)

    def contains(self, moment: datetime, tz: tzinfo) -> bool:
        return self.start <= moment.astimezone(tz).date() < self.end

    def previous(self) -> Period:
        return _containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return _containing(self.kind, self.end)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.week:
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind is PeriodKind.month:
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(kind, start, _add_months(start, 3))


def period_of(kind: PeriodKind, moment: datetime, tz: tzinfo) -> Period:
    """The period of this kind in which `moment` (aware) falls on the local calendar."""
    if moment.tzinfo is None:
        raise ValueError("period_of needs an aware datetime")
    return _containing(PeriodKind(kind), moment.astimezone(tz).date())


def last_complete(kind: PeriodKind, now: datetime, tz: tzinfo) -> Period:
    """The period that ended most recently at or before `now`: what a Monday / 1st-of-month job reports on."""
    return period_of(kind, now, tz).previous()


def recent(kind: PeriodKind, now: datetime, tz: tzinfo, count: int) -> list[Period]:
    """The current (unfinished) period first, then the `count - 1` before it."""
    periods = [period_of(kind, now, tz)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def parse_period(key: str) -> Period:
    """ "2026-W48" / "2026-11" / "2026-Q4" → Period; ValueError with a Chinese message otherwise."""
    match = _KEY.match(key.strip()) if isinstance(key, str) else None
    if not match:
        raise ValueError(_BAD_KEY)
    year = int(match.group(1))
    if year < 2000 or year > 2999:
        raise ValueError("周期年份应在2000年至2999年之间")
    week, month, quarter = match.group(2), match.group(3), match.group(4)
    if week is not None:
        try:
            start = date.fromisocalendar(year, int(week), 1)
        except ValueError:
            raise ValueError(f"{year}年没有第{int(week)}周") from None
        return Period(PeriodKind.week, start, start + timedelta(days=7))
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise ValueError("月份应在01至12之间")
        return _containing(PeriodKind.month, date(year, int(month), 1))
    if not 1 <= int(quarter) <= 4:
        raise ValueError("季度应为Q1至Q4")
    return _containing(PeriodKind.quarter, date(year, (int(quarter) - 1) * 3 + 1, 1))


def trend_weeks(period: Period) -> list[Period]:
    """The weekly buckets of a period's trend chart.

    For a week: the 8 weeks ending with it. For a month or quarter: the ISO weeks that overlap it, clipped
    to the period's days (a bucket may be shorter than 7 days), so the buckets add up to the period.
    """
    if period.kind is PeriodKind.week:
        weeks = [period]
        while len(weeks) < 8:
            weeks.insert(0, weeks[0].previous())
        return weeks
    buckets = []
    week = _containing(PeriodKind.week, period.start)
    while week.start < period.end:
        buckets.append(Period(PeriodKind.week, max(week.start, period.start), min(week.end, period.end)))
        week = week.next()
    return buckets


def bucket_label(bucket: Period) -> str:
    """ "11月23日—11月29日": a trend bucket's days (buckets may be clipped weeks)."""
    return f"{_md(bucket.start)}—{_md(bucket.end - timedelta(days=1))}"
