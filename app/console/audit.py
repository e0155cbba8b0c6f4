"""The audit log in the console: who did what to which record, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.http.deps import CurrentStaffContext, SessionDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.people.models import Role

router = APIRouter(prefix="/api/v1/audit", tags=["console: audit"])
# The log spans the whole county (sign-ins, accounts, every report): the county's admins and supervisors only.
Auditors = Annotated[CurrentStaffContext, allow(Role.admin, Role.supervisor)]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_type: str
    actor_staff_id: int | None
    action: str
    target_type: str
    target_id: str
    ip: str | None
    request_id: str | None
    details: dict[str, Any]


@router.get("", response_model=Page[AuditOut])
async def list_audit(
    staff: Auditors,
    session: SessionDep,
    actor: Annotated[int | None, Query(ge=1, description="staff account id")] = None,
    action: Annotated[
        str | None, Query(max_length=50, description="e.g. report.accept, or a prefix: report.")
    ] = None,
    target_type: Annotated[str | None, Query(max_length=30)] = None,
    target_id: Annotated[str | None, Query(max_length=40)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[AuditOut]:
    if staff.scope.area_level != "county":
        raise HTTPException(403, {"code": "forbidden", "message": "审计日志仅县级管理员和综治中心可查看"})
    stmt = select(AuditEntry)
    if actor:
        stmt = stmt.where(AuditEntry.actor_staff_id == actor)
    if action:
        stmt = stmt.where(
            AuditEntry.action.startswith(action) if action.endswith(".") else AuditEntry.action == action
        )
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if (before := decode_cursor(cursor)) is not None:
        stmt = stmt.where(AuditEntry.id < before)
    rows = (await session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1))).all()
    items = [AuditOut.model_validate(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)
