"""Indicators in the console: a period's figures and ranks per unit, the reports behind a figure, and
the periods to pick from — always inside the caller's scope.

Who sees what: admins and supervisors every unit kind inside their area (a county supervisor the
county, a town supervisor their town); a village's secretary and intake cadre their village and its
handlers; department staff their own department. A unit kind the role may not read is 403; an area or
unit outside the caller's area is 404, as elsewhere in the console.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, select

from app.analysis import indicators
from app.analysis.figures import FIGURES
from app.analysis.indicators import UNIT_LABELS, UnitKind
from app.analysis.periods import Period, PeriodKind, parse_period, recent
from app.analysis.snapshot import ranking_of
from app.areas.models import Area, Department
from app.categories.models import Category
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.http.pagination import decode_cursor, encode_cursor
from app.people.models import Role, StaffAccount
from app.people.scope import report_condition
from app.reports.schemas import ReportListItem

from .report_views import list_item

router = APIRouter(prefix="/api/v1/indicators", tags=["console: indicators"])
R = Role
VIEWERS = (R.admin, R.supervisor, R.village_secretary, R.intake_cadre, R.department_staff)
Viewer = Annotated[CurrentStaffContext, allow(*VIEWERS)]
StaffAny = Annotated[CurrentStaffContext, allow(*ALL_STAFF)]

KINDS_BY_ROLE: dict[Role, frozenset[UnitKind]] = {
    R.admin: frozenset(UnitKind),
    R.supervisor: frozenset(UnitKind),
    R.village_secretary: frozenset({UnitKind.village, UnitKind.handler}),
    R.intake_cadre: frozenset({UnitKind.village, UnitKind.handler}),
    R.department_staff: frozenset({UnitKind.department}),
}
PeriodParam = Annotated[str, Query(min_length=1, max_length=10, description="2026-W48, 2026-11 or 2026-Q4")]


class PeriodOut(BaseModel):
    key: str
    kind: str
    label: str
    start: str
    end: str  # exclusive
    complete: bool = True


class UnitRow(BaseModel):
    rank: int
    tied: bool
    figures: dict[str, Any]


class IndicatorsOut(BaseModel):
    period: PeriodOut
    unit_kind: str
    unit_kind_label: str
    within: dict[str, Any]
    as_of: datetime
    labels: dict[str, str]
    rows: list[UnitRow]


class DrilldownOut(BaseModel):
    period: PeriodOut
    unit_kind: str
    unit_id: int
    figure: str
    figure_label: str
    total: int
    items: list[ReportListItem]
    next_cursor: str | None = None


def _period(key: str) -> Period:
    try:
        return parse_period(key)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="period") from exc


def _period_out(period: Period, complete: bool = True) -> PeriodOut:
    return PeriodOut(
        key=period.key,
        kind=period.kind.value,
        label=period.label,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        complete=complete,
    )


def _check_kind(staff: CurrentStaffContext, kind: UnitKind) -> None:
    if kind not in KINDS_BY_ROLE.get(staff.role, frozenset()):
        raise Forbidden(f"无权查看{UNIT_LABELS[kind]}的指标", field="unit_kind")


async def _home(session: SessionDep, staff: CurrentStaffContext) -> Area:
    """The area whose units the caller may read (a department's staff: the department's town)."""
    scope = staff.scope
    area_id = scope.area_id
    if staff.role in (R.village_secretary, R.intake_cadre) and scope.village_id:
        area_id = scope.village_id
    if staff.role is R.department_staff and scope.department_id:
        department = await session.get(Department, scope.department_id)
        area_id = department.town_id if department else area_id
    area = await session.get(Area, area_id)
    assert area is not None
    return area


async def _visible_area(session: SessionDep, home: Area, area_id: int) -> Area:
    area = await session.get(Area, area_id)
    if area is None or not area.path.startswith(home.path):
        raise NotFound("区域不存在", field="within")
    return area


async def _visible_unit(
    session: SessionDep, staff: CurrentStaffContext, kind: UnitKind, unit_id: int
) -> None:
    """404 unless the unit exists, is of that kind and lies in the caller's area."""
    home = await _home(session, staff)
    inside = Area.path.startswith(home.path)
    if kind is UnitKind.department:
        if staff.role is R.department_staff and unit_id != staff.scope.department_id:
            raise NotFound("单位不存在", field="unit_id")
        query: Any = (
            select(Department.id)
            .join(Area, Area.id == Department.town_id)
            .where(Department.id == unit_id, inside)
        )
    elif kind is UnitKind.handler:
        query = (
            select(StaffAccount.id)
            .join(Area, Area.id == StaffAccount.area_id)
            .where(StaffAccount.id == unit_id, inside)
        )
    else:
        query = select(Area.id).where(Area.id == unit_id, Area.level == kind.value, inside)
    if await session.scalar(query) is None:
        raise NotFound("单位不存在", field="unit_id")


