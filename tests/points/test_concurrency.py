"""Races on separate connections (a database of their own): an awarding event arriving five times at
once awards once; five villagers redeeming the last item at once: one gets it, four are told why."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit.service import Actor
from app.core.database import Database
from app.people.models import Villager
from app.points import awarding, redemptions
from app.points.errors import InsufficientPoints, OutOfStock
from app.points.models import PointsAccount, PointsEntry, Redemption, Reward
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW
from tests.points.conftest import TZ, grant, reward

RACERS = 5


async def _noop(*args: Any, **kwargs: Any) -> list[Any]:
    return []


async def _accepted_without_award(db: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    """A report accepted (grade 3) while the hook is off, so the racers below are the award's first try."""
    async with db.sessionmaker() as session:
        c = await factories.county(session)
        cadre = await factories.staff(session, role="intake_cadre", area=c.village)
        villager = await factories.villager(session, village=c.village)
        report = await factories.report(session, village=c.village, reporter=villager)
        with monkeypatch.context() as m:
            m.setattr(awarding, "on_report_transition", _noop)
            await reports_service.perform_action(
                session,
                report=report,
                action=Action.accept,
                actor=Actor(kind="staff", id=cadre.id),
                now=NOW,
                tz=TZ,
                quality_grade=3,
            )
        await session.commit()
        return report.id, villager.id, cadre.id


async def test_five_concurrent_deliveries_of_one_awarding_event_award_once(fresh_db, monkeypatch):
    db = Database(fresh_db.url, pool_size=RACERS + 1)
    try:
        report_id, villager_id, cadre_id = await _accepted_without_award(db, monkeypatch)
        barrier = asyncio.Barrier(RACERS)

        async def deliver() -> int:
            async with db.sessionmaker() as session:
                report = await session.get(Report, report_id)
                assert report is not None
                await barrier.wait()
                written = await awarding.on_report_transition(
                    session,
                    report=report,
                    action=Action.accept,
                    now=NOW,
                    actor=Actor(kind="staff", id=cadre_id),
                    tz=TZ,
                    params={},
                )
                await session.commit()
                return len(written)

        results = await asyncio.gather(*(deliver() for _ in range(RACERS)))
        assert sorted(results) == [0, 0, 0, 0, 1]
        async with db.sessionmaker() as session:
            entries = (
                await session.scalars(select(PointsEntry).where(PointsEntry.report_id == report_id))
            ).all()
            balance = await session.scalar(
                select(PointsAccount.balance).where(PointsAccount.villager_id == villager_id)
            )
            accounts = await session.scalar(
                select(func.count())
                .select_from(PointsAccount)
                .where(PointsAccount.villager_id == villager_id)
            )
        assert len(entries) == 1 and entries[0].amount == 10
        assert balance == 10 and accounts == 1
    finally:
        await db.dispose()


async def _seed_last_item(db: Database, villagers: int, points: int, stock: int) -> tuple[list[int], int]:
    async with db.sessionmaker() as session:
        c = await factories.county(session)
        ids = []
        for _ in range(villagers):
            v = await factories.villager(session, village=c.village)
            await grant(session, v.id, points)
            ids.append(v.id)
        item = await reward(session, area_id=c.village.id, price=10, stock=stock)
        await session.commit()
        return ids, item.id


async def _race(db: Database, villager_ids: list[int], reward_id: int) -> list[object]:
    barrier = asyncio.Barrier(len(villager_ids))

    async def redeem(villager_id: int) -> object:
        async with db.sessionmaker() as session:
            villager = await session.get(Villager, villager_id)
            assert villager is not None
            await barrier.wait()
            placed = await redemptions.redeem(session, villager=villager, reward_id=reward_id, now=NOW)
            await session.commit()
            return placed.id

    return await asyncio.gather(*(redeem(v) for v in villager_ids), return_exceptions=True)


async def test_five_concurrent_redemptions_of_the_last_item_one_succeeds(fresh_db):
    db = Database(fresh_db.url, pool_size=RACERS + 1)
    try:
        villager_ids, reward_id = await _seed_last_item(db, RACERS, points=50, stock=1)
        results = await _race(db, villager_ids, reward_id)
        wins = [r for r in results if isinstance(r, int)]
        losses = [r for r in results if not isinstance(r, int)]
        assert len(wins) == 1 and len(losses) == RACERS - 1
        assert all(isinstance(e, OutOfStock) and "库存不足" in e.message for e in losses), losses
        async with db.sessionmaker() as session:
            item = await session.get(Reward, reward_id)
            assert item is not None and item.stock == 0
            balances = (
                await session.scalars(
                    select(PointsAccount.balance)
                    .where(PointsAccount.villager_id.in_(villager_ids))
                    .order_by(PointsAccount.balance)
                )
            ).all()
            orders = await session.scalar(
                select(func.count()).select_from(Redemption).where(Redemption.reward_id == reward_id)
            )
        assert list(balances) == [40, 50, 50, 50, 50] and orders == 1
    finally:
        await db.dispose()


async def test_one_villager_racing_five_redemptions_cannot_spend_twice(fresh_db):
    db = Database(fresh_db.url, pool_size=RACERS + 1)
    try:
        [villager_id], reward_id = await _seed_last_item(db, 1, points=25, stock=10)
        results = await _race(db, [villager_id] * RACERS, reward_id)
        wins = [r for r in results if isinstance(r, int)]
        assert len(wins) == 2
        assert all(isinstance(e, InsufficientPoints) for e in results if not isinstance(e, int)), results
        async with db.sessionmaker() as session:
            item = await session.get(Reward, reward_id)
            balance = await session.scalar(
                select(PointsAccount.balance).where(PointsAccount.villager_id == villager_id)
            )
        assert item is not None and item.stock == 8 and balance == 5
    finally:
        await db.dispose()
