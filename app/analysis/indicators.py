"""Indicators (考核指标) of one period for every unit of a kind, computed in SQL with GROUP BY.

Which reports: those submitted in the period (local calendar, see periods.py), inside `within_area_id`
and the caller's `scope`. Unit membership: town and village by the report's town_id / village_id,
department by department_id (the town department it was escalated to), handler by assignee_staff_id,
county by the county its town belongs to. Every unit of the kind is listed, those without reports with
zeros; a report counts for the unit it belongs to now (a re-assigned report moves with its assignee).

Counted figures (the conditions are in figures.py, shared with the drill-down):
- received: every report, of every kind and status (rejected and duplicates included).
- accepted: accepted or acknowledged (accepted_at set) and not rejected afterwards.
- rejected: status rejected — refused (不予受理) or marked duplicate; a duplicate marked after acceptance
  counts here, not in accepted. received = accepted + rejected + awaiting_response.
- awaiting_response: still `submitted`.
- responded: has a first response — acceptance/acknowledgement (accepted_at), or a rejection straight from
  `submitted` (closed_at), which is what the timeline records as the first answer.
- responded_in_time: first response at or before respond_due_at (30 minutes by default).
- resolved: resolved_at set (办结; closed after rating keeps it; a reopened report loses it until
  resolved again). Problems only, since praise and alerts are never resolved.
- resolved_on_time: resolved_at at or before resolve_due_at. resolve_due_at already holds an approved
  extension, and a reopened report's fresh limit.
- due (应办结): problem reports, not rejected, that are resolved or whose resolve_due_at is before
  `as_of`. on_time_rate = resolved_on_time / due: an overdue open item counts against the unit, one still
  within its limit does not count yet.
- overdue_open: problem reports still open (submitted, accepted, assigned, in progress) past
  resolve_due_at at `as_of`.
- rated: has a rating; satisfied: 满意 or 基本满意 (the stored values satisfied, basically); the rating
  held now (an unsatisfied rating reopens the report and stays until the report is rated again).
  satisfaction_rate = satisfied / rated.
- unrated: resolved and not rated; unrated_share = unrated / resolved.
- key_supervision: put under key supervision (重点督办: flagged, or given an order, open or closed);
  key_supervision_resolved: those resolved;
  key_supervision_rate = key_supervision_resolved / key_supervision.
- reopened: reopened at least once (reopen_count > 0); ever_resolved: resolved now or reopened (so once
  resolved); reopen_rate = reopened / ever_resolved.
- repeat_complaints: problem reports with an earlier problem report of the same villager, or of the
  same category within 200 m, in the preceding 30 days (repeats.py).
- responded_in_time_rate = responded_in_time / received.
Durations, from submission: minutes to the first response (over `responded`), hours to resolution (over
`resolved`); median and 90th percentile with linear interpolation (percentile_cont on PostgreSQL, the
same interpolation with window functions on SQLite). Every rate is None when its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis import figures
from app.analysis.figures import FIGURES, RATES, FigureContext
from app.analysis.periods import Period
from app.analysis.repeats import DEFAULT_GRID, Grid, grid_for, repeat_ids
from app.analysis.sqlfn import dialect_of
from app.analysis.tally import period_condition, tally
from app.areas.models import Area, Department
from app.people.models import Role, StaffAccount
from app.people.scope import area_condition
from app.reports.models import Report

__all__ = [
    "FIGURES",
    "Indicators",
    "UnitKind",
    "compute",
    "compute_many",
    "compute_periods",
    "drilldown",
    "drilldown_ids",
    "figure_condition",
    "period_condition",
]


class UnitKind(StrEnum):
    county = "county"
    town = "town"
    village = "village"
    department = "department"
    handler = "handler"


UNIT_LABELS = {
    UnitKind.county: "县",
    UnitKind.town: "镇(街道)",
    UnitKind.village: "村(社区)",
    UnitKind.department: "职能部门",
    UnitKind.handler: "办理人员",
}


class _Rate:
    """A rate of RATES, read by the attribute's own name: None when there is nothing to divide by."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, indicators: Indicators, owner: type | None = None) -> float | None:
        return indicators._rate(self.name)


@dataclass(frozen=True, slots=True)
class Indicators:
    """One unit's figures for one period (definitions in the module docstring)."""

    unit_kind: UnitKind
    unit_id: int
    unit_name: str
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    awaiting_response: int = 0
    responded: int = 0
    responded_in_time: int = 0
    due: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    overdue_open: int = 0
    rated: int = 0
    satisfied: int = 0
    unrated: int = 0
    key_supervision: int = 0
    key_supervision_resolved: int = 0
    reopened: int = 0
    ever_resolved: int = 0
    repeat_complaints: int = 0
    median_response_minutes: float | None = None
    p90_response_minutes: float | None = None
    median_resolve_hours: float | None = None
    p90_resolve_hours: float | None = None

    def _rate(self, name: str) -> float | None:
        numerator, denominator, _ = RATES[name]
        below = getattr(self, denominator)
        return getattr(self, numerator) / below if below else None

    responded_in_time_rate = _Rate()
    on_time_rate = _Rate()
    satisfaction_rate = _Rate()
    unrated_share = _Rate()
    key_supervision_rate = _Rate()
    reopen_rate = _Rate()

    def to_dict(self) -> dict[str, Any]:
        """Counts, durations and rates, JSON-ready (unit_kind as its string)."""
        data = asdict(self)
        data["unit_kind"] = self.unit_kind.value
        data.update({name: self._rate(name) for name in RATES})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicators:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["unit_kind"] = UnitKind(values["unit_kind"])
        return cls(**values)


