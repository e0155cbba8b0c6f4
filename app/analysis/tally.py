"""The one statement behind the indicators: every figure of one or more periods, grouped by unit.

The periods' reports are read once into a CTE with a 0/1 column per figure (the conditions of
figures.py) and the two durations; each grouping (county, town, village, department, handler, category)
is a GROUP BY over it, all in one UNION ALL. Several periods — an analysis wants the period and the one
before — share the scan and the repeat-complaint search over their combined span.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.analysis import figures
from app.analysis.figures import FIGURES, FigureContext
from app.analysis.periods import Period
from app.analysis.repeats import grid_for, repeat_ids
from app.analysis.sqlfn import dialect_of, is_postgres, minutes_between, tuned
from app.areas.models import Area
from app.reports.models import Report

# Grouping → the column of the CTE it groups by.
GROUPINGS = {
    "county": "county_id",
    "town": "town_id",
    "village": "village_id",
    "department": "department_id",
    "handler": "assignee_staff_id",
    "category": "category_id",
}
# Groupings that get durations (categories only need their counts).
_TIMED = frozenset(GROUPINGS) - {"category"}
COUNTS = tuple(FIGURES)
FRACTIONS = (0.5, 0.9)
DURATION_COLUMNS = {
    "response_minutes": ("median_response_minutes", "p90_response_minutes"),
    "resolve_hours": ("median_resolve_hours", "p90_resolve_hours"),
}
Key = tuple[int, str, int]  # (index of the period, grouping, unit id)


def period_condition(period: Period, tz: tzinfo) -> ColumnElement[bool]:
    """Submitted within the period's local days."""
    return and_(Report.submitted_at >= period.start_at(tz), Report.submitted_at < period.end_at(tz))


def _base(
    periods: Sequence[Period], *, tz: tzinfo, as_of: datetime, dialect: str, grid: Any, conditions: list[Any]
) -> Select[Any]:
    """One row per report of the periods: its period, unit keys, a 0/1 column per figure, durations.

    The repeat complaints are joined (a hash join) rather than tested with IN per row: the same set as
    the drill-down's `IN (repeats)`, which the planner would otherwise re-scan for every report.
    """
    start_at = min(p.start_at(tz) for p in periods)
    end_at = max(p.end_at(tz) for p in periods)
    repeats = repeat_ids(start_at, end_at, dialect, grid).subquery("repeats")
    context = FigureContext(as_of=as_of, repeat_ids=repeats.c.id.is_not(None))
    town = aliased(Area)
    responded = figures.condition("responded", context)
    resolved = figures.condition("resolved", context)
    which = case(*[(period_condition(p, tz), i) for i, p in enumerate(periods)], else_=None)
    return (
        select(
            which.label("period_index"),
            town.parent_id.label("county_id"),
            Report.town_id.label("town_id"),
            Report.village_id.label("village_id"),
            Report.department_id.label("department_id"),
            Report.assignee_staff_id.label("assignee_staff_id"),
            Report.category_id.label("category_id"),
            *[case((figures.condition(name, context), 1), else_=0).label(name) for name in COUNTS[1:]],
            case(
                (responded, minutes_between(figures.first_response_at(), Report.submitted_at, dialect)),
                else_=None,
            ).label("response_minutes"),
            case(
                (resolved, minutes_between(Report.resolved_at, Report.submitted_at, dialect) / 60.0),
                else_=None,
            ).label("resolve_hours"),
        )
        .join(town, town.id == Report.town_id)
        .outerjoin(repeats, repeats.c.id == Report.id)
        .where(or_(*[period_condition(p, tz) for p in periods]), *conditions)
    )


