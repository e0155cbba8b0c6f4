"""`suishoupai seed-demo`: a living demo county. Safe to run twice: everything is found by its natural key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area, Department
from app.audit.service import Actor
from app.categories.models import Category
from app.core.security import hash_password
from app.people.models import StaffAccount, Villager
from app.points.models import Reward
from app.reports import service as reports_service
from app.reports.models import Report
from app.reports.workflow import Action

DEMO_PASSWORD = "demo-password"  # noqa: S105  (printed in the README; demo data only)
COUNTY = ("511923000000", "平昌县")
TOWNS = [
    ("511923001000", "江口街道", [("511923001001", "石垭社区"), ("511923001002", "白杨村")]),
    ("511923101000", "驷马镇", [("511923101001", "水口村"), ("511923101002", "双河村")]),
]
DEPARTMENTS = [
    ("police", "派出所"),
    ("judicial", "司法所"),
    ("agriculture", "农业服务中心"),
    ("transport", "交通运输所"),
]


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


async def _area(
    session: AsyncSession, s: SeedSummary, code: str, name: str, level: str, parent: Area | None
) -> Area:
    row = await session.scalar(select(Area).where(Area.code == code))
    if row is None:
        row = Area(code=code, name=name, level=level, parent_id=parent.id if parent else None, path="")
        session.add(row)
        await session.flush()
        row.path = (parent.path if parent else "/") + f"{row.id}/"
        s.add("areas")
    return row


async def _staff(
    session: AsyncSession, s: SeedSummary, username: str, name: str, role: str, area: Area, **extra: Any
) -> StaffAccount:
    row = await session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    if row is None:
        row = StaffAccount(
            username=username,
            password_hash=hash_password(DEMO_PASSWORD),
            display_name=name,
            role=role,
            area_id=area.id,
            **extra,
        )
        session.add(row)
        await session.flush()
        s.add("staff")
    return row


async def seed_demo(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> SeedSummary:
    s = SeedSummary()
    county = await _area(session, s, *COUNTY, "county", None)
    await _staff(session, s, "admin", "县管理员", "admin", county)
    await _staff(session, s, "county_supervisor", "县综治中心", "supervisor", county)
    villages: list[Area] = []
    for t_code, t_name, village_list in TOWNS:
        town = await _area(session, s, t_code, t_name, "town", county)
        await _staff(session, s, f"supervisor_{t_code[-6:-3]}", f"{t_name}综治中心", "supervisor", town)
        for key, d_name in DEPARTMENTS:
            code = f"{t_code}-{key}"
            dept = await session.scalar(select(Department).where(Department.code == code))
            if dept is None:
                dept = Department(town_id=town.id, code=code, name=f"{t_name}{d_name}")
                session.add(dept)
                await session.flush()
                s.add("departments")
            await _staff(
                session,
                s,
                f"dept_{t_code[-6:-3]}_{key}",
                dept.name,
                "department_staff",
                town,
                department_id=dept.id,
            )
        for v_code, v_name in village_list:
            village = await _area(session, s, v_code, v_name, "village", town)
            villages.append(village)
            suffix = v_code[-6:]
            await _staff(session, s, f"secretary_{suffix}", f"{v_name}书记", "village_secretary", village)
            await _staff(session, s, f"cadre_{suffix}", f"{v_name}常职干部", "intake_cadre", village)
            for g in (1, 2):
                grid = await _area(session, s, f"{v_code}{g:03d}", f"{v_name}第{g}网格", "grid", village)
                await _staff(session, s, f"grid_{suffix}_{g}", f"{v_name}网格员{g}", "grid_worker", grid)
            for team, label in (
                ("local_elite", "乡贤"),
                ("legal_aide", "法律明白人"),
                ("technician", "技术员"),
            ):
                await _staff(
                    session, s, f"handler_{suffix}_{team}", f"{v_name}{label}", "handler", village, team=team
                )
    await session.flush()
    await _demo_rewards(session, s, villages)
    if not await session.scalar(select(func.count()).select_from(Report)):
        await _demo_reports(session, s, villages, now=now, tz=tz)
    return s


# The moral bank's goods (物资) in each village's catalog: (name, value in fen, points, stock).
REWARDS = (("洗衣粉 1 袋", 1500, 30, 50), ("食用油 5 升", 6500, 120, 20), ("大米 10 斤", 3500, 70, 30))


async def _demo_rewards(session: AsyncSession, s: SeedSummary, villages: list[Area]) -> None:
    for village in villages:
        if await session.scalar(select(func.count()).select_from(Reward).where(Reward.area_id == village.id)):
            continue
        for name, value_fen, points, stock in REWARDS:
            session.add(
                Reward(area_id=village.id, name=name, value_fen=value_fen, points_price=points, stock=stock)
            )
            s.add("rewards")
    await session.flush()


# (category code, description, the actions that bring it to its demo status)
_STORIES: list[tuple[str, str, list[tuple[Action, dict[str, Any]]]]] = [
    ("public_facilities", "村委会门口的路灯坏了三盏，晚上出行不便", []),
    ("roads_traffic", "三组通村公路有塌方，影响车辆通行", [(Action.accept, {})]),
    (
        "environment",
        "河边有人乱倒垃圾，气味很大",
        [(Action.accept, {}), (Action.assign, {"assignee_team": "volunteer"})],
    ),
    (
        "neighbour_dispute",
        "两户人家因宅基地边界发生争执",
        [(Action.accept, {}), (Action.assign, {"assignee_team": "legal_aide"}), (Action.start, {})],
    ),
    (
        "difficulty",
        "独居老人家中漏雨，需要帮忙修缮",
        [
            (Action.accept, {}),
            (Action.assign, {"assignee_team": "local_elite"}),
            (Action.start, {}),
            (Action.resolve, {"result": "已组织志愿者修补屋顶"}),
        ],
    ),
    (
        "village_management",
        "村里公告栏信息长期未更新",
        [
            (Action.accept, {}),
            (Action.assign, {"assignee_team": "volunteer"}),
            (Action.resolve, {"result": "公告栏已更新"}),
            (Action.rate, {"rating": "satisfied", "comment": "很及时"}),
        ],
    ),
    ("public_facilities", "广告推销信息", [(Action.reject, {"reason": "invalid"})]),
    ("good_deed", "邻居王大姐每天帮独居老人买菜", [(Action.acknowledge, {}), (Action.publish, {})]),
    ("telecom_fraud", "有人冒充客服打电话让转账", [(Action.acknowledge, {})]),
]


async def _demo_reports(
    session: AsyncSession, s: SeedSummary, villages: list[Area], *, now: datetime, tz: ZoneInfo
) -> None:
    categories = {c.code: c for c in (await session.scalars(select(Category))).all()}
    for i, village in enumerate(villages):
        villager = Villager(
            mp_openid=f"demo-openid-{village.code}", home_village_id=village.id, real_name="演示村民"
        )
        session.add(villager)
        await session.flush()
        cadre = await session.scalar(
            select(StaffAccount).where(StaffAccount.username == f"cadre_{village.code[-6:]}")
        )
        assert cadre is not None
        staff_actor = Actor(kind="staff", id=cadre.id, role=cadre.role)
        for j, (code, text, steps) in enumerate(_STORIES):
            category = categories[code]
            at = now - timedelta(hours=6 * (len(_STORIES) - j) + i)
            report = await reports_service.submit_report(
                session,
                data=reports_service.NewReport(
                    kind=category.kind,
                    category_id=category.id,
                    description=text,
                    village_id=village.id,
                    reporter_villager_id=villager.id,
                    address=f"{village.name}",
                ),
                actor=Actor(kind="villager", id=villager.id),
                now=at,
            )
            for k, (action, params) in enumerate(steps, start=1):
                actor = Actor(kind="villager", id=villager.id) if action is Action.rate else staff_actor
                await reports_service.perform_action(
                    session,
                    report=report,
                    action=action,
                    actor=actor,
                    now=at + timedelta(minutes=10 * k),
                    tz=tz,
                    **params,
                )
            s.add("reports")