_UNIT_KEYS = {
    UnitKind.county: "county_id",
    UnitKind.town: "town_id",
    UnitKind.village: "village_id",
    UnitKind.department: "department_id",
    UnitKind.handler: "assignee_staff_id",
}


def unit_condition(unit_kind: UnitKind, unit_id: int) -> ColumnElement[bool]:
    if unit_kind is UnitKind.county:
        return Report.town_id.in_(select(Area.id).where(Area.parent_id == unit_id))
    column = getattr(Report, _UNIT_KEYS[unit_kind])
    condition: ColumnElement[bool] = column == unit_id
    return condition


def figure_condition(
    figure: str,
    period: Period,
    *,
    tz: tzinfo,
    as_of: datetime,
    dialect: str = "postgresql",
    grid: Grid = DEFAULT_GRID,
) -> ColumnElement[bool]:
    """The condition selecting the reports of the period that `figure` counts (ValueError if unknown)."""
    repeats = repeat_ids(period.start_at(tz), period.end_at(tz), dialect, grid)
    return figures.condition(figure, FigureContext(as_of=as_of, repeat_ids=Report.id.in_(repeats)))


async def _area_filter(session: AsyncSession, within_area_id: int | None) -> tuple[Area | None, Any]:
    if within_area_id is None:
        return None, true()
    area = await session.get(Area, within_area_id)
    if area is None:
        raise LookupError(within_area_id)
    return area, area_condition(area.level, area.id)


def _ancestor_ids(area: Area) -> list[int]:
    return [int(part) for part in area.path.strip("/").split("/") if part]


async def _units(session: AsyncSession, kind: UnitKind, within: Area | None) -> dict[int, str]:
    """Every unit of the kind inside `within`; for departments, those of the towns inside `within` or of
    the town that contains it (the departments a village escalates to)."""
    if kind is UnitKind.handler:
        query = select(StaffAccount.id, StaffAccount.display_name).where(
            StaffAccount.role == Role.handler.value
        )
        if within is not None:
            query = query.join(Area, Area.id == StaffAccount.area_id).where(Area.path.startswith(within.path))
        return {i: n for i, n in (await session.execute(query.order_by(StaffAccount.id))).all()}
    if kind is UnitKind.department:
        query = select(Department.id, Department.name).join(Area, Area.id == Department.town_id)
        if within is not None:
            query = query.where(or_(Area.path.startswith(within.path), Area.id.in_(_ancestor_ids(within))))
        return {i: n for i, n in (await session.execute(query.order_by(Department.code))).all()}
    query = select(Area.id, Area.name).where(Area.level == kind.value)
    if within is not None:
        query = query.where(Area.path.startswith(within.path))
    return {i: n for i, n in (await session.execute(query.order_by(Area.code))).all()}


