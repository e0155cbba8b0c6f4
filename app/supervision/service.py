"""Supervision use cases. Each writes its audit entry in the caller's transaction; the edge commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.notifications import service as notifications_service
from app.notifications.kinds import Kind
from app.people.models import Role, StaffAccount
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import OPEN_STATUSES, Action, Status
from app.supervision.models import (
    LookBack,
    SpecialLedger,
    SpecialLedgerItem,
    SupervisionOrder,
    SupervisionRecord,
)

METHOD_LABELS = {"system": "系统督促", "phone": "电话督导", "on_site": "现场督办"}


async def responsible_staff(session: AsyncSession, report: Report) -> list[int]:
    """Who answers for a report now: its department's staff, else its assignee, else the village secretary."""
    base = select(StaffAccount.id).where(StaffAccount.is_active.is_(True))
    if report.department_id is not None:
        stmt = base.where(StaffAccount.department_id == report.department_id)
    elif report.assignee_staff_id is not None:
        stmt = base.where(StaffAccount.id == report.assignee_staff_id)
    else:
        stmt = base.where(
            StaffAccount.area_id == report.village_id, StaffAccount.role == Role.village_secretary
        )
    return list((await session.scalars(stmt.order_by(StaffAccount.id))).all())


async def _notify_units(
    session: AsyncSession,
    *,
    report: Report,
    cause: str,
    note: str,
    now: datetime,
    due_at: datetime | None = None,
) -> int:
    payload: dict[str, object] = {
        "report_id": report.id,
        "ledger_no": report.ledger_no or "",
        "title": report.description[:100],
        "note": note,
        "time": now.isoformat(),
    }
    if due_at is not None:
        payload["deadline"] = due_at.isoformat()
    written = 0
    for staff_id in await responsible_staff(session, report):
        written += await notifications_service.enqueue(
            session,
            kind=Kind.supervision_order,
            dedupe_key=f"{cause}:s{staff_id}",
            now=now,
            payload=payload,
            staff_id=staff_id,
            report_id=report.id,
        )
    return written


async def open_order(
    session: AsyncSession,
    *,
    report: Report,
    reason: str,
    due_at: datetime,
    actor: Actor,
    now: datetime,
    source: str = "manual",
) -> SupervisionOrder:
    if Status(report.status) not in OPEN_STATUSES:
        raise Conflict("只有未办结的工单可以列为重点督办", field="report_id")
    if due_at <= now:
        raise InvalidInput("督办期限应晚于现在", field="due_at")
    existing = await session.scalar(
        select(SupervisionOrder).where(
            SupervisionOrder.report_id == report.id, SupervisionOrder.status == "open"
        )
    )
    if existing is not None:
        raise Conflict("该工单已有未结束的督办单", field="report_id")
    order = SupervisionOrder(
        report_id=report.id,
        source=source,
        reason=reason,
        opened_by_id=actor.id if actor.kind == "staff" else None,
        opened_at=now,
        due_at=due_at,
    )
    session.add(order)
    await session.flush()
    if not report.key_supervision:
        await reports_service.set_flag(
            session,
            report=report,
            actor=actor,
            now=now,
            name="key_supervision",
            value=True,
            message=f"列为重点督办：{reason}",
            visible=False,
        )
    audit.record(
        session,
        actor=actor,
        action="supervision.open",
        target_type="supervision_order",
        target_id=order.id,
        at=now,
        details={"report_id": report.id, "source": source, "reason": reason},
    )
    await _notify_units(
        session,
        report=report,
        cause=f"supervision:{order.id}",
        note="重点督办：" + reason,
        now=now,
        due_at=due_at,
    )
    return order


def _require_open(order: SupervisionOrder) -> None:
    if order.status != "open":
        raise Conflict("督办单已结束", field="order_id")


async def add_record(
    session: AsyncSession, *, order: SupervisionOrder, method: str, findings: str, actor: Actor, now: datetime
) -> SupervisionRecord:
    _require_open(order)
    if method not in METHOD_LABELS:
        raise InvalidInput("督办方式应为系统督促、电话督导或现场督办", field="method")
    record = SupervisionRecord(
        order_id=order.id, method=method, by_staff_id=actor.id, at=now, findings=findings
    )
    session.add(record)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="supervision.record",
        target_type="supervision_order",
        target_id=order.id,
        at=now,
        details={"method": method},
    )
    return record


async def close_order(
    session: AsyncSession, *, order: SupervisionOrder, result: str, actor: Actor, now: datetime
) -> SupervisionOrder:
    _require_open(order)
    order.status, order.result, order.closed_at, order.updated_at = "closed", result, now, now
    report = await reports_service.get_report(session, order.report_id)
    await reports_service.set_flag(
        session,
        report=report,
        actor=actor,
        now=now,
        name="key_supervision",
        value=False,
        message=f"重点督办结束：{result}",
        visible=False,
    )
    audit.record(
        session,
        actor=actor,
        action="supervision.close",
        target_type="supervision_order",
        target_id=order.id,
        at=now,
        details={"result": result},
    )
    return order


