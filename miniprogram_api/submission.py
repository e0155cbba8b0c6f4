"""Turning a villager's report form into a report: defaults from the profile, the photos, the
position from a photo when the villager agreed, then the daily limit and the writes. Runs inside the
request's transaction.

On PostgreSQL the writes are one statement (miniprogram_api/filing.py); elsewhere (the embedded
SQLite demo) they are made step by step, the same rows in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import Actor
from app.categories.models import Topic
from app.core.errors import InvalidInput
from app.idempotency import service as idempotency
from app.media import service as media_service
from app.people.models import Villager
from app.reference.cache import CategoryRef, ReferenceData
from app.reports import limits
from app.reports import service as reports_service
from app.reports.workflow import STATUS_LABELS, Status
from miniprogram_api import filing, notify
from miniprogram_api.filing import Filed, RequestKey
from miniprogram_api.schemas import ReportIn


@dataclass(frozen=True, slots=True)
class Form:
    """A report form that passed its checks (all but the daily limit, which counts as it writes)."""

    values: dict[str, Any]  # the report's columns (reports_service.report_values)
    photos: list[media_service.UsablePhoto]

    def answer(self) -> dict[str, Any]:
        """The response to the submission, but for the report's id."""
        report_status = self.values["status"]
        return {
            "ledger_no": None,
            "status": report_status,
            "status_label": STATUS_LABELS[Status(report_status)],
            "held_for_review": self.values["held_for_review"],
        }


async def _category(session: AsyncSession, body: ReportIn, reference: ReferenceData) -> CategoryRef:
    category = await reference.category_by_code(session, body.category)
    if category is None or not category.is_active:
        raise InvalidInput("所选类别不存在", field="category")
    if category.kind != body.kind:
        raise InvalidInput("所选类别不属于该类型", field="category")
    if body.topic is not None and await session.get(Topic, body.topic) is None:
        raise InvalidInput("所选话题不存在", field="topic")
    return category


async def prepare(
    session: AsyncSession,
    *,
    villager: Villager,
    body: ReportIn,
    held_for_review: bool,
    now: datetime,
    reference: ReferenceData,
) -> Form:
    category = await _category(session, body, reference)
    village_id = body.village_id or villager.home_village_id
    if village_id is None:
        raise InvalidInput("请选择问题所在的村(社区)，或先在“我的”中设置所在村", field="village_id")
    grid_id = body.grid_id
    if grid_id is None and village_id == villager.home_village_id:
        grid_id = villager.home_grid_id
    if len(set(body.photo_ids)) != len(body.photo_ids):
        raise InvalidInput("照片重复，请检查后再提交", field="photo_ids")
    photos = await media_service.usable_by(session, villager_id=villager.id, media_ids=body.photo_ids)

    lat = lng = None
    coord_system = address = None
    if body.location is not None:
        lat, lng = body.location.lat, body.location.lng
        coord_system, address = body.location.coord_system, body.location.address
    elif body.use_photo_location:
        located = next((p for p in photos if p.gps_lat is not None), None)
        if located is not None:
            # EXIF positions are GPS, i.e. WGS-84.
            lat, lng, coord_system = located.gps_lat, located.gps_lng, "wgs84"

    values = await reports_service.report_values(
        session,
        data=reports_service.NewReport(
            kind=body.kind,
            category_id=category.id,
            description=body.description,
            village_id=village_id,
            grid_id=grid_id,
            topic_code=body.topic,
            lat=lat,
            lng=lng,
            coord_system=coord_system,
            address=address,
            is_anonymous=body.anonymous,
            channel="miniprogram",
            reporter_villager_id=villager.id,
            # msg_sec_check said "review" (or could not answer): staff see it first, the public never.
            held_for_review=held_for_review,
        ),
        now=now,
        reference=reference,
    )
    return Form(values, photos)


async def file(
    session: AsyncSession,
    form: Form,
    *,
    key: RequestKey,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    daily_limit: int,
) -> Filed:
    """Write the report and all that comes with it, or raise TooManyReports (nothing written)."""
    if session.get_bind().dialect.name == "postgresql":
        return await filing.file_at_once(
            session,
            values=form.values,
            photos=form.photos,
            answer=form.answer(),
            key=key,
            actor=actor,
            now=now,
            tz=tz,
            daily_limit=daily_limit,
        )
    return await file_step_by_step(
        session, form, key=key, actor=actor, now=now, tz=tz, daily_limit=daily_limit
    )


async def file_step_by_step(
    session: AsyncSession,
    form: Form,
    *,
    key: RequestKey,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    daily_limit: int,
) -> Filed:
    """`file` on any database: a statement for each row."""
    villager_id = form.values["reporter_villager_id"]
    await limits.take_one(session, villager_id=villager_id, limit=daily_limit, now=now, tz=tz)
    report = await reports_service.add_report(session, values=form.values, actor=actor, now=now)
    await media_service.attach(session, report_id=report.id, media=form.photos)
    await notify.report_received(session, report=report, now=now)
    stored = await idempotency.store(
        session,
        villager_id=key.villager_id,
        operation=key.operation,
        key=key.key,
        digest=key.digest,
        now=now,
        status_code=status.HTTP_201_CREATED,
        response={"id": report.id, **form.answer()},
    )
    return Filed(report.id, stored)
