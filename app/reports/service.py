"""Report use cases: submitting, and performing a lifecycle action in one transaction.

The edge owns the commit; these functions flush when they need ids. Notifications (app/notifications) are
outbox rows written here too, never sent inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import service as audit
from app.audit.service import Actor
from app.categories.models import Category
from app.core.errors import Conflict, InvalidInput, NotFound
from app.notifications import service as notifications_service
from app.points import awarding as points_awarding
from app.reference.cache import CategoryRef, ReferenceData
from app.reports import ledger, workflow
from app.reports.models import Report, TimelineEvent
from app.reports.sla import SlaLimits, initial_deadlines
from app.reports.workflow import Action, ReportState, Status


@dataclass(slots=True)
class NewReport:
    kind: str
    category_id: int
    description: str
    village_id: int
    grid_id: int | None = None
    topic_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    coord_system: str | None = None
    address: str | None = None
    is_anonymous: bool = False
    channel: str = "miniprogram"
    reporter_villager_id: int | None = None
    reporter_staff_id: int | None = None
    held_for_review: bool = False  # staff see it first, the public never (content check, chat)


SUBMITTED_MESSAGE = "您的反映已提交，等待村(社区)审核"  # the timeline's first event, for every channel


async def submit_report(
    session: AsyncSession,
    *,
    data: NewReport,
    actor: Actor,
    now: datetime,
    reference: ReferenceData | None = None,
) -> Report:
    """`reference`: the app's cached categories and areas (without it they are read afresh)."""
    values = await report_values(session, data=data, now=now, reference=reference)
    return await add_report(session, values=values, actor=actor, now=now)


async def category_for(
    session: AsyncSession, reference: ReferenceData, *, code: str, kind: str
) -> CategoryRef:
    """The active category of this code and kind, as a report form names it (InvalidInput if not)."""
    category = await reference.category_by_code(session, code)
    if category is None or not category.is_active:
        raise InvalidInput("所选类别不存在", field="category")
    if category.kind != kind:
        raise InvalidInput("所选类别不属于该类型", field="category")
    return category


async def report_values(
    session: AsyncSession, *, data: NewReport, now: datetime, reference: ReferenceData | None = None
) -> dict[str, Any]:
    """The new report's columns, once its category, village and grid are checked (InvalidInput if not)."""
    reference = reference or ReferenceData()
    category = await reference.category(session, data.category_id)
    if category is None or not category.is_active:
        raise InvalidInput("所选类别不存在", field="category_id")
    if category.kind != data.kind:
        raise InvalidInput("所选类别不属于该类型", field="category_id")
    wanted = [data.village_id] if data.grid_id is None else [data.village_id, data.grid_id]
    areas = await reference.areas(session, wanted)
    village = areas.get(data.village_id)
    if village is None or village.level != "village" or village.parent_id is None:
        raise InvalidInput("所选村(社区)不存在", field="village_id")
    if data.grid_id is not None:
        grid = areas.get(data.grid_id)
        if grid is None or grid.parent_id != village.id:
            raise InvalidInput("所选网格不属于该村(社区)", field="grid_id")
    deadlines = initial_deadlines(data.kind, now, category.limits)
    return {
        "kind": data.kind,
        "category_id": category.id,
        "topic_code": data.topic_code,
        "description": data.description,
        "lat": data.lat,
        "lng": data.lng,
        "coord_system": data.coord_system,
        "address": data.address,
        "is_anonymous": data.is_anonymous,
        "channel": data.channel,
        "town_id": village.parent_id,
        "village_id": village.id,
        "grid_id": data.grid_id,
        "reporter_villager_id": data.reporter_villager_id,
        "reporter_staff_id": data.reporter_staff_id,
        "status": Status.submitted.value,
        "submitted_at": now,
        "respond_due_at": deadlines.respond_due_at,
        "resolve_due_at": deadlines.resolve_due_at,
        "held_for_review": data.held_for_review,
    }


async def add_report(session: AsyncSession, *, values: dict[str, Any], actor: Actor, now: datetime) -> Report:
    """The report of `report_values` and its first timeline event, flushed (it has its id)."""
    report = Report(**values, created_at=now, updated_at=now)
    session.add(report)
    _add_timeline(session, report, action="submit", actor=actor, now=now, message=SUBMITTED_MESSAGE)
    await session.flush()
    return report


def state_of(report: Report) -> ReportState:
    return ReportState(
        kind=report.kind,
        status=Status(report.status),
        resolve_due_at=report.resolve_due_at,
        assignee_staff_id=report.assignee_staff_id,
        assignee_team=report.assignee_team,
        department_id=report.department_id,
        extension_requested_until=report.extension_requested_until,
        bounce_reason=report.bounce_reason,
        escalation_level=report.escalation_level,
        reopen_count=report.reopen_count,
    )


