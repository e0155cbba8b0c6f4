"""Seconding (附议) an open report: one voice per villager, counted for the staff and the reporter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.reports.models import Report
from app.reports.workflow import OPEN_STATUSES, Status
from app.villagers.models import ReportSecond


async def second(session: AsyncSession, *, report: Report, villager_id: int, now: datetime) -> bool:
    """True when this villager's voice was added now, False when they had already seconded it."""
    if Status(report.status) not in OPEN_STATUSES:
        raise Conflict("该问题已办结或已关闭，无需附议", field="report_id")
    if report.reporter_villager_id == villager_id:
        raise Conflict("这是您自己反映的问题，无需附议", field="report_id")
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ReportSecond)
        .values(report_id=report.id, villager_id=villager_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["report_id", "villager_id"])
        .returning(ReportSecond.id)
    )
    return result.scalar_one_or_none() is not None


async def counts(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, int]:
    if not report_ids:
        return {}
    rows = await session.execute(
        select(ReportSecond.report_id, func.count())
        .where(ReportSecond.report_id.in_(report_ids))
        .group_by(ReportSecond.report_id)
    )
    return {report_id: int(n) for report_id, n in rows.all()}
