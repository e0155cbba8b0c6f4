"""A villager's daily number of reports, whatever the channel (mini program or Official Account chat).

The villager's row lock serialises their own submissions, so two at once cannot both slip under the
limit. Runs inside the submission's transaction.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import DomainError
from app.people.models import Villager
from app.reports.models import Report

_LOCKED = select(Villager.id).where(Villager.id == bindparam("vid")).with_for_update(key_share=True).cte()
# Built once, with bound parameters: on the report path, building a statement costs as much as running it.
_LOCK_AND_COUNT = (
    select(func.count(Report.id))
    .select_from(_LOCKED)
    .outerjoin(
        Report, and_(Report.reporter_villager_id == _LOCKED.c.id, Report.submitted_at >= bindparam("since"))
    )
)


class TooManyReports(DomainError):
    status_code = 429
    code = "daily_limit"


async def check_daily(
    session: AsyncSession, *, villager_id: int, limit: int, now: datetime, tz: ZoneInfo
) -> None:
    # The villager's row lock serialises their own submissions, so the count cannot be raced past.
    # FOR NO KEY UPDATE: it does not wait on the key-share locks that foreign keys to the villager take
    # (the idempotency row, a concurrent report), which FOR UPDATE would turn into deadlocks. Lock and
    # count are one statement: the lock in a CTE, the count joined to it.
    local_midnight = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
    today = await session.scalar(_LOCK_AND_COUNT, {"vid": villager_id, "since": local_midnight})
    if (today or 0) >= limit:
        raise TooManyReports(f"您今天已提交 {limit} 条反映，已达每日上限，请明天再提交", field="description")
