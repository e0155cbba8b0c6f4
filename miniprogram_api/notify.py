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
from app.notifications.service import OutboxMessage
from app.reports.models import Report
from app.reports.workflow import STATUS_LABELS, Action, Status

RECEIPT_KEY = "received:"  # and the report's id


def receipt(*, villager_id: int, description: str, status: str, now: datetime) -> OutboxMessage:
    """The receipt (回执) for a new report, before the report has an id: its dedupe key is RECEIPT_KEY
    and the id, and its payload gains "report_id" (`report_received`, or the one statement of
    miniprogram_api/filing.py). The acceptance notice ("ack:<id>", with the ledger number) still
    follows when the village accepts it."""
    payload = {
        "ledger_no": "",
        "title": description[:TITLE_CHARS],
        "status": STATUS_LABELS[Status(status)],
        "time": now.isoformat(),
        "note": "已收到您的反映，等待村(社区)审核",
    }
    return OutboxMessage(Kind.acknowledged, RECEIPT_KEY, payload, villager_id=villager_id)


async def report_received(session: AsyncSession, *, report: Report, now: datetime) -> None:
    assert report.reporter_villager_id is not None
    message = receipt(
        villager_id=report.reporter_villager_id, description=report.description, status=report.status, now=now
    )
    await notifications_service.enqueue(
        session,
        kind=message.kind,
        dedupe_key=f"{message.dedupe_key}{report.id}",
        now=now,
        villager_id=message.villager_id,
        report_id=report.id,
        payload={"report_id": report.id, **message.payload},
    )


async def report_rated(session: AsyncSession, *, report: Report, now: datetime) -> None:
    """An unsatisfied rating reopens the report (重办) and the assignee is told; any other closes it."""
    await notifications_service.on_report_transition(session, report=report, action=Action.rate, now=now)