async def perform_action(
    session: AsyncSession,
    *,
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    expected_version: int | None = None,
    **params: Any,
) -> Report:
    """Apply one lifecycle action: status, deadlines, timeline event, audit entry — or nothing at all."""
    if expected_version is not None and expected_version != report.version:
        raise Conflict("该工单已被他人更新，请刷新后重试", field="version")
    category = await session.scalar(
        select(Category).options(selectinload(Category.sla_policy)).where(Category.id == report.category_id)
    )
    assert category is not None
    if actor.kind == "staff":
        params.setdefault("actor_staff_id", actor.id)
    outcome = workflow.plan(
        state_of(report), action, now=now, limits=SlaLimits.of(category.sla_policy), **params
    )
    previous = report.status
    if action in (Action.accept, Action.acknowledge) and report.ledger_no is None:
        report.ledger_no = await ledger.next_ledger_no(session, now=now, tz=tz)
    for name, value in outcome.changes.items():
        setattr(report, name, value)
    if action in (Action.accept, Action.acknowledge) and report.held_for_review:
        # Whoever accepts it has read the text: that is the human review the hold was waiting for.
        report.held_for_review = False
    report.status = outcome.status.value
    report.updated_at = now
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Conflict("该工单已被他人更新，请刷新后重试") from exc
    message = outcome.message
    if action is Action.accept:
        message = f"{message}（台账编号 {report.ledger_no}）"
    _add_timeline(
        session,
        report,
        action=action.value,
        actor=actor,
        now=now,
        message=message,
        visible=outcome.visible_to_reporter,
        data={k: _jsonable(v) for k, v in params.items() if k != "actor_staff_id"},
    )
    audit.record(
        session,
        actor=actor,
        action=f"report.{action.value}",
        target_type="report",
        target_id=report.id,
        at=now,
        details={"from": previous, "to": report.status, **{k: _jsonable(v) for k, v in params.items()}},
    )
    await notifications_service.on_report_transition(session, report=report, action=action, now=now, tz=tz)
    await points_awarding.on_report_transition(
        session, report=report, action=action, now=now, actor=actor, tz=tz, params=params
    )
    await session.flush()
    return report


async def set_flag(
    session: AsyncSession,
    *,
    report: Report,
    actor: Actor,
    now: datetime,
    name: str,
    value: bool,
    message: str,
    expected_version: int | None = None,
    visible: bool = True,
) -> Report:
    """Flags beside the lifecycle (public, key supervision): same transaction, timeline and audit rules."""
    if name not in ("is_public", "key_supervision"):
        raise ValueError(name)
    if expected_version is not None and expected_version != report.version:
        raise Conflict("该工单已被他人更新，请刷新后重试", field="version")
    previous = getattr(report, name)
    setattr(report, name, value)
    details: dict[str, Any] = {"from": previous, "to": value, "message": message}
    if name == "is_public" and value and report.held_for_review:
        # A hold that came after acceptance (a photo's verdict): whoever makes the report public has
        # reviewed it, as acceptance reviews the holds before it. Nothing else releases it.
        report.held_for_review = False
        details["released_hold"] = True
    report.updated_at = now
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Conflict("该工单已被他人更新，请刷新后重试") from exc
    _add_timeline(session, report, action=name, actor=actor, now=now, message=message, visible=visible)
    audit.record(
        session,
        actor=actor,
        action=f"report.{name}",
        target_type="report",
        target_id=report.id,
        at=now,
        details=details,
    )
    await session.flush()
    return report


def _add_timeline(
    session: AsyncSession,
    report: Report,
    *,
    action: str,
    actor: Actor,
    now: datetime,
    message: str,
    visible: bool = True,
    data: dict[str, Any] | None = None,
) -> None:
    # A report not yet flushed has no id: the relationship ties them, and one flush inserts both.
    link: dict[str, Any] = {"report_id": report.id} if report.id is not None else {"report": report}
    session.add(
        TimelineEvent(
            **link,
            at=now,
            action=action,
            status_after=report.status,
            actor_type=actor.kind,
            actor_id=actor.id,
            message=message[:500],
            visible_to_reporter=visible,
            data=data or {},
        )
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def get_report(session: AsyncSession, report_id: int, *, for_update: bool = False) -> Report:
    stmt = select(Report).where(Report.id == report_id)
    if for_update:
        stmt = stmt.with_for_update()
    report = await session.scalar(stmt)
    if report is None:
        raise NotFound("工单不存在", field="report_id")
    return report
