"""Everything a period report needs, computed once and stored as JSON: `analyse()` → `Analysis`.

An Analysis holds the period's figures (county totals; indicators of every town, village, department
and handler; rankings of towns, villages and departments by on-time rate, then satisfaction; reports per
category), the same figures for the previous period (for "change since last period"), and the weekly
trend: received and resolved (of those received) per week — the 8 weeks ending with a week, or the weeks
of a month or quarter (clipped to it, so they add up to the period's totals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import indicators
from app.analysis.indicators import Indicators, UnitKind, period_condition
from app.analysis.periods import Period, bucket_label, parse_period, trend_weeks
from app.analysis.ranking import rank
from app.categories.models import Category
from app.reports.models import Report

SCHEMA_VERSION = 1
RANKED_KINDS = (UnitKind.town, UnitKind.village, UnitKind.department)
_ALL_KINDS = [UnitKind.county, UnitKind.town, UnitKind.village, UnitKind.department, UnitKind.handler]


@dataclass(frozen=True, slots=True)
class RankedUnit:
    rank: int
    tied: bool
    unit_id: int
    unit_name: str
    on_time_rate: float | None
    satisfaction_rate: float | None


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category_id: int
    code: str
    name: str
    kind: str
    received: int
    resolved: int


@dataclass(frozen=True, slots=True)
class TrendPoint:
    start: str  # ISO date of the bucket's first local day
    end: str  # ISO date after its last day (exclusive)
    label: str  # "11月23日—11月29日"
    received: int
    resolved: int


@dataclass(frozen=True, slots=True)
class Figures:
    """One period's figures."""

    period: Period
    county: Indicators
    units: dict[UnitKind, list[Indicators]]  # town, village, department, handler
    rankings: dict[UnitKind, list[RankedUnit]]  # town, village, department
    categories: list[CategoryCount]

    def unit(self, kind: UnitKind, unit_id: int) -> Indicators | None:
        if kind is UnitKind.county:
            return self.county if self.county.unit_id == unit_id else None
        return next((u for u in self.units.get(kind, []) if u.unit_id == unit_id), None)

    def rank_of(self, kind: UnitKind, unit_id: int) -> RankedUnit | None:
        return next((r for r in self.rankings.get(kind, []) if r.unit_id == unit_id), None)


@dataclass(frozen=True, slots=True)
class Analysis:
    period: Period
    as_of: datetime
    current: Figures
    previous: Figures
    trend: list[TrendPoint] = field(default_factory=list)

    def change(self, kind: UnitKind, unit_id: int, figure: str) -> float | None:
        """This period's value of a figure or rate minus the previous period's (None if either is None)."""
        now, before = self.current.unit(kind, unit_id), self.previous.unit(kind, unit_id)
        if now is None or before is None:
            return None
        a, b = getattr(now, figure), getattr(before, figure)
        return None if a is None or b is None else a - b

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "period": self.period.key,
            "as_of": self.as_of.isoformat(),
            "current": _figures_json(self.current),
            "previous": _figures_json(self.previous),
            "trend": [_plain(t) for t in self.trend],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Analysis:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"unknown analysis schema {data.get('schema')!r}")
        return cls(
            period=parse_period(data["period"]),
            as_of=datetime.fromisoformat(data["as_of"]),
            current=_figures_from(data["current"]),
            previous=_figures_from(data["previous"]),
            trend=[TrendPoint(**t) for t in data["trend"]],
        )


