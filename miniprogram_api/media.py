"""Photo upload (as wx.uploadFile sends it) and serving photos back to those allowed to see them."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.datastructures import UploadFile

from app.core.errors import InvalidInput, NotFound
from app.http.deps import NowDep, SessionDep, SettingsDep
from app.media import errors as media_errors
from app.media import links
from app.media import service as media_service
from app.media.models import Media
from app.villagers.visibility import visible_to
from miniprogram_api import wechat
from miniprogram_api.config import MiniProgramSettings
from miniprogram_api.deps import CurrentVillager, MpSettingsDep, StorageDep
from miniprogram_api.schemas import MediaOut

router = APIRouter(prefix="/media", tags=["mini program: photos"])
log = logging.getLogger("suishoupai.mp.media")
# Room for the multipart envelope (boundaries, part headers, wx.uploadFile's formData) around the file.
_ENVELOPE = 64 * 1024
_SERVE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=600",
}


def signed_url(media_id: int, *, secret: str, mp: MiniProgramSettings, now: datetime) -> str:
    expires, sig = links.sign(secret, media_id, now=now, ttl=timedelta(seconds=mp.signed_link_ttl_seconds))
    return f"{mp.public_base_url.rstrip('/')}/mp/v1/media/{media_id}/signed?e={expires}&s={sig}"


def media_out(media: Media, *, secret: str, mp: MiniProgramSettings, now: datetime) -> MediaOut:
    return MediaOut(
        id=media.id,
        mime_type=media.mime_type,
        size_bytes=media.size_bytes,
        width=media.width,
        height=media.height,
        has_location=media.gps_lat is not None,
        url=signed_url(media.id, secret=secret, mp=mp, now=now),
    )


@router.post("", response_model=MediaOut, status_code=status.HTTP_201_CREATED)
async def upload_photo(
    request: Request,
    me: CurrentVillager,
    session: SessionDep,
    settings: SettingsDep,
    mp: MpSettingsDep,
    storage: StorageDep,
    now: NowDep,
) -> MediaOut:
    # Refuse an oversized body before reading it: the multipart parser itself has no file size limit.
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        raise HTTPException(
            status.HTTP_411_LENGTH_REQUIRED, {"code": "length_required", "message": "请重新上传"}
        )
    if int(length) > mp.upload_max_bytes + _ENVELOPE:
        raise media_errors.ImageTooLarge(
            f"照片不能超过 {mp.upload_max_bytes // (1024 * 1024)} MB", field="file"
        )
    form = await request.form(max_files=1, max_fields=8)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请选择要上传的照片", field="file")
        data = await upload.read(mp.upload_max_bytes + 1)
    finally:
        await form.close()
    stored = await media_service.store_upload(
        session,
        storage=storage,
        data=data,
        villager_id=me.id,
        now=now,
        max_bytes=mp.upload_max_bytes,
        max_pixels=mp.upload_max_pixels,
    )
    await session.commit()
    if stored.needs_check and me.villager.mp_openid:
        url = signed_url(stored.media.id, secret=settings.secret_key, mp=mp, now=now)
        trace_id = await wechat.request_media_check(request, openid=me.villager.mp_openid, media_url=url)
        if trace_id:
            await media_service.mark_check_requested(session, media=stored.media, trace_id=trace_id, now=now)
            await session.commit()
    return media_out(stored.media, secret=settings.secret_key, mp=mp, now=now)


async def _content(storage: StorageDep, media: Media) -> Response:
    data = await storage.get(media.storage_key)
    return Response(data, media_type=media.mime_type, headers=_SERVE_HEADERS)


@router.get("/{media_id}")
async def get_photo(media_id: int, me: CurrentVillager, session: SessionDep, storage: StorageDep) -> Response:
    media = await media_service.viewable(
        session, media_id=media_id, villager_id=me.id, report_scope=visible_to(me.id)
    )
    if media is None:
        raise NotFound("照片不存在", field="media_id")
    return await _content(storage, media)


@router.get("/{media_id}/signed", include_in_schema=False)
async def get_signed_photo(
    media_id: int,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    now: NowDep,
    e: Annotated[int, Query()],
    s: Annotated[str, Query(max_length=64)],
) -> Response:
    media = (
        await session.get(Media, media_id)
        if links.verify(settings.secret_key, media_id, e, s, now=now)
        else None
    )
    if media is None or media.hidden:
        raise NotFound("照片不存在或链接已过期", field="media_id")
    return await _content(storage, media)
