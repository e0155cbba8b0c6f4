"""Helpers for the scheduler tests: a village with every office filled, jobs run at a given time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.categories.models import Category, SlaPolicy
from app.core.database import Database
from app.core.settings import Settings
from app.notifications.models import Notification
from app.people.models import StaffAccount, Villager
from app.reports import service as reports_service
from app.reports.models import Report, TimelineEvent
from app.reports.workflow import Action
from app.sla.models import SlaRung
from scheduler.jobs import JOBS
from scheduler.runner import RunResult, run_once
from tests import factories
from tests.factories import NOW

TZ = ZoneInfo("Asia/Shanghai")
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass
class Village:
    c: factories.County
    cadre: StaffAccount
    secretary: StaffAccount
    town_supervisor: StaffAccount
    county_supervisor: StaffAccount
    far_supervisor: StaffAccount
    dept_staff: StaffAccount
    handler: StaffAccount
    team_handler: StaffAccount
    reporter: Villager


async def make_village(session: AsyncSession) -> Village:
    c = await factories.county(session)
    return Village(
        c=c,
        cadre=await factories.staff(session, role="intake_cadre", area=c.village),
        secretary=await factories.staff(session, role="village_secretary", area=c.village),
        town_supervisor=await factories.staff(session, role="supervisor", area=c.town),
        county_supervisor=await factories.staff(session, role="supervisor", area=c.county),
        far_supervisor=await factories.staff(session, role="supervisor", area=c.other_town),
        dept_staff=await factories.staff(
            session, role="department_staff", area=c.town, department=c.department
        ),
        handler=await factories.staff(session, role="handler", area=c.village, team="technician"),
        team_handler=await factories.staff(session, role="handler", area=c.grid, team="volunteer"),
        reporter=await factories.villager(session, village=c.village),
    )


async def submit(
    session: AsyncSession, v: Village, *, at: datetime = NOW, category: str | None = None
) -> Report:
    return await factories.report(
        session,
        village=v.c.village,
        reporter=v.reporter,
        now=at,
        category_code=category or "public_facilities",
    )


async def act(
    session: AsyncSession, report: Report, action: Action, *, at: datetime, **params: object
) -> None:
    await reports_service.perform_action(
        session, report=report, action=action, actor=Actor(kind="system"), now=at, tz=TZ, **params
    )


async def short_policy_category(session: AsyncSession, **limits: int) -> str:
    """A category of its own with a quick ladder (the county configures these per category)."""
    i = factories.n()
    policy = SlaPolicy(code=f"quick{i}", name="quick", **limits)
    session.add(policy)
    await session.flush()
    session.add(Category(code=f"quick{i}", kind="problem", name="快速", sla_policy_id=policy.id))
    await session.flush()
    return f"quick{i}"


async def run(database: Database, settings: Settings, name: str, at: datetime) -> RunResult:
    return await run_once(JOBS[name], database=database, settings=settings, now=at)


async def rungs(session: AsyncSession, report: Report) -> list[tuple[str, datetime]]:
    rows = await session.execute(
        select(SlaRung.rung, SlaRung.deadline_at)
        .where(SlaRung.report_id == report.id)
        .order_by(SlaRung.reached_at, SlaRung.rung)
    )
    return [(r, d) for r, d in rows.all()]


async def outbox(
    session: AsyncSession, report: Report, kind: str | None = None
) -> list[tuple[str, int | None]]:
    """What the clocks (and the supervision orders they opened) wrote to the outbox for a report."""
    stmt = select(Notification.kind, Notification.staff_id).where(
        Notification.report_id == report.id,
        Notification.dedupe_key.like("sla:%") | Notification.dedupe_key.like("supervision:%"),
    )
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return [(k, s) for k, s in (await session.execute(stmt.order_by(Notification.id))).all()]


async def sla_timeline(session: AsyncSession, report: Report) -> list[tuple[str, bool]]:
    rows = await session.execute(
        select(TimelineEvent.action, TimelineEvent.visible_to_reporter)
        .where(TimelineEvent.report_id == report.id, TimelineEvent.actor_type == "system")
        .where(TimelineEvent.action.like("sla_%") | (TimelineEvent.action == "key_supervision"))
        .order_by(TimelineEvent.id)
    )
    return [(a, vis) for a, vis in rows.all()]


async def count(session: AsyncSession, model: type, *where: object) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
