"""Report queries. Every list or lookup takes the caller's scope condition; nothing here is unscoped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.categories.models import Category
from app.media.models import Media, ReportMedia
from app.people.scope import area_condition
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import Status

AWAITING_RESPONSE = (Status.submitted.value,)
AWAITING_RESOLUTION = (Status.accepted.value, Status.assigned.value, Status.in_progress.value)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Report.status.in_(AWAITING_RESPONSE), Report.respond_due_at < now),
        and_(Report.status.in_(AWAITING_RESOLUTION), Report.resolve_due_at < now),
    )


def is_overdue(report: Report, now: datetime) -> bool:
    if report.status in AWAITING_RESPONSE:
        return report.respond_due_at is not None and report.respond_due_at < now
    if report.status in AWAITING_RESOLUTION:
        return report.resolve_due_at is not None and report.resolve_due_at < now
    return False


@dataclass(slots=True)
class ReportFilters:
    status: list[str] | None = None
    kind: str | None = None
    category: str | None = None
    area: Area | None = None
    overdue: bool | None = None


def _filtered(scope: ColumnElement[bool], f: ReportFilters, now: datetime) -> Select[Report, Category]:
    stmt = select(Report, Category).join(Category, Category.id == Report.category_id).where(scope)
    if f.status:
        stmt = stmt.where(Report.status.in_(f.status))
    if f.kind:
        stmt = stmt.where(Report.kind == f.kind)
    if f.category:
        stmt = stmt.where(Category.code == f.category)
    if f.area is not None:
        stmt = stmt.where(area_condition(f.area.level, f.area.id))
    if f.overdue is True:
        stmt = stmt.where(overdue_condition(now))
    elif f.overdue is False:
        stmt = stmt.where(~overdue_condition(now))
    return stmt


async def list_reports(
    session: AsyncSession,
    *,
    scope: ColumnElement[bool],
    filters: ReportFilters,
    now: datetime,
    limit: int,
    before_id: int | None,
) -> Sequence[tuple[Report, Category]]:
    stmt = _filtered(scope, filters, now)
    if before_id is not None:
        stmt = stmt.where(Report.id < before_id)
    rows = await session.execute(stmt.order_by(Report.id.desc()).limit(limit))
    return rows.all()


async def get_scoped(session: AsyncSession, *, scope: ColumnElement[bool], report_id: int) -> Report | None:
    report: Report | None = await session.scalar(select(Report).where(Report.id == report_id, scope))
    return report


async def timeline_of(
    session: AsyncSession, report_id: int, *, reporter_view: bool = False
) -> Sequence[TimelineEvent]:
    stmt = select(TimelineEvent).where(TimelineEvent.report_id == report_id)
    if reporter_view:
        stmt = stmt.where(TimelineEvent.visible_to_reporter.is_(True))
    return (await session.scalars(stmt.order_by(TimelineEvent.id))).all()


async def media_of(session: AsyncSession, report_id: int) -> Sequence[tuple[ReportMedia, Media]]:
    rows = await session.execute(
        select(ReportMedia, Media)
        .join(Media, Media.id == ReportMedia.media_id)
        .where(ReportMedia.report_id == report_id)
        .order_by(ReportMedia.purpose, ReportMedia.position)
    )
    return rows.all()
