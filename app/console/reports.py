"""The console's report list and detail, limited to the caller's area and role."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.areas.models import Area
from app.categories.models import Category
from app.core.errors import InvalidInput, NotFound
from app.http.deps import CurrentStaff, NowDep, SessionDep
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.people.scope import report_condition
from app.reports import repository
from app.reports.models import Report
from app.reports.repository import ReportFilters, is_overdue
from app.reports.schemas import CategoryRef, MediaItem, ReportDetail, ReportListItem, TimelineItem
from app.reports.workflow import STATUS_LABELS, Status

router = APIRouter(prefix="/api/v1/reports", tags=["console: reports"])

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


_DERIVED = frozenset({"category", "status_label", "overdue", "timeline", "media"})


def _columns(report: Report, fields: Iterable[str]) -> dict[str, object]:
    return {k: getattr(report, k) for k in fields if k not in _DERIVED}


def _item(report: Report, category: Category, now: datetime) -> dict[str, object]:
    return {
        **_columns(report, ReportListItem.model_fields),
        "status_label": STATUS_LABELS[Status(report.status)],
        "category": CategoryRef(id=category.id, code=category.code, name=category.name, kind=category.kind),
        "overdue": is_overdue(report, now),
    }


@router.get("", response_model=Page[ReportListItem])
async def list_reports(
    staff: CurrentStaff,
    session: SessionDep,
    now: NowDep,
    status: Annotated[list[StatusParam] | None, Query()] = None,
    kind: Literal["problem", "praise", "alert"] | None = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[int | None, Query(ge=1)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ReportListItem]:
    area_row = None
    if area is not None:
        area_row = await session.get(Area, area)
        if area_row is None:
            raise InvalidInput("区域不存在", field="area")
    if category is not None and not await session.scalar(
        select(Category.id).where(Category.code == category)
    ):
        raise InvalidInput("类别不存在", field="category")
    rows = await repository.list_reports(
        session,
        scope=report_condition(staff.scope),
        filters=ReportFilters(
            status=list(status or []), kind=kind, category=category, area=area_row, overdue=overdue
        ),
        now=now,
        limit=limit + 1,
        before_id=decode_cursor(cursor),
    )
    items = [ReportListItem.model_validate(_item(r, c, now)) for r, c in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


@router.get("/{report_id}", response_model=ReportDetail)
async def get_report(report_id: int, staff: CurrentStaff, session: SessionDep, now: NowDep) -> ReportDetail:
    report = await repository.get_scoped(session, scope=report_condition(staff.scope), report_id=report_id)
    if report is None:
        # Out of scope and nonexistent look the same: ids must not leak what exists elsewhere.
        raise NotFound("工单不存在", field="report_id")
    category = await session.get(Category, report.category_id)
    assert category is not None
    timeline = await repository.timeline_of(session, report.id)
    media = await repository.media_of(session, report.id)
    return ReportDetail.model_validate(
        {
            **_columns(report, ReportDetail.model_fields),
            **_item(report, category, now),
            "timeline": [TimelineItem.model_validate(e, from_attributes=True) for e in timeline],
            "media": [
                MediaItem(
                    id=m.id,
                    purpose=rm.purpose,
                    mime_type=m.mime_type,
                    size_bytes=m.size_bytes,
                    sha256=m.sha256,
                    check_status=m.check_status,
                    hidden=m.hidden,
                )
                for rm, m in media
            ],
        }
    )