def _plain(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def _figures_json(f: Figures) -> dict[str, Any]:
    return {
        "period": f.period.key,
        "county": f.county.to_dict(),
        "units": {k.value: [u.to_dict() for u in rows] for k, rows in f.units.items()},
        "rankings": {k.value: [_plain(r) for r in rows] for k, rows in f.rankings.items()},
        "categories": [_plain(c) for c in f.categories],
    }


def _figures_from(data: dict[str, Any]) -> Figures:
    return Figures(
        period=parse_period(data["period"]),
        county=Indicators.from_dict(data["county"]),
        units={UnitKind(k): [Indicators.from_dict(u) for u in rows] for k, rows in data["units"].items()},
        rankings={UnitKind(k): [RankedUnit(**r) for r in rows] for k, rows in data["rankings"].items()},
        categories=[CategoryCount(**c) for c in data["categories"]],
    )


def ranking_of(rows: list[Indicators]) -> list[RankedUnit]:
    """Units by on-time rate, then satisfaction (both higher is better; no figure ranks last)."""
    return [
        RankedUnit(
            rank=r.rank,
            tied=r.tied,
            unit_id=r.row.unit_id,
            unit_name=r.row.unit_name,
            on_time_rate=r.row.on_time_rate,
            satisfaction_rate=r.row.satisfaction_rate,
        )
        for r in rank(rows, lambda u: (u.on_time_rate, u.satisfaction_rate))
    ]


async def _categories(
    session: AsyncSession, totals: dict[int, indicators.CategoryTotals]
) -> list[CategoryCount]:
    """Every category (zeros included) with the period's counts."""
    query = select(Category.id, Category.code, Category.name, Category.kind).order_by(
        Category.kind, Category.sort_order, Category.id
    )
    rows = []
    for cid, code, name, kind in (await session.execute(query)).all():
        found = totals.get(cid)
        rows.append(
            CategoryCount(
                cid, code, name, kind, found.received if found else 0, found.resolved if found else 0
            )
        )
    return rows


async def _trend(
    session: AsyncSession, period: Period, tz: tzinfo, conditions: list[ColumnElement[bool]]
) -> list[TrendPoint]:
    buckets = trend_weeks(period)
    bucket = case(
        *[(Report.submitted_at < b.end_at(tz), i) for i, b in enumerate(buckets)], else_=None
    ).label("bucket")
    span = Period(period.kind, buckets[0].start, buckets[-1].end)
    query = (
        select(
            bucket,
            func.count(),
            cast(func.sum(case((Report.resolved_at.is_not(None), 1), else_=0)), Integer),
        )
        .where(period_condition(span, tz), *conditions)
        .group_by(bucket)
    )
    found = {i: (received, resolved) for i, received, resolved in (await session.execute(query)).all()}
    return [
        TrendPoint(
            start=b.start.isoformat(),
            end=b.end.isoformat(),
            label=bucket_label(b),
            received=int(found.get(i, (0, 0))[0]),
            resolved=int(found.get(i, (0, 0))[1] or 0),
        )
        for i, b in enumerate(buckets)
    ]


def _figures(found: indicators.PeriodIndicators, categories: list[CategoryCount]) -> Figures:
    units = dict(found.units)
    counties = units.pop(UnitKind.county)
    if len(counties) != 1:
        raise LookupError("the analysis covers exactly one county")
    return Figures(
        period=found.period,
        county=counties[0],
        units=units,
        rankings={kind: ranking_of(units[kind]) for kind in RANKED_KINDS},
        categories=categories,
    )


async def analyse(
    session: AsyncSession,
    period: Period,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    county_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
) -> Analysis:
    """The period's figures, the previous period's, and the weekly trend.

    `as_of` (default: now) is when "due" and "overdue" are judged; `county_id` is needed only when the
    database holds several counties; `scope` narrows the reports (a caller's area). Both periods'
    figures come from one statement.
    """
    as_of = as_of or datetime.now(UTC)
    previous, current = await indicators.compute_periods(
        session,
        [period.previous(), period],
        _ALL_KINDS,
        tz=tz,
        as_of=as_of,
        within_area_id=county_id,
        scope=scope,
        with_categories=True,
    )
    conditions = [] if county_id is None else [indicators.unit_condition(UnitKind.county, county_id)]
    conditions += [scope] if scope is not None else []
    return Analysis(
        period=period,
        as_of=as_of,
        current=_figures(current, await _categories(session, current.categories)),
        previous=_figures(previous, await _categories(session, previous.categories)),
        trend=await _trend(session, period, tz, conditions),
    )
