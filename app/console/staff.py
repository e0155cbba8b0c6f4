"""Staff accounts in the console. Admins manage everyone; a village secretary manages their village's
handlers and grid workers; supervisors and cadres may look (cadres pick assignees from this list)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.areas.models import Area
from app.audit import service as audit
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, allow
from app.people import service
from app.people.models import Role, StaffAccount, Team
from app.people.service import in_area_subtree
from app.villagers import staff_binding
from miniprogram_api.config import get_mp_settings

router = APIRouter(prefix="/api/v1/staff", tags=["console: staff"])
R = Role
Viewers = Annotated[CurrentStaffContext, allow(R.admin, R.supervisor, R.village_secretary, R.intake_cadre)]
Managers = Annotated[CurrentStaffContext, allow(R.admin, R.village_secretary)]
SECRETARY_MAY_MANAGE = frozenset({R.handler, R.grid_worker})


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    phone: str | None
    role: str
    area_id: int
    department_id: int | None
    team: str | None
    is_active: bool
    has_miniprogram: bool = False
    has_official_account: bool = False


def _out(a: StaffAccount) -> StaffOut:
    out = StaffOut.model_validate(a)
    out.has_miniprogram, out.has_official_account = a.mp_openid is not None, a.oa_openid is not None
    return out


async def _my_area(session: SessionDep, staff: CurrentStaffContext) -> Area:
    area = await session.get(Area, staff.scope.area_id)
    assert area is not None
    return area


@router.get("", response_model=list[StaffOut])
async def list_staff(
    staff: Viewers,
    session: SessionDep,
    role: Role | None = None,
    area: Annotated[int | None, Query(ge=1)] = None,
    team: Team | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[StaffOut]:
    stmt = select(StaffAccount).where(in_area_subtree(await _my_area(session, staff)))
    if role:
        stmt = stmt.where(StaffAccount.role == role.value)
    if area:
        stmt = stmt.where(StaffAccount.area_id == area)
    if team:
        stmt = stmt.where(StaffAccount.team == team.value)
    if active is not None:
        stmt = stmt.where(StaffAccount.is_active.is_(active))
    return [_out(a) for a in (await session.scalars(stmt.order_by(StaffAccount.id).limit(limit))).all()]


class StaffIn(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=128)
    display_name: str = Field(min_length=1, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    role: Role
    area_id: int
    department_id: int | None = None
    team: Team | None = None


async def _check_manage(session: SessionDep, staff: CurrentStaffContext, role: Role, area_id: int) -> None:
    if staff.role is R.admin:
        return
    target = await session.get(Area, area_id)
    mine = await _my_area(session, staff)
    if role not in SECRETARY_MAY_MANAGE or target is None or not target.path.startswith(mine.path):
        raise HTTPException(
            403, {"code": "forbidden", "message": "村(社区)书记只能管理本村的办理人员和网格员"}
        )


@router.post("", response_model=StaffOut, status_code=201)
async def create_staff(body: StaffIn, staff: Managers, session: SessionDep, now: NowDep) -> StaffOut:
    await _check_manage(session, staff, body.role, body.area_id)
    account = await service.create_staff(
        session,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        role=body.role,
        area_id=body.area_id,
        phone=body.phone,
        department_id=body.department_id,
        team=body.team.value if body.team else None,
        actor=staff.actor,
        now=now,
    )
    await session.commit()
    return _out(account)


async def _managed(session: SessionDep, staff: CurrentStaffContext, staff_id: int) -> StaffAccount:
    account = await service.get_in(
        session, staff_id=staff_id, within=in_area_subtree(await _my_area(session, staff))
    )
    await _check_manage(session, staff, Role(account.role), account.area_id)
    return account


class ActiveIn(BaseModel):
    active: bool


@router.post("/{staff_id}/active", response_model=StaffOut)
async def set_active(
    staff_id: int, body: ActiveIn, staff: Managers, session: SessionDep, now: NowDep
) -> StaffOut:
    account = await _managed(session, staff, staff_id)
    await service.set_active(session, account=account, active=body.active, actor=staff.actor, now=now)
    await session.commit()
    return _out(account)


class PasswordOut(BaseModel):
    temporary_password: str


@router.post("/{staff_id}/reset-password", response_model=PasswordOut)
async def reset_password(staff_id: int, staff: Managers, session: SessionDep, now: NowDep) -> PasswordOut:
    account = await _managed(session, staff, staff_id)
    password = await service.reset_password(session, account=account, actor=staff.actor, now=now)
    await session.commit()
    return PasswordOut(temporary_password=password)


class BindingCodeOut(BaseModel):
    code: str
    expires_in: int


@router.post("/me/binding-code", response_model=BindingCodeOut)
async def my_binding_code(
    staff: Annotated[CurrentStaffContext, allow(*ALL_STAFF)], session: SessionDep, now: NowDep
) -> BindingCodeOut:
    """A one-time code to type into the mini program: it links that WeChat identity to this account, and the
    same sign-in then opens the workbench. A new code makes older unused ones stop working."""
    ttl = timedelta(minutes=get_mp_settings().staff_binding_code_ttl_minutes)
    code = await staff_binding.issue_code(session, staff_id=staff.account.id, now=now, ttl=ttl)
    audit.record(
        session,
        actor=staff.actor,
        action="staff.binding_code",
        target_type="staff",
        target_id=staff.account.id,
        at=now,
    )
    await session.commit()
    return BindingCodeOut(code=code, expires_in=int(ttl.total_seconds()))
