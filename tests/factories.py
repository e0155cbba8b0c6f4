"""Builders for test data. Each writes through the session and flushes; nothing is committed for real."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area, Department
from app.audit.service import Actor
from app.categories.models import Category
from app.core.security import hash_password
from app.people.models import StaffAccount, Villager
from app.reports import service as reports_service
from app.reports.models import Report

_seq = itertools.count(1)
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)


def n() -> int:
    return next(_seq)


async def area(
    session: AsyncSession, *, level: str, parent: Area | None = None, name: str | None = None
) -> Area:
    i = n()
    code = (parent.code[:6] if parent else "511923") + f"{i:06d}" + ("001" if level == "grid" else "")
    row = Area(
        code=code, name=name or f"{level}{i}", level=level, parent_id=parent.id if parent else None, path=""
    )
    session.add(row)
    await session.flush()
    row.path = (parent.path if parent else "/") + f"{row.id}/"
    await session.flush()
    return row


@dataclass
class County:
    county: Area
    town: Area
    village: Area
    grid: Area
    other_town: Area
    other_village: Area
    department: Department
    other_department: Department


async def county(session: AsyncSession) -> County:
    c = await area(session, level="county", name="平昌县")
    t = await area(session, level="town", parent=c, name="江口街道")
    v = await area(session, level="village", parent=t, name="石垭村")
    g = await area(session, level="grid", parent=v, name="一组网格")
    t2 = await area(session, level="town", parent=c, name="驷马镇")
    v2 = await area(session, level="village", parent=t2, name="水口村")
    d = Department(town_id=t.id, code=f"dept{n()}", name="派出所")
    d2 = Department(town_id=t2.id, code=f"dept{n()}", name="司法所")
    session.add_all([d, d2])
    await session.flush()
    return County(c, t, v, g, t2, v2, d, d2)


async def staff(
    session: AsyncSession,
    *,
    role: str,
    area: Area,
    department: Department | None = None,
    team: str | None = None,
    active: bool = True,
) -> StaffAccount:
    i = n()
    row = StaffAccount(
        username=f"{role}{i}",
        password_hash=_PASSWORD_HASH,
        display_name=f"{role}{i}",
        role=role,
        area_id=area.id,
        department_id=department.id if department else None,
        team=team,
        is_active=active,
    )
    session.add(row)
    await session.flush()
    return row


async def villager(session: AsyncSession, *, village: Area | None = None, **fields: object) -> Villager:
    i = n()
    row = Villager(mp_openid=f"mp-openid-{i}", home_village_id=village.id if village else None, **fields)
    session.add(row)
    await session.flush()
    return row


async def category(session: AsyncSession, code: str = "public_facilities") -> Category:
    row = await session.scalar(select(Category).where(Category.code == code))
    assert row is not None, code
    return row


async def report(
    session: AsyncSession,
    *,
    village: Area,
    grid: Area | None = None,
    reporter: Villager | None = None,
    category_code: str = "public_facilities",
    description: str = "路灯坏了，晚上很黑",
    now: datetime = NOW,
) -> Report:
    cat = await category(session, category_code)
    return await reports_service.submit_report(
        session,
        data=reports_service.NewReport(
            kind=cat.kind,
            category_id=cat.id,
            description=description,
            village_id=village.id,
            grid_id=grid.id if grid else None,
            reporter_villager_id=reporter.id if reporter else None,
        ),
        actor=Actor(kind="villager", id=reporter.id if reporter else None),
        now=now,
    )


async def staff_token(client: object, account: StaffAccount) -> dict[str, str]:
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    res = await client.post("/api/v1/auth/token", data={"username": account.username, "password": PASSWORD})
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}
