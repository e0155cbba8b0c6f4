"""A county with its supervisors and secretaries, and helpers to file reports and run a scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import Notification
from app.people.models import StaffAccount, Villager
from app.reports.models import Report
from app.warnings import service
from app.warnings.models import EarlyWarning
from app.warnings.thresholds import Thresholds
from tests import factories
from tests.factories import NOW

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
T = Thresholds()
TZ_NAME = ZoneInfo("Asia/Shanghai")


@dataclass
class Offices:
    c: factories.County
    town_supervisor: StaffAccount
    county_supervisor: StaffAccount
    far_supervisor: StaffAccount
    inactive_supervisor: StaffAccount
    secretary: StaffAccount
    far_secretary: StaffAccount
    cadre: StaffAccount
    admin: StaffAccount
    reporter: Villager


@pytest.fixture
async def offices(session: AsyncSession) -> Offices:
    c = await factories.county(session)
    return Offices(
        c=c,
        town_supervisor=await factories.staff(session, role="supervisor", area=c.town),
        county_supervisor=await factories.staff(session, role="supervisor", area=c.county),
        far_supervisor=await factories.staff(session, role="supervisor", area=c.other_town),
        inactive_supervisor=await factories.staff(session, role="supervisor", area=c.town, active=False),
        secretary=await factories.staff(session, role="village_secretary", area=c.village),
        far_secretary=await factories.staff(session, role="village_secretary", area=c.other_village),
        cadre=await factories.staff(session, role="intake_cadre", area=c.village),
        admin=await factories.staff(session, role="admin", area=c.county),
        reporter=await factories.villager(session, village=c.village),
    )


async def repeats(
    session: AsyncSession, o: Offices, count: int = 3, *, start: datetime = NOW - 10 * DAY
) -> list[Report]:
    """`count` reports of one villager in one category, a day apart."""
    return [
        await factories.report(
            session,
            village=o.c.village,
            reporter=o.reporter,
            description=f"路灯又坏了（第{i + 1}次）",
            now=start + i * DAY,
        )
        for i in range(count)
    ]


async def scan(session: AsyncSession, at: datetime = NOW, t: Thresholds = T) -> dict[str, int]:
    return await service.scan(session, now=at, t=t)


async def all_warnings(session: AsyncSession) -> list[EarlyWarning]:
    return list((await session.scalars(select(EarlyWarning).order_by(EarlyWarning.id))).all())


async def bulletins(session: AsyncSession) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.kind == "warning_bulletin").order_by(Notification.id)
    )
    return list(rows.all())
