"""The daily limit under concurrent submissions from one villager, on real, separate connections."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.areas.models import Area
from app.audit.service import Actor
from app.core.database import Database
from app.people.models import Villager
from app.reports import limits
from app.reports import service as reports_service
from app.reports.models import Report
from miniprogram_api import filing
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")
LIMIT = 3
RACERS = 6


async def _seed(db: Database) -> tuple[int, int]:
    async with db.sessionmaker() as session:
        c = await factories.county(session)
        villager = await factories.villager(session, village=c.village)
        for _ in range(LIMIT - 1):  # one report left for today
            await factories.report(session, village=c.village, reporter=villager)
        await session.commit()
        return villager.id, c.village.id


async def _submit(db: Database, villager_id: int, village_id: int, start: asyncio.Event) -> bool:
    async with db.sessionmaker() as session:
        await start.wait()
        try:
            await limits.take_one(session, villager_id=villager_id, limit=LIMIT, now=NOW, tz=TZ)
        except limits.TooManyReports:
            return False
        villager = await session.get(Villager, villager_id)
        village = await session.get(Area, village_id)
        await factories.report(session, village=village, reporter=villager)
        await asyncio.sleep(0.05)  # hold the lock a while: the others queue behind it
        await session.commit()
        return True


async def _race(url: str, submit: Any) -> None:
    """RACERS submissions at once by a villager with one report left today: exactly one gets through."""
    db = Database(url, pool_size=RACERS + 1)
    try:
        villager_id, village_id = await _seed(db)
        start = asyncio.Event()
        racers = [asyncio.create_task(submit(db, villager_id, village_id, start)) for _ in range(RACERS)]
        await asyncio.sleep(0.1)
        start.set()
        assert sum(await asyncio.gather(*racers)) == 1
        async with db.sessionmaker() as session:
            count = await session.scalar(
                select(func.count(Report.id)).where(Report.reporter_villager_id == villager_id)
            )
        assert count == LIMIT
    finally:
        await db.dispose()


async def test_concurrent_submissions_at_the_limit_let_exactly_one_through(fresh_db):
    await _race(fresh_db.url, _submit)


async def _file_at_once(db: Database, villager_id: int, village_id: int, start: asyncio.Event) -> bool:
    """The mini program's one-statement submission: the count is taken inside the statement that
    writes the report."""
    async with db.sessionmaker() as session:
        cat = await factories.category(session, "public_facilities")
        data = reports_service.NewReport(
            kind=cat.kind,
            category_id=cat.id,
            description="路灯坏了",
            village_id=village_id,
            reporter_villager_id=villager_id,
        )
        values = await reports_service.report_values(session, data=data, now=NOW)
        key = filing.RequestKey(villager_id, "report.submit", uuid.uuid4().hex, "digest")
        await start.wait()
        try:
            terms = filing.Terms(key, Actor(kind="villager", id=villager_id), NOW, TZ, LIMIT)
            await filing.file_at_once(session, filing.Form(values, []), terms)
        except limits.TooManyReports:
            return False
        await asyncio.sleep(0.05)
        await session.commit()
        return True


async def test_concurrent_one_statement_submissions_at_the_limit_let_exactly_one_through(fresh_db):
    await _race(fresh_db.url, _file_at_once)