async def schedule_look_back(
    session: AsyncSession, *, report: Report, due_at: datetime, actor: Actor, now: datetime
) -> LookBack:
    if report.status not in (Status.closed.value, Status.resolved.value):
        raise Conflict("只有已办结或已归档的工单可以回头看", field="report_id")
    if due_at <= now:
        raise InvalidInput("回头看时间应晚于现在", field="due_at")
    if await session.scalar(
        select(LookBack.id).where(LookBack.report_id == report.id, LookBack.due_at == due_at)
    ):
        raise Conflict("该工单在这个时间已安排回头看", field="due_at")
    look = LookBack(report_id=report.id, due_at=due_at, scheduled_by_id=actor.id)
    session.add(look)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="lookback.schedule",
        target_type="look_back",
        target_id=look.id,
        at=now,
        details={"report_id": report.id, "due_at": due_at.isoformat()},
    )
    return look


async def complete_look_back(
    session: AsyncSession,
    *,
    look: LookBack,
    outcome: str,
    notes: str | None,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> LookBack:
    if look.done_at is not None:
        raise Conflict("该回头看已完成", field="look_back_id")
    if outcome not in ("holds", "recurred"):
        raise InvalidInput("回头看结论应为问题已解决或问题复发", field="outcome")
    look.done_at, look.done_by_id, look.outcome, look.notes = now, actor.id, outcome, notes
    if outcome == "recurred":
        # A problem that came back is reopened (重办), not filed again.
        report = await reports_service.get_report(session, look.report_id)
        await reports_service.perform_action(
            session,
            report=report,
            action=Action.reopen,
            actor=actor,
            now=now,
            tz=tz,
            reason="回头看发现问题复发" + (f"：{notes}" if notes else ""),
        )
    audit.record(
        session,
        actor=actor,
        action="lookback.complete",
        target_type="look_back",
        target_id=look.id,
        at=now,
        details={"outcome": outcome},
    )
    await session.flush()
    return look


async def create_ledger(
    session: AsyncSession,
    *,
    title: str,
    description: str | None,
    report_ids: Sequence[int],
    area_id: int,
    scope: ColumnElement[bool],
    actor: Actor,
    now: datetime,
) -> SpecialLedger:
    wanted = list(dict.fromkeys(report_ids))
    found = set((await session.scalars(select(Report.id).where(Report.id.in_(wanted), scope))).all())
    missing = [rid for rid in wanted if rid not in found]
    if missing:
        raise NotFound(f"以下工单不存在：{missing}", field="report_ids")
    ledger = SpecialLedger(title=title, description=description, created_by_id=actor.id, area_id=area_id)
    session.add(ledger)
    await session.flush()
    session.add_all(SpecialLedgerItem(ledger_id=ledger.id, report_id=rid) for rid in wanted)
    audit.record(
        session,
        actor=actor,
        action="ledger.create",
        target_type="special_ledger",
        target_id=ledger.id,
        at=now,
        details={"title": title, "reports": wanted},
    )
    await session.flush()
    return ledger


async def push_ledger(
    session: AsyncSession, *, ledger: SpecialLedger, actor: Actor, now: datetime
) -> list[Report]:
    """Mark the ledger pushed and tell the units behind each of its reports (outbox rows)."""
    if ledger.pushed_at is not None:
        raise Conflict("该专项台账已推送", field="ledger_id")
    ledger.pushed_at, ledger.updated_at = now, now
    reports = (
        await session.scalars(
            select(Report)
            .join(SpecialLedgerItem, SpecialLedgerItem.report_id == Report.id)
            .where(SpecialLedgerItem.ledger_id == ledger.id)
            .order_by(Report.id)
        )
    ).all()
    audit.record(
        session,
        actor=actor,
        action="ledger.push",
        target_type="special_ledger",
        target_id=ledger.id,
        at=now,
        details={"reports": [r.id for r in reports]},
    )
    for report in reports:
        await _notify_units(
            session,
            report=report,
            cause=f"ledger:{ledger.id}:r{report.id}",
            note=f"专项台账「{ledger.title}」，请开展回头看",
            now=now,
        )
    await session.flush()
    return list(reports)


async def get_order(session: AsyncSession, order_id: int, scope: ColumnElement[bool]) -> SupervisionOrder:
    order = await session.scalar(
        select(SupervisionOrder)
        .join(Report, Report.id == SupervisionOrder.report_id)
        .where(SupervisionOrder.id == order_id, scope)
    )
    if order is None:
        raise NotFound("督办单不存在", field="order_id")
    return order
