"""Organisation in the console: areas, departments, categories and SLA policies, and imports from tables."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.areas import service as areas_service
from app.areas.models import Area, AreaLevel, Department
from app.audit import service as audit
from app.categories.models import Category, SlaPolicy
from app.core.errors import InvalidInput, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, allow
from app.organisation import importer
from app.people.models import Role

router = APIRouter(prefix="/api/v1", tags=["console: organisation"])
StaffAny = Annotated[CurrentStaffContext, allow(*ALL_STAFF)]
Admin = Annotated[CurrentStaffContext, allow(Role.admin)]
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _apply_changes(
    session: SessionDep,
    staff: CurrentStaffContext,
    row: Any,
    changes: dict[str, Any],
    *,
    action: str,
    target_type: str,
    now: datetime,
) -> None:
    """Set the changed fields and audit each one's old and new value."""
    audit.record(
        session,
        actor=staff.actor,
        action=action,
        target_type=target_type,
        target_id=row.id,
        at=now,
        details={k: [getattr(row, k), v] for k, v in changes.items()},
    )
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now


class AreaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


@router.get("/areas", response_model=list[AreaOut])
async def list_areas(
    staff: StaffAny,
    session: SessionDep,
    parent: Annotated[int | None, Query(ge=1)] = None,
    level: AreaLevel | None = None,
) -> list[AreaOut]:
    stmt = select(Area)
    if parent is not None:
        stmt = stmt.where(Area.parent_id == parent)
    if level is not None:
        stmt = stmt.where(Area.level == level.value)
    return [AreaOut.model_validate(a) for a in (await session.scalars(stmt.order_by(Area.code))).all()]


class AreaIn(BaseModel):
    code: str = Field(pattern=r"^\d{12,18}$")
    name: str = Field(min_length=1, max_length=100)
    level: AreaLevel
    parent_id: int | None = None


@router.post("/areas", response_model=AreaOut, status_code=201)
async def create_area(body: AreaIn, staff: Admin, session: SessionDep, now: NowDep) -> AreaOut:
    parent = await session.get(Area, body.parent_id) if body.parent_id else None
    if body.parent_id and parent is None:
        raise InvalidInput("上级区域不存在", field="parent_id")
    area = await areas_service.create_area(
        session, code=body.code, name=body.name, level=body.level, parent=parent, actor=staff.actor, now=now
    )
    await session.commit()
    return AreaOut.model_validate(area)


class RenameIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


@router.patch("/areas/{area_id}", response_model=AreaOut)
async def rename_area(
    area_id: int, body: RenameIn, staff: Admin, session: SessionDep, now: NowDep
) -> AreaOut:
    area = await session.get(Area, area_id)
    if area is None:
        raise NotFound("区域不存在", field="area_id")
    _apply_changes(
        session, staff, area, {"name": body.name}, action="area.rename", target_type="area", now=now
    )
    await session.commit()
    return AreaOut.model_validate(area)


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    town_id: int
    code: str
    name: str


@router.get("/departments", response_model=list[DepartmentOut])
async def list_departments(
    staff: StaffAny, session: SessionDep, town: Annotated[int | None, Query(ge=1)] = None
) -> list[DepartmentOut]:
    stmt = select(Department)
    if town is not None:
        stmt = stmt.where(Department.town_id == town)
    return [
        DepartmentOut.model_validate(d) for d in (await session.scalars(stmt.order_by(Department.id))).all()
    ]


class DepartmentIn(BaseModel):
    town_id: int
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)


@router.post("/departments", response_model=DepartmentOut, status_code=201)
async def create_department(
    body: DepartmentIn, staff: Admin, session: SessionDep, now: NowDep
) -> DepartmentOut:
    town = await session.get(Area, body.town_id)
    if town is None:
        raise InvalidInput("镇(街道)不存在", field="town_id")
    dept = await areas_service.create_department(
        session, town=town, code=body.code, name=body.name, actor=staff.actor, now=now
    )
    await session.commit()
    return DepartmentOut.model_validate(dept)


class SlaPolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    respond_minutes: int
    handle_hours: int
    remind_before_respond_minutes: int
    remind_before_handle_minutes: int
    key_supervision_hours: int


class SlaPolicyIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    respond_minutes: int = Field(default=30, ge=1, le=24 * 60)
    handle_hours: int = Field(default=24, ge=1, le=24 * 90)
    remind_before_respond_minutes: int = Field(default=10, ge=0, le=24 * 60)
    remind_before_handle_minutes: int = Field(default=240, ge=0, le=24 * 60 * 7)
    key_supervision_hours: int = Field(default=48, ge=1, le=24 * 180)


class SlaPolicyPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    respond_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    handle_hours: int | None = Field(default=None, ge=1, le=24 * 90)
    remind_before_respond_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    remind_before_handle_minutes: int | None = Field(default=None, ge=0, le=24 * 60 * 7)
    key_supervision_hours: int | None = Field(default=None, ge=1, le=24 * 180)


@router.get("/sla-policies", response_model=list[SlaPolicyOut])
async def list_policies(staff: StaffAny, session: SessionDep) -> list[SlaPolicyOut]:
    return [
        SlaPolicyOut.model_validate(p)
        for p in (await session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)))
    ]


@router.post("/sla-policies", response_model=SlaPolicyOut, status_code=201)
async def create_policy(body: SlaPolicyIn, staff: Admin, session: SessionDep, now: NowDep) -> SlaPolicyOut:
    if await session.scalar(select(SlaPolicy.id).where(SlaPolicy.code == body.code)):
        raise InvalidInput("时限策略代码已存在", field="code")
    policy = SlaPolicy(**body.model_dump())
    session.add(policy)
    await session.flush()
    audit.record(
        session,
        actor=staff.actor,
        action="sla_policy.create",
        target_type="sla_policy",
        target_id=policy.id,
        at=now,
        details=body.model_dump(),
    )
    await session.commit()
    return SlaPolicyOut.model_validate(policy)


@router.patch("/sla-policies/{policy_id}", response_model=SlaPolicyOut)
async def update_policy(
    policy_id: int,
    body: SlaPolicyPatch,
    staff: Admin,
    session: SessionDep,
    now: NowDep,
) -> SlaPolicyOut:
    policy = await session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("时限策略不存在", field="policy_id")
    _apply_changes(
        session,
        staff,
        policy,
        body.model_dump(exclude_none=True),
        action="sla_policy.update",
        target_type="sla_policy",
        now=now,
    )
    await session.commit()
    return SlaPolicyOut.model_validate(policy)


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    kind: str
    name: str
    sort_order: int
    is_active: bool
    sla_policy_id: int


class CategoryPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    is_active: bool | None = None
    sla_policy_id: int | None = None
    sort_order: int | None = None


@router.get("/categories", response_model=list[CategoryOut])
async def list_categories(staff: StaffAny, session: SessionDep) -> list[CategoryOut]:
    rows = await session.scalars(select(Category).order_by(Category.sort_order, Category.id))
    return [CategoryOut.model_validate(c) for c in rows]


@router.patch("/categories/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: int,
    body: CategoryPatch,
    staff: Admin,
    session: SessionDep,
    now: NowDep,
) -> CategoryOut:
    category = await session.get(Category, category_id)
    if category is None:
        raise NotFound("类别不存在", field="category_id")
    if body.sla_policy_id is not None and await session.get(SlaPolicy, body.sla_policy_id) is None:
        raise InvalidInput("时限策略不存在", field="sla_policy_id")
    _apply_changes(
        session,
        staff,
        category,
        body.model_dump(exclude_none=True),
        action="category.update",
        target_type="category",
        now=now,
    )
    await session.commit()
    return CategoryOut.model_validate(category)


async def _read_upload(file: UploadFile) -> bytes:
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput("文件不能超过 5 MB", field="file")
    return content


def _report_response(report: importer.ImportReport, dry_run: bool) -> JSONResponse:
    body: dict[str, Any] = {
        "dry_run": dry_run,
        "ok": report.ok,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "errors": [asdict(e) for e in report.errors],
    }
    if report.credentials:
        body["credentials"] = report.credentials
    return JSONResponse(body, status_code=200 if report.ok else 422)


@router.post("/import/areas")
async def import_areas(
    staff: Admin,
    session: SessionDep,
    now: NowDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX: 代码, 名称, 级别, 上级代码")],
    dry_run: bool = True,
) -> JSONResponse:
    """Dry run by default: every bad row comes back with its line and reason; nothing is written until a clean
    file is sent with `dry_run=false`."""
    report = await importer.import_areas(
        session, content=await _read_upload(file), dry_run=dry_run, actor=staff.actor, now=now
    )
    if report.ok and not dry_run:
        await session.commit()
    return _report_response(report, dry_run)


@router.post("/import/staff")
async def import_staff(
    staff: Admin,
    session: SessionDep,
    now: NowDep,
    file: Annotated[
        UploadFile, File(description="CSV or XLSX: 手机号, 姓名, 角色, 区域代码, 部门代码, 队伍")
    ],
    dry_run: bool = True,
) -> JSONResponse:
    report = await importer.import_staff(
        session, content=await _read_upload(file), dry_run=dry_run, actor=staff.actor, now=now
    )
    if report.ok and not dry_run:
        await session.commit()
    return _report_response(report, dry_run)
