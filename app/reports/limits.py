"""A villager's daily number of reports, whatever the channel (mini program or Official Account chat).

One statement counts the report being made: an upsert on the villager's row of the day that adds one
only while the count is under the limit. Concurrent submissions of one villager queue on that row,
and each sees the count the one before it committed: ON CONFLICT DO UPDATE works on the latest
version of the row, where a lock and a count in one statement would count with the snapshot taken
before the wait (and let every waiter through). Runs inside the submission's transaction, so a
submission that fails afterwards takes its count back with it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import DomainError
from app.reports.models import DailyReportCount, Report

COUNTS = cast(Table, DailyReportCount.__table__)
# The day's first count starts from the reports already made that day (made before this table
# existed, or by the demo seed): the row is self-starting, and needs no backfill.
_MADE_TODAY = (
    select(func.count(Report.id).label("made"))
    .where(
        Report.reporter_villager_id == bindparam("dl_villager"), Report.submitted_at >= bindparam("dl_since")
    )
    .subquery("today")
)


def _take(dialect: Any) -> Any:
    """INSERT the day's row with one more than the reports made so far, or add one to it; either only
    under the limit. RETURNING gives the new count, or nothing when the limit was reached."""
    made = _MADE_TODAY.c.made  # counted once, compared and incremented from the same row
    first = select(bindparam("dl_villager"), bindparam("dl_day"), made + 1).where(
        made < bindparam("dl_limit")
    )
    stmt = dialect.insert(COUNTS).from_select(["villager_id", "day", "reports"], first)
    return stmt.on_conflict_do_update(
        index_elements=[COUNTS.c.villager_id, COUNTS.c.day],
        set_={"reports": COUNTS.c.reports + 1},
        where=COUNTS.c.reports < bindparam("dl_limit"),
    ).returning(COUNTS.c.reports)


# Built once, with bound parameters (named dl_…, so that a statement doing more can hold this one):
# on the report path, building a statement costs as much as running it.
_TAKE = {"postgresql": _take(postgresql), "sqlite": _take(sqlite)}
TAKE_ONE = _TAKE["postgresql"]  # for a WITH that makes the report only when the count was taken


class TooManyReports(DomainError):
    status_code = 429
    code = "daily_limit"


def params(*, villager_id: int, limit: int, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """TAKE_ONE's parameters: the villager's local day of `now`."""
    local_midnight = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
    return {
        "dl_villager": villager_id,
        "dl_day": local_midnight.date(),
        "dl_since": local_midnight,
        "dl_limit": limit,
    }


def too_many(limit: int) -> TooManyReports:
    return TooManyReports(f"您今天已提交 {limit} 条反映，已达每日上限，请明天再提交", field="description")


async def purge_before(session: AsyncSession, *, day: date) -> int:
    """The counts of days before `day`: only today's row limits anyone (the daily `retention` job)."""
    result = await session.execute(delete(COUNTS).where(COUNTS.c.day < day))
    return int(getattr(result, "rowcount", 0) or 0)


async def take_one(
    session: AsyncSession, *, villager_id: int, limit: int, now: datetime, tz: ZoneInfo
) -> None:
    """Count one more report for the villager today, or raise TooManyReports (and count nothing)."""
    stmt = _TAKE[session.get_bind().dialect.name]
    if await session.scalar(stmt, params(villager_id=villager_id, limit=limit, now=now, tz=tz)) is None:
        raise too_many(limit)
