"""Lifecycle actions on a report from the console: one transition each, with timeline, audit and outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from app.areas.models import Department
from app.core.errors import InvalidInput, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, SettingsDep, allow
from app.media.models import Media, ReportMedia
from app.people.models import Role, StaffAccount, Team
from app.people.scope import report_condition
from app.reports import repository
from app.reports import service as reports_service
from app.reports.models import Report, TimelineEvent
from app.reports.schemas import ReportDetail
from app.reports.workflow import Action

from .permissions import ACTION_ROLES, KEY_SUPERVISION_ROLES, VISIBILITY_ROLES
from .report_views import detail_of

router = APIRouter(prefix="/api/v1/reports", tags=["console: actions"])
StaffAny = Annotated[CurrentStaffContext, allow(*ALL_STAFF)]
ConsoleAction = Annotated[
    Action, Path(description="one of the lifecycle actions except rate (the reporter's)")
]


class ActionIn(BaseModel):
    version: int | None = Field(default=None, description="the version you saw; a stale one is 409")
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=500)
    result: str | None = Field(default=None, max_length=1000)
    assignee_staff_id: int | None = None
    assignee_team: Team | None = None
    department_id: int | None = None
    until: AwareDatetime | None = None
    duplicate_of_id: int | None = None
    quality_grade: int | None = Field(default=None, ge=1, le=3, description="accept/acknowledge: 1–3")
    media_ids: list[int] = Field(default_factory=list, max_length=9)


async def _scoped_report(session: SessionDep, staff: CurrentStaffContext, report_id: int) -> Report:
    report = await repository.get_scoped(session, scope=report_condition(staff.scope), report_id=report_id)
    if report is None:
        raise NotFound("工单不存在", field="report_id")
    return report


async def _check_targets(
    session: SessionDep, staff: CurrentStaffContext, report: Report, body: ActionIn
) -> None:
    """The people, departments and reports an action names must exist and fit this report."""
    if body.assignee_staff_id is not None:
        assignee = await session.get(StaffAccount, body.assignee_staff_id)
        village_areas = await _village_and_grids(session, report.village_id)
        if (
            assignee is None
            or not assignee.is_active
            or assignee.role not in (Role.handler, Role.grid_worker)
            or assignee.area_id not in village_areas
        ):
            raise InvalidInput("办理人员不存在或不属于本村(社区)", field="assignee_staff_id")
    if body.department_id is not None:
        dept = await session.get(Department, body.department_id)
        if dept is None or dept.town_id != report.town_id:
            raise InvalidInput("职能部门不存在或不属于本镇(街道)", field="department_id")
    if body.duplicate_of_id is not None:
        original = await repository.get_scoped(
            session, scope=report_condition(staff.scope), report_id=body.duplicate_of_id
        )
        if original is None or original.id == report.id:
            raise InvalidInput("原工单不存在", field="duplicate_of_id")


async def _village_and_grids(session: SessionDep, village_id: int) -> set[int]:
    from app.areas.models import Area

    grids = (await session.scalars(select(Area.id).where(Area.parent_id == village_id))).all()
    return {village_id, *grids}


async def attach_media(session: SessionDep, report: Report, media_ids: list[int], purpose: str) -> None:
    if not media_ids:
        return
    found = (await session.scalars(select(Media).where(Media.id.in_(media_ids)))).all()
    if len({m.id for m in found}) != len(set(media_ids)) or any(m.hidden for m in found):
        raise InvalidInput("照片不存在或未通过审核", field="media_ids")
    event_id = await session.scalar(
        select(TimelineEvent.id).where(TimelineEvent.report_id == report.id).order_by(TimelineEvent.id.desc())
    )
    for position, media_id in enumerate(dict.fromkeys(media_ids)):
        session.add(
            ReportMedia(
                report_id=report.id,
                media_id=media_id,
                purpose=purpose,
                position=position,
                timeline_event_id=event_id,
            )
        )
    await session.flush()


@router.post("/{report_id}/actions/{action}", response_model=ReportDetail)
async def perform(
    report_id: int,
    action: ConsoleAction,
    body: ActionIn,
    staff: StaffAny,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> ReportDetail:
    if action not in ACTION_ROLES:
        raise HTTPException(403, {"code": "forbidden", "message": "该操作只能由反映人在小程序中完成"})
    report = await _scoped_report(session, staff, report_id)
    if staff.role not in ACTION_ROLES[action]:
        raise HTTPException(403, {"code": "forbidden", "message": "您的角色不能执行此操作"})
    await _check_targets(session, staff, report, body)
    params: dict[str, Any] = body.model_dump(exclude={"version", "media_ids"}, exclude_none=True)
    if "assignee_team" in params:
        params["assignee_team"] = str(params["assignee_team"])
    if action is Action.approve_extension and report.extension_requested_until is not None:
        local = report.extension_requested_until.astimezone(settings.tz)
        params["until_label"] = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    await reports_service.perform_action(
        session,
        report=report,
        action=action,
        actor=staff.actor,
        now=now,
        tz=settings.tz,
        expected_version=body.version,
        **params,
    )
    if action in (Action.add_progress, Action.resolve):
        await attach_media(
            session, report, body.media_ids, "progress" if action is Action.add_progress else "result"
        )
    await session.commit()
    return await detail_of(session, report, now)


class VisibilityIn(BaseModel):
    is_public: bool
    version: int | None = None


@router.post("/{report_id}/visibility", response_model=ReportDetail)
async def set_visibility(
    report_id: int, body: VisibilityIn, staff: StaffAny, session: SessionDep, now: NowDep
) -> ReportDetail:
    report = await _scoped_report(session, staff, report_id)
    if staff.role not in VISIBILITY_ROLES:
        raise HTTPException(403, {"code": "forbidden", "message": "您的角色不能执行此操作"})
    await reports_service.set_flag(
        session,
        report=report,
        actor=staff.actor,
        now=now,
        expected_version=body.version,
        name="is_public",
        value=body.is_public,
        message="工单已设为公开" if body.is_public else "工单已设为不公开",
    )
    await session.commit()
    return await detail_of(session, report, now)


class KeySupervisionIn(BaseModel):
    flag: bool = True
    reason: str = Field(min_length=1, max_length=500)
    version: int | None = None


@router.post("/{report_id}/key-supervision", response_model=ReportDetail)
async def flag_key_supervision(
    report_id: int, body: KeySupervisionIn, staff: StaffAny, session: SessionDep, now: NowDep
) -> ReportDetail:
    report = await _scoped_report(session, staff, report_id)
    if staff.role not in KEY_SUPERVISION_ROLES:
        raise HTTPException(403, {"code": "forbidden", "message": "只有综治中心可以列为重点督办"})
    await reports_service.set_flag(
        session,
        report=report,
        actor=staff.actor,
        now=now,
        expected_version=body.version,
        name="key_supervision",
        value=body.flag,
        message=("列为重点督办：" if body.flag else "取消重点督办：") + body.reason,
        visible=False,
    )
    await session.commit()
    return await detail_of(session, report, now)
