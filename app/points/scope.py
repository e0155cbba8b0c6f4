"""Which people, areas and villages a staff member's area covers, by the areas' materialised paths."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area
from app.core.errors import NotFound
from app.people.models import StaffAccount, Villager


def covers(viewer: Area, target_path: str | None) -> bool:
    return target_path is not None and target_path.startswith(viewer.path)


def areas_under(viewer: Area) -> ColumnElement[bool]:
    """Areas inside the viewer's area (itself included)."""
    return true() if viewer.level == "county" else Area.path.startswith(viewer.path)


async def area_path(session: AsyncSession, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    path: str | None = await session.scalar(select(Area.path).where(Area.id == area_id))
    return path


async def villager_in_scope(session: AsyncSession, viewer: Area, villager_id: int) -> Villager:
    """The villager when their home village is inside the viewer's area; 404 otherwise (or unknown)."""
    villager = await session.get(Villager, villager_id)
    if villager is None or not (
        viewer.level == "county" or covers(viewer, await area_path(session, villager.home_village_id))
    ):
        raise NotFound("村民不存在", field="villager_id")
    return villager


async def staff_in_scope(session: AsyncSession, viewer: Area, staff_id: int) -> StaffAccount:
    account = await session.get(StaffAccount, staff_id)
    if account is None or not covers(viewer, await area_path(session, account.area_id)):
        raise NotFound("工作人员不存在", field="staff_id")
    return account
