"""The embedded demo runs the scheduler in-process on SQLite: the same ladder, without advisory locks."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.core import migrate
from app.core.database import Database
from app.jobs.models import JobRun
from app.sla.models import SlaRung
from app.supervision.models import SupervisionOrder
from tests.factories import NOW
from tests.scheduler._support import HOUR, MIN, make_village, run, submit


async def test_the_ladder_and_the_run_records_work_on_sqlite(tmp_path, settings):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database(url)
    local = settings.model_copy(update={"database_url": url})
    try:
        async with database.sessionmaker() as session:
            v = await make_village(session)
            await submit(session, v)
            await session.commit()
        assert (await run(database, local, "sla-scan", NOW + 30 * MIN)).counts["respond"] == 1
        assert (await run(database, local, "sla-scan", NOW + 30 * MIN)).counts["respond"] == 0
        late = await run(database, local, "sla-scan", NOW + 48 * HOUR)
        assert (late.counts["town"], late.counts["county"]) == (1, 1)
        async with database.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(SlaRung)) == 3
            assert await session.scalar(select(func.count()).select_from(SupervisionOrder)) == 1
            outcomes = (await session.scalars(select(JobRun.outcome))).all()
        assert outcomes == ["succeeded"] * 3
    finally:
        await database.dispose()