def _scope(staff: CurrentStaffContext) -> ColumnElement[bool]:
    return report_condition(staff.scope)


@router.get("", response_model=IndicatorsOut)
async def list_indicators(
    staff: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    period: PeriodParam,
    unit_kind: UnitKind = UnitKind.village,
    within: Annotated[int | None, Query(ge=1, description="an area id: only its reports and units")] = None,
) -> IndicatorsOut:
    """Every unit of a kind with its figures and rank (by on-time rate, then satisfaction)."""
    chosen = _period(period)
    _check_kind(staff, unit_kind)
    home = await _home(session, staff)
    area = await _visible_area(session, home, within) if within is not None else home
    rows = await indicators.compute(
        session, chosen, unit_kind, tz=settings.tz, as_of=now, within_area_id=area.id, scope=_scope(staff)
    )
    if staff.role is R.department_staff:
        rows = [r for r in rows if r.unit_id == staff.scope.department_id]
    by_id = {r.unit_id: r for r in rows}
    ranked = ranking_of(rows)
    return IndicatorsOut(
        period=_period_out(chosen),
        unit_kind=unit_kind.value,
        unit_kind_label=UNIT_LABELS[unit_kind],
        within={"id": area.id, "name": area.name, "level": area.level},
        as_of=now,
        labels=FIGURES,
        rows=[UnitRow(rank=r.rank, tied=r.tied, figures=by_id[r.unit_id].to_dict()) for r in ranked],
    )


@router.get("/periods", response_model=list[PeriodOut])
async def list_periods(
    staff: StaffAny,
    settings: SettingsDep,
    now: NowDep,
    kind: PeriodKind = PeriodKind.month,
    count: Annotated[int, Query(ge=1, le=60)] = 12,
) -> list[PeriodOut]:
    """The current period of a kind (not complete yet) and the ones before it, newest first."""
    periods = recent(kind, now, settings.tz, count)
    return [_period_out(p, complete=i > 0) for i, p in enumerate(periods)]


@router.get("/{unit_kind}/{unit_id}/drilldown", response_model=DrilldownOut)
async def drilldown(
    staff: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    unit_kind: UnitKind,
    unit_id: int,
    period: PeriodParam,
    figure: Annotated[str, Query(min_length=1, max_length=40)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DrilldownOut:
    """The reports one figure of one unit counts, newest first (the same conditions as the figure)."""
    chosen = _period(period)
    if figure not in FIGURES:
        raise InvalidInput(f"指标无效：应为{'、'.join(FIGURES)}之一", field="figure")
    _check_kind(staff, unit_kind)
    await _visible_unit(session, staff, unit_kind, unit_id)
    common: dict[str, Any] = {"tz": settings.tz, "as_of": now, "scope": _scope(staff)}
    reports = await indicators.drilldown(
        session,
        chosen,
        unit_kind,
        unit_id,
        figure,
        limit=limit + 1,
        before_id=decode_cursor(cursor),
        **common,
    )
    total = await indicators.drilldown_count(session, chosen, unit_kind, unit_id, figure, **common)
    page = reports[:limit]
    categories = {
        c.id: c
        for c in (
            await session.scalars(select(Category).where(Category.id.in_({r.category_id for r in page})))
        ).all()
    }
    items = [ReportListItem.model_validate(list_item(r, categories[r.category_id], now)) for r in page]
    return DrilldownOut(
        period=_period_out(chosen),
        unit_kind=unit_kind.value,
        unit_id=unit_id,
        figure=figure,
        figure_label=FIGURES[figure],
        total=total,
        items=items,
        next_cursor=encode_cursor(page[-1].id) if len(reports) > limit else None,
    )
