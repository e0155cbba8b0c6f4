"""Report queries. Every list or lookup takes the caller's scope condition; nothing here is unscoped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.categories.models import Category
from app.media.models import Media, ReportMedia
from app.people.scope import StaffScope, area_condition
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
    assignee_staff_id: int | None = None
    queue: str | None = None
    text: str | None = None
    # Who is asking: the "mine" queue depends on it.
    me: StaffScope | None = None


def _queue_condition(queue: str, me: StaffScope | None, now: datetime) -> ColumnElement[bool]:
    if queue == "new":
        return Report.status == Status.submitted.value
    if queue == "overdue":
        return overdue_condition(now)
    if queue == "key_supervision":
        return and_(
            Report.key_supervision.is_(True), Report.status.in_(AWAITING_RESPONSE + AWAITING_RESOLUTION)
        )
    if queue == "pending_decision":
        return or_(Report.extension_requested_until.is_not(None), Report.bounce_reason.is_not(None))
    # "mine": assigned to me, to my team in my village, or to my department; open work only.
    if me is None:
        return false()
    mine = [Report.assignee_staff_id == me.staff_id]
    if me.team and me.village_id:
        mine.append(and_(Report.assignee_team == me.team, Report.village_id == me.village_id))
    if me.department_id:
        mine.append(Report.department_id == me.department_id)
    return and_(or_(*mine), Report.status.in_(AWAITING_RESOLUTION))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_query(scope: ColumnElement[bool], f: ReportFilters, now: datetime) -> Select[Report, Category]:
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
    if f.assignee_staff_id is not None:
        stmt = stmt.where(Report.assignee_staff_id == f.assignee_staff_id)
    if f.queue:
        stmt = stmt.where(_queue_condition(f.queue, f.me, now))
    if f.text:
        pattern = f"%{_escape_like(f.text)}%"
        stmt = stmt.where(
            or_(
                Report.description.ilike(pattern, escape="\\"),
                Report.ledger_no.ilike(pattern, escape="\\"),
                Report.address.ilike(pattern, escape="\\"),
            )
        )
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
    stmt = filtered_query(scope, filters, now)
    if before_id is not None:
        stmt = stmt.where(Report.id < before_id)
    rows = await session.execute(stmt.order_by(Report.id.desc()).limit(limit))
    return rows.all()


async def count_reports(
    session: AsyncSession, *, scope: ColumnElement[bool], filters: ReportFilters, now: datetime
) -> dict[str, Any]:
    base = filtered_query(scope, filters, now).subquery()
    by_status = {
        status: int(n)
        for status, n in (
            await session.execute(select(base.c.status, func.count()).group_by(base.c.status))
        ).all()
    }
    overdue = or_(
        and_(base.c.status.in_(AWAITING_RESPONSE), base.c.respond_due_at < now),
        and_(base.c.status.in_(AWAITING_RESOLUTION), base.c.resolve_due_at < now),
    )
    open_statuses = AWAITING_RESPONSE + AWAITING_RESOLUTION
    row = (
        await session.execute(
            select(
                func.count().filter(overdue),
                func.count().filter(and_(base.c.key_supervision.is_(True), base.c.status.in_(open_statuses))),
            )
        )
    ).one()
    return {
        "by_status": by_status,
        "overdue": int(row[0]),
        "key_supervision": int(row[1]),
        "total": sum(by_status.values()),
    }


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
