"""Photo use cases: storing an upload once per content, attaching photos to a report, recording the
content check, and deciding who may see a photo. The edge owns the commit and the WeChat calls."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import anyio
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Table,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import InvalidInput
from app.media import images
from app.media.models import Media, ReportMedia
from app.media.storage import MediaStorage, key_for
from app.media.uploads import MediaUpload
from app.reports.models import Report
from app.reports.workflow import Status

CHECK_RESULT_WAIT = timedelta(minutes=30)
SUGGESTIONS = frozenset({"pass", "review", "risky"})


def _insert(session: AsyncSession) -> Any:
    # Both dialects spell "INSERT … ON CONFLICT DO NOTHING" the same way, from different modules.
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


@dataclass(frozen=True, slots=True)
class StoredUpload:
    media: Media
    # True when nobody has asked WeChat about these bytes yet: the edge should request a check.
    needs_check: bool


async def store_upload(
    session: AsyncSession,
    *,
    storage: MediaStorage,
    data: bytes,
    villager_id: int,
    now: datetime,
    max_bytes: int,
    max_pixels: int,
) -> StoredUpload:
    image = await anyio.to_thread.run_sync(
        functools.partial(images.clean, data, max_bytes=max_bytes, max_pixels=max_pixels)
    )
    sha = hashlib.sha256(image.data).hexdigest()
    media = await session.scalar(select(Media).where(Media.sha256 == sha))
    if media is None:
        key = key_for(sha, image.extension)
        if not await storage.exists(key):
            await storage.put(key, image.data, image.mime_type)
        values = {
            "sha256": sha,
            "size_bytes": len(image.data),
            "mime_type": image.mime_type,
            "storage_key": key,
            "width": image.width,
            "height": image.height,
            "gps_lat": image.gps[0] if image.gps else None,
            "gps_lng": image.gps[1] if image.gps else None,
            "check_status": "pending",
            "hidden": False,
            "uploaded_by_villager_id": villager_id,
            "created_at": now,
            "updated_at": now,
        }
        # A concurrent upload of the same bytes waits here for the other's commit, then finds its row.
        await session.execute(
            _insert(session)(Media).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
        )
        media = await session.scalar(select(Media).where(Media.sha256 == sha))
        assert media is not None
    if media.hidden or media.check_status == "risky":
        raise InvalidInput("该照片未通过内容安全检测，请更换照片", field="file")
    await session.execute(
        _insert(session)(MediaUpload)
        .values(media_id=media.id, villager_id=villager_id, uploaded_at=now)
        .on_conflict_do_nothing(index_elements=["media_id", "villager_id"])
    )
    return StoredUpload(media, needs_check=media.check_trace_id is None and media.check_status == "pending")


@dataclass(frozen=True, slots=True)
class UsablePhoto:
    """What a submission needs of a photo it attaches: its id, and its EXIF position if it had one."""

    id: int
    gps_lat: float | None
    gps_lng: float | None


# Built once (bound parameters), on table columns (Core rows, not Media objects): on the report path,
# building a statement or an object costs about as much as running the statement.
_M = cast(Table, Media.__table__)
_RM = cast(Table, ReportMedia.__table__)
_U = cast(Table, MediaUpload.__table__)
_UPLOADED_BY = (
    select(_M.c.id, _M.c.hidden, _M.c.gps_lat, _M.c.gps_lng)
    .join(_U, _U.c.media_id == _M.c.id)
    .where(_M.c.id.in_(bindparam("media_ids", expanding=True)), _U.c.villager_id == bindparam("vid"))
)
_ATTACH = _RM.insert().values(
    report_id=bindparam("p_report"),
    media_id=bindparam("p_media"),
    purpose=bindparam("p_purpose"),
    position=bindparam("p_position"),
)


async def usable_by(
    session: AsyncSession, *, villager_id: int, media_ids: Sequence[int]
) -> list[UsablePhoto]:
    """The photos, in the order given, if this villager uploaded every one of them and none is hidden."""
    if not media_ids:
        return []
    rows = (await session.execute(_UPLOADED_BY, {"media_ids": list(media_ids), "vid": villager_id})).all()
    by_id = {row.id: row for row in rows}
    for media_id in media_ids:
        row = by_id.get(media_id)
        if row is None:
            raise InvalidInput(f"照片 {media_id} 不存在或不是您上传的，请重新上传", field="photo_ids")
        if row.hidden:
            raise InvalidInput(f"照片 {media_id} 未通过内容安全检测，请删除后再提交", field="photo_ids")
    return [UsablePhoto(i, by_id[i].gps_lat, by_id[i].gps_lng) for i in media_ids]


async def attach(
    session: AsyncSession, *, report_id: int, media: Sequence[UsablePhoto], purpose: str = "report"
) -> None:
    """Link the photos to the report, in their order (one statement, however many)."""
    if media:
        rows = [
            {"p_report": report_id, "p_media": item.id, "p_purpose": purpose, "p_position": position}
            for position, item in enumerate(media)
        ]
        await session.execute(_ATTACH, rows)


def attach_naming(report_id: ColumnElement[Any]) -> Any:
    """INSERT … SELECT linking the photos (m_photo_ids, in order) to the report `report_id` names, for
    a statement that makes the report itself (PostgreSQL): the rows `attach` writes."""
    photo = (
        func.unnest(bindparam("m_photo_ids", type_=ARRAY(Integer)))
        .table_valued("media_id", with_ordinality="ordinality")
        .render_derived("photo")
    )  # AS photo(media_id, ordinality)
    row = select(report_id, photo.c.media_id, literal("report"), photo.c.ordinality - 1).select_from(
        report_id.table.join(photo, true())  # each photo beside the one report
    )
    return _RM.insert().from_select(["report_id", "media_id", "purpose", "position"], row)


def attach_params(media: Sequence[UsablePhoto]) -> dict[str, Any]:
    return {"m_photo_ids": [item.id for item in media]}


async def mark_check_requested(session: AsyncSession, *, media: Media, trace_id: str, now: datetime) -> None:
    media.check_trace_id = trace_id
    media.check_requested_at = now
    media.updated_at = now
    await session.flush()


async def apply_check_result(
    session: AsyncSession, *, trace_id: str, suggest: str, now: datetime
) -> Media | None:
    """The wxa_media_check push: pass, review or risky. A risky photo is hidden from everyone."""
    if suggest not in SUGGESTIONS:
        suggest = "review"
    media = await session.scalar(select(Media).where(Media.check_trace_id == trace_id))
    if media is None:
        return None
    media.check_status = suggest
    media.checked_at = now
    media.hidden = media.hidden or suggest == "risky"
    media.updated_at = now
    await session.flush()
    return media


@dataclass(frozen=True, slots=True)
class Held:
    photos: int
    reports: int


async def hold_unanswered_checks(session: AsyncSession, *, now: datetime) -> Held:
    """Photos still unchecked 30 minutes on go to human review (WECHAT.md): a check WeChat did not
    answer, and a photo whose check could not be asked (WeChat down) or cannot be (a chat photo: the
    Official Account has no mini program openid). The reports they are on that still await review
    are held, as WeChat's own "review" verdict holds them: the cadre who accepts one has seen it (an
    accepted report is not held again). The `media-check-hold` job calls this."""
    since = func.coalesce(_M.c.check_requested_at, _M.c.created_at)
    photos = (
        await session.scalars(
            update(_M)
            .where(_M.c.check_status == "pending", since < now - CHECK_RESULT_WAIT)
            .values(check_status="review", updated_at=now)
            .returning(_M.c.id)
        )
    ).all()
    if not photos:
        return Held(0, 0)
    reports = cast(Table, Report.__table__)
    held = await session.execute(
        update(reports)
        .where(
            reports.c.id.in_(select(_RM.c.report_id).where(_RM.c.media_id.in_(photos))),
            reports.c.status == Status.submitted.value,
            reports.c.held_for_review.is_(False),
        )
        .values(held_for_review=True, updated_at=now, version=reports.c.version + 1)
    )
    return Held(len(photos), int(getattr(held, "rowcount", 0) or 0))


async def viewable(
    session: AsyncSession, *, media_id: int, villager_id: int, report_scope: ColumnElement[bool]
) -> Media | None:
    """A photo this villager may see: one they uploaded, one on their own report, or one WeChat's check
    passed on a report `report_scope` lets them see."""
    uploaded = exists().where(MediaUpload.media_id == Media.id, MediaUpload.villager_id == villager_id)
    on_visible_report = exists().where(
        ReportMedia.media_id == Media.id,
        ReportMedia.report_id == Report.id,
        report_scope,
        or_(Report.reporter_villager_id == villager_id, Media.check_status == "pass"),
    )
    media: Media | None = await session.scalar(
        select(Media).where(Media.id == media_id, Media.hidden.is_(False), uploaded | on_visible_report)
    )
    return media


async def photos_of(session: AsyncSession, report_ids: Sequence[int]) -> dict[int, list[Media]]:
    """Visible photos per report, in their order (hidden ones left out)."""
    rows = await session.execute(
        select(ReportMedia.report_id, Media)
        .join(Media, Media.id == ReportMedia.media_id)
        .where(ReportMedia.report_id.in_(report_ids), Media.hidden.is_(False))
        .order_by(ReportMedia.report_id, ReportMedia.purpose, ReportMedia.position)
    )
    found: dict[int, list[Media]] = {}
    for report_id, media in rows.all():
        found.setdefault(report_id, []).append(media)
    return found
