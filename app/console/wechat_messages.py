"""What WeChat pushed, for the admins: stored messages and events (with how each was handled), chat
photos whose download failed, and the one-time QR code a staff member scans to receive notifications
on the Official Account."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from app.audit import service as audit
from app.core.errors import Conflict, NotFound
from app.http.deps import ALL_STAFF, CurrentStaffContext, NowDep, SessionDep, allow
from app.http.pagination import Page, decode_cursor, encode_cursor
from app.inbound import repository
from app.inbound.identity import BIND_SCENE_PREFIX
from app.inbound.models import InboundMessage, MediaFetch
from app.people.models import Role
from app.villagers import staff_binding
from app.wechat.client import WeChatClient
from app.wechat.errors import NotConfigured, WeChatError
from app.wechat.factory import build_client
from wechat_callbacks import dispatch
from wechat_callbacks.wechat import services_of

router = APIRouter(prefix="/api/v1/wechat", tags=["console: wechat"])
Admin = Annotated[CurrentStaffContext, allow(Role.admin)]
AnyStaff = Annotated[CurrentStaffContext, allow(*ALL_STAFF)]
BINDING_QR_TTL = timedelta(minutes=10)


class App(enum.StrEnum):
    oa = "oa"
    mp = "mp"


class MessageStatus(enum.StrEnum):
    received = "received"
    handled = "handled"
    failed = "failed"


class FetchStatus(enum.StrEnum):
    pending = "pending"
    stored = "stored"
    failed = "failed"


class PhotoOut(BaseModel):
    fetch_id: int
    status: str
    attempts: int
    media_id: int | None
    attached: bool
    last_error: str | None


class MessageOut(BaseModel):
    id: int
    app: str
    msg_type: str
    event: str | None
    # Enough of the openid to tell senders apart; filter by the full one with `openid`.
    sender: str
    msg_id: str | None
    sent_at: datetime | None
    received_at: datetime
    status: str
    reply: str | None
    error: str | None
    report_id: int | None
    handled_at: datetime | None
    payload: dict[str, Any]
    photo: PhotoOut | None = None


def _masked(openid: str) -> str:
    return openid if len(openid) <= 10 else f"{openid[:6]}…{openid[-4:]}"


def _photo(fetch: MediaFetch | None) -> PhotoOut | None:
    if fetch is None:
        return None
    return PhotoOut(
        fetch_id=fetch.id,
        status=fetch.status,
        attempts=fetch.attempts,
        media_id=fetch.media_id,
        attached=fetch.attached,
        last_error=fetch.last_error,
    )


def _message(row: InboundMessage, fetch: MediaFetch | None) -> MessageOut:
    return MessageOut(
        id=row.id,
        app=row.app,
        msg_type=row.msg_type,
        event=row.event,
        sender=_masked(row.from_openid),
        msg_id=row.msg_id,
        sent_at=row.sent_at,
        received_at=row.received_at,
        status=row.status,
        reply=row.reply,
        error=row.error,
        report_id=row.report_id,
        handled_at=row.handled_at,
        payload=row.payload,
        photo=_photo(fetch),
    )


@router.get("/messages", response_model=Page[MessageOut])
async def list_messages(
    staff: Admin,
    session: SessionDep,
    app: App | None = None,
    msg_type: Annotated[str | None, Query(max_length=32)] = None,
    event: Annotated[str | None, Query(max_length=64)] = None,
    status: MessageStatus | None = None,
    openid: Annotated[str | None, Query(max_length=64)] = None,
    report_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[MessageOut]:
    where = repository.MessageFilter(
        app=app.value if app else None,
        msg_type=msg_type,
        event=event,
        status=status.value if status else None,
        openid=openid,
        report_id=report_id,
    )
    rows = await repository.list_messages(
        session, where=where, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    page = rows[:limit]
    fetches = await repository.fetches_of(session, [r.id for r in page if r.msg_type == "image"])
    items = [_message(r, fetches.get(r.id)) for r in page]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


class FetchOut(BaseModel):
    id: int
    inbound_message_id: int
    report_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime
    expires_at: datetime
    media_id: int | None
    attached: bool
    last_error: str | None
    created_at: datetime
    stored_at: datetime | None


@router.get("/media-fetches", response_model=Page[FetchOut])
async def list_media_fetches(
    staff: Admin,
    session: SessionDep,
    status: FetchStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[FetchOut]:
    rows = await repository.list_fetches(
        session, status=status.value if status else None, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    items = [FetchOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


class BindingQrOut(BaseModel):
    image_url: str
    expires_at: datetime


def _client(request: Request) -> WeChatClient:
    client: WeChatClient | None = getattr(request.app.state, "wechat", None)
    if client is None:
        client = build_client(request.app.state.settings, request.app.state.database.sessionmaker)
        request.app.state.wechat = client
    return client


@router.post("/binding-qrcode", response_model=BindingQrOut, status_code=201)
async def binding_qrcode(request: Request, staff: AnyStaff, session: SessionDep, now: NowDep) -> BindingQrOut:
    """A one-time QR code for the signed-in staff member: scanning it with WeChat (following the
    Official Account) makes that WeChat receive their work notifications."""
    code = await staff_binding.issue_code(session, staff_id=staff.account.id, now=now, ttl=BINDING_QR_TTL)
    try:
        qr = await _client(request).create_binding_qrcode(
            BIND_SCENE_PREFIX + code, expire_seconds=int(BINDING_QR_TTL.total_seconds())
        )
    except NotConfigured as exc:
        raise Conflict("公众号尚未配置，无法生成绑定二维码", field="wechat") from exc
    except WeChatError as exc:
        raise HTTPException(
            503, {"code": "wechat_unavailable", "message": "微信服务繁忙，请稍后再试"}
        ) from exc
    await session.commit()
    return BindingQrOut(image_url=qr.image_url, expires_at=now + BINDING_QR_TTL)


@router.post("/messages/{message_id}/rerun", response_model=MessageOut)
async def rerun_message(
    message_id: int, request: Request, admin: Admin, session: SessionDep, now: NowDep
) -> MessageOut:
    """Run a failed push's handler again (after the fault that failed it is mended): the chat report it
    carried is made then. Audited; the reply is stored, it can no longer be sent."""
    try:
        handled = await dispatch.rerun(
            session, message_id=message_id, now=now, services=services_of(request.app)
        )
    except dispatch.NotFailed as exc:
        raise Conflict("只有处理失败的消息可以重新处理", field="message_id") from exc
    if handled is None:
        raise NotFound("消息不存在", field="message_id")
    audit.record(
        session,
        actor=admin.actor,
        action="wechat.message_rerun",
        target_type="inbound_message",
        target_id=message_id,
        at=now,
    )
    await session.commit()
    for work in handled.later:
        await work()
    row = await session.scalar(
        select(InboundMessage)
        .where(InboundMessage.id == message_id)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return _message(row, None)
