"""The console's queries over what WeChat pushed: stored messages and chat photo downloads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound.models import InboundMessage, MediaFetch


@dataclass(frozen=True, slots=True)
class MessageFilter:
    app: str | None = None
    msg_type: str | None = None
    event: str | None = None
    status: str | None = None
    openid: str | None = None
    report_id: int | None = None


async def list_messages(
    session: AsyncSession, *, where: MessageFilter, limit: int, before_id: int | None = None
) -> Sequence[InboundMessage]:
    stmt = select(InboundMessage)
    if where.app:
        stmt = stmt.where(InboundMessage.app == where.app)
    if where.msg_type:
        stmt = stmt.where(InboundMessage.msg_type == where.msg_type)
    if where.event:
        stmt = stmt.where(InboundMessage.event == where.event)
    if where.status:
        stmt = stmt.where(InboundMessage.status == where.status)
    if where.openid:
        stmt = stmt.where(InboundMessage.from_openid == where.openid)
    if where.report_id is not None:
        stmt = stmt.where(InboundMessage.report_id == where.report_id)
    if before_id is not None:
        stmt = stmt.where(InboundMessage.id < before_id)
    return (await session.scalars(stmt.order_by(InboundMessage.id.desc()).limit(limit))).all()


async def fetches_of(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, MediaFetch]:
    if not message_ids:
        return {}
    rows = await session.scalars(
        select(MediaFetch).where(MediaFetch.inbound_message_id.in_(list(message_ids)))
    )
    return {row.inbound_message_id: row for row in rows}


async def list_fetches(
    session: AsyncSession, *, status: str | None, limit: int, before_id: int | None = None
) -> Sequence[MediaFetch]:
    stmt = select(MediaFetch)
    if status:
        stmt = stmt.where(MediaFetch.status == status)
    if before_id is not None:
        stmt = stmt.where(MediaFetch.id < before_id)
    return (await session.scalars(stmt.order_by(MediaFetch.id.desc()).limit(limit))).all()
