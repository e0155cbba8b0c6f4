"""The queries behind a chat conversation: finding (and renewing) the open one, and adding to its report.

Additions to the report are single guarded UPDATEs: they land only while the report still awaits
review (a cadre may accept it at any moment), and they bump its version like any other change. They
run on every chat message, inside WeChat's 5 seconds, so they are kept to one statement each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Row, String, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.inbound import service as inbound_service
from app.inbound.models import ChatSession
from app.people.models import Villager
from app.reports.models import Report
from app.reports.workflow import Status

if TYPE_CHECKING:
    from app.inbound.chat import Point

R = cast(Table, Report.__table__)
DESCRIPTION_CHARS = 2000


CS = cast(Table, ChatSession.__table__)
# Table columns, not the ORM entity's: a statement that names an entity goes through the ORM's
# UPDATE … RETURNING machinery, which costs as much again as the statement itself.
_LATEST_OPEN = (
    select(CS.c.id)
    .where(
        CS.c.villager_id == bindparam("p_villager"),
        CS.c.state != "closed",
        CS.c.last_message_at > bindparam("p_since"),
    )
    .order_by(CS.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_RENEW = update(CS).where(CS.c.id == _LATEST_OPEN).values(last_message_at=bindparam("p_now")).returning(*CS.c)
# The description grows while the report still awaits review; which report is added by the caller.
_APPEND = (
    update(R)
    .where(R.c.status == Status.submitted.value)
    .values(
        description=func.substr(
            R.c.description.concat(bindparam("p_tail", type_=String)), 1, DESCRIPTION_CHARS
        ),
        version=R.c.version + 1,
        updated_at=bindparam("p_now"),
    )
    .returning(R.c.id)
)
_ADD_TEXT = _APPEND.where(R.c.id == bindparam("p_report"))


# A further text, the commonest push of all, before any lock: the follower's latest open conversation
# is renewed and the text added to its report, in one statement (PostgreSQL: a data-modifying WITH).
# Without the follower's lock, what makes this safe is that both UPDATEs wait for the rows they change
# and then check their conditions again on the latest version (READ COMMITTED). So a conversation
# closed meanwhile (新反映), a report accepted meanwhile, or a newer conversation is never written to.
# The conditions that matter are therefore on the UPDATEs themselves, not only in the subquery, which
# sees the rows as they were when the statement began.
V = cast(Table, Villager.__table__)
_LATEST_OPEN_OF_FOLLOWER = (
    select(CS.c.id)
    .join(V, V.c.id == CS.c.villager_id)
    .where(
        V.c.oa_openid == bindparam("p_openid"),
        V.c.oa_following.is_(True),
        CS.c.state != "closed",
        CS.c.last_message_at > bindparam("p_since"),
    )
    .order_by(CS.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_RENEWED = (
    update(CS)
    .where(
        CS.c.id == _LATEST_OPEN_OF_FOLLOWER,
        CS.c.state != "closed",
        CS.c.last_message_at > bindparam("p_since"),
        CS.c.report_id.is_not(None),
    )
    .values(last_message_at=bindparam("p_now"))
    .returning(CS.c.report_id)
    .cte("renewed")
)
_ADDED = _APPEND.where(R.c.id == _RENEWED.c.report_id).cte("added")
# And the message itself is stored, with its reply, in the same statement (when the text was added).
_STORED = inbound_service.insert_handled_naming(_ADDED.c.id).cte("stored")
_ADD_TO_OPEN_REPORT = select(_ADDED.c.id, select(_STORED.c.id).scalar_subquery().label("stored_id"))


@dataclass(frozen=True, slots=True)
class Added:
    report_id: int
    stored: bool  # False: a delivery of this message is stored already (roll back, answer as it was)


async def add_to_open_report(
    session: AsyncSession,
    *,
    openid: str,
    window: timedelta,
    now: datetime,
    text: str,
    message: Mapping[str, Any],
    reply: str,
) -> Added | None:
    """The text added to the report of the follower's open conversation, and the message stored as
    handled with `reply` (a template naming {report_id}); `message` as inbound_service.handled_row
    gives it. None when the text was not added (no open conversation with a report awaiting review,
    not a follower, or not PostgreSQL) and nothing was stored: take the follower's lock and decide."""
    if session.get_bind().dialect.name != "postgresql":
        return None  # SQLite has no UPDATE inside WITH: the locked path does it in two statements
    params = {"p_openid": openid, "p_since": now - window, "p_now": now, "p_tail": "\n" + text}
    row = (await session.execute(_ADD_TO_OPEN_REPORT, {**message, **params, "p_reply": reply})).first()
    return None if row is None else Added(row.id, row.stored_id is not None)


async def open_conversation(
    session: AsyncSession, *, villager_id: int, window: timedelta, now: datetime
) -> ChatSession | None:
    """The follower's conversation still inside the window, its window renewed from `now`, in one
    statement. Whether its report still awaits review is settled by the guarded updates below."""
    params = {"p_villager": villager_id, "p_since": now - window, "p_now": now}
    row = (await session.execute(_RENEW, params)).first()
    return None if row is None else _persistent(session, row)


def _persistent(session: AsyncSession, row: Row[Any]) -> ChatSession:
    """The renewed row as the session's ChatSession, without reading it again."""
    known = session.sync_session.identity_map.get(identity_key(ChatSession, row.id))
    if isinstance(known, ChatSession):
        set_committed_value(known, "last_message_at", row.last_message_at)
        return known
    chat = ChatSession(**row._mapping)
    make_transient_to_detached(chat)  # as if loaded: its attributes are the database's, unchanged
    session.add(chat)
    return chat


async def awaiting_review(session: AsyncSession, *, report_id: int) -> bool:
    status = await session.scalar(select(R.c.status).where(R.c.id == report_id))
    return bool(status == Status.submitted.value)


def _awaiting_review(report_id: int) -> list[ColumnElement[bool]]:
    return [R.c.id == report_id, R.c.status == Status.submitted.value]


async def add_text(session: AsyncSession, *, report_id: int, text: str, now: datetime) -> bool:
    """Append to the description; False when the report is no longer awaiting review."""
    params = {"p_report": report_id, "p_tail": "\n" + text, "p_now": now}
    return (await session.execute(_ADD_TEXT, params)).first() is not None


async def place(
    session: AsyncSession, *, report_id: int, where: Point, now: datetime, only_unplaced: bool = False
) -> bool:
    """Set the report's position; with `only_unplaced`, never over one the follower chose."""
    conditions = _awaiting_review(report_id)
    if only_unplaced:
        conditions.append(R.c.lat.is_(None))
    stmt = (
        update(R)
        .where(*conditions)
        .values(
            lat=where.lat,
            lng=where.lng,
            coord_system=where.coord_system,
            address=where.address,
            version=R.c.version + 1,
            updated_at=now,
        )
        .returning(R.c.id)
    )
    return (await session.execute(stmt)).first() is not None
