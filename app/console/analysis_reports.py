"""Stored period reports and health reports from the console: lists, JSON, DOCX and XLSX downloads,
and a supervisor regenerating a period (a new version when the figures changed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.analysis import cycle, health, period_reports
from app.analysis.access import health_condition, is_county_wide
from app.analysis.models import REPORT_KIND_LABELS, HealthReport, HealthUnit, PeriodReport, ReportKind
from app.analysis.period_reports import PERIOD_OF_KIND
from app.analysis.periods import Period, last_complete, parse_period
from app.analysis.units import filter_analysis, visible_in_area
from app.audit import service as audit
from app.core.errors import Forbidden, InvalidInput
from app.documents import render
from app.http.deps import CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.people.models import Role

router = APIRouter(prefix="/api/v1", tags=["console: period and health reports"])
R = Role
Supervisors = Annotated[CurrentStaffContext, allow(R.supervisor, R.admin)]
HealthReaders = Annotated[
    CurrentStaffContext,
    allow(R.supervisor, R.admin, R.village_secretary, R.intake_cadre, R.department_staff, R.handler),
]


def _period_key(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return parse_period(value).key
    except ValueError as exc:
        raise InvalidInput(f"{field}：{exc}", field=field) from None


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


# ---- period reports -------------------------------------------------------------------------------


class PeriodReportSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    kind_label: str = ""
    period_key: str
    period_label: str = ""
    version: int
    generated_at: datetime
    generated_by: str
    generated_by_staff_id: int | None
    content_hash: str


class PeriodReportDetail(PeriodReportSummary):
    analysis: dict[str, Any]


def _summary(report: PeriodReport) -> PeriodReportSummary:
    out = PeriodReportSummary.model_validate(report)
    out.kind_label = REPORT_KIND_LABELS[ReportKind(report.kind)]
    out.period_label = parse_period(report.period_key).label
    return out


async def _visible_analysis(
    session: SessionDep, staff: CurrentStaffContext, report: PeriodReport
) -> dict[str, Any]:
    """A town (village) supervisor reads the county's totals and rankings and their own units."""
    if is_county_wide(staff.scope):
        return report.analysis
    visible = await visible_in_area(session, level=staff.scope.area_level, area_id=staff.scope.area_id)
    return filter_analysis(report.analysis, visible)


