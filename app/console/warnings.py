"""Early warnings in the console: the list, one warning with its reports, acknowledge, dismiss, and the
number of warnings per period and kind. Supervisors see their area's, village secretaries their village's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, func, select

from app.analysis.periods import Period, PeriodKind, parse_period, recent
from app.areas.models import Area
from app.audit import service as audit
from app.categories.models import Category
from app.core.errors import InvalidInput, NotFound
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.people.models import Role
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS as REPORT_STATUS_LABELS
from app.reports.workflow import Status as ReportStatus
from app.warnings import repository
from app.warnings import service as warnings_service
from app.warnings.models import (
    KIND_LABELS,
    STATUS_LABELS,
    EarlyWarning,
    WarningKind,
    WarningReport,
    WarningStatus,
)

router = APIRouter(prefix="/api/v1/warnings", tags=["console: warnings"])
R = Role
Viewers = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin, R.village_secretary)]
Deciders = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin)]


class WarningOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    kind_label: str = ""
    basis: str
    status: str
    status_label: str = ""
    title: str
    category_id: int
    category_name: str = ""
    area_id: int
    area_name: str = ""
    town_id: int | None
    village_id: int | None
    report_count: int
    version: int
    first_report_at: datetime
    last_report_at: datetime
    detected_at: datetime
    grown_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime | None
    dismiss_reason: str | None
    details: dict[str, Any]


class WarningReportOut(BaseModel):
    id: int
    ledger_no: str | None
    status: str
    status_label: str
    description: str
    village_id: int
    submitted_at: datetime
    # The bulletin version that first listed it.
    version: int


class WarningDetail(WarningOut):
    reports: list[WarningReportOut] = []


async def _out(session: SessionDep, warnings: list[EarlyWarning]) -> list[WarningOut]:
    area_ids = {w.area_id for w in warnings}
    category_ids = {w.category_id for w in warnings}
    areas: dict[int, str] = {}
    categories: dict[int, str] = {}
    if warnings:
        rows = await session.execute(select(Area.id, Area.name).where(Area.id.in_(area_ids)))
        areas = {i: name for i, name in rows.all()}
        rows = await session.execute(select(Category.id, Category.name).where(Category.id.in_(category_ids)))
        categories = {i: name for i, name in rows.all()}
    out = []
    for w in warnings:
        item = WarningOut.model_validate(w)
        item.kind_label = KIND_LABELS[WarningKind(w.kind)]
        item.status_label = STATUS_LABELS[WarningStatus(w.status)]
        item.area_name = areas.get(w.area_id, "")
        item.category_name = categories.get(w.category_id, "")
        out.append(item)
    return out


async def _scoped(session: SessionDep, staff: CurrentStaffContext, warning_id: int) -> EarlyWarning:
    warning = await session.scalar(
        select(EarlyWarning).where(EarlyWarning.id == warning_id, repository.scope_condition(staff.scope))
    )
    if warning is None:
        raise NotFound("预警不存在", field="warning_id")
    return warning


def _period(key: str | None, field: str = "period") -> Period | None:
    if key is None:
        return None
    try:
        return parse_period(key)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from exc


@router.get("", response_model=Page[WarningOut])
async def list_warnings(
    staff: Viewers,
    session: SessionDep,
    settings: SettingsDep,
    status: Literal["open", "acknowledged", "dismissed"] | None = None,
    kind: Literal["repeated", "concentrated", "rising"] | None = None,
    area: Annotated[int | None, Query(ge=1, description="warnings inside this area")] = None,
    period: Annotated[
        str | None, Query(max_length=10, description="detected in: 2026-W48, 2026-11 or 2026-Q4")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[WarningOut]:
    stmt = select(EarlyWarning).where(repository.scope_condition(staff.scope))
    if status:
        stmt = stmt.where(EarlyWarning.status == status)
    if kind:
        stmt = stmt.where(EarlyWarning.kind == kind)
    if area is not None:
        area_row = await session.get(Area, area)
        if area_row is None:
            raise InvalidInput("区域不存在", field="area")
        stmt = stmt.where(repository.area_condition(area_row.level, area_row.id))
    chosen = _period(period)
    if chosen is not None:
        stmt = stmt.where(
            EarlyWarning.detected_at >= chosen.start_at(settings.tz),
            EarlyWarning.detected_at < chosen.end_at(settings.tz),
        )
    before = decode_cursor(cursor)
    if before is not None:
        stmt = stmt.where(EarlyWarning.id < before)
    rows = list((await session.scalars(stmt.order_by(EarlyWarning.id.desc()).limit(limit + 1))).all())
    items = await _out(session, rows[:limit])
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


class PeriodCounts(BaseModel):
    key: str
    label: str
    start_at: datetime
    end_at: datetime
    by_kind: dict[str, int]
    total: int


class WarningCounts(BaseModel):
    period_kind: str
    periods: list[PeriodCounts]


@router.get("/counts", response_model=WarningCounts)
async def count_warnings(
    staff: Viewers,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    period_kind: Literal["week", "month", "quarter"] = "month",
    periods: Annotated[int, Query(ge=1, le=60, description="how many periods, the current one first")] = 12,
) -> WarningCounts:
    """Warnings detected per period and kind, newest period first (the current, unfinished one included)."""
    tz = settings.tz
    chosen = recent(PeriodKind(period_kind), now, tz, periods)
    bucket = case(
        *((EarlyWarning.detected_at < p.end_at(tz), i) for i, p in reversed(list(enumerate(chosen)))),
        else_=None,
    )
    rows = await session.execute(
        select(bucket, EarlyWarning.kind, func.count())
        .where(
            repository.scope_condition(staff.scope),
            EarlyWarning.detected_at >= chosen[-1].start_at(tz),
            EarlyWarning.detected_at < chosen[0].end_at(tz),
        )
        .group_by(bucket, EarlyWarning.kind)
    )
    tally: dict[int, dict[str, int]] = {i: {k.value: 0 for k in WarningKind} for i in range(len(chosen))}
    for index, kind, n in rows.all():
        if index is not None:
            tally[int(index)][kind] = int(n)
    return WarningCounts(
        period_kind=period_kind,
        periods=[
            PeriodCounts(
                key=p.key,
                label=p.label,
                start_at=p.start_at(tz),
                end_at=p.end_at(tz),
                by_kind=tally[i],
                total=sum(tally[i].values()),
            )
            for i, p in enumerate(chosen)
        ],
    )


@router.get("/{warning_id}", response_model=WarningDetail)
async def get_warning(warning_id: int, staff: Viewers, session: SessionDep, now: NowDep) -> WarningDetail:
    warning = await _scoped(session, staff, warning_id)
    detail = WarningDetail(**(await _out(session, [warning]))[0].model_dump())
    rows = await session.execute(
        select(Report, WarningReport.version)
        .join(WarningReport, WarningReport.report_id == Report.id)
        .where(WarningReport.warning_id == warning.id)
        .order_by(Report.submitted_at, Report.id)
    )
    detail.reports = [
        WarningReportOut(
            id=r.id,
            ledger_no=r.ledger_no,
            status=r.status,
            status_label=REPORT_STATUS_LABELS.get(ReportStatus(r.status), r.status),
            description=r.description,
            village_id=r.village_id,
            submitted_at=r.submitted_at,
            version=version,
        )
        for r, version in rows.all()
    ]
    # A warning names villagers and their complaints: who looked is kept.
    audit.record(
        session, actor=staff.actor, action="warning.view", target_type="warning", target_id=warning.id, at=now
    )
    await session.commit()
    return detail


class AcknowledgeIn(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class DismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@router.post("/{warning_id}/acknowledge", response_model=WarningOut)
async def acknowledge_warning(
    warning_id: int,
    staff: Deciders,
    session: SessionDep,
    now: NowDep,
    body: AcknowledgeIn | None = None,
) -> WarningOut:
    warning = await _scoped(session, staff, warning_id)
    await warnings_service.acknowledge(
        session, warning=warning, note=body.note if body else None, actor=staff.actor, now=now
    )
    await session.commit()
    return (await _out(session, [warning]))[0]


@router.post("/{warning_id}/dismiss", response_model=WarningOut)
async def dismiss_warning(
    warning_id: int, body: DismissIn, staff: Deciders, session: SessionDep, now: NowDep
) -> WarningOut:
    warning = await _scoped(session, staff, warning_id)
    await warnings_service.dismiss(session, warning=warning, reason=body.reason, actor=staff.actor, now=now)
    await session.commit()
    return (await _out(session, [warning]))[0]
