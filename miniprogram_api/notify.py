"""What the mini program edge tells people: outbox rows written in the request's transaction.

The outbox's own rules (app.notifications.report_notices) decide who hears what about a lifecycle step;
their dedupe keys make a second call for the same step a no-op, so this stays safe if the lifecycle
service writes them too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications import service as notifications_service
from app.notifications.kinds import Kind
from app.notifications.report_notices import TITLE_CHARS
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS, Action, Status


async def report_received(session: AsyncSession, *, report: Report, now: datetime) -> None:
    """The receipt (回执) for a new report. Its own key: the acceptance notice ("ack:<id>", with the
    ledger number) still follows when the village accepts it."""
    assert report.reporter_villager_id is not None
    await notifications_service.enqueue(
        session,
        kind=Kind.acknowledged,
        dedupe_key=f"received:{report.id}",
        now=now,
        villager_id=report.reporter_villager_id,
        report_id=report.id,
        payload={
            "report_id": report.id,
            "ledger_no": "",
            "title": report.description[:TITLE_CHARS],
            "status": STATUS_LABELS[Status(report.status)],
            "time": now.isoformat(),
            "note": "已收到您的反映，等待村(社区)审核",
        },
    )


async def report_rated(session: AsyncSession, *, report: Report, now: datetime) -> None:
    """An unsatisfied rating reopens the report (重办) and the assignee is told; any other closes it."""
    await notifications_service.on_report_transition(session, report=report, action=Action.rate, now=now)