@router.get("/period-reports", response_model=list[PeriodReportSummary])
async def list_period_reports(
    staff: Supervisors,
    session: SessionDep,
    kind: ReportKind | None = None,
    period: str | None = None,
    latest: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[PeriodReportSummary]:
    rows = await period_reports.list_reports(
        session, kind=kind, period_key=_period_key(period, "period"), latest_only=latest, limit=limit
    )
    return [_summary(r) for r in rows]


_EXAMPLE = {ReportKind.weekly: "2026-W48", ReportKind.monthly: "2026-11", ReportKind.quarterly: "2026-Q4"}


def _parse(value: str) -> Period:
    try:
        return parse_period(value)
    except ValueError as exc:
        raise InvalidInput(f"period：{exc}", field="period") from None


class RegenerateIn(BaseModel):
    kind: ReportKind
    period: str = Field(min_length=6, max_length=10, description="2026-W48, 2026-11 or 2026-Q4")


class RegenerateOut(BaseModel):
    created: bool
    report: PeriodReportSummary
    counts: dict[str, int]


@router.post("/period-reports", response_model=RegenerateOut)
async def regenerate_period_report(
    body: RegenerateIn,
    staff: Supervisors,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
) -> RegenerateOut:
    """Recompute a period that has ended: a new version when its figures changed (monthly: the units'
    health reports too). 201 with the new version, 200 with the unchanged latest one."""
    if not is_county_wide(staff.scope):
        raise Forbidden("只有县级综治中心可以重新生成统计通报")
    period = _parse(body.period)
    if period.kind is not PERIOD_OF_KIND[body.kind]:
        raise InvalidInput(
            f"period：{REPORT_KIND_LABELS[body.kind]}的周期应为{_EXAMPLE[body.kind]}格式", field="period"
        )
    if period.end > last_complete(period.kind, now, settings.tz).end:
        raise InvalidInput("period：只能生成已结束的周期", field="period")
    report, counts = await cycle.run_period(
        session,
        kind=body.kind,
        period=period,
        settings=settings,
        actor=staff.actor,
        now=now,
        with_units=body.kind is ReportKind.monthly,
    )
    if report is None:
        raise InvalidInput("尚未建立县级区域，无法生成统计通报", field="kind")
    await session.commit()
    created = counts["reports"] > 0
    response.status_code = 201 if created else 200
    return RegenerateOut(created=created, report=_summary(report), counts=dict(counts))


@router.get("/period-reports/{report_id}.docx", response_class=Response)
async def period_report_docx(
    report_id: int, staff: Supervisors, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    report = await period_reports.get(session, report_id)
    analysis = await _visible_analysis(session, staff, report)
    content = await render.period_report_docx(session, report=report, analysis=analysis, settings=settings)
    _audit_download(staff, session, "period_report", report.id, "docx", now)
    await session.commit()
    return _download(content, render.DOCX, f"{report.period_key}_{report.kind}_v{report.version}.docx")


@router.get("/period-reports/{report_id}.xlsx", response_class=Response)
async def period_report_xlsx(
    report_id: int, staff: Supervisors, session: SessionDep, now: NowDep
) -> Response:
    report = await period_reports.get(session, report_id)
    analysis = await _visible_analysis(session, staff, report)
    content = await render.period_report_xlsx(report, analysis=analysis)
    _audit_download(staff, session, "period_report", report.id, "xlsx", now)
    await session.commit()
    return _download(content, render.XLSX, f"{report.period_key}_{report.kind}_v{report.version}.xlsx")


@router.get("/period-reports/{report_id}", response_model=PeriodReportDetail)
async def get_period_report(report_id: int, staff: Supervisors, session: SessionDep) -> PeriodReportDetail:
    report = await period_reports.get(session, report_id)
    summary = _summary(report)
    return PeriodReportDetail(
        **summary.model_dump(), analysis=await _visible_analysis(session, staff, report)
    )


def _audit_download(
    staff: CurrentStaffContext, session: SessionDep, target: str, target_id: int, fmt: str, now: datetime
) -> None:
    audit.record(
        session,
        actor=staff.actor,
        action=f"{target}.download",
        target_type=target,
        target_id=target_id,
        at=now,
        details={"format": fmt},
    )


# ---- health reports -------------------------------------------------------------------------------


class HealthReportSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period_kind: str
    period_key: str
    unit_kind: str
    unit_id: int
    unit_name: str
    town_id: int | None
    village_id: int | None
    version: int
    generated_at: datetime
    rank: int | None
    peers: int
    overdue_count: int = 0


class HealthReportDetail(HealthReportSummary):
    indicators: dict[str, Any]
    previous: dict[str, Any] | None
    changes: dict[str, Any]
    overdue: list[dict[str, Any]]
    period_report_id: int | None


def _health_summary(report: HealthReport) -> HealthReportSummary:
    out = HealthReportSummary.model_validate(report)
    out.overdue_count = len(report.overdue)
    return out


@router.get("/health-reports", response_model=list[HealthReportSummary])
async def list_health_reports(
    staff: HealthReaders,
    session: SessionDep,
    period: str | None = None,
    unit_kind: HealthUnit | None = None,
    unit_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HealthReportSummary]:
    rows = await health.list_reports(
        session,
        scope=health_condition(staff.scope),
        period_key=_period_key(period, "period"),
        unit_kind=unit_kind,
        unit_id=unit_id,
        limit=limit,
    )
    return [_health_summary(r) for r in rows]


@router.get("/health-reports/{report_id}.docx", response_class=Response)
async def health_report_docx(
    report_id: int, staff: HealthReaders, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    report = await health.get(session, report_id=report_id, scope=health_condition(staff.scope))
    content = await render.health_report_docx(session, report=report, settings=settings)
    _audit_download(staff, session, "health_report", report.id, "docx", now)
    await session.commit()
    return _download(
        content, render.DOCX, f"{report.period_key}_{report.unit_name}_体检报告_v{report.version}.docx"
    )


@router.get("/health-reports/{report_id}", response_model=HealthReportDetail)
async def get_health_report(report_id: int, staff: HealthReaders, session: SessionDep) -> HealthReportDetail:
    report = await health.get(session, report_id=report_id, scope=health_condition(staff.scope))
    return HealthReportDetail(
        **_health_summary(report).model_dump(),
        indicators=report.indicators,
        previous=report.previous,
        changes=report.changes,
        overdue=list(report.overdue),
        period_report_id=report.period_report_id,
    )