def _aggregate(base: Any, groupings: list[str], postgres: bool) -> Any:
    assert COUNTS[0] == "received"
    branches = []
    for grouping in groupings:
        key = base.c[GROUPINGS[grouping]]
        columns: list[Any] = [
            base.c.period_index,
            literal(grouping).label("grouping"),
            key.label("unit_id"),
            func.count().label("received"),
            *[cast(func.sum(base.c[name]), Integer).label(name) for name in COUNTS[1:]],
        ]
        for column in DURATION_COLUMNS:
            if postgres and grouping in _TIMED:
                # Both fractions from one sort of the group's values.
                pick = func.percentile_cont(array(FRACTIONS)).within_group(base.c[column])
                columns.append(cast(pick, ARRAY(Float)).label(column))
            else:
                columns.append(cast(null(), ARRAY(Float) if postgres else Float).label(column))
        branches.append(select(*columns).where(key.is_not(None)).group_by(base.c.period_index, key))
    return union_all(*branches) if len(branches) > 1 else branches[0]


async def _sqlite_percentiles(
    session: AsyncSession, base: Any, groupings: list[str]
) -> dict[Key, dict[str, Any]]:
    """percentile_cont's linear interpolation with window functions (SQLite has no ordered-set aggregates)."""
    found: dict[Key, dict[str, Any]] = {}
    for grouping in [g for g in groupings if g in _TIMED]:
        key = base.c[GROUPINGS[grouping]]
        for column, names in DURATION_COLUMNS.items():
            value = base.c[column]
            partition = (base.c.period_index, key)
            ordered = (
                select(
                    base.c.period_index.label("period_index"),
                    key.label("unit_id"),
                    value.label("v"),
                    (func.row_number().over(partition_by=partition, order_by=value) - 1).label("rn"),
                    func.count().over(partition_by=partition).label("n"),
                )
                .where(key.is_not(None), value.is_not(None))
                .subquery()
            )
            for name, fraction in zip(names, FRACTIONS, strict=True):
                position = (ordered.c.n - 1) * fraction
                low = cast(position, Integer)  # position >= 0: the cast truncates to the floor
                picked = (
                    select(
                        ordered.c.period_index,
                        ordered.c.unit_id,
                        func.max(case((ordered.c.rn == low, ordered.c.v))).label("lo"),
                        func.max(case((ordered.c.rn == low + 1, ordered.c.v))).label("hi"),
                        func.max(position - low).label("frac"),
                    )
                    .where(or_(ordered.c.rn == low, ordered.c.rn == low + 1))
                    .group_by(ordered.c.period_index, ordered.c.unit_id)
                )
                for index, unit_id, lo, hi, frac in (await session.execute(picked)).all():
                    result = lo if hi is None else lo + (hi - lo) * frac
                    found.setdefault((index, grouping, unit_id), {})[name] = float(result)
    return found


async def tally(
    session: AsyncSession,
    periods: Sequence[Period],
    groupings: list[str],
    *,
    tz: tzinfo,
    as_of: datetime,
    conditions: list[Any],
) -> dict[Key, dict[str, Any]]:
    """(period index, grouping, unit id) → every count and duration of that unit in that period.

    Periods must not overlap. Units without reports are absent (the caller lists the units).
    """
    dialect = dialect_of(session)
    postgres = is_postgres(dialect)
    grid = await grid_for(session)
    base = _base(periods, tz=tz, as_of=as_of, dialect=dialect, grid=grid, conditions=conditions).cte(
        "period_reports"
    )
    async with tuned(session):
        rows = (await session.execute(_aggregate(base, groupings, postgres))).mappings().all()
    found: dict[Key, dict[str, Any]] = {}
    for row in rows:
        values: dict[str, Any] = {name: int(row[name] or 0) for name in COUNTS}
        for column, names in DURATION_COLUMNS.items():
            picked = row[column] if postgres else None
            for i, name in enumerate(names):
                values[name] = None if picked is None or picked[i] is None else float(picked[i])
        found[(row["period_index"], row["grouping"], row["unit_id"])] = values
    if not postgres:
        for key, durations in (await _sqlite_percentiles(session, base, groupings)).items():
            found[key].update(durations)
    return found
