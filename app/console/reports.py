"""The console's work queues, report detail and badge counts — always inside the caller's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from app.areas.models import Area
from app.audit import service as audit
from app.categories.models import Category
from app.core.errors import InvalidInput, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.people.models import Role
from app.people.scope import report_condition
from app.reports import repository
from app.reports.export import write_ledger
from app.reports.repository import ReportFilters
from app.reports.schemas import ReportDetail, ReportListItem

from .report_views import detail_of, list_item

router = APIRouter(prefix="/api/v1/reports", tags=["console: reports"])
StaffAny = Annotated[CurrentStaffContext, allow(*ALL_STAFF)]

StatusParam = Literal[
    "submitted",
    "accepted",
    "rejected",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "acknowledged",
    "published",
    "forwarded",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Handlers and grid workers see their own cases; exporting the ledger is for the units that keep it.
EXPORTERS = (Role.admin, Role.supervisor, Role.village_secretary, Role.intake_cadre, Role.department_staff)
QueueParam = Literal["mine", "new", "overdue", "key_supervision", "pending_decision"]


async def build_filters(
    session: SessionDep,
    staff: StaffAny,
    status: Annotated[list[StatusParam] | None, Query()] = None,
    kind: Literal["problem", "praise", "alert"] | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[int | None, Query(ge=1)] = None,
    assignee: Annotated[int | None, Query(ge=1, description="assigned staff account id")] = None,
    overdue: bool | None = None,
    queue: Annotated[QueueParam | None, Query(description="a preset work queue")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=50, description="text: description, number, address")
    ] = None,
) -> ReportFilters:
    area_row = None
    if area is not None:
        area_row = await session.get(Area, area)
        if area_row is None:
            raise InvalidInput("区域不存在", field="area")
    if category is not None and not await session.scalar(
        select(Category.id).where(Category.code == category)
    ):
        raise InvalidInput("类别不存在", field="category")
    return ReportFilters(
        status=list(status or []),
        kind=kind,
        category=category,
        area=area_row,
        overdue=overdue,
        assignee_staff_id=assignee,
        queue=queue,
        text=q,
        me=staff.scope,
    )


@router.get("", response_model=Page[ReportListItem])
async def list_reports(
    staff: StaffAny,
    session: SessionDep,
    now: NowDep,
    filters: Annotated[ReportFilters, Depends(build_filters)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ReportListItem]:
    rows = await repository.list_reports(
        session,
        scope=report_condition(staff.scope),
        filters=filters,
        now=now,
        limit=limit + 1,
        before_id=decode_cursor(cursor),
    )
    items = [ReportListItem.model_validate(list_item(r, c, now)) for r, c in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


class Counts(BaseModel):
    by_status: dict[str, int]
    overdue: int
    key_supervision: int
    total: int


@router.get("/counts", response_model=Counts)
async def counts(
    staff: StaffAny,
    session: SessionDep,
    now: NowDep,
    filters: Annotated[ReportFilters, Depends(build_filters)],
) -> Counts:
    """Badge numbers for the same filters as the list."""
    result = await repository.count_reports(
        session, scope=report_condition(staff.scope), filters=filters, now=now
    )
    return Counts(**result)


@router.get(
    "/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "the filtered ledger as XLSX"}},
)
async def export_ledger(
    staff: Annotated[CurrentStaffContext, allow(*EXPORTERS)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    filters: Annotated[ReportFilters, Depends(build_filters)],
) -> StreamingResponse:
    """The filtered list as the ledger (台账), streamed: the file is built on disk, not in memory."""
    out = await write_ledger(
        session, scope=report_condition(staff.scope), filters=filters, now=now, tz=settings.tz
    )
    audit.record(
        session,
        actor=staff.actor,
        action="report.export",
        target_type="report",
        target_id="*",
        at=now,
        details={"filters": {k: v for k, v in asdict(filters).items() if k not in ("area", "me") and v}},
    )
    await session.commit()

    def chunks() -> Iterator[bytes]:
        try:
            while block := out.read(64 * 1024):
                yield block
        finally:
            out.close()

    filename = f"台账_{now.astimezone(settings.tz):%Y%m%d%H%M}.xlsx"
    return StreamingResponse(
        chunks(),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/{report_id}", response_model=ReportDetail)
async def get_report(report_id: int, staff: StaffAny, session: SessionDep, now: NowDep) -> ReportDetail:
    report = await repository.get_scoped(session, scope=report_condition(staff.scope), report_id=report_id)
    if report is None:
        # Out of scope and nonexistent look the same: ids must not leak what exists elsewhere.
        raise NotFound("工单不存在", field="report_id")
    return await detail_of(session, report, now)
