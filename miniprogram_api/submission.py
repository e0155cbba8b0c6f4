"""Turning a villager's report form into a report: defaults from the profile, the photos, the
position from a photo when the villager agreed, then the daily limit and the writes. Runs inside the
request's transaction.

On PostgreSQL the writes are one statement (miniprogram_api/filing.py); elsewhere (the embedded
SQLite demo) they are made step by step, the same rows in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import status
from sqlalchemy.ext.asyncio import AsyncSession

from app.categories.models import Topic
from app.core.errors import InvalidInput
from app.idempotency import service as idempotency
from app.media import service as media_service
from app.people.models import Villager
from app.reference.cache import CategoryRef, ReferenceData
from app.reports import limits
from app.reports import service as reports_service
from miniprogram_api import filing, notify
from miniprogram_api.filing import Filed, Form, Terms
from miniprogram_api.schemas import ReportIn


async def _category(session: AsyncSession, body: ReportIn, reference: ReferenceData) -> CategoryRef:
    category = await reports_service.category_for(session, reference, code=body.category, kind=body.kind)
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


async def file(session: AsyncSession, form: Form, terms: Terms) -> Filed:
    """Write the report and all that comes with it, or raise TooManyReports (nothing written)."""
    if session.get_bind().dialect.name == "postgresql":
        return await filing.file_at_once(session, form, terms)
    return await file_step_by_step(session, form, terms)


async def file_step_by_step(session: AsyncSession, form: Form, terms: Terms) -> Filed:
    """`file` on any database: a statement for each row."""
    villager_id, now = form.values["reporter_villager_id"], terms.now
    await limits.take_one(session, villager_id=villager_id, limit=terms.daily_limit, now=now, tz=terms.tz)
    report = await reports_service.add_report(session, values=form.values, actor=terms.actor, now=now)
    await media_service.attach(session, report_id=report.id, media=form.photos)
    await notify.report_received(session, report=report, now=now)
    stored = await idempotency.store(
        session,
        **terms.key.fields(),
        now=now,
        status_code=status.HTTP_201_CREATED,
        response={"id": report.id, **form.answer()},
    )
    return Filed(report.id, stored)
