"""The lifecycle hook: what a report's transition awards or takes back, once per awarding event.

Called by `reports.service.perform_action` right after the transition, in its transaction. Award keys
name the event ("report:<id>:reporter:accepted", "report:<id>:handler:closed:r<round>"), so a retried
or concurrent duplicate of the same step inserts nothing. Rules:

- accept (problem) / acknowledge (praise, alert): the villager who reported gets points by the quality
  grade the intake cadre set (the rules' default grade when none), within the reporter caps.
- rejected, duplicate, spam: nothing; a report later marked duplicate gives back what it earned.
- a problem closed after its resolution: the reporter's confirmation bonus and, for the handler (the
  assignee, else whoever resolved it), points by timeliness and the rating. A reopened report gives these
  back; its next close awards its new round.
- a praise published, an alert published or forwarded: the reporter's confirmation bonus.
Staff who report (grid workers) earn by handling, not reporting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.points import caps, ledger, notices, rules
from app.points.ledger import Holder, Posting
from app.points.models import AUTOMATIC_AWARDS, PointsEntry, Reason
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import RATINGS, Action, Status

GRADE_LABELS = {1: "一般", 2: "较好", 3: "优质"}
CONFIRMED_LABELS = {"problem": "问题已解决", "praise": "点赞已公开", "alert": "提醒已核实处置"}
ROUND_AWARDS = frozenset({Reason.reporter_confirmed, Reason.handler_case})


async def on_report_transition(
    session: AsyncSession,
    *,
    report: Report,
    action: Action,
    now: datetime,
    actor: Actor,
    tz: ZoneInfo,
    params: dict[str, Any],
) -> list[PointsEntry]:
    """The entries this step wrote (none when the step awards nothing or was awarded already)."""
    status = Status(report.status)
    if action in (Action.accept, Action.acknowledge):
        return await _accepted(session, report=report, action=action, now=now, tz=tz)
    if status is Status.rejected:
        return await _take_back(session, report, AUTOMATIC_AWARDS, "标记为重复反映，积分收回", now)
    if action in (Action.rate, Action.close) and status is Status.closed:
        return await _closed(session, report=report, action=action, now=now, tz=tz)
    if action is Action.reopen or (action is Action.rate and status is not Status.closed):
        return await _take_back(session, report, ROUND_AWARDS, "工单重办，本轮积分收回", now)
    confirmed = (action is Action.publish) or (action is Action.forward and report.kind == "alert")
    if confirmed and report.kind in ("praise", "alert"):
        return await _confirmed(session, report=report, action=action, now=now, tz=tz)
    return []


async def _event_id(session: AsyncSession, report: Report, action: Action) -> int | None:
    await session.flush()  # the transition's timeline event gets its id
    event_id: int | None = await session.scalar(
        select(TimelineEvent.id)
        .where(TimelineEvent.report_id == report.id, TimelineEvent.action == action.value)
        .order_by(TimelineEvent.id.desc())
        .limit(1)
    )
    return event_id


async def _award_reporter(
    session: AsyncSession,
    *,
    report: Report,
    action: Action,
    reason: Reason,
    key: str,
    label: str,
    requested: int,
    found: rules.Rules,
    now: datetime,
    tz: ZoneInfo,
) -> list[PointsEntry]:
    if report.reporter_villager_id is None:
        return []
    event_id = await _event_id(session, report, action)
    account = await ledger.lock_account(session, Holder(villager_id=report.reporter_villager_id), now=now)
    capped = await caps.cap_reporter_award(
        session, account_id=account.id, requested=requested, now=now, tz=tz, params=found.params
    )
    if capped.uncapped is not None:
        label = f"{label}（已达积分上限）"
    entry = await ledger.post(
        session,
        account,
        Posting(
            amount=capped.amount,
            reason=reason,
            label=label,
            award_key=key,
            report_id=report.id,
            timeline_event_id=event_id,
            rule_version_id=found.version_id,
            uncapped_amount=capped.uncapped,
        ),
        now=now,
    )
    if entry is None:
        return []
    await notices.points_earned(session, account=account, entry=entry, now=now)
    return [entry]


async def _accepted(
    session: AsyncSession, *, report: Report, action: Action, now: datetime, tz: ZoneInfo
) -> list[PointsEntry]:
    found = await rules.in_force(session, now=now)
    grade = report.quality_grade or found.params.default_grade
    return await _award_reporter(
        session,
        report=report,
        action=action,
        reason=Reason.reporter_accepted,
        key=f"report:{report.id}:reporter:accepted",
        label=f"反映被受理（{GRADE_LABELS[grade]}）",
        requested=found.params.accepted_for(grade),
        found=found,
        now=now,
        tz=tz,
    )


async def _confirmed(
    session: AsyncSession, *, report: Report, action: Action, now: datetime, tz: ZoneInfo
) -> list[PointsEntry]:
    found = await rules.in_force(session, now=now)
    kind = report.kind
    return await _award_reporter(
        session,
        report=report,
        action=action,
        reason=Reason.reporter_confirmed,
        key=f"report:{report.id}:reporter:confirmed:r{report.reopen_count}",
        label=CONFIRMED_LABELS[kind],
        requested=getattr(found.params.confirmed_bonus, kind),
        found=found,
        now=now,
        tz=tz,
    )


async def _closed(
    session: AsyncSession, *, report: Report, action: Action, now: datetime, tz: ZoneInfo
) -> list[PointsEntry]:
    written = await _confirmed(session, report=report, action=action, now=now, tz=tz)
    handler_id = report.assignee_staff_id or await _resolver(session, report)
    if handler_id is None:
        return written
    found = await rules.in_force(session, now=now)
    p = found.params
    on_time = report.resolve_due_at is None or (
        report.resolved_at is not None and report.resolved_at <= report.resolve_due_at
    )
    rating = report.rating if report.rating in ("satisfied", "basically") else "unrated"
    amount = (p.handler_on_time if on_time else p.handler_late) + getattr(p.handler_rating, rating)
    rated = RATINGS.get(report.rating or "", "未评价")
    account = await ledger.lock_account(session, Holder(staff_id=handler_id), now=now)
    entry = await ledger.post(
        session,
        account,
        Posting(
            amount=amount,
            reason=Reason.handler_case,
            label=f"办结工单（{'按时' if on_time else '超时'}，{rated}）",
            award_key=f"report:{report.id}:handler:closed:r{report.reopen_count}",
            report_id=report.id,
            timeline_event_id=await _event_id(session, report, action),
            rule_version_id=found.version_id,
        ),
        now=now,
    )
    return [*written, entry] if entry is not None else written


async def _resolver(session: AsyncSession, report: Report) -> int | None:
    """The staff member who resolved the report (a team or department case has no single assignee)."""
    row = (
        await session.execute(
            select(TimelineEvent.actor_type, TimelineEvent.actor_id)
            .where(TimelineEvent.report_id == report.id, TimelineEvent.action == Action.resolve.value)
            .order_by(TimelineEvent.id.desc())
            .limit(1)
        )
    ).first()
    return row.actor_id if row is not None and row.actor_type == "staff" else None


async def _take_back(
    session: AsyncSession, report: Report, reasons: frozenset[Reason], label: str, now: datetime
) -> list[PointsEntry]:
    written = []
    for entry in await ledger.live_entries(session, report_id=report.id, reasons=reasons):
        reversal = await ledger.reverse(session, entry=entry, label=label, now=now)
        if reversal is not None:
            written.append(reversal)
    return written
