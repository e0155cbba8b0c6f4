"""Reporter caps: the most a villager earns by reporting in one local day and one local month.

Counted gross (what was awarded in the window, before any reversal), so reversing an award does not
reopen room for more reports: the caps are a guard against floods, not a balance. The caller holds the
account's lock, so two awards for one person cannot both take the last room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.points.models import REPORTER_AWARDS, PointsEntry
from app.points.rules import RuleParams


@dataclass(frozen=True, slots=True)
class Capped:
    amount: int
    uncapped: int | None  # the rules' amount when the cap cut it, else None


def apply(requested: int, *, day_total: int, month_total: int, params: RuleParams) -> Capped:
    """Pure: what may be awarded given what was awarded today and this month."""
    room = min(params.reporter_daily_cap - day_total, params.reporter_monthly_cap - month_total)
    amount = max(0, min(requested, room))
    return Capped(amount, requested if amount < requested else None)


def local_day_and_month(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = now.astimezone(tz)
    day = datetime.combine(local.date(), time(0), tzinfo=tz)
    return day, day.replace(day=1)


async def cap_reporter_award(
    session: AsyncSession, *, account_id: int, requested: int, now: datetime, tz: ZoneInfo, params: RuleParams
) -> Capped:
    day_start, month_start = local_day_and_month(now, tz)
    awarded = PointsEntry.reason.in_([r.value for r in REPORTER_AWARDS])

    async def total(since: datetime) -> int:
        value = await session.scalar(
            select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
                PointsEntry.account_id == account_id,
                awarded,
                PointsEntry.occurred_at >= since,
                PointsEntry.occurred_at < day_start + timedelta(days=1),
            )
        )
        return int(value or 0)

    return apply(
        requested, day_total=await total(day_start), month_total=await total(month_start), params=params
    )
