"""Staff filing a report themselves: a grid worker on patrol (DOMAIN.md: grid workers report, handle
and give feedback), or a village cadre writing down what was phoned in. The report then takes the
same path as a villager's, from the village's intake queue.

Retries are safe: the Idempotency-Key is kept on the report (a unique index per staff member), so a
retry gets the report its first attempt made, and a different report under a used key is 409.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import service as audit
from app.core.errors import Conflict, InvalidInput
from app.http.deps import CurrentStaffContext, NowDep, ReferenceDep, SessionDep, allow
from app.people.models import Role
from app.reports import service as reports_service
from app.reports.models import Report
from miniprogram_api.schemas import LocationIn

from .actions import attach_media
from .report_views import detail_of

router = APIRouter(prefix="/api/v1/reports", tags=["console: filing"])
Filers = Annotated[CurrentStaffContext, allow(Role.grid_worker, Role.intake_cadre, Role.village_secretary)]
FilingKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
CHANNEL = "console"


class StaffReportIn(BaseModel):
    kind: Literal["problem", "praise", "alert"]
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    grid_id: int | None = Field(default=None, ge=1)  # a grid worker's own grid when not given
    location: LocationIn | None = None
    media_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=9)] = []


async def _filed_before(session: SessionDep, staff_id: int, key: str) -> Report | None:
    return await session.scalar(
        select(Report).where(Report.reporter_staff_id == staff_id, Report.client_key == key)
    )


async def _replay(session: SessionDep, report: Report, body: StaffReportIn, now: NowDep) -> JSONResponse:
    if report.description != body.description or report.kind != body.kind:
        raise Conflict("该请求编号已用于另一条反映，请刷新页面后重新提交", field="Idempotency-Key")
    detail = await detail_of(session, report, now)
    return JSONResponse(detail.model_dump(mode="json"), headers={"Idempotent-Replayed": "true"})


@router.post("", status_code=status.HTTP_201_CREATED)
async def file_report(
    body: StaffReportIn,
    key: FilingKey,
    staff: Filers,
    session: SessionDep,
    reference: ReferenceDep,
    now: NowDep,
) -> JSONResponse:
    """A report in the staff member's own village (a grid worker's grid by default), in the intake
    queue like any other; audited as report.file. 201 with the report, 200 for a retry."""
    if (earlier := await _filed_before(session, staff.scope.staff_id, key)) is not None:
        return await _replay(session, earlier, body, now)
    village_id = staff.scope.village_id
    if village_id is None:
        raise InvalidInput("您的账号不属于某个村(社区)，不能在此反映", field="village_id")
    grid_id = body.grid_id
    if grid_id is None and staff.scope.area_level == "grid":
        grid_id = staff.scope.area_id
    category = await reports_service.category_for(session, reference, code=body.category, kind=body.kind)
    location = body.location
    report = await reports_service.submit_report(
        session,
        data=reports_service.NewReport(
            kind=body.kind,
            category_id=category.id,
            description=body.description,
            village_id=village_id,
            grid_id=grid_id,
            lat=location.lat if location else None,
            lng=location.lng if location else None,
            coord_system=location.coord_system if location else None,
            address=location.address if location else None,
            channel=CHANNEL,
            reporter_staff_id=staff.scope.staff_id,
        ),
        actor=staff.actor,
        now=now,
        reference=reference,
    )
    report.client_key = key
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent twin under the same key committed first: answer with its report.
        await session.rollback()
        earlier = await _filed_before(session, staff.scope.staff_id, key)
        if earlier is None:
            raise
        return await _replay(session, earlier, body, now)
    await attach_media(session, report, body.media_ids, "report")
    audit.record(
        session,
        actor=staff.actor,
        action="report.file",
        target_type="report",
        target_id=report.id,
        at=now,
        details={"channel": CHANNEL, "category": body.category},
    )
    await session.commit()
    detail = await detail_of(session, report, now)
    return JSONResponse(detail.model_dump(mode="json"), status.HTTP_201_CREATED)
