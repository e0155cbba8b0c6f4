"""Areas and departments: codes that follow the statistical division scheme, and paths for subtree queries."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import LEVEL_DEPTH, Area, AreaLevel, Department
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput

PARENT_LEVEL = {
    AreaLevel.town: AreaLevel.county,
    AreaLevel.village: AreaLevel.town,
    AreaLevel.grid: AreaLevel.village,
}
# How much of the parent's 12-digit code a child's code repeats (county 6, town 9, village all 12).
_SHARED_PREFIX = {AreaLevel.town: 6, AreaLevel.village: 9, AreaLevel.grid: 12}
_CODE = {
    AreaLevel.county: re.compile(r"^\d{6}000000$"),
    AreaLevel.town: re.compile(r"^\d{9}000$"),
    AreaLevel.village: re.compile(r"^\d{12}$"),
    AreaLevel.grid: re.compile(r"^\d{12}\d{1,6}$"),
}


def check_code(code: str, level: AreaLevel, parent_code: str | None) -> str | None:
    """Why `code` cannot be an area of `level` under `parent_code`, or None when it can."""
    if not _CODE[level].match(code):
        return {
            AreaLevel.county: "县级代码应为12位，后6位为0",
            AreaLevel.town: "镇(街道)代码应为12位，后3位为0",
            AreaLevel.village: "村(社区)代码应为12位数字",
            AreaLevel.grid: "网格代码应为所属村(社区)的12位代码加1至6位编号",
        }[level]
    if level is AreaLevel.county:
        return None if parent_code is None else "县级区域没有上级"
    if parent_code is None:
        return "请填写上级区域代码"
    n = _SHARED_PREFIX[level]
    if code[:n] != parent_code[:n] or code == parent_code:
        return "区域代码与上级区域代码不相符"
    return None


async def create_area(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    level: AreaLevel,
    parent: Area | None,
    actor: Actor,
    now: datetime,
) -> Area:
    if parent is not None and parent.level != PARENT_LEVEL.get(level):
        raise InvalidInput("上级区域的级别不对", field="parent_id")
    if (reason := check_code(code, level, parent.code if parent else None)) is not None:
        raise InvalidInput(reason, field="code")
    if await session.scalar(select(Area.id).where(Area.code == code)):
        raise Conflict("区域代码已存在", field="code")
    area = Area(code=code, name=name, level=level.value, parent_id=parent.id if parent else None, path="")
    session.add(area)
    await session.flush()
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    audit.record(
        session,
        actor=actor,
        action="area.create",
        target_type="area",
        target_id=area.id,
        at=now,
        details={"code": code, "name": name, "level": level.value},
    )
    await session.flush()
    return area


async def create_department(
    session: AsyncSession, *, town: Area, code: str, name: str, actor: Actor, now: datetime
) -> Department:
    if town.level != AreaLevel.town:
        raise InvalidInput("职能部门只能设在镇(街道)", field="town_id")
    if await session.scalar(select(Department.id).where(Department.code == code)):
        raise Conflict("部门代码已存在", field="code")
    dept = Department(town_id=town.id, code=code, name=name)
    session.add(dept)
    await session.flush()
    audit.record(
        session,
        actor=actor,
        action="department.create",
        target_type="department",
        target_id=dept.id,
        at=now,
        details={"code": code, "name": name, "town_id": town.id},
    )
    return dept


__all__ = ["LEVEL_DEPTH", "PARENT_LEVEL", "check_code", "create_area", "create_department"]
