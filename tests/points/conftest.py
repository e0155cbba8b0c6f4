"""A village with its offices filled, a villager who reports, and helpers that walk a report through its
lifecycle with the real service (so the points hook runs exactly as in production)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.people.models import StaffAccount, Villager
from app.points.models import PointsAccount, PointsEntry, Reward
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import Action
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)


@dataclass
class Bank:
    c: factories.County
    cadre: StaffAccount
    secretary: StaffAccount
    handler: StaffAccount
    villager: Villager
    far_villager: Villager


@pytest.fixture
async def bank(session: AsyncSession) -> Bank:
    c = await factories.county(session)
    return Bank(
        c=c,
        cadre=await factories.staff(session, role="intake_cadre", area=c.village),
        secretary=await factories.staff(session, role="village_secretary", area=c.village),
        handler=await factories.staff(session, role="handler", area=c.village, team="volunteer"),
        villager=await factories.villager(session, village=c.village),
        far_villager=await factories.villager(session, village=c.other_village),
    )


def staff_actor(account: StaffAccount) -> Actor:
    return Actor(kind="staff", id=account.id, role=account.role)


async def act(
    session: AsyncSession, report: Report, action: Action, actor: Actor, *, now: datetime = NOW, **params: Any
) -> Report:
    return await reports_service.perform_action(
        session, report=report, action=action, actor=actor, now=now, tz=TZ, **params
    )


async def accepted_report(
    session: AsyncSession,
    bank: Bank,
    *,
    grade: int | None = None,
    now: datetime = NOW,
    reporter: Villager | None = None,
) -> Report:
    report = await factories.report(
        session, village=bank.c.village, reporter=reporter or bank.villager, now=now
    )
    params = {"quality_grade": grade} if grade is not None else {}
    return await act(session, report, Action.accept, staff_actor(bank.cadre), now=now, **params)


async def resolved_report(
    session: AsyncSession, bank: Bank, *, grade: int = 2, now: datetime = NOW, late: bool = False
) -> Report:
    report = await accepted_report(session, bank, grade=grade, now=now)
    cadre = staff_actor(bank.cadre)
    await act(session, report, Action.assign, cadre, now=now, assignee_staff_id=bank.handler.id)
    assert report.resolve_due_at is not None
    at = report.resolve_due_at + HOUR if late else now + HOUR
    return await act(session, report, Action.resolve, staff_actor(bank.handler), now=at, result="已修好")


async def balance_of(
    session: AsyncSession, *, villager_id: int | None = None, staff_id: int | None = None
) -> int:
    column = PointsAccount.villager_id if villager_id is not None else PointsAccount.staff_id
    value = await session.scalar(select(PointsAccount.balance).where(column == (villager_id or staff_id)))
    return int(value or 0)


async def ledger_sum(
    session: AsyncSession, *, villager_id: int | None = None, staff_id: int | None = None
) -> int:
    column = PointsAccount.villager_id if villager_id is not None else PointsAccount.staff_id
    value = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.amount), 0))
        .join(PointsAccount, PointsAccount.id == PointsEntry.account_id)
        .where(column == (villager_id or staff_id))
    )
    return int(value or 0)


async def entries_of(session: AsyncSession, report_id: int) -> list[PointsEntry]:
    rows = await session.scalars(
        select(PointsEntry).where(PointsEntry.report_id == report_id).order_by(PointsEntry.id)
    )
    return list(rows.all())


async def reward(
    session: AsyncSession,
    *,
    area_id: int,
    price: int = 10,
    stock: int = 5,
    value_fen: int = 1250,
    name: str = "洗衣粉",
) -> Reward:
    row = Reward(
        area_id=area_id,
        name=name,
        value_fen=value_fen,
        points_price=price,
        stock=stock,
        is_active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(row)
    await session.flush()
    return row


async def grant(session: AsyncSession, villager_id: int, amount: int, *, now: datetime = NOW) -> None:
    """Points by hand (an administrator's adjustment), for tests about spending them."""
    from app.points import adjustments
    from app.points.ledger import Holder

    await adjustments.adjust(
        session,
        holder=Holder(villager_id=villager_id),
        amount=amount,
        reason="测试",
        actor=Actor.system(),
        now=now,
    )
