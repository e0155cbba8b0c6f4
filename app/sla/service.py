"""The clocks' use cases, one batch at a time in the caller's transaction (the job commits each batch).

Every step has the same shape: list what is due (indexed), claim it in `sla_rungs` (only what this
transaction inserted is ours), then write the step's effects for the claimed reports only: outbox rows,
internal timeline entries, the escalation level, a supervision order. A step that lost the claim to
another instance does nothing at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.notifications import service as notifications_service
from app.notifications.service import OutboxMessage
from app.reports import service as reports_service
from app.reports.models import Report, TimelineEvent
from app.reports.sla import SlaLimits
from app.reports.workflow import Action
from app.sla import ladder, notices, recipients, repository
from app.sla.ladder import Rung
from app.sla.models import SlaRung
from app.sla.repository import DueReport, PolicyGroup
from app.supervision import service as supervision_service
from app.supervision.models import SupervisionOrder

SYSTEM = Actor.system("sla")


@dataclass(slots=True)
class StepResult:
    picked: int = 0  # due reports read this batch (a full batch means there may be more)
    claimed: int = 0  # of which this transaction took and acted on
    lost: int = 0  # of which another instance had claimed first (they drop out of the next batch)

    @property
    def progressed(self) -> bool:
        # A batch that neither claimed nor lost anything would come back identical: stop there.
        return bool(self.claimed or self.lost)

    counts: Counter[str] = field(default_factory=Counter)


async def advance(
    session: AsyncSession,
    rung: Rung,
    *,
    now: datetime,
    groups: Sequence[PolicyGroup],
    limit: int,
) -> StepResult:
    """Take one batch of reports up (or through) one step of the clocks."""
    due = await repository.due(session, rung, now=now, groups=groups, limit=limit)
    result = StepResult(picked=len(due))
    mine = await repository.claim(session, rung, due, now=now)
    claimed = [r for r in due if r.id in mine]
    result.claimed, result.lost = len(claimed), len(due) - len(claimed)
    if not claimed:
        return result
    limits = repository.limits_by_category(groups)
    if rung is Rung.county:
        claimed, order_due = await _open_orders(session, claimed, limits=limits, now=now, result=result)
    else:
        order_due = {}
    directory = await recipients.load(session, claimed, (n.audience for n in notices.NOTICES[rung]))
    messages = [
        m
        for report in claimed
        for m in _messages(
            rung, report, directory, order_due.get(report.id) or repository.deadline_of(rung, report), now
        )
    ]
    result.counts["notified"] += await notifications_service.enqueue_many(session, messages, now=now)
    _write_timeline(session, rung, claimed, limits=limits, now=now)
    if rung is Rung.town:
        await _raise_escalation_level(session, [r.id for r in claimed], now=now)
    result.counts[rung.value] += len(claimed)
    await session.flush()
    return result


def _messages(
    rung: Rung,
    report: DueReport,
    directory: recipients.Directory,
    deadline: datetime,
    now: datetime,
) -> list[OutboxMessage]:
    messages = []
    for notice in notices.NOTICES[rung]:
        payload = notices.payload(
            report_id=report.id,
            ledger_no=report.ledger_no,
            description=report.description,
            status=report.status,
            now=now,
            deadline=deadline,
            note=notice.note,
        )
        if notice.audience is notices.Audience.reporter:
            if report.reporter_villager_id is not None:
                key = notices.dedupe_key(rung, report.id, deadline)
                messages.append(
                    OutboxMessage(
                        notice.kind, key, payload, report.id, villager_id=report.reporter_villager_id
                    )
                )
            continue
        for staff_id in directory.staff_for(notice.audience, report):
            key = notices.dedupe_key(rung, report.id, deadline, staff_id=staff_id)
            messages.append(OutboxMessage(notice.kind, key, payload, report.id, staff_id=staff_id))
    return messages


def _write_timeline(
    session: AsyncSession,
    rung: Rung,
    reports: Sequence[DueReport],
    *,
    limits: dict[int, SlaLimits],
    now: datetime,
) -> None:
    for report in reports:
        lim = limits.get(report.category_id, SlaLimits())
        message = notices.timeline_message(rung, lim, has_department=report.department_id is not None)
        if message is None:
            continue
        session.add(
            TimelineEvent(
                report_id=report.id,
                at=now,
                action=f"sla_{rung.value}",
                status_after=report.status,
                actor_type="system",
                actor_id=None,
                message=message,
                visible_to_reporter=False,
                data={"rung": rung.value, "deadline": repository.deadline_of(rung, report).isoformat()},
            )
        )


async def _raise_escalation_level(session: AsyncSession, ids: list[int], *, now: datetime) -> None:
    # One statement for the batch; the version moves too, so a console form open on the old row
    # gets "updated by someone else" rather than silently undoing the escalation.
    await session.execute(
        update(Report)
        .where(Report.id.in_(ids))
        .values(escalation_level=Report.escalation_level + 1, version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def _open_orders(
    session: AsyncSession,
    claimed: list[DueReport],
    *,
    limits: dict[int, SlaLimits],
    now: datetime,
    result: StepResult,
) -> tuple[list[DueReport], dict[int, datetime]]:
    """Open the SLA supervision order for each claimed report; returns those to notify and the orders' due."""
    rows = {r.id: r for r in await repository.reports_for_update(session, [c.id for c in claimed])}
    supervised = set(
        (
            await session.scalars(
                select(SupervisionOrder.report_id).where(
                    SupervisionOrder.report_id.in_(list(rows)), SupervisionOrder.status == "open"
                )
            )
        ).all()
    )
    opened: list[DueReport] = []
    due_at: dict[int, datetime] = {}
    released: list[int] = []
    for item in claimed:
        report = rows.get(item.id)
        lim = limits.get(item.category_id, SlaLimits())
        # Judged again on the locked row: it may have been resolved or extended since the scan read it.
        if report is None or not any(
            r is Rung.county for r, _ in ladder.rungs_due(clock_state(report), lim, now)
        ):
            released.append(item.id)
            continue
        if report.id in supervised:
            # A supervisor opened an order by hand: the county has it; the rung stands as reached.
            result.counts["county_already_supervised"] += 1
            continue
        assert report.resolve_due_at is not None
        order = await supervision_service.open_order(
            session,
            report=report,
            reason=notices.county_reason(
                late=ladder.county_due_at(report.resolve_due_at, lim) <= now, limits=lim
            ),
            due_at=ladder.supervision_due_at(now, lim),
            actor=SYSTEM,
            now=now,
            source="sla",
        )
        opened.append(item)
        due_at[item.id] = order.due_at
    if released:
        # The rung is once per report: give back a claim that opened nothing, so a later deadline can.
        await session.execute(
            delete(SlaRung).where(SlaRung.report_id.in_(released), SlaRung.rung == Rung.county.value)
        )
        result.counts["county_released"] += len(released)
        result.claimed -= len(released)
    return opened, due_at


def clock_state(report: Report) -> ladder.ClockState:
    return ladder.ClockState(
        status=report.status,
        respond_due_at=report.respond_due_at,
        resolve_due_at=report.resolve_due_at,
        escalation_level=report.escalation_level,
        resolved_at=report.resolved_at,
        has_reporter=report.reporter_villager_id is not None,
    )


async def close_unrated(session: AsyncSession, *, now: datetime, tz: ZoneInfo, limit: int) -> StepResult:
    """Resolved a week ago and never rated: closed as "no response" (a real lifecycle step)."""
    reports = await repository.unrated_for_update(session, now=now, limit=limit)
    result = StepResult(picked=len(reports), claimed=len(reports))
    for report in reports:
        await reports_service.perform_action(
            session,
            report=report,
            action=Action.close,
            actor=Actor.system("rating-followup"),
            now=now,
            tz=tz,
            reason="no_response",
        )
        result.counts["closed"] += 1
    return result
