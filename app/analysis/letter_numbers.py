"""Document numbers of reminder letters (发文字号): 〔2026〕第12号, from a per-year counter.

Like ledger numbers (app/reports/ledger.py): an atomic upsert on one counter row per year, so concurrent
issues queue on that row and never share a number; the unique constraint on `reminder_letters.doc_no`
backs it up. The year is the issue's local (Asia/Shanghai) calendar year.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.models import LetterCounter


def format_doc_no(year: int, seq: int) -> str:
    return f"〔{year}〕第{seq}号"


async def next_doc_no(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> tuple[int, int, str]:
    """(year, sequence, formatted number) for the next letter issued at `now`."""
    year = now.astimezone(tz).year
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = (
        insert(LetterCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[LetterCounter.year], set_={"last_value": LetterCounter.last_value + 1}
        )
        .returning(LetterCounter.last_value)
    )
    seq = (await session.execute(upsert)).scalar_one()
    return year, seq, format_doc_no(year, seq)


async def current_counter(session: AsyncSession, year: int) -> int:
    value = await session.scalar(select(LetterCounter.last_value).where(LetterCounter.year == year))
    return value or 0
