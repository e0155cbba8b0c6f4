"""Concurrency on real, separate connections: each acceptance commits in its own transaction."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.service import Actor
from app.core.database import Database
from app.core.errors import Conflict
from app.reports import service
from app.reports.models import Report
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")


async def _seed(db: Database, n: int) -> tuple[list[int], int]:
    async with db.sessionmaker() as session:
        c = await factories.county(session)
        cadre = await factories.staff(session, role="intake_cadre", area=c.village)
        ids = [(await factories.report(session, village=c.village)).id for _ in range(n)]
        await session.commit()
        return ids, cadre.id


async def _accept(db: Database, report_id: int, cadre_id: int) -> str:
    async with db.sessionmaker() as session:
        report = await service.get_report(session, report_id)
        await service.perform_action(
            session,
            report=report,
            action=Action.accept,
            actor=Actor(kind="staff", id=cadre_id),
            now=NOW,
            tz=TZ,
        )
        await session.commit()
        assert report.ledger_no is not None
        return report.ledger_no


async def test_twenty_concurrent_acceptances_get_twenty_distinct_ledger_numbers(fresh_db):
    db = Database(fresh_db.url, pool_size=20, max_overflow=5)
    try:
        ids, cadre_id = await _seed(db, 20)
        numbers = await asyncio.gather(*(_accept(db, rid, cadre_id) for rid in ids))
        assert len(set(numbers)) == 20
        assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 21))
        async with db.sessionmaker() as session:
            stored = (await session.scalars(select(Report.ledger_no).where(Report.id.in_(ids)))).all()
        assert sorted(stored) == sorted(numbers)
    finally:
        await db.dispose()


async def test_two_cadres_accepting_one_report_at_once_one_wins(fresh_db):
    db = Database(fresh_db.url, pool_size=4)
    try:
        ids, cadre_id = await _seed(db, 1)
        results = await asyncio.gather(
            *(_accept(db, ids[0], cadre_id) for _ in range(2)), return_exceptions=True
        )
        wins = [r for r in results if isinstance(r, str)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], Conflict), repr(losses[0])
        async with db.sessionmaker() as session:
            report = await session.get(Report, ids[0])
            assert report is not None and report.ledger_no == wins[0] and report.version == 2
    finally:
        await db.dispose()
