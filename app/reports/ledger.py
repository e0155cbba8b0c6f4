"""Ledger numbers (台账编号): `SP` + local date + a per-day sequence, e.g. SP20261203-00017.

The sequence is an atomic upsert on one counter row per day, so concurrent acceptances queue on that row
and never share a number; the unique constraint on `reports.ledger_no` backs it up.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.reports.models import LedgerCounter


def format_ledger_no(day: date, seq: int) -> str:
    return f"SP{day:%Y%m%d}-{seq:05d}"


async def next_ledger_no(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> str:
    day = now.astimezone(tz).date()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = (
        insert(LedgerCounter)
        .values(day=day, last_value=1)
        .on_conflict_do_update(
            index_elements=[LedgerCounter.day], set_={"last_value": LedgerCounter.last_value + 1}
        )
        .returning(LedgerCounter.last_value)
    )
    seq = (await session.execute(upsert)).scalar_one()
    return format_ledger_no(day, seq)


async def current_counter(session: AsyncSession, day: date) -> int:
    value = await session.scalar(select(LedgerCounter.last_value).where(LedgerCounter.day == day))
    return value or 0
