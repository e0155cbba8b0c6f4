"""Staff accounts: create, disable, reset password. The edge decides who may; this module what is valid."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas.models import Area, Department
from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.security import hash_password
from app.people.models import Role, StaffAccount, Team

# The level of area each role sits at.
ROLE_LEVELS: dict[Role, frozenset[str]] = {
    Role.admin: frozenset({"county"}),
    Role.supervisor: frozenset({"county", "town", "village"}),
    Role.department_staff: frozenset({"town"}),
    Role.village_secretary: frozenset({"village"}),
    Role.intake_cadre: frozenset({"village"}),
    Role.grid_worker: frozenset({"grid"}),
    Role.handler: frozenset({"village", "grid"}),
}


def in_area_subtree(area: Area) -> ColumnElement[bool]:
    """Staff whose area is this one or below it."""
    return StaffAccount.area_id.in_(select(Area.id).where(Area.path.startswith(area.path)))


async def validate_placement(
    session: AsyncSession, *, role: Role, area_id: int, department_id: int | None, team: str | None
) -> Area:
    area = await session.get(Area, area_id)
    if area is None:
        raise InvalidInput("区域不存在", field="area_id")
    if area.level not in ROLE_LEVELS[role]:
        raise InvalidInput("该角色不能设在此级区域", field="area_id")
    if role is Role.department_staff:
        dept = await session.get(Department, department_id) if department_id else None
        if dept is None or dept.town_id != area.id:
            raise InvalidInput("请选择本镇(街道)的职能部门", field="department_id")
    elif department_id is not None:
        raise InvalidInput("只有职能部门人员需要所属部门", field="department_id")
    if role is Role.handler:
        if team not in {t.value for t in Team}:
            raise InvalidInput("请选择办理队伍", field="team")
    elif team is not None:
        raise InvalidInput("只有办理人员属于办理队伍", field="team")
    return area


async def create_staff(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    display_name: str,
    role: Role,
    area_id: int,
    phone: str | None = None,
    department_id: int | None = None,
    team: str | None = None,
    actor: Actor,
    now: datetime,
) -> StaffAccount:
    await validate_placement(session, role=role, area_id=area_id, department_id=department_id, team=team)
    if await session.scalar(
        select(StaffAccount.id).where(func.lower(StaffAccount.username) == username.lower())
    ):
        raise Conflict("用户名已被使用", field="username")
    if phone and await session.scalar(select(StaffAccount.id).where(StaffAccount.phone == phone)):
        raise Conflict("手机号已被其他账号使用", field="phone")
    account = StaffAccount(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name,
        phone=phone,
        role=role.value,
        area_id=area_id,
        department_id=department_id,
        team=team,
    )
    session.add(account)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent create took the name between our check and insert
        raise Conflict("用户名或手机号已被使用", field="username") from exc
    audit.record(
        session,
        actor=actor,
        action="staff.create",
        target_type="staff",
        target_id=account.id,
        at=now,
        details={"username": username, "role": role.value, "area_id": area_id},
    )
    return account


async def set_active(
    session: AsyncSession, *, account: StaffAccount, active: bool, actor: Actor, now: datetime
) -> None:
    if actor.kind == "staff" and actor.id == account.id and not active:
        raise Conflict("不能停用自己的账号", field="staff_id")
    account.is_active = active
    account.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="staff.enable" if active else "staff.disable",
        target_type="staff",
        target_id=account.id,
        at=now,
    )
    await session.flush()


def temporary_password() -> str:
    return secrets.token_urlsafe(9)


async def reset_password(session: AsyncSession, *, account: StaffAccount, actor: Actor, now: datetime) -> str:
    password = temporary_password()
    account.password_hash = hash_password(password)
    account.updated_at = now
    audit.record(
        session, actor=actor, action="staff.reset_password", target_type="staff", target_id=account.id, at=now
    )
    await session.flush()
    return password


async def get_in(session: AsyncSession, *, staff_id: int, within: ColumnElement[bool]) -> StaffAccount:
    account = await session.scalar(select(StaffAccount).where(StaffAccount.id == staff_id, within))
    if account is None:
        raise NotFound("账号不存在", field="staff_id")
    return account
