"""Storing what WeChat pushes: one row per message or event, however often WeChat delivers it.

The row is inserted under the message's unique dedupe key in the same transaction as its handler's
changes, so they commit together or not at all: a second delivery's insert finds the key taken (or
waits on it while the first is still in flight) and its transaction is rolled back, and it is answered
with the stored reply. Usually the row is written once, at the end, with its reply (`store_handled`);
a handler whose rows reference the message claims it first (`claim`, then `finish`); and a further
chat text is stored by the very statement that adds it to its report (`insert_handled_naming`).

Every push runs these, so the statements are built once, with bind parameters, not per request.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, bindparam, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbound.models import InboundMessage

_KEY_CHARS = 255
T = cast(Table, InboundMessage.__table__)
_COLUMNS = (
    "app",
    "dedupe_key",
    "msg_type",
    "event",
    "from_openid",
    "msg_id",
    "sent_at",
    "received_at",
    "payload",
    "status",
    "reply",
    "error",
    "report_id",
    "handled_at",
)


@functools.cache
def _insert_once(dialect: str) -> Any:
    # Bind names must differ from the column names they fill.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(T)
        .values({name: bindparam(f"p_{name}") for name in _COLUMNS})
        .on_conflict_do_nothing(index_elements=[T.c.app, T.c.dedupe_key])
        .returning(T.c.id)
    )


def insert_handled_naming(report_id: ColumnElement[Any]) -> Any:
    """INSERT … SELECT of one message stored as handled, for a statement that finds its report itself
    (PostgreSQL): `report_id` gives the report (no row, nothing stored), and the reply is the p_reply
    template with {report_id} filled in by the database. Parameters as `handled_row` gives them."""
    values: list[ColumnElement[Any]] = [bindparam(f"p_{name}", type_=T.c[name].type) for name in _COLUMNS]
    values[_COLUMNS.index("report_id")] = report_id
    reply = func.replace(bindparam("p_reply", type_=String), "{report_id}", sql_cast(report_id, String))
    values[_COLUMNS.index("reply")] = reply
    return (
        pg_insert(T)
        .from_select(list(_COLUMNS), select(*values))
        .on_conflict_do_nothing(index_elements=[T.c.app, T.c.dedupe_key])
        .returning(T.c.id)
    )


_FINISH = (
    update(T)
    .where(T.c.id == bindparam("p_id"))
    .values(
        status="handled",
        reply=bindparam("p_reply"),
        report_id=bindparam("p_report_id"),
        handled_at=bindparam("p_at"),
    )
)
_STORED_REPLY = select(T.c.reply).where(T.c.app == bindparam("p_app"), T.c.dedupe_key == bindparam("p_key"))


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


def _row(
    app: str,
    fields: Mapping[str, Any],
    key: str,
    now: datetime,
    *,
    status: str,
    reply: str | None = None,
    error: str | None = None,
    report_id: int | None = None,
    handled_at: datetime | None = None,
) -> dict[str, Any]:
    msg_id = _text(fields, "MsgId", 40)
    row = {
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
        "reply": reply[:2000] if reply else None,
        "error": error[:300] if error else None,
        "report_id": report_id,
        "handled_at": handled_at,
    }
    return {f"p_{name}": value for name, value in row.items()}


def handled_row(app: str, fields: Mapping[str, Any], key: str, now: datetime) -> dict[str, Any]:
    """The parameters of a message stored as handled now (reply and report filled in by the caller)."""
    return _row(app, fields, key, now, status="handled", handled_at=now)


async def _insert_row(session: AsyncSession, row: dict[str, Any]) -> int | None:
    stmt = _insert_once(session.get_bind().dialect.name)
    new_id: int | None = (await session.execute(stmt, row)).scalar_one_or_none()
    return new_id


async def claim(
    session: AsyncSession, *, app: str, fields: Mapping[str, Any], key: str, now: datetime
) -> int | None:
    """Store the message before its handler is done (for rows that must reference it); None when a
    delivery of it is stored already."""
    return await _insert_row(session, _row(app, fields, key, now, status="received"))


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
    row = _row(app, fields, key, now, status="handled", reply=reply, report_id=report_id, handled_at=now)
    return await _insert_row(session, row)


async def stored_reply(session: AsyncSession, *, app: str, key: str) -> str | None:
    reply: str | None = await session.scalar(_STORED_REPLY, {"p_app": app, "p_key": storable_key(key)})
    return reply


async def finish(
    session: AsyncSession,
    *,
    message_id: int,
    reply: str | None,
    report_id: int | None,
    now: datetime,
) -> None:
    params = {"p_id": message_id, "p_reply": reply[:2000] if reply else None, "p_report_id": report_id}
    await session.execute(_FINISH, {**params, "p_at": now})


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
    row = _row(app, fields, key, now, status="failed", reply=reply, error=error, handled_at=now)
    await _insert_row(session, row)
