"""Storing what WeChat pushes: one row per message or event, however often WeChat delivers it.

The row is inserted under the message's unique dedupe key in the same transaction as its handler's
changes, so they commit together or not at all: a second delivery's insert finds the key taken (or
waits on it while the first is still in flight) and its transaction is rolled back, and it is answered
with the stored reply. Usually the row is written once, at the end, with its reply (`store_handled`);
a handler whose rows reference the message claims it first (`claim`, then `finish`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound.models import InboundMessage

_KEY_CHARS = 255


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def storable_key(key: str) -> str:
    # WeChat's ids are short; a key past the column still needs to stay unique, not be cut.
    if len(key) <= _KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _text(fields: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    return str(value)[:limit]


def _sent_at(fields: Mapping[str, Any]) -> datetime | None:
    raw = str(fields.get("CreateTime") or "")
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        return None
    return datetime.fromtimestamp(int(raw), UTC)


def _values(app: str, fields: Mapping[str, Any], key: str, now: datetime, *, status: str) -> dict[str, Any]:
    msg_id = _text(fields, "MsgId", 40)
    return {
        "app": app,
        "dedupe_key": storable_key(key),
        "msg_type": _text(fields, "MsgType", 32) or "",
        "event": _text(fields, "Event", 64),
        "from_openid": _text(fields, "FromUserName", 64) or "",
        "msg_id": msg_id if msg_id and len(msg_id) <= 32 else None,
        "sent_at": _sent_at(fields),
        "received_at": now,
        "payload": dict(fields),
        "status": status,
    }


def _insert_once(session: AsyncSession, values: dict[str, Any]) -> Any:
    return (
        _insert(session)(InboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[InboundMessage.app, InboundMessage.dedupe_key])
        .returning(InboundMessage.id)
    )


async def claim(
    session: AsyncSession, *, app: str, fields: Mapping[str, Any], key: str, now: datetime
) -> int | None:
    """Store the message before its handler is done (for rows that must reference it); None when a
    delivery of it is stored already."""
    values = _values(app, fields, key, now, status="received")
    new_id: int | None = (await session.execute(_insert_once(session, values))).scalar_one_or_none()
    return new_id


async def store_handled(
    session: AsyncSession,
    *,
    app: str,
    fields: Mapping[str, Any],
    key: str,
    now: datetime,
    reply: str | None,
    report_id: int | None,
) -> int | None:
    """Store the message with how it was handled, in one statement; None when a delivery of it is
    stored already (the caller then rolls its handler's work back)."""
    values = _values(app, fields, key, now, status="handled")
    values.update(reply=reply[:2000] if reply else None, report_id=report_id, handled_at=now)
    new_id: int | None = (await session.execute(_insert_once(session, values))).scalar_one_or_none()
    return new_id


async def stored_reply(session: AsyncSession, *, app: str, key: str) -> str | None:
    reply: str | None = await session.scalar(
        select(InboundMessage.reply).where(
            InboundMessage.app == app, InboundMessage.dedupe_key == storable_key(key)
        )
    )
    return reply


async def finish(
    session: AsyncSession,
    *,
    message_id: int,
    reply: str | None,
    report_id: int | None,
    now: datetime,
) -> None:
    await session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id)
        .values(
            status="handled",
            reply=reply[:2000] if reply else None,
            report_id=report_id,
            handled_at=now,
        )
    )


async def record_failure(
    session: AsyncSession,
    *,
    app: str,
    fields: Mapping[str, Any],
    key: str,
    now: datetime,
    error: str,
    reply: str | None,
) -> None:
    """After the handler's transaction was rolled back: keep the message anyway, marked failed."""
    values = _values(app, fields, key, now, status="failed")
    values.update(error=error[:300], reply=reply, handled_at=now)
    await session.execute(
        _insert(session)(InboundMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[InboundMessage.app, InboundMessage.dedupe_key])
    )
