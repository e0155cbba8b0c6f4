"""The embedded demo (SQLite): the monthly job stores its reports and a letter is numbered and issued."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.analysis import letters
from app.analysis.models import HealthReport, PeriodReport, ReminderLetter
from app.audit.service import Actor
from app.core import migrate
from app.core.database import Database
from scheduler.jobs import JOBS
from scheduler.runner import run_once
from tests.analysis.county import MONTHLY_SLOT, TZ, generated_county


async def test_the_monthly_job_and_letter_numbers_work_on_sqlite(tmp_path, settings):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    local = settings.model_copy(update={"database_url": url})
    try:
        async with database.sessionmaker() as session:
            county = await generated_county(session, per_village=9)
            await session.commit()
        for _ in range(2):
            result = await run_once(
                JOBS["calendar-monthly"], database=database, settings=local, now=MONTHLY_SLOT
            )
            assert result.outcome == "succeeded", result.error
        async with database.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(PeriodReport)) == 1
            assert await session.scalar(select(func.count()).select_from(HealthReport)) == 16
            letter = await session.scalar(
                select(ReminderLetter).where(ReminderLetter.unit_id == county.bad_village.id)
            )
            assert letter is not None
            await letters.issue(session, letter=letter, actor=Actor.system(), now=MONTHLY_SLOT, tz=TZ)
            await session.commit()
            assert letter.doc_no == "〔2026〕第1号"
    finally:
        await database.dispose()
