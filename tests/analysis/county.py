"""A small generated county for the analysis tests: two towns, three villages each, a department per
town, a handler per village, every office filled, and a few hundred reports with known outcomes.

Reports are written as rows (not through the lifecycle) so that each one's outcome is chosen exactly:
resolved on time or late, still open past its limit, rejected, rated. The first village does badly
on purpose (most items late), so the letter rules have someone to pick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area, Department
from app.categories.models import Category
from app.people.models import StaffAccount
from app.reports.models import Report
from tests import factories

TZ = ZoneInfo("Asia/Shanghai")
NOV_START = datetime(2026, 11, 1, tzinfo=TZ).astimezone(UTC)
DEC_START = datetime(2026, 12, 1, tzinfo=TZ).astimezone(UTC)
MONTHLY_SLOT = datetime(2026, 12, 1, 0, 25, tzinfo=TZ).astimezone(UTC)


@dataclass
class GenCounty:
    county: Area
    towns: list[Area]
    villages: list[Area]
    departments: list[Department]
    sup_county: StaffAccount
    sup_town: dict[int, StaffAccount]
    secretary: dict[int, StaffAccount]
    cadre: dict[int, StaffAccount]
    dept_staff: dict[int, StaffAccount]
    handler: dict[int, StaffAccount]
    reports: list[Report] = field(default_factory=list)

    @property
    def bad_village(self) -> Area:
        return self.villages[0]


async def make_report(
    session: AsyncSession,
    *,
    village: Area,
    category: Category,
    submitted: datetime,
    outcome: str,
    handler: StaffAccount,
    department: Department | None,
    key_supervision: bool = False,
) -> Report:
    respond_due, resolve_due = submitted + timedelta(minutes=30), submitted + timedelta(hours=24)
    accepted = submitted + timedelta(minutes=10)
    row = Report(
        kind="problem",
        category_id=category.id,
        description="路灯坏了，晚上很黑",
        town_id=village.parent_id,
        village_id=village.id,
        status="submitted",
        submitted_at=submitted,
        respond_due_at=respond_due,
        resolve_due_at=resolve_due,
        key_supervision=key_supervision,
    )
    if outcome == "rejected":
        row.status, row.closed_at, row.reject_reason = "rejected", accepted, "invalid"
    elif outcome != "submitted":
        row.accepted_at = accepted
        row.ledger_no = f"SP{submitted.astimezone(TZ):%Y%m%d}-{factories.n():05d}"
        row.assignee_staff_id = handler.id
        row.department_id = department.id if department else None
        if outcome in ("on_time", "late"):
            row.resolved_at = submitted + timedelta(hours=5 if outcome == "on_time" else 40)
            row.status = "closed"
            row.closed_at = row.resolved_at + timedelta(hours=1)
            row.rating = "satisfied" if outcome == "on_time" else "unsatisfied"
        else:
            row.status = "in_progress"
    session.add(row)
    return row


async def generated_county(session: AsyncSession, *, seed: int = 8, per_village: int = 24) -> GenCounty:
    rng = random.Random(seed)
    county = await factories.area(session, level="county", name="平昌县")
    towns = [
        await factories.area(session, level="town", parent=county, name=name)
        for name in ("江口街道", "驷马镇")
    ]
    names = iter(("石垭村", "白衣社区", "青龙村", "水口村", "龙岗村", "金宝村"))
    villages = [
        await factories.area(session, level="village", parent=t, name=next(names))
        for t in towns
        for _ in range(3)
    ]
    departments = []
    for t, name in zip(towns, ("派出所", "司法所"), strict=True):
        d = Department(town_id=t.id, code=f"dept{factories.n()}", name=name)
        session.add(d)
        departments.append(d)
    await session.flush()
    g = GenCounty(
        county=county,
        towns=towns,
        villages=villages,
        departments=departments,
        sup_county=await factories.staff(session, role="supervisor", area=county),
        sup_town={t.id: await factories.staff(session, role="supervisor", area=t) for t in towns},
        secretary={v.id: await factories.staff(session, role="village_secretary", area=v) for v in villages},
        cadre={v.id: await factories.staff(session, role="intake_cadre", area=v) for v in villages},
        dept_staff={
            d.id: await factories.staff(session, role="department_staff", area=t, department=d)
            for t, d in zip(towns, departments, strict=True)
        },
        handler={
            v.id: await factories.staff(session, role="handler", area=v, team="technician") for v in villages
        },
    )
    categories = list(
        (
            await session.scalars(select(Category).where(Category.kind == "problem").order_by(Category.id))
        ).all()
    )
    span = (DEC_START - NOV_START).total_seconds()
    for v in villages:
        town_dept = departments[towns.index(next(t for t in towns if t.id == v.parent_id))]
        late_share = 0.7 if v is villages[0] else 0.05
        for i in range(per_village):
            # October and November, a third in October (the previous period).
            base = NOV_START - timedelta(days=31) if i % 3 == 0 else NOV_START
            submitted = base + timedelta(seconds=rng.uniform(0, span - 3 * 86400))
            roll = rng.random()
            outcome = "late" if roll < late_share else "rejected" if roll > 0.95 else "on_time"
            g.reports.append(
                await make_report(
                    session,
                    village=v,
                    category=categories[i % len(categories)],
                    submitted=submitted,
                    outcome=outcome,
                    handler=g.handler[v.id],
                    department=town_dept if i % 4 == 0 else None,
                )
            )
    await session.flush()
    return g


async def boundary_reports(session: AsyncSession, g: GenCounty) -> tuple[Report, Report]:
    """One report in the last local second of November, one in December's first."""
    cat = await session.scalar(
        select(Category).where(Category.kind == "problem").order_by(Category.id).limit(1)
    )
    assert cat is not None
    v = g.villages[1]
    last = await make_report(
        session,
        village=v,
        category=cat,
        submitted=DEC_START - timedelta(seconds=1),
        outcome="submitted",
        handler=g.handler[v.id],
        department=None,
    )
    first = await make_report(
        session,
        village=v,
        category=cat,
        submitted=DEC_START,
        outcome="submitted",
        handler=g.handler[v.id],
        department=None,
    )
    await session.flush()
    g.reports += [last, first]
    return last, first


async def overdue_key_item(session: AsyncSession, g: GenCounty, *, now: datetime) -> Report:
    """A key supervision item in the second village, open and two days past its limit at `now`."""
    cat = await session.scalar(
        select(Category).where(Category.kind == "problem").order_by(Category.id).limit(1)
    )
    assert cat is not None
    v = g.villages[1]
    row = await make_report(
        session,
        village=v,
        category=cat,
        submitted=now - timedelta(days=3),
        outcome="in_progress",
        handler=g.handler[v.id],
        department=None,
        key_supervision=True,
    )
    await session.flush()
    g.reports.append(row)
    return row