async def _names(session: AsyncSession, kind: UnitKind, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if kind is UnitKind.handler:
        query: Select[int, str] = select(StaffAccount.id, StaffAccount.display_name).where(
            StaffAccount.id.in_(ids)
        )
    elif kind is UnitKind.department:
        query = select(Department.id, Department.name).where(Department.id.in_(ids))
    else:
        query = select(Area.id, Area.name).where(Area.id.in_(ids))
    return {i: n for i, n in (await session.execute(query)).all()}


@dataclass(frozen=True, slots=True)
class CategoryTotals:
    category_id: int
    received: int
    resolved: int


@dataclass(frozen=True, slots=True)
class PeriodIndicators:
    period: Period
    units: dict[UnitKind, list[Indicators]]
    categories: dict[int, CategoryTotals]  # filled when asked for (with_categories)


async def compute_periods(
    session: AsyncSession,
    periods: Sequence[Period],
    unit_kinds: Sequence[UnitKind],
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    within_area_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
    with_categories: bool = False,
) -> list[PeriodIndicators]:
    """`compute` for several (non-overlapping) periods and unit kinds in one statement: the reports of
    all the periods are read once. One result per period, in the order given."""
    as_of = as_of or datetime.now(UTC)
    kinds = [UnitKind(k) for k in unit_kinds]
    within, within_condition = await _area_filter(session, within_area_id)
    conditions = [within_condition] + ([scope] if scope is not None else [])
    groupings = [k.value for k in kinds] + (["category"] if with_categories else [])
    found = await tally(session, periods, groupings, tz=tz, as_of=as_of, conditions=conditions)
    listed: dict[UnitKind, dict[int, str]] = {}
    for kind in kinds:
        units = await _units(session, kind, within)
        seen = {unit_id for _, grouping, unit_id in found if grouping == kind.value}
        # A report may sit with a unit outside the list (an assignee who is not a handler): keep it.
        units.update(await _names(session, kind, seen - set(units)))
        listed[kind] = units
    results = []
    for index, period in enumerate(periods):
        units_of = {
            kind: [
                _indicators(kind, unit_id, name, found.get((index, kind.value, unit_id)))
                for unit_id, name in listed[kind].items()
            ]
            for kind in kinds
        }
        categories = {
            unit_id: CategoryTotals(unit_id, values["received"], values["resolved"])
            for (i, grouping, unit_id), values in found.items()
            if i == index and grouping == "category"
        }
        results.append(PeriodIndicators(period=period, units=units_of, categories=categories))
    return results


async def compute_many(
    session: AsyncSession,
    period: Period,
    unit_kinds: Sequence[UnitKind],
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    within_area_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
) -> dict[UnitKind, list[Indicators]]:
    """`compute` for several unit kinds in one statement (the period's reports are read once)."""
    found = await compute_periods(
        session, [period], unit_kinds, tz=tz, as_of=as_of, within_area_id=within_area_id, scope=scope
    )
    return found[0].units


def _indicators(kind: UnitKind, unit_id: int, name: str, values: dict[str, Any] | None) -> Indicators:
    if values is None:
        return Indicators(unit_kind=kind, unit_id=unit_id, unit_name=name)
    return Indicators(unit_kind=kind, unit_id=unit_id, unit_name=name, **values)


async def compute(
    session: AsyncSession,
    period: Period,
    unit_kind: UnitKind,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    within_area_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
) -> list[Indicators]:
    """One row per unit of `unit_kind` (units without reports included, with zeros).

    `as_of` (default: now) is the instant "due" and "overdue" are judged at; `within_area_id` keeps the
    reports and units of one area; `scope` is the caller's condition on reports (app/people/scope.py).
    LookupError when `within_area_id` names no area.
    """
    found = await compute_many(
        session, period, [UnitKind(unit_kind)], tz=tz, as_of=as_of, within_area_id=within_area_id, scope=scope
    )
    return found[UnitKind(unit_kind)]


async def _drill_conditions(
    session: AsyncSession,
    period: Period,
    unit_kind: UnitKind,
    unit_id: int,
    figure: str,
    *,
    tz: tzinfo,
    as_of: datetime,
    scope: ColumnElement[bool] | None,
) -> list[ColumnElement[bool]]:
    grid = DEFAULT_GRID
    if figure == "repeat_complaints":
        grid = await grid_for(session)
    conditions = [
        period_condition(period, tz),
        unit_condition(UnitKind(unit_kind), unit_id),
        figure_condition(figure, period, tz=tz, as_of=as_of, dialect=dialect_of(session), grid=grid),
    ]
    return conditions + ([scope] if scope is not None else [])


async def drilldown(
    session: AsyncSession,
    period: Period,
    unit_kind: UnitKind,
    unit_id: int,
    figure: str,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    scope: ColumnElement[bool] | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[Report]:
    """The reports behind one counted figure (FIGURES), newest id first, `limit` at a time (keyset).

    Uses the very conditions the counts use; ValueError for an unknown figure.
    """
    conditions = await _drill_conditions(
        session, period, unit_kind, unit_id, figure, tz=tz, as_of=as_of or datetime.now(UTC), scope=scope
    )
    if before_id is not None:
        conditions.append(Report.id < before_id)
    query = select(Report).where(*conditions).order_by(Report.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def drilldown_ids(
    session: AsyncSession,
    period: Period,
    unit_kind: UnitKind,
    unit_id: int,
    figure: str,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    scope: ColumnElement[bool] | None = None,
) -> list[int]:
    """Every report id behind one figure, ascending (for documents and checks)."""
    conditions = await _drill_conditions(
        session, period, unit_kind, unit_id, figure, tz=tz, as_of=as_of or datetime.now(UTC), scope=scope
    )
    return list((await session.scalars(select(Report.id).where(*conditions).order_by(Report.id))).all())


async def drilldown_count(
    session: AsyncSession,
    period: Period,
    unit_kind: UnitKind,
    unit_id: int,
    figure: str,
    *,
    tz: tzinfo,
    as_of: datetime | None = None,
    scope: ColumnElement[bool] | None = None,
) -> int:
    conditions = await _drill_conditions(
        session, period, unit_kind, unit_id, figure, tz=tz, as_of=as_of or datetime.now(UTC), scope=scope
    )
    return int(await session.scalar(select(func.count()).select_from(Report).where(*conditions)) or 0)
